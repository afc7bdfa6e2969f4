// Character classes and small scanners from RFC 3261 §25 (the ABNF), on bytes.
// Header values arrive unfolded (CRLF+WSP already replaced by one SP), so the
// scanners only need to skip SP and HTAB.

enum SIPGrammar {
    /// A set of ASCII bytes as a 128-bit mask: membership is a shift and a mask, with no
    /// table to initialise lazily (the constants are static data). Generated from the ABNF
    /// character lists named in each comment.
    struct CharSet: Sendable {
        let lo: UInt64
        let hi: UInt64
        @inline(__always) func contains(_ b: UInt8) -> Bool {
            b < 64 ? (lo >> UInt64(b)) & 1 == 1 : (b < 128 ? (hi >> UInt64(b &- 64)) & 1 == 1 : false)
        }
    }

    // token: alphanum - . ! % * _ + ` ' ~          unreserved: alphanum - _ . ! ~ * ' ( )
    // userChar: unreserved % & = + $ , ; ? /       passwordChar: unreserved % & = + $ ,
    // paramChar: unreserved % [ ] / : & + $        headerChar: unreserved % [ ] / ? : + $
    // wordChar: token ( ) < > : \ " / [ ] ? { }    hostChar: alphanum - . _
    // hexChar: 0-9 a-f A-F                          uricChar: unreserved % ; / ? : @ & = + $ , [ ] #
    static let token = CharSet(lo: 0x03FF6CA200000000, hi: 0x47FFFFFF87FFFFFE)
    static let unreserved = CharSet(lo: 0x03FF678200000000, hi: 0x47FFFFFE87FFFFFE)
    static let userChar = CharSet(lo: 0xABFFFFF200000000, hi: 0x47FFFFFE87FFFFFE)
    static let passwordChar = CharSet(lo: 0x23FF7FF200000000, hi: 0x47FFFFFE87FFFFFE)
    static let paramChar = CharSet(lo: 0x07FFEFF200000000, hi: 0x47FFFFFEAFFFFFFE)
    static let headerChar = CharSet(lo: 0x87FFEFB200000000, hi: 0x47FFFFFEAFFFFFFE)
    static let wordChar = CharSet(lo: 0xD7FFEFA600000000, hi: 0x6FFFFFFFBFFFFFFE)
    static let hostChar = CharSet(lo: 0x03FF600000000000, hi: 0x07FFFFFE87FFFFFE)
    static let hexChar = CharSet(lo: 0x03FF000000000000, hi: 0x0000007E0000007E)
    static let uricChar = CharSet(lo: 0xAFFFFFFA00000000, hi: 0x47FFFFFEAFFFFFFF)

