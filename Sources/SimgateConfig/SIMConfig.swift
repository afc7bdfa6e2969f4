// [[sim]]: what one SIM card costs and may carry, keyed by its ICCID (printed on the card,
// follows it from modem to modem) or, for a SIM not yet read, by the modem holding it.
//
//     [[sim]]
//     iccid = "8970100000000000012"       # or: modem = "huawei1"
//     tariff = "mts-business"             # a [[routing.tariff]]; the keys below override it
//     off_net = 2.0
//     minutes_per_day = 120
//     minutes_per_month = 3000
//     month_reset_day = 15
//     calls_per_day = 300
//     max_call_seconds = 1800
//     max_concurrent = 1
//     groups = ["drivers"]                # caller groups allowed on this SIM (default: all)
//     sms_per_day = 100                   # SMS parts per day (each part of a long SMS counts)
//     sms_per_month = 2000                # SMS parts per tariff month (month_reset_day)
//     sms_min_interval = 10               # s between two parts; overrides [sms] min_interval
//     sms_price = 0.5                     # per part; overrides the tariff's sms_price
//     balance_ussd = "*100#"              # how to ask the operator for the balance
//     balance_interval = 21600            # s between two checks (default 6 h)
//     balance_after_minutes = 30          # also check after this many billed minutes
//     min_balance = 10.0                  # below it the SIM leaves routing (sim.low_balance)
//     number_ussd = "*111*0887#"          # asks the SIM's own number when AT+CNUM has none
//
// Operators that answer by SMS instead (Vodafone NZ: "BAL" texted to 777) take, in place of
// balance_ussd / number_ussd:
//     balance_sms = "777"                 # the short number the request is texted to
//     balance_sms_text = "BAL"            # what is texted
//     balance_sms_reply_from = "777"      # the reply's sender, when not the number itself
//     number_sms = "…", number_sms_text = "…", number_sms_reply_from = "…"  # the same for the own number

import Foundation

public struct SIMConfig: Sendable, Equatable {
    public var iccid: String?
    public var modem: String?
    public var tariff: String?
    /// Prices given on the SIM itself; they win over the tariff's, key by key.
    public var prices: PriceList
    public var billingIncrementSeconds: Int?
    public var minutesPerDay: Int?
    public var minutesPerMonth: Int?
    public var monthResetDay: Int
    public var callsPerDay: Int?
    public var maxCallSeconds: Int?
    public var maxConcurrentCalls: Int
    /// Caller groups allowed to use this SIM; nil allows every caller.
    public var groups: [String]?
    public var line: Int?
    /// SMS parts per day and per tariff month (operators bill and cap per part).
    public var smsPerDay: Int?
    public var smsPerMonth: Int?
    /// Seconds between two parts through this SIM; nil: `[sms] min_interval`.
    public var smsMinIntervalSeconds: Double?
    /// Price of one SMS part; nil: the tariff's `sms_price`.
    public var smsPrice: Decimal?
    /// The USSD code that answers with the SIM's balance (`*100#` on MTS and MegaFon,
    /// `*102#` Beeline, `*105#` Tele2, `*111#` Kyivstar); nil: balance not checked.
    public var balanceUSSD: String?
    /// Seconds between two scheduled checks.
    public var balanceIntervalSeconds: Double = SIMConfig.defaultBalanceInterval
    /// Billed minutes after which the balance is checked again before the interval is up.
    public var balanceAfterMinutes: Int?
    /// Below this balance (in the operator's currency) the SIM leaves routing until a check
    /// reads it at or above again.
    public var minBalance: Decimal?
    /// The USSD code whose reply names the SIM's own number (MTS `*111*0887#`, Beeline
    /// `*110*10#`, MegaFon `*205#`, Tele2 `*201#`, lifecell `*161#`), asked when `AT+CNUM`
    /// gives none; nil: not asked.
    public var numberUSSD: String?
    /// The same requests made by SMS to a short number; the reply SMS carries the answer.
    public var balanceSMS: SMSRequest?
    public var numberSMS: SMSRequest?

    /// A request texted to the operator: `text` to `to`, answered by an SMS from `replyFrom`.
    public struct SMSRequest: Sendable, Equatable {
        public var to: String
        public var text: String
        /// The reply's sender; operators answer from the number asked, or from a name ("Balance").
        public var replyFrom: String
        public init(to: String, text: String, replyFrom: String? = nil) {
            self.to = to; self.text = text; self.replyFrom = replyFrom ?? to
        }
    }

    /// How the operator is asked: a USSD code or an SMS.
    public enum OperatorRequest: Sendable, Equatable, CustomStringConvertible {
        case ussd(String)
        case sms(SMSRequest)

