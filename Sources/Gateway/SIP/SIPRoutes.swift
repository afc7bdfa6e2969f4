// Control API routes under /v1/sip/ (paths named in ControlModel's SIPRoute).
import ControlModel
import Foundation
import NIOHTTP1

enum SIPRoutes {
    static func route(_ sip: SIPService?, method: HTTPMethod, path: [String], body: [UInt8]) async -> ControlResponse {
        guard let sip else { return .error(.serviceUnavailable, "SIP is not enabled (no [sip] section in the config)") }
        switch (method, path) {
        case (.GET, ["status"]):
            return .json(await sip.status())
        case (.GET, ["registrations"]):
            return .json(await sip.registrations())
        case (.POST, ["call"]):
            guard let request = try? ControlJSON.decoder().decode(SIPCallRequest.self, from: Data(body)) else {
                return .error(.badRequest, "body must be JSON {\"to\": \"sip:...\", \"play\": \"tone\", \"seconds\": 5}")
            }
            return .json(await sip.call(request))
        case (.GET, ["bans"]):
            return .json(await sip.banList())
        case (.DELETE, let p) where p.count == 2 && p[0] == "bans":
            let address = p[1].removingPercentEncoding ?? p[1]
            switch await sip.unban(address) {
            case .lifted: return .json(ActionResult(ok: true, message: "ban on \(address) lifted"))
            case .notBanned: return .error(.notFound, "\(address) is not banned")
            case .notAnAddress: return .error(.badRequest, "expected an IPv4 or IPv6 address, got \"\(address)\"")
            }
        case (_, ["status"]), (_, ["registrations"]), (_, ["call"]), (_, ["bans"]):
            return .error(.methodNotAllowed, "\(method) not allowed on /v1/sip/\(path.joined(separator: "/"))")
        case (_, let p) where p.count == 2 && p[0] == "bans":
            return .error(.methodNotAllowed, "\(method) not allowed on /v1/sip/\(path.joined(separator: "/"))")
        default:
            return .error(.notFound, "no such endpoint: /v1/sip/\(path.joined(separator: "/"))")
        }
    }
}
