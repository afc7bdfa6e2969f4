import Foundation
import Testing
@testable import SMSCore

/// One record of Vectors/balance-replies.txt: a real operator reply and what must be read from it.
struct BalanceVector: CustomTestStringConvertible, Sendable {
    enum Expectation: Equatable, Sendable {
        case money(Money)
        case unparsed
    }

    var source: String
    var operatorName: String
    var line: Int
    var text: String
    var expect: Expectation
    var testDescription: String { "line \(line): \(text.prefix(32))… (\(operatorName))" }
}

/// The loader for balance-replies.txt. Its records differ from sms-pdus.txt (each carries its own
/// `# source:` and `# operator:` comment lines), so it is kept apart from `VectorFile.load`, and
/// reuses only `VectorFile.unescape`.
enum BalanceVectorFile {
    struct FormatError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "balance-replies.txt line \(line): \(message)" }
    }

    static func load() throws -> [BalanceVector] {
        let url = try #require(Bundle.module.url(forResource: "balance-replies", withExtension: "txt", subdirectory: "Vectors"))
        return try parse(String(contentsOf: url, encoding: .utf8))
    }

    static func parse(_ file: String) throws -> [BalanceVector] {
        var vectors: [BalanceVector] = []
        var source: String?
        var operatorName: String?
        var fields: [String: String] = [:]
        var startLine = 0
        func flush() throws {
            defer { source = nil; operatorName = nil; fields = [:] }
            guard source != nil || !fields.isEmpty else { return }
            guard let source, !source.isEmpty else { throw FormatError(line: startLine, message: "record without # source:") }
            guard let operatorName, !operatorName.isEmpty else { throw FormatError(line: startLine, message: "record without # operator:") }
            guard let text = fields["text"] else { throw FormatError(line: startLine, message: "record without text:") }
            guard let expect = fields["expect"] else { throw FormatError(line: startLine, message: "record without expect:") }
            guard let expectation = expectation(expect) else { throw FormatError(line: startLine, message: "bad expect: \(expect)") }
            vectors.append(BalanceVector(source: source, operatorName: operatorName, line: startLine, text: text, expect: expectation))
        }
        for (number, raw) in file.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.isEmpty { try flush(); continue }
            if line.hasPrefix("# source:") {
                try flush()
                startLine = number + 1
                source = String(line.dropFirst("# source:".count)).trimmingCharacters(in: .whitespaces)
                continue
            }
            if line.hasPrefix("# operator:") {
                operatorName = String(line.dropFirst("# operator:".count)).trimmingCharacters(in: .whitespaces)
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else { throw FormatError(line: number + 1, message: "no key") }
            var value = String(line[line.index(after: colon)...])
            if value.hasPrefix(" ") { value.removeFirst() }
            fields[String(line[..<colon])] = VectorFile.unescape(value)
        }
        try flush()
        return vectors
    }

    /// "2220.76 RUB", "-15.50", "unparsed". Read here digit by digit, not with `Money(parsing:)`,
    /// so the expectations do not depend on the code under test.
    static func expectation(_ text: String) -> BalanceVector.Expectation? {
        if text == "unparsed" { return .unparsed }
        let parts = text.split(separator: " ").map(String.init)
        guard (1...2).contains(parts.count) else { return nil }
        var amount = Substring(parts[0])
        let negative = amount.hasPrefix("-")
        if negative { amount = amount.dropFirst() }
        let pieces = amount.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[1].count == 2, !pieces[0].isEmpty,
              pieces.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let whole = Int64(pieces[0]), let cents = Int64(pieces[1])
        else { return nil }
        let minor = whole * 100 + cents
        let currency = parts.count == 2 ? parts[1] : nil
        return .money(Money(minorUnits: negative ? -minor : minor, currency: currency))
    }
}

let balanceVectors: [BalanceVector] = (try? BalanceVectorFile.load()) ?? []

@Suite("Balance replies (Vectors/balance-replies.txt and rules)")
struct BalanceReplyTests {
    // MARK: - The published replies

    @Test("the vector file loads, every record has source, operator, text and expect")
    func fileLoads() throws {
        let vectors = try BalanceVectorFile.load()
        #expect(vectors.count >= 40)
        #expect(vectors.contains { $0.expect == .unparsed })
        #expect(vectors.contains { if case .money(let m) = $0.expect { m.minorUnits < 0 } else { false } })
    }

    @Test("the replies come from at least 6 named operators")
    func distinctOperators() throws {
        let named = Set(try BalanceVectorFile.load().map(\.operatorName).filter { !$0.hasPrefix("unknown") })
        #expect(named.count >= 6, "\(named.sorted())")
    }

