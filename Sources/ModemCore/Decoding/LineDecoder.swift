// Every field of every line a modem prints, by name: the catalogue behind `simgate at decode`.
//
// One table per family of lines, one file per family (RegistrationLines, SignalLines,
// SIMLines, CallLines, ResultLines, MessagingLines, VendorLines, TimePowerLines). Each table
// maps a line name (`+CREG`, `^HCSQ`, `VOICE CALL`) to a function from the split line to its
// fields. The typed parsers the state machine acts on (RegistrationReport, SignalQuality,
// CallURC, ...) stay the single source of each line's meaning: a family decoder calls them
// where they exist and adds what the state machine does not need.
//
// Conventions every family follows, so one key means one thing across vendors:
// - keys are the parameter names of 27.007/27.005 or of the vendor's manual, lowerCamelCase
//   (`stat`, `lac`, `ci`, `act`, `rssi`, `ber`, `oper`, `alpha`, `mem`, `index`);
// - numbers are JSON numbers; a code also gets its meaning as text under `<key>Meaning`
//   (`stat: 1, statMeaning: "registered, home network"`); access technologies also under
//   `actName` (`"E-UTRAN"`);
// - identifiers sent in hex (LAC, TAC, CI) are kept as given, upper case, and also as an
//   integer under `<key>Value`;
// - derived physical values carry their unit in the key: `dBm`, `rsrpDBm`, `sinrDB`;
// - a "not known" code (99, 255) keeps its number and says so in its meaning; an absent or
//   empty optional field is left out rather than invented;
// - text is decoded: quotes stripped, UCS2 hex turned into text when the line is UCS2
//   (see `ATDecodingContext.text`).

/// What a decoder knows about where a line came from.
public struct ATDecodingContext: Sendable, Equatable {
    /// The command the line answers, upper-cased (`AT+CREG?`), nil for an unsolicited line.
    public var command: String?
    /// True after `AT+CSCS="UCS2"` in the same log: strings are UCS2 hex.
    public var ucs2: Bool

    public init(command: String? = nil, ucs2: Bool = false) {
        self.command = command.map { $0.uppercased() }
        self.ucs2 = ucs2
    }

    /// The line answers a command of its own name (`+CREG:` after `AT+CREG?`): read forms
    /// differ from URC forms in several families (an extra leading `<n>`).
    public func answers(_ name: String) -> Bool {
        guard let command else { return false }
        let bare = name.dropFirst()  // "+CREG" -> "CREG", "^SYSINFO" -> "SYSINFO"
        let c = command.hasPrefix("AT") ? command.dropFirst(2) : Substring(command)
        guard c.count > bare.count, c.dropFirst().hasPrefix(bare) else { return false }
        let after = c.dropFirst(1 + bare.count).first
        return after == nil || after == "?" || after == "=" || after == ";"
    }

    /// A text parameter as the user should read it. UCS2 hex is decoded when the log
    /// switched to UCS2, or when it is unmistakable without that: every code unit in the
    /// Latin-1 or Cyrillic block (`004D0054...`, `0411...`), which no GSM-alphabet name,
    /// decimal number or hex identifier spells.
    public func text(_ s: String) -> String {
        if let decoded = UCS2Hex.decode(s), ucs2 || Self.looksLikeUCS2(s) { return decoded }
        return s
    }

    /// A phone number parameter: UCS2 hex only when it decodes to a dialable string.
    public func number(_ s: String) -> String {
        if let decoded = UCS2Hex.decode(s), decoded.allSatisfy({ "0123456789+*#pw".contains($0) }) { return decoded }
        return s
    }

    static func looksLikeUCS2(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 8, u.count % 4 == 0 else { return false }
        var i = 0
        while i < u.count {
            // High byte of each unit: 00 (Basic Latin/Latin-1) or 04 (Cyrillic).
            guard u[i] == 0x30, u[i + 1] == 0x30 || u[i + 1] == 0x34 else { return false }
            i += 4
        }
        return true
    }
}

/// Fields being built for one line, in the conventions above.
public struct ATFieldSet: Sendable, Equatable {
    public var values: [String: ATValue] = [:]

    public init(_ values: [String: ATValue] = [:]) { self.values = values }

    public subscript(key: String) -> ATValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Sets an integer when present.
    public mutating func int(_ key: String, _ v: Int?) { if let v { values[key] = .int(v) } }
    /// Sets a non-empty string when present.
    public mutating func string(_ key: String, _ v: String?) { if let v, !v.isEmpty { values[key] = .string(v) } }
    public mutating func double(_ key: String, _ v: Double?) { if let v { values[key] = .double(v) } }
    public mutating func bool(_ key: String, _ v: Bool?) { if let v { values[key] = .bool(v) } }

