/// Whether one SIM may carry calls, judged from what its calls and registration did: the
/// "looks registered, fails every call" SIM (barred by the operator for burst traffic, out of
/// credit, a network that releases every set-up) is taken out of routing by itself, for a
/// cool-down that grows each time it fails again, then given one call to prove itself.
///
/// Sans-IO, like the protocol cores: the caller feeds events with the time they happened and
/// carries out the returned `Action` (log, webhook, persist). States:
///
///     inService(failures) ──N network-side failures in a row──▶ quarantined(until)
///         ▲                 registration denied / send refused ──▶ quarantined(until)
///         │                                                        │ cool-down over
///         └──── a call that got through ──── probation ◀──────────┘
///                                            │ fails again: quarantined, cool-down doubled
///
/// An admin's `disable` overrides everything until `enable`, which also forgets strikes:
/// the admin has looked at the SIM.
public struct SIMHealth: Sendable, Equatable, Codable {
    public struct Policy: Sendable, Equatable, Codable {
        /// Network-side failures in a row before the SIM is quarantined; 0 turns quarantine off.
        /// Three, because one or two failures are what a busy cell does to any SIM; three in a
        /// row on one SIM while the others connect is the SIM.
        public var failuresBeforeQuarantine: Int
        /// The first cool-down. Operators lift burst-traffic blocks after minutes to an hour.
        public var firstCoolDown: Double
        /// The longest cool-down: a SIM that never recovers is still tried a few times a day,
        /// so a topped-up or unblocked SIM comes back without an admin.
        public var maximumCoolDown: Double

        public init(failuresBeforeQuarantine: Int = 3, firstCoolDown: Double = 600, maximumCoolDown: Double = 21_600) {
            self.failuresBeforeQuarantine = failuresBeforeQuarantine
            self.firstCoolDown = firstCoolDown
            self.maximumCoolDown = maximumCoolDown
        }

        /// The cool-down after the `strike`-th quarantine in a row (1-based): doubled each time.
        func coolDown(strike: Int) -> Double {
            var seconds = firstCoolDown
            for _ in 1..<max(1, strike) where seconds < maximumCoolDown { seconds *= 2 }
            return min(seconds, maximumCoolDown)
        }
    }

    public enum State: Sendable, Equatable, Codable {
        /// Carrying calls; `failures` network-side failures in a row so far.
        case inService(failures: Int)
        /// Out of routing until `until`. `strike` counts quarantines since the SIM last got a
        /// call through (it sets the cool-down).
        case quarantined(since: Double, until: Double, reason: String, strike: Int)
        /// The cool-down is over: back in routing for one call that decides.
        case probation(strike: Int, reason: String)
    }

    public enum Action: Sendable, Equatable {
        case none
        /// Out of routing until the given time (seconds since 1970), with why.
        case quarantined(until: Double, reason: String, strike: Int)
        /// Back in routing after a call got through (from probation or quarantine).
        case restored
    }

    /// What one call attempt on the SIM showed.
    public enum CallOutcome: Sendable, Equatable {
        /// The network put the call through: answered, or the callee decided (busy, no
        /// answer, rejected, unknown number). The SIM works.
        case gotThrough
        /// The network released the set-up (congestion, no service, barring, no credit).
        case networkFailure(String)
        /// Neither: the caller gave up, the modem itself failed. Says nothing about the SIM.
        case neutral
    }

    public private(set) var state: State = .inService(failures: 0)
    /// Set by the admin (`simgate sim disable`); the reason they gave.
    public private(set) var disabled: String?
    /// The last network-side failure, for `simgate sims`.
    public private(set) var lastFailure: String?

    public init() {}

    public init(state: State, disabled: String?, lastFailure: String?) {
        self.state = state
        self.disabled = disabled
        self.lastFailure = lastFailure
    }

    /// Why the SIM must not carry a call at `now`, or nil. A quarantine whose cool-down is
    /// over reads as probation: the SIM is offered again without waiting for an event.
    public func outOfService(at now: Double) -> String? {
        if let disabled { return "disabled by admin" + (disabled.isEmpty ? "" : ": \(disabled)") }
        if case .quarantined(_, let until, let reason, _) = state, now < until { return "quarantined (\(reason))" }
        return nil
    }

    /// The quarantine's end when quarantined at `now`.
    public func quarantinedUntil(at now: Double) -> Double? {
        if case .quarantined(_, let until, _, _) = state, now < until { return until }
        return nil
    }

    public mutating func callEnded(_ outcome: CallOutcome, at now: Double, policy: Policy) -> Action {
        settle(at: now)
        switch outcome {
        case .neutral:
            return .none
        case .gotThrough:
            let wasOut: Bool
            switch state {
            case .inService: wasOut = false
            case .quarantined, .probation: wasOut = true
            }
            state = .inService(failures: 0)
            return wasOut ? .restored : .none
        case .networkFailure(let why):
            lastFailure = why
            switch state {
            case .inService(let failures):
                guard policy.failuresBeforeQuarantine > 0 else { return .none }
                let count = failures + 1
                guard count >= policy.failuresBeforeQuarantine else {
                    state = .inService(failures: count)
                    return .none
                }
                return quarantine("\(count) calls in a row failed: \(why)", strike: 1, at: now, policy: policy)
            case .probation(let strike, _):
                return quarantine("the trial call failed: \(why)", strike: strike + 1, at: now, policy: policy)
            case .quarantined:
                // A call that was already under way when the quarantine began: no new strike.
                return .none
            }
        }
    }

    /// The network refused the SIM itself (registration denied, every SMS refused): no need
    /// to wait for N calls to fail.
    public mutating func refusedByNetwork(_ why: String, at now: Double, policy: Policy) -> Action {
        settle(at: now)
        guard policy.failuresBeforeQuarantine > 0 else { return .none }
        lastFailure = why
        switch state {
        case .quarantined: return .none
        case .inService: return quarantine(why, strike: 1, at: now, policy: policy)
        case .probation(let strike, _): return quarantine(why, strike: strike + 1, at: now, policy: policy)
        }
    }

    public mutating func disable(reason: String) { disabled = reason }

    /// Back in service, with a clean record: the admin has looked at the SIM.
    public mutating func enable() {
        disabled = nil
        state = .inService(failures: 0)
        lastFailure = nil
    }

    /// A quarantine whose cool-down is over becomes probation.
    mutating func settle(at now: Double) {
        if case .quarantined(_, let until, let reason, let strike) = state, now >= until {
            state = .probation(strike: strike, reason: reason)
        }
    }

    private mutating func quarantine(_ reason: String, strike: Int, at now: Double, policy: Policy) -> Action {
        let until = now + policy.coolDown(strike: strike)
        state = .quarantined(since: now, until: until, reason: reason, strike: strike)
        return .quarantined(until: until, reason: reason, strike: strike)
    }
}
