// Vendor URCs and state: Huawei ^BOOT, ^NWTIME/^TIME, ^SPN, ^STIN, ^CVOICE, ^GETPORTMODE,
// ^DSFLOWRPT/^DSFLOWQRY, ^SMMEMFULL, ^EONS, ^RFSWITCH, ^NDISSTAT, ^ACTIVEBAND; Quectel +QIND
// (all kinds but "csq", which SignalLines owns and hands the rest here), +QLTS, +QCFG, +QPCMV,
// +QSPN, audio settings; SIMCom *PSUTTZ, *PSNWID, DST, +CPCMREG, gains; 27.007 +CTZV/+CTZE
// (8.41, 8.42), +CLVL/+CMUT (8.23, 8.24); bare boot and power lines (at-dialects.md 2-4).

enum VendorLines {
    static let named: [String: ATLineDecoding] = [
        "^BOOT": { boot($0, $1) },
        "^NWTIME": { time($0, $1) },
        "^TIME": { time($0, $1) },
        "+QLTS": { time($0, $1) },
        "*PSUTTZ": { time($0, $1) },
        "+CTZV": { time($0, $1) },
        "+CTZE": { time($0, $1) },
        "+CTZEU": { time($0, $1) },
        "^SPN": { spn($0, $1) },
        "^STIN": { stin($0, $1) },
        "^CVOICE": { cvoice($0, $1) },
        "^GETPORTMODE": { getportmode($0, $1) },
        "^DSFLOWRPT": { i, _ in hexCounters(i, keys: dsflowrptKeys) },
        "^DSFLOWQRY": { i, _ in hexCounters(i, keys: dsflowqryKeys) },
        "^SMMEMFULL": { smmemfull($0, $1) },
        "^EONS": { eons($0, $1) },
        "^RFSWITCH": { rfswitch($0, $1) },
        "^NDISSTAT": { ndisstat($0, $1) },
        "^NDISSTATQRY": { ndisstat($0, $1) },
        "^ACTIVEBAND": { activeband($0, $1) },
        "+QIND": { qind($0, $1) },
        "+QCFG": { qcfg($0, $1) },
        "+QPCMV": { qpcmv($0, $1) },
        "+QSPN": { qspn($0, $1) },
        "+QAUDMOD": { i, _ in single(i, "mode", qaudmodMeanings) },
        "+QDAI": { i, _ in ints(i, qdaiKeys) },
        "+CLVL": { i, _ in single(i, "level", noMeanings) },
        "+CMUT": { i, _ in single(i, "n", cmutMeanings) },
        "+QMIC": { i, _ in ints(i, qmicKeys) },
        "+QRXGAIN": { i, _ in single(i, "rxGain", noMeanings) },
        "*PSNWID": { psnwid($0, $1) },
        "+PACSP": { i, _ in single(i, "mode", pacspMeanings) },
        "+CPCMREG": { i, _ in single(i, "n", cpcmregMeanings) },
        "+CMICGAIN": { i, _ in single(i, "gain", noMeanings) },
        "+COUTGAIN": { i, _ in single(i, "gain", noMeanings) },
        "+CRXVOL": { i, _ in single(i, "volume", noMeanings) },
        "+CTXVOL": { i, _ in single(i, "volume", noMeanings) },
        "+CPCMFRM": { i, _ in single(i, "format", cpcmfrmMeanings) },
    ]

    static let bare: [ATBareLineDecoder] = [
        .prefix("DST:", name: "DST") { line, ctx in timeFields(line) },
        event("RDY", "ready", "the AT interface is up after boot"),
        event("PB DONE", "phonebook-ready", "phonebook initialised"),
        event("SMS DONE", "sms-ready", "SMS initialised"),
        event("Call Ready", "call-ready", "voice calls can be made"),
        event("SMS Ready", "sms-ready", "SMS initialised"),
        event("NORMAL POWER DOWN", "power-down", "the module is powering down"),
        event("POWERED DOWN", "powered-down", "the module powered down"),
        event("START", "start", "the module started"),
        event("^SYSSTART", "system-start", "the module started"),
    ]

    static func event(_ text: String, _ event: String, _ meaning: String) -> ATBareLineDecoder {
        ATBareLineDecoder(name: text, matches: { line, _ in line == text }, decode: { _, _ in
            var f = ATFieldSet()
            f.string("event", event)
            f.string("eventMeaning", meaning)
            return f
        })
    }

