// generic-param = token [ EQUAL gen-value ]; gen-value = token / host / quoted-string
// (RFC 3261 §25.1). Used by Via, name-addr header parameters, Content-Type and URIs.

public struct SIPParameter: Sendable, Equatable, Hashable {
    public var name: String
    /// The value with quotes removed and quoted-pairs expanded; nil for a flag parameter.
    public var value: String?
    /// Whether the value was (and will be re-serialised as) a quoted-string.
    public var isQuoted: Bool

    public init(_ name: String, _ value: String? = nil, quoted: Bool = false) {
        self.name = name
        self.value = value
        self.isQuoted = quoted
    }

    var serialized: String {
        guard let value else { return name }
        return isQuoted ? "\(name)=\(SIPGrammar.quoted(value))" : "\(name)=\(value)"
    }
}

extension Array where Element == SIPParameter {
    /// Case-insensitive lookup (parameter names are case-insensitive, RFC 3261 §7.3.1).
    /// Returns `.some(nil)` for a flag parameter present without a value.
    public func parameter(_ name: String) -> String?? {
        for p in self where SIPGrammar.equalsIgnoringCase(p.name, name) { return .some(p.value) }
        return nil
    }

    public func has(_ name: String) -> Bool { parameter(name) != nil }

    public mutating func set(_ name: String, _ value: String?) {
        if let i = firstIndex(where: { SIPGrammar.equalsIgnoringCase($0.name, name) }) {
            self[i].value = value
        } else {
            append(SIPParameter(name, value))
        }
    }

    var serialized: String {
        var s = ""
        for p in self { s += ";"; s += p.serialized }
        return s
    }
}

enum SIPParameterParser {
    /// Parses `*( SEMI generic-param )` from the cursor; stops at the end of the text.
    /// `header` names the header for error messages.
    static func parse(_ cursor: inout SIPCursor, header: String) throws(SIPParseError) -> [SIPParameter] {
        var params: [SIPParameter] = []
        while true {
            cursor.skipWS()
            guard let b = cursor.peek else { return params }
            guard b == UInt8(ascii: ";") else {
                throw .malformedHeader(name: header, reason: "unexpected '\(Character(Unicode.Scalar(b)))' before parameters")
            }
            cursor.advance()
            cursor.skipWS()
            let name = cursor.take(while: SIPGrammar.isToken)
            guard !name.isEmpty else { throw .malformedHeader(name: header, reason: "empty parameter name") }
            cursor.skipWS()
            if cursor.consume(UInt8(ascii: "=")) {
                cursor.skipWS()
                if cursor.peek == UInt8(ascii: "\"") {
                    guard let v = cursor.quotedString() else {
                        throw .malformedHeader(name: header, reason: "unterminated quoted value of parameter \(name)")
                    }
                    params.append(SIPParameter(String(name), v, quoted: true))
                } else {
                    // token / host (host adds "[", "]" and ":" for IPv6 references)
                    let v = cursor.take(while: { SIPGrammar.isToken($0) || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: ":") })
                    guard !v.isEmpty else { throw .malformedHeader(name: header, reason: "parameter \(name) has '=' but no value") }
                    params.append(SIPParameter(String(name), String(v)))
                }
            } else {
                params.append(SIPParameter(String(name), nil))
            }
        }
    }
}
