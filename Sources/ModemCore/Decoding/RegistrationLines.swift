// Registration and operator lines: +CREG, +CGREG, +CEREG, +C5GREG (27.007 7.2, 10.1.20,
// 10.1.22, 10.1.61) and +COPS (7.3), read answers, URCs, test forms and =? scans.

enum RegistrationLines {
    static let named: [String: ATLineDecoding] = [
        "+CREG": { registration($0, $1, .cs) },
        "+CGREG": { registration($0, $1, .gprs) },
        "+CEREG": { registration($0, $1, .eps) },
        "+C5GREG": { registration($0, $1, .nr) },
        "+COPS": { cops($0, $1) },
    ]
    static let bare: [ATBareLineDecoder] = []

    /// 27.007 <n> of the registration commands.
    static let nMeanings: [Int: String] = [
        0: "unsolicited result code disabled",
        1: "unsolicited result code enabled",
        2: "unsolicited result code with location information",
        3: "unsolicited result code with location information and cause",
        4: "unsolicited result code with location and PSM information",
        5: "unsolicited result code with location, PSM information and cause",
    ]

    /// 27.007 <cause_type>.
    static let causeTypeMeanings: [Int: String] = [
        0: "3GPP cause (24.008 annex G / 24.301 annex A / 24.501 annex A)",
        1: "manufacturer specific cause",
    ]

    /// The common 3GPP MM/GMM/EMM/5GMM reject causes (24.008 annex G, 24.301 annex A).
    static let rejectCauseMeanings: [Int: String] = [
        2: "IMSI unknown in HLR/HSS", 3: "illegal MS", 5: "IMEI not accepted", 6: "illegal ME",
        7: "services not allowed", 8: "services and non-services not allowed",
        9: "MS identity cannot be derived by the network", 10: "implicitly detached",
        11: "PLMN not allowed", 12: "location/tracking area not allowed",
        13: "roaming not allowed in this location/tracking area",
        14: "services not allowed in this PLMN", 15: "no suitable cells in location/tracking area",
        16: "MSC temporarily not reachable", 17: "network failure", 18: "CS domain not available",
        19: "ESM failure", 22: "congestion", 25: "not authorized for this CSG",
        35: "requested service option not authorized in this PLMN",
    ]

    /// The field names after <stat>, per command, in 27.007 order.
    static func layout(_ domain: RegistrationReport.Domain, novatel: Bool) -> [String] {
        switch domain {
        case .cs: return ["lac", "ci", "act", "causeType", "rejectCause"]
        case .gprs: return ["lac", "ci", "act", "rac", "causeType", "rejectCause", "activeTime", "periodicRAU", "gprsReadyTimer"]
        case .eps:
            // Novatel E362 / SIM7000: an undocumented field between TAC and CI.
            if novatel { return ["tac", "extra", "ci", "act", "causeType", "rejectCause", "activeTime", "periodicTAU"] }
            return ["tac", "ci", "act", "causeType", "rejectCause", "activeTime", "periodicTAU"]
        case .nr: return ["tac", "ci", "act", "allowedNSSAILength", "allowedNSSAI", "causeType", "rejectCause", "cagStat", "cagInfo"]
        }
    }

    /// `+CxREG: [<n>,]<stat>[,<lac|tac>,<ci>[,<AcT>[,...]]]`, and the test form `+CREG: (0-2)`.
    /// The read answer (`ctx.answers`) leads with <n>; without a command the typed parser's
    /// shape rule decides (see `RegistrationReport.layout`).
    static func registration(_ info: ATInformationLine, _ ctx: ATDecodingContext, _ domain: RegistrationReport.Domain) -> ATFieldSet? {
        if info.parameters.hasPrefix("(") {
            var f = ATFieldSet()
            f["supportedN"] = ATRanges.values(info.parameters)
            return f
        }
        let solicited: Bool? = ctx.answers(domain.rawValue) ? true : nil
        guard let (n, rest) = RegistrationReport.layout(info, solicited: solicited) else { return nil }
        var f = ATFieldSet()
        f.code("n", n, meanings: nMeanings)
        // `+CREG: 2` answering AT+CREG? on firmware that leaves <stat> out: only <n>.
        guard let statText = rest.first else { return n == nil ? nil : f }
        guard let stat = Int(statText) else {
            // `+CREG: 2,,` (Novatel XU870 unregistered) is stat 2 with empty lac/ci; a
            // non-number here means this is not a registration line at all.
            return statText.isEmpty && n != nil ? f : nil
        }
        f.int("stat", stat)
        if let s = RegistrationStatus(rawValue: stat) { f.string("statMeaning", s.meaning) }
        let names = layout(domain, novatel: domain == .eps && RegistrationReport.hasExtraFieldAfterTAC(fieldsAfterN: rest.count))
        for (i, key) in names.enumerated() where i + 1 < rest.count {
            let v = rest[i + 1]
            guard !v.isEmpty else { continue }
            switch key {
            case "lac", "tac", "ci", "rac", "extra":
                f.hex(key, v)
            case "act":
                guard let a = Int(v) else { continue }
                f.int("act", a)
                f.string("actName", AccessTechnology.standardName(act: a))
            case "causeType":
                f.code(key, Int(v), meanings: causeTypeMeanings)
            case "rejectCause":
                f.code(key, Int(v), meanings: rejectCauseMeanings)
            case "activeTime", "gprsReadyTimer":
                f.string(key, v)
                f.int(key + "Seconds", GPRSTimer.timer2Seconds(v))
            case "periodicTAU", "periodicRAU":
                f.string(key, v)
                f.int(key + "Seconds", GPRSTimer.timer3Seconds(v))
            case "allowedNSSAI":
                f.string(key, v)
            default:
                f.int(key, Int(v))
            }
        }
        return f
    }

