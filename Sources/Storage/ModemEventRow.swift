// The stored form of a ModemEventRecord (ControlModel), plus the IMEI when known.
import ControlModel
import Foundation
import GRDB

public struct ModemEventRow: Codable, Sendable, Equatable, SnakeCaseColumns, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "modem_event"

    public var id: Int64?
    public var at: Date
    public var modemID: String
    public var imei: String?
    public var kind: String
    public var detail: String

    public init(id: Int64? = nil, at: Date, modemID: String, imei: String?, kind: String, detail: String) {
        self.id = id
        self.at = at
        self.modemID = modemID
        self.imei = imei
        self.kind = kind
        self.detail = detail
    }

    public init(_ event: ModemEventRecord, imei: String?) {
        self.init(at: event.at, modemID: event.modemID, imei: imei, kind: event.kind, detail: event.detail)
    }

    public var record: ModemEventRecord {
        ModemEventRecord(at: at, modemID: modemID, kind: kind, detail: detail)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
