// What the network's USSD service answers, per operator, as data: the balance code and its
// reply format, a two-level menu on *111#, the "unknown request" text. The modem side (AT+CUSD,
// encodings, sessions, timers) is in SimulatedUSSD.swift.
//
// Reply texts and their sources (sms-ussd.md §6 unless noted):
// * MTS 25001 `*100#` → "Баланс:2220,76р" (UCS2, dcs 72; obsy/sms_tool#4 capture). Negative
//   "Минус:12,50р": gateway parsers strip exactly "Минус:"/"Баланс:" and "р" (Node gateway
//   code, find_string id 30686003620).
// * MegaFon 25002 `*100#`: no capture was found; "Баланс 152,40р." is the Cyrillic
//   "Баланс <amount>р." shape gateway parsers expect (find_string seeds "Баланс: 152,40р.").
//   Treat it as MegaFon-style, not verbatim.
// * Beeline 25099 `*102#` → "Vash balans 510.20 r." (Latin transliteration, dot decimal: the
//   tsmodem Lua parser's test string, find_string id 12341841354). Negative
//   "Vash balans sostavlyaet minus 12.50 r." (a simbox script greps exactly that, id 3754402874).
// * Tele2 25020 `*105#` → "OCTATOK 187.24 p." in Latin look-alike letters, 7-bit
//   (chan_dongle#38 capture `CF2135487D2E4131DCCD25A381E02E`, dcs 15).
// * Other networks `*100#` → "Balance: 12.34".
// * Own number: Tele2 `*201#` → "Ваш федеральный номер +7 (999) 666-13-13" (chan_dongle#38,
//   wdoekes fork). MTS `*111*0887#` / MegaFon `*205#` answer "Ваш номер 79…" and Beeline
//   `*110*10#` "Vash nomer 79…": the shapes a chan_dongle simbox script greps out of
//   Asterisk's USSD log (find_string id 4073454499), not verbatim captures.
// * Vodafone NZ 53001: balance by SMS, "BAL" texted to 777 → an SMS from 777
//   "Unused Credit: $33.59\nExpiry date: 25/03/2003\nLast Call: 20/10/2001" (Vodafone NZ's
//   FAQ, https://www.vodafone.co.nz/faq/account-balance-check-prepay-balance-via-txt). Its
//   USSD answers are the generic ones (no capture found).
// Menus and "unknown request" texts are the simulator's own (no capture found), in the
// operator's script (Cyrillic for MTS/MegaFon, transliterated Latin for Beeline/Tele2).

import Foundation

/// One step of a USSD dialogue: a menu (m=1) waiting for a numbered choice, or a final text.
indirect enum USSDNode: Equatable, Sendable {
    case menu(USSDMenu)
    case text(String)
    /// The balance in the operator's format (computed when the reply is sent).
    case balance
    /// The subscription's number in the operator's format.
    case ownNumber
}

struct USSDMenu: Equatable, Sendable {
    /// The text shown, choices numbered on their own lines.
    var text: String
    var choices: [String: USSDNode]
}

/// A service the operator answers by SMS: `text` texted to `number` brings back an SMS from
/// `replyFrom` (balance-by-SMS, where there is no USSD code or the admin prefers SMS).
struct OperatorSMSService: Sendable {
    var number: String
    /// Matched without regard to case or surrounding spaces, as operators' SMS robots do.
    var text: String
    var replyFrom: String
    var reply: @Sendable (_ cents: Int, _ now: Date) -> String
}

struct USSDOperator: Sendable {
    var mccmnc: String
    var balanceCode: String
    /// The operator's decimal separator and wording for the balance.
    var formatBalance: @Sendable (_ cents: Int) -> String
    /// The own-number request and its reply for a number "+79161234567"; nil: none.
    var numberCode: String? = nil
    var formatNumber: @Sendable (_ number: String) -> String = { $0 }
    var menu: USSDMenu
    /// The line put before the menu again when the choice does not exist.
    var invalidChoice: String
    var unknownRequest: String
    var smsServices: [OperatorSMSService] = []

    /// The SMS service an SMS to `number` saying `text` reaches; nil: none (no reply).
    func smsService(to number: String, text: String) -> OperatorSMSService? {
        smsServices.first { $0.number == number && $0.text.caseInsensitiveCompare(text.trimmingCharacters(in: .whitespacesAndNewlines)) == .orderedSame }
    }

    /// The operator the modem is camped on, by MCC+MNC; the generic default otherwise.
    static func forNetwork(_ mccmnc: String) -> USSDOperator {
        switch mccmnc {
        case "25001": mts
        case "25002": megafon
        case "25099": beeline
        case "25020": tele2
        case "53001": vodafoneNZ
        default: generic
        }
    }

    /// The first reply of a new session for `code`.
    func answer(_ code: String) -> USSDNode {
        switch code {
        case balanceCode: .balance
        case "*111#": .menu(menu)
        default: code == numberCode ? .ownNumber : .text(unknownRequest)
        }
    }

    /// The reply to `choice` typed while `current` was shown.
    func answer(choice: String, in current: USSDMenu) -> USSDNode {
        if let next = current.choices[choice.trimmingCharacters(in: .whitespaces)] { return next }
        var again = current
        again.text = invalidChoice + "\n" + current.text
        return .menu(again)
    }

