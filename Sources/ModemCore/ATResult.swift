// Final result codes (V.250 5.7, 27.007 9.2, 27.005 3.2.5) and the +CME/+CMS tables.

/// A table of numbered errors a modem reports: what each code means, and the verbose
/// spellings firmware prints instead (`AT+CMEE=2`).
public protocol ATErrorTable: Sendable {
    /// "CME" or "CMS", for a code the table does not know.
    static var name: String { get }
    static var meanings: [Int: String] { get }
    static var aliases: [String: Int] { get }
    static func meaning(ofCode c: Int) -> String?
}

extension ATErrorTable {
    public static func meaning(ofCode c: Int) -> String? { meanings[c] }

    /// The code of a verbose error: the table's text, compared on letters and digits only
    /// (case and punctuation vary between vendors), then the aliases.
    static func code(ofText text: String) -> Int? {
        let key = normalized(text)
        guard !key.isEmpty else { return nil }
        if let hit = meanings.filter({ normalized($0.value) == key }).keys.min() { return hit }
        return aliases.first(where: { normalized($0.key) == key })?.value
    }

    static func normalized(_ s: String) -> String {
        var out = ""
        var lastSpace = true
        for ch in s.lowercased() {
            if ch.isLetter || ch.isNumber { out.append(ch); lastSpace = false }
            else if !lastSpace { out.append(" "); lastSpace = true }
        }
        while out.last == " " { out.removeLast() }
        return out
    }
}

/// `+CME ERROR: <err>` or `+CMS ERROR: <err>`: numeric with `AT+CMEE=1`, English with
/// `AT+CMEE=2`. One type for both; the table says which codes mean what.
public enum ATErrorReport<Table: ATErrorTable>: Equatable, Hashable, Sendable, Codable {
    case code(Int)
    case text(String)

    /// The numeric code, also for verbose text we recognise (`SIM not inserted` -> 10).
    public var code: Int? {
        switch self {
        case .code(let c): return c
        case .text(let t): return Table.code(ofText: t)
        }
    }

    /// The specification's meaning, or the text the modem sent.
    public var meaning: String {
        switch self {
        case .code(let c): return Table.meaning(ofCode: c) ?? "\(Table.name) error \(c)"
        case .text(let t): return t
        }
    }

    public static var meanings: [Int: String] { Table.meanings }
    public static var aliases: [String: Int] { Table.aliases }
    public static func meaning(ofCode c: Int) -> String? { Table.meaning(ofCode: c) }
}

/// `+CME ERROR` (27.007 9.2).
public typealias CMEError = ATErrorReport<EquipmentErrorTable>
/// `+CMS ERROR` (27.005 3.2.5).
public typealias CMSError = ATErrorReport<MessageServiceErrorTable>

extension ATErrorReport where Table == EquipmentErrorTable {
    /// True for the codes that mean "there is no usable SIM": 10 not inserted, and 13 SIM
    /// failure, which Huawei uses instead of 10 (its table marks 10 unused, section 1.2).
    public var meansNoSIM: Bool { code == 10 || code == 13 }
}

extension ATErrorReport where Table == MessageServiceErrorTable {
    public static var manufacturerMeanings: [Int: String] { Table.manufacturerMeanings }
}

public enum EquipmentErrorTable: ATErrorTable {
    public static let name = "CME"

