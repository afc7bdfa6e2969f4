// SMS and USSD lines: the 27.005 headers (+CMTI/+CDSI 3.4.1, +CMT/+CDS 3.4.1, +CMGR 3.4.3,
// +CMGL 3.4.2, +CMGS/+CMSS/+CMGW 3.5, +CPMS 3.2.2, +CSCA 3.3.1, +CNMI 3.4.1, +CMGF 3.2.3,
// +CSMS 3.2.1, +CSMP 3.3.2, +CSDH 3.3.3), 27.007 7.15 +CUSD, and the bare PDU hex line that
// follows a PDU-mode header.

import SMSCore

enum MessagingLines {
    static let named: [String: ATLineDecoding] = [
        "+CMTI": { storedIndication($0, $1) },
        "+CDSI": { storedIndication($0, $1) },
        "+CMT": { cmt($0, $1) },
        "+CDS": { cds($0, $1) },
        "+CMGR": { cmgr($0, $1) },
        "+CMGL": { cmgl($0, $1) },
        "+CMGS": { messageReference($0, $1) },
        "+CMSS": { messageReference($0, $1) },
        "+CMGW": { cmgw($0, $1) },
        "+CPMS": { cpms($0, $1) },
        "+CSCA": { csca($0, $1) },
        "+CNMI": { cnmi($0, $1) },
        "+CMGF": { cmgf($0, $1) },
        "+CSMS": { csms($0, $1) },
        "+CSMP": { csmp($0, $1) },
        "+CSDH": { csdh($0, $1) },
        "+CMGD": { cmgd($0, $1) },
        "+CUSD": { cusd($0, $1) },
    ]

    static let bare: [ATBareLineDecoder] = [
        ATBareLineDecoder(name: "PDU", matches: { looksLikePDU($0, $1) }, decode: { line, _ in pdu(line) }),
    ]

    // MARK: tables

    /// 27.005 3.1 <mem1>/<mem2>/<mem3>.
    static let memMeanings: [String: String] = [
        "BM": "broadcast message storage", "ME": "ME message storage",
        "MT": "any of the storages associated with ME", "SM": "(U)SIM message storage",
        "TA": "TA message storage", "SR": "status report storage",
    ]

    /// 27.005 3.1 <stat>, PDU mode (integer) and text mode (string).
    static let statMeanings: [Int: String] = [
        0: "received unread", 1: "received read", 2: "stored unsent", 3: "stored sent", 4: "all messages",
    ]
    static let statTexts: [String: Int] = [
        "REC UNREAD": 0, "REC READ": 1, "STO UNSENT": 2, "STO SENT": 3, "ALL": 4,
    ]

    static let cnmiModeMeanings: [Int: String] = [
        0: "buffer indications in the TA", 1: "discard indications when the link is reserved",
        2: "buffer indications when the link is reserved, flush them afterwards",
        3: "forward indications directly to the TE",
    ]
    static let cnmiMtMeanings: [Int: String] = [
        0: "no SMS-DELIVER indications", 1: "store and indicate with +CMTI",
        2: "route SMS-DELIVER directly with +CMT (class 2 stored with +CMTI)",
        3: "class 3 routed with +CMT, others as mt=1",
    ]
    static let cnmiBmMeanings: [Int: String] = [
        0: "no CBM indications", 1: "store and indicate with +CBMI", 2: "route CBMs directly with +CBM",
        3: "class 3 CBMs routed with +CBM",
    ]
    static let cnmiDsMeanings: [Int: String] = [
        0: "no SMS-STATUS-REPORTs", 1: "route status reports directly with +CDS",
        2: "store status reports and indicate with +CDSI",
    ]
    static let cnmiBfrMeanings: [Int: String] = [
        0: "flush buffered indications to the TE", 1: "clear buffered indications",
    ]
    static let cmgfModeMeanings: [Int: String] = [0: "PDU mode", 1: "text mode"]
    static let csmsServiceMeanings: [Int: String] = [
        0: "27.005 phase 2 (no +CNMA acknowledgement)", 1: "27.005 phase 2+ (+CNMA acknowledgement)",
        128: "manufacturer specific",
    ]
    static let supportMeanings: [Int: String] = [0: "not supported", 1: "supported"]

