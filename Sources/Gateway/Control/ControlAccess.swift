// Who may do what on the control API's TCP listener: each bearer token has a role
// ([control] token / operator_token / monitor_token), each request needs one.
//
//   monitor   every GET: status, modems, calls, SIMs, balances, SMS lists, missed, reports, /metrics
//   operator  what a dispatcher does: send SMS, dial, hang up, DTMF, USSD, refresh a balance,
//             claim / call back / close a missed call
//   admin     the box itself: modem reset, raw AT, SIM disable/enable, numbering reload/import,
//             lifting a SIP ban
//
// The unix socket has no tokens: its file mode (0660) already limits it to the daemon's user
// and group, the people who could edit the config anyway. `docs/control-api.openapi.yaml`
// carries the same table as `x-simgate-role`; a test holds the two together.
import Hummingbird
import NIOHTTP1
import SimgateConfig

public struct ControlAccess: RouterMiddleware, Sendable {
    public typealias Context = ControlRequestContext
    public typealias Role = ControlConfig.Role

    let config: ControlConfig

    public init(config: ControlConfig) { self.config = config }

    /// The least role that may make `method` on `path` (segments after the host, e.g.
    /// ["v1", "modems", "huawei1", "at"]). Unknown paths need admin: a route added later is
    /// closed until someone places it here.
    public static func requiredRole(method: HTTPMethod, path segments: [String]) -> Role {
        if method == .GET || method == .HEAD { return .monitor }
        guard segments.first == "v1", segments.count >= 2 else { return .admin }
        let s = Array(segments.dropFirst())
        switch (method, s.first) {
        case (.POST, "sms") where s.count == 1,
             (.POST, "calls"), (.DELETE, "calls"),
             (.POST, "sip") where s == ["sip", "call"],
             (.POST, "balances") where s.count == 3 && s[2] == "refresh",
             (.POST, "missed") where s.count == 3:
            return .operator
        case (.POST, "modems") where s.count >= 3 && s[2] == "ussd":
            return .operator
        default:
            return .admin
        }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var presented: String?
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            presented = String(auth.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        guard let presented, let role = config.role(forToken: presented) else {
            return ControlResponse.error(.unauthorized, "missing or wrong bearer token (Authorization: Bearer <token from [control]>)").hummingbird
        }
        let method = HTTPMethod(rawValue: request.method.rawValue)
        let needed = Self.requiredRole(method: method, path: request.uri.path.split(separator: "/").map(String.init))
        guard role >= needed else {
            return ControlResponse.error(.forbidden, "\(role == .operator || role == .admin ? "an" : "a") \(role.rawValue) token may not \(method) \(request.uri.path): it needs \(needed.rawValue)").hummingbird
        }
        return try await next(request, context)
    }
}
