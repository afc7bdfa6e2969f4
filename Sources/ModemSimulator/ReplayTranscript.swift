// A recorded modem session that a simulated port plays back (Tests/Fixtures/transcripts/README.md).
//
// A real capture holds what one modem printed to ONE host: the answers to that host's
// commands, and the URCs in between. Our daemon sends its own commands, in its own order, so
// a capture cannot be replayed byte for byte. The transcript therefore separates the two:
//
// * answer rules (`AT+CSQ -> \r\n+CSQ: 14,99\r\n\r\nOK\r\n`) answer the daemon whenever it
//   sends a command starting with that prefix, in any order, as often as it asks;
// * a timeline of modem output (`+<ms> <bytes>`) that plays in order with the capture's
//   timing, which can wait for a command of the host (`< ATA`) before it goes on;
// * a default answer (OK) for commands the capture never saw, so the daemon's own init does
//   not stall on them.
//
// Rules are positional: a rule after the first timeline step takes effect when the timeline
// reaches it (AT+CLCC answers the ringing call only once RING has been played).
import Foundation

public struct ReplayTranscript: Sendable, Equatable {
    /// How the replayed port echoes the host's command lines.
    public enum Echo: String, Sendable, Equatable {
        /// Echo until the host sends ATE0 (and again after ATE1), as a real modem after power-on.
        case auto
        case on
        case off
    }

    public enum Step: Sendable, Equatable {
        /// Writes `bytes` to the port `delayMS` after the previous step completed.
        case output(delayMS: Int, bytes: [UInt8])
        /// Waits until the host writes a command line starting with `prefix` (case-insensitive),
        /// or `timeoutMS` passes; the steps after it are the modem's answer.
        case expect(prefix: String, timeoutMS: Int)
        /// From here on, a host command starting with `prefix` is answered with `bytes`.
        case rule(prefix: String, bytes: [UInt8])
        /// Stops the timeline until the test resumes it (`ModemSimulator.continueReplay`).
        case pause
        /// Starts (true) or stops the tone stream on the audio port, as a modem does while a
        /// call's PCM is routed.
        case audio(Bool)
    }

    /// Where the capture came from (`@source` lines), in file order.
    public var sources: [String] = []
    /// The vendor profile the capture came from (`@vendor`), if given.
    public var vendor: Vendor?
    /// The answer to a command that no rule matches (`@default`); OK by default.
    public var defaultAnswer: [UInt8] = Array("\r\nOK\r\n".utf8)
    /// Timeout of `<` steps without their own (`@timeout <ms>`); 30 s by default.
    public var defaultTimeoutMS = 30_000
    public var echo: Echo = .auto
    public var steps: [Step] = []

    public init(sources: [String] = [], vendor: Vendor? = nil, steps: [Step] = []) {
        self.sources = sources; self.vendor = vendor; self.steps = steps
    }

