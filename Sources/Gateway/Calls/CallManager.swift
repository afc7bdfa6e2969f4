// Live calls: starts them (choosing modems through the `ModemChooser` seam), finds them for
// the control API, and forgets them when they end (their records stay in Storage).
import CallCore
import ControlModel
import Foundation
import Logging
import ModemCore
import NIOCore
import SimgateConfig
import Storage

actor CallManager {
    private let pool: ModemPool
    private let storage: Storage
    private let logger: Logger
    private let chooser: any ModemChooser
    private var calls: [String: CallBridge] = [:]
    private var serial = 0
    /// The SIP side (nil without [sip]): INVITEs to numbers become bridged calls, and
    /// modems' inbound rings INVITE the configured user.
    private let sip: SIPService?
    private let inbound: InboundTargets
    private let rtpPorts: ClosedRange<Int>
    /// First-choice modems of calls still alive (call id → modem).
    private var claims: [String: String] = [:]
    private var claimed: Set<String> = []
    /// Media and setup latencies of this daemon's calls (each bridge adds its own).
    private let latency = MediaLatencyTotals()

    /// Who an inbound call on a modem rings: `[[modem]] inbound_user`, else
    /// `[sip] default_inbound_user`.
    struct InboundTargets: Sendable {
        var byModem: [String: String] = [:]
        var fallback: String?
        func user(for modem: String) -> String? { byModem[modem] ?? fallback }
    }

    /// Told the number of every answered outbound call (the missed-call list closes that
    /// customer's open entry: they got through).
    private let onAnsweredOutbound: (@Sendable (_ number: String) async -> Void)?

    /// Calls by outcome and attempts by cause, for /metrics.
    private let metrics: GatewayMetrics?

    /// The router: which SIMs may carry a SIP user's call, best first (on-net, cost,
    /// limits), and the usage counters it keeps. nil: the first free modem (`chooser`) takes it.
    private let routing: RoutingService?
    var hasRouting: Bool { routing != nil }

    /// SIM care: told every outbound call's attempts, to quarantine SIMs the network keeps
    /// refusing (nil without routing: nobody would read its verdict).
    private let simHealth: SIMHealthService?

    /// What a closed record adds to the usage counters (the router's tariffs), given to every
    /// bridge and to the start-up close of interrupted calls (nil without routing).
    private let usageCharges: (@Sendable (CallDetail) -> [UsageCharge])?
    /// Where the start-up close lists the callers of inbound calls a crash cut off unanswered.
    private let missedCalls: MissedCallService?
    /// How often open call records are marked alive (CallRecord.swift): an interrupted call's
    /// duration is short by at most this.
    static let heartbeatSeconds = 2

    /// INVITEs to numbers from the SIP side and unclaimed rings from the modems: both are
    /// built before this manager and called by it, so they reach it through streams the
    /// assembler made (`SIPService.start`'s `bridgeCalls`, `ModemPool`'s `rings`), drained
    /// from `start()` until their producers stop.
    private let sipCalls: AsyncStream<SIPBridgeRequest>?
    private let rings: AsyncStream<ModemPool.Ring>?
    private var drains: [Task<Void, Never>] = []
    /// Marks the open records alive every `heartbeatSeconds` (stopped with the call center's input).
    private var heartbeat: Task<Void, Never>?

    /// Every collaborator is given here; `start` then takes the SIP side's INVITEs and the
    /// modems' rings. The call center, which places its calls through this manager, is told
    /// what happens through `callCenter`'s stream (it is built after this manager).
    init(pool: ModemPool, storage: Storage, logger: Logger, metrics: GatewayMetrics? = nil,
         chooser: any ModemChooser = FirstFreeModemChooser(), routing: RoutingService? = nil, simHealth: SIMHealthService? = nil,
         sip: SIPService? = nil, inbound: InboundTargets = InboundTargets(), rtpPorts: ClosedRange<Int> = 20_000...20_999,
         sipCalls: AsyncStream<SIPBridgeRequest>? = nil, rings: AsyncStream<ModemPool.Ring>? = nil,
         callCenter: CallCenterHookup? = nil, missedCalls: MissedCallService? = nil,
         onAnsweredOutbound: (@Sendable (_ number: String) async -> Void)? = nil) {
        self.missedCalls = missedCalls
        if let routing {
            self.usageCharges = { @Sendable (row: CallDetail) -> [UsageCharge] in routing.usageCharges(for: row) }
        } else {
            self.usageCharges = nil
        }
        self.pool = pool; self.storage = storage; self.logger = logger; self.metrics = metrics; self.chooser = chooser
        self.routing = routing; self.simHealth = simHealth
        self.sip = sip; self.inbound = inbound; self.rtpPorts = rtpPorts; self.onAnsweredOutbound = onAnsweredOutbound
        self.sipCalls = sipCalls; self.rings = rings; self.callCenter = callCenter
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
                                loop: first.controller.eventLoop, storage: storage, latency: latency, logger: logger, usageCharges: usageCharges, farEnd: .sipOutbound(request),
                                rtpPorts: rtpPorts, route: route) { [weak self] bridge in
            Task { await self?.finished(bridge) }
        }
        calls[id] = bridge
        userCall(request.user, started: true)
        claimed.insert(first.facts.id)
        claims[id] = first.facts.id
        bridge.start()
    }

    /// A modem rings and nobody owns it. An [[inbound]] rule covering its SIM hands the call
    /// to the call center (ring groups, queues, missed calls); else INVITE the user its
    /// `inbound_user` names. With neither, or no registration, the call keeps ringing and
    /// ends in the missed-call list (InboundRingRecorder).
    func incoming(_ controller: ModemController, caller: CallerID) async {
        guard let sip, let facts = try? await controller.callFacts().get() else { return }
        if let center = callCenter, center.covers(facts.simIdentifiers) {
            let id = nextID()
            let link = CallCenterLink(sip: sip, holdAudio: center.holdAudio, caller: caller, report: center.report)
            let bridge = CallBridge(id: id, direction: "inbound", number: caller.display, candidates: [(controller, facts)],
                                    loop: controller.eventLoop, storage: storage, latency: latency, logger: logger, usageCharges: usageCharges, farEnd: .callCenter(link),
                                    rtpPorts: rtpPorts) { [weak self] bridge in
                Task { await self?.finished(bridge) }
            }
            calls[id] = bridge
            bridge.start()
            return
        }
        guard let user = inbound.user(for: facts.id) else {
            logger.notice("inbound call with no target user", metadata: ["modem": "\(facts.id)", "caller": "\(caller.display)"])
            return
        }
        guard await sip.mediaHost(forUser: user) != nil else {
            logger.notice("inbound call: user not registered", metadata: ["modem": "\(facts.id)", "user": "\(user)"])
            return
        }
        let id = nextID()
        let bridge = CallBridge(id: id, direction: "inbound", number: caller.display, candidates: [(controller, facts)],
                                loop: controller.eventLoop, storage: storage, latency: latency, logger: logger, usageCharges: usageCharges,
                                farEnd: .sipInbound(user: user, caller: caller, sip: sip),
                                rtpPorts: rtpPorts) { [weak self] bridge in
            Task { await self?.finished(bridge) }
        }
        calls[id] = bridge
        bridge.start()
    }

    // MARK: The call center

    /// The live half of inbound rules: the center's distributor, fed by the bridges' reports
    /// (and the users' busy and free) in order through one stream per daemon, which
    /// `Daemon.start` makes before this manager and the center, and the center drains.
    struct CallCenterHookup: Sendable {
        let config: InboundConfig
        let holdAudio: HoldAudioLibrary
        let input: AsyncStream<CallCenterInput>.Continuation
        var report: @Sendable (CallCenterReport) -> Void { { [input] in input.yield(.report($0)) } }
        func covers(_ identifiers: [String]) -> Bool { config.rules.contains { $0.covers(simIdentifiers: identifiers) } }
    }
    /// Inbound calls on SIMs that its rules cover go to the call center (nil: no call center).
    private let callCenter: CallCenterHookup?
    /// Calls each SIP user is on outside the call center (their phones are busy for it).
    private var userCalls: [String: Int] = [:]

    /// Ends the report stream (daemon shutdown, after `hangUpAll`): the center handles what
    /// is queued, then stops reading (`InboundCallCenter.inputsDrained`).
    func stopCallCenter() {
        heartbeat?.cancel()
        callCenter?.input.finish()
    }

    /// A SIP user starts or ends a call the call center did not place: while on it, their
    /// phone is skipped by ring groups and queues.
    private func userCall(_ user: String?, started: Bool) {
        guard let user, let callCenter else { return }
        let n = max(0, (userCalls[user] ?? 0) + (started ? 1 : -1))
        userCalls[user] = n == 0 ? nil : n
        if started, n == 1 {
            callCenter.input.yield(.memberBusy(.user(user)))
        } else if !started, n == 0 {
            callCenter.input.yield(.memberFree(.user(user)))
        }
    }

    func mediaReport() async -> MediaLatencyReport {
        var live: [(LatencyHistogram, LatencyHistogram)] = []
        for bridge in calls.values {
            if let l = try? await bridge.mediaLatencies().get() { live.append(l) }
        }
        return latency.report(adding: live)
    }

    /// Closes the records a crash (kill -9, power) left open, before any new call opens one:
    /// each at its last heartbeat as `interrupted`, its minutes charged, and the caller of an
    /// inbound call nobody had answered listed as missed, all in one transaction. Then takes
    /// INVITEs to numbers and modems' rings, and keeps the open records' heartbeat.
    func start() async {
        do {
            let outbox = missedCalls?.outbox
            let closed = try await storage.closeInterruptedCalls(charges: usageCharges ?? { _ in [] }) { tx, rows in
                guard let outbox else { return }
                let now = Date()
                for row in rows where row.direction == "inbound" && row.answerAt == nil {
                    try MissedCallService.record(MissedCall(caller: row.caller, sim: row.modemID, startedAt: row.inviteAt,
                                                            endedAt: row.endAt ?? row.inviteAt, reason: .interrupted),
                                                 outbox: outbox, now: now, in: tx)
                }
            }
            if !closed.isEmpty {
                let missed = closed.filter { $0.direction == "inbound" && $0.answerAt == nil }.count
                logger.notice("closed call records left open by the previous run",
                              metadata: ["count": "\(closed.count)", "missed": "\(missed)"])
                if missed > 0 { missedCalls?.wakeWebhooks() }
            }
        } catch {
            logger.error("cannot close interrupted call records", metadata: ["error": "\(error)"])
        }
        guard drains.isEmpty else { return }
        heartbeat = Task { [weak self, storage, logger] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Self.heartbeatSeconds))
                guard let self else { return }
                guard await self.hasCalls else { continue }
                do { try await storage.markOpenCallsAlive(at: Date()) } catch {
                    logger.error("cannot write the call records' heartbeat", metadata: ["error": "\(error)"])
                }
            }
        }
        // One task per request and per ring, as each waits on the modems and the router.
        if let sipCalls {
            drains.append(Task { [weak self] in
                for await request in sipCalls {
                    guard let self else { return }
                    Task { await self.sipOutbound(request) }
                }
            })
        }
        if let rings {
            drains.append(Task { [weak self] in
                for await ring in rings {
                    guard let self else { return }
                    Task { await self.incoming(ring.modem, caller: ring.caller) }
                }
            })
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
                                loop: first.controller.eventLoop, storage: storage, latency: latency, logger: logger, usageCharges: usageCharges) { [weak self] bridge in
            Task { await self?.finished(bridge) }
        }
        calls[id] = bridge
        bridge.start()
        return .success((try? await bridge.live().get()) ?? LiveCall(id: id, direction: "outbound", state: "dialing", modemID: first.facts.id,
                                                                       number: request.number, startedAt: Date()))
    }

    var hasCalls: Bool { !calls.isEmpty }

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
        metrics?.callEnded(direction: bridge.direction, attempts: bridge.attempts)
        if case .sipOutbound(let request) = bridge.farEnd { userCall(request.user, started: false) }
        if let simHealth, bridge.direction == "outbound" {
            // The bridge has ended: its attempts no longer change.
            let attempts = bridge.attempts
            Task { await simHealth.callEnded(attempts) }
        }
        // The SIM's counters (minutes today and this period) moved with the answered attempt's
        // record, in the transaction that closed it (CallBridge.closeRecord, usageCharges).
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

