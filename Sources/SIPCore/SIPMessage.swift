// A SIP message (RFC 3261 §7): start line, header fields, body of any type.

/// A request method. Methods are case-sensitive tokens (§7.1): "RE%47IST%45R" is not REGISTER.
public struct SIPMethod: Sendable, Hashable, RawRepresentable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let invite: SIPMethod = "INVITE"
    public static let ack: SIPMethod = "ACK"
    public static let bye: SIPMethod = "BYE"
    public static let cancel: SIPMethod = "CANCEL"
    public static let options: SIPMethod = "OPTIONS"
    public static let register: SIPMethod = "REGISTER"
    public static let info: SIPMethod = "INFO"
    public static let update: SIPMethod = "UPDATE"
    public static let prack: SIPMethod = "PRACK"
    public static let subscribe: SIPMethod = "SUBSCRIBE"
    public static let notify: SIPMethod = "NOTIFY"
    public static let refer: SIPMethod = "REFER"
    public static let message: SIPMethod = "MESSAGE"
}

public enum SIPStartLine: Sendable, Equatable {
    case request(method: SIPMethod, uri: URI)
    case response(statusCode: Int, reasonPhrase: String)
}

public struct SIPMessage: Sendable, Equatable, CustomStringConvertible {
    public var startLine: SIPStartLine
    public var headers: SIPHeaders
    public var body: [UInt8]

    public init(startLine: SIPStartLine, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.startLine = startLine
        self.headers = headers
        self.body = body
    }

    public static func request(_ method: SIPMethod, _ uri: URI, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) -> SIPMessage {
        SIPMessage(startLine: .request(method: method, uri: uri), headers: headers, body: body)
    }

    public static func response(_ code: Int, _ reason: String? = nil, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) -> SIPMessage {
        SIPMessage(startLine: .response(statusCode: code, reasonPhrase: reason ?? SIPMessage.defaultReason(code)), headers: headers, body: body)
    }

    // MARK: Start line

    public var isRequest: Bool { if case .request = startLine { true } else { false } }
    public var method: SIPMethod? { if case let .request(m, _) = startLine { m } else { nil } }
    public var requestURI: URI? { if case let .request(_, u) = startLine { u } else { nil } }
    public var statusCode: Int? { if case let .response(c, _) = startLine { c } else { nil } }
    public var reasonPhrase: String? { if case let .response(_, r) = startLine { r } else { nil } }

    // MARK: Typed header access (parsed on demand; errors name the header)

    public var callID: String? { headers[.callID] }

    public func vias() throws(SIPParseError) -> [Via] {
        var out: [Via] = []
        for v in headers.values(.via) { out.append(try Via.parse(v)) }
        return out
    }

    public func topVia() throws(SIPParseError) -> Via {
        guard let first = headers.values(.via).first else { throw SIPParseError.missingHeader("Via") }
        return try Via.parse(first)
    }

    public func from() throws(SIPParseError) -> NameAddr {
        guard let v = headers[.from] else { throw SIPParseError.missingHeader("From") }
        return try NameAddr.parse(Substring(v), header: "From")
    }

    public func to() throws(SIPParseError) -> NameAddr {
        guard let v = headers[.to] else { throw SIPParseError.missingHeader("To") }
        return try NameAddr.parse(Substring(v), header: "To")
    }

    public func cseq() throws(SIPParseError) -> CSeq {
        guard let v = headers[.cseq] else { throw SIPParseError.missingHeader("CSeq") }
        return try CSeq.parse(Substring(v))
    }

