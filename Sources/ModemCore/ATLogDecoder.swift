// Offline decoding of captured modem output, for `simgate at decode [--command 'AT+CREG?'] [FILE]`.
//
// The same framer and routing rule as the live state machine decide what each line is (an
// answer, a final result, a URC), so what the CLI shows for a capture is what the daemon
// would have understood; the line catalogue (Decoding/) then names every field.

/// One decoded line of a capture.
public struct DecodedLine: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case urc, response, final, echo, prompt, unknown
        /// Bytes that were no line at all (control bytes, noise): skipped, and said so.
        case garbage
    }
    public var kind: Kind
    /// The line as framed (terminators removed); garbage with its bytes escaped.
    public var raw: String
    /// `+CREG`, `^CEND`, `RING`, `OK`, ... nil for bare response lines nobody names.
    public var name: String?
    /// Every field of the line, in the catalogue's conventions. Empty when nothing was read.
    public var fields: [String: ATValue]
    /// Why a line was skipped or not fully read.
    public var warning: String?

    public init(kind: Kind, raw: String, name: String?, fields: [String: ATValue] = [:], warning: String? = nil) {
        self.kind = kind; self.raw = raw; self.name = name; self.fields = fields; self.warning = warning
    }
}

extension DecodedLine: CustomStringConvertible {
    /// `urc +CSQ rssi=19 ber=99 dBm=-75`: the one-line form of the CLI.
    public var description: String {
        var parts = [kind.rawValue]
        if let name { parts.append(name) }
        if fields.isEmpty || kind == .unknown { parts.append(raw) }
        for key in fields.keys.sorted() { parts.append("\(key)=\(fields[key]!)") }
        if let warning { parts.append("(\(warning))") }
        return parts.joined(separator: " ")
    }
}

public enum ATLogDecoder {
    /// Decodes raw modem output. `command` is the command the output answers (so same-prefix
    /// lines like `+CREG:` are read as its response); without it, an echoed command line in
    /// the capture plays that role. Never fails: what is not understood is `.unknown`.
    /// `ucs2` says the log starts after `AT+CSCS="UCS2"` (strings are UCS2 hex).
    public static func decode(_ bytes: [UInt8], command: String? = nil, ucs2: Bool = false) -> [DecodedLine] {
        var session = Session(command: command)
        if ucs2 { session.ucs2 = true }
        var framer = ATFramer()
        framer.expectingPrompt = session.expectsPrompt
        var garbageSeen = 0
        var result: [DecodedLine] = []
        var pendingGarbage: [UInt8] = []
        // Byte by byte, so a garbage line is reported where it occurred.
        func emit(_ frames: [ATFrame]) {
            for frame in frames { result.append(session.decode(frame)) }
            framer.expectingPrompt = session.expectsPrompt
        }
        for byte in bytes {
            pendingGarbage.append(byte)
            let frames = framer.feed(CollectionOfOne(byte))
            if framer.garbageLines != garbageSeen {
                garbageSeen = framer.garbageLines
                var dropped = Array(pendingGarbage.dropLast())
                var warning = "not text (control bytes); skipped"
                // Garbage glued in front of a real line (`ERROR+CNUM: ...`): only the front.
                if case .line(let rest)? = frames.last, dropped.count > rest.utf8.count {
                    dropped = Array(dropped.prefix(dropped.count - rest.utf8.count))
                    warning = "glued in front of the next line; skipped"
                }
                result.append(DecodedLine(kind: .garbage, raw: escaped(dropped), name: nil,
                                          fields: ["bytes": .int(dropped.count)], warning: warning))
            }
            if byte == 0x0D || byte == 0x0A { pendingGarbage.removeAll(keepingCapacity: true) }
            emit(frames)
        }
        emit(framer.finish())
        return result
    }

