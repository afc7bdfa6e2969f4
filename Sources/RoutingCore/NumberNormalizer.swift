// NumberNormalizer: dialled digits (SIP Request-URI user part or tel: URI) to E.164,
// per the home country's dialling rules (numbering.md §3 "Recommended normalizer").
//
// Pure and total: every input yields either a `NormalizedNumber` that says how it was
// derived, or a `NormalizationError` naming what was wrong and where (SIP 484).

/// What the gateway accepts besides full numbers, and which heuristics it applies.
public struct NormalizerConfig: Sendable, Codable, Hashable {
    public var homeCountry: Country
    /// Pass digit-only short numbers (112, 0911, 100) through unchanged.
    public var allowShortCodes: Bool
    /// Longest digit string treated as a short code; every full national number is longer
    /// (RU/KZ 10 digits, UA/BY 9), so the ranges never overlap.
    public var maxShortCodeDigits: Int
    /// Pass service codes containing `*` or `#` (USSD-like `*100#`) through unchanged.
    public var allowServiceCodes: Bool
    /// Accept `00` as an international prefix in RU/KZ/BY too: SIP softphones send it,
    /// although the national IDD is 8~10 (numbering.md §3 step 3).
    public var acceptDoubleZeroPrefix: Bool
    /// Accept pre-2009 Ukrainian forms (trunk `80`, IDD `810`) found in old address books.
    public var acceptLegacyForms: Bool
    /// Accept a national significant number with no prefix at all (e.g. 10-digit 9XXXXXXXXX
    /// in Russia) and digits that already are a full +7/+380/+375 number without the `+`.
    public var acceptBareNumbers: Bool

    public init(
        homeCountry: Country,
        allowShortCodes: Bool = true,
        maxShortCodeDigits: Int = 6,
        allowServiceCodes: Bool = false,
        acceptDoubleZeroPrefix: Bool = true,
        acceptLegacyForms: Bool = true,
        acceptBareNumbers: Bool = true
    ) {
        self.homeCountry = homeCountry
        self.allowShortCodes = allowShortCodes
        self.maxShortCodeDigits = maxShortCodeDigits
        self.allowServiceCodes = allowServiceCodes
        self.acceptDoubleZeroPrefix = acceptDoubleZeroPrefix
        self.acceptLegacyForms = acceptLegacyForms
        self.acceptBareNumbers = acceptBareNumbers
    }
}

/// How a number reached its E.164 form; shown by `simgate route explain`.
public enum NumberDerivation: String, Sendable, Codable, Hashable {
    /// "+7 916 …": already international.
    case plusPrefixed = "plus-prefixed"
    /// "810 49 …", "00 380 …": the international (IDD) prefix was removed.
    case internationalPrefix = "international-prefix"
    /// "8 916 …", "067 …": the trunk prefix was replaced by the home calling code.
    case trunkPrefix = "trunk-prefix"
    /// "79161234567": a full number of a known country without the `+`.
    case bareInternational = "bare-international"
    /// "9161234567": a national significant number without any prefix.
    case bareNationalNumber = "bare-national"
    /// "112": passed as dialled.
    case shortCode = "short-code"
    /// "*100#": passed as dialled.
    case serviceCode = "service-code"
}

/// The result of normalization.
public struct NormalizedNumber: Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, Hashable {
        case e164, shortCode = "short-code", serviceCode = "service-code"
    }

    public let kind: Kind
    /// E.164 digits without `+`, or the short/service code as dialled (separators removed).
    public let digits: String
    /// The E.164 number as an integer (the key every table uses); nil for short/service codes.
    public let e164: UInt64?
    /// The country of the number when it is one of the four known plans.
    public let country: Country?
    public let derivation: NumberDerivation
    /// The prefix that was removed or replaced ("810", "8", "0"), if any.
    public let removedPrefix: String?

    /// "+79161234567" or the code as dialled.
    public var description: String { kind == .e164 ? "+" + digits : digits }
}

