// URIs as SIP carries them (RFC 3261 §19.1, RFC 3966 for tel, RFC 3986 for the rest).
// Escaped parts (user, password, parameters) are kept as received so the message
// re-serialises byte-for-byte; `decodedUser` gives the unescaped form for comparisons.

/// A URI found in a Request-URI, a name-addr or an addr-spec.
public enum URI: Sendable, Equatable, Hashable, CustomStringConvertible {
    case sip(SIPURI)
    case tel(TelURI)
    /// Any other absoluteURI (RFC 4475 unkscm, novelsc): kept opaque; a UAS answers 416.
    case other(scheme: String, rest: String)

    public var description: String {
        switch self {
        case let .sip(u): u.description
        case let .tel(t): t.description
        case let .other(scheme, rest): "\(scheme):\(rest)"
        }
    }

    public var scheme: String {
        switch self {
        case let .sip(u): u.isSecure ? "sips" : "sip"
        case .tel: "tel"
        case let .other(scheme, _): scheme.lowercased()
        }
    }

    public var sipURI: SIPURI? {
        if case let .sip(u) = self { return u }
        return nil
    }

    /// Parses a URI. `context` names the header (or "Request-URI") for error messages.
    public static func parse(_ text: Substring, context: String = "URI", limits: SIPLimits = .default) throws(SIPParseError) -> URI {
        let utf8 = text.utf8
        guard utf8.count <= limits.maxURILength else {
            if context == "Request-URI" { throw SIPParseError.uriTooLong(length: utf8.count, limit: limits.maxURILength) }
            throw SIPParseError.malformedHeader(name: context, reason: "URI of \(utf8.count) bytes exceeds the \(limits.maxURILength)-byte limit")
        }
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")) else {
            throw URI.error(context, "no scheme")
        }
        let scheme = text[text.startIndex..<colon]
        guard let first = scheme.utf8.first, SIPGrammar.isAlpha(first),
              scheme.utf8.allSatisfy({ SIPGrammar.isAlphaNum($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { throw URI.error(context, "invalid scheme") }
        let rest = text[utf8.index(after: colon)...]
        if SIPGrammar.equalsIgnoringCase(scheme, "sip") {
            return .sip(try SIPURI.parseAfterScheme(rest, secure: false, context: context))
        } else if SIPGrammar.equalsIgnoringCase(scheme, "sips") {
            return .sip(try SIPURI.parseAfterScheme(rest, secure: true, context: context))
        } else if SIPGrammar.equalsIgnoringCase(scheme, "tel") {
            return .tel(try TelURI.parseAfterScheme(rest, context: context))
        } else {
            // absoluteURI = scheme ":" ( hier-part / opaque-part ): uric characters only.
            guard !rest.isEmpty, rest.utf8.allSatisfy({ SIPGrammar.has($0, SIPGrammar.uricChar) }) else { throw URI.error(context, "invalid characters in \(scheme) URI") }
            return .other(scheme: String(scheme), rest: String(rest))
        }
    }

    static func error(_ context: String, _ reason: String) -> SIPParseError {
        context == "Request-URI" ? .malformedRequestURI(reason: reason) : .malformedHeader(name: context, reason: reason)
    }
}

/// A sip: or sips: URI.
public struct SIPURI: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var isSecure: Bool
    /// The user part as received (still %-escaped), nil when the URI has no userinfo.
    public var user: String?
    public var password: String?
    /// Host without brackets for IPv6 references (see `isIPv6Reference`).
    public var host: String
    public var isIPv6Reference: Bool
    public var port: UInt16?
    public var parameters: [SIPParameter]
    /// URI headers (`?name=value&...`), escaped as received.
    public var headers: [(name: String, value: String)]

    public init(secure: Bool = false, user: String? = nil, password: String? = nil, host: String, port: UInt16? = nil,
                parameters: [SIPParameter] = [], headers: [(name: String, value: String)] = []) {
        self.isSecure = secure
        self.user = user
        self.password = password
        self.isIPv6Reference = host.utf8.contains(UInt8(ascii: ":"))
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
    }

    /// The user part with %HH escapes decoded (RFC 3261 §19.1.4 compares unescaped).
    public var decodedUser: String? { user.map { SIPGrammar.percentDecoded($0) } }

    public var transportParameter: String? { parameters.parameter("transport").flatMap { $0 }?.lowercased() }
    public var isLooseRouter: Bool { parameters.has("lr") }

    /// host[:port] as written in a URI (brackets around IPv6).
    public var hostPort: String {
        let h = isIPv6Reference ? "[\(host)]" : host
        return port.map { "\(h):\($0)" } ?? h
    }

    public var description: String {
        var s = isSecure ? "sips:" : "sip:"
        if let user {
            s += user
            if let password { s += ":" + password }
            s += "@"
        }
        s += hostPort
        s += parameters.serialized
        if !headers.isEmpty {
            s += "?" + headers.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        }
        return s
    }

    /// Equality as §19.1.4 has it for the parts that matter here: user and password
    /// compared unescaped ("sip:%75ser@h" equals "sip:user@h"), host case-insensitively;
    /// parameters and headers compared as written (stricter than §19.1.4, never looser).
    public static func == (a: SIPURI, b: SIPURI) -> Bool {
        a.isSecure == b.isSecure && a.decodedUser == b.decodedUser && a.password.map(SIPGrammar.percentDecoded) == b.password.map(SIPGrammar.percentDecoded)
            && SIPGrammar.equalsIgnoringCase(a.host, b.host)
            && a.port == b.port && a.parameters == b.parameters
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    public func hash(into h: inout Hasher) {
        h.combine(isSecure); h.combine(decodedUser); h.combine(host.lowercased()); h.combine(port)
    }

    public static func parse(_ text: String) throws(SIPParseError) -> SIPURI {
        guard case let .sip(u) = try URI.parse(Substring(text)) else {
            throw SIPParseError.malformedHeader(name: "URI", reason: "not a sip/sips URI")
        }
        return u
    }

    // user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
    @inline(__always) static func isUserChar(_ b: UInt8) -> Bool { SIPGrammar.has(b, SIPGrammar.userChar) }
    @inline(__always) static func isPasswordChar(_ b: UInt8) -> Bool { SIPGrammar.has(b, SIPGrammar.passwordChar) }
    // paramchar = param-unreserved / unreserved / escaped; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
    @inline(__always) static func isParamChar(_ b: UInt8) -> Bool { SIPGrammar.has(b, SIPGrammar.paramChar) }
    // hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
    @inline(__always) static func isHeaderChar(_ b: UInt8) -> Bool { SIPGrammar.has(b, SIPGrammar.headerChar) }

    static func parseAfterScheme(_ text: Substring, secure: Bool, context: String) throws(SIPParseError) -> SIPURI {
        let utf8 = text.utf8
        var hostPart = text
        var user: String?
        var password: String?
        // userinfo ends at the first "@": "@" is legal in no later component (params and
        // headers escape it), while the user part may contain ";" and "?" (RFC 4475 intmeth).
        if let at = utf8.firstIndex(of: UInt8(ascii: "@")) {
            let userinfo = text[text.startIndex..<at]
            hostPart = text[utf8.index(after: at)...]
            var userText = userinfo
            if let c = userinfo.utf8.firstIndex(of: UInt8(ascii: ":")) {
                userText = userinfo[userinfo.startIndex..<c]
                let pw = userinfo[userinfo.utf8.index(after: c)...]
                guard pw.utf8.allSatisfy(isPasswordChar) else { throw URI.error(context, "invalid character in password") }
                password = String(pw)
            }
            guard !userText.isEmpty else { throw URI.error(context, "empty user part before '@'") }
            guard userText.utf8.allSatisfy(isUserChar) else { throw URI.error(context, "invalid character in user part") }
            try checkEscapes(userText, context)
            user = String(userText)
        }
        var cursor = SIPCursor(hostPart)
        var host: Substring
        var ipv6 = false
        if cursor.peek == UInt8(ascii: "[") {
            cursor.advance()
            host = cursor.take(while: { SIPGrammar.isHex($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            guard cursor.consume(UInt8(ascii: "]")), host.contains(":") else { throw URI.error(context, "malformed IPv6 reference") }
            ipv6 = true
        } else {
            host = cursor.take(while: { SIPGrammar.has($0, SIPGrammar.hostChar) })
            guard !host.isEmpty else { throw URI.error(context, "missing host") }
        }
        var port: UInt16?
        if cursor.consume(UInt8(ascii: ":")) {
            let digits = cursor.take(while: SIPGrammar.isDigit)
            guard !digits.isEmpty, digits.utf8.count <= 5, let p = Int(digits), p <= 65535 else {
                throw URI.error(context, "invalid port")
            }
            port = UInt16(p)
        }
        var params: [SIPParameter] = []
        while cursor.consume(UInt8(ascii: ";")) {
            let name = cursor.take(while: isParamChar)
            guard !name.isEmpty else { throw URI.error(context, "empty URI parameter") }
            var value: String?
            if cursor.consume(UInt8(ascii: "=")) {
                let v = cursor.take(while: isParamChar)
                guard !v.isEmpty else { throw URI.error(context, "URI parameter \(name) has '=' but no value") }
                value = String(v)
            }
            params.append(SIPParameter(String(name), value))
        }
        var headers: [(name: String, value: String)] = []
        if cursor.consume(UInt8(ascii: "?")) {
            repeat {
                let name = cursor.take(while: isHeaderChar)
                guard !name.isEmpty, cursor.consume(UInt8(ascii: "=")) else { throw URI.error(context, "malformed URI header") }
                let value = cursor.take(while: isHeaderChar)
                headers.append((String(name), String(value)))
            } while cursor.consume(UInt8(ascii: "&"))
        }
        guard cursor.isAtEnd else {
            throw URI.error(context, "unexpected character '\(String(cursor.rest.prefix(1)))' in URI")
        }
        return SIPURI(secure: secure, user: user, password: password, host: String(host), port: port,
                      parameters: params, headers: headers).with(ipv6: ipv6)
    }

    private func with(ipv6: Bool) -> SIPURI {
        var c = self
        c.isIPv6Reference = ipv6
        return c
    }

    static func checkEscapes(_ s: Substring, _ context: String) throws(SIPParseError) {
        var pending = 0  // hex digits still owed by the last "%"
        for b in s.utf8 {
            if pending > 0 {
                guard SIPGrammar.isHex(b) else { throw URI.error(context, "'%' not followed by two hex digits") }
                pending -= 1
            } else if b == UInt8(ascii: "%") {
                pending = 2
            }
        }
        if pending > 0 { throw URI.error(context, "'%' not followed by two hex digits") }
    }
}

/// A tel: URI (RFC 3966): the number as written plus parameters.
public struct TelURI: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var number: String
    public var parameters: [SIPParameter]

    public init(number: String, parameters: [SIPParameter] = []) {
        self.number = number
        self.parameters = parameters
    }

    public var isGlobal: Bool { number.hasPrefix("+") }
    /// The digits only (visual separators "-", ".", "(", ")" removed), for routing.
    public var digits: String { String(number.filter { !"-.()".contains($0) }) }
    public var description: String { "tel:" + number + parameters.serialized }

    static func parseAfterScheme(_ text: Substring, context: String) throws(SIPParseError) -> TelURI {
        var cursor = SIPCursor(text)
        let number = cursor.take(while: { SIPGrammar.isHex($0) || "+*#-.()".utf8.contains($0) })
        guard !number.isEmpty else { throw URI.error(context, "empty tel number") }
        var params: [SIPParameter] = []
        while cursor.consume(UInt8(ascii: ";")) {
            let name = cursor.take(while: { SIPGrammar.isAlphaNum($0) || $0 == UInt8(ascii: "-") })
            guard !name.isEmpty else { throw URI.error(context, "empty tel parameter") }
            var value: String?
            if cursor.consume(UInt8(ascii: "=")) {
                value = String(cursor.take(while: { SIPURI.isParamChar($0) || $0 == UInt8(ascii: "+") }))
            }
            params.append(SIPParameter(String(name), value))
        }
        guard cursor.isAtEnd else { throw URI.error(context, "unexpected character in tel URI") }
        return TelURI(number: String(number), parameters: params)
    }
}