    public func maxForwards() throws(SIPParseError) -> Int? {
        guard let v = headers[.maxForwards] else { return nil }
        let t = SIPGrammar.trimmedWS(Substring(v))
        // §20.22: an integer 0-255 (RFC 4475 scalar02 sends 300; leading zeros are fine).
        guard !t.isEmpty, t.utf8.allSatisfy(SIPGrammar.isDigit) else {
            throw SIPParseError.malformedHeader(name: "Max-Forwards", reason: "not a number")
        }
        let significant = t.drop(while: { $0 == "0" })
        guard significant.utf8.count <= 3, let n = Int(significant.isEmpty ? "0" : String(significant)), n <= 255 else {
            throw SIPParseError.malformedHeader(name: "Max-Forwards", reason: "value above 255")
        }
        return n
    }

    /// Contact values; `"*"` (REGISTER wildcard) is not a NameAddr and is reported by `isWildcardContact`.
    public func contacts() throws(SIPParseError) -> [NameAddr] {
        var out: [NameAddr] = []
        for v in headers.values(.contact) where v != "*" { out.append(try NameAddr.parse(v, header: "Contact")) }
        return out
    }

    public var isWildcardContact: Bool { headers.values(.contact) == ["*"] }

    public func routes(_ name: SIPHeaderName = .route) throws(SIPParseError) -> [NameAddr] {
        var out: [NameAddr] = []
        for v in headers.values(name) { out.append(try NameAddr.parse(v, header: name.name)) }
        return out
    }

    public var contentType: String? { headers[.contentType] }

    // MARK: Serialisation

    /// Serialises with canonical header names; Content-Length is always written last
    /// among the headers and always matches the body.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + body.count)
        switch startLine {
        case let .request(method, uri):
            out.append(contentsOf: method.rawValue.utf8)
            out.append(0x20)
            out.append(contentsOf: uri.description.utf8)
            out.append(contentsOf: " SIP/2.0\r\n".utf8)
        case let .response(code, reason):
            out.append(contentsOf: "SIP/2.0 \(code) ".utf8)
            SIPMessage.appendSingleLine(reason, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        for f in headers.fields where f.name != .contentLength {
            out.append(contentsOf: f.name.name.utf8)
            out.append(contentsOf: ": ".utf8)
            SIPMessage.appendSingleLine(f.value, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "Content-Length: \(body.count)\r\n\r\n".utf8)
        out.append(contentsOf: body)
        return out
    }

    /// Writes a value that must stay on one line: CR and LF (which could only come from
    /// values an application built, e.g. a caller name from the GSM side) become spaces,
    /// so no value can inject a header or end the header section.
    static func appendSingleLine(_ value: String, to out: inout [UInt8]) {
        for b in value.utf8 { out.append(b == 0x0D || b == 0x0A ? 0x20 : b) }
    }

    public var description: String {
        switch startLine {
        case let .request(m, u): "\(m) \(u) (Call-ID \(callID ?? "-"))"
        case let .response(c, r): "\(c) \(r) (Call-ID \(callID ?? "-"))"
        }
    }

    static func defaultReason(_ code: Int) -> String {
        switch code {
        case 100: "Trying"
        case 180: "Ringing"
        case 181: "Call Is Being Forwarded"
        case 182: "Queued"
        case 183: "Session Progress"
        case 200: "OK"
        case 202: "Accepted"
        case 301: "Moved Permanently"
        case 302: "Moved Temporarily"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 413: "Request Entity Too Large"
        case 414: "Request-URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Unsupported URI Scheme"
        case 420: "Bad Extension"
        case 480: "Temporarily Unavailable"
        case 481: "Call/Transaction Does Not Exist"
        case 482: "Loop Detected"
        case 483: "Too Many Hops"
        case 484: "Address Incomplete"
        case 486: "Busy Here"
        case 487: "Request Terminated"
        case 488: "Not Acceptable Here"
        case 491: "Request Pending"
        case 500: "Server Internal Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 504: "Server Time-out"
        case 505: "Version Not Supported"
        case 513: "Message Too Large"
        case 600: "Busy Everywhere"
        case 603: "Decline"
        case 604: "Does Not Exist Anywhere"
        case 606: "Not Acceptable"
        default: "Unknown"
        }
    }
}
