// Where each control API request is answered. Paths are named once in ControlModel's
// `ControlRoute`, so the CLI and this table cannot disagree.
import ControlModel
import Foundation
import ModemCore
import NIOHTTP1
import SimgateConfig

struct ControlRoutes: Sendable {
    let pool: ModemPool
    let sip: SIPService?
    let status: @Sendable (Int) -> DaemonStatus
    var calls: CallManager? = nil
    var routing: RoutingService? = nil
    /// Missed calls and webhooks (InboundRoutes.swift).
    var inbound: InboundRoutes?
    /// The SMS inbox and outbox (SMSRoutes.swift); nil when SMS is not running.
    var sms: SMSRoutes? = nil
    var balance: BalanceService? = nil
    /// SIM quarantine and the admin's disable; nil when calls do not follow the router.
    var simHealth: SIMHealthService? = nil
    /// GET /metrics (Prometheus text).
    var metrics: MetricsExporter? = nil

    func route(_ request: ControlRequest) async -> ControlResponse {
        if request.path == "/metrics", let metrics {
            return request.method == .GET ? await metrics.response() : .error(.methodNotAllowed, "\(request.method) not allowed on /metrics")
        }
        if let routing, let response = await RoutingControlRoutes(service: routing).route(request) { return response }
        let segments = request.path.split(separator: "/").map(String.init)
        guard segments.first == "v1", segments.count >= 2 else {
            return .error(.notFound, "no such endpoint: \(request.path)")
        }
        switch (request.method, Array(segments.dropFirst())) {
        case (.GET, let s) where s == ["status"]:
            return .json(status(await pool.count()))
        case (.GET, let s) where s == ["modems"]:
            return .json(ModemList(modems: await pool.snapshots(), generatedAt: Date()))
        case (.GET, let s) where s.count == 2 && s[0] == "modems":
            guard let snapshot = await pool.snapshot(id: s[1]) else { return .notFound(modem: s[1]) }
            return .json(snapshot)
        case (.POST, let s) where s.count == 3 && s[0] == "modems" && s[2] == "reset":
            guard let result = await pool.reset(id: s[1], reason: "admin request (simgate modem reset)") else { return .notFound(modem: s[1]) }
            return .json(result)
        case (.POST, let s) where s.count == 3 && s[0] == "modems" && s[2] == "at":
            return await rawAT(id: s[1], body: request.body)
        case (.POST, let s) where s.count == 3 && s[0] == "modems" && s[2] == "ussd":
            return await ussd(id: s[1], body: request.body)
        case (.POST, let s) where s.count == 4 && s[0] == "modems" && s[2] == "ussd" && s[3] == "cancel":
            guard let (modem, outcome) = await pool.cancelUSSD(id: s[1]) else { return .notFound(modem: s[1]) }
            return .json(USSDResultInfo(modem: modem, outcome))
        case (_, let s) where s.first == "calls" || s == ["cdr"]:
            guard let calls else { return .error(.serviceUnavailable, "calls are not enabled") }
            return await CallRoutes(calls: calls).route(request, Array(s))
        case (_, let s) where s.first == "sip":
            return await SIPRoutes.route(sip, method: request.method, path: Array(s.dropFirst()), body: request.body)
        case (_, let s) where s.first == "missed" || s.first == "webhooks" || s.first == "report":
            guard let inbound else { return .error(.serviceUnavailable, "the missed-call list is not running") }
            return await inbound.route(request, segments: s)
        case (_, let s) where s.first == "sms":
            guard let sms else { return .error(.serviceUnavailable, "SMS is not running") }
            return await sms.route(request, segments: s)
        case (.GET, let s) where s == ["balances"]:
            guard let balance else { return .error(.serviceUnavailable, "no [[sim]] has balance_ussd or balance_sms: balances are not checked") }
            return .json(SIMBalanceList(balances: await balance.balances(), generatedAt: Date()))
        case (.POST, let s) where s.count == 3 && s[0] == "balances" && s[2] == "refresh":
            guard let balance else { return .error(.serviceUnavailable, "no [[sim]] has balance_ussd or balance_sms: balances are not checked") }
            guard let info = await balance.refresh(sim: s[1]) else {
                return .error(.notFound, "no modem holds a SIM '\(s[1])' with a balance request (try `simgate sims`)")
            }
            return .json(info)
        case (.POST, let s) where s.count == 3 && s[0] == "sims" && (s[2] == "disable" || s[2] == "enable"):
            guard let simHealth else {
                return .error(.serviceUnavailable, "SIM care needs the router ([routing] or [[sim]] in the config)")
            }
            let info: SIMCareInfo?
            if s[2] == "disable" {
                var body = SIMDisableRequest(reason: nil)
                if !request.body.isEmpty {
                    guard let decoded = try? ControlJSON.decoder().decode(SIMDisableRequest.self, from: Data(request.body)) else {
                        return .error(.badRequest, "body must be JSON {\"reason\": \"...\"} or empty")
                    }
                    body = decoded
                }
                info = await simHealth.disable(sim: s[1], reason: body.reason)
            } else {
                info = await simHealth.enable(sim: s[1])
            }
            guard let info else { return .error(.notFound, "no SIM '\(s[1])': give its ICCID or the id of its modem (see `simgate sims`)") }
            return .json(info)
        case (_, let s) where s == ["status"] || s.first == "modems":
            return .error(.methodNotAllowed, "\(request.method) not allowed on \(request.path)")
        default:
            return .error(.notFound, "no such endpoint: \(request.path)")
        }
    }