    /// 27.007 section 9.2: 9.2.1 general errors, 9.2.2 GPRS/EPS errors (100 + the 24.008 /
    /// 24.301 cause), VBS/VGCS/eMLPP errors, and the 256+ supplementary-service errors.
    public static let meanings: [Int: String] = [
        // 9.2.1 General errors
        0: "phone failure", 1: "no connection to phone", 2: "phone-adaptor link reserved",
        3: "operation not allowed", 4: "operation not supported", 5: "PH-SIM PIN required",
        6: "PH-FSIM PIN required", 7: "PH-FSIM PUK required", 10: "SIM not inserted",
        11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy",
        15: "SIM wrong", 16: "incorrect password", 17: "SIM PIN2 required", 18: "SIM PUK2 required",
        20: "memory full", 21: "invalid index", 22: "not found", 23: "memory failure",
        24: "text string too long", 25: "invalid characters in text string",
        26: "dial string too long", 27: "invalid characters in dial string",
        30: "no network service", 31: "network timeout", 32: "network not allowed - emergency calls only",
        40: "network personalization PIN required", 41: "network personalization PUK required",
        42: "network subset personalization PIN required", 43: "network subset personalization PUK required",
        44: "service provider personalization PIN required", 45: "service provider personalization PUK required",
        46: "corporate personalization PIN required", 47: "corporate personalization PUK required",
        48: "hidden key required", 49: "EAP method not supported", 50: "incorrect parameters",
        51: "command implemented but currently disabled", 52: "command aborted by user",
        53: "not attached to network due to MT functionality restrictions",
        54: "modem not allowed - MT restricted to emergency calls only",
        55: "operation not allowed because of MT functionality restrictions",
        56: "fixed dial number only allowed - called number is not a fixed dial number",
        57: "temporarily out of service due to other MT usage", 58: "language/alphabet not supported",
        59: "unexpected data value", 60: "system failure", 61: "data missing", 62: "call barred",
        63: "message waiting indication subscription failure",
        100: "unknown",
        // 9.2.2 GPRS and EPS errors: attach / registration (24.008 / 24.301 causes + 100)
        102: "IMSI unknown in HLR", 103: "illegal MS", 104: "IMSI unknown in VLR", 105: "IMEI not accepted",
        106: "illegal ME", 107: "GPRS services not allowed", 108: "GPRS services and non-GPRS services not allowed",
        109: "MS identity cannot be derived by the network", 110: "implicitly detached",
        111: "PLMN not allowed", 112: "location area not allowed",
        113: "roaming not allowed in this location area", 114: "GPRS services not allowed in this PLMN",
        115: "no suitable cells in location area", 116: "MSC temporarily not reachable",
        117: "network failure", 118: "CS domain not available", 119: "ESM failure",
        122: "congestion", 125: "not authorized for this CSG",
        // PDP context / EPS bearer activation
        126: "insufficient resources", 127: "missing or unknown APN", 128: "unknown PDP address or PDP type",
        129: "user authentication failed", 130: "activation rejected by GGSN, Serving GW or PDN GW",
        131: "activation rejected, unspecified", 132: "service option not supported",
        133: "requested service option not subscribed", 134: "service option temporarily out of order",
        140: "feature not supported", 141: "semantic error in the TFT operation",
        142: "syntactical error in the TFT operation", 143: "unknown PDP context",
        144: "semantic errors in packet filter(s)", 145: "syntactical errors in packet filter(s)",
        146: "PDP context without TFT already activated",
        148: "unspecified GPRS error", 149: "PDP authentication failure", 150: "invalid mobile class",
        // VBS / VGCS and eMLPP
        151: "VBS/VGCS not supported by the network", 152: "no service subscription on SIM",
        153: "no subscription for group ID", 154: "group ID not activated on SIM",
        155: "no matching notification", 156: "VBS/VGCS call already present", 157: "congestion",
        158: "network failure", 159: "uplink busy", 160: "no access rights for SIM file",
        161: "no subscription for priority", 162: "operation not applicable or not possible",
        163: "group ID prefixes not supported", 164: "group ID prefixes not usable for VBS",
        165: "group ID prefix value invalid",
        // Further EPS / PDN errors
        171: "last PDN disconnection not allowed", 172: "semantically incorrect message",
        173: "invalid mandatory information", 174: "message type non-existent or not implemented",
        175: "conditional IE error", 176: "protocol error, unspecified",
        177: "operator determined barring", 178: "maximum number of PDP contexts reached",
        179: "requested APN not supported in current RAT and PLMN combination",
        180: "request rejected, bearer control mode violation", 181: "unsupported QCI value",
        // Supplementary services
        257: "network rejected request", 258: "retry operation", 259: "invalid deflected to number",
        260: "deflected to own number", 261: "unknown subscriber", 262: "service not available",
        263: "unknown class specified", 264: "unknown network message",
    ]

