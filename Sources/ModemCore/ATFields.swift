// Splitting an information line into its name and comma-separated parameters.
//
// `+CREG: 2,1,"8BE3","2BAF"` -> name `+CREG`, fields [2, 1, 8BE3, 2BAF]. Quotes are optional
// on most devices (Huawei sends bare hex, some firmwares quote the +CPIN code), commas may
// sit inside quoted operator names, and stray spaces occur (`+CREG: 2,5, 1607, 14DB`).

/// The parts of one `+NAME: params` / `^NAME:params` line.
public struct ATInformationLine: Equatable, Sendable {
    /// `+CREG`, `^RSSI`, ... (without the colon); nil for a bare line (`RING`, digits).
    public var name: String?
    /// The text after the colon, trimmed.
    public var parameters: String
    /// Parameters split on commas outside quotes, trimmed, with surrounding quotes removed.
    public var fields: [String]
    /// Which fields were quoted (same indices as `fields`).
    public var quoted: [Bool]

    public init(_ line: String) {
        if let (n, p) = Self.splitName(line) {
            name = n
            parameters = p
        } else {
            name = nil
            parameters = line
        }
        (fields, quoted) = Self.splitFields(parameters)
    }

    /// Field `i` as an integer (decimal), nil when absent, empty or not a number.
    public func int(_ i: Int) -> Int? {
        guard i < fields.count else { return nil }
        return Int(fields[i])
    }

    /// Field `i` as text, nil when absent or empty.
    public func string(_ i: Int) -> String? {
        guard i < fields.count, !fields[i].isEmpty else { return nil }
        return fields[i]
    }

    /// `+NAME:` or `^NAME:` at the start (letters, digits, `_`, no spaces in the name).
    static func splitName(_ line: String) -> (String, String)? {
        guard let first = line.first, first == "+" || first == "^" || first == "*" else { return nil }
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[line.startIndex..<colon]
        guard name.count >= 2, name.dropFirst().allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        let params = line[line.index(after: colon)...]
        return (String(name), ATFramer.trimSpaces(String(params)))
    }

    static func splitFields(_ text: String) -> ([String], [Bool]) {
        if text.isEmpty { return ([], []) }
        var fields: [String] = []
        var quoted: [Bool] = []
        var current = ""
        var inQuotes = false
        var wasQuoted = false
        for ch in text {
            if ch == "\"" {
                inQuotes.toggle()
                wasQuoted = true
            } else if ch == "," && !inQuotes {
                fields.append(wasQuoted ? current : ATFramer.trimSpaces(current))
                quoted.append(wasQuoted)
                current = ""
                wasQuoted = false
            } else if inQuotes || !(ch == " " && current.isEmpty) {
                current.append(ch)
            }
        }
        fields.append(wasQuoted ? current : ATFramer.trimSpaces(current))
        quoted.append(wasQuoted)
        return (fields, quoted)
    }
}

/// UCS2 (UTF-16BE) hex, as sent after `AT+CSCS="UCS2"`: `004D0054005300` -> "MTS".
public enum UCS2Hex {
    /// Decodes when the text is plausibly UCS2 hex (non-empty, length a multiple of 4,
    /// only hex digits); nil otherwise so the caller keeps the text as it came.
    public static func decode(_ text: String) -> String? {
        let u = Array(text.utf8)
        guard !u.isEmpty, u.count % 4 == 0, u.allSatisfy({ hexValue($0) != nil }) else { return nil }
        var units: [UInt16] = []
        units.reserveCapacity(u.count / 4)
        var i = 0
        while i < u.count {
            var v: UInt16 = 0
            for k in 0..<4 { v = v << 4 | UInt16(hexValue(u[i + k]) ?? 0) }
            units.append(v)
            i += 4
        }
        let s = String(decoding: units, as: UTF16.self)
        // Reject results with control characters: those were digits that only looked like hex.
        guard !s.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return nil }
        return s
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