/// Why a number was refused. The Gateway answers 484 Address Incomplete.
public struct NormalizationError: Error, Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Codable, Hashable {
        case empty
        /// A character that is neither a digit, a separator nor a leading `+`; position is
        /// the 0-based index in the input.
        case invalidCharacter(character: String, position: Int)
        case misplacedPlus(position: Int)
        case shortCodeNotAllowed
        case serviceCodeNotAllowed
        /// More than 15 digits, the E.164 maximum.
        case tooLong(digits: Int)
        /// `+` followed by digits that are not a valid number of that country code.
        case invalidInternationalNumber(digits: Int)
        /// No dialling rule of the home country matches.
        case unrecognized(digits: Int)
    }

    public let input: String
    public let reason: Reason

    public var sipStatus: Int { 484 }

    public var description: String {
        switch reason {
        case .empty: "empty number"
        case .invalidCharacter(let c, let p): "invalid character '\(c)' at position \(p) in \"\(input)\""
        case .misplacedPlus(let p): "'+' at position \(p) in \"\(input)\" (only allowed first)"
        case .shortCodeNotAllowed: "short code \"\(input)\" is not allowed"
        case .serviceCodeNotAllowed: "service code \"\(input)\" is not allowed"
        case .tooLong(let n): "\(n) digits in \"\(input)\" (E.164 allows at most 15)"
        case .invalidInternationalNumber(let n): "\"\(input)\" (\(n) digits) is not a valid international number"
        case .unrecognized(let n): "\"\(input)\" (\(n) digits) matches no dialling rule of the home country"
        }
    }
}

public struct NumberNormalizer: Sendable {
    public let config: NormalizerConfig

    public init(config: NormalizerConfig) {
        self.config = config
    }