        public var description: String {
            switch self {
            case .ussd(let code): code
            case .sms(let r): "SMS \"\(r.text)\" → \(r.to)"
            }
        }
    }

    /// How this SIM's balance is asked for; nil: not checked.
    public var balanceRequest: OperatorRequest? {
        if let balanceUSSD { return .ussd(balanceUSSD) }
        return balanceSMS.map(OperatorRequest.sms)
    }

    /// How this SIM's own number is asked for; nil: not asked.
    public var numberRequest: OperatorRequest? {
        if let numberUSSD { return .ussd(numberUSSD) }
        return numberSMS.map(OperatorRequest.sms)
    }

    /// Operators answer balance requests all day, but each one is a network transaction and
    /// some bar SIMs that send USSD too often; 6 h is what GoIP-style gateways default to.
    public static let defaultBalanceInterval: Double = 21_600
    /// 5 s to 7 days: shorter floods the network, longer is "never".
    public static let balanceIntervalRange: ClosedRange<Double> = 5...604_800

    /// Operators cap bulk SMS from a consumer SIM at a few hundred a day; a million is "no limit".
    public static let smsRange: ClosedRange<Int64> = 0...1_000_000

    public static let minutesRange: ClosedRange<Int64> = 0...1_000_000
    public static let callsRange: ClosedRange<Int64> = 0...1_000_000
    public static let resetDayRange: ClosedRange<Int64> = 1...31
    /// 24 h: a longer "call" is a stuck channel, not a conversation.
    public static let maxCallSecondsRange: ClosedRange<Int64> = 1...86_400
    /// A GSM modem carries one call; call waiting and conference allow a few more.
    public static let concurrentRange: ClosedRange<Int64> = 1...8
    /// Per-second up to per-minute billing; anything coarser is not a voice tariff.
    public static let billingIncrementRange: ClosedRange<Int64> = 1...60

    public init(iccid: String? = nil, modem: String? = nil, tariff: String? = nil, prices: PriceList = PriceList(),
                billingIncrementSeconds: Int? = nil, minutesPerDay: Int? = nil, minutesPerMonth: Int? = nil,
                monthResetDay: Int = 1, callsPerDay: Int? = nil, maxCallSeconds: Int? = nil,
                maxConcurrentCalls: Int = 1, groups: [String]? = nil, line: Int? = nil) {
        self.iccid = iccid
        self.modem = modem
        self.tariff = tariff
        self.prices = prices
        self.billingIncrementSeconds = billingIncrementSeconds
        self.minutesPerDay = minutesPerDay
        self.minutesPerMonth = minutesPerMonth
        self.monthResetDay = monthResetDay
        self.callsPerDay = callsPerDay
        self.maxCallSeconds = maxCallSeconds
        self.maxConcurrentCalls = maxConcurrentCalls
        self.groups = groups
        self.line = line
    }

