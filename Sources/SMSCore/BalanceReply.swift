/// Reading the money balance out of an operator's USSD or SMS reply (sms-ussd.md §6).
///
/// Operators answer a balance request (`*100#`, `*102#`, `*105#`, `*111#`, `*101#`) with free
/// text: "Баланс:2220,76р", "OCTATOK 187.24 p.", "Na rahunku 45.00 grn. …", " Vash balans
/// 968.98 r.\nDlya vas … *320#". The rule here is the robust one from §6: anchor on a balance
/// keyword, read the number right after it (decimal comma or point, optional sign, spaces as
/// thousand separators), then an optional currency token. Anything else, bonus amounts,
/// packages, USSD codes, dates, times and phone numbers, is never read as the balance, and a
/// reply that cannot be read gives `.unparsed` with a reason, never a zero balance: a wrong
/// zero would raise a false low-balance alarm, a wrong large number would hide a real one.

/// An amount of money in minor units (kopecks, cents), so sums and comparisons are exact.
public struct Money: Sendable, Equatable, Hashable, Codable {
    /// Always hundredths: 2220,76 р → 222076; -15,5 → -1550.
    public var minorUnits: Int64
    /// ISO 4217 code when the text named a currency we know ("RUB", "UAH", "USD", "EUR",
    /// "KZT", "BYN"); nil when none was given.
    public var currency: String?

    public init(minorUnits: Int64, currency: String?) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// "2220.76 RUB", "-15.50" (no currency).
    public var description: String {
        let magnitude = minorUnits.magnitude
        let cents = magnitude % 100
        let amount = (minorUnits < 0 ? "-" : "") + "\(magnitude / 100)." + (cents < 10 ? "0" : "") + "\(cents)"
        return currency.map { "\(amount) \($0)" } ?? amount
    }

    /// A plain number as written in the config (`min_balance = 150`, "150.5", "-3,20"): no
    /// currency, at most two decimals, surrounding spaces ignored. nil when not such a number.
    public init?(parsing text: String) {
        let characters = Array(text.trimmingSpaces())
        var index = 0
        guard let amount = NumberReader.read(characters, at: &index, allowGrouping: false), index == characters.count
        else { return nil }
        self.init(minorUnits: amount, currency: nil)
    }
}

/// What `BalanceReply.parse` found.
public enum BalanceReading: Sendable, Equatable {
    /// `matched` is the part of the text the amount was read from, keyword to currency, for logs.
    case balance(Money, matched: String)
    /// Why no balance could be read ("no balance keyword", "operator refused the request", …).
    case unparsed(reason: String)
}

public enum BalanceReply {
    /// Longer texts are not balance replies: one USSD reply is at most 182 characters and a
    /// balance SMS fits in a few parts. The cap also keeps the scan cheap on garbage input.
    static let maximumLength = 2000

    /// Reads the money balance out of an operator's USSD or SMS reply text (already decoded
    /// to a String).
    public static func parse(_ text: String) -> BalanceReading {
        let original = Array(text)
        guard original.count <= maximumLength else {
            return .unparsed(reason: "text longer than \(maximumLength) characters")
        }
        guard original.contains(where: { !$0.isSpaceLike }) else { return .unparsed(reason: "empty text") }
        let folded = original.map(LookAlike.fold)
        let foldedText = String(folded)
        if Vocabulary.refusals.contains(where: { foldedText.contains($0) }) {
            return .unparsed(reason: "operator refused the request")
        }

        var readings: [(money: Money, range: Range<Int>)] = []
        var sawKeyword = false
        var index = 0
        while index < folded.count {
            guard let keyword = Vocabulary.keyword(in: folded, at: index) else { index += 1; continue }
            sawKeyword = true
            let end = index + keyword.text.count
            if !Vocabulary.isBonus(folded, before: index),
               let found = AmountReader.read(folded, after: end, negative: keyword.negative) {
                readings.append((found.money, index..<found.end))
            }
            index = end
        }
        guard sawKeyword else { return .unparsed(reason: "no balance keyword") }
        guard let first = readings.first else { return .unparsed(reason: "no amount after the balance keyword") }
        // The same amount may be repeated ("Баланс 10 р. … Ваш баланс 10 р."); two different
        // ones mean we cannot tell which one is the main account, so neither is taken.
        guard readings.allSatisfy({ $0.money.minorUnits == first.money.minorUnits }) else {
            return .unparsed(reason: "two conflicting amounts")
        }
        let matched = String(original[first.range]).trimmingSpaces()
        return .balance(first.money, matched: matched)
    }
}

