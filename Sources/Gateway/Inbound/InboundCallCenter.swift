// The live side of inbound calls: owns an InboundDistributor and a RecallScheduler, carries
// out their actions through the call bridge (`InboundCallLegs`, `CallbackDialer`), records
// missed calls, closes entries when a customer gets through, and publishes call.* webhooks.
//
// The bridge calls in with what happens on the wire (a GSM call rings, a phone answers or
// declines, someone hangs up) and implements the two protocols below; timers are this
// actor's: `start()` runs a loop that sleeps until the next deadline, and tests call
// `tick()` with a virtual clock instead.
import CallCore
import ControlModel
import Foundation
import Logging
import SimgateConfig
import Storage

/// What the call bridge does for the distributor. Each call returns once the bridge has
/// started the action (not when the phone answers: that comes back as an event).
public protocol InboundCallLegs: Sendable {
    /// INVITE a SIP user, or dial an external number through a SIM, for inbound call `callID`.
    func ring(_ callID: String, _ member: InboundMember) async
    /// CANCEL that INVITE (or hang up that outbound leg).
    func stopRinging(_ callID: String, _ member: InboundMember) async
    func answerGSM(_ callID: String) async
    /// Loop `file` (nil: MediaCore's generated hold music) to the caller.
    func playHoldMusic(_ callID: String, file: String?) async
    func playPrompt(_ callID: String, file: String) async
    /// Bridge the GSM caller to the member's answered leg.
    func connect(_ callID: String, _ member: InboundMember) async
    func hangUpGSM(_ callID: String) async
}

/// What the calls tell the call center, in the order it happens: one stream per daemon, made
/// by `Daemon.start` before both. The calls (CallManager, the producer, whose
/// `CallCenterHookup` holds the continuation) are built first, since the center places its
/// calls through them (`InboundCallLegs`, `CallbackDialer`); the center drains the stream.
enum CallCenterInput: Sendable {
    case report(CallCenterReport)
    /// A SIP user started (busy) or ended (free) their last call outside the call center.
    case memberBusy(InboundMember)
    case memberFree(InboundMember)
}

