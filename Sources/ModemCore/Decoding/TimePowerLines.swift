// Time and power lines: +CCLK (27.007 8.15), +CBC (8.4), +CFUN (8.2), +CMEE (9.1).

enum TimePowerLines {
    static let named: [String: ATLineDecoding] = [
        "+CCLK": { cclk($0, $1) },
        "+CBC": { cbc($0, $1) },
        "+CFUN": { cfun($0, $1) },
        "+CMEE": { cmee($0, $1) },
    ]
    static let bare: [ATBareLineDecoder] = []

    /// `+CCLK: "yy/MM/dd,hh:mm:ss±zz"` (27.007 8.15): local time, zone in quarter hours
    /// (quotes or zone missing on some firmware, 4-digit years on others). Read by
    /// `NetworkTimeReport`, the parser the state machine uses.
    static func cclk(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let r = NetworkTimeReport.parse("+CCLK: " + info.parameters), r.hasDateTime else { return nil }
        var f = ATFieldSet()
        f.int("year", r.year)
        f.int("month", r.month)
        f.int("day", r.day)
        f.int("hour", r.hour)
        f.int("minute", r.minute)
        f.int("second", r.second)
        if let q = r.zoneQuarterHours {
            f.int("timeZoneQuarterHours", q)
            f.int("utcOffsetMinutes", q * 15)
            f.string("timeZone", r.zoneText)
        }
        f.int("dst", r.dst)
        f.string("iso8601", r.isoText)
        return f
    }

    /// 27.007 <bcs>.
    static let bcsMeanings: [Int: String] = [
        0: "powered by the battery", 1: "battery connected, but not powered by it",
        2: "no battery connected", 3: "recognised power fault, calls inhibited",
    ]
    /// SIMCom/Quectel <bcs> of the three-field form `<bcs>,<bcl>,<voltage>` (SIM800 manual
    /// 3.2.52, Quectel EC2x manual AT+CBC): the charger state instead.
    static let chargeMeanings: [Int: String] = [0: "not charging", 1: "charging", 2: "charging finished"]

    /// `+CBC: <bcs>,<bcl>[,<voltage mV>]`, SIM7600's `+CBC: 3.921V`, and the test form
    /// `+CBC: (0-3),(0-100)`.
    static func cbc(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        let p = info.parameters
        if p.hasPrefix("(") {
            let lists = ATRanges.topLevelItems(p).compactMap { item -> ATValue? in
                if case .group(let g) = item { return ATRanges.values(g, parenthesised: false) }
                return nil
            }
            if lists.count >= 1 { f["supportedBcs"] = lists[0] }
            if lists.count >= 2 { f["supportedBcl"] = lists[1] }
            return lists.isEmpty ? nil : f
        }
        if p.count >= 2, p.last == "V" || p.last == "v", let volts = Double(p.dropLast()), volts >= 0, volts < 100 {
            f.int("voltage", Int((volts * 1000).rounded()))
            f.double("volts", volts)
            return f
        }
        guard let bcs = info.int(0) else { return nil }
        let voltage = info.int(2)
        f.code("bcs", bcs, meanings: voltage == nil ? bcsMeanings : chargeMeanings)
        if let bcl = info.int(1) {
            f.int("bcl", bcl)
            f.int("batteryPercent", bcl)
        }
        f.int("voltage", voltage)
        return f
    }

    static let funMeanings: [Int: String] = [
        0: "minimum functionality", 1: "full functionality", 2: "transmit RF circuits disabled",
        3: "receive RF circuits disabled", 4: "transmit and receive RF circuits disabled (flight mode)",
    ]
    static let rstMeanings: [Int: String] = [0: "do not reset before setting", 1: "reset before setting"]

    /// `+CFUN: <fun>[,<rst>]` (27.007 8.2), also a URC on SIMCom/Quectel boot; values above 4
    /// are the manufacturer's (`+CFUN: 19`, `+CFUN: 7`). Test form `+CFUN: (0,1,4),(0-1)`.
    static func cfun(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.parameters.hasPrefix("(") {
            let lists = ATRanges.topLevelItems(info.parameters).compactMap { item -> ATValue? in
                if case .group(let g) = item { return ATRanges.values(g, parenthesised: false) }
                return nil
            }
            if lists.count >= 1 { f["supportedFun"] = lists[0] }
            if lists.count >= 2 { f["supportedRst"] = lists[1] }
            return lists.isEmpty ? nil : f
        }
        guard let fun = info.int(0) else { return nil }
        f.int("fun", fun)
        f.string("funMeaning", funMeanings[fun] ?? ((5...127).contains(fun) ? "manufacturer specific" : nil))
        f.code("rst", info.int(1), meanings: rstMeanings)
        return f
    }

    static let cmeeMeanings: [Int: String] = [
        0: "+CME ERROR disabled (ERROR only)", 1: "+CME ERROR with numeric codes", 2: "+CME ERROR with verbose text",
    ]

    /// `+CMEE: <n>` (27.007 9.1) and the test form `+CMEE: (0-2)`.
    static func cmee(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.parameters.hasPrefix("(") {
            f["supportedN"] = ATRanges.values(info.parameters)
            return f
        }
        guard let n = info.int(0) else { return nil }
        f.code("n", n, meanings: cmeeMeanings)
        return f
    }
}