    @Test("each published reply reads as expected", arguments: balanceVectors)
    func reads(_ vector: BalanceVector) {
        let reading = BalanceReply.parse(vector.text)
        switch (vector.expect, reading) {
        case (.money(let expected), .balance(let money, let matched)):
            #expect(money.minorUnits == expected.minorUnits, "\(vector.source)")
            #expect(money.currency == expected.currency, "\(vector.source)")
            #expect(!matched.isEmpty && vector.text.contains(matched))
        case (.unparsed, .unparsed(let reason)):
            #expect(!reason.isEmpty)
        case (.money(let expected), .unparsed(let reason)):
            Issue.record("expected \(expected.description), got unparsed (\(reason)) — \(vector.source)")
        case (.unparsed, .balance(let money, let matched)):
            Issue.record("expected unparsed, got \(money.description) from \"\(matched)\" — \(vector.source)")
        }
    }

    // MARK: - Rules

    func money(_ text: String) -> Money? {
        if case .balance(let money, _) = BalanceReply.parse(text) { return money }
        return nil
    }

    func reason(_ text: String) -> String? {
        if case .unparsed(let reason) = BalanceReply.parse(text) { return reason }
        return nil
    }

    @Test("decimal comma and decimal point give the same hundredths")
    func decimalComma() {
        #expect(money("Баланс:2220,76р") == Money(minorUnits: 222076, currency: "RUB"))
        #expect(money("Баланс: 2220.76 руб.") == Money(minorUnits: 222076, currency: "RUB"))
        #expect(money("Баланс: 12,5 р") == Money(minorUnits: 1250, currency: "RUB"))
        #expect(money("Na rahunku 7 grn.") == Money(minorUnits: 700, currency: "UAH"))
    }

    @Test("a currency sign before the amount: £ and € name theirs, $ gives the amount alone")
    func currencySignFirst() {
        #expect(money("Balance: €5,00") == Money(minorUnits: 500, currency: "EUR"))
        #expect(money("Your balance is £6.45.") == Money(minorUnits: 645, currency: "GBP"))
        #expect(money("Unused Credit: $33.59") == Money(minorUnits: 3359, currency: nil))
        #expect(money("Balance: -€3.10") == nil, "a sign after the minus is not a shape operators write")
        #expect(reason("Balance: $ to be confirmed") != nil, "a sign with no amount after it reads nothing")
        #expect(reason("Credit: $10") != nil, "'credit' alone is no balance keyword (credit limits, credited top-ups)")
    }

    @Test("thousands separated by a space, NBSP or narrow NBSP")
    func thousandsSeparator() {
        for space in [" ", "\u{00A0}", "\u{202F}"] {
            #expect(money("Баланс: 1\(space)234,56 р.") == Money(minorUnits: 123456, currency: "RUB"), "\(space.unicodeScalars.first!.value)")
            #expect(money("Баланс: 12\(space)345\(space)678 р.") == Money(minorUnits: 1_234_567_800, currency: "RUB"))
            #expect(money("Баланс: 1\(space)234\(space)567,89 р.") == Money(minorUnits: 123_456_789, currency: "RUB"))
            #expect(money("Баланс: 123\(space)456\(space)789 р.") == Money(minorUnits: 12_345_678_900, currency: "RUB"))
        }
    }

    @Test("negative balance via the word Минус / munyc and via a minus sign")
    func negative() {
        #expect(money("Минус:12,50р") == Money(minorUnits: -1250, currency: "RUB"))
        #expect(money("Ваш баланс составляет минус 679 рублей.") == Money(minorUnits: -67900, currency: "RUB"))
        #expect(money("OCTATOK munyc 10.24 p.") == Money(minorUnits: -1024, currency: "RUB"))
        #expect(money("Баланс: -15,50 р.") == Money(minorUnits: -1550, currency: "RUB"))
        #expect(money("Баланс: −3,20 р.") == Money(minorUnits: -320, currency: "RUB"))  // U+2212
        #expect(money("Ваш баланс отрицательный: 5 руб") == Money(minorUnits: -500, currency: "RUB"))
        // "мин" (minutes) is a unit, "минус" is not: the sign word after an amount is no unit.
        #expect(money("Остаток: 300 мин") == nil)
    }

    @Test("a bonus balance is not the money balance")
    func bonusNotTaken() {
        #expect(money("Бонусный баланс: 50 руб") == nil)
        #expect(reason("Бонусный баланс: 50 руб") == "no amount after the balance keyword")
        #expect(money("Баланс: 100 р. Бонусный баланс: 50 руб") == Money(minorUnits: 10000, currency: "RUB"))
        #expect(money("Balans 84.59 grn, bonus 0.00.") == Money(minorUnits: 8459, currency: "UAH"))
        #expect(money("Баланс бонусов: 100") == nil)
    }

    @Test("minutes, SMS and MB packages after the money are ignored")
    func packagesIgnored() {
        #expect(money("Баланс: 150,00р. Остаток: 300 мин, 1024 МБ") == Money(minorUnits: 15000, currency: "RUB"))
        #expect(money("Баланс 579.60р. Трафик 0 Кб.Детали: https://uslugi.beeline.ru") == Money(minorUnits: 57960, currency: "RUB"))
        #expect(money("Остаток: 1024 МБ") == nil)
        #expect(money("Остаток: 50 SMS") == nil)
        #expect(money("Остаток: 0.00 минут из 300 в месяц") == nil)
    }