    /// Verbose spellings real firmware uses that differ from 27.007's wording.
    public static let aliases: [String: Int] = [
        "emergency calls only": 32, "network not allowed emergency calls only": 32,
        "sim not ready": 14, "ph net pin required": 40, "phnet pin required": 40,
        "sim pin2 required": 17, "no network": 30, "invalid input value": 50,
        "incorrect parameters": 50, "unknown error": 100, "gprs services not allowed in this plmn": 114,
    ]

}

public enum MessageServiceErrorTable: ATErrorTable {
    public static let name = "CMS"

    /// 27.005 3.2.5: 0-127 are the 24.011 annex E RP/CP causes passed through, 128-255 the
    /// 23.040 9.2.3.22 TP-Failure-Cause, 300-500 the ME/TA errors; 512+ is the manufacturer's.
    public static let meanings: [Int: String] = [
        // 24.011 annex E (E.2 RP causes, E.1 CP causes)
        1: "unassigned (unallocated) number", 8: "operator determined barring", 10: "call barred",
        17: "network failure", 21: "short message transfer rejected", 22: "memory capacity exceeded",
        27: "destination out of service", 28: "unidentified subscriber", 29: "facility rejected",
        30: "unknown subscriber", 38: "network out of order", 41: "temporary failure", 42: "congestion",
        47: "resources unavailable, unspecified", 50: "requested facility not subscribed",
        69: "requested facility not implemented", 81: "invalid short message transfer reference value",
        95: "invalid message, unspecified", 96: "invalid mandatory information",
        97: "message type non-existent or not implemented",
        98: "message not compatible with short message protocol state",
        99: "information element non-existent or not implemented", 111: "protocol error, unspecified",
        127: "interworking, unspecified",
        // 23.040 9.2.3.22 TP-FCS
        128: "telematic interworking not supported", 129: "short message type 0 not supported",
        130: "cannot replace short message", 143: "unspecified TP-PID error",
        144: "data coding scheme (alphabet) not supported", 145: "message class not supported",
        159: "unspecified TP-DCS error", 160: "command cannot be actioned", 161: "command unsupported",
        175: "unspecified TP-Command error", 176: "TPDU not supported", 192: "SC busy",
        193: "no SC subscription", 194: "SC system failure", 195: "invalid SME address",
        196: "destination SME barred", 197: "SM rejected-duplicate SM", 198: "TP-VPF not supported",
        199: "TP-VP not supported", 208: "(U)SIM SMS storage full",
        209: "no SMS storage capability in (U)SIM", 210: "error in MS", 211: "memory capacity exceeded",
        212: "(U)SIM application toolkit busy", 213: "(U)SIM data download error",
        255: "unspecified error cause",
        // 27.005 3.2.5
        300: "ME failure", 301: "SMS service of ME reserved", 302: "operation not allowed",
        303: "operation not supported", 304: "invalid PDU mode parameter", 305: "invalid text mode parameter",
        310: "SIM not inserted", 311: "SIM PIN required", 312: "PH-SIM PIN required", 313: "SIM failure",
        314: "SIM busy", 315: "SIM wrong", 316: "SIM PUK required", 317: "SIM PIN2 required",
        318: "SIM PUK2 required", 320: "memory failure", 321: "invalid memory index", 322: "memory full",
        330: "SMSC address unknown", 331: "no network service", 332: "network timeout",
        340: "no +CNMA acknowledgement expected", 500: "unknown error",
    ]

    /// 224-254: TP-FCS values specific to an application (23.040 9.2.3.22).
    public static func meaning(ofCode c: Int) -> String? {
        if let m = meanings[c] { return m }
        if (224...254).contains(c) { return "error specific to an application" }
        return nil
    }

    /// The manufacturer range (512+) as SIMCom/Qualcomm firmware uses it (SMSEagle's list,
    /// sms-ussd.md 4.4); other vendors may mean something else by the same number.
    public static let manufacturerMeanings: [Int: String] = [
        512: "SIM not ready / MM establishment failure", 513: "message length exceeds",
        514: "invalid request parameters", 515: "ME storage failure", 517: "invalid service mode",
        528: "more message to send state error", 529: "MO SMS is not allowed", 530: "GPRS is suspended",
        531: "ME storage full",
    ]

    /// Verbose spellings real firmware uses that differ from 27.005's wording.
    public static let aliases: [String: Int] = [
        "unknown": 500, "invalid memory index": 321, "invalid index": 321, "sim not ready": 512,
        "sms service of me reserved": 301, "no cnma acknowledgement expected": 340,
    ]
}