// The call center's actions, carried out by the call's bridge (on its loop).
extension CallManager: InboundCallLegs {
    func ring(_ callID: String, _ member: InboundMember) async {
        guard let call = calls[callID] else { return }
        if case .number(let number) = member {
            await ringExternal(call, member, number: number)
        } else {
            call.centerRing(member)
        }
    }

    /// Dials an external member through a free SIM (the router's choice when configured);
    /// its answer and end go back to the inbound call, which relays the audio.
    private func ringExternal(_ call: CallBridge, _ member: InboundMember, number: String) async {
        let all = await pool.callCandidates()
        var ids: [String]
        if let routing {
            ids = await routing.plan(dialled: number, user: nil, now: Date()).candidates.map(\.id)
        } else {
            ids = chooser.candidates(number: number, named: nil, among: all.map(\.facts))
        }
        ids = ids.filter { !claimed.contains($0) }
        let chosen = ids.compactMap { id in all.first { $0.facts.id == id } }
        guard let first = chosen.first else {
            logger.notice("no free SIM to ring an external member", metadata: ["member": "\(member)"])
            call.externalMemberUnreachable(member)
            return
        }
        let relay = PCMRelay()
        let link = ExternalMemberLink(relay: relay) { [weak call] event in call?.externalMemberEvent(member, event) }
        let id = nextID()
        let bridge = CallBridge(id: id, direction: "outbound", number: number, candidates: chosen, loop: first.controller.eventLoop,
                                storage: storage, latency: latency, logger: logger, usageCharges: usageCharges, farEnd: .externalMember(link), rtpPorts: rtpPorts) { [weak self] bridge in
            Task { await self?.finished(bridge) }
        }
        calls[id] = bridge
        claimed.insert(first.facts.id)
        claims[id] = first.facts.id
        call.externalMemberDialled(member, bridge: bridge, relay: relay)
        bridge.start()
    }
    func stopRinging(_ callID: String, _ member: InboundMember) async { calls[callID]?.centerStopRinging(member) }
    func answerGSM(_ callID: String) async { calls[callID]?.centerAnswerGSM() }
    func playHoldMusic(_ callID: String, file: String?) async { calls[callID]?.centerPlayHoldMusic(file: file) }
    func playPrompt(_ callID: String, file: String) async { calls[callID]?.centerPlayPrompt(file: file) }
    func connect(_ callID: String, _ member: InboundMember) async { calls[callID]?.centerConnect(member) }
    func hangUpGSM(_ callID: String) async { calls[callID]?.centerHangUpGSM() }
}

