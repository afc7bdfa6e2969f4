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
        if let v = r.number("balance_interval", in: balanceIntervalRange) { sim.balanceIntervalSeconds = v }
        sim.balanceAfterMinutes = r.integer("balance_after_minutes", in: 1...minutesRange.upperBound).map(Int.init)
        sim.minBalance = r.number("min_balance", in: -1_000_000...1_000_000_000).map(Validate.decimal)
        if sim.balanceUSSD == nil, r.table["min_balance"] != nil {
            r.report("min_balance", "needs balance_ussd: without a balance request the balance is never known")
        }
        r.finish()
        return sim
    }
}