    static let noMeanings: [Int: String] = [:]
    static let rfMeanings: [Int: String] = [0: "RF off", 1: "RF on"]
    static let qaudmodMeanings: [Int: String] = [0: "handset", 1: "headset", 2: "speaker", 3: "off", 4: "bluetooth", 5: "none"]
    static let pacspMeanings: [Int: String] = [
        0: "network selection menu hidden (CSP PLMN mode bit off)", 1: "network selection menu allowed (CSP PLMN mode bit on)",
    ]
    static let cmutMeanings: [Int: String] = [0: "mute off", 1: "mute on"]
    static let cpcmregMeanings: [Int: String] = [0: "USB audio off", 1: "USB audio on"]
    static let cpcmfrmMeanings: [Int: String] = [0: "8000 Hz", 1: "16000 Hz"]

    /// `^SMMEMFULL: <mem>`: that message store is full.
    static func smmemfull(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet(); f.string("mem", info.string(0)); return f.values.isEmpty ? nil : f
    }

    /// `^RFSWITCH: <sw_state>,<hw_state>` (software and hardware radio switch).
    static func rfswitch(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        f.code("swState", info.int(0), meanings: rfMeanings)
        f.code("hwState", info.int(1), meanings: rfMeanings)
        return f.values.isEmpty ? nil : f
    }

    /// `^ACTIVEBAND: <rat>,<band>`.
    static func activeband(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        f.int("rat", info.int(0))
        if let b = info.string(1) { if let n = Int(b) { f.int("band", n) } else { f.string("band", b) } }
        return f.values.isEmpty ? nil : f
    }

    /// `+QPCMV: <enable>,<port>` (voice over USB; port 0 NMEA, 1 UART, 2 UAC).
    static func qpcmv(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        f.code("enable", info.int(0), meanings: [0: "disabled", 1: "enabled"])
        f.code("port", info.int(1), meanings: [0: "USB NMEA port", 1: "debug UART", 2: "USB sound card (UAC)"])
        return f.values.isEmpty ? nil : f
    }

