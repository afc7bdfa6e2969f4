// AT framing: a byte stream from the modem's AT port becomes lines, echoes and SMS prompts.
//
// V.250 frames every information line and result as CR LF text CR LF, but real devices
// differ (at-dialects.md section 1): echo is `AT...CR` with no LF, SIMCom ends some URCs with
// CR CR LF, Huawei inserts blank lines and glues garbage to lines (`ERROR+CNUM: ...`), and a
// bare `LF NO CARRIER` occurs. The one rule that covers all of them: CR and LF both end a
// line and empty lines are skipped. The SMS prompt `> ` has no terminator at all, so it is
// recognised from the partial line, and only while the caller says a prompt is expected.

/// One unit the framer recognised.
public enum ATFrame: Equatable, Sendable {
    /// An information line, final result or URC (terminators removed, never empty).
    case line(String)
    /// The modem echoing a command line back (`ATE1`, the power-on default).
    case echo(String)
    /// The SMS text-entry prompt `> ` (only while `expectingPrompt` is set).
    case prompt
}

/// Splits the AT byte stream into frames. A value type: feed it bytes in any chunking
/// (one byte at a time gives the same frames as the whole buffer at once).
public struct ATFramer: Sendable {
    /// Longest line kept, in bytes. The longest legitimate lines are an `AT+COPS=?` scan
    /// (a few networks at ~60 bytes each, some firmware puts them all on one line), an SMS PDU
    /// line of `+CMGL`/`+CMGR` (at most 2 x 176 hex characters) and a UCS2-hex USSD reply
    /// (2 x 4 x 182 characters). 4096 covers them all with margin while keeping a garbage
    /// stream that never sends CR/LF (a wedged or mis-bauded port) from growing memory.
    public static let maxLineLength = 4096

    /// Set by the channel while a command that answers with `> ` (AT+CMGS, AT+CMGW) is in
    /// flight. Outside that window a `>` at the start of a line is ordinary text.
    public var expectingPrompt = false

    /// Lines longer than `maxLineLength` that were dropped.
    public private(set) var overlongLines = 0
    /// Bytes thrown away: over-long line tails, control bytes, glued garbage.
    public private(set) var droppedBytes = 0
    /// Lines that were garbage (control bytes) or had garbage glued in front.
    public private(set) var garbageLines = 0

    private var buffer: [UInt8] = []
    private var discardingOverlong = false
    /// Line ends kept inside the quoted text of a `+CUSD:` line (see `continuesQuotedText`).
    private var keptLineEnds = 0

    /// A USSD menu is several lines of text inside one quoted `<str>`, and modems print it as
    /// is: `+CUSD: 1,"1. Balance` LF `2. Tariffs",15` (python-gsmmodem modem.py:1515-1540).
    /// While a `+CUSD:` line has an open quote, a line end is part of the text (kept as LF).
    /// At most this many, so a reply whose closing quote never comes cannot swallow the
    /// result codes after it for long.
    public static let maxUSSDTextLines = 16

    public init() {
        buffer.reserveCapacity(256)
    }

    /// Bytes received but not yet a complete frame (for diagnostics and tests).
    public var pendingBytes: Int { buffer.count }