    /// "+79161234567" → "79161234567".
    static func digits(_ number: String) -> String { number.filter(\.isNumber) }

    /// "+79996661313" → "+7 (999) 666-13-13", as Tele2 writes it; other lengths as digits.
    static func russianGrouping(_ number: String) -> String {
        let d = Array(digits(number))
        guard d.count == 11 else { return String(d) }
        let part = { (r: Range<Int>) in String(d[r]) }
        return "+\(part(0..<1)) (\(part(1..<4))) \(part(4..<7))-\(part(7..<9))-\(part(9..<11))"
    }

    /// "2220,76" / "2220.76" for 222076 cents; the sign is the caller's business.
    static func amount(_ cents: Int, separator: Character) -> String {
        let a = abs(cents)
        let frac = a % 100
        return "\(a / 100)\(separator)\(frac < 10 ? "0" : "")\(frac)"
    }

    static let mts = USSDOperator(
        mccmnc: "25001", balanceCode: "*100#",
        formatBalance: { c in c < 0 ? "Минус:\(amount(c, separator: ","))р" : "Баланс:\(amount(c, separator: ","))р" },
        numberCode: "*111*0887#", formatNumber: { "Ваш номер \(digits($0))" },
        menu: russianMenu(title: "МТС Сервис"),
        invalidChoice: "Неверный выбор",
        unknownRequest: "Неверная команда")

    static let megafon = USSDOperator(
        mccmnc: "25002", balanceCode: "*100#",
        formatBalance: { c in "Баланс \(c < 0 ? "-" : "")\(amount(c, separator: ","))р." },
        numberCode: "*205#", formatNumber: { "Ваш номер \(digits($0))" },
        menu: russianMenu(title: "МегаФон"),
        invalidChoice: "Неверный выбор",
        unknownRequest: "Неверный запрос")

    static let beeline = USSDOperator(
        mccmnc: "25099", balanceCode: "*102#",
        formatBalance: { c in
            c < 0 ? "Vash balans sostavlyaet minus \(amount(c, separator: ".")) r." : "Vash balans \(amount(c, separator: ".")) r."
        },
        numberCode: "*110*10#", formatNumber: { "Vash nomer \(digits($0))" },
        menu: latinMenu(title: "Bilajn"),
        invalidChoice: "Nevernyj vybor",
        unknownRequest: "Neizvestnyj zapros")

    static let tele2 = USSDOperator(
        mccmnc: "25020", balanceCode: "*105#",
        formatBalance: { c in "OCTATOK \(c < 0 ? "-" : "")\(amount(c, separator: ".")) p." },
        numberCode: "*201#", formatNumber: { "Ваш федеральный номер \(russianGrouping($0))" },
        menu: latinMenu(title: "Tele2"),
        invalidChoice: "Nevernyj vybor",
        // The chan_dongle#38 reply to a code the network could not read.
        unknownRequest: "Nepravilnyi nomer uslugi")

    static let vodafoneNZ: USSDOperator = {
        var op = generic
        op.mccmnc = "53001"
        op.smsServices = [OperatorSMSService(number: "777", text: "BAL", replyFrom: "777") { cents, now in
            // Prepay credit does not go below zero.
            "Unused Credit: $\(amount(max(0, cents), separator: "."))\nExpiry date: \(nzDate(now.addingTimeInterval(180 * 86_400)))\nLast Call: \(nzDate(now))"
        }]
        return op
    }()

    /// "25/03/2003", as the Vodafone NZ reply writes dates.
    static func nzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Pacific/Auckland") ?? .gmt
        let c = calendar.dateComponents([.day, .month, .year], from: date)
        return String(format: "%02d/%02d/%04d", c.day ?? 1, c.month ?? 1, c.year ?? 2000)
    }

    static let generic = USSDOperator(
        mccmnc: "", balanceCode: "*100#",
        formatBalance: { c in "Balance: \(c < 0 ? "-" : "")\(amount(c, separator: "."))" },
        menu: USSDMenu(text: "Services:\n1 Balance\n2 Tariffs", choices: [
            "1": .balance,
            "2": .menu(USSDMenu(text: "Tariffs:\n1 My tariff\n2 Change tariff", choices: [
                "1": .text("Your tariff: Basic"),
                "2": .text("Request accepted. Wait for an SMS."),
            ])),
        ]),
        invalidChoice: "Invalid choice",
        unknownRequest: "Unknown request")

    static func russianMenu(title: String) -> USSDMenu {
        USSDMenu(text: "\(title):\n1 Баланс\n2 Тарифы", choices: [
            "1": .balance,
            "2": .menu(USSDMenu(text: "Тарифы:\n1 Мой тариф\n2 Сменить тариф", choices: [
                "1": .text("Ваш тариф: Базовый"),
                "2": .text("Запрос принят. Ожидайте SMS."),
            ])),
        ])
    }

    static func latinMenu(title: String) -> USSDMenu {
        USSDMenu(text: "\(title):\n1 Balans\n2 Tarify", choices: [
            "1": .balance,
            "2": .menu(USSDMenu(text: "Tarify:\n1 Moj tarif\n2 Smenit tarif", choices: [
                "1": .text("Vash tarif: Bazovyj"),
                "2": .text("Zapros prinyat. Ozhidajte SMS."),
            ])),
        ])
    }
}
