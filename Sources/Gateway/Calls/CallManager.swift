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
    private var chooser: any ModemChooser
    private var calls: [String: CallBridge] = [:]
    private var serial = 0
    private var sip: SIPService?
    private var inbound = InboundTargets()
    private var rtpPorts: ClosedRange<Int> = 20_000...20_999
    /// First-choice modems of calls still alive (call id → modem).
    private var claims: [String: String] = [:]
    private var claimed: Set<String> = []

    /// Who an inbound call on a modem rings: `[[modem]] inbound_user`, else
    /// `[sip] default_inbound_user`.
    struct InboundTargets: Sendable {
        var byModem: [String: String] = [:]
        var fallback: String?
        func user(for modem: String) -> String? { byModem[modem] ?? fallback }
    }

    /// Told the number of every answered outbound call (the missed-call list closes that
    /// customer's open entry: they got through).
    private var onAnsweredOutbound: (@Sendable (_ number: String) async -> Void)?

    func setAnsweredOutboundHandler(_ handler: @escaping @Sendable (_ number: String) async -> Void) {
        onAnsweredOutbound = handler
    }

    init(pool: ModemPool, storage: Storage, logger: Logger, chooser: any ModemChooser = FirstFreeModemChooser()) {
        self.pool = pool; self.storage = storage; self.logger = logger; self.chooser = chooser
    }

    /// Replaces the modem choice (the routing layer's chooser).
    func setChooser(_ chooser: any ModemChooser) { self.chooser = chooser }

    /// The router: which SIMs may carry a SIP user's call, best first (on-net, cost,
    /// limits), and the usage counters it keeps. nil: the first free modem takes it.
    private var routing: RoutingService?
    func setRouting(_ routing: RoutingService) { self.routing = routing }

    /// Joins the SIP side: INVITEs to numbers become bridged calls, and modems' inbound
    /// rings INVITE the configured user.
    func connect(sip: SIPService, inbound: InboundTargets, rtpPorts: ClosedRange<Int>) async {
        self.sip = sip
        self.inbound = inbound
        self.rtpPorts = rtpPorts
        await sip.setBridgeHandler { [weak self] request in
            Task { await self?.sipOutbound(request) }
        }
        await pool.setIncomingCallHandler { [weak self] controller, caller in
            Task { await self?.incoming(controller, caller: caller) }
        }
    }

    private func nextID() -> String {
        serial += 1
        return "c\(serial)-\(UInt16.random(in: 0...UInt16.max))"
    }

    /// A SIP user's INVITE to a number: pick modems, bridge.
    func sipOutbound(_ request: SIPBridgeRequest) async {
        let all = await pool.callCandidates()
        var ids: [String]
        var route: CallBridge.RouteFacts?
        if let routing, request.modem == nil {
            // This is where an outbound call is routed: RoutingCore's plan over the live SIMs.
            let plan = await routing.plan(dialled: request.number, user: request.user, now: Date())
            if let refusal = plan.refusal {
                logger.notice("call refused by routing", metadata: ["user": "\(request.user)", "number": "\(request.number)", "why": "\(refusal)"])
                request.leg.reject(status: refusal.sipStatus, phrase: Self.phrase(refusal.sipStatus),
                                   reason: RoutingService.reasonHeader(refusal))
                return
            }
            await routing.recordCallPlacedLogging(user: request.user, logger: logger)
            ids = plan.candidates.map(\.id).filter { id in all.contains { $0.facts.id == id } }
            let destination = plan.explanation.selection?.destination
            route = CallBridge.RouteFacts(
                calleeNormalized: plan.explanation.normalized.map { $0.e164.map { "+\($0)" } ?? $0.digits },
                operatorMCCMNC: destination?.operator?.network?.description,
                operatorName: destination?.operator?.name,
                lookupSource: destination?.source.rawValue ?? "none",
                rank: CallCap.ranks(plan),
                caps: CallCap.byModem(plan))
        } else {
            ids = chooser.candidates(number: request.number, user: request.user, named: request.modem, among: all.map(\.facts), now: Date())
        }
        // Calls set up at the same moment all see the same modems "free" until their ATD
        // lands: modems another call just took go last, so simultaneous calls spread out.
        ids = ids.filter { !claimed.contains($0) } + ids.filter { claimed.contains($0) }
        let chosen = ids.compactMap { id in all.first { $0.facts.id == id } }
        guard let first = chosen.first else {
            logger.notice("no modem for a SIP call", metadata: ["user": "\(request.user)", "number": "\(request.number)"])
            let cause = CallCause.of(CallEndCause(kind: .noService, text: "no free voice-capable modem"))
            request.leg.reject(status: cause.sipStatus, phrase: cause.sipReasonPhrase, reason: cause.reasonHeader)
            return
        }
        let id = nextID()
        let bridge = CallBridge(id: id, direction: "outbound", number: request.number, candidates: chosen,
                                loop: first.controller.eventLoop, storage: storage, logger: logger, farEnd: .sipOutbound(request),
                                rtpPorts: rtpPorts, route: route) { [weak self] bridge in
            Task { await self?.finished(bridge) }
        }
        calls[id] = bridge
        claimed.insert(first.facts.id)
        claims[id] = first.facts.id
        bridge.start()
    }

    /// A modem rings and nobody owns it: INVITE the user its inbound rule names. With no
    /// rule or no registration the call keeps ringing and ends as missed on the modem.
    func incoming(_ controller: ModemController, caller: CallerID) async {
        guard let sip, let facts = try? await controller.callFacts().get() else { return }
        guard let user = inbound.user(for: facts.id) else {
            logger.notice("inbound call with no target user", metadata: ["modem": "\(facts.id)", "caller": "\(caller.display)"])
            return
        }
        guard let host = await sip.mediaHost(forUser: user) else {
            logger.notice("inbound call: user not registered", metadata: ["modem": "\(facts.id)", "user": "\(user)"])
            return
        }
        let id = nextID()
        let bridge = CallBridge(id: id, direction: "inbound", number: caller.display, candidates: [(controller, facts)],
                                loop: controller.eventLoop, storage: storage, logger: logger,
                                farEnd: .sipInbound(user: user, caller: caller, sip: sip, mediaHost: host),
                                rtpPorts: rtpPorts) { [weak self] bridge in
            Task { await self?.finished(bridge) }
        }
        calls[id] = bridge
        bridge.start()
    }

    func mediaReport() async -> MediaLatencyReport {
        var live: [(LatencyHistogram, LatencyHistogram)] = []
        for bridge in calls.values {
            if let l = try? await bridge.mediaLatencies().get() { live.append(l) }
        }
        return CallBridge.transit.report(adding: live)
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
        let id = nextID()
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

    private static func phrase(_ status: Int) -> String {
        switch status {
        case 403: "Forbidden"
        case 484: "Address Incomplete"
        default: "Service Unavailable"
        }
    }

    private func finished(_ bridge: CallBridge) {
        calls[bridge.id] = nil
        if let routing, bridge.direction == "outbound" {
            // The SIM's counters (minutes today and this period) move only for answered calls.
            Task { [pool] in
                guard let call = try? await bridge.live().get(), let answered = call.answeredAt, let modem = call.modemID,
                      let iccid = await pool.callCandidates().first(where: { $0.facts.id == modem })?.facts.iccid else { return }
                let now = Date()
                let billed = routing.billedSeconds(iccid: iccid, callSeconds: Int(now.timeIntervalSince(answered).rounded(.up)))
                try? await routing.recordCallStart(iccid: iccid, user: nil, at: answered)
                try? await routing.recordCallEnd(iccid: iccid, user: bridge.sipUser, billedSeconds: billed, at: now)
            }
        }
        if let modem = claims.removeValue(forKey: bridge.id) { claimed.remove(modem) }
        guard bridge.direction == "outbound", let handler = onAnsweredOutbound else { return }
        let number = bridge.number
        Task {
            if let call = try? await bridge.live().get(), call.answeredAt != nil { await handler(number) }
        }
    }
}

extension CallManager {
    func records(limit: Int, modem: String?, since: Date?) async throws -> [CallDetail] {
        try await storage.callRecords(limit: limit, modem: modem, since: since)
    }
}
