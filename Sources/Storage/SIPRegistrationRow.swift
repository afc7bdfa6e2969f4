// A SIP contact binding as stored (table sip_registration), and the Storage methods the
// registrar uses. The registrar keeps the live table in memory and writes through here.
import ControlModel
import Foundation
import GRDB

public struct SIPRegistrationRow: Codable, Sendable, Equatable, SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sip_registration"

    public var user: String
    /// The Contact URI as the phone sent it (without header parameters).
    public var contact: String
    /// "udp:127.0.0.1:5072": where the REGISTER came from (requests to the user go there).
    public var source: String
    public var userAgent: String?
    /// Call-ID and CSeq of the last REGISTER that touched the binding (§10.3 step 7 ordering).
    public var callID: String
    public var cseq: Int64
    public var expiresAt: Date

    public init(user: String, contact: String, source: String, userAgent: String?, callID: String, cseq: Int64, expiresAt: Date) {
        self.user = user
        self.contact = contact
        self.source = source
        self.userAgent = userAgent
        self.callID = callID
        self.cseq = cseq
        self.expiresAt = expiresAt
    }

    public var info: SIPRegistrationInfo {
        SIPRegistrationInfo(user: user, contact: contact, source: source, userAgent: userAgent, expiresAt: expiresAt)
    }

}

extension Storage {
    /// Inserts or replaces the binding of (user, contact).
    public func saveSIPRegistration(_ row: SIPRegistrationRow) async throws {
        try await write { db in try row.save(db) }
    }

    public func deleteSIPRegistration(user: String, contact: String) async throws {
        _ = try await write { db in try SIPRegistrationRow.deleteOne(db, key: ["user": user, "contact": contact]) }
    }

    public func deleteSIPRegistrations(user: String) async throws {
        _ = try await write { db in try SIPRegistrationRow.filter(Column("user") == user).deleteAll(db) }
    }

    /// Bindings still valid at `now`; expired rows are deleted on the way.
    public func liveSIPRegistrations(now: Date) async throws -> [SIPRegistrationRow] {
        try await write { db in
            _ = try SIPRegistrationRow.filter(Column("expires_at") <= now).deleteAll(db)
            return try SIPRegistrationRow.order(Column("user"), Column("contact")).fetchAll(db)
        }
    }
}