// MARK: - Look-alike letters

/// Tele2 sends "OCTATOK 187.24 p." in Latin letters that look like Cyrillic ones (chan_dongle#38),
/// and other replies mix both alphabets. Every character of the reply and of every keyword is
/// lowercased and folded to one representative of its look-alike pair, so "ОСТАТОК", "OCTATOK",
/// "Остаток" and mixes of them compare equal. Folding is one Character to one Character, so a
/// position in the folded text is the same position in the original.
enum LookAlike {
    static let cyrillicToLatin: [Character: Character] = [
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i",
    ]

    static func fold(_ character: Character) -> Character {
        let lower = character.lowercased()
        // Some lowercasings give two characters (İ → i̇); such letters are in no keyword.
        guard lower.count == 1, let single = lower.first else { return character }
        return cyrillicToLatin[single] ?? single
    }

    static func fold(_ text: String) -> [Character] { text.map(fold) }
}

// MARK: - Vocabulary

/// The words the parser knows, each written once in plain spelling and folded at first use.
enum Vocabulary {
    struct Keyword {
        var text: [Character]
        /// "Минус:12,50р" (MTS when the account is below zero): the amount is negative.
        var negative: Bool
    }

    /// Balance keywords, longest first so "на вашому рахунку" wins over "на рахунку". Each must
    /// stand as whole words: "остатки пакетов" (Tele2 package report) is not "остаток".
    static let keywords: [Keyword] = {
        let positive = [
            "баланс", "balance", "balans",
            "balanc",  // Beeline's transliteration "Vash balanc 510.20 r." (antoncom/tsmodem)
            "unused credit",  // Vodafone NZ's SMS reply to "BAL" sent to 777: "Unused Credit: $33.59"
            "остаток", "ostatok", "залишок", "zalyshok",
            "на рахунку", "na rahunku", "на вашому рахунку", "na vashomu rahunku",
            "на счету", "na schetu", "на вашем счете", "na vashem schete", "на вашем счёте",
        ]
        // "munyc" is Tele2's Latin look-alike spelling of "минус": "OCTATOK munyc 10.24 p."
        // (telon-org/simbox nabor/tele2_spb/parse/parsebalance.php). Its "u" and "n" stand for
        // "и" and "н", which the look-alike table does not fold ("н" folds to "h"), so without
        // it a real negative balance was unreadable.
        let negative = ["минус", "minus", "munyc"]
        let all = positive.map { Keyword(text: LookAlike.fold($0), negative: false) }
            + negative.map { Keyword(text: LookAlike.fold($0), negative: true) }
        return all.sorted { $0.text.count > $1.text.count }
    }()

    /// The keyword starting at `index`, if one starts there on a word boundary.
    static func keyword(in text: [Character], at index: Int) -> Keyword? {
        if index > 0, text[index - 1].isLetter { return nil }
        return keywords.first { text.hasWord($0.text, at: index) }
    }

    /// Words allowed between the keyword and the amount ("Ваш баланс составляет 100 р",
    /// "Баланс рахунку: 12 грн", "Ваш баланс отрицательный: -5 руб"). Any other word there
    /// means the number that follows belongs to something else ("Баланс бонусов: 100",
    /// "OCTATOK MEHEE 10p" = "less than 10 r", a warning, not the balance).
    static let fillers: [[Character]] = [
        "составляет", "sostavlyaet", "равен", "raven", "is", "ravno",
        "рахунку", "рахунка", "счета", "scheta", "счёта", "основной", "osnovnoi", "osnovnoy", "основний",
        "отрицательный", "otricatelnyi", "otricatelnyj", "negative", "відємний", "від'ємний",
    ].map(LookAlike.fold).sorted { $0.count > $1.count }

