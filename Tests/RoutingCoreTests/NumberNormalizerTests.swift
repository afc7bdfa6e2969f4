import Testing
@testable import RoutingCore

@Suite("NumberNormalizer")
struct NumberNormalizerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let home: Country
        let input: String
        let e164: UInt64
        let country: Country?
        let derivation: NumberDerivation
        let removed: String?
        var testDescription: String { "\(home.rawValue) \"\(input)\"" }
        init(_ home: Country, _ input: String, _ e164: UInt64, _ country: Country?, _ derivation: NumberDerivation, _ removed: String? = nil) {
            self.home = home; self.input = input; self.e164 = e164; self.country = country
            self.derivation = derivation; self.removed = removed
        }
    }

    static let accepted: [Case] = [
        // Russia: trunk 8, IDD 810 (and 00 from softphones), bare mobile.
        Case(.ru, "+7 (916) 123-45-67", 79161234567, .ru, .plusPrefixed),
        Case(.ru, "8 916 123 45 67", 79161234567, .ru, .trunkPrefix, "8"),
        Case(.ru, "89161234567", 79161234567, .ru, .trunkPrefix, "8"),
        Case(.ru, "9161234567", 79161234567, .ru, .bareNationalNumber),
        Case(.ru, "79161234567", 79161234567, .ru, .bareInternational),
        Case(.ru, "8 (495) 123-45-67", 74951234567, .ru, .trunkPrefix, "8"),
        Case(.ru, "8 800 555-35-35", 78005553535, .ru, .trunkPrefix, "8"),
        Case(.ru, "8 701 123 45 67", 77011234567, .kz, .trunkPrefix, "8"),
        Case(.ru, "810 49 30 1234567", 49301234567, nil, .internationalPrefix, "810"),
        Case(.ru, "00 380 50 123 45 67", 380501234567, .ua, .internationalPrefix, "00"),
        Case(.ru, "tel:+7-916-123-45-67;phone-context=example.com", 79161234567, .ru, .plusPrefixed),
        // Kazakhstan: same +7 plan, 7xx codes.
        Case(.kz, "8 701 123 45 67", 77011234567, .kz, .trunkPrefix, "8"),
        Case(.kz, "+7 747 123 45 67", 77471234567, .kz, .plusPrefixed),
        Case(.kz, "7011234567", 77011234567, .kz, .bareNationalNumber),
        Case(.kz, "8 10 7 916 123 45 67", 79161234567, .ru, .internationalPrefix, "810"),
        // Ukraine: trunk 0, IDD 00; pre-2009 80 / 810 from old address books.
        Case(.ua, "067 123 45 67", 380671234567, .ua, .trunkPrefix, "0"),
        Case(.ua, "0671234567", 380671234567, .ua, .trunkPrefix, "0"),
        Case(.ua, "+380 (50) 123-45-67", 380501234567, .ua, .plusPrefixed),
        Case(.ua, "8 067 123 45 67", 380671234567, .ua, .trunkPrefix, "80"),
        Case(.ua, "00 7 916 123 45 67", 79161234567, .ru, .internationalPrefix, "00"),
        Case(.ua, "8 10 7 916 123 45 67", 79161234567, .ru, .internationalPrefix, "810"),
        Case(.ua, "380501234567", 380501234567, .ua, .bareInternational),
        Case(.ua, "044 123 45 67", 380441234567, .ua, .trunkPrefix, "0"),
        // Belarus: nationalPrefixForParsing 0|80?, IDD 810.
        Case(.by, "8 029 123-45-67", 375291234567, .by, .trunkPrefix, "80"),
        Case(.by, "8 029 1234567", 375291234567, .by, .trunkPrefix, "80"),
        Case(.by, "029 123 45 67", 375291234567, .by, .trunkPrefix, "0"),
        Case(.by, "+375 44 123 45 67", 375441234567, .by, .plusPrefixed),
        Case(.by, "8 10 7 916 123 45 67", 79161234567, .ru, .internationalPrefix, "810"),
        // Trunk 8 + 10-digit premium 810…: not the IDD 810.
        Case(.by, "8 810 123 4567", 3758101234567, .by, .trunkPrefix, "8"),
        Case(.by, "375291234567", 375291234567, .by, .bareInternational),
    ]

    @Test("national and international forms become E.164", arguments: accepted)
    func accepts(_ c: Case) throws {
        let result = NumberNormalizer(config: NormalizerConfig(homeCountry: c.home)).normalize(c.input)
        let number = try result.get()
        #expect(number.kind == .e164)
        #expect(number.e164 == c.e164)
        #expect(number.digits == String(c.e164))
        #expect(number.country == c.country)
        #expect(number.derivation == c.derivation)
        #expect(number.removedPrefix == c.removed)
        #expect(number.description == "+\(c.e164)")
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let home: Country
        let input: String
        let reason: NormalizationError.Reason
        var testDescription: String { "\(home.rawValue) \"\(input)\"" }
    }

    static let refused: [Refusal] = [
        .init(home: .ru, input: "", reason: .empty),
        .init(home: .ru, input: " ( ) ", reason: .empty),
        .init(home: .ru, input: "+7 916 123", reason: .invalidInternationalNumber(digits: 7)),
        .init(home: .ru, input: "+7 916 123 45 67 ext", reason: .invalidCharacter(character: "e", position: 17)),
        .init(home: .ru, input: "+7916+1234567", reason: .misplacedPlus(position: 5)),
        .init(home: .ru, input: "*100#", reason: .serviceCodeNotAllowed),
        .init(home: .ru, input: "8916123456", reason: .unrecognized(digits: 10)),
        .init(home: .ru, input: "8 495 123 45 6", reason: .unrecognized(digits: 10)),
        .init(home: .ru, input: "1234567890123456", reason: .tooLong(digits: 16)),
        .init(home: .ua, input: "0 67 123 45", reason: .unrecognized(digits: 8)),
        .init(home: .ua, input: "+380 67 123 45 6", reason: .invalidInternationalNumber(digits: 11)),
        .init(home: .by, input: "8 029 123 45", reason: .unrecognized(digits: 9)),
        // Incomplete national numbers are not short codes.
        .init(home: .ua, input: "067 12", reason: .unrecognized(digits: 5)),
        .init(home: .ru, input: "8 916", reason: .unrecognized(digits: 4)),
    ]

    @Test("malformed numbers are refused with the reason", arguments: refused)
    func refuses(_ r: Refusal) {
        let result = NumberNormalizer(config: NormalizerConfig(homeCountry: r.home)).normalize(r.input)
        guard case .failure(let error) = result else {
            Issue.record("accepted \"\(r.input)\": \(result)")
            return
        }
        #expect(error.reason == r.reason)
        #expect(error.input == r.input)
        #expect(error.sipStatus == 484)
    }

    @Test func shortCodesPassOnlyWhenAllowed() throws {
        let allowing = NumberNormalizer(config: NormalizerConfig(homeCountry: .ru, allowShortCodes: true))
        let emergency = try allowing.normalize("112").get()
        #expect(emergency.kind == .shortCode)
        #expect(emergency.digits == "112")
        #expect(emergency.e164 == nil)
        #expect(try allowing.normalize("0611").get().digits == "0611")  // RU operator service number
        #expect(try allowing.normalize("01").get().digits == "01")

        let refusing = NumberNormalizer(config: NormalizerConfig(homeCountry: .ru, allowShortCodes: false))
        #expect(throws: NormalizationError.self) { try refusing.normalize("112").get() }

        let service = NumberNormalizer(config: NormalizerConfig(homeCountry: .ru, allowServiceCodes: true))
        let balance = try service.normalize("*100#").get()
        #expect(balance.kind == .serviceCode)
        #expect(balance.digits == "*100#")
    }

    @Test func heuristicsCanBeSwitchedOff() {
        let strict = NumberNormalizer(config: NormalizerConfig(
            homeCountry: .ua, acceptLegacyForms: false, acceptBareNumbers: false))
        #expect(throws: NormalizationError.self) { try strict.normalize("80671234567").get() }
        #expect(throws: NormalizationError.self) { try strict.normalize("810 7 916 123 45 67").get() }
        #expect(throws: NormalizationError.self) { try strict.normalize("380501234567").get() }
        #expect((try? strict.normalize("0671234567").get().e164) == 380671234567)

        let noDoubleZero = NumberNormalizer(config: NormalizerConfig(homeCountry: .ru, acceptDoubleZeroPrefix: false))
        #expect(throws: NormalizationError.self) { try noDoubleZero.normalize("00 49 30 1234567").get() }
    }
}