    /// 27.007 7.15 <m>.
    static let cusdMMeanings: [Int: String] = [
        0: "no further user action required", 1: "further user action required",
        2: "USSD terminated by network", 3: "other local client has responded",
        4: "operation not supported", 5: "network time out",
    ]
    /// 27.007 7.15 <n> of the set command, echoed by the read form `+CUSD: <n>`.
    static let cusdNMeanings: [Int: String] = [
        0: "result code presentation disabled", 1: "result code presentation enabled", 2: "cancel session",
    ]

    /// 24.008 10.5.4.7 type of number / numbering plan of a <toa> octet.
    static func typeOfAddressMeaning(_ v: Int) -> String? {
        guard (0...255).contains(v) else { return nil }
        let ton: [Int: String] = [
            0: "unknown type", 1: "international number", 2: "national number", 3: "network specific number",
            4: "subscriber number", 5: "alphanumeric", 6: "abbreviated number",
        ]
        let npi: [Int: String] = [
            0: "unknown numbering plan", 1: "ISDN/telephony numbering plan", 3: "data numbering plan",
            4: "telex numbering plan", 8: "national numbering plan", 9: "private numbering plan",
            10: "ERMES numbering plan",
        ]
        let t = ton[(v >> 4) & 7] ?? "reserved type"
        let p = npi[v & 0x0F] ?? "reserved numbering plan"
        return "\(t), \(p)"
    }

    // MARK: helpers

    static func at(_ info: ATInformationLine, _ i: Int) -> String? { info.string(i) }

    static func mem(_ key: String, _ v: String?, into f: inout ATFieldSet) {
        guard let v, !v.isEmpty else { return }
        f.string(key, v)
        if let m = memMeanings[v.uppercased()] { f.string(key + "Meaning", m) }
    }

    static func toa(_ key: String, _ v: String?, into f: inout ATFieldSet) {
        guard let v, let n = Int(v) else { return }
        f.int(key, n)
        f.string(key + "Meaning", typeOfAddressMeaning(n))
    }

    /// <stat> as an integer (PDU mode) or text (`REC UNREAD`): `stat` is always the integer.
    static func stat(_ v: String?, into f: inout ATFieldSet) -> Bool {
        guard let v else { return false }
        if let n = Int(v) {
            f.code("stat", n, meanings: statMeanings)
            return true
        }
        guard let n = statTexts[v.uppercased()] else { return false }
        f.string("statText", v)
        f.code("stat", n, meanings: statMeanings)
        return true
    }

    /// A `<length>` field; MM's `+CMGR: 1,,147 0791...` carries the PDU after a space.
    static func length(_ v: String?, into f: inout ATFieldSet) -> Bool {
        guard let v else { return false }
        if let n = Int(v) { f.int("length", n); return true }
        let parts = v.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let n = Int(parts[0]) else { return false }
        f.int("length", n)
        let hex = String(parts[1]).filter { !$0.isWhitespace }
        if isHex(hex) { f.merge(pdu(hex) ?? ATFieldSet()) }
        return true
    }

    static func isHex(_ s: String) -> Bool { !s.isEmpty && s.utf8.allSatisfy { isHexByte($0) } }
    static func isHexByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    /// Text-mode header fields after <oa>/<da> (`+CMT`, `+CMGR` text mode, 27.005 3.4.1 / 3.4.3).
    static func textHeader(_ fields: [String], keys: [String], _ ctx: ATDecodingContext, into f: inout ATFieldSet) {
        for (i, key) in keys.enumerated() where i < fields.count {
            let v = fields[i]
            guard !v.isEmpty else { continue }
            switch key {
            case "oa", "da", "ra", "sca": f.string(key, ctx.number(v))
            case "alpha": f.string(key, ctx.text(v))
            case "tooa", "toda", "tora", "tosca": toa(key, v, into: &f)
            case "scts", "dt", "vp": f.string(key, v)
            case "dcs":
                guard let n = Int(v) else { continue }
                f.int("dcs", n)
                f.string("dcsMeaning", SMSDataCoding.smsMeaning(n))
            default:
                if let n = Int(v) { f.int(key, n) } else { f.string(key, v) }
            }
        }
    }

