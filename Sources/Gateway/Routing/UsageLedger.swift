// Minutes and calls per SIM (day and tariff month) and per caller (user and group, day),
// persisted through Storage so limits hold across restarts. Calls in progress are counted
// in memory only: after a restart none is in progress.
//
// A call counts against the call limits of the period it starts in, and its billed seconds
// against the period it ends in (a tariff bills a call when it is over), as RoutingCore's
// UsageCounters does.
import Foundation
import RoutingCore
import Storage

public actor UsageLedger {
    let storage: Storage
    let timeZone: TimeZone
    private var active: [String: Int] = [:]

    public init(storage: Storage, timeZone: TimeZone) {
        self.storage = storage
        self.timeZone = timeZone
    }

    /// A finished call's charges: one call at its answer (the SIM's day and month), its billed
    /// seconds at its end (the SIM's day and month, the caller's and group's day).
    public nonisolated func charges(iccid: String, user: String?, group: String?, answeredAt: Date, endedAt: Date, billedSeconds: Int,
                                    monthResetDay: Int) -> [UsageCharge] {
        let iccid = RoutingPolicy.canonicalICCID(iccid)
        return [UsageCharge(keys: simKeys(iccid, at: answeredAt, monthResetDay: monthResetDay), calls: 1, billedSeconds: 0),
                UsageCharge(keys: simKeys(iccid, at: endedAt, monthResetDay: monthResetDay)
                                + callerKeys(user: user, group: group, at: endedAt), calls: 0, billedSeconds: billedSeconds)]
    }

    private nonisolated func simKeys(_ iccid: String, at now: Date, monthResetDay: Int) -> [UsageKey] {
        [UsageKey(.sim, iccid, .day, start: CounterPeriods.dayStart(containing: now, in: timeZone)),
         UsageKey(.sim, iccid, .month, start: CounterPeriods.monthStart(containing: now, in: timeZone, resetDay: monthResetDay))]
    }

    private nonisolated func callerKeys(user: String?, group: String?, at now: Date) -> [UsageKey] {
        let day = CounterPeriods.dayStart(containing: now, in: timeZone)
        return [user.map { UsageKey(.user, $0, .day, start: day) }, group.map { UsageKey(.group, $0, .day, start: day) }]
            .compactMap { $0 }
    }

    public func recordCallStart(iccid: String, user: String?, group: String?, monthResetDay: Int, at now: Date) async throws {
        let iccid = RoutingPolicy.canonicalICCID(iccid)
        active[iccid, default: 0] += 1
        do {
            try await storage.addUsage(simKeys(iccid, at: now, monthResetDay: monthResetDay)
                                       + callerKeys(user: user, group: group, at: now), calls: 1, billedSeconds: 0)
        } catch {
            active[iccid] = max(0, (active[iccid] ?? 1) - 1)
            throw error
        }
    }

    /// A caller placed a call (the router accepted it): one call on the caller's and the
    /// group's day, whether or not it is answered. The SIM's counters are not touched.
    public func recordCallPlaced(user: String, group: String?, at now: Date) async throws {
        try await storage.addUsage(callerKeys(user: user, group: group, at: now), calls: 1, billedSeconds: 0)
    }

    public func recordCallEnd(iccid: String, user: String?, group: String?, billedSeconds: Int, monthResetDay: Int,
                              at now: Date) async throws {
        let iccid = RoutingPolicy.canonicalICCID(iccid)
        active[iccid] = max(0, (active[iccid] ?? 0) - 1)
        try await storage.addUsage(simKeys(iccid, at: now, monthResetDay: monthResetDay)
                                   + callerKeys(user: user, group: group, at: now), calls: 0, billedSeconds: billedSeconds)
    }

    public func activeCalls(iccid: String) -> Int { active[RoutingPolicy.canonicalICCID(iccid)] ?? 0 }

    /// A SIM's SMS parts sent today and this tariff month.
    public func smsUsage(iccid: String, monthResetDay: Int, at now: Date) async throws -> (today: Int, thisMonth: Int) {
        let keys = smsKeys(iccid: iccid, at: now, monthResetDay: monthResetDay)
        return try await storage.read { tx in (try tx.smsUsage(keys[0]), try tx.smsUsage(keys[1])) }
    }

    /// The day and month counters an SMS part through `iccid` at `now` adds to.
    public nonisolated func smsKeys(iccid: String, at now: Date, monthResetDay: Int) -> [UsageKey] {
        let iccid = RoutingPolicy.canonicalICCID(iccid)
        return [UsageKey(.sim, iccid, .day, start: CounterPeriods.dayStart(containing: now, in: timeZone)),
                UsageKey(.sim, iccid, .month, start: CounterPeriods.monthStart(containing: now, in: timeZone, resetDay: monthResetDay))]
    }

    /// A SIM's counters for the periods containing `now`.
    public func simUsage(iccid: String, monthResetDay: Int, at now: Date) async throws -> UsageCounters {
        let iccid = RoutingPolicy.canonicalICCID(iccid)
        let keys = simKeys(iccid, at: now, monthResetDay: monthResetDay)
        let totals = try await storage.usage(keys)
        let day = totals[keys[0]] ?? UsageTotals(), month = totals[keys[1]] ?? UsageTotals()
        return UsageCounters(dayStart: keys[0].periodStart, monthStart: keys[1].periodStart,
                             secondsToday: day.billedSeconds, secondsThisMonth: month.billedSeconds,
                             callsToday: day.calls, callsThisMonth: month.calls, activeCalls: active[iccid] ?? 0)
    }

    /// A caller's own counters for today (month fields count today only: caller limits are daily).
    public func callerUsage(user: String, at now: Date) async throws -> UsageCounters {
        let key = UsageKey(.user, user, .day, start: CounterPeriods.dayStart(containing: now, in: timeZone))
        let day = try await storage.usage([key])[key] ?? UsageTotals()
        return UsageCounters(dayStart: key.periodStart,
                             monthStart: CounterPeriods.monthStart(containing: now, in: timeZone, resetDay: 1),
                             secondsToday: day.billedSeconds, secondsThisMonth: day.billedSeconds,
                             callsToday: day.calls, callsThisMonth: day.calls, activeCalls: 0)
    }
}
