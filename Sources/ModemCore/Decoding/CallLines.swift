// Call lines: +CLCC (27.007 7.18), +CLIP (7.6), +COLP (7.8), +CCWA (7.12), +CRING (6.11),
// RING, +CSSI/+CSSU (7.17), +CIEV (8.10), +CPAS (8.1), Huawei ^ORIG/^CONF/^CONN/^CEND/^DSCI/
// ^DDTMF, Quectel ^DSCI/+QTONEDET, SIMCom VOICE CALL/MISSED_CALL/+RXDTMF, SIM800 +DTMF and
// REMOTE CALL END (at-dialects.md 2.4, 2.5, 3.4, 3.5, 4.3, 4.4, 5.2, 5.8).

enum CallLines {
    static let named: [String: ATLineDecoding] = [
        "+CLCC": { clcc($0, $1) },
        "+CLIP": { clip($0, $1) },
        "+COLP": { colp($0, $1) },
        "+CCWA": { ccwa($0, $1) },
        "+CRING": { cring($0, $1) },
        "+CSSI": { cssi($0, $1) },
        "+CSSU": { cssu($0, $1) },
        "+CIEV": { ciev($0, $1) },
        "^CIEV": { ciev($0, $1) },
        "^ORIG": { orig($0, $1) },
        "^CONF": { conf($0, $1) },
        "^CONN": { conn($0, $1) },
        "^CEND": { cend($0, $1) },
        "^DSCI": { dsci($0, $1) },
        "+RXDTMF": { dtmf($0, $1) },
        "+DTMF": { dtmf($0, $1) },
        "^DDTMF": { dtmf($0, $1) },
        "+QTONEDET": { qtonedet($0, $1) },
        "+CPAS": { cpas($0, $1) },
    ]

    static let bare: [ATBareLineDecoder] = [
        ATBareLineDecoder(name: "RING", matches: { line, _ in line == "RING" }, decode: { _, _ in
            var f = ATFieldSet()
            f.string("event", "incoming-call")
            return f
        }),
        .prefix("VOICE CALL:", name: "VOICE CALL") { line, _ in voiceCall(line) },
        .prefix("MISSED_CALL:", name: "MISSED_CALL") { line, _ in missedCall(line) },
        // The IchthysMaranatha chan_quectel fork treats this SIMCom line as the remote hang-up.
        ATBareLineDecoder(name: "REMOTE CALL END", matches: { line, _ in line.hasPrefix("REMOTE CALL END") }, decode: { _, _ in
            var f = ATFieldSet()
            f.string("event", "remote-call-end")
            return f
        }),
    ]

    // MARK: Code tables (27.007)

    static let dirMeanings: [Int: String] = [0: "mobile originated (MO) call", 1: "mobile terminated (MT) call"]
    static let statMeanings: [Int: String] = [
        0: "active", 1: "held", 2: "dialing (MO call)", 3: "alerting (MO call)",
        4: "incoming (MT call)", 5: "waiting (MT call)",
    ]
    static let modeMeanings: [Int: String] = [
        0: "voice", 1: "data", 2: "fax", 3: "voice followed by data, voice mode",
        4: "alternating voice/data, voice mode", 5: "alternating voice/fax, voice mode",
        6: "voice followed by data, data mode", 7: "alternating voice/data, data mode",
        8: "alternating voice/fax, fax mode", 9: "unknown",
    ]
    static let mptyMeanings: [Int: String] = [0: "not part of a multiparty call", 1: "part of a multiparty call"]
    /// 27.007 <CLI validity> (7.6).
    static let cliValidityMeanings: [Int: String] = [
        0: "CLI valid", 1: "CLI has been withheld by the originator",
        2: "CLI is not available due to interworking problems or limitations of originating network",
        3: "CLI is not available due to calling party being of type payphone",
        4: "CLI is not available due to other reasons",
    ]
    /// 27.007 <m> of +CLIP/+COLP read answers.
    static let provisioningMeanings: [Int: String] = [0: "not provisioned", 1: "provisioned", 2: "unknown"]
    static let presentationNMeanings: [Int: String] = [0: "result code disabled", 1: "result code enabled"]