    /// A code and its meaning from a table (`stat` and `statMeaning`).
    public mutating func code(_ key: String, _ v: Int?, meanings: [Int: String]) {
        guard let v else { return }
        values[key] = .int(v)
        if let m = meanings[v] { values[key + "Meaning"] = .string(m) }
    }

    /// A hex identifier as given (upper case) and as an integer (`lac`, `lacValue`).
    public mutating func hex(_ key: String, _ v: String?) {
        guard let v else { return }
        let t = v.filter { !$0.isWhitespace }.uppercased()
        guard !t.isEmpty else { return }
        values[key] = .string(t)
        if t.count <= 16, let n = Int(t, radix: 16) { values[key + "Value"] = .int(n) }
    }

    public mutating func merge(_ other: ATFieldSet) {
        values.merge(other.values) { _, new in new }
    }
}

/// A family's decoder for one line name. Returns nil when the line does not have the shape
/// of that name (the line is then reported as unknown, with its raw text).
public typealias ATLineDecoding = @Sendable (_ line: ATInformationLine, _ context: ATDecodingContext) -> ATFieldSet?

/// A line that has no `+NAME:` prefix (`RING`, `VOICE CALL: BEGIN`, `RDY`, a bare IMEI).
public struct ATBareLineDecoder: Sendable {
    /// The name the decoded line gets (`RING`, `VOICE CALL`).
    public var name: String
    /// Whether this decoder reads the line.
    public var matches: @Sendable (_ line: String, _ context: ATDecodingContext) -> Bool
    public var decode: @Sendable (_ line: String, _ context: ATDecodingContext) -> ATFieldSet?

    public init(name: String, matches: @escaping @Sendable (String, ATDecodingContext) -> Bool,
                decode: @escaping @Sendable (String, ATDecodingContext) -> ATFieldSet?) {
        self.name = name; self.matches = matches; self.decode = decode
    }

    /// A line that is exactly `text` or starts with `text` (then the rest is its parameters).
    public static func prefix(_ text: String, name: String? = nil,
                              decode: @escaping @Sendable (String, ATDecodingContext) -> ATFieldSet?) -> ATBareLineDecoder {
        ATBareLineDecoder(name: name ?? text, matches: { line, _ in line.hasPrefix(text) }, decode: decode)
    }
}

/// The whole catalogue: every family's table merged.
public enum ATLineCatalog {
    /// Named lines (`+CREG`, `^HCSQ`), from every family.
    public static let named: [String: ATLineDecoding] = {
        var all: [String: ATLineDecoding] = [:]
        for table in [RegistrationLines.named, SignalLines.named, SIMLines.named, CallLines.named,
                      ResultLines.named, MessagingLines.named, VendorLines.named, TimePowerLines.named] {
            all.merge(table) { first, _ in first }
        }
        return all
    }()

    /// Lines without a prefix, tried in order (the most specific first within each family).
    public static let bare: [ATBareLineDecoder] =
        CallLines.bare + ResultLines.bare + VendorLines.bare + SIMLines.bare + SignalLines.bare
        + RegistrationLines.bare + MessagingLines.bare + TimePowerLines.bare

    /// Bare answers to commands whose answer carries no prefix on some firmware (`AT+CSQ`
    /// answered `19,99`, `AT+CGSN` answered with the IMEI alone): the name the line would have
    /// had, from the command (`AT+CSQ` -> `+CSQ`).
    public static func impliedName(forCommand command: String?) -> String? {
        guard var c = command?.uppercased(), c.hasPrefix("AT") else { return nil }
        c.removeFirst(2)
        guard let first = c.first, first == "+" || first == "^" else { return nil }
        let name = c.prefix { $0 == "+" || $0 == "^" || $0.isLetter || $0.isNumber || $0 == "_" }
        return name.count >= 2 ? String(name) : nil
    }

    /// Decodes one line: its name and fields, or nil when no family knows it.
    public static func decode(_ line: String, context: ATDecodingContext) -> (name: String, fields: ATFieldSet)? {
        let info = ATInformationLine(line)
        if let name = info.name {
            if let decoder = named[name], let f = decoder(info, context) { return (name, f) }
            return nil
        }
        for b in bare where b.matches(line, context) {
            if let f = b.decode(line, context) { return (b.name, f) }
        }
        // A bare answer in the shape of its command's named line (`19,99` for AT+CSQ).
        if let name = impliedName(forCommand: context.command), let decoder = named[name] {
            var prefixed = ATInformationLine(line)
            prefixed.name = name
            if let f = decoder(prefixed, context) { return (name, f) }
        }
        return nil
    }
}
