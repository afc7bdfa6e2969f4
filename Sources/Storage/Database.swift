// Opening the gateway's SQLite database: one file under the state directory, WAL mode.
//
// WAL lets the control API read (modem list, events) while the gateway writes, without
// either waiting on the other; a DatabasePool gives each reader its own connection and
// serializes writers. GRDB links the system libsqlite3.
import Foundation
import GRDB

public enum StorageDatabase {
    /// The database file inside `[daemon] state_dir`.
    public static let fileName = "simgate.sqlite"

    /// How long a writer waits for another process's lock (a `sqlite3` shell, a backup)
    /// before failing, instead of failing at once.
    public static let busyTimeoutSeconds: TimeInterval = 5

    /// `PRAGMA synchronous` on every connection, chosen deliberately: FULL. In WAL mode FULL
    /// fsyncs the WAL at every commit, so a transaction that returned is on the disk: a call
    /// record, a usage counter, a missed call survive a kill -9 (NORMAL would too: the WAL is in
    /// the OS cache) AND a power cut or kernel panic (NORMAL may lose the last commits there).
    /// The cost is one fsync per write transaction; simgate writes a few per call (open,
    /// answer, close) and one heartbeat every `CallManager.heartbeatSeconds` while calls are
    /// up, never on the media path, so the gateway can afford the stronger promise. Stated in
    /// README ("What simgate guarantees").
    public static let synchronous = "FULL"

    /// Foreign keys on (GRDB's default, stated here because the schema relies on it), a busy
    /// timeout and `synchronous`. DatabasePool sets `journal_mode=WAL` itself.
    public static func configuration() -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeoutSeconds)
        config.label = "simgate"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        return config
    }

    /// Opens (creating the directory and file if missing) and migrates
    /// `<stateDirectory>/simgate.sqlite`.
    public static func openPool(stateDirectory: String) throws -> DatabasePool {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let path = (stateDirectory as NSString).appendingPathComponent(fileName)
        let pool = try DatabasePool(path: path, configuration: configuration())
        try StorageMigrations.migrator.migrate(pool)
        return pool
    }

    /// A private in-memory database with the same schema, for tests and dry runs.
    /// (WAL needs a file; an in-memory database has no journal to speak of.)
    public static func openInMemory() throws -> DatabaseQueue {
        let queue = try DatabaseQueue(configuration: configuration())
        try StorageMigrations.migrator.migrate(queue)
        return queue
    }
}