    /// 24.008 10.5.4.7 type of number (bits 7-5) and numbering plan (bits 4-1) of <type>.
    static func typeMeaning(_ t: Int) -> String? {
        guard (0...255).contains(t) else { return nil }
        let ton: String
        switch (t >> 4) & 7 {
        case 0: ton = "unknown type"
        case 1: ton = "international number"
        case 2: ton = "national number"
        case 3: ton = "network specific number"
        case 4: ton = "dedicated access, short code"
        default: ton = "reserved type"
        }
        let npi: String
        switch t & 0xF {
        case 0: npi = "unknown numbering plan"
        case 1: npi = "ISDN/telephony numbering plan (E.164)"
        case 3: npi = "data numbering plan (X.121)"
        case 4: npi = "telex numbering plan"
        case 8: npi = "national numbering plan"
        case 9: npi = "private numbering plan"
        default: npi = "reserved numbering plan"
        }
        return ton + ", " + npi
    }

    /// A phone number and its <type> as `<numberKey>` / `<typeKey>` + meaning.
    static func number(_ info: ATInformationLine, _ ctx: ATDecodingContext, at i: Int, typeAt t: Int,
                       numberKey: String = "number", typeKey: String = "type", into f: inout ATFieldSet) {
        if let n = info.string(i) { f.string(numberKey, ctx.number(n)) }
        if let type = info.int(t) {
            f.int(typeKey, type)
            f.string(typeKey + "Meaning", typeMeaning(type))
        }
    }

    // MARK: +CLCC

    /// `+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>[,<number>,<type>[,<alpha>[,<priority>[,<CLI validity>]]]]`;
    /// the typed `CallListEntry` decides whether the row is a call at all.
    static func clcc(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard CallListEntry.fromCLCCFields(info.fields) != nil else { return nil }
        var f = ATFieldSet()
        callRow(info, ctx, offset: 0, into: &f)
        return f
    }

    /// The +CLCC row layout starting at field `offset` (also +QIND "ccinfo" after its name).
    static func callRow(_ info: ATInformationLine, _ ctx: ATDecodingContext, offset o: Int, into f: inout ATFieldSet) {
        f.int("id", info.int(o))
        f.code("dir", info.int(o + 1), meanings: dirMeanings)
        if let st = info.int(o + 2) {
            f.int("stat", st)
            f.string("statMeaning", st == -1 ? "released" : statMeanings[st])
        }
        f.code("mode", info.int(o + 3), meanings: modeMeanings)
        f.code("mpty", info.int(o + 4), meanings: mptyMeanings)
        number(info, ctx, at: o + 5, typeAt: o + 6, into: &f)
        if let a = info.string(o + 7) { f.string("alpha", ctx.text(a)) }
        f.int("priority", info.int(o + 8))
        f.code("cliValidity", info.int(o + 9), meanings: cliValidityMeanings)
    }

    // MARK: +CLIP / +COLP / +CCWA

    /// `+CLIP: <number>,<type>[,<subaddr>,<satype>[,<alpha>[,<CLI validity>]]]` (URC) and
    /// `+CLIP: <n>,<m>` (read answer). `caller` is the typed `CallURC` view.
    static func clip(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        if let r = presentationRead(info, ctx, name: "+CLIP") { return r }
        var f = ATFieldSet()
        lineIdentity(info, ctx, into: &f)
        if case .callerID(let caller, _)? = CallURC.parse("+CLIP: " + info.parameters) {
            f.string("caller", caller.display)
        }
        return f
    }

    /// `+COLP: <number>,<type>[,<subaddr>,<satype>[,<alpha>]]` (the connected line) and
    /// `+COLP: <n>,<m>` (read answer).
    static func colp(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        if let r = presentationRead(info, ctx, name: "+COLP") { return r }
        var f = ATFieldSet()
        lineIdentity(info, ctx, into: &f)
        return f.values.isEmpty ? nil : f
    }

    /// Number, type, subaddress, subaddress type, alpha and CLI validity of +CLIP/+COLP.
    static func lineIdentity(_ info: ATInformationLine, _ ctx: ATDecodingContext, into f: inout ATFieldSet) {
        number(info, ctx, at: 0, typeAt: 1, into: &f)
        f.string("subaddr", info.string(2))
        f.int("satype", info.int(3))
        if let a = info.string(4) { f.string("alpha", ctx.text(a)) }
        f.code("cliValidity", info.int(5), meanings: cliValidityMeanings)
    }

    /// The read answer `<n>,<m>`: only when answering its own command, or when the shape
    /// cannot be a number line (two small unquoted integers, no type 128-255).
    static func presentationRead(_ info: ATInformationLine, _ ctx: ATDecodingContext, name: String) -> ATFieldSet? {
        let f0 = info.fields
        guard !info.parameters.hasPrefix("(") else {
            var f = ATFieldSet()
            let items = ATRanges.topLevelItems(info.parameters)
            if case .group(let g)? = items.first { f["supportedN"] = ATRanges.values(g, parenthesised: false) }
            return f
        }
        let answering = ctx.answers(name)
        guard f0.count == 2 || (answering && f0.count == 1), !info.quoted.contains(true),
              let n = info.int(0), (0...2).contains(n) else { return nil }
        let m = info.int(1)
        guard answering || (m.map { (0...2).contains($0) } ?? false) else { return nil }
        var f = ATFieldSet()
        f.code("n", n, meanings: presentationNMeanings)
        f.code("m", m, meanings: provisioningMeanings)
        return f
    }