    @Test("a USSD code, date, time or phone number is never read as the amount")
    func codesDatesPhones() {
        for text in [
            "Баланс *100#", "Баланс: 100*1#", "Баланс 31.12.2025", "Баланс: 25.09.12", "Баланс 11:44",
            "Баланс: +79161234567", "Баланс 79161234567", "Баланс 8-800-250-0890", "Баланс 1.2.3",
            "Для справки о балансе наберите *105#.", "Ваш федеральный номер +7 (999) 666-13-13",
        ] {
            #expect(money(text) == nil, "\(text)")
        }
        // Dates, codes and numbers after the amount do not disturb it.
        #expect(money("Баланс: 99.00р. 25.09.12 11:28 Для своих") == Money(minorUnits: 9900, currency: "RUB"))
        #expect(money("Vash balans 8.20 r. Doverit. platezh *141# Info: 064012") == Money(minorUnits: 820, currency: "RUB"))
        // A line break ends the gap: the number on the next menu line is no amount.
        #expect(money("1.Баланс\n2.Пакеты") == nil)
    }

    @Test("two different amounts are unparsed; the same amount repeated is fine")
    func conflictingAmounts() {
        #expect(reason("Баланс: 100 р. Баланс: 200 р.") == "two conflicting amounts")
        #expect(reason("Баланс 10 р. Остаток 20 р.") == "two conflicting amounts")
        #expect(money("Баланс 10 р. … Ваш баланс 10 р.") == Money(minorUnits: 1000, currency: "RUB"))
    }

    @Test("empty, blank and over-long texts are unparsed")
    func emptyAndLong() {
        #expect(reason("") == "empty text")
        #expect(reason(" \n\u{00A0}\t") == "empty text")
        let long = String(repeating: "Баланс 1 р ", count: BalanceReply.maximumLength / 11 + 1)
        #expect(long.count > BalanceReply.maximumLength)
        #expect(reason(long) == "text longer than \(BalanceReply.maximumLength) characters")
        let justFits = String(repeating: "x", count: BalanceReply.maximumLength - 12) + " Баланс 1 р."
        #expect(money(justFits) == Money(minorUnits: 100, currency: "RUB"))
    }

    @Test("refusals and unreadable replies are never a zero balance")
    func neverZero() {
        #expect(reason("Сервис недоступен") == "operator refused the request")
        #expect(reason("Неверный запрос") == "operator refused the request")
        #expect(reason("UNKNOWN APPLICATION") == "operator refused the request")
        #expect(reason("Nepravilnyi nomer uslugi") == "operator refused the request")
        // A refusal wins even when a balance-looking amount is in the text.
        #expect(reason("Сервис временно недоступен. Баланс 0 р.") == "operator refused the request")
        #expect(reason("foobar") == "no balance keyword")
        #expect(reason("Баланс") == "no amount after the balance keyword")
        // Every published reply expected unparsed stays unparsed, whatever zeros it contains.
        for vector in balanceVectors where vector.expect == .unparsed {
            #expect(money(vector.text) == nil, "\(vector.testDescription)")
        }
    }

    @Test("look-alike Latin and Cyrillic letters compare equal")
    func lookAlikes() {
        #expect(money("OCTATOK 187.24 p.") == Money(minorUnits: 18724, currency: "RUB"))
        #expect(money("Остаток 187.24 р.") == Money(minorUnits: 18724, currency: "RUB"))
        #expect(money("Баланс 6.00 pуб.") == Money(minorUnits: 600, currency: "RUB"))
        // "остатки пакетов" is not "остаток".
        #expect(money("остатки пакетов: 5120 МБ") == nil)
    }

    @Test("Money(parsing:) reads config values: plain numbers, at most two decimals, no currency")
    func moneyParsing() {
        #expect(Money(parsing: "150") == Money(minorUnits: 15000, currency: nil))
        #expect(Money(parsing: "150.5") == Money(minorUnits: 15050, currency: nil))
        #expect(Money(parsing: "-3,20") == Money(minorUnits: -320, currency: nil))
        #expect(Money(parsing: " 7 ") == Money(minorUnits: 700, currency: nil))
        #expect(Money(parsing: "0") == Money(minorUnits: 0, currency: nil))
        #expect(Money(parsing: "1.230") == Money(minorUnits: 123, currency: nil))
        for bad in ["", " ", "abc", "1 000", "150р", "150 RUB", "1.234", "1.2.3", "--1", "+5", "1234567890", "12,"] {
            #expect(Money(parsing: bad) == nil, "\(bad)")
        }
        #expect(Money(parsing: "150")?.description == "150.00")
        #expect(Money(minorUnits: -1550, currency: nil).description == "-15.50")
        #expect(Money(minorUnits: 222076, currency: "RUB").description == "2220.76 RUB")
        #expect(Money(minorUnits: -5, currency: "UAH").description == "-0.05 UAH")
    }
}
