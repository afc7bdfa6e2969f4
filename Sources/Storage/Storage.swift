// What the gateway records about modems, SIMs and events: the one entry point it uses.
//
// Every method is async and runs on GRDB's serialized writer (or a pooled reader), so the
// gateway's actors never block a cooperative thread on SQLite.
import ControlModel
import Foundation
import GRDB

public final class Storage: Sendable {
    /// Sendable: GRDB's DatabaseWriter protocol requires it (DatabasePool, DatabaseQueue).
    public let writer: any DatabaseWriter
    /// Whether writes still succeed (a full disk, an I/O error): StorageHealth.swift.
    public let health: StorageHealth

    /// Wraps an open database and applies any pending migrations.
    public init(writer: any DatabaseWriter, directory: String? = nil) throws {
        self.writer = writer
        health = StorageHealth(directory: directory)
        try StorageMigrations.migrator.migrate(writer)
    }

    /// `<stateDirectory>/simgate.sqlite` in WAL mode, created if missing.
    public static func open(stateDirectory: String) throws -> Storage {
        try Storage(writer: StorageDatabase.openPool(stateDirectory: stateDirectory), directory: stateDirectory)
    }

    public static func inMemory() throws -> Storage {
        try Storage(writer: StorageDatabase.openInMemory())
    }

    // MARK: Modems

    /// A modem answered its identification (IMEI and friends). Creates its row or refreshes
    /// it; `first_seen` stays from the first time, even when it now sits on another port.
    @discardableResult
    public func recordModemIdentified(imei: String, id: String, vendor: String? = nil, model: String? = nil,
                                      firmware: String? = nil, atPort: String? = nil, usbPath: String? = nil,
                                      at now: Date) async throws -> ModemRecord {
        let seen = ModemRecord(imei: imei, id: id, vendor: vendor, model: model, firmware: firmware,
                               atPort: atPort, usbPath: usbPath, firstSeen: now, lastSeen: now)
        return try await write { db in try ModemRecord.upsert(db, seen) }
    }

    public func modem(imei: String) async throws -> ModemRecord? {
        try await writer.read { db in try ModemRecord.fetchOne(db, key: imei) }
    }

    /// Every modem ever identified, most recently seen first.
    public func allModems() async throws -> [ModemRecord] {
        try await writer.read { db in
            try ModemRecord.order(Column("last_seen").desc, Column("imei")).fetchAll(db)
        }
    }

    // MARK: SIMs

    /// A SIM was read in a modem. `mccmnc` defaults to the one derived from the IMSI; pass
    /// it when the modem told it (EF_AD knows the MNC length). The modem must have been
    /// recorded with `recordModemIdentified` first (foreign key).
    @discardableResult
    public func recordSIM(iccid: String, imsi: String? = nil, mccmnc: String? = nil, msisdn: String? = nil,
                          modemIMEI: String? = nil, at now: Date) async throws -> SIMRecord {
        let operatorCode = mccmnc ?? imsi.flatMap(HomeNetwork.mccmnc(fromIMSI:))
        let seen = SIMRecord(iccid: iccid, imsi: imsi, mccmnc: operatorCode, msisdn: msisdn, modemIMEI: modemIMEI,
                             firstSeen: now, lastSeen: now)
        return try await write { db in try SIMRecord.upsert(db, seen) }
    }

    public func sim(iccid: String) async throws -> SIMRecord? {
        try await writer.read { db in try SIMRecord.fetchOne(db, key: iccid) }
    }

    // MARK: Events

    /// Appends one event; returns its row id.
    @discardableResult
    public func recordEvent(_ event: ModemEventRecord, imei: String?) async throws -> Int64 {
        try await write { db in
            var row = ModemEventRow(event, imei: imei)
            try row.insert(db)
            return row.id ?? db.lastInsertedRowID
        }
    }

    /// The newest `limit` events of one modem, newest first.
    public func recentEvents(modemID: String, limit: Int) async throws -> [ModemEventRecord] {
        let limit = max(0, limit)
        return try await writer.read { db in
            try ModemEventRow
                .filter(Column("modem_id") == modemID)
                .order(Column("at").desc, Column("id").desc)
                .limit(limit)
                .fetchAll(db)
                .map(\.record)
        }
    }

    /// Deletes events older than `days` days before `now`; returns how many went.
    @discardableResult
    public func pruneEvents(olderThanDays days: Int, now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(max(0, days)) * 86_400)
        return try await write { db in
            try ModemEventRow.filter(Column("at") < cutoff).deleteAll(db)
        }
    }
}