    /// 27.007 <classx> bits (7.11).
    static let classBits: [(Int, String)] = [
        (1, "voice"), (2, "data"), (4, "fax"), (8, "short message service"), (16, "data circuit sync"),
        (32, "data circuit async"), (64, "dedicated packet access"), (128, "dedicated PAD access"),
    ]

    static func classFields(_ c: Int?, key: String, into f: inout ATFieldSet) {
        guard let c else { return }
        f.int(key, c)
        let names = classBits.filter { c & $0.0 != 0 }.map { $0.1 }
        if c == 255 { f.string(key + "Meaning", "all classes") }
        else if !names.isEmpty { f.string(key + "Meaning", names.joined(separator: ", ")) }
    }

    static let ccwaStatusMeanings: [Int: String] = [0: "not active", 1: "active"]

    /// `+CCWA: <number>,<type>,<class>[,<alpha>][,<CLI validity>[,<subaddr>,<satype>[,<priority>]]]`
    /// (URC), `+CCWA: <n>` (read) and `+CCWA: <status>,<class>` (query answer, `AT+CCWA=1,2`).
    static func ccwa(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        let unquoted = !info.quoted.contains(true)
        if unquoted, info.fields.count == 1, let n = info.int(0) {
            f.code("n", n, meanings: presentationNMeanings)
            return f
        }
        if unquoted, info.fields.count == 2, let status = info.int(0), (0...2).contains(status),
           let c = info.int(1), ctx.answers("+CCWA") || (1...255).contains(c) {
            f.code("status", status, meanings: ccwaStatusMeanings)
            classFields(c, key: "class", into: &f)
            return f
        }
        guard info.fields.count >= 2 else { return nil }
        number(info, ctx, at: 0, typeAt: 1, into: &f)
        classFields(info.int(2), key: "class", into: &f)
        if let a = info.string(3) { f.string("alpha", ctx.text(a)) }
        f.code("cliValidity", info.int(4), meanings: cliValidityMeanings)
        f.string("subaddr", info.string(5))
        f.int("satype", info.int(6))
        f.int("priority", info.int(7))
        let validity = info.int(4)
        let caller: CallerID = validity == 1 ? .withheld
            : validity == 2 ? .unavailable
            : info.string(0).map { .number(ctx.number($0)) } ?? .unavailable
        f.string("caller", caller.display)
        return f
    }

    // MARK: Rings and supplementary services

    /// `+CRING: <type>` (27.007 6.11: VOICE, FAX, ASYNC, REL ASYNC, GPRS <PDP_type>...).
    static func cring(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard case .ring(let type)? = CallURC.parse("+CRING: " + info.parameters), let type, !type.isEmpty else { return nil }
        var f = ATFieldSet()
        f.string("type", type)
        f.string("event", "incoming-call")
        return f
    }

    /// 27.007 7.17 <code1>.
    static let code1Meanings: [Int: String] = [
        0: "unconditional call forwarding is active", 1: "some of the conditional call forwardings are active",
        2: "call has been forwarded", 3: "call is waiting", 4: "this is a CUG call",
        5: "outgoing calls are barred", 6: "incoming calls are barred", 7: "CLIR suppression rejected",
        8: "call has been deflected",
    ]
    /// 27.007 7.17 <code2>.
    static let code2Meanings: [Int: String] = [
        0: "this is a forwarded call (MT call setup)", 1: "this is a CUG call", 2: "call has been put on hold (during a voice call)",
        3: "call has been retrieved (during a voice call)", 4: "multiparty call entered (during a voice call)",
        5: "call on hold has been released (during a voice call)", 6: "forward check SS message received",
        7: "call is being connected (alerting) with the remote party in alerting state in explicit call transfer operation",
        8: "call has been connected with the other remote party in explicit call transfer operation",
        9: "this is a deflected call (MT call setup)", 10: "additional incoming call forwarded",
    ]

    /// `+CSSI: <code1>[,<index>]`.
    static func cssi(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let c = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.code("code1", c, meanings: code1Meanings)
        f.int("index", info.int(1))
        return f
    }

