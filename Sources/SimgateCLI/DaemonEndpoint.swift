// Where the CLI finds the daemon: a unix socket (the normal case) or a TCP URL with a token.
import Foundation

enum DaemonEndpoint: Equatable, CustomStringConvertible {
    case unixSocket(path: String)
    case tcp(host: String, port: UInt16, token: String?)

    /// The socket paths tried in order when neither `--socket` nor SIMGATE_SOCKET is given:
    /// the systemd unit's RuntimeDirectory first, then where a hand-started daemon puts it.
    static let defaultSocketPaths = ["/run/simgate/simgated.sock", "/tmp/simgate/simgated.sock"]

    var description: String {
        switch self {
        case .unixSocket(let path): return path
        case .tcp(let host, let port, _): return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }
    }

    /// Chooses the endpoint: `--url` (TCP), else `--socket`, else SIMGATE_SOCKET, else the first
    /// existing default path, else the first default path (so the "not running" message names it).
    static func resolve(
        socket: String?, url: String?, token: String?,
        environment: [String: String], fileExists: (String) -> Bool
    ) throws -> DaemonEndpoint {
        if let url {
            let (host, port) = try parseURL(url)
            let bearer = token ?? environment["SIMGATE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return .tcp(host: host, port: port, token: bearer)
        }
        if let socket, !socket.isEmpty { return .unixSocket(path: socket) }
        if let fromEnv = environment["SIMGATE_SOCKET"], !fromEnv.isEmpty { return .unixSocket(path: fromEnv) }
        let path = defaultSocketPaths.first(where: fileExists) ?? defaultSocketPaths[0]
        return .unixSocket(path: path)
    }

    /// Accepts `http://host:port`, `http://host` (port 80), `http://[::1]:8080`, with an optional
    /// trailing `/`. HTTPS is refused: the CLI has no TLS, and a token must not go out in clear
    /// text by accident thinking it is encrypted.
    static func parseURL(_ url: String) throws -> (String, UInt16) {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") else {
            throw CLIFailure(usage: "--url must look like http://host:port (got \(url.debugDescription))")
        }
        var rest = Substring(url.dropFirst("http://".count))
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...] == "/" else {
                throw CLIFailure(usage: "--url takes no path (got \(url.debugDescription))")
            }
            rest = rest[..<slash]
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw CLIFailure(usage: "--url has an unclosed IPv6 bracket (got \(url.debugDescription))")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw CLIFailure(usage: "--url has junk after the IPv6 address (got \(url.debugDescription))")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw CLIFailure(usage: "--url has no host (got \(url.debugDescription))") }
        var port: UInt16 = 80
        if let portText {
            guard let p = UInt16(portText), p > 0 else {
                throw CLIFailure(usage: "--url has a bad port \(String(portText).debugDescription)")
            }
            port = p
        }
        return (String(host), port)
    }
}