    // MARK: decoders

    /// `+CMTI: <mem>,<index>` / `+CDSI: <mem>,<index>` (27.005 3.4.1). Seen: `+CMTI: ,2` (no
    /// mem), `+CMTI: "SM",-1` (Huawei: no index), `+CMTI: 0,111`.
    static func storedIndication(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard info.fields.count >= 2, let index = info.int(info.fields.count - 1) else { return nil }
        var f = ATFieldSet()
        mem("mem", at(info, 0), into: &f)
        f.int("index", index)
        if index < 0 { f.string("indexMeaning", "no storage index given") }
        return f
    }

    /// `+CMT: [<alpha>],<length>` (PDU mode) or
    /// `+CMT: <oa>,[<alpha>],<scts>[,<tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,<length>]` (text mode).
    static func cmt(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.fields.count <= 2 {
            guard length(info.fields.last, into: &f) else { return nil }
            f.string("mode", "pdu")
            if info.fields.count == 2 { f.string("alpha", at(info, 0).map(ctx.text)) }
            return f
        }
        f.string("mode", "text")
        textHeader(info.fields, keys: ["oa", "alpha", "scts", "tooa", "fo", "pid", "dcs", "sca", "tosca", "length"], ctx, into: &f)
        return f
    }

    /// `+CDS: <length>` (PDU mode) or `+CDS: <fo>,<mr>,[<ra>],[<tora>],<scts>,<dt>,<st>` (text).
    static func cds(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.fields.count == 1 {
            guard length(info.fields.first, into: &f) else { return nil }
            f.string("mode", "pdu")
            return f
        }
        guard info.int(0) != nil else { return nil }
        f.string("mode", "text")
        statusReport(info.fields, ctx, into: &f)
        return f
    }

    static func statusReport(_ fields: [String], _ ctx: ATDecodingContext, into f: inout ATFieldSet) {
        textHeader(fields, keys: ["fo", "mr", "ra", "tora", "scts", "dt", "st"], ctx, into: &f)
        if let st = f["st"]?.intValue { f.string("stMeaning", SMSDataCoding.statusMeaning(st)) }
    }

    /// `+CMGR: <stat>,[<alpha>],<length>` (PDU), and in text mode
    /// `+CMGR: <stat>,<oa>,[<alpha>],<scts>[,...]` (deliver),
    /// `+CMGR: <stat>,<da>,[<alpha>][,<toda>,<fo>,<pid>,<dcs>,[<vp>],<sca>,<tosca>,<length>]`
    /// (submit), `+CMGR: <stat>,<fo>,<mr>,[<ra>],[<tora>],<scts>,<dt>,<st>` (status report).
    static func cmgr(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        guard stat(at(info, 0), into: &f) else { return nil }
        let rest = Array(info.fields.dropFirst())
        if Int(info.fields[0]) != nil {
            // PDU mode: [<alpha>],<length>; the alpha may be missing altogether.
            f.string("mode", "pdu")
            guard length(rest.last, into: &f) else { return nil }
            if rest.count >= 2 { f.string("alpha", rest.first.map(ctx.text)) }
            return f
        }
        f.string("mode", "text")
        let statValue = f["stat"]?.intValue ?? 0
        if rest.count == 7, Int(rest[0]) != nil {
            statusReport(rest, ctx, into: &f)
        } else if statValue == 2 || statValue == 3 {
            textHeader(rest, keys: ["da", "alpha", "toda", "fo", "pid", "dcs", "vp", "sca", "tosca", "length"], ctx, into: &f)
        } else {
            textHeader(rest, keys: ["oa", "alpha", "scts", "tooa", "fo", "pid", "dcs", "sca", "tosca", "length"], ctx, into: &f)
        }
        return f
    }

