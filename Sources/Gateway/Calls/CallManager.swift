// Live calls: starts them (choosing modems through the `ModemChooser` seam), finds them for
// the control API, and forgets them when they end (their records stay in Storage).
import ControlModel
import Foundation
import Logging
import ModemCore
import NIOCore
import Storage

actor CallManager {
    private let pool: ModemPool
    private let storage: Storage
    private let logger: Logger
    private let chooser: any ModemChooser
    private var calls: [String: CallBridge] = [:]
    private var serial = 0

    init(pool: ModemPool, storage: Storage, logger: Logger, chooser: any ModemChooser = FirstFreeModemChooser()) {
        self.pool = pool; self.storage = storage; self.logger = logger; self.chooser = chooser
    }

    /// Closes records a previous run left open (crash, kill -9) as `interrupted`.
    func start() async {
        do {
            let n = try await storage.closeInterruptedCalls(at: Date())
            if n > 0 { logger.notice("closed call records left open by the previous run", metadata: ["count": "\(n)"]) }
        } catch {
            logger.error("cannot close interrupted call records", metadata: ["error": "\(error)"])
        }
    }

    enum DialFailure: Error { case noModem(String) }

    /// Places an outbound call with the test signal as the calling party.
    func dial(_ request: DialRequest) async -> Result<LiveCall, DialFailure> {
        let all = await pool.callCandidates()
        let ids = chooser.candidates(number: request.number, named: request.modem, among: all.map(\.facts))
        let chosen = ids.compactMap { id in all.first { $0.facts.id == id } }
        guard let first = chosen.first else {
            if let named = request.modem {
                let state = all.first { $0.facts.id == named }.map { "\($0.facts.state.rawValue)" } ?? "unknown"
                return .failure(.noModem("modem '\(named)' cannot take a call (\(state))"))
            }
            return .failure(.noModem("no free voice-capable modem"))
        }
        serial += 1
        let id = "c\(serial)-\(UInt16.random(in: 0...UInt16.max))"
        let bridge = CallBridge(id: id, direction: "outbound", number: request.number, candidates: chosen,
                                loop: first.controller.eventLoop, storage: storage, logger: logger) { [weak self] bridge in
            Task { await self?.finished(bridge) }
        }
        calls[id] = bridge
        bridge.start()
        return .success((try? await bridge.live().get()) ?? LiveCall(id: id, direction: "outbound", state: "dialing", modemID: first.facts.id,
                                                                       number: request.number, startedAt: Date()))
    }

    func live() async -> [LiveCall] {
        var result: [LiveCall] = []
        for bridge in calls.values {
            if let c = try? await bridge.live().get() { result.append(c) }
        }
        return result.sorted { $0.startedAt < $1.startedAt }
    }

    func live(id: String) async -> LiveCall? {
        guard let bridge = calls[id] else { return nil }
        return try? await bridge.live().get()
    }

    func hangUp(id: String) -> Bool {
        guard let bridge = calls[id] else { return false }
        bridge.hangUp()
        return true
    }

    func sendDTMF(id: String, digits: String) async -> String?? {
        guard let bridge = calls[id] else { return .none }
        do {
            let problem: String? = try await bridge.sendDTMF(digits).get()
            return .some(problem)
        } catch {
            return .some("DTMF failed: \(error)")
        }
    }

    func hangUpAll() {
        for bridge in calls.values { bridge.hangUp() }
    }

    private func finished(_ bridge: CallBridge) {
        calls[bridge.id] = nil
    }
}

extension CallManager {
    func records(limit: Int, modem: String?, since: Date?) async throws -> [CallDetail] {
        try await storage.callRecords(limit: limit, modem: modem, since: since)
    }
}