    /// Words that make the amount negative when they appear between keyword and amount.
    static let negativeFillers: [[Character]] = ["отрицательный", "otricatelnyi", "otricatelnyj", "negative", "відємний", "від'ємний"]
        .map(LookAlike.fold)

    /// "Бонусный баланс: 50 руб" is a bonus account, not money: the keyword preceded by one of
    /// these words is skipped.
    static let bonusWords: [[Character]] = ["бонусный", "бонусний", "bonusnyi", "bonusnyj", "бонусном", "bonus", "бонус", "бонусів", "бонусов"]
        .map(LookAlike.fold)

    static func isBonus(_ text: [Character], before index: Int) -> Bool {
        var end = index
        while end > 0, text[end - 1].isSpaceLike || text[end - 1] == ":" { end -= 1 }
        var start = end
        while start > 0, text[start - 1].isLetter { start -= 1 }
        return bonusWords.contains { $0 == Array(text[start..<end]) }
    }

    /// Replies that say the request failed. Matched as folded substrings anywhere in the text.
    static let refusals: [String] = [
        "сервис недоступен", "сервис временно недоступен", "услуга недоступна", "услуга временно недоступна",
        "неверный запрос", "запрос отклонен", "запрос отклонён", "запрос не выполнен", "неверная команда",
        "unknown application", "nepravilnyi nomer uslugi", "nepravilnyj nomer uslugi", "nevernyi zapros",
        "servis nedostupen", "usluga vremenno nedostupna", "сервіс недоступний", "невірний запит",
        "послуга тимчасово недоступна", "service unavailable", "invalid request", "unknown service",
    ].map { String(LookAlike.fold($0)) }

    /// Currency tokens after the amount, longest first so "руб." wins over "р". All folded,
    /// so Tele2's Latin "p." is the same token as the Cyrillic "р.".
    static let currencies: [(token: [Character], code: String)] = {
        let table: [(String, String)] = [
            ("рублей", "RUB"), ("рубля", "RUB"), ("рубль", "RUB"), ("руб", "RUB"), ("rub", "RUB"),
            ("rur", "RUB"), ("р", "RUB"), ("r", "RUB"), ("₽", "RUB"),
            ("гривень", "UAH"), ("гривні", "UAH"), ("гривня", "UAH"), ("грн", "UAH"), ("grn", "UAH"),
            ("hrn", "UAH"), ("uah", "UAH"), ("₴", "UAH"),
            ("тенге", "KZT"), ("тг", "KZT"), ("tg", "KZT"), ("kzt", "KZT"), ("₸", "KZT"),
            ("byn", "BYN"), ("бел.руб", "BYN"), ("br", "BYN"),
            ("usd", "USD"), ("$", "USD"), ("eur", "EUR"), ("€", "EUR"),
        ]
        return table.map { (LookAlike.fold($0.0), $0.1) }.sorted { $0.token.count > $1.token.count }
    }()

    /// Signs written before the amount, with the currency each names (nil: ambiguous).
    static let prefixCurrencies: [Character: String?] = ["$": nil, "£": "GBP", "€": "EUR", "₽": "RUB", "₴": "UAH"]

    /// Units that are not money: "Остаток: 300 мин", "1024 МБ", "50 SMS". A number followed by
    /// one of them is a package counter, not the balance.
    static let nonMoneyUnits: [[Character]] = [
        "мин", "min", "минут", "хв", "сек", "sec", "смс", "sms", "mms", "ммс", "мб", "mb", "гб", "gb", "кб", "kb",
        "шт", "%", "бонус", "bonus", "балл", "ball", "дн", "дней", "days", "день", "den",
    ].map(LookAlike.fold).sorted { $0.count > $1.count }
}