    /// `+CMGL: <index>,<stat>,[<alpha>],<length>` (PDU; Pantech drops <alpha>:
    /// `+CMGL: 17,3,35`), text mode `+CMGL: <index>,<stat>,<oa/da>,[<alpha>],[<scts>][,<tooa/toda>,<length>]`,
    /// and the test form listing the <stat> values.
    static func cmgl(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        if info.parameters.hasPrefix("(") {
            var f = ATFieldSet()
            f["supportedStat"] = statList(info.parameters)
            return f
        }
        guard let index = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.int("index", index)
        guard stat(at(info, 1), into: &f) else { return nil }
        let rest = Array(info.fields.dropFirst(2))
        if info.int(1) != nil {
            f.string("mode", "pdu")
            guard length(rest.last, into: &f) else { return nil }
            if rest.count >= 2 { f.string("alpha", rest.first.map(ctx.text)) }
            return f
        }
        f.string("mode", "text")
        let sent = (f["stat"]?.intValue ?? 0) >= 2
        let keys = sent ? ["da", "alpha", "scts", "toda", "length"] : ["oa", "alpha", "scts", "tooa", "length"]
        textHeader(rest, keys: keys, ctx, into: &f)
        return f
    }

    /// `("REC UNREAD","REC READ",...)` or `(0-4)`.
    static func statList(_ text: String) -> ATValue {
        let inner = String(text.filter { $0 != "(" && $0 != ")" })
        let (fields, quoted) = ATInformationLine.splitFields(inner)
        if quoted.contains(true) { return .array(fields.filter { !$0.isEmpty }.map { .string($0) }) }
        return ATRanges.values(text)
    }

    /// `+CMGS: <mr>[,<scts>|<ackpdu>]` and `+CMSS: <mr>[,...]` (27.005 3.5.1, 3.5.2).
    static func messageReference(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let mr = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.int("mr", mr)
        if let second = at(info, 1) {
            // Text mode gives the SC timestamp (`24/03/05,12:00:00+04`, comma inside quotes).
            if second.contains("/") { f.string("scts", second) } else { f.string("ackpdu", second.uppercased()) }
        }
        return f
    }

    /// `+CMGW: <index>` (27.005 3.5.3).
    static func cmgw(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let index = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.int("index", index)
        return f
    }

    /// `+CPMS` (27.005 3.2.2): read `<mem1>,<used1>,<total1>,<mem2>,...` (9 or 6 fields), set
    /// answer `<used1>,<total1>,<used2>,<total2>,<used3>,<total3>`, test form lists
    /// `("ME","SM"),("ME","SM"),("SM")` (also unparenthesised or empty lists).
    static func cpms(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        let fields = info.fields
        if info.parameters.contains("(") || (!fields.isEmpty && fields.allSatisfy { Int($0) == nil }) {
            let items = ATRanges.topLevelItems(info.parameters)
            var lists: [ATValue] = []
            for item in items {
                switch item {
                case .group(let inner):
                    let (parts, _) = ATInformationLine.splitFields(inner)
                    lists.append(.array(parts.map { ATFramer.trimSpaces($0) }.filter { !$0.isEmpty }.map { .string($0) }))
                case .bare(let token):
                    let t = token.filter { $0 != "\"" }
                    lists.append(.array(t.isEmpty ? [] : [.string(ATFramer.trimSpaces(t))]))
                }
            }
            // `(),,()`: the empty middle entry is skipped by topLevelItems; count commas instead.
            if lists.count < 3, info.parameters.filter({ $0 == "," }).count >= 2, items.count < 3,
               info.parameters.allSatisfy({ "(), ".contains($0) }) {
                lists = [.array([]), .array([]), .array([])]
            }
            for (i, l) in lists.prefix(3).enumerated() { f["supportedMem\(i + 1)"] = l }
            return lists.isEmpty ? nil : f
        }
        if let first = fields.first, Int(first) == nil {
            // Read form: groups of mem, used, total.
            var i = 0, n = 1
            while i + 2 < fields.count + 0 && n <= 3 {
                mem("mem\(n)", fields[i], into: &f)
                f.int("used\(n)", Int(fields[i + 1]))
                f.int("total\(n)", Int(fields[i + 2]))
                i += 3; n += 1
            }
            return n > 1 ? f : nil
        }
        // Set answer: pairs of used, total.
        var n = 1, i = 0
        while i + 1 < fields.count && n <= 3 {
            f.int("used\(n)", Int(fields[i]))
            f.int("total\(n)", Int(fields[i + 1]))
            i += 2; n += 1
        }
        return n > 1 ? f : nil
    }