    /// Control bytes as `\xNN`, so a garbage line prints safely in a terminal and in JSON.
    static func escaped<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let hex = Array("0123456789ABCDEF")
        var s = ""
        for b in bytes.prefix(256) {
            if b >= 0x20 && b < 0x7F { s.unicodeScalars.append(Unicode.Scalar(b)) } else {
                s += "\\x\(hex[Int(b >> 4)])\(hex[Int(b & 0xF)])"
            }
        }
        return s
    }

    /// What the decoder remembers between lines: the outstanding command and the charset.
    struct Session {
        var outstanding: ATCommand?
        var ucs2 = false

        init(command: String?) {
            outstanding = command.map { ATCommand(ATFramer.trimSpaces($0)) }
            if let command { noteCharset(command) }
        }

        var expectsPrompt: Bool {
            guard let t = outstanding?.text.uppercased() else { return false }
            return t.hasPrefix("AT+CMGS") || t.hasPrefix("AT+CMGW")
        }

        /// `AT+CSCS="UCS2"` switches every later string to UCS2 hex; GSM/IRA switch it back.
        mutating func noteCharset(_ command: String) {
            let u = String(command.uppercased().filter { $0 != " " })
            guard u.hasPrefix("AT+CSCS=") else { return }
            let value = u.dropFirst(8).filter { $0 != "\"" }
            ucs2 = value.hasPrefix("UCS2")
        }

        /// `+CME ERROR` rather than `+CME ERROR: 10`: the name, the code is a field.
        static func finalName(_ r: ATFinalResult) -> String {
            switch r {
            case .cmeError: return "+CME ERROR"
            case .cmsError: return "+CMS ERROR"
            case .modemError: return "MODEM ERROR"
            case .connect: return "CONNECT"
            default: return r.text
            }
        }

        var context: ATDecodingContext { ATDecodingContext(command: outstanding?.text, ucs2: ucs2) }

        mutating func decode(_ frame: ATFrame) -> DecodedLine {
            switch frame {
            case .echo(let text):
                outstanding = ATCommand(text)
                noteCharset(text)
                return DecodedLine(kind: .echo, raw: text, name: nil, fields: ["command": .string(text)])
            case .prompt:
                return DecodedLine(kind: .prompt, raw: "> ", name: nil, fields: ["event": "sms-text-prompt"])
            case .line(let line):
                switch ATCommandQueue<Int>.classify(line, outstanding: outstanding) {
                case .final(let r):
                    let decoded = named(line, context: context, kind: .final, final: r)
                    outstanding = nil
                    return decoded
                case .response:
                    return named(line, context: context, kind: .response)
                case .callProgress(let r):
                    // NO CARRIER / BUSY ending a call nobody is dialling: the call's end, a URC.
                    return named(line, context: ATDecodingContext(ucs2: ucs2), kind: .urc, final: r)
                case .unsolicited:
                    // A final result with no command known (a log without echo): still a final.
                    if let r = ATFinalResult.parse(line) {
                        return named(line, context: ATDecodingContext(ucs2: ucs2), kind: .final, final: r)
                    }
                    return named(line, context: ATDecodingContext(ucs2: ucs2), kind: .urc)
                }
            }
        }

        /// The line's fields from the catalogue. A final result keeps its kind even when the
        /// catalogue adds nothing: the framing rule already knows what it is.
        func named(_ line: String, context: ATDecodingContext, kind: DecodedLine.Kind,
                   final: ATFinalResult? = nil) -> DecodedLine {
            if let (name, fields) = ATLineCatalog.decode(line, context: context) {
                return DecodedLine(kind: kind, raw: line, name: final.map(Self.finalName) ?? name, fields: fields.values)
            }
            if let final { return DecodedLine(kind: kind, raw: line, name: Self.finalName(final)) }
            // A bare answer line of a command no family names (ATI text, a vendor's free text).
            if kind == .response, ATInformationLine(line).name == nil {
                return DecodedLine(kind: .response, raw: line, name: nil, fields: ["value": .string(line)])
            }
            return DecodedLine(kind: .unknown, raw: line, name: ATInformationLine(line).name)
        }
    }
}
