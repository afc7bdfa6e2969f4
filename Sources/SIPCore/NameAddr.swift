// name-addr / addr-spec with header parameters: the value of To, From, Contact, Route,
// Record-Route, Reply-To (RFC 3261 §20.10, §20.20, §20.39, §25.1).

public struct NameAddr: Sendable, Equatable, CustomStringConvertible {
    /// Display name, unquoted and with quoted-pairs expanded; nil when absent.
    public var displayName: String?
    public var uri: URI
    /// Header parameters (after the URI, outside the angle brackets): tag, expires, q...
    public var parameters: [SIPParameter]

    public init(displayName: String? = nil, uri: URI, parameters: [SIPParameter] = []) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    public init(displayName: String? = nil, uri: SIPURI, parameters: [SIPParameter] = []) {
        self.init(displayName: displayName, uri: .sip(uri), parameters: parameters)
    }

    /// The tag parameter (RFC 3261 §19.3) of To/From.
    public var tag: String? {
        get { parameters.parameter("tag").flatMap { $0 } }
        set {
            if let newValue { parameters.set("tag", newValue) } else { parameters.removeAll { $0.name.lowercased() == "tag" } }
        }
    }

    /// Always serialises the name-addr form: <...> is required whenever the URI has
    /// parameters or headers, and is always legal.
    public var description: String {
        var s = ""
        if let displayName, !displayName.isEmpty { s += SIPGrammar.quoted(displayName) + " " }
        s += "<\(uri)>"
        s += parameters.serialized
        return s
    }

    /// Parses one name-addr or addr-spec with its header parameters.
    public static func parse(_ text: Substring, header: String = "name-addr", limits: SIPLimits = .default) throws(SIPParseError) -> NameAddr {
        var cursor = SIPCursor(SIPGrammar.trimmedWS(text))
        var display: String?
        let uriText: Substring
        if cursor.peek == UInt8(ascii: "\"") {
            guard let d = cursor.quotedString() else {
                throw SIPParseError.malformedHeader(name: header, reason: "unterminated quoted display name")
            }
            display = d
            cursor.skipWS()
            guard cursor.peek == UInt8(ascii: "<") else {
                throw SIPParseError.malformedHeader(name: header, reason: "display name not followed by <URI>")
            }
            uriText = try angleURI(&cursor, header)
        } else if cursor.peek == UInt8(ascii: "<") {
            uriText = try angleURI(&cursor, header)
        } else if let lt = cursor.rest.utf8.firstIndex(of: UInt8(ascii: "<")) {
            // display-name = *(token LWS): tokens only. RFC 4475 lwsdisp accepts a token
            // directly followed by "<"; baddn ("Bell, Alexander") is refused here.
            let name = cursor.text[cursor.index..<lt]
            var words: [Substring] = []
            for w in name.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                guard SIPGrammar.isToken(w) else {
                    throw SIPParseError.malformedHeader(name: header, reason: "display name has non-token characters; it must be quoted")
                }
                words.append(w)
            }
            display = words.joined(separator: " ")
            cursor.index = lt
            uriText = try angleURI(&cursor, header)
        } else {
            // addr-spec: the URI ends at the first ";" (what follows are header
            // parameters), and must not contain ",", ";" or "?" (RFC 3261 §20: then
            // <> are required; RFC 4475 regbadct).
            let spec = cursor.take(while: { $0 != UInt8(ascii: ";") && !SIPGrammar.isWSP($0) })
            if spec.utf8.contains(UInt8(ascii: "?")) || spec.utf8.contains(UInt8(ascii: ",")) {
                throw SIPParseError.malformedHeader(name: header, reason: "URI with '?' or ',' must be enclosed in <>")
            }
            uriText = spec
        }
        let uri = try URI.parse(uriText, context: header, limits: limits)
        let params = try SIPParameterParser.parse(&cursor, header: header)
        return NameAddr(displayName: display, uri: uri, parameters: params)
    }

    /// Reads "<" addr-spec ">": no whitespace is allowed inside the brackets (RFC 4475 badaspec).
    private static func angleURI(_ cursor: inout SIPCursor, _ header: String) throws(SIPParseError) -> Substring {
        cursor.advance()  // "<"
        let inner = cursor.take(while: { $0 != UInt8(ascii: ">") })
        guard cursor.consume(UInt8(ascii: ">")) else {
            throw SIPParseError.malformedHeader(name: header, reason: "missing '>'")
        }
        if inner.utf8.contains(where: SIPGrammar.isWSP) {
            throw SIPParseError.malformedHeader(name: header, reason: "whitespace inside <URI>")
        }
        return inner
    }
}