    public func normalize(_ input: String) -> Result<NormalizedNumber, NormalizationError> {
        var text = Substring(input.trimmingCharacters(in: .whitespacesAndNewlines))
        if text.lowercased().hasPrefix("tel:") { text = text.dropFirst(4) }
        // tel: URI / SIP user parameters (";phone-context=…", ";npdi") carry no digits.
        if let semicolon = text.firstIndex(of: ";") { text = text[..<semicolon] }

        var digits = ""
        var hasPlus = false
        var isService = false
        for (position, character) in text.enumerated() {
            switch character {
            case "0"..."9":
                digits.append(character)
            case " ", "-", "(", ")", ".", "\t", "\u{00A0}":
                continue
            case "+":
                guard digits.isEmpty, !hasPlus, !isService else {
                    return .failure(NormalizationError(input: input, reason: .misplacedPlus(position: position)))
                }
                hasPlus = true
            case "*", "#":
                guard !hasPlus else {
                    return .failure(NormalizationError(
                        input: input, reason: .invalidCharacter(character: String(character), position: position)))
                }
                isService = true
                digits.append(character)
            default:
                return .failure(NormalizationError(
                    input: input, reason: .invalidCharacter(character: String(character), position: position)))
            }
        }

        if isService {
            guard config.allowServiceCodes else {
                return .failure(NormalizationError(input: input, reason: .serviceCodeNotAllowed))
            }
            return .success(NormalizedNumber(
                kind: .serviceCode, digits: digits, e164: nil, country: nil, derivation: .serviceCode,
                removedPrefix: nil))
        }
        guard !digits.isEmpty else { return .failure(NormalizationError(input: input, reason: .empty)) }

        if hasPlus {
            guard digits.count <= 15 else {
                return .failure(NormalizationError(input: input, reason: .tooLong(digits: digits.count)))
            }
            guard let number = international(Substring(digits), derivation: .plusPrefixed, removed: nil) else {
                return .failure(NormalizationError(
                    input: input, reason: .invalidInternationalNumber(digits: digits.count)))
            }
            return .success(number)
        }

        let home = config.homeCountry
        // International prefix: the remainder must be a valid international number, so that
        // BY "8 810 …" (trunk 8 + premium 810…) is not mistaken for IDD 810.
        var idd = home.internationalPrefixes
        if home == .ua && !config.acceptLegacyForms { idd.removeAll { $0 == "810" } }
        if home != .ua && config.acceptDoubleZeroPrefix { idd.append("00") }
        for prefix in idd where digits.hasPrefix(prefix) {
            let rest = Substring(digits).dropFirst(prefix.count)
            if rest.count <= 15, let number = international(rest, derivation: .internationalPrefix, removed: prefix) {
                return .success(number)
            }
        }

        // Trunk prefix + national significant number.
        var trunks = home.trunkPrefixes
        if home == .ua && !config.acceptLegacyForms { trunks.removeAll { $0 == "80" } }
        for prefix in trunks where digits.hasPrefix(prefix) {
            let nsn = Substring(digits).dropFirst(prefix.count)
            if let number = national(nsn, derivation: .trunkPrefix, removed: prefix) {
                return .success(number)
            }
        }

        if config.acceptBareNumbers {
            // Full number of a known plan without "+": 7XXXXXXXXXX, 380XXXXXXXXX, 375XXXXXXXXX.
            let all = Substring(digits)
            if let country = Country.of(e164: all),
               country.acceptsNationalNumber(all.dropFirst(String(country.callingCode).count)),
               let number = international(all, derivation: .bareInternational, removed: nil) {
                return .success(number)
            }
            // A national number with no prefix only where it cannot be anything else: mobile
            // numbers of RU (9XXXXXXXXX) and KZ (7XXXXXXXXX) (numbering.md §3 step 5). A bare
            // 8XXXXXXXXX is more likely a mistyped trunk form than a toll-free number.
            if let lead = home.bareNationalLeadingDigit, all.first == lead,
               let number = national(all, derivation: .bareNationalNumber, removed: nil) {
                return .success(number)
            }
        }

        // A few digits after the trunk prefix ("067 12") are an incomplete national number,
        // not a short code: short codes start with 1 (112, 101, 116xxx) or are 2-3 digits
        // long (RU 01…04); operator service numbers (0611, 0500) only exist where the trunk
        // prefix is 8.
        let incompleteNational = digits.count > 3 && home.trunkPrefixes.contains { digits.hasPrefix($0) }
        if digits.count <= config.maxShortCodeDigits, !incompleteNational {
            guard config.allowShortCodes else {
                return .failure(NormalizationError(input: input, reason: .shortCodeNotAllowed))
            }
            return .success(NormalizedNumber(
                kind: .shortCode, digits: digits, e164: nil, country: nil, derivation: .shortCode,
                removedPrefix: nil))
        }
        if digits.count > 15 {
            return .failure(NormalizationError(input: input, reason: .tooLong(digits: digits.count)))
        }
        return .failure(NormalizationError(input: input, reason: .unrecognized(digits: digits.count)))
    }

    /// `digits` is a full international number (country code first).
    private func international(_ digits: Substring, derivation: NumberDerivation, removed: String?) -> NormalizedNumber? {
        guard let first = digits.first, first != "0", (7...15).contains(digits.count) else { return nil }
        let country = Country.of(e164: digits)
        if let country {
            guard country.acceptsNationalNumber(digits.dropFirst(String(country.callingCode).count)) else { return nil }
        }
        guard let value = UInt64(digits) else { return nil }
        return NormalizedNumber(
            kind: .e164, digits: String(digits), e164: value, country: country, derivation: derivation,
            removedPrefix: removed)
    }

    /// `nsn` is a national significant number of the home calling code.
    private func national(_ nsn: Substring, derivation: NumberDerivation, removed: String?) -> NormalizedNumber? {
        let code = String(config.homeCountry.callingCode)
        let full = code + nsn
        // Inside +7 a national number may be Kazakh or Russian whichever the home is.
        guard let country = Country.of(e164: Substring(full)), country.callingCode == config.homeCountry.callingCode,
              country.acceptsNationalNumber(nsn), let value = UInt64(full) else { return nil }
        return NormalizedNumber(
            kind: .e164, digits: full, e164: value, country: country, derivation: derivation, removedPrefix: removed)
    }
}

import Foundation
