// [sip]: where the SIP stack listens, its realm, the test extension, and the limits that
// keep floods, scanners and half-open connections from growing memory without bound.

public struct SIPConfig: Sendable, Equatable {
    /// One listening socket: `udp:127.0.0.1:5060`, `tcp:[::1]:5060`. Port 0 picks a free
    /// port (tests); `simgate sip status` shows the bound one.
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        public enum Transport: String, Sendable, CaseIterable { case udp, tcp }
        public var transport: Transport
        public var host: String
        public var port: Int

        public init(transport: Transport, host: String, port: Int) {
            self.transport = transport
            self.host = host
            self.port = port
        }

        public var description: String {
            "\(transport.rawValue):" + (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        }

        public static func parse(_ text: String) -> ListenAddress? {
            guard let colon = text.firstIndex(of: ":"),
                  let transport = Transport(rawValue: text[..<colon].lowercased()) else { return nil }
            let rest = String(text[text.index(after: colon)...])
            // Port 0 is allowed here (unlike [control]) so tests can ask for a free port.
            if rest.hasSuffix(":0"), let hp = ControlConfig.TCPAddress.parse(String(rest.dropLast(2)) + ":1") {
                return ListenAddress(transport: transport, host: hp.host, port: 0)
            }
            guard let hp = ControlConfig.TCPAddress.parse(rest) else { return nil }
            return ListenAddress(transport: transport, host: hp.host, port: hp.port)
        }
    }

    public var listen: [ListenAddress]
    /// Digest realm for users' REGISTER and INVITE challenges. HA1s in [[user]] are
    /// computed with this realm, so changing it invalidates configured `ha1` values.
    public var realm: String
    /// The number an authenticated user dials to reach the echo test (an admin's line test).
    public var testExtension: String
    /// RTP ports for media, inclusive; a call leg takes an even port for RTP and the next
    /// odd one for RTCP (RFC 3550 §11).
    public var rtpPortMin: Int
    public var rtpPortMax: Int
    /// Delay between 180 Ringing and 200 OK on the test extension: gives a caller's
    /// CANCEL a window, as a real phone would.
    public var answerDelaySeconds: Double
    /// Concurrent TCP connections. Each holds a framer buffer of up to 64 KiB
    /// (SIPLimits.maxMessageSize): 1 024 connections bound that memory to 64 MiB, far
    /// above a gateway's few dozen phones and trunks.
    public var maxTCPConnections: Int
    /// Seconds a TCP connection may stay silent before we close it. Phones keep their
    /// connection alive with CRLF pings (RFC 5626) or re-REGISTER well within 120 s;
    /// a half-open connection (peer vanished, SYN flood that completed) is freed then.
    public var tcpIdleTimeoutSeconds: Double
    /// Requests per second accepted from one source address (token bucket refill), and the
    /// burst allowed above it. A phone sends a few requests per call; a scanner sends
    /// thousands. Excess datagrams are dropped unanswered: answering would amplify a flood.
    public var rateLimitPerSource: Double
    public var rateLimitBurst: Double
    /// Live SIP transactions (TransactionLayer bound). Past it new requests get 503.
    public var maxTransactions: Int
    /// The `[[user]]` an inbound call rings when its modem names no `inbound_user`; nil:
    /// such calls are not offered to SIP (they end as missed calls on the modem).
    public var defaultInboundUser: String?
    /// Outbound bridged calls: once the network alerts, answer 183 Session Progress with SDP
    /// and forward the modem's audio (the network's in-band ringback or announcements) as
    /// RTP before the 200. Off: a plain 180 and the caller's phone makes its own ringback.
    public var earlyMedia = true
    /// Digest algorithms our 401 challenges offer, most preferred first; one
    /// WWW-Authenticate per algorithm (RFC 8760 §2.4). Answers in either algorithm are
    /// verified whatever this says.
    public var digestAlgorithms: [DigestChallengeAlgorithm]
    /// Peers that skip the per-source rate limit and are never banned: a Kamailio front, a
    /// PBX trunk, a monitoring box, whose load all comes from one address. Addresses or
    /// CIDR blocks, IPv4 or IPv6 ("127.0.0.1", "10.0.0.0/8", "::1"). Everyone else keeps
    /// the limit. Over UDP a source address can be forged: list only networks whose
    /// addresses cannot arrive from outside (the firewall's anti-spoofing rules).
    public var trusted: [IPNetwork] = []
    /// Bans (`simgate sip bans`): a source whose digest answers fail `banAfterFailures` times
    /// within `banWindowSeconds` (a wrong password, an unknown user: the 403s), or whose
    /// messages the rate limit drops `banAfterRateLimited` times within the window, has all
    /// its messages dropped unread for `banTimeSeconds`. 0
    /// turns either trigger off. The defaults are fail2ban's habits for Asterisk, tightened
    /// for a box on the internet: 5 failures in 10 minutes ban for an hour; a phone that
    /// mistypes once or twice is not caught, a brute-forcer is after its fifth guess.
    public var banAfterFailures = 5
    public var banAfterRateLimited = 1_000
    public var banWindowSeconds: Double = 600
    public var banTimeSeconds: Double = 3_600

    /// `digest_algorithms` values. MD5 alone is the default: a client that reads only the
    /// first challenge (sipp 3.6, PJSIP before 2.12) gives up when SHA-256 comes first.
    public enum DigestChallengeAlgorithm: String, Sendable, Equatable, CaseIterable {
        case md5, sha256
    }

    public static let defaultListen = [ListenAddress(transport: .udp, host: "0.0.0.0", port: 5060),
                                       ListenAddress(transport: .tcp, host: "0.0.0.0", port: 5060)]