    /// `+CSCA: <sca>[,<tosca>]` (27.005 3.3.1); UCS2 hex numbers decoded.
    static func csca(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard !info.fields.isEmpty else { return nil }
        var f = ATFieldSet()
        f.string("sca", at(info, 0).map(ctx.number))
        toa("tosca", at(info, 1), into: &f)
        return f
    }

    /// `+CNMI: <mode>,<mt>,<bm>,<ds>,<bfr>` (27.005 3.4.1) and its test form of lists.
    static func cnmi(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        let keys = ["mode", "mt", "bm", "ds", "bfr"]
        var f = ATFieldSet()
        if info.parameters.hasPrefix("(") {
            let groups = ATRanges.topLevelItems(info.parameters).compactMap { item -> String? in
                if case .group(let g) = item { return g }
                return nil
            }
            for (i, g) in groups.prefix(5).enumerated() {
                f["supported" + keys[i].prefix(1).uppercased() + keys[i].dropFirst()] = ATRanges.values(g, parenthesised: false)
            }
            return groups.isEmpty ? nil : f
        }
        let tables = [cnmiModeMeanings, cnmiMtMeanings, cnmiBmMeanings, cnmiDsMeanings, cnmiBfrMeanings]
        for i in 0..<5 { f.code(keys[i], info.int(i), meanings: tables[i]) }
        return f.values.isEmpty ? nil : f
    }

    /// `+CMGF: <mode>` (27.005 3.2.3) and `+CMGF: (0-1)`.
    static func cmgf(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.parameters.hasPrefix("(") {
            f["supportedModes"] = ATRanges.values(info.parameters)
            return f
        }
        guard let m = info.int(0) else { return nil }
        f.code("mode", m, meanings: cmgfModeMeanings)
        return f
    }

    /// `+CSMS: <service>,<mt>,<mo>,<bm>` (read), `+CSMS: <mt>,<mo>,<bm>` (set answer),
    /// `+CSMS: (0-1)` (test), 27.005 3.2.1.
    static func csms(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.parameters.hasPrefix("(") {
            f["supportedService"] = ATRanges.values(info.parameters)
            return f
        }
        let ints = info.fields.map { Int($0) }
        guard !ints.isEmpty, ints.allSatisfy({ $0 != nil }) else { return nil }
        var offset = 0
        if ints.count >= 4 {
            f.code("service", ints[0], meanings: csmsServiceMeanings)
            offset = 1
        } else if ints.count == 1 {
            f.code("service", ints[0], meanings: csmsServiceMeanings)
            return f
        }
        for (i, key) in ["mt", "mo", "bm"].enumerated() where offset + i < ints.count {
            f.code(key, ints[offset + i], meanings: supportMeanings)
        }
        return f
    }

    /// `+CSMP: <fo>,<vp>,<pid>,<dcs>` (27.005 3.3.2).
    static func csmp(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard !info.fields.isEmpty, !info.parameters.hasPrefix("(") else { return nil }
        var f = ATFieldSet()
        f.int("fo", info.int(0))
        if let vp = at(info, 1) { if let n = Int(vp) { f.int("vp", n) } else { f.string("vp", vp) } }
        f.int("pid", info.int(2))
        if let d = info.int(3) {
            f.int("dcs", d)
            f.string("dcsMeaning", SMSDataCoding.smsMeaning(d))
        }
        return f.values.isEmpty ? nil : f
    }

    /// `+CSDH: <show>` (27.005 3.3.3).
    static func csdh(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.parameters.hasPrefix("(") { f["supportedShow"] = ATRanges.values(info.parameters); return f }
        guard let v = info.int(0) else { return nil }
        f.code("show", v, meanings: [0: "do not show header values", 1: "show header values"])
        return f
    }

    /// `+CMGD: (<indices>)[,(<delflags>)]` (27.005 3.5.4 test form).
    static func cmgd(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        let groups = ATRanges.topLevelItems(info.parameters).compactMap { item -> String? in
            if case .group(let g) = item { return g }
            return nil
        }
        guard !groups.isEmpty else { return nil }
        var f = ATFieldSet()
        f["supportedIndex"] = ATRanges.values(groups[0], parenthesised: false)
        if groups.count > 1 { f["supportedDelflag"] = ATRanges.values(groups[1], parenthesised: false) }
        return f
    }

