// MCCMNC: the network identity every numbering source can be joined on (numbering.md §0.1).
//
// A SIM's IMSI starts with it (MCC 3 digits + MNC 2 or 3 digits), the БДПН files carry the
// MNC, and the registry/libphonenumber operators are mapped to it by `OperatorMapping`.

/// Mobile country code + mobile network code, e.g. 250-01 (MTS Russia).
///
/// The MNC's digit count is part of the identity: 310-010 and 310-10 are different networks
/// in principle, so "001" and "01" never compare equal.
public struct MCCMNC: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let mcc: UInt16
    public let mnc: UInt16
    /// 2 or 3.
    public let mncDigits: UInt8

    /// nil unless mcc is 3 digits (200...799, the ITU E.212 range) and mnc fits `mncDigits`.
    public init?(mcc: Int, mnc: Int, mncDigits: Int = 2) {
        guard (200...799).contains(mcc), mncDigits == 2 || mncDigits == 3,
              mnc >= 0, mnc < (mncDigits == 2 ? 100 : 1000) else { return nil }
        self.mcc = UInt16(mcc)
        self.mnc = UInt16(mnc)
        self.mncDigits = UInt8(mncDigits)
    }

    /// For literals in this module only (callers guarantee the ranges).
    init(literalMCC mcc: UInt16, mnc: UInt16, mncDigits: UInt8) {
        self.mcc = mcc
        self.mnc = mnc
        self.mncDigits = mncDigits
    }

    /// Parses "25001", "250-01", "250 01", "250/01" and the 3-digit-MNC forms ("310-410").
    public init?(_ text: some StringProtocol) {
        let digits = String(text.filter { $0 != "-" && $0 != " " && $0 != "/" })
        guard digits.count == 5 || digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let mcc = Int(digits.prefix(3)), let mnc = Int(digits.dropFirst(3)) else { return nil }
        self.init(mcc: mcc, mnc: mnc, mncDigits: digits.count - 3)
    }

    /// The MCC-MNC at the head of an IMSI (as read with AT+CIMI).
    ///
    /// - Parameter mncDigits: the MNC length when known (the SIM's EF_AD says it; modems do not
    ///   always expose it). When nil, MCCs known to use 3-digit MNCs get 3, others 2.
    public init?(imsi: some StringProtocol, mncDigits: Int? = nil) {
        let trimmed = imsi.trimmingCharacters(in: .whitespaces)
        guard (6...15).contains(trimmed.count), trimmed.allSatisfy({ $0.isASCII && $0.isNumber }),
              let mcc = Int(trimmed.prefix(3)) else { return nil }
        let length = mncDigits ?? (MCCMNC.threeDigitMNCCountries.contains(mcc) ? 3 : 2)
        guard let mnc = Int(trimmed.dropFirst(3).prefix(length)) else { return nil }
        self.init(mcc: mcc, mnc: mnc, mncDigits: length)
    }

    /// Countries whose networks use 3-digit MNCs (North America, parts of Latin America and
    /// the Caribbean). RU/KZ/UA/BY all use 2 digits. India (404/405) mixes both, so it is
    /// not listed: pass `mncDigits` explicitly there.
    static let threeDigitMNCCountries: Set<Int> = [
        302, 310, 311, 312, 313, 314, 315, 316, 334, 338, 342, 344, 346, 348, 352, 354, 356, 358,
        360, 365, 376, 708, 722, 732,
    ]

    /// "250-01".
    public var description: String {
        let mncText = String(mnc)
        let padded = String(repeating: "0", count: max(0, Int(mncDigits) - mncText.count)) + mncText
        return "\(mcc)-\(padded)"
    }

    /// "25001": the compact form used in IMSIs and config files.
    public var compact: String { description.replacingOccurrences(of: "-", with: "") }

    public static func < (lhs: MCCMNC, rhs: MCCMNC) -> Bool {
        (lhs.mcc, lhs.mnc, lhs.mncDigits) < (rhs.mcc, rhs.mnc, rhs.mncDigits)
    }

    // Codable as the compact string, so config and JSON stay readable.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = MCCMNC(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an MCC-MNC: \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(compact)
    }
}

import Foundation
