// Control API for calls: live calls, the loopback test call, hang-up, DTMF, call records.
//   GET    /v1/calls                 live calls
//   POST   /v1/calls                 {"modem": "huawei1", "number": "+7999..."} → 201 LiveCall
//   GET    /v1/calls/{id}            one live call (with what its audio measured)
//   DELETE /v1/calls/{id}            hang up
//   POST   /v1/calls/{id}/dtmf       {"digits": "123#"}
//   GET    /v1/cdr?limit=&modem=&since=   call records, newest first (since: ISO 8601)
import ControlModel
import Foundation
import NIOHTTP1

struct CallRoutes: Sendable {
    let calls: CallManager

    struct DTMFRequest: Codable { var digits: String }

    func route(_ request: ControlRequest, _ s: [String]) async -> ControlResponse {
        switch (request.method, s) {
        case (.GET, ["calls"]):
            return .json(CallList(calls: await calls.live(), pacing: await AudioPacer.report(), media: await calls.mediaReport()))
        case (.POST, ["calls"]):
            guard let dial = try? ControlJSON.decoder().decode(DialRequest.self, from: Data(request.body)) else {
                return .error(.badRequest, "body must be JSON {\"number\": \"...\", \"modem\": \"optional name\"}")
            }
            guard !dial.number.isEmpty, dial.number.count <= 40 else { return .error(.badRequest, "number must be 1-40 characters") }
            switch await calls.dial(dial) {
            case .success(let call): return .json(call, status: .created)
            case .failure(.noModem(let why)): return .error(.serviceUnavailable, why)
            }
        case (.GET, let p) where p.count == 2 && p[0] == "calls":
            guard let call = await calls.live(id: p[1]) else { return .error(.notFound, "no live call '\(p[1])' (ended calls are in `simgate cdr`)") }
            return .json(call)
        case (.DELETE, let p) where p.count == 2 && p[0] == "calls":
            guard await calls.hangUp(id: p[1]) else { return .error(.notFound, "no live call '\(p[1])'") }
            return .json(ActionResult(ok: true, message: "\(p[1]): hanging up"))
        case (.POST, let p) where p.count == 3 && p[0] == "calls" && p[2] == "dtmf":
            guard let body = try? ControlJSON.decoder().decode(DTMFRequest.self, from: Data(request.body)),
                  !body.digits.isEmpty, body.digits.count <= 32 else {
                return .error(.badRequest, "body must be JSON {\"digits\": \"0-9*#\"} (at most 32)")
            }
            switch await calls.sendDTMF(id: p[1], digits: body.digits) {
            case .none: return .error(.notFound, "no live call '\(p[1])'")
            case .some(.none): return .json(ActionResult(ok: true, message: "sent \(body.digits)"))
            case .some(.some(let why)): return .error(.conflict, why)
            }
        case (.GET, ["cdr"]):
            let limit = request.query["limit"].flatMap(Int.init) ?? 50
            var since: Date?
            if let text = request.query["since"] {
                guard let d = ISO8601DateFormatter().date(from: text) else {
                    return .error(.badRequest, "since must be ISO 8601 (2026-01-31T12:00:00Z)")
                }
                since = d
            }
            do {
                let rows = try await calls.records(limit: limit, modem: request.query["modem"], since: since)
                return .json(CDRList(records: rows))
            } catch {
                return .error(.internalServerError, "cannot read call records: \(error)")
            }
        default:
            return .error(.methodNotAllowed, "\(request.method) not allowed on \(request.path)")
        }
    }
}
