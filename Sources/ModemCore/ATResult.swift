// Final result codes (V.250 5.7, 27.007 9.2, 27.005 3.2.5) and the +CME/+CMS tables.

/// `+CME ERROR: <err>`: numeric with `AT+CMEE=1`, English with `AT+CMEE=2`.
public enum CMEError: Equatable, Hashable, Sendable, Codable {
    case code(Int)
    case text(String)

    /// The numeric code, also for verbose text we recognise (`SIM not inserted` -> 10).
    public var code: Int? {
        switch self {
        case .code(let c): return c
        case .text(let t):
            let lower = t.lowercased()
            return Self.meanings.first(where: { $0.value.lowercased() == lower })?.key
        }
    }

    /// The 27.007 meaning, or the text the modem sent.
    public var meaning: String {
        switch self {
        case .code(let c): return Self.meanings[c] ?? "CME error \(c)"
        case .text(let t): return t
        }
    }

    /// True for the codes that mean "there is no usable SIM": 10 not inserted, and 13 SIM
    /// failure, which Huawei uses instead of 10 (its table marks 10 unused, section 1.2).
    public var meansNoSIM: Bool { code == 10 || code == 13 }

    /// 27.007 section 9.2 codes worth naming (at-dialects.md 1.2).
    public static let meanings: [Int: String] = [
        0: "phone failure", 1: "no connection to phone", 3: "operation not allowed",
        4: "operation not supported", 5: "PH-SIM PIN required", 10: "SIM not inserted",
        11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy",
        15: "SIM wrong", 16: "incorrect password", 17: "SIM PIN2 required", 18: "SIM PUK2 required",
        20: "memory full", 21: "invalid index", 22: "not found", 23: "memory failure",
        24: "text string too long", 25: "invalid characters in text string",
        26: "dial string too long", 27: "invalid characters in dial string",
        30: "no network service", 31: "network timeout", 32: "network not allowed - emergency calls only",
        40: "network personalization PIN required", 41: "network personalization PUK required",
        100: "unknown",
    ]
}

/// `+CMS ERROR: <err>` (27.005 3.2.5).
public enum CMSError: Equatable, Hashable, Sendable, Codable {
    case code(Int)
    case text(String)

    public var code: Int? {
        switch self {
        case .code(let c): return c
        case .text(let t):
            let lower = t.lowercased()
            return Self.meanings.first(where: { $0.value.lowercased() == lower })?.key
        }
    }

    public var meaning: String {
        switch self {
        case .code(let c): return Self.meanings[c] ?? "CMS error \(c)"
        case .text(let t): return t
        }
    }

    public static let meanings: [Int: String] = [
        300: "ME failure", 301: "SMS service of ME reserved", 302: "operation not allowed",
        303: "operation not supported", 304: "invalid PDU mode parameter", 310: "SIM not inserted",
        311: "SIM PIN required", 313: "SIM failure", 314: "SIM busy", 320: "memory failure",
        321: "invalid memory index", 322: "memory full", 330: "SMSC address unknown",
        331: "no network service", 332: "network timeout", 340: "no +CNMA acknowledgement expected",
        500: "unknown error",
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
