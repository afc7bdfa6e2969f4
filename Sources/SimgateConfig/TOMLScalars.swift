// The spelling rules for TOML numbers and date-times, checked on the raw token bytes.

enum NumberText {
    enum Result: Equatable {
        case integer(Int64)
        case float(Double)
        case invalid(String)
    }

    static func parse(_ token: ArraySlice<UInt8>) -> Result {
        let text = String(decoding: token, as: UTF8.self)
        switch text {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        var body = token[...]
        var negative = false
        if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return .invalid("no digits") }

        // Prefixed integers: 0x, 0o, 0b (no sign allowed).
        if body.count >= 2, body.first == UInt8(ascii: "0"), let radixByte = body.dropFirst().first,
           let radix = radixFor(radixByte) {
            guard body.count == token.count else { return .invalid("a sign is not allowed on hex, octal or binary integers") }
            let digits = body.dropFirst(2)
            guard hasValidUnderscores(digits, isDigit: { digitValue($0, radix: radix) != nil }) else {
                return .invalid("expected base-\(radix) digits, with '_' only between digits")
            }
            var value: UInt64 = 0
            for d in digits where d != Byte.underscore {
                guard let v = digitValue(d, radix: radix) else { return .invalid("bad digit") }
                let (m, o1) = value.multipliedReportingOverflow(by: UInt64(radix))
                let (s, o2) = m.addingReportingOverflow(UInt64(v))
                guard !o1, !o2 else { return .invalid("does not fit in a 64-bit integer") }
                value = s
            }
            guard value <= UInt64(Int64.max) else { return .invalid("does not fit in a 64-bit integer") }
            return .integer(Int64(value))
        }

        let isFloat = body.contains(Byte.dot) || body.contains(UInt8(ascii: "e")) || body.contains(UInt8(ascii: "E"))
        if !isFloat {
            guard hasValidUnderscores(body, isDigit: Byte.isDigit) else {
                return .invalid("expected digits, with '_' only between digits")
            }
            guard !(body.count > 1 && body.first == UInt8(ascii: "0")) else {
                return .invalid("leading zeros are not allowed")
            }
            var magnitude: UInt64 = 0
            for d in body where d != Byte.underscore {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(d - 0x30))
                guard !o1, !o2 else { return .invalid("does not fit in a 64-bit integer") }
                magnitude = s
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return .invalid("does not fit in a 64-bit integer") }
                return .integer(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
            }
            guard magnitude <= UInt64(Int64.max) else { return .invalid("does not fit in a 64-bit integer") }
            return .integer(Int64(magnitude))
        }

