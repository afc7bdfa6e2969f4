// SIM care's verdict on each SIM (quarantined, on probation, disabled by the admin), kept
// across restarts: a restart must not put a barred SIM back into routing, nor forget that an
// admin took one out. Keyed by ICCID, so the verdict follows the SIM to another modem. The
// state is the Gateway's `SIMHealth` as JSON: Storage keeps it, the pure core defines it.
import Foundation
import GRDB

enum SIMHealthMigration {
    static let name = "v8-sim-health"

    static func migrate(_ db: Database) throws {
        try db.create(table: "sim_health") { t in
            t.column("iccid", .text).primaryKey()
            t.column("state", .blob).notNull()         // SIMHealth, JSON
            t.column("updated_at", .datetime).notNull()
        }
    }
}

extension StorageTransaction {
    public func saveSIMHealth(iccid: String, state: Data, at now: Date) throws {
        try db.execute(sql: """
            INSERT INTO sim_health (iccid, state, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (iccid) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
            """, arguments: [iccid, state, now])
    }

    /// Every SIM's stored state, by ICCID.
    public func simHealthStates() throws -> [String: Data] {
        var out: [String: Data] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT iccid, state FROM sim_health") { out[row["iccid"]] = row["state"] }
        return out
    }
}
