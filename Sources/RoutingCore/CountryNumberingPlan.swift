// CountryNumberingPlan: the dialling facts of the four home countries (numbering.md §3,
// taken from libphonenumber's PhoneNumberMetadata.xml and metadata.csv).

/// A country the normalizer knows the national numbering plan of.
public enum Country: String, Sendable, Codable, CaseIterable, Hashable {
    case ru = "RU"
    case kz = "KZ"
    case ua = "UA"
    case by = "BY"

    public var callingCode: UInt64 {
        switch self {
        case .ru, .kz: 7
        case .ua: 380
        case .by: 375
        }
    }

    /// Whether `nsn` (the national significant number, as digits) is a plausible number of
    /// this country: length and leading digits per the libphonenumber territory.
    func acceptsNationalNumber(_ nsn: Substring) -> Bool {
        guard let first = nsn.first else { return false }
        switch self {
        case .ru:
            // leadingDigits="[3489]"; every RU number is 10 digits.
            return nsn.count == 10 && "3489".contains(first)
        case .kz:
            // leadingDigits="7" inside +7; 10 digits.
            return nsn.count == 10 && first == "7"
        case .ua:
            // 9 digits; premium 900[239] may be 10 (premiumRate possibleLengths 9,10).
            return (nsn.count == 9 && first != "0" && first != "1")
                || (nsn.count == 10 && nsn.hasPrefix("900"))
        case .by:
            // 9 digits (1x-4x geographic/mobile); 10-digit 8xx toll-free and 810/902 premium.
            return (nsn.count == 9 && "1234".contains(first))
                || (nsn.count == 10 && (first == "8" || nsn.hasPrefix("902")))
        }
    }

    /// Trunk (national) prefixes, longest first so "80" is tried before "8" (BY
    /// nationalPrefixForParsing="0|80?"). UA's "80" is the pre-2009 form still found in old
    /// address books (numbering.md §3, history).
    var trunkPrefixes: [String] {
        switch self {
        case .ru, .kz: ["8"]
        case .ua: ["0", "80"]
        case .by: ["80", "8", "0"]
        }
    }

    /// The leading digit of national numbers accepted without any prefix (mobile only).
    var bareNationalLeadingDigit: Character? {
        switch self {
        case .ru: "9"
        case .kz: "7"
        case .ua, .by: nil
        }
    }

    /// International (IDD) prefixes. RU/KZ/BY dial 8~10; UA dials 00 and, in old books, 810.
    var internationalPrefixes: [String] {
        switch self {
        case .ru, .kz, .by: ["810"]
        case .ua: ["00", "810"]
        }
    }

    /// The country of a full E.164 number, or nil when it is none of the four.
    /// Inside +7 the first NSN digit picks KZ ("7") or RU (numbering.md §3 step 6).
    public static func of(e164 digits: Substring) -> Country? {
        if digits.hasPrefix("380") { return .ua }
        if digits.hasPrefix("375") { return .by }
        if digits.hasPrefix("7") {
            let nsn = digits.dropFirst()
            return nsn.first == "7" ? .kz : .ru
        }
        return nil
    }
}