    public init(listen: [ListenAddress] = SIPConfig.defaultListen, realm: String = "simgate", testExtension: String = "*43",
                rtpPortMin: Int = 20_000, rtpPortMax: Int = 20_999, answerDelaySeconds: Double = 0.2,
                maxTCPConnections: Int = 1_024, tcpIdleTimeoutSeconds: Double = 120,
                rateLimitPerSource: Double = 200, rateLimitBurst: Double = 400, maxTransactions: Int = 65_536,
                digestAlgorithms: [DigestChallengeAlgorithm] = [.md5]) {
        self.listen = listen
        self.realm = realm
        self.testExtension = testExtension
        self.rtpPortMin = rtpPortMin
        self.rtpPortMax = rtpPortMax
        self.answerDelaySeconds = answerDelaySeconds
        self.maxTCPConnections = maxTCPConnections
        self.tcpIdleTimeoutSeconds = tcpIdleTimeoutSeconds
        self.rateLimitPerSource = rateLimitPerSource
        self.rateLimitBurst = rateLimitBurst
        self.maxTransactions = maxTransactions
        self.digestAlgorithms = digestAlgorithms
    }

    init(reading r: TableReader) {
        self.init()
        if let v = r.stringArray("listen", validate: { s in
            ListenAddress.parse(s) == nil ? "expected udp:host:port or tcp:host:port (e.g. \"udp:0.0.0.0:5060\"), got \"\(s)\"" : nil
        }) { listen = v.compactMap(ListenAddress.parse) }
        if let v = r.string("realm", validate: { s in
            s.isEmpty || s.contains("\"") || s.contains("\\") ? "must be non-empty text without quotes or backslashes" : nil
        }) { realm = v }
        if let v = r.string("test_extension", validate: { s in
            (1...32).contains(s.count) && s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "*" || $0 == "#" || $0.isLetter) })
                ? nil : "expected 1 to 32 of digits, letters, '*' or '#', got \"\(s)\""
        }) { testExtension = v }
        if let v = r.integer("rtp_port_min", in: 1024...65534) { rtpPortMin = Int(v) }
        if let v = r.integer("rtp_port_max", in: 1025...65535) { rtpPortMax = Int(v) }
        if rtpPortMax < rtpPortMin { r.report("rtp_port_max", "must not be below rtp_port_min (\(rtpPortMin))") }
        if let v = r.number("answer_delay", in: 0...30) { answerDelaySeconds = v }
        if let v = r.integer("max_tcp_connections", in: 1...65_536) { maxTCPConnections = Int(v) }
        if let v = r.number("tcp_idle_timeout", in: 1...3600) { tcpIdleTimeoutSeconds = v }
        if let v = r.number("rate_limit", in: 1...1_000_000) { rateLimitPerSource = v }
        if let v = r.number("rate_burst", in: 1...1_000_000) { rateLimitBurst = v }
        if let v = r.integer("max_transactions", in: 16...1_048_576) { maxTransactions = Int(v) }
        defaultInboundUser = r.string("default_inbound_user", validate: SIPUserConfig.validateName)
        if let v = r.bool("early_media") { earlyMedia = v }
        if let v = r.stringArray("digest_algorithms", validate: { s in
            DigestChallengeAlgorithm(rawValue: s) == nil ? "expected \"md5\" or \"sha256\", got \"\(s)\"" : nil
        }) {
            let algorithms = v.compactMap(DigestChallengeAlgorithm.init(rawValue:))
            if algorithms.isEmpty {
                r.report("digest_algorithms", "must name at least one algorithm (\"md5\" or \"sha256\")")
            } else if Set(algorithms).count != algorithms.count {
                r.report("digest_algorithms", "names an algorithm twice")
            } else {
                digestAlgorithms = algorithms
            }
        }
        if let v = r.stringArray("trusted", validate: { s in
            if case let .failure(error) = IPNetwork.parse(s) { return error.description }
            return nil
        }) {
            trusted = v.compactMap { try? IPNetwork.parse($0).get() }
        }
        if let v = r.integer("ban_after_failures", in: 0...1_000_000) { banAfterFailures = Int(v) }
        if let v = r.integer("ban_after_rate_limited", in: 0...1_000_000_000) { banAfterRateLimited = Int(v) }
        if let v = r.number("ban_window", in: 1...86_400) { banWindowSeconds = v }
        if let v = r.number("ban_time", in: 1...31_536_000) { banTimeSeconds = v }
        r.finish()
    }
}

extension SIPConfig {
    func render(into w: inout TOMLWriter) {
        w.table("sip")
        w.strings("listen", listen.map(\.description))
        w.string("realm", realm)
        w.string("test_extension", testExtension)
        w.integer("rtp_port_min", rtpPortMin)
        w.integer("rtp_port_max", rtpPortMax)
        w.number("answer_delay", answerDelaySeconds)
        w.integer("max_tcp_connections", maxTCPConnections)
        w.number("tcp_idle_timeout", tcpIdleTimeoutSeconds)
        w.number("rate_limit", rateLimitPerSource)
        w.number("rate_burst", rateLimitBurst)
        w.integer("max_transactions", maxTransactions)
        w.string("default_inbound_user", defaultInboundUser)
        w.bool("early_media", earlyMedia)
        w.strings("digest_algorithms", digestAlgorithms.map(\.rawValue))
        w.strings("trusted", trusted.map(\.description))
        w.integer("ban_after_failures", banAfterFailures)
        w.integer("ban_after_rate_limited", banAfterRateLimited)
        w.number("ban_window", banWindowSeconds)
        w.number("ban_time", banTimeSeconds)
    }
}
