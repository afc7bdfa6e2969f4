// SIM health: feeds SIMHealth (RoutingCore) with what the SIMs' calls and registrations did,
// keeps its verdicts in SQLite, and says so (log, `sim.quarantined` webhook).
//
// The events:
// - every outbound call's attempts, when the call is over (CallManager): an attempt the
//   network released before the callee's phone rang is a failure of that SIM; one that
//   rang or was answered, or that the callee refused, shows the SIM works;
// - a modem reporting "registration denied" for its SIM (looked at every `watchInterval`);
// - an SMS the network refused for the SIM's subscription (+CMS ERROR 8, 10, 29, 50: barred,
//   not subscribed; SMSSubmitError `.simRefused`), reported by SMSService after each AT+CMGS;
// - the admin's `simgate sim disable|enable`.
// Routing reads the verdict from the SIMCareBoard on every call: nothing here is on the call path.
import ControlModel
import Foundation
import Logging
import ModemCore
import RoutingCore
import Storage

actor SIMHealthService {
    /// Registration is polled by the modems themselves; a denial found within seconds is
    /// soon enough (the SIM is out of routing anyway while it is not registered).
    static let watchInterval: Duration = .seconds(2)

    private let storage: Storage
    private let pool: ModemPool
    private let board: SIMCareBoard
    private let outbox: WebhookOutbox
    private let wakeWebhooks: @Sendable () -> Void
    private let logger: Logger
    private var watch: Task<Void, Never>?

    init(storage: Storage, pool: ModemPool, board: SIMCareBoard, outbox: WebhookOutbox,
         wakeWebhooks: @escaping @Sendable () -> Void, logger: Logger) {
        self.storage = storage
        self.pool = pool
        self.board = board
        self.outbox = outbox
        self.wakeWebhooks = wakeWebhooks
        self.logger = logger
    }

    /// Restores the stored verdicts (before the first call is routed) and starts watching
    /// registrations.
    func start() async {
        do {
            let stored = try await storage.read { try $0.simHealthStates() }
            var states: [String: SIMHealth] = [:]
            for (iccid, data) in stored {
                do { states[iccid] = try JSONDecoder().decode(SIMHealth.self, from: data) } catch {
                    logger.error("stored SIM health unreadable; the SIM starts in service", metadata: ["iccid": "\(iccid)", "error": "\(error)"])
                }
            }
            board.restoreHealth(states)
        } catch {
            logger.error("cannot read stored SIM health", metadata: ["error": "\(error)"])
        }
        guard watch == nil else { return }
        watch = Task { [weak self] in
            while !Task.isCancelled {
                await self?.checkRegistrations()
                try? await Task.sleep(for: Self.watchInterval)
            }
        }
    }

    func stop() {
        watch?.cancel()
        watch = nil
    }

    /// The attempts of one outbound call, in order.
    func callEnded(_ attempts: [CallBridge.AttemptResult]) async {
        for attempt in attempts {
            guard let iccid = attempt.iccid else { continue }
            let outcome = Self.outcome(of: attempt)
            let now = Date()
            let (action, health) = board.updateHealth(iccid: iccid) { h, policy in
                h.callEnded(outcome, at: now.timeIntervalSince1970, policy: policy)
            }
            await carryOut(action, iccid: iccid, modem: attempt.modemID, health: health, changed: outcome != .neutral, at: now)
        }
    }

    /// One AT+CMGS through the SIM `iccid`: a refusal of its subscription quarantines it.
    func smsSubmitted(iccid: String, modem: String, result: SMSSubmitResult) async {
        guard case .rejected(let cms, _) = result, SMSSubmitError.classify(cms: cms) == .simRefused,
              let (_, _, text) = SMSSubmitError.classify(result) else { return }
        let now = Date()
        let (action, health) = board.updateHealth(iccid: RoutingPolicy.canonicalICCID(iccid)) { h, policy in
            h.refusedByNetwork("SMS refused: \(text)", at: now.timeIntervalSince1970, policy: policy)
        }
        await carryOut(action, iccid: RoutingPolicy.canonicalICCID(iccid), modem: modem, health: health, changed: action != .none, at: now)
    }

    /// What an attempt says about its SIM.
    static func outcome(of attempt: CallBridge.AttemptResult) -> SIMHealth.CallOutcome {
        if attempt.reachedCallee { return .gotThrough }
        if attempt.cause.isNetworkSideFailure { return .networkFailure(attempt.cause.text) }
        switch attempt.cause.kind {
        case .busy, .noAnswer, .rejected, .unassignedNumber: return .gotThrough
        default: return .neutral
        }
    }

    /// `key` is an ICCID or the id of the modem holding the SIM. nil: no such SIM.
    func disable(sim key: String, reason: String?) async -> SIMCareInfo? {
        guard let (iccid, modem) = await resolve(key) else { return nil }
        let (_, health) = board.updateHealth(iccid: iccid) { h, _ in h.disable(reason: reason ?? "") }
        logger.notice("SIM disabled by the admin: out of routing", metadata: ["iccid": "\(iccid)", "reason": "\(reason ?? "")"])
        await persist(iccid: iccid, health: health, at: Date())
        return board.careInfo(iccid: iccid, modem: modem)
    }

    func enable(sim key: String) async -> SIMCareInfo? {
        guard let (iccid, modem) = await resolve(key) else { return nil }
        let (_, health) = board.updateHealth(iccid: iccid) { h, _ in h.enable() }
        logger.notice("SIM enabled by the admin: in routing", metadata: ["iccid": "\(iccid)"])
        await persist(iccid: iccid, health: health, at: Date())
        return board.careInfo(iccid: iccid, modem: modem)
    }

    // MARK: - Inside

    private func checkRegistrations() async {
        for snapshot in await pool.snapshots() where snapshot.registration == "denied" {
            guard let iccid = snapshot.iccid else { continue }
            let now = Date()
            let (action, health) = board.updateHealth(iccid: iccid) { h, policy in
                h.refusedByNetwork("registration denied", at: now.timeIntervalSince1970, policy: policy)
            }
            await carryOut(action, iccid: iccid, modem: snapshot.id, health: health, changed: action != .none, at: now)
        }
    }

    private func resolve(_ key: String) async -> (iccid: String, modem: String?)? {
        let canonical = RoutingPolicy.canonicalICCID(key)
        for s in await pool.snapshots() {
            guard let iccid = s.iccid else { continue }
            if s.id == key || RoutingPolicy.canonicalICCID(iccid) == canonical { return (RoutingPolicy.canonicalICCID(iccid), s.id) }
        }
        // A SIM in no modem now (pulled out for a look) can be disabled by its ICCID.
        let digits = canonical.allSatisfy(\.isNumber)
        return digits && (18...22).contains(canonical.count) ? (canonical, nil) : nil
    }

    private func carryOut(_ action: SIMHealth.Action, iccid: String, modem: String, health: SIMHealth, changed: Bool, at now: Date) async {
        switch action {
        case .none:
            if changed { await persist(iccid: iccid, health: health, at: now) }
        case .restored:
            logger.notice("SIM back in routing: a call got through", metadata: ["iccid": "\(iccid)", "modem": "\(modem)"])
            await persist(iccid: iccid, health: health, at: now)
        case .quarantined(let until, let reason, let strike):
            let info = board.careInfo(iccid: iccid, modem: modem, now: now)
            logger.warning("SIM quarantined: out of routing", metadata: [
                "iccid": "\(iccid)", "modem": "\(modem)", "reason": "\(reason)", "strike": "\(strike)",
                "until": "\(Date(timeIntervalSince1970: until))",
            ])
            let outbox = self.outbox
            do {
                let data = try JSONEncoder().encode(health)
                try await storage.transaction { tx in
                    try tx.saveSIMHealth(iccid: iccid, state: data, at: now)
                    try outbox.enqueue(WebhookEvent(type: .simQuarantined, occurredAt: now, data: info), in: tx)
                }
            } catch {
                logger.error("cannot store the quarantine", metadata: ["iccid": "\(iccid)", "error": "\(error)"])
            }
            wakeWebhooks()
        }
    }

    private func persist(iccid: String, health: SIMHealth, at now: Date) async {
        do {
            let data = try JSONEncoder().encode(health)
            try await storage.transaction { tx in try tx.saveSIMHealth(iccid: iccid, state: data, at: now) }
        } catch {
            logger.error("cannot store SIM health", metadata: ["iccid": "\(iccid)", "error": "\(error)"])
        }
    }
}
