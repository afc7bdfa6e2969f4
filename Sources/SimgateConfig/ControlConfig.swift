// [control]: where the REST control API listens.

public struct ControlConfig: Sendable, Equatable {
    /// `host:port` for the optional TCP listener; IPv6 hosts in brackets: `[::1]:8088`.
    public struct TCPAddress: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// nil when `text` is not `host:port` with a port in 1...65535.
        public static func parse(_ text: String) -> TCPAddress? {
            let host: Substring
            let portText: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]") else { return nil }
                host = text[text.index(after: text.startIndex)..<close]
                let rest = text[text.index(after: close)...]
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            } else {
                guard let colon = text.lastIndex(of: ":") else { return nil }
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
                if host.contains(":") { return nil }  // a bare IPv6 address needs brackets
            }
            guard !host.isEmpty, !host.contains(where: \.isWhitespace),
                  portText.allSatisfy(\.isASCII), let port = Int(portText), (1...65535).contains(port) else { return nil }
            return TCPAddress(host: String(host), port: port)
        }
    }

    /// What a bearer token may do on the TCP listener. Each role includes the ones before it.
    public enum Role: String, Sendable, Comparable, CaseIterable {
        /// Reads only: every GET (status, modems, calls, missed, reports, /metrics).
        case monitor
        /// A dispatcher: also sends SMS, dials and hangs up, runs USSD, refreshes balances,
        /// works the missed-call list.
        case `operator`
        /// Everything, including modem resets, raw AT commands and taking SIMs out of routing.
        case admin

        public static func < (a: Role, b: Role) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }

    /// Unix socket of the REST API; the CLI talks to it by default. Whoever may open it (its
    /// mode is 0660: the daemon's user and group) is admin: file permissions are the check.
    public var socket: String
    public var tcpListen: TCPAddress?
    /// Bearer tokens accepted on TCP, one per role (`token` is the admin's, `operator_token`,
    /// `monitor_token`). Never logged, never shown by the API.
    public var tokens: [Role: SecretString]
    /// PEM certificate chain and private key: with both, the TCP listener speaks TLS only.
    public var tlsCertificate: String?
    public var tlsKey: String?

    /// The admin's token (`token` in the file).
    public var token: SecretString? {
        get { tokens[.admin] }
        set { tokens[.admin] = newValue }
    }

    public static let defaultSocket = "/run/simgate/simgated.sock"
    /// A unix socket path must fit `sockaddr_un.sun_path` (108 bytes on Linux, with the NUL).
    public static let maximumSocketPathBytes = 107
    /// Tokens shorter than this are guessable; `openssl rand -hex 16` gives 32 characters.
    public static let minimumTokenLength = 16
    /// The config key of each role's token.
    public static func tokenKey(_ role: Role) -> String { role == .admin ? "token" : "\(role.rawValue)_token" }

    public init(socket: String = ControlConfig.defaultSocket, tcpListen: TCPAddress? = nil, token: SecretString? = nil,
                tokens: [Role: SecretString] = [:], tlsCertificate: String? = nil, tlsKey: String? = nil) {
        self.socket = socket
        self.tcpListen = tcpListen
        self.tokens = tokens
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        if let token { self.tokens[.admin] = token }
    }

    /// The role a presented bearer token grants on TCP, nil for none. Every token is compared
    /// in full, so the time taken does not tell which prefix matched.
    public func role(forToken presented: String) -> Role? {
        var granted: Role?
        for (role, secret) in tokens where Self.constantTimeEqual(secret.exposedValue, presented) { granted = role }
        return granted
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }

    init(reading r: TableReader) {
        self.init()
        if let s = r.string("socket", validate: { s in
            if s.isEmpty { return "must not be empty" }
            if s.utf8.count > Self.maximumSocketPathBytes {
                return "unix socket path is \(s.utf8.count) bytes, longer than the \(Self.maximumSocketPathBytes) Linux allows"
            }
            return nil
        }) { socket = s }
        tcpListen = r.string("tcp_listen", validate: { s in
            TCPAddress.parse(s) == nil ? "expected host:port with a port in 1...65535 (e.g. \"127.0.0.1:8088\"), got \"\(s)\"" : nil
        }).flatMap(TCPAddress.parse)
        // Never echo a token's text in a message.
        for role in Role.allCases {
            tokens[role] = r.secret(Self.tokenKey(role), validate: { s in
                s.count < Self.minimumTokenLength ? "too short: use at least \(Self.minimumTokenLength) characters (e.g. openssl rand -hex 16)" : nil
            })
        }
        let roles = Role.allCases.filter { tokens[$0] != nil }
        for (i, a) in roles.enumerated() {
            for b in roles[(i + 1)...] where tokens[a]?.exposedValue == tokens[b]?.exposedValue
                && tokens[b]?.exposedValue != SecretString.placeholder {
                r.report(Self.tokenKey(b), "the same token as \(Self.tokenKey(a)): each role needs its own (a shared one would grant the higher role)")
            }
        }
        if r.value("tcp_listen") != nil, !Role.allCases.contains(where: { r.value(Self.tokenKey($0)) != nil }) {
            r.report("tcp_listen", "a token is required when tcp_listen is set (add token = \"...\" to [control]; operator_token and monitor_token give less)")
        }
        let pathCheck: (String) -> String? = { $0.isEmpty ? "must not be empty" : nil }
        tlsCertificate = r.string("tls_certificate", validate: pathCheck)
        tlsKey = r.string("tls_key", validate: pathCheck)
        if (r.value("tls_certificate") == nil) != (r.value("tls_key") == nil) {
            r.report(r.value("tls_key") == nil ? "tls_certificate" : "tls_key",
                     "tls_certificate and tls_key go together (a PEM certificate chain and its private key)")
        }
        if r.value("tls_certificate") != nil, r.value("tcp_listen") == nil {
            r.report("tls_certificate", "TLS is for the TCP listener: set tcp_listen too (the unix socket needs none)")
        }
        r.finish()
    }
}

extension ControlConfig {
    func render(into w: inout TOMLWriter) {
        w.table("control")
        w.string("socket", socket)
        w.string("tcp_listen", tcpListen?.description)
        for role in Role.allCases { w.secret(Self.tokenKey(role), tokens[role]) }
        w.string("tls_certificate", tlsCertificate)
        w.string("tls_key", tlsKey)
    }
}