    /// 22.030 6.5: `*`/`#`, digits and `*` separators, ending in `#`.
    public static func isUSSDCode(_ s: String) -> Bool {
        guard let first = s.first, first == "*" || first == "#", s.hasSuffix("#"), s.count >= 2, s.count <= 32 else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "*" || $0 == "#") }
    }

    /// ITU-T E.118: 19 or 20 digits (some modems print 18, or a trailing F filler).
    public static func isValidICCID(_ s: String) -> Bool {
        var digits = Substring(s)
        if digits.last == "F" || digits.last == "f" { digits = digits.dropLast() }
        return (18...20).contains(digits.utf8.count) && digits.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func decode(reading r: TableReader) -> SIMConfig? {
        var sim = SIMConfig(line: r.table.position.line)
        sim.iccid = r.string("iccid") { s in
            isValidICCID(s) ? nil : "expected 18 to 20 digits (as AT+CCID prints), got \"\(s)\""
        }
        sim.modem = r.string("modem") { s in
            ModemConfig.isValidID(s) ? nil : "expected a modem id (1 to \(ModemConfig.maximumIDLength) of a-z, 0-9, '_' or '-'), got \"\(s)\""
        }
        if r.table["iccid"] == nil, r.table["modem"] == nil {
            r.diagnostics.report(line: r.table.position.line, key: r.path, "needs iccid or modem, to say which SIM this is")
        } else if r.table["iccid"] != nil, r.table["modem"] != nil {
            r.report("modem", "give iccid or modem, not both (the ICCID follows the card, the modem id the slot)")
        }
        sim.tariff = r.string("tariff", validate: Validate.nonEmpty)
        sim.prices = PriceList.read(r)
        sim.billingIncrementSeconds = r.integer("billing_increment", in: billingIncrementRange).map(Int.init)
        sim.minutesPerDay = r.integer("minutes_per_day", in: minutesRange).map(Int.init)
        sim.minutesPerMonth = r.integer("minutes_per_month", in: minutesRange).map(Int.init)
        if let v = r.integer("month_reset_day", in: resetDayRange) { sim.monthResetDay = Int(v) }
        sim.callsPerDay = r.integer("calls_per_day", in: callsRange).map(Int.init)
        sim.maxCallSeconds = r.integer("max_call_seconds", in: maxCallSecondsRange).map(Int.init)
        if let v = r.integer("max_concurrent", in: concurrentRange) { sim.maxConcurrentCalls = Int(v) }
        sim.groups = r.stringArray("groups", validate: Validate.nonEmpty)
        sim.smsPerDay = r.integer("sms_per_day", in: smsRange).map(Int.init)
        sim.smsPerMonth = r.integer("sms_per_month", in: smsRange).map(Int.init)
        sim.smsMinIntervalSeconds = r.number("sms_min_interval", in: SMSConfig.intervalRange)
        sim.smsPrice = r.number("sms_price", in: 0...PriceList.maximumPrice).map(Validate.decimal)
        sim.balanceUSSD = r.string("balance_ussd") { s in
            Self.isUSSDCode(s) ? nil : "expected a USSD code like \"*100#\" (starts with * or #, digits and *, ends with #), got \"\(s)\""
        }
        sim.numberUSSD = r.string("number_ussd") { s in
            Self.isUSSDCode(s) ? nil : "expected a USSD code like \"*111*0887#\" (starts with * or #, digits and *, ends with #), got \"\(s)\""
        }
        sim.balanceSMS = readSMSRequest(r, "balance_sms", ussdKey: "balance_ussd")
        sim.numberSMS = readSMSRequest(r, "number_sms", ussdKey: "number_ussd")
        if let v = r.number("balance_interval", in: balanceIntervalRange) { sim.balanceIntervalSeconds = v }
        sim.balanceAfterMinutes = r.integer("balance_after_minutes", in: 1...minutesRange.upperBound).map(Int.init)
        sim.minBalance = r.number("min_balance", in: -1_000_000...1_000_000_000).map(Validate.decimal)
        if r.table["balance_ussd"] == nil, r.table["balance_sms"] == nil, r.table["min_balance"] != nil {
            r.report("min_balance", "needs balance_ussd or balance_sms: without a balance request the balance is never known")
        }
        r.finish()
        return sim
    }

    /// An SMS sender or short number: digits with an optional "+", or an alphanumeric name of
    /// at most 11 characters (23.040 §9.1.2.5, the most a 7-bit TP-OA holds).
    public static func isSMSPeer(_ s: String) -> Bool {
        let digits = s.hasPrefix("+") ? s.dropFirst() : Substring(s)
        if !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        return (1...11).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || $0 == "-") }
            && s.contains(where: \.isLetter)
    }

    /// `<key>`, `<key>_text`, `<key>_reply_from`: all three or none of the first two.
    private static func readSMSRequest(_ r: TableReader, _ key: String, ussdKey: String) -> SMSRequest? {
        let to = r.string(key) { s in
            let digits = s.hasPrefix("+") ? s.dropFirst() : Substring(s)
            return !digits.isEmpty && digits.count <= 20 && digits.allSatisfy({ $0.isASCII && $0.isNumber })
                ? nil : "expected the number the request is texted to, like \"777\", got \"\(s)\""
        }
        let text = r.string("\(key)_text") { s in
            s.trimmingCharacters(in: .whitespaces).isEmpty ? "must be the text to send, like \"BAL\"" :
                s.count > 160 ? "at most 160 characters (one SMS), got \(s.count)" : nil
        }
        let replyFrom = r.string("\(key)_reply_from") { s in
            isSMSPeer(s) ? nil : "expected the reply's sender: a number or a name of at most 11 letters and digits, got \"\(s)\""
        }
        if r.table[key] != nil, r.table[ussdKey] != nil {
            r.report(key, "give \(ussdKey) or \(key), not both: the operator is asked one way")
        }
        if r.table[key] != nil, r.table["\(key)_text"] == nil {
            r.report(key, "needs \(key)_text: what to text to \(to ?? "the number")")
        }
        if r.table[key] == nil {
            for extra in ["\(key)_text", "\(key)_reply_from"] where r.table[extra] != nil {
                r.report(extra, "needs \(key): the number the request is texted to")
            }
        }
        guard let to, let text else { return nil }
        return SMSRequest(to: to, text: text, replyFrom: replyFrom)
    }
}