    /// `+CSSU: <code2>[,<index>[,<number>,<type>[,<subaddr>,<satype>]]]`.
    static func cssu(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let c = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.code("code2", c, meanings: code2Meanings)
        f.int("index", info.int(1))
        number(info, ctx, at: 2, typeAt: 3, into: &f)
        f.string("subaddr", info.string(4))
        f.int("satype", info.int(5))
        return f
    }

    /// `+CIEV: <ind>,<value>` (27.007 8.10: the index is the position in `AT+CIND=?`, so only
    /// a named indicator gets a name), SIMCom's `+CIEV: "CALL",1` and SIM800's network-name
    /// form `+CIEV: 10,"<plmn>","<long>","<short>",0,0`.
    static func ciev(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let first = info.string(0) else { return nil }
        var f = ATFieldSet()
        if let ind = Int(first) {
            f.int("ind", ind)
        } else {
            f.string("ind", first)
            f.string("indName", first.lowercased())
        }
        if info.fields.count >= 4, info.int(0) == 10, let plmn = info.string(1), info.int(1) != nil || plmn.count >= 5 {
            f.string("plmn", plmn)
            RegistrationLines.plmn(plmn, into: &f)
            if let l = info.string(2) { f.string("longName", ctx.text(l)) }
            if let s = info.string(3) { f.string("shortName", ctx.text(s)) }
            return f
        }
        if let v = info.int(1) { f.int("value", v) } else { f.string("value", info.string(1)) }
        return f
    }

    // MARK: Huawei

    /// ^ORIG/^CONN <call_type> (Huawei MU509/MC509 specifications).
    static let callTypeMeanings: [Int: String] = [
        0: "voice", 1: "CS data", 2: "PS data", 3: "CDMA SMS", 7: "OTA standard OTASP",
        8: "OTA non-standard OTASP", 9: "emergency",
    ]

    /// `^ORIG:<call_x>,<call_type>`: set-up of an outgoing call started.
    static func orig(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard case .originated(let id)? = CallURC.parse("^ORIG:" + info.parameters), let id else { return nil }
        var f = ATFieldSet()
        f.int("callX", id)
        f.code("callType", info.int(1), meanings: callTypeMeanings)
        return f
    }

    /// `^CONF:<call_x>`: the called party is alerted (ring-back).
    static func conf(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard case .alerting(let id)? = CallURC.parse("^CONF:" + info.parameters), let id else { return nil }
        var f = ATFieldSet()
        f.int("callX", id)
        return f
    }

    /// `^CONN:<call_x>,<call_type>`: the call is connected.
    static func conn(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard case .connected(let id)? = CallURC.parse("^CONN:" + info.parameters), let id else { return nil }
        var f = ATFieldSet()
        f.int("callX", id)
        f.code("callType", info.int(1), meanings: callTypeMeanings)
        return f
    }

    /// `^CEND:<call_x>,<duration>,<end_status>[,<cc_cause>]`: end status from the Huawei table,
    /// cc_cause from 24.008 10.5.4.11; `endKind` is the typed cause's normalised reading.
    static func cend(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard case .ended(let id, let duration, let cause)? = CallURC.parse("^CEND:" + info.parameters), let id else {
            return nil
        }
        var f = ATFieldSet()
        f.int("callX", id)
        f.int("duration", duration)
        f.int("durationSeconds", duration)
        if let s = info.int(2) {
            f.int("endStatus", s)
            let vendor = CallEndCause.fromHuaweiEndStatus(s)
            if vendor.kind != .unknown { f.string("endStatusMeaning", vendor.text) }
        }
        f.code("ccCause", info.int(3), meanings: CallCause.meanings24008)
        if let cause { f.string("endKind", cause.kind.rawValue) }
        return f
    }

    /// Quectel's own ^DSCI <stat> codes (at-dialects.md 3.4).
    static let quectelDSCIStatMeanings: [Int: String] = [
        1: "held", 2: "originating", 3: "connected", 4: "incoming", 5: "waiting", 6: "ended", 7: "alerting",
    ]

