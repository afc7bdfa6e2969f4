import Foundation

// The modem side of V.250 command lines: bytes from the DTE become command lines ending in CR,
// and each line (`AT+QPCMV=0;+QPCMV=1,0;D123;`) becomes a list of commands executed in order.
// Written independently of ModemCore on purpose: the gateway's parser is tested against this one.

/// Collects bytes into command lines the way a modem's command interpreter does.
struct ATLineReader {
    /// Longest command line accepted. V.250 requires at least 40 characters; real modems take
    /// a few hundred (SMS PDUs are sent after the prompt, not on the command line). Longer
    /// input is discarded up to the next CR so garbage cannot grow memory.
    static let maximumLineLength = 1024

    private var line: [UInt8] = []
    private var overflowed = false

    init() { line.reserveCapacity(64) }

    enum Event: Equatable {
        /// A complete line, "AT" prefix included, without the CR.
        case line(String)
        /// A line that was longer than `maximumLineLength` (answered with ERROR).
        case overflow
    }

    /// Feeds bytes; returns the lines completed by them. Bytes before "AT" on a line are noise
    /// (V.250 §5.2.1: the modem looks for the "AT" prefix) and are dropped at line end.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            switch byte {
            case 0x0D:  // CR ends the command line (S3)
                if overflowed {
                    events.append(.overflow)
                } else if let start = Self.prefixStart(line) {
                    events.append(.line(String(decoding: line[start...], as: UTF8.self)))
                }
                line.removeAll(keepingCapacity: true)
                overflowed = false
            case 0x0A:  // LF after CR is ignored; a bare LF is not a terminator
                continue
            case 0x08:  // backspace (S5) edits the line
                if !line.isEmpty { line.removeLast() }
            default:
                if line.count >= Self.maximumLineLength { overflowed = true } else { line.append(byte) }
            }
        }
        return events
    }

    /// Index of the first "AT"/"at" on the line (anything before it is line noise).
    private static func prefixStart(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i + 1 < bytes.count {
            if (bytes[i] | 0x20) == 0x61 && (bytes[i + 1] | 0x20) == 0x74 { return i }
            i += 1
        }
        return nil
    }
}

/// One command from a command line.
struct ATCommand: Equatable {
    enum Form: Equatable {
        /// `+CMD` / basic command without parameter.
        case action
        /// `+CMD?`
        case read
        /// `+CMD=?`
        case test
        /// `+CMD=<args>`
        case set(String)
    }

    /// Upper-cased name: "+CSQ", "^CVOICE", "E", "D", "&F", "S0".
    var name: String
    var form: Form
    /// For basic commands: the numeric argument text (`E0` -> "0"); for `D`: the dial string.
    var basicArgument: String

    /// Parameters of a set command split at commas outside quotes, quotes removed and trimmed.
    var arguments: [String] {
        guard case .set(let text) = form else { return [] }
        return ATCommand.splitArguments(text)
    }

    static func splitArguments(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        for ch in text {
            if ch == "\"" { quoted.toggle(); continue }
            if ch == "," && !quoted {
                out.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            } else {
                current.append(ch)
            }
        }
        out.append(current.trimmingCharacters(in: .whitespaces))
        return out
    }
}

enum ATParseError: Error, Equatable {
    case missingPrefix
    case malformed(String)
}

/// Splits the body of a command line (after "AT") into commands (V.250 §5.3, §5.4).
enum ATCommandLineParser {
    static func parse(_ line: String) -> Result<[ATCommand], ATParseError> {
        let chars = Array(line)
        guard chars.count >= 2, chars[0].uppercased() == "A", chars[1].uppercased() == "T" else {
            return .failure(.missingPrefix)
        }
        var commands: [ATCommand] = []
        var i = 2
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == ";" { i += 1; continue }
            if "+^$*#%".contains(c) {
                // Extended command: name runs to the first '=', '?' or ';'; the rest up to an
                // unquoted ';' is its parameter text.
                var j = i + 1
                var name = String(c)
                while j < chars.count, chars[j] != "=", chars[j] != "?", chars[j] != ";" {
                    name.append(chars[j]); j += 1
                }
                var form = ATCommand.Form.action
                if j < chars.count, chars[j] == "?" {
                    form = .read; j += 1
                } else if j < chars.count, chars[j] == "=" {
                    if j + 1 < chars.count, chars[j + 1] == "?" {
                        form = .test; j += 2
                    } else {
                        var k = j + 1
                        var quoted = false
                        var text = ""
                        while k < chars.count {
                            if chars[k] == "\"" { quoted.toggle() }
                            if chars[k] == ";" && !quoted { break }
                            text.append(chars[k]); k += 1
                        }
                        form = .set(text); j = k
                    }
                }
                if name.count < 2 { return .failure(.malformed(String(chars[i...]))) }
                commands.append(ATCommand(name: name.uppercased().trimmingCharacters(in: .whitespaces),
                                          form: form, basicArgument: ""))
                i = j
                continue
            }
            let upper = Character(c.uppercased())
            switch upper {
            case "D":
                // Dial string runs to the end of the line; a trailing ';' makes it a voice call
                // (kept in the argument so the modem can tell voice from data).
                var j = i + 1
                var dial = ""
                while j < chars.count {
                    dial.append(chars[j]); j += 1
                    if chars[j - 1] == ";" { break }
                }
                commands.append(ATCommand(name: "D", form: .action, basicArgument: dial))
                i = j
            case "&":
                guard i + 1 < chars.count else { return .failure(.malformed("&")) }
                let letter = chars[i + 1].uppercased()
                var j = i + 2
                var digits = ""
                while j < chars.count, chars[j].isNumber { digits.append(chars[j]); j += 1 }
                commands.append(ATCommand(name: "&" + letter, form: .action, basicArgument: digits))
                i = j
            case "S":
                var j = i + 1
                var reg = ""
                while j < chars.count, chars[j].isNumber { reg.append(chars[j]); j += 1 }
                if reg.isEmpty { return .failure(.malformed("S")) }
                var form = ATCommand.Form.action
                if j < chars.count, chars[j] == "?" {
                    form = .read; j += 1
                } else if j < chars.count, chars[j] == "=" {
                    j += 1
                    var v = ""
                    while j < chars.count, chars[j].isNumber { v.append(chars[j]); j += 1 }
                    form = .set(v)
                }
                commands.append(ATCommand(name: "S" + reg, form: form, basicArgument: ""))
                i = j
            default:
                guard upper.isLetter else { return .failure(.malformed(String(chars[i...]))) }
                var j = i + 1
                var digits = ""
                while j < chars.count, chars[j].isNumber { digits.append(chars[j]); j += 1 }
                commands.append(ATCommand(name: String(upper), form: .action, basicArgument: digits))
                i = j
            }
        }
        return .success(commands)
    }
}
