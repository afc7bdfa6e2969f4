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
//     balance_ussd = "*100#"              # balance and own-number requests: OperatorQueries.swift
//     min_balance = 10.0                  # (also on the tariff, for every SIM of it)

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
    /// How the operator is asked for the balance and the own number, and the balance's
    /// schedule and minimum: the SIM's own keys over its tariff's (OperatorQueries.swift).
    public var queries = OperatorQueries()

    /// How this SIM's balance is asked for; nil: not checked.
    public var balanceRequest: OperatorQueries.Request? { queries.balanceRequest }
    /// How this SIM's own number is asked for; nil: not asked.
    public var numberRequest: OperatorQueries.Request? { queries.numberRequest }
    public var balanceUSSD: String? { queries.balanceUSSD }
    /// Seconds between two scheduled checks.
    public var balanceIntervalSeconds: Double { queries.balanceIntervalSeconds ?? Self.defaultBalanceInterval }
    /// Billed minutes after which the balance is checked again before the interval is up.
    public var balanceAfterMinutes: Int? { queries.balanceAfterMinutes }
    /// Below this balance (in the operator's currency) the SIM leaves routing until a check
    /// reads it at or above again.
    public var minBalance: Decimal? { queries.minBalance }

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
        sim.queries = OperatorQueries.read(r)
        r.finish()
        return sim
    }
}

extension SIMConfig {
    func render(into w: inout TOMLWriter) {
        w.tableArray("sim")
        w.string("iccid", iccid)
        w.string("modem", modem)
        w.string("tariff", tariff)
        prices.render(into: &w)
        w.integer("billing_increment", billingIncrementSeconds)
        w.integer("minutes_per_day", minutesPerDay)
        w.integer("minutes_per_month", minutesPerMonth)
        w.integer("month_reset_day", monthResetDay)
        w.integer("calls_per_day", callsPerDay)
        w.integer("max_call_seconds", maxCallSeconds)
        w.integer("max_concurrent", maxConcurrentCalls)
        if let groups { w.strings("groups", groups) }
        w.integer("sms_per_day", smsPerDay)
        w.integer("sms_per_month", smsPerMonth)
        if let smsMinIntervalSeconds { w.number("sms_min_interval", smsMinIntervalSeconds) }
        w.decimal("sms_price", smsPrice)
        queries.render(into: &w)
    }
}
