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

    /// Unix socket of the REST API; the CLI talks to it by default.
    public var socket: String
    public var tcpListen: TCPAddress?
    /// Bearer token required on TCP. Never logged, never shown by the API.
    public var token: SecretString?

    public static let defaultSocket = "/run/simgate/simgated.sock"
    /// A unix socket path must fit `sockaddr_un.sun_path` (108 bytes on Linux, with the NUL).
    public static let maximumSocketPathBytes = 107
    /// Tokens shorter than this are guessable; `openssl rand -hex 16` gives 32 characters.
    public static let minimumTokenLength = 16

    public init(socket: String = ControlConfig.defaultSocket, tcpListen: TCPAddress? = nil, token: SecretString? = nil) {
        self.socket = socket
        self.tcpListen = tcpListen
        self.token = token
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
        // Never echo the token's text in a message.
        token = r.secret("token", validate: { s in
            s.count < Self.minimumTokenLength ? "too short: use at least \(Self.minimumTokenLength) characters (e.g. openssl rand -hex 16)" : nil
        })
        if r.value("tcp_listen") != nil, r.value("token") == nil {
            r.report("tcp_listen", "a token is required when tcp_listen is set (add token = \"...\" to [control])")
        }
        r.finish()
    }
}
