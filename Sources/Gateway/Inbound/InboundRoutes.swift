// Control API for the missed-call list and the webhook outbox:
//   GET  /v1/missed?status=new&since=2025-03-01T00:00:00Z&limit=100
//   GET  /v1/missed/{id}                 (with history)
//   POST /v1/missed/{id}/claim           {"user": "alice"}
//   POST /v1/missed/{id}/callback        {"user": "alice"}
//   POST /v1/missed/{id}/close           {"note": "...", "user": "alice"}
//   GET  /v1/webhooks                    pending and failed deliveries
//   GET  /v1/report?from=...&to=...&tz=Europe/Moscow
import CallCore
import ControlModel
import Foundation
import NIOHTTP1
import Storage

struct InboundRoutes: Sendable {
    let missed: MissedCallService
    let storage: Storage
    /// The CDRs of a period, as the call bridge stores them; nil until the bridge runs.
    var callRecords: (@Sendable (_ from: Date, _ to: Date) async throws -> [CallRecordSummary])?

    /// `segments` is the path after /v1.
    func route(_ request: ControlRequest, segments s: [String]) async -> ControlResponse {
        switch (request.method, s.count) {
        case (.GET, 1) where s[0] == "webhooks":
            return await webhookList()
        case (.GET, 1) where s[0] == "report":
            return await report(request.query)
        case (.GET, 1) where s[0] == "missed":
            return await list(request.query)
        case (.GET, 2) where s[0] == "missed":
            guard let id = Int64(s[1]) else { return badID(s[1]) }
            return await answer { try await missed.entry(id: id) }
        case (.POST, 3) where s[0] == "missed":
            guard let id = Int64(s[1]) else { return badID(s[1]) }
            switch s[2] {
            case "claim":
                guard let body = decode(MissedCallUserRequest.self, request.body) else { return .error(.badRequest, "body must be JSON {\"user\": \"NAME\"}") }
                return await answer { try await missed.claim(id: id, user: body.user) }
            case "callback":
                guard let body = decode(MissedCallUserRequest.self, request.body) else { return .error(.badRequest, "body must be JSON {\"user\": \"NAME\"}") }
                return await answer {
                    let (entry, task) = try await missed.requestCallback(id: id, user: body.user)
                    return MissedCallCallbackAnswer(entry: entry, task: task)
                }
            case "close":
                guard let body = decode(MissedCallCloseRequest.self, request.body) else {
                    return .error(.badRequest, "body must be JSON {\"note\": \"TEXT\", \"user\": \"NAME\"}")
                }
                return await answer { try await missed.close(id: id, note: body.note, user: body.user) }
            default:
                return .error(.notFound, "no such endpoint: \(request.path)")
            }
        case (_, 1...3) where s[0] != "report" || s.count == 1:
            return .error(.methodNotAllowed, "\(request.method) not allowed on \(request.path)")
        default:
            return .error(.notFound, "no such endpoint: \(request.path)")
        }
    }

    private func list(_ query: [String: String]) async -> ControlResponse {
        var status: MissedCallStatus?
        if let s = query["status"], !s.isEmpty {
            guard let parsed = MissedCallStatus(rawValue: s) else {
                return .error(.badRequest, "status must be one of \(MissedCallStatus.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(s)\"")
            }
            status = parsed
        }
        var since: Date?
        if let s = query["since"], !s.isEmpty {
            guard let parsed = ISO8601DateFormatter().date(from: s) else {
                return .error(.badRequest, "since must be an ISO 8601 time such as 2025-03-01T00:00:00Z, got \"\(s)\"")
            }
            since = parsed
        }
        let limit = query["limit"].flatMap(Int.init) ?? 500
        return await answer { MissedCallList(entries: try await missed.list(status: status, since: since, limit: limit), generatedAt: Date()) }
    }

    private func report(_ query: [String: String]) async -> ControlResponse {
        let iso = ISO8601DateFormatter()
        guard let from = query["from"].flatMap(iso.date(from:)), let to = query["to"].flatMap(iso.date(from:)), from < to else {
            return .error(.badRequest, "from and to must be ISO 8601 times with from before to, e.g. from=2025-03-01T00:00:00Z")
        }
        let zoneName = query["tz"] ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else { return .error(.badRequest, "unknown time zone \"\(zoneName)\"") }
        guard let callRecords else {
            return .error(.serviceUnavailable, "no call records: this simgated does not run the call bridge, which writes the CDRs")
        }
        return await answer {
            let records = try await callRecords(from, to)
            // Callbacks made in the period may belong to calls missed a while before it.
            let missed = try await missed.list(status: nil, since: from.addingTimeInterval(-30 * 86_400), limit: 10_000)
            var report = CallReportBuilder.build(records: records, missed: missed, from: from, to: to, timeZone: zone)
            report.timeZone = zoneName   // as asked: Foundation calls "UTC" "GMT"
            return report
        }
    }

    private func webhookList() async -> ControlResponse {
        await answer {
            let value = try await WebhookDeliveryWorker.status(storage: storage, now: Date())
            return WebhookDeliveryList(deliveries: value.items.map(\.info), deliveredCount: value.delivered, generatedAt: Date())
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) -> T? {
        try? ControlJSON.decoder().decode(type, from: Data(body))
    }

    private func badID(_ s: String) -> ControlResponse {
        .error(.badRequest, "missed-call id must be a number, got \"\(s)\"")
    }

    private func answer<T: Encodable>(_ work: () async throws -> T) async -> ControlResponse {
        do {
            return .json(try await work())
        } catch let error as MissedCallServiceError {
            switch error {
            case .notFound: return .error(.notFound, error.description)
            case .rule: return .error(.conflict, error.description)
            }
        } catch {
            return .error(.internalServerError, "database: \(error)")
        }
    }
}
