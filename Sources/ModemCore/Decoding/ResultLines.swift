// Final result codes: V.250 5.7 (OK, CONNECT, NO CARRIER, ERROR, NO DIALTONE, BUSY, NO
// ANSWER), 27.007 9.2 `+CME ERROR`, 27.005 3.2.5 `+CMS ERROR`, and the vendor finals Huawei
// (COMMAND NOT SUPPORT, TOO MANY PARAMETERS) and ModemManager's MODEM ERROR accept.
//
// `+CME ERROR: 10` has a space in its name, so ATInformationLine does not name it: every
// final is a bare line here. ATFinalResult.parse, which the live channel uses to end a
// command, stays the single reader of what the line is; this file adds the fields.

enum ResultLines {
    static let named: [String: ATLineDecoding] = [:]

    static let bare: [ATBareLineDecoder] = [
        final("OK", exact: ["OK"]),
        final("CONNECT", exact: ["CONNECT"], prefixes: ["CONNECT "]),
        final("NO CARRIER", exact: ["NO CARRIER"]),
        final("BUSY", exact: ["BUSY"]),
        final("NO ANSWER", exact: ["NO ANSWER"]),
        final("NO DIALTONE", exact: ["NO DIALTONE", "NO DIAL TONE"]),
        final("ERROR", exact: ["ERROR"]),
        final("+CME ERROR", prefixes: ["+CME ERROR:"]),
        final("+CMS ERROR", prefixes: ["+CMS ERROR:"]),
        final("COMMAND NOT SUPPORT", exact: ["COMMAND NOT SUPPORT"]),
        final("TOO MANY PARAMETERS", exact: ["TOO MANY PARAMETERS"]),
        final("MODEM ERROR", prefixes: ["MODEM ERROR:"]),
    ]

    /// A bare decoder for one final result: the line is exactly one of `exact` or starts with
    /// one of `prefixes` (then ATFinalResult.parse reads the rest).
    static func final(_ name: String, exact: Set<String> = [], prefixes: [String] = []) -> ATBareLineDecoder {
        ATBareLineDecoder(
            name: name,
            matches: { line, _ in exact.contains(line) || prefixes.contains(where: { line.hasPrefix($0) }) },
            decode: { line, _ in
                guard let r = ATFinalResult.parse(line) else { return nil }
                return fields(r)
            })
    }

    /// The fields of a final result: `result`, `success`, and for errors `code`, `meaning`,
    /// `category` and what the error says about the SIM.
    static func fields(_ r: ATFinalResult) -> ATFieldSet {
        var f = ATFieldSet()
        f.bool("success", r.isSuccess)
        f.bool("callProgress", r.isCallProgress)
        switch r {
        case .ok:
            f.string("result", "ok")
        case .error:
            f.string("result", "error")
            f.string("meaning", "command failed (no detail: AT+CMEE=0)")
            f.string("category", "general")
        case .noCarrier:
            f.string("result", "no-carrier")
            f.string("meaning", "connection terminated or could not be established")
            f.string("category", "call")
        case .busy:
            f.string("result", "busy")
            f.string("meaning", "busy signal detected")
            f.string("category", "call")
        case .noAnswer:
            f.string("result", "no-answer")
            f.string("meaning", "no answer from the called party")
            f.string("category", "call")
        case .noDialtone:
            f.string("result", "no-dialtone")
            f.string("meaning", "no dial tone detected")
            f.string("category", "call")
        case .connect(let text):
            f.string("result", "connect")
            f.string("text", text)
            // V.250: the text is usually the line rate (`CONNECT 115200`, `CONNECT 150000000`).
            if let t = text, let rate = Int(ATFramer.trimSpaces(t)) { f.int("rate", rate) }
        case .commandNotSupported:
            f.string("result", "command-not-supported")
            f.string("meaning", "the firmware does not know the command")
            f.string("category", "general")
        case .tooManyParameters:
            f.string("result", "too-many-parameters")
            f.string("meaning", "more parameters than the command takes")
            f.string("category", "general")
        case .modemError(let n):
            f.string("result", "modem-error")
            f.int("code", n)
            f.string("category", "general")
        case .cmeError(let e):
            f.string("result", "cme-error")
            cme(e, into: &f)
        case .cmsError(let e):
            f.string("result", "cms-error")
            cms(e, into: &f)
        }
        return f
    }