    /// Reads a transcript file; errors name the file and line.
    public static func load(path: String) throws(TranscriptError) -> ReplayTranscript {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TranscriptError(file: path, line: 0, reason: "cannot read: \(error.localizedDescription)")
        }
        do {
            return try parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw TranscriptError(file: path, line: error.line, reason: error.reason)
        }
    }

    public static func parse(_ text: String) throws(TranscriptError) -> ReplayTranscript {
        var t = ReplayTranscript()
        var timeouts: [(step: Int, line: Int)] = []  // `<` steps that take the default timeout
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = i + 1
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            func fail(_ why: String) -> TranscriptError { TranscriptError(file: nil, line: number, reason: why) }

            if trimmed.hasPrefix("@") {
                let (key, value) = split(trimmed.dropFirst())
                switch key.lowercased() {
                case "source":
                    t.sources.append(String(value))
                case "vendor":
                    guard let v = Vendor(rawValue: value.lowercased()) else { throw fail("unknown vendor '\(value)'") }
                    t.vendor = v
                case "default":
                    t.defaultAnswer = try unescape(value, line: number)
                case "timeout":
                    guard let ms = Int(value), ms > 0 else { throw fail("@timeout needs a positive number of milliseconds") }
                    t.defaultTimeoutMS = ms
                case "echo":
                    guard let e = Echo(rawValue: value.lowercased()) else { throw fail("@echo must be auto, on or off") }
                    t.echo = e
                default:
                    // Free-form metadata (@model, @note, ...) documents the capture.
                    break
                }
            } else if trimmed.hasPrefix("+") {
                let (delay, rest) = split(trimmed.dropFirst(), keepingLeadingSpaces: true)
                guard let ms = Int(delay), ms >= 0 else { throw fail("'+' must be followed by a delay in milliseconds") }
                t.steps.append(.output(delayMS: ms, bytes: try unescape(rest, line: number)))
            } else if trimmed.hasPrefix("<") {
                let (timeout, prefix) = split(trimmed.dropFirst())
                var ms: Int?
                var command = prefix
                if !timeout.isEmpty {
                    if let v = Int(timeout), v > 0 { ms = v } else { command = trimmed.dropFirst().drop { $0 == " " } }
                }
                guard !command.isEmpty else { throw fail("'<' needs the command prefix the host sends") }
                if ms == nil { timeouts.append((t.steps.count, number)) }
                t.steps.append(.expect(prefix: command.uppercased(), timeoutMS: ms ?? 0))
            } else if trimmed.hasPrefix("!") {
                let (word, arg) = split(trimmed.dropFirst())
                switch (word.lowercased(), arg.lowercased()) {
                case ("pause", ""): t.steps.append(.pause)
                case ("audio", "on"): t.steps.append(.audio(true))
                case ("audio", "off"): t.steps.append(.audio(false))
                default: throw fail("unknown directive '!\(word)' (pause, audio on|off)")
                }
            } else if let arrow = range(of: " -> ", in: trimmed) {
                let prefix = trimmed[..<arrow.lowerBound]
                guard !prefix.isEmpty else { throw fail("an answer rule needs a command prefix") }
                t.steps.append(.rule(prefix: prefix.uppercased(), bytes: try unescape(trimmed[arrow.upperBound...], line: number)))
            } else {
                throw fail("not a transcript line (expected @key, +<ms> text, < command, AT... -> answer, !pause or #)")
            }
        }
        for (step, _) in timeouts {
            if case .expect(let p, _) = t.steps[step] { t.steps[step] = .expect(prefix: p, timeoutMS: t.defaultTimeoutMS) }
        }
        return t
    }

    /// The first word and the rest after one separating space (more spaces are kept in the
    /// rest when `keepingLeadingSpaces`, since a captured line may start with spaces).
    private static func split(_ s: Substring, keepingLeadingSpaces: Bool = false) -> (Substring, Substring) {
        guard let sp = s.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (s, "") }
        let rest = s[s.index(after: sp)...]
        return (s[..<sp], keepingLeadingSpaces ? rest : rest.drop { $0 == " " || $0 == "\t" })
    }

    private static func range(of needle: String, in s: Substring) -> Range<Substring.Index>? {
        s.range(of: needle)
    }

    /// `\r \n \t \\ \xHH` (and `\s` for a space an editor would strip at the end of a line).
    static func unescape(_ s: Substring, line: Int) throws(TranscriptError) -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard let e = bytes.popFirst() else { throw TranscriptError(file: nil, line: line, reason: "dangling '\\' at the end of the line") }
            switch e {
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "s"): out.append(0x20)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "x"):
                guard bytes.count >= 2, let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) else {
                    throw TranscriptError(file: nil, line: line, reason: "'\\x' needs two hex digits")
                }
                out.append(v)
                bytes = bytes.dropFirst(2)
            default:
                throw TranscriptError(file: nil, line: line, reason: "unknown escape '\\\(Character(Unicode.Scalar(e)))' (use \\r \\n \\t \\s \\\\ \\xHH)")
            }
        }
        return out
    }
}

/// A transcript that cannot be read, naming the file (when known) and the line.
public struct TranscriptError: Error, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int
    public var reason: String
    public var description: String {
        let place = [file, line > 0 ? "line \(line)" : nil].compactMap { $0 }.joined(separator: ":")
        return place.isEmpty ? reason : "\(place): \(reason)"
    }
}