// Callbacks: ring the dispatcher(s), then dial the customer.
extension CallManager: CallbackDialer {
    /// How long dispatchers' phones ring for a callback before it counts as not answered.
    static let callbackRingSeconds: Int64 = 30

    func dial(_ request: CallbackRequest) async -> CallbackOutcome {
        guard let sip else { return .failed }
        let members = callbackMembers(request.user)
        let all = await pool.callCandidates()
        // The SIM the customer called first (they know its number), then the usual choice.
        var ids = chooser.candidates(number: request.customer, named: nil, among: all.map(\.facts))
        if let preferred = request.preferredSIM, let i = ids.firstIndex(where: { id in
            id == preferred || all.contains { $0.facts.id == id && $0.facts.simIdentifiers.contains(preferred) } }) {
            ids.insert(ids.remove(at: i), at: 0)
        }
        let chosen = ids.compactMap { id in all.first { $0.facts.id == id } }
        guard let first = chosen.first, !members.isEmpty else {
            logger.notice("callback not placed", metadata: ["customer": "\(request.customer)", "user": "\(request.user)",
                                                            "why": "\(members.isEmpty ? "no dispatcher to ring" : "no free modem")"])
            return .failed
        }
        let id = nextID()
        return await withCheckedContinuation { continuation in
            let link = CallbackLink(sip: sip, members: members, customer: request.customer, ringSeconds: Self.callbackRingSeconds,
                                    completion: { continuation.resume(returning: $0) })
            let bridge = CallBridge(id: id, direction: "outbound", number: request.customer, candidates: chosen,
                                    loop: first.controller.eventLoop, storage: storage, latency: latency, logger: logger, usageCharges: usageCharges, farEnd: .callback(link),
                                    rtpPorts: rtpPorts) { [weak self] bridge in
                Task { await self?.finished(bridge) }
            }
            calls[id] = bridge
            bridge.start()
        }
    }

    /// `alice`, `user:alice`, or a rule's target (`ring_group:day`, `queue:main`) for a recall.
    private func callbackMembers(_ who: String) -> [InboundMember] {
        guard let target = InboundTarget.parse(who) else { return [.user(who)] }
        let config = callCenter?.config
        switch target {
        case .user(let name): return [.user(name)]
        case .ringGroup(let name): return config?.ringGroup(name)?.members ?? []
        case .queue(let name): return config?.queue(name)?.members ?? []
        case .number, .missed: return []
        }
    }
}
