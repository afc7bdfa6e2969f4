// SIMLimits: what a SIM's tariff or the admin allows it to carry, and the per-call cap
// that follows from what is left.

public struct SIMLimits: Sendable, Codable, Hashable {
    public var minutesPerDay: Int?
    public var minutesPerMonth: Int?
    public var callsPerDay: Int?
    /// Longest single call, e.g. to stop a stuck call burning a bundle.
    public var maxCallSeconds: Int?
    /// A GSM modem carries one voice call; more only with call waiting/conference.
    public var maxConcurrentCalls: Int
    /// Day of month the tariff's monthly bundle renews (1…31, clamped to the month's length).
    public var monthResetDay: Int
    /// The tariff's billing step: 60 bills every started minute, 1 per second.
    public var billingIncrementSeconds: Int

    public init(
        minutesPerDay: Int? = nil, minutesPerMonth: Int? = nil, callsPerDay: Int? = nil,
        maxCallSeconds: Int? = nil, maxConcurrentCalls: Int = 1, monthResetDay: Int = 1,
        billingIncrementSeconds: Int = 60
    ) {
        self.minutesPerDay = minutesPerDay
        self.minutesPerMonth = minutesPerMonth
        self.callsPerDay = callsPerDay
        self.maxCallSeconds = maxCallSeconds
        self.maxConcurrentCalls = maxConcurrentCalls
        self.monthResetDay = monthResetDay
        self.billingIncrementSeconds = billingIncrementSeconds
    }

    /// Seconds the tariff bills for a call of `seconds` (rounded up to the increment).
    public func billedSeconds(forCallOf seconds: Int) -> Int {
        guard seconds > 0 else { return 0 }
        let step = max(1, billingIncrementSeconds)
        return (seconds + step - 1) / step * step
    }

    /// Seconds the next call may last before a day/month bundle or the per-call cap is hit;
    /// nil when nothing limits it. Because the tariff rounds up, only whole billing steps
    /// left are usable (a 1-second call bills a full minute).
    public func allowedCallSeconds(after usage: UsageCounters) -> Int? {
        let step = max(1, billingIncrementSeconds)
        var allowed = maxCallSeconds
        func cap(_ remaining: Int) {
            let usable = max(0, remaining) / step * step
            allowed = min(allowed ?? usable, usable)
        }
        if let minutesPerDay { cap(minutesPerDay * 60 - usage.secondsToday) }
        if let minutesPerMonth { cap(minutesPerMonth * 60 - usage.secondsThisMonth) }
        return allowed
    }
}