    private func rawAT(id: String, body: [UInt8]) async -> ControlResponse {
        guard let request = try? ControlJSON.decoder().decode(RawATRequest.self, from: Data(body)) else {
            return .error(.badRequest, "body must be JSON {\"command\": \"AT...\"}")
        }
        let command = request.command.trimmingCharacters(in: .whitespacesAndNewlines)
        guard command.uppercased().hasPrefix("AT"), command.count <= 512,
              !command.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            return .error(.badRequest, "command must be one line starting with AT, at most 512 characters")
        }
        let timeout = min(max(request.timeoutSeconds ?? 10, 0.1), 180)
        switch await pool.rawAT(id: id, command: command, timeoutSeconds: timeout) {
        case .none: return .notFound(modem: id)
        case .some(.success(let response)): return .json(response)
        case .some(.failure(let error)): return .error(.serviceUnavailable, error.message)
        }
    }

    private func ussd(id: String, body: [UInt8]) async -> ControlResponse {
        guard let request = try? ControlJSON.decoder().decode(USSDRequestBody.self, from: Data(body)),
              (request.code == nil) != (request.reply == nil) else {
            return .error(.badRequest, "body must be JSON {\"code\": \"*100#\"} or {\"reply\": \"1\"} (one of the two)")
        }
        let text = (request.code ?? request.reply ?? "").trimmingCharacters(in: .whitespaces)
        if let code = request.code, !SIMConfig.isUSSDCode(code.trimmingCharacters(in: .whitespaces)) {
            return .error(.badRequest, "'\(code)' is not a USSD code: digits, * and #, starting with * or # (e.g. *100#)")
        }
        guard let (modem, outcome) = await pool.ussd(id: id, text: text, continuing: request.reply != nil) else {
            return .notFound(modem: id)
        }
        return .json(USSDResultInfo(modem: modem, outcome))
    }
}

extension USSDResultInfo {
    init(modem: String, _ outcome: USSDOutcome) {
        switch outcome {
        case .reply(let r):
            self.init(modem: modem, outcome: r.sessionOpen ? .menu : .reply, status: r.status, text: r.text, raw: r.raw,
                      dcs: r.dcs, encoding: r.encoding)
        case .failed(let why): self.init(modem: modem, outcome: .failed, error: why)
        case .cancelled: self.init(modem: modem, outcome: .cancelled)
        }
    }
}

struct ModemCommandError: Error { var message: String }

extension ControlResponse {
    static func notFound(modem id: String) -> ControlResponse {
        .error(.notFound, "no modem '\(id)' (try `simgate modems`; IMEI and ICCID also work)")
    }
}