// MARK: - Reading the amount

enum AmountReader {
    /// How many filler words may stand between keyword and amount; more means prose, not a
    /// balance statement.
    static let maximumFillers = 3

    /// The amount right after a keyword ending at `start`, or nil when what follows is not a
    /// money amount (a word we do not know, a USSD code, a date, a phone number, minutes, MB).
    static func read(_ text: [Character], after start: Int, negative keywordNegative: Bool) -> (money: Money, end: Int)? {
        var index = start
        var negative = keywordNegative
        var fillers = 0
        // The gap: spaces, ':' '=' and dash separators, and a few filler words. A line break
        // ends the gap: in a menu "1.Баланс\n2.Пакеты" the next line's number is not an amount.
        while index < text.count {
            let c = text[index]
            if c == "\n" || c == "\r" { return nil }
            if c.isSpaceLike || c == ":" || c == "=" || c == "." || c == "," { index += 1; continue }
            if c == "—" || c == "–" || (c == "-" && index + 1 < text.count && text[index + 1].isSpaceLike) {
                index += 1; continue
            }
            if c.isLetter {
                guard fillers < maximumFillers,
                      let filler = Vocabulary.fillers.first(where: { text.hasWord($0, at: index) })
                else { return nil }
                if Vocabulary.negativeFillers.contains(filler) { negative = true }
                fillers += 1
                index += filler.count
                continue
            }
            break
        }
        guard index < text.count else { return nil }
        // A currency sign before the amount: "£6.45" (O2 UK), "$20.00" (Vodafone NZ, 7-Eleven
        // Canada). "$" names no one currency (NZD, CAD, USD, AUD all write it), so it gives
        // the amount without a currency rather than a wrong one.
        var prefixCurrency: String??
        if let sign = Vocabulary.prefixCurrencies[text[index]] {
            prefixCurrency = .some(sign)
            index += 1
            guard text[safe: index]?.isASCIIDigit == true else { return nil }
        }
        // A code or a phone number: "*100#", "+79161234567".
        if text[index] == "*" || text[index] == "#" || text[index] == "+" { return nil }

        guard var amount = NumberReader.read(text, at: &index, allowGrouping: true) else { return nil }
        if let next = text[safe: index] {
            // "*100#", "100*1#": part of a USSD code.
            if next == "*" || next == "#" { return nil }
            // "31.12.2025", "11:44", "8-800-…", "1.2.3": a date, time, phone or version. The
            // number reader stops before a separator that is followed by another digit group.
            if ".,:-/".contains(next), text[safe: index + 1]?.isASCIIDigit == true { return nil }
            if next.isASCIIDigit { return nil }
        }
        if negative, amount > 0 { amount = -amount }

        // Currency or unit after optional spaces (NBSP included): "150,00р.", "187.24 p.", "35.28grn,".
        var cursor = index
        while cursor < text.count, text[cursor].isSpaceLike, text[cursor] != "\n" { cursor += 1 }
        if Vocabulary.nonMoneyUnits.contains(where: { text.hasWord($0, at: cursor, prefixOK: true) }) {
            // "мин" also starts "минус": only a unit when it is not the negative keyword.
            if !Vocabulary.keywords.contains(where: { $0.negative && text.hasWord($0.text, at: cursor) }) { return nil }
        }
        var currency: String?
        var end = index
        if let prefixCurrency { return (Money(minorUnits: amount, currency: prefixCurrency), end) }
        if let match = Vocabulary.currencies.first(where: { text.hasWord($0.token, at: cursor) }) {
            currency = match.code
            end = cursor + match.token.count
            if text[safe: end] == "." { end += 1 }  // "р.", "руб.", "грн."
        }
        return (Money(minorUnits: amount, currency: currency), end)
    }
}

enum NumberReader {
    /// Balances have at most 9 integer digits (under a billion): longer digit runs are phone
    /// numbers or account ids, and the limit keeps `Int64` far from overflow.
    static let maximumIntegerDigits = 9