    /// Feeds received bytes; returns every frame completed by them, in order.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [ATFrame] where Bytes.Element == UInt8 {
        var frames: [ATFrame] = []
        for byte in bytes {
            switch byte {
            case 0x0D, 0x0A:  // CR, LF: both end a line (covers CRLF, CRCRLF, bare LF, echo CR)
                if !discardingOverlong, continuesQuotedText() {
                    if buffer.last != 0x0A {
                        buffer.append(0x0A)
                        keptLineEnds += 1
                    }
                } else if discardingOverlong {
                    discardingOverlong = false
                } else if !buffer.isEmpty {
                    flushLine(into: &frames)
                }
            default:
                if discardingOverlong {
                    droppedBytes += 1
                    continue
                }
                if buffer.count >= Self.maxLineLength {
                    // Drop the whole line: a truncated line would be misparsed as something valid.
                    overlongLines += 1
                    droppedBytes += buffer.count + 1
                    buffer.removeAll(keepingCapacity: true)
                    discardingOverlong = true
                    continue
                }
                buffer.append(byte)
                // `> ` at the start of a line, no terminator follows (27.005 3.5.1).
                if expectingPrompt, buffer.count == 2, buffer[0] == 0x3E, buffer[1] == 0x20 {
                    buffer.removeAll(keepingCapacity: true)
                    expectingPrompt = false
                    frames.append(.prompt)
                }
            }
        }
        return frames
    }

    /// Ends the input: a last line without a terminator (a capture cut short, a firmware that
    /// omits the final CR LF) becomes a frame instead of being lost.
    public mutating func finish() -> [ATFrame] {
        var frames: [ATFrame] = []
        if discardingOverlong {
            discardingOverlong = false
        } else if !buffer.isEmpty {
            flushLine(into: &frames)
        }
        return frames
    }

    /// Forgets any partial line (after the port was reopened or the modem rebooted).
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        keptLineEnds = 0
        discardingOverlong = false
        expectingPrompt = false
    }

    private func continuesQuotedText() -> Bool {
        guard keptLineEnds < Self.maxUSSDTextLines, buffer.count > 6,
              buffer.starts(with: [0x2B, 0x43, 0x55, 0x53, 0x44, 0x3A]) else { return false }  // "+CUSD:"
        var quotes = 0
        for b in buffer where b == 0x22 { quotes += 1 }
        return quotes % 2 == 1
    }

    private mutating func flushLine(into frames: inout [ATFrame]) {
        let lineEndsInText = keptLineEnds > 0
        defer {
            buffer.removeAll(keepingCapacity: true)
            keptLineEnds = 0
        }
        if buffer.last == 0x0A { buffer.removeLast() }
        // Control bytes (NUL, Ctrl-Z, ESC, noise from a reset) make the whole line garbage;
        // TAB is allowed because some firmwares pad fields with it, LF inside USSD text.
        var controlBytes = 0
        for b in buffer where ((b < 0x20 && b != 0x09) || b == 0x7F) && !(b == 0x0A && lineEndsInText) { controlBytes += 1 }
        if controlBytes > 0 {
            garbageLines += 1
            droppedBytes += buffer.count
            return
        }
        // Lossy UTF-8: firmware sends Latin-1 or GSM bytes in operator names; never fail.
        var text = String(decoding: buffer, as: UTF8.self)
        text = Self.trimSpaces(text)
        if text.isEmpty { return }
        if Self.looksLikeEcho(text) {
            frames.append(.echo(text))
            return
        }
        if let (garbage, rest) = Self.splitGluedGarbage(text) {
            garbageLines += 1
            droppedBytes += garbage.utf8.count
            frames.append(.line(rest))
            return
        }
        frames.append(.line(text))
    }

    /// A command line always starts with `AT` (or `at`, V.250 5.2.1); no response or URC does.
    static func looksLikeEcho(_ text: String) -> Bool {
        let u = text.utf8
        guard u.count >= 2 else { return false }
        let a = u[u.startIndex], t = u[u.index(after: u.startIndex)]
        return (a == 0x41 || a == 0x61) && (t == 0x54 || t == 0x74)
    }

    /// Huawei glues a stray result in front of a real line inside a successful `AT+CNUM`:
    /// `ERROR+CNUM: "","+33...",145`, `+CME ERROR: 25+CNUM: ...` (at-dialects.md 1.4).
    /// Returns the garbage and the real line when the text has that shape.
    static func splitGluedGarbage(_ text: String) -> (String, String)? {
        let prefixes = ["ERROR", "OK", "+CME ERROR:", "+CMS ERROR:"]
        for p in prefixes where text.hasPrefix(p) && text.count > p.count {
            var rest = text.dropFirst(p.count)
            if p.hasSuffix(":") {
                rest = rest.drop(while: { $0 == " " })
                rest = rest.drop(while: { $0.isNumber })
            }
            guard let first = rest.first, first == "+" || first == "^" else { continue }
            // The remainder must itself look like `+NAME:` to be a real line.
            guard rest.contains(":"), rest.count > 2 else { continue }
            let garbage = String(text.prefix(text.count - rest.count))
            return (garbage, String(rest))
        }
        return nil
    }

    static func trimSpaces(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f == " " || f == "\t" { sub = sub.dropFirst() }
        while let l = sub.last, l == " " || l == "\t" { sub = sub.dropLast() }
        return String(sub)
    }
}
