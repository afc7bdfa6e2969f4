// Which phones ring for an inbound GSM call, and what happens when nobody answers: the
// sans-IO core of ring groups and queues.
//
// The call bridge feeds it events (a call arrived, a member answered or declined, the
// caller hung up, a member became busy or free, time passed) and carries out the actions it
// returns (ring or stop ringing a member, answer the GSM leg, play hold music or a prompt,
// connect caller and member, hang up, record a missed call). It never reads a clock: every
// event carries `now`, and `nextDeadline` says when to call `tick(now:)` next.
//
// Rules it keeps:
// - a member rings for at most one call at a time and is never rung while busy;
// - parallel groups ring every free member until one answers or the group times out;
//   sequential groups ring free members one at a time for `member_timeout` each, cycling,
//   until the group times out; then the overflow target takes the call;
// - a queue answers the GSM call (hold music, periodic prompt) only when no member is free;
//   the longest-waiting caller is offered to the next free member; `max_wait` sends the
//   call to the overflow target;
// - every call ends connected or with exactly one `recordMissed`.
import ControlModel
import Foundation
import SimgateConfig

public struct InboundDistributor: Sendable {
    public typealias CallID = String

    /// A `user:` or `number:` target rings that one member for this long (no group timeout
    /// was configured for it), then the call is missed.
    public static let directTargetTimeoutSeconds: Double = 30
    /// Overflow chains longer than this (or cycles: a → b → a) end as missed, so a config
    /// mistake cannot keep a caller in a loop.
    public static let maximumTargetHops = 8

    public enum Action: Sendable, Equatable {
        case ring(CallID, InboundMember)
        case stopRinging(CallID, InboundMember)
        /// Take the GSM call off hook (ATA): the caller stops hearing ringback.
        case answerGSM(CallID)
        /// Loop this WAV file (nil: the generated default) to the caller until told otherwise.
        case playHoldMusic(CallID, file: String?)
        /// Play this WAV once, then resume the hold music.
        case playPrompt(CallID, file: String)
        /// Bridge the caller to the member who answered (stops any music).
        case connect(CallID, InboundMember)
        /// End the GSM call from our side (reject a ringing call or hang up a queued one).
        case hangUpGSM(CallID)
        /// Nobody answered. `ruleIndex` is the [[inbound]] rule that took the call (for recall).
        case recordMissed(MissedCall, ruleIndex: Int?)
    }

    struct Call: Sendable {
        var id: CallID
        var caller: String?
        var sim: String
        var line: String?
        var arrivedAt: Date
        var ruleIndex: Int?
        var answered = false
        var hops = 0
        var stage: Stage
    }

    enum Stage: Sendable {
        case ringing(RingingStage)
        case queued(QueuedStage)
        case connected(InboundMember)
    }

    struct RingingStage: Sendable {
        var members: [InboundMember]
        var sequential: Bool
        var memberTimeout: Double
        var groupDeadline: Date
        var overflow: InboundTarget?
        var ringing: Set<InboundMember> = []
        /// Members who refused this call (486, 603) or cannot be reached (not registered):
        /// not rung again for it, or a sequential group would ring them again at once, in a loop.
        var declined: Set<InboundMember> = []
        /// Sequential: index in `members` of the member rung last.
        var position = -1
        var memberDeadline: Date?
    }

    struct QueuedStage: Sendable {
        var queue: String
        var enqueuedAt: Date
        var deadline: Date
        var offer: (member: InboundMember, deadline: Date)?
        /// Members who let this caller's offer ring out this round: tried last.
        var passed: Set<InboundMember> = []
        var nextPrompt: Date?
        var onHold = false
        /// Members who refused this caller's offer (or cannot be reached), and until when they
        /// are left out: one ring timeout, so a phone that is not registered is not offered
        /// the call again and again in a loop.
        var declined: [InboundMember: Date] = [:]

        func isDeclined(_ m: InboundMember, now: Date) -> Bool { declined[m].map { $0 > now } ?? false }
        /// When a refusal wears off (only matters while nobody is being offered the call).
        var declineExpiry: Date? { offer == nil ? declined.values.min() : nil }
    }