    /// `+CME ERROR: <err>`, numeric (`AT+CMEE=1`) or verbose (`AT+CMEE=2`, mapped back to its
    /// code when 27.007 or a known vendor spelling names it).
    static func cme(_ e: CMEError, into f: inout ATFieldSet) {
        if case .text(let t) = e {
            guard !t.isEmpty else {
                // `+CME ERROR:` / `+CME ERROR: ` with nothing after it: still final.
                f.string("meaning", "no error code given")
                f.string("category", "general")
                return
            }
            f.string("text", t)
        }
        guard let code = e.code else {
            f.string("meaning", e.meaning)
            f.string("category", "general")
            return
        }
        f.int("code", code)
        f.string("meaning", CMEError.meanings[code] ?? e.meaning)
        f.string("category", cmeCategory(code))
        let sim = SIMState.from(cme: .code(code))
        if let sim { f.string("simState", sim.rawValue) }
        f.bool("meansNoSIM", CMEError.code(code).meansNoSIM)
        f.bool("simProblem", sim != nil)
    }

    /// Which part of the device a +CME code is about.
    static func cmeCategory(_ c: Int) -> String {
        switch c {
        case 10, 13, 14, 15, 152, 154, 160: return "sim"
        case 5, 6, 7, 11, 12, 16, 17, 18, 40...48: return "pin"
        case 20...23: return "memory"
        case 24...27: return "input"
        case 30, 31, 32, 53, 54, 57, 62, 102...125, 151, 153, 155...159, 161...165: return "network"
        case 126...150, 171...181: return "gprs"
        case 257...264: return "supplementary-service"
        default: return "general"
        }
    }

    /// `+CMS ERROR: <err>` (27.005 3.2.5).
    static func cms(_ e: CMSError, into f: inout ATFieldSet) {
        if case .text(let t) = e {
            guard !t.isEmpty else {
                f.string("meaning", "no error code given")
                f.string("category", "sms")
                return
            }
            f.string("text", t)
        }
        guard let code = e.code else {
            f.string("meaning", e.meaning)
            f.string("category", "sms")
            return
        }
        f.int("code", code)
        if let m = CMSError.meaning(ofCode: code) {
            f.string("meaning", m)
        } else if let m = CMSError.manufacturerMeanings[code] {
            f.string("meaning", m)
            f.bool("manufacturerSpecific", true)
        } else if code >= 512 {
            f.string("meaning", "manufacturer specific error")
            f.bool("manufacturerSpecific", true)
        } else {
            f.string("meaning", e.meaning)
        }
        f.string("category", cmsCategory(code))
        if code < 128 { f.string("causeSource", "network (24.011 RP/CP cause)") }
        else if code < 256 { f.string("causeSource", "service centre or MS (23.040 TP-FCS)") }
        // The SIM codes 310-318 mirror +CME 10-18 (and 312 PH-SIM PIN is +CME 5).
        let cmeEquivalent: [Int: Int] = [310: 10, 311: 11, 312: 5, 313: 13, 314: 14, 315: 15, 316: 12, 317: 17, 318: 18]
        if let c = cmeEquivalent[code] {
            let sim = SIMState.from(cme: .code(c))
            if let sim { f.string("simState", sim.rawValue) }
            f.bool("meansNoSIM", CMEError.code(c).meansNoSIM)
            f.bool("simProblem", sim != nil)
        }
    }

    static func cmsCategory(_ c: Int) -> String {
        switch c {
        case 0...127: return "network"
        case 128...255: return "sms"
        case 310, 313, 314, 315: return "sim"
        case 311, 312, 316, 317, 318: return "pin"
        case 320, 321, 322: return "memory"
        case 331, 332: return "network"
        case 330, 340: return "sms"
        case 512...: return "manufacturer"
        default: return "general"
        }
    }
}