    @inline(__always) static func has(_ b: UInt8, _ set: CharSet) -> Bool { set.contains(b) }

    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isAlphaNum(_ b: UInt8) -> Bool { isAlpha(b) || isDigit(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { has(b, hexChar) }
    @inline(__always) static func isWSP(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    @inline(__always) static func isToken(_ b: UInt8) -> Bool { has(b, token) }

    /// unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
    @inline(__always) static func isUnreserved(_ b: UInt8) -> Bool { has(b, unreserved) }

    /// word = 1*(token chars / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}")
    @inline(__always) static func isWordChar(_ b: UInt8) -> Bool { has(b, wordChar) }

    /// ASCII case-insensitive comparison without allocating lower-cased copies.
    static func equalsIgnoringCase<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        var i = a.utf8.makeIterator(), j = b.utf8.makeIterator()
        while true {
            let x = i.next(), y = j.next()
            guard let x, let y else { return x == nil && y == nil }
            if x != y, x | 0x20 != y | 0x20 || !isAlpha(x) { return false }
        }
    }

    /// True when every byte is a token character and there is at least one.
    static func isToken<S: StringProtocol>(_ s: S) -> Bool {
        var any = false
        for b in s.utf8 {
            guard isToken(b) else { return false }
            any = true
        }
        return any
    }

    static func trimmedWS(_ s: Substring) -> Substring {
        var start = s.startIndex
        var end = s.endIndex
        let u = s.utf8
        while start < end, isWSP(u[start]) { start = u.index(after: start) }
        while end > start {
            let before = u.index(before: end)
            guard isWSP(u[before]) else { break }
            end = before
        }
        return s[start..<end]
    }

    /// Splits a header value at top-level commas: commas inside quoted strings or
    /// inside <...> do not split (RFC 3261 §7.3.1). Each part is trimmed.
    static func splitList(_ s: Substring) -> [Substring] {
        var parts: [Substring] = []
        var inQuotes = false
        var inAngle = false
        var escaped = false
        var start = s.startIndex
        let u = s.utf8
        var i = u.startIndex
        while i < u.endIndex {
            let b = u[i]
            if inQuotes {
                if escaped { escaped = false }
                else if b == UInt8(ascii: "\\") { escaped = true }
                else if b == UInt8(ascii: "\"") { inQuotes = false }
            } else if b == UInt8(ascii: "\"") {
                inQuotes = true
            } else if b == UInt8(ascii: "<") {
                inAngle = true
            } else if b == UInt8(ascii: ">") {
                inAngle = false
            } else if b == UInt8(ascii: ","), !inAngle {
                parts.append(trimmedWS(s[start..<i]))
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        parts.append(trimmedWS(s[start..<s.endIndex]))
        return parts
    }

    /// Percent-decodes `%HH` (the `escaped` rule). Invalid escapes are kept as is.
    static func percentDecoded<S: StringProtocol>(_ s: S) -> String {
        let u = Array(s.utf8)
        guard u.contains(UInt8(ascii: "%")) else { return String(s) }
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "%"), i + 2 < u.count, isHex(u[i + 1]), isHex(u[i + 2]) {
                out.append(hexValue(u[i + 1]) << 4 | hexValue(u[i + 2]))
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always) static func hexValue(_ b: UInt8) -> UInt8 {
        if isDigit(b) { return b - 0x30 }
        if b >= 0x61 { return b - 0x61 + 10 }
        return b - 0x41 + 10
    }

    /// Quotes a string for use as a quoted-string (escaping `"` and `\`).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            if ch == "\"" || ch == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(ch)
        }
        out += "\""
        return out
    }
}

/// A cursor over the UTF-8 bytes of a Substring, for the header-value grammars.
struct SIPCursor {
    let text: Substring
    var index: Substring.Index

    init(_ text: Substring) {
        self.text = text
        self.index = text.startIndex
    }

    var isAtEnd: Bool { index >= text.endIndex }
    var peek: UInt8? { isAtEnd ? nil : text.utf8[index] }
    var rest: Substring { text[index...] }

    mutating func advance() { index = text.utf8.index(after: index) }

    mutating func skipWS() {
        while let b = peek, SIPGrammar.isWSP(b) { advance() }
    }

    @discardableResult
    mutating func consume(_ b: UInt8) -> Bool {
        if peek == b { advance(); return true }
        return false
    }

    mutating func take(while predicate: (UInt8) -> Bool) -> Substring {
        let start = index
        while let b = peek, predicate(b) { advance() }
        return text[start..<index]
    }

    /// Reads a quoted-string (cursor on the opening DQUOTE) and returns its unescaped
    /// content. quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F).
    mutating func quotedString() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var bytes: [UInt8] = []
        while let b = peek {
            advance()
            if b == UInt8(ascii: "\"") { return String(decoding: bytes, as: UTF8.self) }
            if b == UInt8(ascii: "\\") {
                guard let next = peek, next <= 0x7F, next != 0x0A, next != 0x0D else { return nil }
                bytes.append(next)
                advance()
            } else {
                if b == 0x0A || b == 0x0D { return nil }
                bytes.append(b)
            }
        }
        return nil  // unterminated
    }
}