/// A final result: the line that ends a command's response.
public enum ATFinalResult: Equatable, Hashable, Sendable, Codable {
    case ok
    case error
    case cmeError(CMEError)
    case cmsError(CMSError)
    /// Huawei: the firmware does not know the command (chan_dongle treats it as ERROR).
    case commandNotSupported
    /// Huawei: more parameters than the command takes.
    case tooManyParameters
    /// ModemManager accepts `MODEM ERROR: <n>` (numeric only).
    case modemError(Int)
    case noCarrier
    case busy
    case noAnswer
    case noDialtone
    /// `CONNECT[ <text>]` (data calls; ends the command phase).
    case connect(String?)

    /// True for OK and CONNECT; everything else is a failure of the command.
    public var isSuccess: Bool {
        switch self {
        case .ok, .connect: return true
        default: return false
        }
    }

    /// NO CARRIER, BUSY, NO ANSWER, NO DIALTONE and CONNECT are also call-progress results:
    /// they end a dial/answer command, or arrive unsolicited when a call ends.
    public var isCallProgress: Bool {
        switch self {
        case .noCarrier, .busy, .noAnswer, .noDialtone, .connect: return true
        default: return false
        }
    }

    /// The text as the modem would print it (CLI, raw command answers).
    public var text: String {
        switch self {
        case .ok: return "OK"
        case .error: return "ERROR"
        case .cmeError(.code(let c)): return "+CME ERROR: \(c)"
        case .cmeError(.text(let t)): return "+CME ERROR: \(t)"
        case .cmsError(.code(let c)): return "+CMS ERROR: \(c)"
        case .cmsError(.text(let t)): return "+CMS ERROR: \(t)"
        case .commandNotSupported: return "COMMAND NOT SUPPORT"
        case .tooManyParameters: return "TOO MANY PARAMETERS"
        case .modemError(let n): return "MODEM ERROR: \(n)"
        case .noCarrier: return "NO CARRIER"
        case .busy: return "BUSY"
        case .noAnswer: return "NO ANSWER"
        case .noDialtone: return "NO DIALTONE"
        case .connect(let t): return t.map { "CONNECT \($0)" } ?? "CONNECT"
        }
    }

    /// A human explanation (CLI, reasons).
    public var meaning: String {
        switch self {
        case .cmeError(let e): return "\(text) (\(e.meaning))"
        case .cmsError(let e): return "\(text) (\(e.meaning))"
        default: return text
        }
    }

    /// Parses a framed line; nil when the line is not a final result.
    ///
    /// Lenient about the text after `+CME ERROR:` (number, English, or nothing at all: an
    /// empty code is still final here, because waiting for another final result would stall
    /// the channel until the command times out).
    public static func parse(_ line: String) -> ATFinalResult? {
        switch line {
        case "OK": return .ok
        case "ERROR": return .error
        case "NO CARRIER": return .noCarrier
        case "BUSY": return .busy
        case "NO ANSWER": return .noAnswer
        case "NO DIALTONE", "NO DIAL TONE": return .noDialtone
        case "COMMAND NOT SUPPORT": return .commandNotSupported
        case "TOO MANY PARAMETERS": return .tooManyParameters
        case "CONNECT": return .connect(nil)
        default: break
        }
        if line.hasPrefix("CONNECT ") {
            return .connect(String(line.dropFirst(8)))
        }
        if line.hasPrefix("+CME ERROR:") {
            let rest = ATFramer.trimSpaces(String(line.dropFirst(11)))
            if let n = Int(rest) { return .cmeError(.code(n)) }
            return .cmeError(.text(rest))
        }
        if line.hasPrefix("+CMS ERROR:") {
            let rest = ATFramer.trimSpaces(String(line.dropFirst(11)))
            if let n = Int(rest) { return .cmsError(.code(n)) }
            return .cmsError(.text(rest))
        }
        if line.hasPrefix("MODEM ERROR:") {
            let rest = ATFramer.trimSpaces(String(line.dropFirst(12)))
            if let n = Int(rest) { return .modemError(n) }
        }
        return nil
    }
}
