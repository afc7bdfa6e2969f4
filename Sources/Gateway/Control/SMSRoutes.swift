// Control API for SMS:
//   POST /v1/sms            {"to": "+79161234567", "text": "...", "modem": "huawei1"?, "iccid": "..."?}  → 202 + the message
//   GET  /v1/sms?modem=&since=&direction=in|out&limit=
//   GET  /v1/sms/{id}       with parts and status reports
import ControlModel
import Foundation
import NIOHTTP1

struct SMSRoutes: Sendable {
    let service: SMSService

    /// Past 1000 a list is an export, not a look; the CLI pages by `since`.
    static let maxLimit = 1000

    /// `segments` is the path after /v1.
    func route(_ request: ControlRequest, segments s: [String]) async -> ControlResponse {
        switch (request.method, s.count) {
        case (.POST, 1):
            return await send(request.body)
        case (.GET, 1):
            return await list(request.query)
        case (.GET, 2):
            guard let id = Int64(s[1]) else { return .error(.badRequest, "id: must be a number, got \"\(s[1])\"") }
            return await answer(status: .ok) { try await service.message(id: id) }
        case (_, 1...2):
            return .error(.methodNotAllowed, "\(request.method) not allowed on \(request.path)")
        default:
            return .error(.notFound, "no such endpoint: \(request.path)")
        }
    }

    private func send(_ body: [UInt8]) async -> ControlResponse {
        let parsed: SMSSendRequest
        do { parsed = try ControlJSON.decoder().decode(SMSSendRequest.self, from: Data(body)) } catch let DecodingError.keyNotFound(key, _) {
            return .error(.badRequest, "\(key.stringValue): missing (body must be JSON {\"to\": NUMBER, \"text\": TEXT})")
        } catch let DecodingError.typeMismatch(_, context) {
            return .error(.badRequest, "\(context.codingPath.map(\.stringValue).joined(separator: ".")): must be a string")
        } catch {
            return .error(.badRequest, "body must be JSON {\"to\": NUMBER, \"text\": TEXT, \"modem\"?: NAME, \"iccid\"?: ICCID}")
        }
        return await answer(status: .accepted) { try await service.send(parsed) }
    }

    private func list(_ query: [String: String]) async -> ControlResponse {
        var direction: SMSDirection?
        if let d = query["direction"], !d.isEmpty {
            guard let parsed = SMSDirection(rawValue: d) else { return .error(.badRequest, "direction: must be in or out, got \"\(d)\"") }
            direction = parsed
        }
        var since: Date?
        if let s = query["since"], !s.isEmpty {
            guard let parsed = ISO8601DateFormatter().date(from: s) else {
                return .error(.badRequest, "since: must be an ISO 8601 time such as 2025-03-01T00:00:00Z, got \"\(s)\"")
            }
            since = parsed
        }
        var limit = 100
        if let l = query["limit"], !l.isEmpty {
            guard let parsed = Int(l), (1...Self.maxLimit).contains(parsed) else {
                return .error(.badRequest, "limit: must be 1 to \(Self.maxLimit), got \"\(l)\"")
            }
            limit = parsed
        }
        let modem = query["modem"].flatMap { $0.isEmpty ? nil : $0 }
        return await answer(status: .ok) {
            SMSList(messages: try await service.list(modem: modem, direction: direction, since: since, limit: limit), generatedAt: Date())
        }
    }

    private func answer<T: Encodable>(status: HTTPResponseStatus, _ work: () async throws -> T) async -> ControlResponse {
        do {
            return .json(try await work(), status: status)
        } catch let error as SMSServiceError {
            switch error {
            case .badRequest: return .error(.badRequest, error.description)
            case .disabled: return .error(.serviceUnavailable, error.description)
            case .notFound: return .error(.notFound, error.description)
            }
        } catch {
            return .error(.internalServerError, "database: \(error)")
        }
    }
}