    /// `+CUSD: <m>[,<str>,<dcs>]` (27.007 7.15). The text may hold unescaped quotes and
    /// commas, so <dcs> is read from the right and <str> is everything between. UCS2 text is
    /// decoded (DCS 72 or the log's charset); packed GSM 7-bit hex (Huawei) is decoded under
    /// `strGSM7`; other text is kept as given, `strLooksHex` saying whether it might be hex.
    static func cusd(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        let p = info.parameters
        if p.hasPrefix("(") {
            var f = ATFieldSet()
            f["supportedN"] = ATRanges.values(p)
            return f
        }
        let firstComma = p.firstIndex(of: ",")
        let mText = ATFramer.trimSpaces(String(firstComma.map { p[..<$0] } ?? p[...]))
        guard let m = Int(mText) else { return nil }
        var f = ATFieldSet()
        // The read answer `+CUSD: 1` after AT+CUSD? is <n>, not <m>.
        if ctx.answers("+CUSD"), ctx.command?.hasSuffix("?") == true, firstComma == nil {
            f.code("n", m, meanings: cusdNMeanings)
            return f
        }
        f.code("m", m, meanings: cusdMMeanings)
        guard let firstComma else { return f }
        var rest = ATFramer.trimSpaces(String(p[p.index(after: firstComma)...]))
        var dcs: Int?
        if let lastComma = rest.lastIndex(of: ",") {
            let tail = ATFramer.trimSpaces(String(rest[rest.index(after: lastComma)...]))
            let head = ATFramer.trimSpaces(String(rest[..<lastComma]))
            if let d = Int(tail), head.hasPrefix("\"") || !head.contains("\"") {
                dcs = d
                rest = head
            }
        }
        if rest.count >= 2, rest.hasPrefix("\""), rest.hasSuffix("\"") { rest = String(rest.dropFirst().dropLast()) }
        else if rest.hasPrefix("\"") { rest = String(rest.dropFirst()) }
        if let dcs {
            f.int("dcs", dcs)
            f.string("dcsMeaning", SMSDataCoding.cbsMeaning(dcs))
        }
        let alphabet = dcs.map(SMSDataCoding.cbsAlphabet) ?? nil
        if alphabet == .ucs2 || ctx.ucs2, let decoded = UCS2Hex.decode(rest) {
            f.string("str", decoded)
            f.string("strHex", rest.uppercased())
            f.string("strEncoding", "UCS2")
        } else if alphabet != .ucs2, ATDecodingContext.looksLikeUCS2(rest), let decoded = UCS2Hex.decode(rest) {
            // UTF-16BE hex under a wrong DCS (ZTE MF286D sends DCS 7 with UCS2 text).
            f.string("str", decoded)
            f.string("strHex", rest.uppercased())
            f.string("strEncoding", "UCS2")
        } else {
            f.string("str", rest)
            let hex = rest.count >= 2 && rest.count % 2 == 0 && isHex(rest)
            f.bool("strLooksHex", hex)
            // Huawei sends packed GSM 7-bit as hex; digits alone are too likely a plain reply.
            if hex, alphabet == .gsm7 || alphabet == nil, rest.contains(where: { $0.isLetter }),
               let text = USSDPackedText.unpackHex(rest) {
                f.string("strGSM7", text)
            }
        }
        return f
    }

    // MARK: PDU lines

