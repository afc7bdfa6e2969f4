// Automatic recall of missed customers, sans-IO: when each attempt is due, and what to do
// with its result.
//
// Attempt k (1-based) is due `delays[k-1]` seconds after the missed call, but never before
// the previous attempt ended and never outside the rule's business hours (then it waits for
// the next opening). An attempt rings the rule's target (the dispatchers' group); when a
// dispatcher answers, the bridge dials the customer. The customer reached ends the recall;
// after the last attempt it is given up. A customer who gets through on their own (or a
// dispatcher closing the entry) cancels it.
import Foundation
import SimgateConfig

public struct RecallScheduler: Sendable {
    public struct Plan: Sendable, Equatable {
        public var missedCallID: Int64
        public var customer: String
        /// Who is rung first: the rule's target (a ring group, a user...).
        public var dispatchers: InboundTarget
        /// The SIM the customer called: the recall dials from it.
        public var sim: String
        public var missedAt: Date
        public var delaysSeconds: [Double]
        public var hours: WeeklySchedule?
        public var timeZone: TimeZone

        public init(missedCallID: Int64, customer: String, dispatchers: InboundTarget, sim: String, missedAt: Date,
                    delaysSeconds: [Double], hours: WeeklySchedule? = nil, timeZone: TimeZone = .gmt) {
            self.missedCallID = missedCallID; self.customer = customer; self.dispatchers = dispatchers; self.sim = sim
            self.missedAt = missedAt; self.delaysSeconds = delaysSeconds; self.hours = hours; self.timeZone = timeZone
        }

        /// From an [[inbound]] rule with recall on; nil when the rule has none.
        public init?(missedCallID: Int64, customer: String, sim: String, missedAt: Date, rule: InboundRuleConfig) {
            guard let recall = rule.recall else { return nil }
            self.init(missedCallID: missedCallID, customer: customer, dispatchers: rule.target, sim: sim, missedAt: missedAt,
                      delaysSeconds: recall.delaysSeconds, hours: rule.hours, timeZone: TimeZone(identifier: rule.timeZone) ?? .gmt)
        }
    }

    public enum Action: Sendable, Equatable {
        /// Ring `plan.dispatchers`; when one answers, dial `plan.customer` from `plan.sim`.
        /// Report the outcome with `attemptFinished`.
        case startAttempt(Plan, attempt: Int)
        case succeeded(missedCallID: Int64, attempts: Int)
        /// Every attempt failed: the entry stays open for a person.
        case gaveUp(missedCallID: Int64, attempts: Int)
    }

    enum State: Sendable, Equatable {
        case waiting(attempt: Int, due: Date)
        case inProgress(attempt: Int)
    }

    private(set) var plans: [Int64: (plan: Plan, state: State)] = [:]

    public init() {}

    public var count: Int { plans.count }

    public var nextDeadline: Date? {
        plans.values.compactMap { if case .waiting(_, let due) = $0.state { return due } else { return nil } }.min()
    }

    /// When attempt `attempt` of the plan with id `id` is due, if one is waiting.
    public func due(_ id: Int64) -> (attempt: Int, at: Date)? {
        if case .waiting(let a, let d)? = plans[id]?.state { return (a, d) }
        return nil
    }

    /// Starts recalling. A second missed call from the same customer while a recall runs
    /// keeps the running schedule (the entry is the same).
    public mutating func add(_ plan: Plan, now: Date) {
        guard plans[plan.missedCallID] == nil, !plan.delaysSeconds.isEmpty else { return }
        plans[plan.missedCallID] = (plan, .waiting(attempt: 1, due: schedule(plan, attempt: 1, notBefore: now)))
    }

    /// The customer got through, or a person closed the entry: stop.
    public mutating func cancel(_ missedCallID: Int64) {
        plans[missedCallID] = nil
    }

    public mutating func tick(now: Date) -> [Action] {
        var actions: [Action] = []
        for (id, entry) in plans.sorted(by: { $0.key < $1.key }) {
            guard case .waiting(let attempt, let due) = entry.state, due <= now else { continue }
            // Hours may have closed between scheduling and now (a long earlier attempt).
            if let hours = entry.plan.hours, !hours.isOpen(at: now, timeZone: entry.plan.timeZone) {
                let later = schedule(entry.plan, attempt: attempt, notBefore: now)
                plans[id]?.state = .waiting(attempt: attempt, due: later)
                continue
            }
            plans[id]?.state = .inProgress(attempt: attempt)
            actions.append(.startAttempt(entry.plan, attempt: attempt))
        }
        return actions
    }

    public mutating func attemptFinished(_ missedCallID: Int64, outcome: CallbackOutcome, now: Date) -> [Action] {
        guard let entry = plans[missedCallID], case .inProgress(let attempt) = entry.state else { return [] }
        if outcome.reachedCustomer {
            plans[missedCallID] = nil
            return [.succeeded(missedCallID: missedCallID, attempts: attempt)]
        }
        guard attempt < entry.plan.delaysSeconds.count else {
            plans[missedCallID] = nil
            return [.gaveUp(missedCallID: missedCallID, attempts: attempt)]
        }
        let next = schedule(entry.plan, attempt: attempt + 1, notBefore: now)
        plans[missedCallID]?.state = .waiting(attempt: attempt + 1, due: next)
        return []
    }

    private func schedule(_ plan: Plan, attempt: Int, notBefore now: Date) -> Date {
        let nominal = max(now, plan.missedAt.addingTimeInterval(plan.delaysSeconds[attempt - 1]))
        guard let hours = plan.hours else { return nominal }
        // A schedule with no open hour at all would never run: fall back to the nominal time.
        return hours.nextOpening(atOrAfter: nominal, timeZone: plan.timeZone) ?? nominal
    }
}