        // Float: int-part, then a fraction, an exponent, or both.
        var rest = body
        let intPart = rest.prefix { Byte.isDigit($0) || $0 == Byte.underscore }
        rest = rest.dropFirst(intPart.count)
        guard hasValidUnderscores(intPart, isDigit: Byte.isDigit) else {
            return .invalid("expected digits before the fraction or exponent")
        }
        guard !(intPart.count > 1 && intPart.first == UInt8(ascii: "0")) else {
            return .invalid("leading zeros are not allowed")
        }
        if rest.first == Byte.dot {
            rest = rest.dropFirst()
            let fraction = rest.prefix { Byte.isDigit($0) || $0 == Byte.underscore }
            rest = rest.dropFirst(fraction.count)
            guard hasValidUnderscores(fraction, isDigit: Byte.isDigit) else {
                return .invalid("expected digits after the decimal point")
            }
        }
        if let e = rest.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { rest = rest.dropFirst() }
            let exponent = rest.prefix { Byte.isDigit($0) || $0 == Byte.underscore }
            rest = rest.dropFirst(exponent.count)
            guard hasValidUnderscores(exponent, isDigit: Byte.isDigit) else {
                return .invalid("expected digits in the exponent")
            }
        }
        guard rest.isEmpty else { return .invalid("unexpected '\(String(decoding: rest.prefix(1), as: UTF8.self))'") }
        let cleaned = String(decoding: token.filter { $0 != Byte.underscore }, as: UTF8.self)
        guard let value = Double(cleaned) else { return .invalid("not a number") }
        return .float(value)
    }

    private static func radixFor(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "x"): 16
        case UInt8(ascii: "o"): 8
        case UInt8(ascii: "b"): 2
        default: nil
        }
    }

    private static func digitValue(_ c: UInt8, radix: Int) -> UInt8? {
        guard let v = Byte.hexValue(c), Int(v) < radix else { return nil }
        return v
    }

    /// Non-empty, only digits and underscores, every underscore between two digits.
    private static func hasValidUnderscores(_ s: ArraySlice<UInt8>, isDigit: (UInt8) -> Bool) -> Bool {
        guard let first = s.first, let last = s.last, isDigit(first), isDigit(last) else { return false }
        var previousUnderscore = false
        for c in s {
            if c == Byte.underscore {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if isDigit(c) {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return true
    }
}

/// RFC 3339 date-times as TOML 1.0 allows them: offset date-time, local date-time, local
/// date, local time. Fields are range-checked (month, day of that month, hour, minute, second).
enum DateTimeText {
    /// `dddd-dd-dd`: decides that a token is meant as a date, so a wrong month is
    /// reported as a bad date rather than a bad number.
    static func hasDateShape(_ s: ArraySlice<UInt8>) -> Bool {
        let b = Array(s)
        guard b.count == 10 else { return false }
        return b.indices.allSatisfy { i in i == 4 || i == 7 ? b[i] == UInt8(ascii: "-") : Byte.isDigit(b[i]) }
    }

    static func isValid(_ token: ArraySlice<UInt8>) -> Bool {
        let b = Array(token)
        if b.count >= 3, b[2] == Byte.colon {  // local time
            guard let end = parseTime(b, from: 0) else { return false }
            return end == b.count
        }
        guard parseDate(Array(b.prefix(10))) != nil else { return false }
        if b.count == 10 { return true }
        guard b.count > 11, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == Byte.space,
              var i = parseTime(b, from: 11) else { return false }
        if i == b.count { return true }  // local date-time
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard i + 5 == b.count, let h = twoDigits(b, i), h < 24, b[i + 2] == Byte.colon,
              let m = twoDigits(b, i + 3), m < 60 else { return false }
        return true
    }

    /// `YYYY-MM-DD` with a real day of that month.
    private static func parseDate(_ b: [UInt8]) -> (Int, Int, Int)? {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y1 = twoDigits(b, 0), let y2 = twoDigits(b, 2),
              let month = twoDigits(b, 5), let day = twoDigits(b, 8) else { return nil }
        let year = y1 * 100 + y2
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), day >= 1, day <= days[month - 1] else { return nil }
        return (year, month, day)
    }

    /// `HH:MM:SS[.fraction]`; returns the index after it. Second 60 is a leap second.
    private static func parseTime(_ b: [UInt8], from i: Int) -> Int? {
        guard b.count >= i + 8, let h = twoDigits(b, i), h < 24, b[i + 2] == Byte.colon,
              let m = twoDigits(b, i + 3), m < 60, b[i + 5] == Byte.colon,
              let s = twoDigits(b, i + 6), s <= 60 else { return nil }
        var j = i + 8
        if j < b.count, b[j] == Byte.dot {
            j += 1
            let start = j
            while j < b.count, Byte.isDigit(b[j]) { j += 1 }
            guard j > start else { return nil }
        }
        return j
    }

    private static func twoDigits(_ b: [UInt8], _ i: Int) -> Int? {
        guard i + 1 < b.count, Byte.isDigit(b[i]), Byte.isDigit(b[i + 1]) else { return nil }
        return Int(b[i] - 0x30) * 10 + Int(b[i + 1] - 0x30)
    }
}
