// Where the CLI finds the daemon: a unix socket (the normal case) or a TCP URL with a token,
// over TLS when the URL says https.
import Foundation

enum DaemonEndpoint: Equatable, CustomStringConvertible {
    case unixSocket(path: String)
    /// `caFile`: PEM certificates to trust instead of the system's (a daemon's own
    /// certificate, or the CA that signed it); only with `tls`.
    case tcp(host: String, port: UInt16, token: String?, tls: Bool = false, caFile: String? = nil)

    /// The socket paths tried in order when neither `--socket` nor SIMGATE_SOCKET is given:
    /// the systemd unit's RuntimeDirectory first, then where a hand-started daemon puts it.
    static let defaultSocketPaths = ["/run/simgate/simgated.sock", "/tmp/simgate/simgated.sock"]

    var description: String {
        switch self {
        case .unixSocket(let path): return path
        case .tcp(let host, let port, _, let tls, _):
            return "\(tls ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }
    }

    /// Chooses the endpoint: `--url` (TCP), else `--socket`, else SIMGATE_SOCKET, else the first
    /// existing default path, else the first default path (so the "not running" message names it).
    static func resolve(
        socket: String?, url: String?, token: String?, caFile: String? = nil,
        environment: [String: String], fileExists: (String) -> Bool
    ) throws -> DaemonEndpoint {
        func nonEmpty(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let url {
            let target = try parseURL(url)
            let bearer = token ?? nonEmpty("SIMGATE_TOKEN")
            let ca = caFile ?? nonEmpty("SIMGATE_CACERT")
            if ca != nil && !target.tls {
                throw CLIFailure(usage: "--cacert needs an https:// --url (got \(url.debugDescription))")
            }
            return .tcp(host: target.host, port: target.port, token: bearer, tls: target.tls, caFile: ca)
        }
        if caFile != nil { throw CLIFailure(usage: "--cacert needs an https:// --url") }
        if let socket, !socket.isEmpty { return .unixSocket(path: socket) }
        if let fromEnv = environment["SIMGATE_SOCKET"], !fromEnv.isEmpty { return .unixSocket(path: fromEnv) }
        let path = defaultSocketPaths.first(where: fileExists) ?? defaultSocketPaths[0]
        return .unixSocket(path: path)
    }

    /// Accepts `http://host:port`, `https://host:port`, `http://host` (port 80; 443 for https),
    /// `http://[::1]:8080`, with an optional trailing `/`. Any other scheme is refused, so a
    /// token never goes out in clear text because a typo was read as "encrypted".
    static func parseURL(_ url: String) throws -> (host: String, port: UInt16, tls: Bool) {
        let lower = url.lowercased()
        let tls = lower.hasPrefix("https://")
        guard tls || lower.hasPrefix("http://") else {
            throw CLIFailure(usage: "--url must look like http://host:port or https://host:port (got \(url.debugDescription))")
        }
        var rest = Substring(url.dropFirst(tls ? "https://".count : "http://".count))
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
        var port: UInt16 = tls ? 443 : 80
        if let portText {
            guard let p = UInt16(portText), p > 0 else {
                throw CLIFailure(usage: "--url has a bad port \(String(portText).debugDescription)")
            }
            port = p
        }
        return (String(host), port, tls)
    }
}