    // MARK: +COPS

    static let copsModeMeanings: [Int: String] = [
        0: "automatic", 1: "manual", 2: "deregister from network", 3: "set format only",
        4: "manual/automatic",
    ]
    static let copsFormatMeanings: [Int: String] = [
        0: "long alphanumeric", 1: "short alphanumeric", 2: "numeric",
    ]
    static let networkStatMeanings: [Int: String] = [
        0: "unknown", 1: "available", 2: "current", 3: "forbidden",
    ]

    /// `+COPS: <mode>[,<format>,<oper>[,<AcT>]]` (read) and the `=?` scan
    /// `+COPS: (<stat>,<long>,<short>,<numeric>[,<AcT>]),...,,(<modes>),(<formats>)`.
    static func cops(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        if info.parameters.hasPrefix("(") || info.parameters.hasPrefix(",") { return copsScan(info.parameters, ctx) }
        guard let r = OperatorReport.parse("+COPS: " + info.parameters) else { return nil }
        var f = ATFieldSet()
        f.code("mode", r.mode, meanings: copsModeMeanings)
        f.code("format", r.format, meanings: copsFormatMeanings)
        if let numeric = r.mccmnc {
            f.string("oper", numeric)
            plmn(numeric, into: &f)
        } else if let name = r.name {
            f.string("oper", ctx.ucs2 ? ctx.text(name) : name)
        } else if let raw = info.string(2) {
            // Numeric format with a non-numeric operator: as given.
            f.string("oper", ctx.text(raw))
        }
        if let a = r.act {
            f.int("act", a)
            f.string("actName", AccessTechnology.standardName(act: a))
        }
        return f
    }

    /// MCC and MNC of a 5-6 digit PLMN, as text (an MNC keeps its leading zero).
    static func plmn(_ numeric: String, into f: inout ATFieldSet) {
        guard numeric.count >= 5, numeric.count <= 6, numeric.allSatisfy(\.isASCIIDigit) else { return }
        f.string("mcc", String(numeric.prefix(3)))
        f.string("mnc", String(numeric.dropFirst(3)))
    }

    /// The `=?` scan: network groups (those with a quoted name or number), then the supported
    /// modes and formats lists. Real firmware drops AcT, closes the group before AcT
    /// (`(1,"AT&T","AT&T","310410"),2)`), leaves empty entries, splits the list over lines
    /// (continuation lines come without `+COPS:`) or prints one network per line.
    static func copsScan(_ text: String, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var networks: [ATValue] = []
        var lists: [ATValue] = []
        var lastNetworkOpen = false  // the last group was a network without an AcT
        for item in ATRanges.topLevelItems(text) {
            switch item {
            case .group(let inner):
                let (fields, quoted) = ATInformationLine.splitFields(inner)
                if quoted.contains(true) {
                    let (net, hasAct) = network(fields, ctx)
                    networks.append(.object(net))
                    lastNetworkOpen = !hasAct
                } else {
                    lists.append(ATRanges.values(inner, parenthesised: false))
                    lastNetworkOpen = false
                }
            case .bare(let token):
                if lastNetworkOpen, let a = Int(token), case .object(var net)? = networks.last {
                    net["act"] = .int(a)
                    if let n = AccessTechnology.standardName(act: a) { net["actName"] = .string(n) }
                    networks[networks.count - 1] = .object(net)
                }
                lastNetworkOpen = false
            }
        }
        guard !networks.isEmpty || !lists.isEmpty else { return nil }
        var f = ATFieldSet()
        f["networks"] = .array(networks)
        if lists.count >= 1 { f["supportedModes"] = lists[0] }
        if lists.count >= 2 { f["supportedFormats"] = lists[1] }
        return f
    }

