// A modem the gateway has seen, keyed by IMEI.
import Foundation
import GRDB

public struct ModemRecord: Codable, Sendable, Equatable, SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "modem"

    public var imei: String
    /// The gateway's name for it (config id or `usb-<last 6 IMEI digits>`) when last seen.
    public var id: String
    public var vendor: String?
    public var model: String?
    public var firmware: String?
    /// The AT port it was last identified on.
    public var atPort: String?
    public var usbPath: String?
    /// When this IMEI was first identified; never changes afterwards.
    public var firstSeen: Date
    public var lastSeen: Date

    public init(imei: String, id: String, vendor: String? = nil, model: String? = nil, firmware: String? = nil,
                atPort: String? = nil, usbPath: String? = nil, firstSeen: Date, lastSeen: Date) {
        self.imei = imei
        self.id = id
        self.vendor = vendor
        self.model = model
        self.firmware = firmware
        self.atPort = atPort
        self.usbPath = usbPath
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }

    /// Inserts or refreshes the row for `imei`. `first_seen` is kept from the first
    /// identification; identity fields given as nil keep what was stored (a firmware read
    /// that failed this time does not erase the known firmware).
    static func upsert(_ db: Database, _ seen: ModemRecord) throws -> ModemRecord {
        try db.execute(sql: """
            INSERT INTO modem (imei, id, vendor, model, firmware, at_port, usb_path, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(imei) DO UPDATE SET
                id = excluded.id,
                vendor = COALESCE(excluded.vendor, modem.vendor),
                model = COALESCE(excluded.model, modem.model),
                firmware = COALESCE(excluded.firmware, modem.firmware),
                at_port = COALESCE(excluded.at_port, modem.at_port),
                usb_path = COALESCE(excluded.usb_path, modem.usb_path),
                last_seen = MAX(excluded.last_seen, modem.last_seen)
            """, arguments: [seen.imei, seen.id, seen.vendor, seen.model, seen.firmware, seen.atPort, seen.usbPath,
                             seen.firstSeen, seen.lastSeen])
        guard let stored = try ModemRecord.fetchOne(db, key: seen.imei) else {
            throw DatabaseError(resultCode: .SQLITE_INTERNAL, message: "modem \(seen.imei) missing right after upsert")
        }
        return stored
    }
}