    /// Reads `-?\d+([.,]\d+)?` at `index` (also "−" U+2212 as the sign, and with
    /// `allowGrouping` "1 234,56" with a space or NBSP between groups of three) and returns
    /// hundredths; `index` is left after the number. A fraction longer than two digits is
    /// accepted only when the extra digits are zeros ("633,100r" from MTS is 633.10): with a
    /// non-zero third decimal the value is not a money amount in kopecks.
    static func read(_ text: [Character], at index: inout Int, allowGrouping: Bool) -> Int64? {
        var i = index
        var negative = false
        if let c = text[safe: i], c == "-" || c == "−" {
            negative = true
            i += 1
        }
        var integer: Int64 = 0
        var digits = 0
        var grouped = false
        while let c = text[safe: i], let d = c.asciiDigit {
            integer = integer * 10 + d
            digits += 1
            i += 1
            guard digits <= maximumIntegerDigits else { return nil }
            // "1 234,56": a single space then exactly three digits continue the number. The first
            // group has one to three digits, every later one exactly three (the look-ahead below
            // skips a space only before a full group), so once grouped each group end may take
            // the next space: "12 345 678" is one number, not 12345 followed by 678, which
            // `digits % 3 == 0` alone read when the first group was shorter than three.
            if allowGrouping, let space = text[safe: i], space.isSpaceLike, space != "\n",
               grouped || (1...3).contains(digits),
               (1...3).allSatisfy({ text[safe: i + $0]?.isASCIIDigit == true }),
               text[safe: i + 4]?.isASCIIDigit != true {
                i += 1
                grouped = true
            }
        }
        guard digits > 0 else { return nil }
        var cents: Int64 = 0
        if let separator = text[safe: i], separator == "." || separator == ",",
           text[safe: i + 1]?.isASCIIDigit == true {
            var fraction: [Int64] = []
            var j = i + 1
            while let c = text[safe: j], let d = c.asciiDigit { fraction.append(d); j += 1 }
            // Another separator and digits after the fraction: a date "31.12.2025".
            if let next = text[safe: j], next == "." || next == ",", text[safe: j + 1]?.isASCIIDigit == true { return nil }
            guard fraction.count <= 2 || fraction.dropFirst(2).allSatisfy({ $0 == 0 }) else { return nil }
            cents = (fraction.first ?? 0) * 10 + (fraction.count > 1 ? fraction[1] : 0)
            i = j
        }
        index = i
        let value = integer * 100 + cents
        return negative ? -value : value
    }
}

// MARK: - Small helpers

extension Character {
    /// Space, tab, NBSP (U+00A0), narrow NBSP (U+202F), thin space (U+2009), line breaks.
    var isSpaceLike: Bool { isWhitespace || self == "\u{00A0}" || self == "\u{202F}" }
    var isASCIIDigit: Bool { asciiDigit != nil }
    var asciiDigit: Int64? {
        guard let value = asciiValue, (48...57).contains(value) else { return nil }
        return Int64(value - 48)
    }
}

extension Array where Element == Character {
    subscript(safe index: Int) -> Character? { indices.contains(index) ? self[index] : nil }

    /// `word` stands at `index` and is not followed by a letter (so "р" does not match the
    /// start of "рекомендуем"). With `prefixOK` a longer word may follow ("мин" in "минут").
    func hasWord(_ word: [Character], at index: Int, prefixOK: Bool = false) -> Bool {
        guard index >= 0, index + word.count <= count else { return false }
        for (offset, c) in word.enumerated() where self[index + offset] != c { return false }
        if prefixOK { return true }
        guard let next = self[safe: index + word.count] else { return true }
        return !(next.isLetter && word.last?.isLetter == true)
    }
}

extension String {
    func trimmingSpaces() -> String {
        let characters = Array(self)
        guard let first = characters.firstIndex(where: { !$0.isSpaceLike }),
              let last = characters.lastIndex(where: { !$0.isSpaceLike })
        else { return "" }
        return String(characters[first...last])
    }
}
