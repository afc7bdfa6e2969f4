// SIM and identity lines: +CPIN (27.007 8.3), +CPINR (8.65), Huawei ^CPIN/^SIMST/^ICCID,
// Quectel +QPINC/+QCCID, SIMCom +SPIC/+CICCID/+ICCID, +CCID, +CRSM (8.18), +CIMI (5.6),
// +CGSN/+GSN (5.4), +CGMI/+CGMM/+CGMR (5.1-5.3), +QGMR, ATI label lines, +GCAP (V.250
// 6.1.9), +CNUM (7.1) and +CSCS (5.5).

enum SIMLines {
    static let named: [String: ATLineDecoding] = [
        "+CPIN": { cpin($0, $1) },
        "^CPIN": { huaweiCPIN($0, $1) },
        "+CPINR": { cpinr($0, $1) },
        "+QPINC": { qpinc($0, $1) },
        "+SPIC": { spic($0, $1) },
        "^SPIC": { spic($0, $1) },
        "^SIMST": { simst($0, $1) },
        "^ICCID": { iccid($0, $1) },
        "+CCID": { iccid($0, $1) },
        "+QCCID": { iccid($0, $1) },
        "+ICCID": { iccid($0, $1) },
        "+CICCID": { iccid($0, $1) },
        "+CRSM": { crsm($0, $1) },
        "+CIMI": { cimi($0, $1) },
        "+CGSN": { imei($0, $1) },
        "+GSN": { imei($0, $1) },
        "+CGMI": { i, _ in text(i, "manufacturer") },
        "+GMI": { i, _ in text(i, "manufacturer") },
        "+CGMM": { i, _ in text(i, "model") },
        "+GMM": { i, _ in text(i, "model") },
        "+CGMR": { i, _ in text(i, "revision") },
        "+GMR": { i, _ in text(i, "revision") },
        "+QGMR": { i, _ in text(i, "revision") },
        "+GCAP": { gcap($0, $1) },
        "+CNUM": { cnum($0, $1) },
        "+CSCS": { cscs($0, $1) },
    ]

    /// ATI's labelled lines (`Manufacturer: huawei`, `IMEI: ...`), a bare ICCID and the
    /// `ICCID: ...` label some firmwares print.
    static let bare: [ATBareLineDecoder] = [
        label("Manufacturer:", name: "Manufacturer") { v, _ in one("manufacturer", v) },
        label("Model:", name: "Model") { v, _ in one("model", v) },
        label("Revision:", name: "Revision") { v, _ in one("revision", v) },
        label("IMEI SV:", name: "IMEI SV") { v, _ in
            guard let n = Int(v) else { return nil }
            var f = ATFieldSet()
            f.int("svn", n)
            return f
        },
        label("IMEI:", name: "IMEI") { v, _ in imeiFields(v) },
        label("ESN:", name: "ESN") { v, _ in
            // Huawei EC121: `ESN: +GSN:12de4fa6` (the +GSN answer inside ATI).
            let t = stripLabel(v, "+GSN:")
            return hexIdentity("esn", t)
        },
        label("MEID:", name: "MEID") { v, _ in hexIdentity("meid", v) },
        label("FSN:", name: "FSN") { v, _ in one("fsn", v) },
        label("ICCID:", name: "ICCID") { v, ctx in iccidFields(v) },
        ATBareLineDecoder(name: "ICCID", matches: { line, ctx in
            // A bare ICCID the command does not already name (those go by the implied name).
            ATLineCatalog.impliedName(forCommand: ctx.command) == nil && looksLikeICCID(line)
        }, decode: { line, _ in iccidFields(line) }),
    ]

    // MARK: helpers

    /// A case-insensitive `Label: value` line.
    static func label(_ text: String, name: String,
                      decode: @escaping @Sendable (String, ATDecodingContext) -> ATFieldSet?) -> ATBareLineDecoder {
        ATBareLineDecoder(name: name, matches: { line, _ in
            line.count >= text.count && line.prefix(text.count).lowercased() == text.lowercased()
        }, decode: { line, ctx in
            decode(ATFramer.trimSpaces(String(line.dropFirst(text.count))), ctx)
        })
    }

    static func stripLabel(_ v: String, _ label: String) -> String {
        guard v.count >= label.count, v.prefix(label.count).uppercased() == label.uppercased() else { return v }
        return ATFramer.trimSpaces(String(v.dropFirst(label.count)))
    }

