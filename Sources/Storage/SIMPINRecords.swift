// PINs a SIM refused, kept across restarts: a wrong PIN is entered once, never again
// (three wrong PINs lock the SIM behind its PUK). Keyed by modem id and a fingerprint of the
// PIN; the PIN itself is never written.
import Foundation
import GRDB

public struct SIMPINRejection: Sendable, Equatable {
    public var modem: String
    public var pinFingerprint: String
    public var rejectedAt: Date
    public var reason: String
    public init(modem: String, pinFingerprint: String, rejectedAt: Date, reason: String) {
        self.modem = modem; self.pinFingerprint = pinFingerprint; self.rejectedAt = rejectedAt; self.reason = reason
    }
}

extension StorageTransaction {
    public func recordPINRejection(_ r: SIMPINRejection) throws {
        try db.execute(sql: """
            INSERT INTO sim_pin_rejection (modem, pin_fingerprint, rejected_at, reason) VALUES (?, ?, ?, ?)
            ON CONFLICT (modem, pin_fingerprint) DO UPDATE SET rejected_at = excluded.rejected_at, reason = excluded.reason
            """, arguments: [r.modem, r.pinFingerprint, r.rejectedAt, r.reason])
    }

    public func pinRejection(modem: String, pinFingerprint: String) throws -> SIMPINRejection? {
        try Row.fetchOne(db, sql: "SELECT * FROM sim_pin_rejection WHERE modem = ? AND pin_fingerprint = ?",
                         arguments: [modem, pinFingerprint]).map {
            SIMPINRejection(modem: $0["modem"], pinFingerprint: $0["pin_fingerprint"], rejectedAt: $0["rejected_at"], reason: $0["reason"])
        }
    }
}