    /// Two layouts: Huawei/Unisoc `^DSCI: <id>,<dir>,<stat>,<mode>,<mpty>,<number>,<type>[,<bs_type>[,<cause>]]`
    /// with +CLCC codes, and Quectel's `^DSCI: <id>,<dir>,<stat>,<type>,<number>,<num_type>[,<tone_info>]`.
    /// The number in field 4 tells them apart (the typed parser's rule); the codes of the
    /// second layout are read Quectel's way only where they cannot be +CLCC's (6 and 7).
    static func dsci(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let entry = CallURC.parseDSCI(info, quectel: false) ?? CallURC.parseDSCI(info, quectel: true) else { return nil }
        var f = ATFieldSet()
        f.int("id", entry.id)
        f.code("dir", info.int(1), meanings: dirMeanings)
        let st = info.int(2)
        let mptyLayout = info.fields.count >= 5 && !info.quoted[4] && (info.fields[4] == "0" || info.fields[4] == "1")
        if mptyLayout {
            f.int("stat", st)
            f.string("statMeaning", st.flatMap { statMeanings[$0] } ?? (st == 6 ? "released" : nil))
            f.code("mode", info.int(3), meanings: modeMeanings)
            f.code("mpty", info.int(4), meanings: mptyMeanings)
            number(info, ctx, at: 5, typeAt: 6, into: &f)
            f.int("bsType", info.int(7))
            f.code("cause", info.int(8), meanings: CallCause.meanings24008)
        } else {
            f.int("stat", st)
            if let st {
                if st >= 6 { f.string("statMeaning", quectelDSCIStatMeanings[st]) }
                else { f.string("statMeaning", statMeanings[st]) }
                f.string("statMeaningQuectel", quectelDSCIStatMeanings[st])
            }
            f.code("type", info.int(3), meanings: [0: "voice", 1: "PS data"])
            number(info, ctx, at: 4, typeAt: 5, typeKey: "numType", into: &f)
            f.code("toneInfo", info.int(6), meanings: [0: "host plays the tones", 1: "host does not play the tones"])
        }
        return f
    }

    // MARK: DTMF

    /// `+RXDTMF: <digit>` (SIMCom), `+DTMF:<digit>[,<duration ms>]` (SIM800 after AT+DDET=1),
    /// `^DDTMF: <digit>` (Huawei after AT^DDTMFCFG=0,1).
    static func dtmf(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let d = info.string(0), d.count == 1, let ch = d.first, isDTMF(ch) else { return nil }
        var f = ATFieldSet()
        f.string("digit", String(ch).uppercased())
        if let ms = info.int(1) {
            f.int("duration", ms)
            f.int("durationMs", ms)
        }
        return f
    }

    static func isDTMF(_ ch: Character) -> Bool { "0123456789*#ABCDabcd".contains(ch) }

    /// `+QTONEDET: <code>`: the ASCII code of the digit (48-57, 65-68, 42, 35); the Unisoc
    /// EC200U prints the digit itself (a code 0-9 cannot be an ASCII DTMF code).
    static func qtonedet(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let t = info.string(0) else { return nil }
        var f = ATFieldSet()
        if let code = Int(t) {
            f.int("code", code)
            if (0...9).contains(code) { f.string("digit", t) }
            else if let u = Unicode.Scalar(UInt32(clamping: max(code, 0))), code < 128, isDTMF(Character(u)) {
                f.string("digit", String(Character(u)))
            }
        } else if t.count == 1, let ch = t.first, isDTMF(ch) {
            f.string("digit", t)
        } else {
            return nil
        }
        return f
    }

    // MARK: +CPAS

    static let pasMeanings: [Int: String] = [
        0: "ready", 1: "unavailable", 2: "unknown", 3: "ringing", 4: "call in progress", 5: "asleep",
    ]

    /// `+CPAS: <pas>` (27.007 8.1), and its test form.
    static func cpas(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        if info.parameters.hasPrefix("(") {
            var f = ATFieldSet()
            f["supportedPas"] = ATRanges.values(info.parameters)
            return f
        }
        guard let p = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.code("pas", p, meanings: pasMeanings)
        return f
    }

    // MARK: SIMCom bare lines

    /// `VOICE CALL: BEGIN`, `VOICE CALL: END`, `VOICE CALL: END: 000012` (seconds).
    static func voiceCall(_ line: String) -> ATFieldSet? {
        guard let urc = CallURC.parse(line) else { return nil }
        var f = ATFieldSet()
        switch urc {
        case .connected:
            f.string("event", "begin")
        case .ended(_, let seconds, _):
            f.string("event", "end")
            f.int("duration", seconds)
            f.int("durationSeconds", seconds)
        default:
            return nil
        }
        return f
    }

    /// `MISSED_CALL: 11:29AM 0123456789` (time as the module prints it, then the number).
    static func missedCall(_ line: String) -> ATFieldSet? {
        guard case .missed(let time, let caller)? = CallURC.parse(line) else { return nil }
        var f = ATFieldSet()
        f.string("time", time)
        if case .number(let n) = caller { f.string("number", n) }
        f.string("caller", caller.display)
        return f
    }
}