    static func unquote(_ s: String) -> String {
        var t = ATFramer.trimSpaces(s)
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()) }
        return t
    }

    static func one(_ key: String, _ v: String) -> ATFieldSet? {
        let t = unquote(v)
        guard !t.isEmpty else { return nil }
        var f = ATFieldSet()
        f.string(key, t)
        return f
    }

    static func hexIdentity(_ key: String, _ v: String) -> ATFieldSet? {
        var t = unquote(v)
        if t.hasPrefix("0x") || t.hasPrefix("0X") { t = String(t.dropFirst(2)) }
        guard !t.isEmpty, t.count <= 16, t.allSatisfy(\.isHexDigit) else { return nil }
        var f = ATFieldSet()
        f.hex(key, t)
        return f
    }

    /// One free-text value (`+CGMR: J1_0_1_26AP C:/WS/...`): the whole parameter text, so
    /// commas inside a revision string stay.
    static func text(_ info: ATInformationLine, _ key: String) -> ATFieldSet? {
        one(key, info.parameters)
    }

    // MARK: PIN state

    /// What each +CPIN code locks, and what the administrator has to do about it.
    static func lockAndAction(_ code: String) -> (lock: String, action: String)? {
        switch code.uppercased() {
        case "READY": return ("none", "nothing: the SIM is unlocked")
        case "SIM PIN": return ("SIM PIN", "enter the SIM PIN (AT+CPIN=\"<pin>\")")
        case "SIM PUK": return ("SIM PUK", "enter the PUK and a new PIN (AT+CPIN=\"<puk>\",\"<new pin>\"); the PIN is blocked")
        case "SIM PIN2": return ("SIM PIN2", "enter the PIN2 (needed for fixed dialling and similar)")
        case "SIM PUK2": return ("SIM PUK2", "enter the PUK2 and a new PIN2; PIN2 is blocked")
        case "PH-SIM PIN": return ("phone-to-SIM lock", "enter the phone lock password or insert the SIM this phone is locked to")
        case "PH-FSIM PIN": return ("phone-to-very-first-SIM lock", "enter the phone-to-first-SIM password")
        case "PH-FSIM PUK": return ("phone-to-very-first-SIM lock (blocked)", "enter the phone-to-first-SIM unblocking key")
        case "PH-NET PIN": return ("network personalisation (operator lock)", "enter the network unlock code or use a SIM of the locked operator")
        case "PH-NET PUK": return ("network personalisation (blocked)", "enter the network personalisation unblocking key")
        case "PH-NETSUB PIN": return ("network subset personalisation", "enter the network subset unlock code")
        case "PH-NETSUB PUK": return ("network subset personalisation (blocked)", "enter the network subset unblocking key")
        case "PH-SP PIN": return ("service provider personalisation", "enter the service provider unlock code")
        case "PH-SP PUK": return ("service provider personalisation (blocked)", "enter the service provider unblocking key")
        case "PH-CORP PIN": return ("corporate personalisation", "enter the corporate unlock code")
        case "PH-CORP PUK": return ("corporate personalisation (blocked)", "enter the corporate unblocking key")
        case "NOT READY": return ("none", "wait for the SIM to start, or check that it is inserted")
        case "NOT INSERTED", "SIM REMOVED", "NO SIM": return ("none", "insert a SIM card")
        default: return nil
        }
    }

    static func pinFields(_ code: String, into f: inout ATFieldSet) {
        f.string("code", code)
        f.string("codeMeaning", SIMReport.meaning(cpin: code))
        if let (lock, action) = lockAndAction(code) {
            f.string("lock", lock)
            f.string("action", action)
        }
        if let state = SIMState.parse(cpin: "+CPIN: " + code) { f.string("simState", state.rawValue) }
    }

    /// `+CPIN: <code>` (27.007 8.3), quoted on some firmwares, also as a URC; the test form
    /// answers nothing useful. A bare `READY` answering AT+CPIN? comes by the implied name.
    static func cpin(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        let code = ATFramer.trimSpaces(info.parameters.filter { $0 != "\"" })
        // Only +CPIN codes: a bare answer by the implied name could be any text.
        let u = code.uppercased()
        guard lockAndAction(code) != nil || u.hasPrefix("SIM ") || u.hasPrefix("PH-") else { return nil }
        var f = ATFieldSet()
        pinFields(code, into: &f)
        return f
    }

    /// Huawei `^CPIN: <code>,[<times>],<puk>,<pin>,<puk2>,<pin2>` (Huawei AT reference,
    /// AT^CPIN): retries left for each password; <times> is those of the one asked for.
    static func huaweiCPIN(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let r = SIMReport.parse("^CPIN: " + info.parameters) else { return nil }
        var f = ATFieldSet()
        pinFields(r.code, into: &f)
        f.int("times", info.int(1))
        f.int("puk", r.pukRetries)
        f.int("pin", r.pinRetries)
        f.int("puk2", r.puk2Retries)
        f.int("pin2", r.pin2Retries)
        return f
    }

    /// `+CPINR: <code>,<retries>,<default_retries>` (27.007 8.65).
    static func cpinr(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let code = info.string(0) else { return nil }
        var f = ATFieldSet()
        f.string("code", code)
        f.string("codeMeaning", SIMReport.meaning(cpin: code))
        f.int("retries", info.int(1))
        f.int("defaultRetries", info.int(2))
        return f
    }

    static let facilityMeanings: [String: String] = [
        "SC": "SIM PIN", "P2": "SIM PIN2", "PN": "network personalisation", "PU": "network subset personalisation",
        "PP": "service provider personalisation", "PC": "corporate personalisation", "PF": "phone-to-first-SIM",
        "PS": "phone-to-SIM",
    ]

    /// Quectel `+QPINC: <facility>,<pincounter>,<pukcounter>` (EC2x manual, AT+QPINC).
    static func qpinc(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let fac = info.string(0), let pin = info.int(1) else { return nil }
        var f = ATFieldSet()
        f.string("facility", fac)
        f.string("facilityMeaning", facilityMeanings[fac.uppercased()])
        f.int("pinCounter", pin)
        f.int("pukCounter", info.int(2))
        return f
    }

    /// SIMCom `+SPIC: <pin1>,<pin2>,<puk1>,<puk2>` (SIM5320/SIM800 manuals, AT+SPIC):
    /// attempts left.
    static func spic(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let pin1 = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.int("pin1", pin1)
        f.int("pin2", info.int(1))
        f.int("puk1", info.int(2))
        f.int("puk2", info.int(3))
        return f
    }

    static let lockStateMeanings: [Int: String] = [0: "not locked by CardLock", 1: "locked by CardLock (operator lock)"]

    /// Huawei `^SIMST: <sim_state>[,<lock_state>]` (Huawei AT reference, ^SIMST URC).
    static func simst(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let v = info.int(0), let r = SIMReport.parse("^SIMST: \(v)"),
              let state = SIMState.parse(simst: "^SIMST: \(v)") else { return nil }
        var f = ATFieldSet()
        f.int("simState", v)
        f.string("simStateMeaning", r.meaning)
        f.string("sim", state.rawValue)
        f.code("lockState", info.int(1), meanings: lockStateMeanings)
        return f
    }

    // MARK: ICCID

    static func looksLikeICCID(_ s: String) -> Bool {
        let t = unquote(s).uppercased()
        return (18...22).contains(t.count) && (t.hasPrefix("89") || t.hasPrefix("98")) && t.allSatisfy(\.isHexDigit)
    }

    /// The ICCID in natural order (`iccid`); the text as sent (`raw`) when it was swapped or padded.
    static func iccidFields(_ v: String) -> ATFieldSet? {
        let raw = unquote(v)
        guard let id = IdentityParser.normaliseICCID(raw) else { return nil }
        var f = ATFieldSet()
        f.string("iccid", id)
        if raw.uppercased() != id { f.string("raw", raw) }
        f.bool("swapped", raw.hasPrefix("98"))
        // E.118: 89, then the country calling code (1-3 digits) and issuer.
        f.string("mii", "89")
        return f
    }

    /// `^ICCID: <iccid>`, `+CCID: <iccid>`, `+QCCID: ...`, `+ICCID: ...`, `+CICCID: ...` and a
    /// bare answer by the implied name. Huawei's older firmware sends EF_ICCID nibble-swapped.
    static func iccid(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        let p = info.fields.first { !$0.isEmpty } ?? ""
        return iccidFields(p)
    }

    // MARK: +CRSM

    /// ISO 7816-4 / 51.011 9.4 status words.
    static func statusWordMeaning(_ sw1: Int, _ sw2: Int) -> String? {
        switch (sw1, sw2) {
        case (0x90, 0x00): return "normal ending of the command"
        case (0x91, _): return "normal ending, \(sw2) bytes of proactive command waiting"
        case (0x9E, _): return "\(sw2) bytes of SIM data download error response available"
        case (0x9F, _): return "normal ending, \(sw2) bytes of response data available"
        case (0x61, _): return "normal ending, \(sw2) bytes still available"
        case (0x62, 0x00): return "warning: no information given, state of non-volatile memory unchanged"
        case (0x62, 0x82): return "warning: end of file or record reached before reading the requested bytes"
        case (0x62, 0x83): return "warning: selected file invalidated"
        case (0x63, let x) where x & 0xF0 == 0xC0: return "verification failed, \(x & 0x0F) retries left"
        case (0x64, 0x00): return "execution error: state of non-volatile memory unchanged"
        case (0x65, 0x81): return "execution error: memory problem"
        case (0x67, _): return "wrong length"
        case (0x68, 0x81): return "logical channel not supported"
        case (0x69, 0x81): return "command incompatible with file structure"
        case (0x69, 0x82): return "security status not satisfied"
        case (0x69, 0x83): return "authentication method blocked"
        case (0x69, 0x85): return "conditions of use not satisfied"
        case (0x69, 0x86): return "command not allowed (no current EF)"
        case (0x6A, 0x80): return "incorrect parameters in the data field"
        case (0x6A, 0x81): return "function not supported"
        case (0x6A, 0x82): return "file or application not found"
        case (0x6A, 0x83): return "record not found"
        case (0x6A, 0x84): return "not enough memory space in the file"
        case (0x6A, 0x86): return "incorrect parameters P1 to P2"
        case (0x6A, 0x88): return "referenced data not found"
        case (0x6B, _): return "wrong parameters (offset outside the EF)"
        case (0x6C, _): return "wrong length, \(sw2) is the right one"
        case (0x6D, _): return "instruction code not supported or invalid"
        case (0x6E, _): return "class not supported"
        case (0x6F, _): return "technical problem, no precise diagnosis"
        case (0x92, 0x40): return "memory problem"
        case (0x92, let x) where x < 0x10: return "command successful but after using an internal update retry routine \(x) times"
        case (0x93, 0x00): return "SIM application toolkit is busy"
        case (0x94, 0x00): return "no EF selected"
        case (0x94, 0x02): return "out of range (invalid address)"
        case (0x94, 0x04): return "file ID not found / pattern not found"
        case (0x94, 0x08): return "file is inconsistent with the command"
        case (0x98, 0x02): return "no CHV initialised"
        case (0x98, 0x04): return "access condition not fulfilled / unsuccessful CHV verification, at least one attempt left"
        case (0x98, 0x08): return "in contradiction with CHV status"
        case (0x98, 0x10): return "in contradiction with invalidation status"
        case (0x98, 0x40): return "unsuccessful CHV verification, no attempt left (CHV blocked)"
        case (0x98, 0x50): return "increase cannot be performed, maximum value reached"
        default: return nil
        }
    }

    /// `+CRSM: <sw1>,<sw2>[,<response>]` (27.007 8.18). The file read is known only from the
    /// command: EF_ICCID (2FE2 = 12258) gives the ICCID (BCD, nibble-swapped, F-padded),
    /// EF_SPN (6F46 = 28486) the service provider name; a 20-digit response starting 98 is
    /// taken as EF_ICCID without a command.
    static func crsm(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let sw1 = info.int(0), let sw2 = info.int(1), (0...255).contains(sw1), (0...255).contains(sw2) else { return nil }
        var f = ATFieldSet()
        f.int("sw1", sw1)
        f.int("sw2", sw2)
        f.string("sw", hex2(sw1) + hex2(sw2))
        f.string("swMeaning", statusWordMeaning(sw1, sw2))
        f.bool("success", sw1 == 0x90 || sw1 == 0x91 || sw1 == 0x9F || sw1 == 0x61)
        guard let response = info.string(2)?.uppercased(), response.allSatisfy(\.isHexDigit) else { return f }
        f.string("response", response)
        let fileID = crsmFileID(ctx.command)
        if fileID == 0x2FE2 || (fileID == nil && response.count == 20 && response.hasPrefix("98")),
           let id = IdentityParser.normaliseICCID(response.hasPrefix("98") ? response : IdentityParser.swapNibbles(response)) {
            f.string("iccid", id)
        }
        if fileID == 0x6F46, response.count >= 4 {
            let bytes = hexBytes(response)
            if let first = bytes.first { f.int("displayCondition", Int(first)) }
            // EF_SPN: GSM default alphabet, unpacked, FF padding.
            let name = bytes.dropFirst().prefix { $0 != 0xFF }
            let text = String(decoding: name.map { $0 < 0x80 ? $0 : 0x3F }, as: UTF8.self)
            f.string("spn", ATFramer.trimSpaces(text))
        }
        return f
    }

    static func hex2(_ v: Int) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[(v >> 4) & 0xF], digits[v & 0xF]])
    }

    static func hexBytes(_ s: String) -> [UInt8] {
        let u = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i + 1 < u.count {
            guard let hi = UCS2Hex.hexValue(u[i]), let lo = UCS2Hex.hexValue(u[i + 1]) else { return out }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }


    /// The <fileid> of `AT+CRSM=<command>,<fileid>,...`.
    static func crsmFileID(_ command: String?) -> Int? {
        guard let c = command, let eq = c.firstIndex(of: "="), c.hasPrefix("AT+CRSM") else { return nil }
        let parts = c[c.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        return Int(ATFramer.trimSpaces(String(parts[1])))
    }

    // MARK: IMSI, IMEI

    /// `+CIMI: <imsi>` or the bare IMSI (27.007 5.6): MCC and MNC by `HomeNetwork`.
    static func cimi(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        let v = unquote(info.parameters)
        guard (6...15).contains(v.count), v.allSatisfy(\.isASCIIDigit) else { return nil }
        var f = ATFieldSet()
        f.string("imsi", v)
        if let home = HomeNetwork.mccmnc(imsi: v) {
            f.string("mcc", String(home.prefix(3)))
            f.string("mnc", String(home.dropFirst(3)))
            f.string("msin", String(v.dropFirst(home.count)))
        }
        return f
    }

    static let sntMeanings: [Int: String] = [0: "serial number (IMEI)", 1: "IMEI", 2: "IMEISV", 3: "software version number"]

    /// `+CGSN` / `+GSN` answers (27.007 5.4, V.250 6.1.8): the bare IMEI, `+CGSN: <imei>`,
    /// quoted, the `AT+CGSN=<snt>` form `+CGSN: <snt>,"<value>"` and `<imei>,<serial>`.
    static func imei(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        if info.parameters.hasPrefix("(") {
            // `+CGSN: (0-3)` answering AT+CGSN=?: the <snt> values supported.
            var f = ATFieldSet()
            f["supportedSnt"] = ATRanges.values(info.parameters)
            return f
        }
        let fs = info.fields
        if fs.count >= 2, let snt = Int(fs[0]), (0...3).contains(snt), fs[0].count == 1 {
            var f: ATFieldSet
            switch snt {
            case 3:
                f = ATFieldSet()
                f.string("svn", fs[1])
            default:
                guard let g = imeiFields(fs[1]) else { return nil }
                f = g
            }
            f.code("snt", snt, meanings: sntMeanings)
            return f
        }
        guard let first = fs.first, var f = imeiFields(first) else {
            // Huawei EC121 `+GSN:12de4fa6`: a CDMA ESN.
            return fs.count == 1 ? hexIdentity("esn", fs[0]) : nil
        }
        if fs.count >= 2, let serial = info.string(1) { f.string("serialNumber", serial) }
        return f
    }

    /// IMEI (3GPP 23.003 6.2): TAC (8 digits), serial (6) and Luhn check digit; 16 digits is
    /// an IMEISV (software version instead of the check digit).
    static func imeiFields(_ v: String) -> ATFieldSet? {
        let t = unquote(v)
        guard (14...16).contains(t.count), t.allSatisfy(\.isASCIIDigit) else { return nil }
        var f = ATFieldSet()
        let digits = t.compactMap { $0.wholeNumberValue }
        f.string("tac", String(t.prefix(8)))
        f.string("snr", String(t.dropFirst(8).prefix(6)))
        if t.count == 16 {
            f.string("imeisv", t)
            f.string("imei", String(t.prefix(14)))
            f.string("svn", String(t.suffix(2)))
            return f
        }
        f.string("imei", t)
        if t.count == 15 {
            f.int("checkDigit", digits[14])
            f.bool("checkDigitValid", luhn(Array(digits.prefix(14))) == digits[14])
        }
        return f
    }

    static func luhn(_ d: [Int]) -> Int {
        var sum = 0
        for (i, x) in d.enumerated() {
            let v = i % 2 == 1 ? x * 2 : x
            sum += v > 9 ? v - 9 : v
        }
        return (10 - sum % 10) % 10
    }

    /// `+GCAP: +CGSM,+FCLASS,+DS` (V.250 6.1.9): the capability list.
    static func gcap(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        let caps = info.fields.map { ATFramer.trimSpaces($0) }.filter { !$0.isEmpty }
        guard !caps.isEmpty else { return nil }
        var f = ATFieldSet()
        f["capabilities"] = .array(caps.map { .string($0) })
        return f
    }

    // MARK: +CNUM

    /// 24.008 10.5.4.7 type of number (bits 7-5) and numbering plan (bits 4-1).
    static let tonMeanings: [Int: String] = [
        0: "unknown", 1: "international", 2: "national", 3: "network specific", 4: "dedicated access, short code",
        5: "alphanumeric", 6: "abbreviated",
    ]
    static let npiMeanings: [Int: String] = [
        0: "unknown", 1: "ISDN/telephony (E.164/E.163)", 3: "data (X.121)", 4: "telex (F.69)", 8: "national",
        9: "private", 10: "ERMES",
    ]

    /// `<type>` of a number as text: 129 "national/unknown", 145 "international", 161 "national".
    static func numberTypeMeaning(_ type: Int) -> String? {
        switch type {
        case 129: return "unknown type, ISDN/telephony numbering plan (national/unknown)"
        case 145: return "international number, ISDN/telephony numbering plan"
        case 161: return "national number, ISDN/telephony numbering plan"
        case 128...255:
            let ton = (type >> 4) & 7, npi = type & 0xF
            return (tonMeanings[ton] ?? "type \(ton)") + " number, " + (npiMeanings[npi] ?? "numbering plan \(npi)")
        default: return nil
        }
    }

    static let serviceMeanings: [Int: String] = [
        0: "asynchronous modem", 1: "synchronous modem", 2: "PAD access (asynchronous)",
        3: "packet access (synchronous)", 4: "voice", 5: "fax",
    ]
    static let itcMeanings: [Int: String] = [0: "3.1 kHz", 1: "UDI"]

    /// `+CNUM: [<alpha>],<number>,<type>[,<speed>,<service>[,<itc>]]` (27.007 7.1). The alpha
    /// may be UCS2 hex, unquoted or empty; `+CNUM: "","",129` is a SIM without a number.
    static func cnum(_ line: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var info = line
        // A stray quote (`+CNUM: "",+79139131234",145`, chan_dongle's captures) would swallow
        // the type into the number: with unbalanced quotes, split on every comma.
        if line.parameters.filter({ $0 == "\"" }).count % 2 == 1 {
            info = ATInformationLine("+CNUM: " + line.parameters.filter { $0 != "\"" })
        }
        guard info.fields.count >= 2 else { return nil }
        var f = ATFieldSet()
        if let a = info.string(0) { f.string("alpha", ctx.text(a)) }
        let number = ctx.number(info.fields[1].filter { !$0.isWhitespace })
        f.string("number", number)
        if number.isEmpty { f.bool("empty", true) }
        if let t = info.int(2) {
            f.int("type", t)
            f.string("typeMeaning", numberTypeMeaning(t))
        }
        f.int("speed", info.int(3))
        f.code("service", info.int(4), meanings: serviceMeanings)
        f.code("itc", info.int(5), meanings: itcMeanings)
        return f
    }

    /// `+CSCS: <chset>` (27.007 5.5) and the test form `+CSCS: ("IRA","GSM","UCS2")`.
    static func cscs(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        var f = ATFieldSet()
        if info.parameters.hasPrefix("(") {
            var inner = info.parameters
            inner.removeFirst()
            if inner.hasSuffix(")") { inner.removeLast() }
            let (sets, _) = ATInformationLine.splitFields(inner)
            f["supportedChsets"] = .array(sets.filter { !$0.isEmpty }.map { .string($0) })
            return f
        }
        guard let c = info.string(0) else { return nil }
        f.string("chset", c)
        return f
    }
}