    let config: InboundConfig
    private(set) var calls: [CallID: Call] = [:]
    /// Members on a call the distributor did not place (outbound calls, other SIMs' calls
    /// handled elsewhere), as the bridge reports them.
    private(set) var busyElsewhere: Set<InboundMember> = []

    public init(config: InboundConfig) {
        self.config = config
    }

    // MARK: Queries

    public var activeCallCount: Int { calls.count }

    /// Whether `member` could be rung now.
    public func isFree(_ member: InboundMember) -> Bool {
        guard !busyElsewhere.contains(member) else { return false }
        for call in calls.values {
            switch call.stage {
            case .ringing(let r) where r.ringing.contains(member): return false
            case .queued(let q) where q.offer?.member == member: return false
            case .connected(let m) where m == member: return false
            default: continue
            }
        }
        return true
    }

    /// The earliest instant at which `tick(now:)` has work.
    public var nextDeadline: Date? {
        var best: Date?
        func consider(_ d: Date?) { if let d, best.map({ d < $0 }) ?? true { best = d } }
        for call in calls.values {
            switch call.stage {
            case .ringing(let r): consider(r.groupDeadline); consider(r.memberDeadline)
            case .queued(let q):
                consider(q.deadline); consider(q.offer?.deadline); consider(q.onHold ? q.nextPrompt : nil); consider(q.declineExpiry)
            case .connected: break
            }
        }
        return best
    }