    static func network(_ fields: [String], _ ctx: ATDecodingContext) -> ([String: ATValue], Bool) {
        var f = ATFieldSet()
        func at(_ i: Int) -> String? { i < fields.count && !fields[i].isEmpty ? fields[i] : nil }
        f.code("stat", at(0).flatMap { Int($0) }, meanings: networkStatMeanings)
        if let l = at(1) { f.string("long", OperatorReport.cleanName(ctx.text(l))) }
        if let s = at(2) { f.string("short", OperatorReport.cleanName(ctx.text(s))) }
        if let n = at(3) {
            let numeric = ctx.number(n)
            f.string("numeric", numeric)
            plmn(numeric, into: &f)
        }
        var hasAct = false
        if let a = at(4).flatMap({ Int($0) }) {
            hasAct = true
            f.int("act", a)
            f.string("actName", AccessTechnology.standardName(act: a))
        }
        return (f.values, hasAct)
    }
}

/// 24.008 10.5.7.4 (GPRS Timer 2) and 10.5.7.4a (GPRS Timer 3), sent by +CEREG/+CGREG n=4/5
/// as an 8-character bit string: 3 unit bits, then a 5-bit value.
enum GPRSTimer {
    static func bits(_ s: String) -> (unit: Int, value: Int)? {
        guard s.count == 8, s.allSatisfy({ $0 == "0" || $0 == "1" }), let b = Int(s, radix: 2) else { return nil }
        return (b >> 5, b & 0x1F)
    }

    /// Nil when deactivated or not a timer.
    static func timer2Seconds(_ s: String) -> Int? {
        guard let (unit, v) = bits(s) else { return nil }
        switch unit {
        case 0: return v * 2
        case 1: return v * 60
        case 2: return v * 360
        default: return nil
        }
    }

    static func timer3Seconds(_ s: String) -> Int? {
        guard let (unit, v) = bits(s) else { return nil }
        switch unit {
        case 0: return v * 600
        case 1: return v * 3600
        case 2: return v * 36000
        case 3: return v * 2
        case 4: return v * 30
        case 5: return v * 60
        case 6: return v * 1_152_000
        default: return nil
        }
    }
}

/// Test-form lists: `(0-2)`, `(0,1,3)`, `(0-4),(0-2)`.
enum ATRanges {
    enum Item: Equatable { case group(String), bare(String) }

    /// Top-level parenthesised groups and bare tokens between commas, quotes respected; stray
    /// `)` and empty entries are skipped.
    static func topLevelItems(_ text: String) -> [Item] {
        var items: [Item] = []
        var depth = 0
        var inQuotes = false
        var current = ""
        func flushBare() {
            let t = ATFramer.trimSpaces(current)
            if !t.isEmpty { items.append(.bare(t)) }
            current = ""
        }
        for ch in text {
            if ch == "\"" { inQuotes.toggle() }
            if inQuotes { current.append(ch); continue }
            switch ch {
            case "(":
                if depth == 0 { flushBare() } else { current.append(ch) }
                depth += 1
            case ")":
                if depth == 0 { flushBare(); continue }  // stray
                depth -= 1
                if depth == 0 { items.append(.group(current)); current = "" } else { current.append(ch) }
            case "," where depth == 0:
                flushBare()
            default:
                current.append(ch)
            }
        }
        if depth > 0 {
            // An unclosed group at the end of a line split over lines.
            if !current.isEmpty { items.append(.group(current)) }
        } else {
            flushBare()
        }
        return items
    }

    /// `0-2` / `0,1,3` / `(0-2)` as an array of integers when every part is a number or a
    /// small range; otherwise the text as given.
    static func values(_ text: String, parenthesised: Bool = true) -> ATValue {
        var t = ATFramer.trimSpaces(text)
        if parenthesised, t.hasPrefix("("), t.hasSuffix(")"), t.count >= 2 { t = String(t.dropFirst().dropLast()) }
        var out: [ATValue] = []
        for part in t.split(separator: ",", omittingEmptySubsequences: true) {
            let p = ATFramer.trimSpaces(String(part))
            if let v = Int(p) { out.append(.int(v)); continue }
            let bounds = p.split(separator: "-", maxSplits: 1).map { ATFramer.trimSpaces(String($0)) }
            guard bounds.count == 2, let lo = Int(bounds[0]), let hi = Int(bounds[1]), lo <= hi, hi - lo <= 300 else {
                return .string(t)
            }
            for v in lo...hi { out.append(.int(v)) }
        }
        return .array(out)
    }
}