    /// A bare PDU hex line after a PDU-mode header: even length, hex, at least 7 octets, and
    /// not an identity answer (an IMEI, IMSI or ICCID is all decimal or ends in F; those
    /// commands are excluded outright).
    static func looksLikePDU(_ line: String, _ ctx: ATDecodingContext) -> Bool {
        let u = line.utf8
        guard u.count >= 14, u.allSatisfy({ isHexByte($0) }) else { return false }
        // ModemManager's Pantech capture has an odd-length (cut) PDU: long hex lines are PDUs
        // whatever their parity; short ones must be whole octets.
        guard u.count % 2 == 0 || u.count > 40 else { return false }
        if let c = ctx.command {
            for id in ["CGSN", "GSN", "CIMI", "CIMI", "CCID", "ICCID", "QCCID", "CICCID", "GMR", "CGMR", "SN", "MEID", "CNUM"]
            where c.hasPrefix("AT+" + id) || c.hasPrefix("AT^" + id) || c.hasPrefix("AT" + id) {
                return false
            }
        }
        let hasLetter = u.contains { ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66) }
        if u.count > 30 { return true }
        guard hasLetter else { return false }
        // An ICCID (89..., 19-20 digits with an F filler) is not an SMS.
        if line.hasPrefix("89"), u.count == 20, line.dropLast().allSatisfy(\.isASCIIDigit) { return false }
        return true
    }

    static func pdu(_ line: String) -> ATFieldSet? {
        let hex = line.uppercased()
        guard isHex(hex) else { return nil }
        var f = ATFieldSet()
        f.string("pdu", hex)
        f.int("octets", hex.count / 2)
        if hex.count % 2 != 0 { f.bool("truncated", true) }
        // The SMSC field's length octet: the TPDU is what +CMGR/+CMT's <length> counts.
        if let smsc = Int(String(hex.prefix(2)), radix: 16), (smsc + 1) * 2 <= hex.count {
            f.int("smscOctets", smsc)
            f.int("tpduOctets", hex.count / 2 - smsc - 1)
        }
        return f
    }
}

/// 23.038 data coding schemes: section 4 (SMS) and section 5 (CBS, used by USSD).
enum SMSDataCoding {
    enum Alphabet: Equatable { case gsm7, eightBit, ucs2 }

    static let languages: [Int: String] = [
        0: "German", 1: "English", 2: "Italian", 3: "French", 4: "Spanish", 5: "Dutch", 6: "Swedish",
        7: "Danish", 8: "Portuguese", 9: "Finnish", 10: "Norwegian", 11: "Greek", 12: "Turkish",
        13: "Hungarian", 14: "Polish", 15: "language unspecified",
    ]
    static let languages2: [Int: String] = [
        0: "Czech", 1: "Hebrew", 2: "Arabic", 3: "Russian", 4: "Icelandic",
    ]

    /// The alphabet of a CBS/USSD DCS, nil when reserved.
    static func cbsAlphabet(_ d: Int) -> Alphabet? {
        switch d {
        case 0x00...0x10, 0x20...0x2F: return .gsm7
        case 0x11: return .ucs2
        case 0x40...0x7F, 0x90...0x9F:
            switch (d >> 2) & 3 {
            case 0: return .gsm7
            case 1: return .eightBit
            case 2: return .ucs2
            default: return nil
            }
        case 0xF0...0xFF: return (d & 0x04) == 0 ? .gsm7 : .eightBit
        default: return nil
        }
    }

    static func alphabetName(_ a: Alphabet) -> String {
        switch a {
        case .gsm7: return "GSM 7-bit default alphabet"
        case .eightBit: return "8-bit data"
        case .ucs2: return "UCS2"
        }
    }

    static func classSuffix(_ d: Int) -> String {
        guard d & 0x10 != 0 else { return "" }
        return ", class \(d & 3)"
    }

    /// 23.038 5: `15` -> "GSM 7-bit default alphabet, language unspecified", `72` -> "UCS2".
    static func cbsMeaning(_ d: Int) -> String? {
        switch d {
        case 0x00...0x0F:
            return "GSM 7-bit default alphabet, " + (languages[d] ?? "language unspecified")
        case 0x10: return "GSM 7-bit default alphabet, message preceded by language indication"
        case 0x11: return "UCS2, message preceded by language indication"
        case 0x20...0x2F: return "GSM 7-bit default alphabet, " + (languages2[d - 0x20] ?? "language unspecified")
        case 0x40...0x7F:
            guard let a = cbsAlphabet(d) else { return "reserved" }
            return alphabetName(a) + (d & 0x20 != 0 ? ", compressed" : "") + classSuffix(d)
        case 0x90...0x9F:
            guard let a = cbsAlphabet(d) else { return "reserved" }
            return "message with user data header, " + alphabetName(a) + ", class \(d & 3)"
        case 0xF0...0xFF:
            return (d & 0x04 == 0 ? "GSM 7-bit default alphabet" : "8-bit data") + ", class \(d & 3)"
        default: return d >= 0 && d <= 255 ? "reserved" : nil
        }
    }