    /// Callers waiting in `queue`, longest-waiting first.
    public func waiting(in queue: String) -> [CallID] {
        calls.values.compactMap { call -> (CallID, Date)? in
            if case .queued(let q) = call.stage, q.queue == queue { return (call.id, q.enqueuedAt) }
            return nil
        }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    // MARK: Events

    /// A GSM call rings on a SIM. `simIdentifiers` are the names a rule may use for it
    /// (modem id, ICCID, MSISDN); `sim` is the one recorded. Returns [] when no rule covers
    /// the SIM: the bridge's default handling applies.
    public mutating func incomingCall(_ id: CallID, caller: String?, sim: String, simIdentifiers: [String], line: String? = nil,
                                      now: Date) -> [Action] {
        guard calls[id] == nil,
              let ruleIndex = config.rules.firstIndex(where: { $0.covers(simIdentifiers: simIdentifiers + [sim]) }) else { return [] }
        let rule = config.rules[ruleIndex]
        var target = rule.target
        var reasonIfMissed = MissedCallReason.allBusy
        if let hours = rule.hours, !hours.isOpen(at: now, timeZone: TimeZone(identifier: rule.timeZone) ?? .gmt) {
            target = rule.afterHours ?? .missed
            reasonIfMissed = .afterHours
        }
        let call = Call(id: id, caller: caller, sim: sim, line: line, arrivedAt: now, ruleIndex: ruleIndex,
                        stage: .ringing(RingingStage(members: [], sequential: false, memberTimeout: 0, groupDeadline: now)))
        calls[id] = call
        var actions: [Action] = []
        route(id, to: target, reasonIfMissed: reasonIfMissed, now: now, &actions)
        return actions
    }

    /// `member` picked up the call they were rung for.
    public mutating func memberAnswered(_ id: CallID, member: InboundMember, now: Date) -> [Action] {
        guard var call = calls[id] else { return [.stopRinging(id, member)] }
        var actions: [Action] = []
        switch call.stage {
        case .ringing(let r) where r.ringing.contains(member):
            for other in r.members where other != member && r.ringing.contains(other) { actions.append(.stopRinging(id, other)) }
        case .queued(let q) where q.offer?.member == member:
            break
        default:
            // Answered too late (already connected to someone else or moved on).
            return [.stopRinging(id, member)]
        }
        if !call.answered { actions.append(.answerGSM(id)); call.answered = true }
        actions.append(.connect(id, member))
        call.stage = .connected(member)
        calls[id] = call
        return actions
    }

    /// `member` declined, was busy (486), or their leg failed: move on without waiting.
    public mutating func memberDeclined(_ id: CallID, member: InboundMember, now: Date) -> [Action] {
        guard let call = calls[id] else { return [] }
        var actions: [Action] = []
        switch call.stage {
        case .ringing(var r) where r.ringing.contains(member):
            r.ringing.remove(member)
            r.declined.insert(member)
            update(id) { $0.stage = .ringing(r) }
            if r.sequential {
                ringNextSequential(id, now: now, &actions)
            } else if r.ringing.isEmpty {
                overflow(id, r.overflow, reason: .allBusy, now: now, &actions)
            }
        case .queued(var q) where q.offer?.member == member:
            q.offer = nil
            q.declined[member] = now.addingTimeInterval(config.queue(q.queue)?.ringTimeoutSeconds ?? 15)
            update(id) { $0.stage = .queued(q) }
        default:
            return []
        }
        dispatchQueues(now: now, &actions)
        return actions
    }

    /// The caller hung up (before or after being connected).
    public mutating func callerHungUp(_ id: CallID, now: Date) -> [Action] {
        guard let call = calls[id] else { return [] }
        var actions: [Action] = []
        switch call.stage {
        case .ringing: endMissed(id, reason: .callerHungUpRinging, callerGone: true, now: now, &actions)
        case .queued: endMissed(id, reason: .callerHungUpQueued, callerGone: true, now: now, &actions)
        case .connected: calls[id] = nil
        }
        dispatchQueues(now: now, &actions)
        return actions
    }

    /// The connected call ended (either side hung up): its member is free again.
    public mutating func callEnded(_ id: CallID, now: Date) -> [Action] {
        callerHungUp(id, now: now)
    }

    /// The modem carrying the call failed (reset, unplugged, AT timeout) before anyone answered.
    public mutating func modemFailed(_ id: CallID, now: Date) -> [Action] {
        guard let call = calls[id] else { return [] }
        var actions: [Action] = []
        if case .connected = call.stage {
            calls[id] = nil
        } else {
            endMissed(id, reason: .modemFault, callerGone: true, now: now, &actions)
        }
        dispatchQueues(now: now, &actions)
        return actions
    }

    /// A member is now on a call the distributor did not place.
    public mutating func memberBusy(_ member: InboundMember) {
        busyElsewhere.insert(member)
    }

    /// A member finished a call placed elsewhere: queued callers may now reach them.
    public mutating func memberFree(_ member: InboundMember, now: Date) -> [Action] {
        busyElsewhere.remove(member)
        var actions: [Action] = []
        dispatchQueues(now: now, &actions)
        return actions
    }

    /// Time passed: handle every deadline at or before `now`, earliest first.
    public mutating func tick(now: Date) -> [Action] {
        var actions: [Action] = []
        // Each pass handles the earliest due deadline; bounded because every pass either
        // removes a deadline or moves it strictly later.
        for _ in 0..<10_000 {
            guard let due = nextDeadline, due <= now else { break }
            fire(at: due, now: now, &actions)
        }
        return actions
    }

    // MARK: Internals

    private mutating func update(_ id: CallID, _ change: (inout Call) -> Void) {
        guard var call = calls[id] else { return }
        change(&call)
        calls[id] = call
    }

    private mutating func fire(at due: Date, now: Date, _ actions: inout [Action]) {
        let ordered = calls.values.sorted { $0.arrivedAt != $1.arrivedAt ? $0.arrivedAt < $1.arrivedAt : $0.id < $1.id }
        for call in ordered {
            let id = call.id
            switch call.stage {
            case .ringing(var r):
                if r.groupDeadline <= due {
                    for m in r.members where r.ringing.contains(m) { actions.append(.stopRinging(id, m)) }
                    r.ringing = []
                    r.memberDeadline = nil
                    update(id) { $0.stage = .ringing(r) }
                    overflow(id, r.overflow, reason: .rangOut, now: due, &actions)
                    dispatchQueues(now: due, &actions)
                    return
                }
                if let md = r.memberDeadline, md <= due {
                    for m in r.members where r.ringing.contains(m) { actions.append(.stopRinging(id, m)) }
                    r.ringing = []
                    r.memberDeadline = nil
                    update(id) { $0.stage = .ringing(r) }
                    ringNextSequential(id, now: due, &actions)
                    dispatchQueues(now: due, &actions)
                    return
                }
            case .queued(var q):
                if q.deadline <= due {
                    if let offer = q.offer { actions.append(.stopRinging(id, offer.member)) }
                    q.offer = nil
                    update(id) { $0.stage = .queued(q) }
                    let overflowTarget = config.queue(q.queue)?.overflow
                    overflow(id, overflowTarget, reason: .queueTimeout, now: due, &actions)
                    dispatchQueues(now: due, &actions)
                    return
                }
                if let offer = q.offer, offer.deadline <= due {
                    actions.append(.stopRinging(id, offer.member))
                    q.offer = nil
                    q.passed.insert(offer.member)
                    // The free member did not pick up: the caller has heard ringback long
                    // enough; answer and play music while the next offer rings.
                    if !q.onHold {
                        if !call.answered { actions.append(.answerGSM(id)) }
                        actions.append(.playHoldMusic(id, file: config.queue(q.queue)?.holdMusic))
                        q.onHold = true
                    }
                    update(id) { $0.stage = .queued(q); $0.answered = true }
                    dispatchQueues(now: due, &actions)
                    return
                }
                if let expiry = q.declineExpiry, expiry <= due {
                    q.declined = q.declined.filter { $0.value > due }
                    update(id) { $0.stage = .queued(q) }
                    dispatchQueues(now: due, &actions)
                    return
                }
                if q.onHold, let p = q.nextPrompt, p <= due, let queue = config.queue(q.queue), let prompt = queue.prompt {
                    actions.append(.playPrompt(id, file: prompt))
                    q.nextPrompt = p.addingTimeInterval(queue.promptIntervalSeconds)
                    update(id) { $0.stage = .queued(q) }
                    return
                }
            case .connected:
                continue
            }
        }
    }

    /// Sends the call to `target`. `reasonIfMissed` names why, should the target be "missed".
    private mutating func route(_ id: CallID, to target: InboundTarget, reasonIfMissed: MissedCallReason, now: Date,
                                _ actions: inout [Action]) {
        guard let call = calls[id] else { return }
        guard call.hops < Self.maximumTargetHops else {
            endMissed(id, reason: reasonIfMissed, callerGone: false, now: now, &actions)
            return
        }
        update(id) { $0.hops += 1 }
        switch target {
        case .missed:
            endMissed(id, reason: reasonIfMissed, callerGone: false, now: now, &actions)
        case .user(let name):
            startRinging(id, RingingStage(members: [.user(name)], sequential: false, memberTimeout: Self.directTargetTimeoutSeconds,
                                          groupDeadline: now.addingTimeInterval(Self.directTargetTimeoutSeconds), overflow: nil), now: now, &actions)
        case .number(let number):
            startRinging(id, RingingStage(members: [.number(number)], sequential: false, memberTimeout: Self.directTargetTimeoutSeconds,
                                          groupDeadline: now.addingTimeInterval(Self.directTargetTimeoutSeconds), overflow: nil), now: now, &actions)
        case .ringGroup(let name):
            guard let g = config.ringGroup(name) else {
                endMissed(id, reason: reasonIfMissed, callerGone: false, now: now, &actions)
                return
            }
            startRinging(id, RingingStage(members: g.members, sequential: g.strategy == .sequential, memberTimeout: g.memberTimeoutSeconds,
                                          groupDeadline: now.addingTimeInterval(g.timeoutSeconds), overflow: g.overflow), now: now, &actions)
        case .queue(let name):
            guard let q = config.queue(name) else {
                endMissed(id, reason: reasonIfMissed, callerGone: false, now: now, &actions)
                return
            }
            let stage = QueuedStage(queue: name, enqueuedAt: now, deadline: now.addingTimeInterval(q.maxWaitSeconds),
                                    nextPrompt: q.prompt == nil ? nil : now.addingTimeInterval(q.promptIntervalSeconds))
            update(id) { $0.stage = .queued(stage) }
            dispatchQueues(now: now, &actions)
        }
    }

    private mutating func startRinging(_ id: CallID, _ stage: RingingStage, now: Date, _ actions: inout [Action]) {
        var r = stage
        let free = r.members.filter { isFree($0) }
        guard !free.isEmpty else {
            update(id) { $0.stage = .ringing(r) }
            overflow(id, r.overflow, reason: .allBusy, now: now, &actions)
            return
        }
        if r.sequential {
            update(id) { $0.stage = .ringing(r) }
            ringNextSequential(id, now: now, &actions)
        } else {
            r.ringing = Set(free)
            for m in free { actions.append(.ring(id, m)) }
            update(id) { $0.stage = .ringing(r) }
        }
    }

    /// Sequential: ring the next free member after the last one rung, cycling through the
    /// list; when none is free, the group has no one left to try: overflow.
    private mutating func ringNextSequential(_ id: CallID, now: Date, _ actions: inout [Action]) {
        guard let call = calls[id], case .ringing(var r) = call.stage else { return }
        let n = r.members.count
        for step in 1...max(n, 1) {
            let index = (r.position + step) % max(n, 1)
            guard index < n else { break }
            let m = r.members[index]
            if isFree(m), !r.declined.contains(m) {
                r.position = index
                r.ringing = [m]
                r.memberDeadline = min(r.groupDeadline, now.addingTimeInterval(r.memberTimeout))
                update(id) { $0.stage = .ringing(r) }
                actions.append(.ring(id, m))
                return
            }
        }
        // Someone rang and let it ring out: that is "rang out"; nobody could be rung: "all busy".
        overflow(id, r.overflow, reason: r.position >= 0 ? .rangOut : .allBusy, now: now, &actions)
    }

    private mutating func overflow(_ id: CallID, _ target: InboundTarget?, reason: MissedCallReason, now: Date, _ actions: inout [Action]) {
        guard let target else {
            endMissed(id, reason: reason, callerGone: false, now: now, &actions)
            return
        }
        route(id, to: target, reasonIfMissed: reason, now: now, &actions)
    }

    private mutating func endMissed(_ id: CallID, reason: MissedCallReason, callerGone: Bool, now: Date, _ actions: inout [Action]) {
        guard let call = calls.removeValue(forKey: id) else { return }
        switch call.stage {
        case .ringing(let r):
            for m in r.members where r.ringing.contains(m) { actions.append(.stopRinging(id, m)) }
        case .queued(let q):
            if let offer = q.offer { actions.append(.stopRinging(id, offer.member)) }
        case .connected:
            break
        }
        if !callerGone { actions.append(.hangUpGSM(id)) }
        actions.append(.recordMissed(MissedCall(caller: call.caller, sim: call.sim, line: call.line, startedAt: call.arrivedAt,
                                                endedAt: now, reason: reason), ruleIndex: call.ruleIndex))
    }

    /// Pairs waiting callers (longest first, per queue) with free members, and puts every
    /// caller who still has nobody ringing on hold (answer + music) once.
    private mutating func dispatchQueues(now: Date, _ actions: inout [Action]) {
        for queue in config.queues {
            for id in waiting(in: queue.name) {
                guard let call = calls[id], case .queued(var q) = call.stage else { continue }
                if q.offer == nil {
                    let free = queue.members.filter { isFree($0) && !q.isDeclined($0, now: now) }
                    if !free.isEmpty {
                        if free.allSatisfy({ q.passed.contains($0) }) { q.passed = [] }  // a new round
                        if let m = free.first(where: { !q.passed.contains($0) }) {
                            q.offer = (m, now.addingTimeInterval(queue.ringTimeoutSeconds))
                            actions.append(.ring(id, m))
                        }
                    }
                }
                if q.offer == nil, !q.onHold {
                    if !call.answered { actions.append(.answerGSM(id)) }
                    actions.append(.playHoldMusic(id, file: queue.holdMusic))
                    q.onHold = true
                    if let p = q.nextPrompt, p < now { q.nextPrompt = now.addingTimeInterval(queue.promptIntervalSeconds) }
                    update(id) { $0.answered = true }
                }
                update(id) { $0.stage = .queued(q) }
            }
        }
    }
}