public actor InboundCallCenter {
    let config: InboundConfig
    let legs: any InboundCallLegs
    let dialer: any CallbackDialer
    let missedCalls: MissedCallService
    let storage: Storage
    let outbox: WebhookOutbox
    let wakeWebhooks: @Sendable () -> Void
    let clock: @Sendable () -> Date
    let logger: Logger

    private var distributor: InboundDistributor
    private var recall = RecallScheduler()
    /// Caller numbers of calls in progress, for webhooks and closing missed entries.
    private var callers: [String: (caller: String?, sim: String)] = [:]
    /// Callbacks being dialled now, by task id: never dialled twice at once, and run apart
    /// from the timer loop so a ten-minute callback never delays a ring group's timeout.
    private var dialling: [Int64: Task<Void, Never>] = [:]
    private var loop: Task<Void, Never>?
    /// The calls' reports (nil: tests call the event methods themselves), drained by `feed`
    /// from `start()` until the stream finishes.
    private let inputs: AsyncStream<CallCenterInput>?
    private var feed: Task<Void, Never>?
    private var waiter: CheckedContinuation<Void, Never>?
    private var woken = false
    private let metrics: GatewayMetrics?

    public init(config: InboundConfig, legs: any InboundCallLegs, dialer: any CallbackDialer, missedCalls: MissedCallService,
                storage: Storage, outbox: WebhookOutbox, wakeWebhooks: @escaping @Sendable () -> Void = {},
                clock: @escaping @Sendable () -> Date = Date.init, logger: Logger = Logger(label: "simgate.inbound"),
                metrics: GatewayMetrics? = nil) {
        self.init(config: config, legs: legs, dialer: dialer, missedCalls: missedCalls, storage: storage, outbox: outbox,
                  wakeWebhooks: wakeWebhooks, clock: clock, logger: logger, metrics: metrics, inputs: nil)
    }

    /// `inputs`: the calls' reports, drained from `start()` (see `CallCenterInput`).
    init(config: InboundConfig, legs: any InboundCallLegs, dialer: any CallbackDialer, missedCalls: MissedCallService,
         storage: Storage, outbox: WebhookOutbox, wakeWebhooks: @escaping @Sendable () -> Void = {},
         clock: @escaping @Sendable () -> Date = Date.init, logger: Logger = Logger(label: "simgate.inbound"),
         metrics: GatewayMetrics? = nil, inputs: AsyncStream<CallCenterInput>?) {
        self.config = config; self.legs = legs; self.dialer = dialer; self.missedCalls = missedCalls; self.storage = storage
        self.outbox = outbox; self.wakeWebhooks = wakeWebhooks; self.clock = clock; self.logger = logger; self.metrics = metrics
        self.inputs = inputs
        distributor = InboundDistributor(config: config)
    }

    private func take(_ input: CallCenterInput) async {
        switch input {
        case .report(.incoming(let id, let caller, let sim, let identifiers, let line)):
            await incomingCall(id, caller: caller, sim: sim, simIdentifiers: identifiers, line: line)
        case .report(.answered(let id, let member)): await memberAnswered(id, member: member)
        case .report(.declined(let id, let member)): await memberDeclined(id, member: member)
        case .report(.callerHungUp(let id)): await callerHungUp(id)
        case .report(.callEnded(let id)): await callEnded(id)
        case .report(.modemFailed(let id)): await modemFailed(id)
        case .memberBusy(let member): memberBusy(member)
        case .memberFree(let member): await memberFree(member)
        }
    }

    // MARK: Events from the call bridge

    /// A GSM call rings. Returns false when no [[inbound]] rule covers the SIM (the bridge
    /// applies its default handling).
    @discardableResult
    public func incomingCall(_ callID: String, caller: String?, sim: String, simIdentifiers: [String] = [], line: String? = nil) async -> Bool {
        let now = clock()
        let actions = distributor.incomingCall(callID, caller: caller, sim: sim, simIdentifiers: simIdentifiers, line: line, now: now)
        guard !actions.isEmpty else { return false }
        callers[callID] = (caller, sim)
        await publish(.callRinging, CallEventData(callID: callID, direction: "inbound", caller: caller, sim: sim, line: line), at: now)
        await perform(actions)
        return true
    }

    public func memberAnswered(_ callID: String, member: InboundMember) async {
        await perform(distributor.memberAnswered(callID, member: member, now: clock()))
    }

    public func memberDeclined(_ callID: String, member: InboundMember) async {
        await perform(distributor.memberDeclined(callID, member: member, now: clock()))
    }

    public func callerHungUp(_ callID: String) async {
        await perform(distributor.callerHungUp(callID, now: clock()))
        await ended(callID)
    }

    /// A connected call ended (either side).
    public func callEnded(_ callID: String) async {
        await perform(distributor.callEnded(callID, now: clock()))
        await ended(callID)
    }

    public func modemFailed(_ callID: String) async {
        await perform(distributor.modemFailed(callID, now: clock()))
        await ended(callID)
    }

    public func memberBusy(_ member: InboundMember) {
        distributor.memberBusy(member)
    }

    public func memberFree(_ member: InboundMember) async {
        await perform(distributor.memberFree(member, now: clock()))
    }

    // MARK: Time

    /// Handles every deadline due now: ring-group and queue timers, recall attempts, and
    /// callbacks people asked for.
    public func tick() async {
        let now = clock()
        // The loop recomputes its deadline after this tick: waking it would spin it.
        await perform(distributor.tick(now: now), wakeLoop: false)
        for action in recall.tick(now: now) { await handle(action) }
        await dispatchPendingCallbacks()
    }

    public var nextDeadline: Date? {
        [distributor.nextDeadline, recall.nextDeadline].compactMap { $0 }.min()
    }

    public var recallsScheduled: Int { recall.count }

    /// Runs `tick()` at each deadline until `stop()`; polls at least every `idleSeconds` for
    /// callbacks requested through the API.
    public func start(idleSeconds: Double = 2) {
        if let inputs, feed == nil {
            feed = Task { for await input in inputs { await self.take(input) } }
        }
        guard loop == nil else { return }
        loop = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                await self.tick()
                await self.sleepUntilNextDeadline(idleSeconds: idleSeconds)
            }
        }
    }

    /// Ends the timers and the callbacks being dialled. The reports still come in until their
    /// stream finishes (the calls hang up after this, and their ends are still recorded):
    /// `inputsDrained` waits for that.
    public func stop() async {
        loop?.cancel()
        signal()
        await loop?.value
        loop = nil
        for task in dialling.values { task.cancel() }
    }

    /// Returns once the calls' stream has finished and every report in it was handled.
    func inputsDrained() async {
        await feed?.value
    }

    /// Times the timer loop has gone round: a few per deadline, or one per `idleSeconds`.
    public private(set) var loopPasses = 0

    private func sleepUntilNextDeadline(idleSeconds: Double) async {
        loopPasses += 1
        if woken { woken = false; return }
        let wait = nextDeadline.map { max(0.001, min(idleSeconds, $0.timeIntervalSince(clock()))) } ?? idleSeconds
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
            await self?.signal()
        }
        await withCheckedContinuation { waiter = $0 }
        timer.cancel()
        woken = false
    }

    private func signal() {
        woken = true
        if let w = waiter { waiter = nil; w.resume() }
    }

    // MARK: Carrying out

    /// `wakeLoop`: an event from outside may have moved a deadline earlier, so the timer loop
    /// re-plans its sleep. Not from the loop's own tick: it re-plans anyway, and a wake-up
    /// from inside would make it run again at once, for ever.
    private func perform(_ actions: [InboundDistributor.Action], wakeLoop: Bool = true) async {
        for action in actions {
            switch action {
            case .ring(let id, let m): await legs.ring(id, m)
            case .stopRinging(let id, let m): await legs.stopRinging(id, m)
            case .answerGSM(let id): await legs.answerGSM(id)
            case .playHoldMusic(let id, let file): await legs.playHoldMusic(id, file: file)
            case .playPrompt(let id, let file): await legs.playPrompt(id, file: file)
            case .hangUpGSM(let id): await legs.hangUpGSM(id)
            case .connect(let id, let m):
                await legs.connect(id, m)
                await answered(id, by: m)
            case .recordMissed(let call, let ruleIndex):
                await recordMissed(call, ruleIndex: ruleIndex)
            }
        }
        if wakeLoop { signal() }
    }

    private func answered(_ callID: String, by member: InboundMember) async {
        let now = clock()
        let info = callers[callID]
        let user: String? = if case .user(let name) = member { name } else { nil }
        await publish(.callAnswered, CallEventData(callID: callID, direction: "inbound", caller: info?.caller, callee: member.description,
                                                   sim: info?.sim, user: user), at: now)
        // The customer got through: their open missed entry closes, any recall stops.
        if let caller = info?.caller {
            do {
                if let closed = try await missedCalls.customerReached(number: caller, how: "answered inbound call (\(member))") {
                    recall.cancel(closed.id)
                }
            } catch {
                logger.error("cannot close missed call", metadata: ["caller": "\(caller)", "error": "\(error)"])
            }
        }
    }

    private func ended(_ callID: String) async {
        guard let info = callers.removeValue(forKey: callID) else { return }
        await publish(.callEnded, CallEventData(callID: callID, direction: "inbound", caller: info.caller, sim: info.sim), at: clock())
    }

    private func recordMissed(_ call: MissedCall, ruleIndex: Int?) async {
        do {
            let entry = try await missedCalls.record(call)
            if let ruleIndex, config.rules.indices.contains(ruleIndex), let customer = entry.caller,
               let plan = RecallScheduler.Plan(missedCallID: entry.id, customer: customer, sim: entry.sim, missedAt: call.endedAt,
                                               rule: config.rules[ruleIndex]) {
                recall.add(plan, now: clock())
            }
        } catch {
            // The list is the promise of this module: say loudly that one call is not in it.
            logger.critical("missed call NOT recorded", metadata: ["caller": "\(call.caller ?? "withheld")", "sim": "\(call.sim)",
                                                                   "reason": "\(call.reason.rawValue)", "error": "\(error)"])
        }
    }

    private func handle(_ action: RecallScheduler.Action) async {
        switch action {
        case .startAttempt(let plan, let attempt):
            let task: CallbackTaskInfo
            do {
                task = try await missedCalls.requestCallback(id: plan.missedCallID, user: "recall", kind: "recall").1
            } catch {
                // Closed or claimed by a person in the meantime: the recall has no business here.
                recall.cancel(plan.missedCallID)
                logger.info("recall stopped", metadata: ["entry": "\(plan.missedCallID)", "why": "\(error)"])
                return
            }
            let request = CallbackRequest(taskID: task.id, missedCallID: plan.missedCallID, user: plan.dispatchers.description,
                                          customer: plan.customer, preferredSIM: plan.sim)
            dialling[task.id] = Task { await self.dial(request, recallAttempt: attempt) }
        case .succeeded(let id, let attempts):
            metrics?.count("simgate_recalls_finished_total", [("result", "reached")])
            logger.info("recall reached the customer", metadata: ["entry": "\(id)", "attempts": "\(attempts)"])
        case .gaveUp(let id, let attempts):
            metrics?.count("simgate_recalls_finished_total", [("result", "gave_up")])
            logger.notice("recall gave up; the entry stays open", metadata: ["entry": "\(id)", "attempts": "\(attempts)"])
        }
    }

    /// Dials one callback through the bridge and records how it went.
    private func dial(_ request: CallbackRequest, recallAttempt: Int?) async {
        let outcome = await dialer.dial(request)
        metrics?.count("simgate_callbacks_total", [("kind", recallAttempt == nil ? "manual" : "recall"), ("outcome", outcome.rawValue)])
        do {
            try await missedCalls.recordCallbackAttempt(taskID: request.taskID, outcome: outcome, final: true)
        } catch {
            logger.error("cannot record callback result", metadata: ["task": "\(request.taskID)", "error": "\(error)"])
        }
        if let recallAttempt {
            logger.info("recall attempt", metadata: ["entry": "\(request.missedCallID)", "attempt": "\(recallAttempt)",
                                                     "outcome": "\(outcome.rawValue)"])
            for next in recall.attemptFinished(request.missedCallID, outcome: outcome, now: clock()) { await handle(next) }
            signal()
        }
        dialling[request.taskID] = nil
    }

    /// Starts the manual callbacks people asked for (`simgate missed callback`), oldest first.
    private func dispatchPendingCallbacks() async {
        let pending: [CallbackTaskInfo]
        do { pending = try await missedCalls.pendingCallbacks().filter { $0.kind == "manual" } } catch { return }
        for task in pending where dialling[task.id] == nil {
            guard let entry = try? await missedCalls.entry(id: task.missedCallID), let customer = entry.caller,
                  dialling[task.id] == nil else { continue }
            let request = CallbackRequest(taskID: task.id, missedCallID: entry.id, user: task.user, customer: customer,
                                          preferredSIM: entry.sim)
            dialling[task.id] = Task { await self.dial(request, recallAttempt: nil) }
        }
    }

    /// Waits until every callback started so far has ended (tests, and a clean shutdown).
    public func waitForCallbacks() async {
        while let (_, task) = dialling.first { await task.value }
    }

    private func publish(_ type: WebhookEventType, _ data: CallEventData, at now: Date) async {
        guard !outbox.webhooks.isEmpty else { return }
        do {
            let event = try WebhookEvent(type: type, occurredAt: now, data: data)
            let outbox = self.outbox
            _ = try await storage.transaction { tx in try outbox.enqueue(event, in: tx) }
            wakeWebhooks()
        } catch {
            logger.error("cannot queue webhook", metadata: ["event": "\(type.rawValue)", "error": "\(error)"])
        }
    }
}