    /// A one-value answer (`+CLVL: 4`) or its test form (`+CLVL: (0-5)`).
    static func single(_ info: ATInformationLine, _ key: String, _ meanings: [Int: String]) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.parameters.hasPrefix("(") {
            f["supported" + String(key.prefix(1)).uppercased() + String(key.dropFirst())] = ATRanges.values(info.parameters)
            return f
        }
        guard let v = info.int(0) else { return nil }
        f.code(key, v, meanings: meanings)
        return f
    }

    static let qdaiKeys = ["io", "mode", "fsync", "clock", "format", "sample", "numSlots", "slotMapping"]
    static let qmicKeys = ["txGain", "txDGain"]

    static func ints(_ info: ATInformationLine, _ keys: [String]) -> ATFieldSet? {
        var f = ATFieldSet()
        for (i, k) in keys.enumerated() { f.int(k, info.int(i)) }
        return f.values.isEmpty ? nil : f
    }

    // MARK: Time (through the daemon's NetworkTimeReport)

    static func time(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let name = info.name else { return nil }
        return timeFields(name + ": " + info.parameters) ?? {
            // `^TIME: XX/XX/XX,XX:XX:XX+XX,XX`: no NITZ yet; the text as given.
            var f = ATFieldSet(); f.string("time", info.parameters); return f.values.isEmpty ? nil : f
        }()
    }

    static let dstMeanings: [Int: String] = [
        0: "no adjustment for daylight saving time", 1: "+1 hour adjustment for daylight saving time",
        2: "+2 hours adjustment for daylight saving time",
    ]

    static func timeFields(_ line: String) -> ATFieldSet? {
        guard let r = NetworkTimeReport.parse(line) else { return nil }
        var f = ATFieldSet()
        f.int("year", r.year); f.int("month", r.month); f.int("day", r.day)
        f.int("hour", r.hour); f.int("minute", r.minute); f.int("second", r.second)
        f.int("tz", r.zoneQuarterHours)
        f.string("utcOffset", r.zoneText)
        f.code("dst", r.dst, meanings: dstMeanings)
        f.string("dateTime", r.isoText)
        // The time field as the line printed it (+CTZE's third field, the others' date and time).
        let info = ATInformationLine(line)
        if info.name == "+CTZE" || info.name == "+CTZEU" {
            if info.fields.count >= 3 { f.string("time", info.fields.dropFirst(2).joined(separator: ",")) }
        } else if r.hasDateTime, info.name != "*PSUTTZ" {
            f.string("time", info.parameters)
        }
        return f
    }

    // MARK: Huawei

    /// `^BOOT:<key>,<values...>` (Huawei keep-alive; the fields are undocumented numbers).
    static func boot(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard !info.fields.isEmpty else { return nil }
        var f = ATFieldSet()
        f["fields"] = .array(info.fields.map { Int($0).map(ATValue.int) ?? .string($0) })
        f.int("key", info.int(0))
        return f
    }

    /// `^SPN:<disp_rplmn>,<coding>,<spn_name>`: coding 0 GSM 7-bit, 1 UCS2 (hex).
    static func spn(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let d = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.code("dispRplmn", d, meanings: [0: "do not display the RPLMN", 1: "display the RPLMN", 99: "SPN not present"])
        let coding = info.int(1)
        f.code("coding", coding, meanings: [0: "GSM 7-bit", 1: "UCS2"])
        if let n = info.string(2) {
            f.string("spnName", coding == 1 ? (UCS2Hex.decode(n) ?? n) : ctx.text(n))
        }
        return f
    }

    /// `^STIN:<CmdType>,<CmdIndex>,<isTimeOut>` (Huawei STK).
    static let stinMeanings: [Int: String] = [
        0: "setup main menu", 1: "display text", 2: "get inkey", 3: "get input", 4: "setup call", 5: "play tone",
        6: "select item", 7: "refresh", 8: "send SS", 9: "send SMS", 10: "send USSD", 11: "launch browser",
        12: "setup idle mode text", 99: "end session",
    ]

    static func stin(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let t = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.code("cmdType", t, meanings: stinMeanings)
        f.int("cmdIndex", info.int(1))
        f.int("isTimeOut", info.int(2))
        return f
    }

    /// `^CVOICE:<mode>[,<sampling_rate>,<data_bit>,<frame_period>]`; whether voice works is the
    /// Huawei dialect's judgement (the same rule the daemon applies).
    static func cvoice(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.parameters.hasPrefix("(") { f["supportedMode"] = ATRanges.values(info.parameters); return f }
        guard let mode = info.int(0) else { return nil }
        f.code("mode", mode, meanings: [0: "voice enabled", 1: "voice disabled"])
        f.int("sampleRate", info.int(1))
        f.int("dataBits", info.int(2))
        f.int("framePeriod", info.int(3))
        let v = ModemDialect.huawei.judgeVoiceProbe(ATResponse(lines: ["^CVOICE:" + info.parameters], final: .ok))
        f.bool("voiceCapable", v.capable)
        return f
    }

    /// `^GETPORTMODE: TYPE: WCDMA: huawei,PCUI:0,MDM:1,...`: the port names and interface numbers.
    static func getportmode(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var p = Substring(info.parameters)
        var f = ATFieldSet()
        if p.uppercased().hasPrefix("TYPE:") {
            p = p.dropFirst(5).drop(while: { $0 == " " })
            if let c = p.firstIndex(of: ":") {
                f.string("type", ATFramer.trimSpaces(String(p[..<c])))
                p = p[p.index(after: c)...]
            }
        }
        var ports: [String: ATValue] = [:]
        var vendor: [String] = []
        for part in p.split(separator: ",", omittingEmptySubsequences: true) {
            let kv = part.split(separator: ":", maxSplits: 1).map { ATFramer.trimSpaces(String($0)) }
            if kv.count == 2, let n = Int(kv[1]), !kv[0].isEmpty { ports[kv[0]] = .int(n) }
            else if ports.isEmpty, let t = kv.first, !t.isEmpty { vendor.append(t) }
        }
        if !vendor.isEmpty { f.string("vendor", vendor.joined(separator: ",")) }
        f["ports"] = .object(ports)
        return f
    }

    static let dsflowrptKeys = ["currDsTime", "txRate", "rxRate", "currTxFlow", "currRxFlow", "qosTx", "qosRx"]
    static let dsflowqryKeys = ["lastDsTime", "lastTxFlow", "lastRxFlow", "totalDsTime", "totalTxFlow", "totalRxFlow"]

    /// Fixed-width hex counters as integers (`^DSFLOWRPT`: seconds, bytes/s, bytes).
    static func hexCounters(_ info: ATInformationLine, keys: [String]) -> ATFieldSet? {
        var f = ATFieldSet()
        for (i, k) in keys.enumerated() {
            guard let s = info.string(i), s.count <= 16, let v = Int(s, radix: 16) else { continue }
            f.int(k, v)
        }
        return f.values.isEmpty ? nil : f
    }

    /// `^EONS: <type>,<plmn>,<long name>,<short name>[,...]` (Huawei operator name by EONS).
    static func eons(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard !info.fields.isEmpty else { return nil }
        var f = ATFieldSet()
        f.int("type", info.int(0))
        if let p = info.string(1) {
            f.string("plmn", p)
            RegistrationLines.plmn(p, into: &f)
        }
        if let l = info.string(2) { f.string("longName", ctx.text(l)) }
        if let s = info.string(3) { f.string("shortName", ctx.text(s)) }
        return f.values.isEmpty ? nil : f
    }

    static let ndisStatMeanings: [Int: String] = [0: "disconnected", 1: "connected", 2: "connecting", 3: "disconnecting"]

    /// `^NDISSTAT: <stat>,<err>,<wx_state>,<PDP_type>[,<stat>,<err>,<wx_state>,<PDP_type>]` (one group per
    /// IP family); the first group also at top level.
    static func ndisstat(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let s = info.int(0) else { return nil }
        var f = ATFieldSet()
        var groups: [ATValue] = []
        var i = 0
        while i < info.fields.count {
            var g = ATFieldSet()
            g.code("stat", info.int(i), meanings: ndisStatMeanings)
            g.int("err", info.int(i + 1))
            g.int("wxState", info.int(i + 2))
            g.string("pdpType", info.string(i + 3))
            if !g.values.isEmpty { groups.append(.object(g.values)) }
            i += 4
        }
        f.code("stat", s, meanings: ndisStatMeanings)
        f.int("err", info.int(1))
        f.int("wxState", info.int(2))
        f.string("pdpType", info.string(3))
        f["connections"] = .array(groups)
        return f
    }

    // MARK: Quectel

    /// `+QIND: <kind>[,...]` except "csq" (SignalLines): "act", "ccinfo" (a +CLCC row, stat -1
    /// released), SMS DONE / PB DONE (quoted or not), "FOTA", "smsfull", others as values.
    static func qind(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let kind = info.string(0) else { return nil }
        var f = ATFieldSet()
        f.string("type", kind)
        switch kind.lowercased() {
        case "csq":
            return nil  // SignalLines' +QIND reads it; it sends only the other kinds here.
        case "act":
            f.string("act", info.string(1))
        case "ccinfo":
            // The row's number <type> is `numberType` here: `type` names the +QIND kind.
            var row = ATFieldSet()
            CallLines.callRow(info, ctx, offset: 1, into: &row)
            row["numberType"] = row["type"]; row["numberTypeMeaning"] = row["typeMeaning"]
            row["type"] = nil; row["typeMeaning"] = nil
            f.merge(row)
        case "sms done":
            f.string("event", "sms-ready")
        case "pb done":
            f.string("event", "phonebook-ready")
        case "smsfull":
            f.string("mem", info.string(1))
        case "fota":
            f.string("stage", info.string(1))
            if let v = info.int(2) { f.int(info.string(1)?.uppercased() == "UPDATING" ? "percent" : "result", v) }
        default:
            let rest = info.fields.dropFirst().map { Int($0).map(ATValue.int) ?? .string(ctx.text($0)) }
            if !rest.isEmpty { f["values"] = .array(Array(rest)) }
        }
        return f
    }

    /// `+QCFG: "<name>",<value>[,...]`: name and the values (numbers as numbers).
    static func qcfg(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let name = info.string(0) else { return nil }
        var f = ATFieldSet()
        f.string("name", name)
        let values = info.fields.dropFirst().map { v -> ATValue in
            if let n = Int(v) { return .int(n) }
            if v.hasPrefix("("), v.hasSuffix(")") { return ATRanges.values(v) }
            return .string(v)
        }
        f["values"] = .array(Array(values))
        if values.count == 1 { f["value"] = values[0] }
        return f
    }

    /// `+QSPN: "<FNN>","<SNN>","<SPN>",<alphabet>,"<RPLMN>"` (alphabet 0 GSM, 1 UCS2).
    static func qspn(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard info.fields.count >= 3 else { return nil }
        let alphabet = info.int(3)
        func name(_ s: String) -> String { alphabet == 1 ? (UCS2Hex.decode(s) ?? s) : ctx.text(s) }
        var f = ATFieldSet()
        if let v = info.string(0) { f.string("fnn", name(v)) }
        if let v = info.string(1) { f.string("snn", name(v)) }
        if let v = info.string(2) { f.string("spn", name(v)) }
        f.code("alphabet", alphabet, meanings: [0: "GSM default alphabet", 1: "UCS2"])
        if let r = info.string(4) {
            f.string("rplmn", r)
            RegistrationLines.plmn(r, into: &f)
        }
        return f
    }

    // MARK: SIMCom

    /// `*PSNWID: "<mcc>","<mnc>","<full name>",<ci>,"<short name>",<ci>` (names UCS2 hex).
    static func psnwid(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard info.fields.count >= 2 else { return nil }
        var f = ATFieldSet()
        f.string("mcc", info.string(0))
        f.string("mnc", info.string(1))
        if let l = info.string(2) { f.string("longName", UCS2Hex.decode(l) ?? l) }
        f.int("longNameCi", info.int(3))
        if let s = info.string(4) { f.string("shortName", UCS2Hex.decode(s) ?? s) }
        f.int("shortNameCi", info.int(5))
        return f
    }
}