    /// 23.038 4: the SMS TP-DCS of +CSMP and text-mode headers.
    static func smsMeaning(_ d: Int) -> String? {
        guard (0...255).contains(d) else { return nil }
        switch d >> 4 {
        case 0...3, 4...7:
            let a: Alphabet? = [0: .gsm7, 1: .eightBit, 2: .ucs2][(d >> 2) & 3]
            guard let a else { return "reserved alphabet" }
            return alphabetName(a) + (d & 0x20 != 0 ? ", compressed" : "") + classSuffix(d)
                + (d >= 0x40 ? ", marked for automatic deletion" : "")
        case 0xC: return "message waiting indication, discard message"
        case 0xD: return "message waiting indication, store message (GSM 7-bit)"
        case 0xE: return "message waiting indication, store message (UCS2)"
        case 0xF: return (d & 0x04 == 0 ? "GSM 7-bit default alphabet" : "8-bit data") + ", class \(d & 3)"
        default: return "reserved"
        }
    }

    /// 23.040 9.2.3.15 TP-Status.
    static func statusMeaning(_ st: Int) -> String? {
        switch st {
        case 0: return "short message received by the SME"
        case 1: return "forwarded by the SC to the SME, delivery not confirmed"
        case 2: return "replaced by the SC"
        case 3...15: return "delivered (reserved value)"
        case 0x20: return "congestion, SC still trying"
        case 0x21: return "SME busy, SC still trying"
        case 0x22: return "no response from SME, SC still trying"
        case 0x23: return "service rejected, SC still trying"
        case 0x24: return "quality of service not available, SC still trying"
        case 0x25: return "error in SME, SC still trying"
        case 0x40: return "remote procedure error, SC stopped"
        case 0x41: return "incompatible destination, SC stopped"
        case 0x42: return "connection rejected by SME, SC stopped"
        case 0x43: return "not obtainable, SC stopped"
        case 0x44: return "quality of service not available, SC stopped"
        case 0x45: return "no interworking available, SC stopped"
        case 0x46: return "SM validity period expired"
        case 0x47: return "SM deleted by originating SME"
        case 0x48: return "SM deleted by SC administration"
        case 0x49: return "SM does not exist"
        case 0x60: return "congestion, SC stopped"
        case 0x61: return "SME busy, SC stopped"
        case 0x62: return "no response from SME, SC stopped"
        case 0x63: return "service rejected, SC stopped"
        case 0x64: return "quality of service not available, SC stopped"
        case 0x65: return "error in SME, SC stopped"
        case 16...0x1F: return "reserved (delivered)"
        case 0x26...0x3F: return "temporary error, SC still trying"
        case 0x4A...0x5F: return "permanent error, SC stopped"
        case 0x66...0x7F: return "temporary error, SC stopped"
        default: return nil
        }
    }
}

/// Packed GSM 7-bit septets as hex (23.038 6.1.2.1): what Huawei sends as the USSD text.
/// The alphabet and the unpacking are SMSCore's (one GSM-7 codec for SMS and USSD).
enum USSDPackedText {
    /// Nil when not hex or when the septets do not form printable text.
    static func unpackHex(_ hex: String) -> String? {
        guard let octets = PDUHex.decode(hex) else { return nil }
        var septets = SMSCore.GSM7.unpack(octets, count: octets.count * 8 / 7)
        // 7 octets carry 8 septets: a trailing CR (or @ from zero padding) fills the last one.
        if octets.count % 7 == 0, let last = septets.last, last == 0x0D || last == 0 { septets.removeLast() }
        let out = SMSCore.GSM7.string(septets)
        // Text a person would read: mostly letters, digits, spaces and punctuation.
        let printable = out.filter { $0.isLetter || $0.isNumber || $0 == " " || $0.isPunctuation || $0 == "\n" || $0 == "\r" }
        guard !out.isEmpty, printable.count * 10 >= out.count * 9 else { return nil }
        return out
    }
}
