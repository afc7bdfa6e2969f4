// Via (RFC 3261 §20.42, §18.2.1): sent-protocol, sent-by, and the parameters that the
// transaction layer (branch) and response routing (received, rport, maddr) use.

public struct Via: Sendable, Equatable, CustomStringConvertible {
    /// The magic cookie that marks an RFC 3261 branch (§8.1.1.7).
    public static let magicCookie = "z9hG4bK"

    public var protocolName: String
    public var protocolVersion: String
    /// Transport token, upper-cased (UDP, TCP, TLS, SCTP, WS, or any extension).
    public var transport: String
    public var host: String
    public var isIPv6Reference: Bool
    public var port: UInt16?
    public var parameters: [SIPParameter]

    public init(transport: String, host: String, port: UInt16? = nil, branch: String? = nil, parameters: [SIPParameter] = []) {
        self.protocolName = "SIP"
        self.protocolVersion = "2.0"
        self.transport = transport.uppercased()
        self.host = host
        self.isIPv6Reference = host.contains(":")
        self.port = port
        self.parameters = parameters
        if let branch { self.parameters.set("branch", branch) }
    }

    public var branch: String? { parameters.parameter("branch").flatMap { $0 } }
    public var received: String? { parameters.parameter("received").flatMap { $0 } }
    /// rport (RFC 3581): `.some(nil)` when present without a value (request side).
    public var rport: String?? { parameters.parameter("rport") }
    public var maddr: String? { parameters.parameter("maddr").flatMap { $0 } }

    /// True when the branch carries the RFC 3261 magic cookie and something after it
    /// (RFC 4475 §3.2.1 badbranch has the cookie alone: we fall back to RFC 2543 matching).
    public var hasRFC3261Branch: Bool {
        guard let b = branch else { return false }
        return b.hasPrefix(Via.magicCookie) && b.utf8.count > Via.magicCookie.utf8.count
    }

    /// sent-by as "host:port" with the default port made explicit, for transaction
    /// matching (§17.2.3 compares sent-by; an absent port means the transport default).
    public var sentBy: String {
        let h = isIPv6Reference ? "[\(host.lowercased())]" : host.lowercased()
        let defaultPort: UInt16 = transport == "TLS" ? 5061 : 5060
        return "\(h):\(port ?? defaultPort)"
    }

    public var description: String {
        let h = isIPv6Reference ? "[\(host)]" : host
        var s = "\(protocolName)/\(protocolVersion)/\(transport) \(h)"
        if let port { s += ":\(port)" }
        s += parameters.serialized
        return s
    }

    /// Parses one via-parm (a Via header may hold several, comma-separated).
    public static func parse(_ text: Substring) throws(SIPParseError) -> Via {
        var c = SIPCursor(SIPGrammar.trimmedWS(text))
        func fail(_ r: String) -> SIPParseError { .malformedHeader(name: "Via", reason: r) }
        let name = c.take(while: SIPGrammar.isToken)
        c.skipWS()
        guard !name.isEmpty, c.consume(UInt8(ascii: "/")) else { throw fail("malformed sent-protocol") }
        c.skipWS()
        let version = c.take(while: SIPGrammar.isToken)
        c.skipWS()
        guard !version.isEmpty, c.consume(UInt8(ascii: "/")) else { throw fail("malformed sent-protocol") }
        c.skipWS()
        let transport = c.take(while: SIPGrammar.isToken)
        guard !transport.isEmpty else { throw fail("missing transport") }
        let wsBefore = c.index
        c.skipWS()
        guard c.index > wsBefore else { throw fail("missing sent-by") }
        var host: Substring
        var ipv6 = false
        if c.consume(UInt8(ascii: "[")) {
            host = c.take(while: { SIPGrammar.isHex($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            guard c.consume(UInt8(ascii: "]")) else { throw fail("malformed IPv6 reference") }
            ipv6 = true
        } else {
            host = c.take(while: { SIPGrammar.isAlphaNum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") })
        }
        guard !host.isEmpty else { throw fail("missing sent-by host") }
        c.skipWS()
        var port: UInt16?
        if c.consume(UInt8(ascii: ":")) {
            c.skipWS()
            let d = c.take(while: SIPGrammar.isDigit)
            guard !d.isEmpty, d.utf8.count <= 5, let p = Int(d), p <= 65535 else { throw fail("invalid port") }
            port = UInt16(p)
        }
        let params = try SIPParameterParser.parse(&c, header: "Via")
        var via = Via(transport: String(transport), host: String(host), port: port, parameters: params)
        via.protocolName = String(name)
        via.protocolVersion = String(version)
        via.isIPv6Reference = ipv6
        if let ttl = params.parameter("ttl") {
            guard let t = ttl, let v = Int(t), (0...255).contains(v) else { throw fail("invalid ttl") }
        }
        if let rp = params.parameter("rport"), let v = rp {
            guard let p = Int(v), (1...65535).contains(p) else { throw fail("invalid rport") }
        }
        return via
    }
}
