// A SIM card the gateway has seen, keyed by ICCID.
import Foundation
import GRDB

public struct SIMRecord: Codable, Sendable, Equatable, SnakeCaseColumns, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sim"

    public var iccid: String
    public var imsi: String?
    /// The SIM's home operator, MCC followed by MNC ("25001"), from the IMSI.
    public var mccmnc: String?
    public var msisdn: String?
    /// IMEI of the modem the SIM was last seen in.
    public var modemIMEI: String?
    public var firstSeen: Date
    public var lastSeen: Date

    public init(iccid: String, imsi: String? = nil, mccmnc: String? = nil, msisdn: String? = nil, modemIMEI: String? = nil,
                firstSeen: Date, lastSeen: Date) {
        self.iccid = iccid
        self.imsi = imsi
        self.mccmnc = mccmnc
        self.msisdn = msisdn
        self.modemIMEI = modemIMEI
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }

    /// Inserts or refreshes the row for `iccid`, keeping `first_seen`; nil fields keep what
    /// was stored (many SIMs do not answer AT+CNUM, which must not erase a known MSISDN).
    static func upsert(_ db: Database, _ seen: SIMRecord) throws -> SIMRecord {
        try db.execute(sql: """
            INSERT INTO sim (iccid, imsi, mccmnc, msisdn, modem_imei, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(iccid) DO UPDATE SET
                imsi = COALESCE(excluded.imsi, sim.imsi),
                mccmnc = COALESCE(excluded.mccmnc, sim.mccmnc),
                msisdn = COALESCE(excluded.msisdn, sim.msisdn),
                modem_imei = COALESCE(excluded.modem_imei, sim.modem_imei),
                last_seen = MAX(excluded.last_seen, sim.last_seen)
            """, arguments: [seen.iccid, seen.imsi, seen.mccmnc, seen.msisdn, seen.modemIMEI, seen.firstSeen, seen.lastSeen])
        guard let stored = try SIMRecord.fetchOne(db, key: seen.iccid) else {
            throw DatabaseError(resultCode: .SQLITE_INTERNAL, message: "SIM \(seen.iccid) missing right after upsert")
        }
        return stored
    }
}

/// The home network of a SIM from its IMSI: MCC (3 digits) then MNC (2 or 3 digits).
///
/// The IMSI does not say how long its MNC is (the SIM's EF_AD does, which AT commands
/// rarely expose), so the length comes from the MCC: these MCCs use 3-digit MNCs for all
/// their operators in the pbakondy MCC-MNC list (see /work/shared/reference/numbering.md),
/// plus 310/314 (USA) and 338 (Jamaica) where 3 digits are the rule. Everywhere else,
/// including Russia (250) and Ukraine (255), the MNC has 2 digits.
public enum HomeNetwork {
    static let mccsWithThreeDigitMNC: Set<String> = [
        "302", "310", "311", "312", "313", "314", "315", "316", "330", "334", "338", "342", "344", "346",
        "348", "352", "354", "356", "358", "360", "365", "366", "376", "708", "722", "732", "750",
    ]

    /// nil unless `imsi` is 6 to 15 digits (3GPP TS 23.003: at most 15).
    public static func mccmnc(fromIMSI imsi: String) -> String? {
        guard (6...15).contains(imsi.utf8.count), imsi.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let mcc = String(imsi.prefix(3))
        return String(imsi.prefix(mccsWithThreeDigitMNC.contains(mcc) ? 6 : 5))
    }
}
