// UsageCounters: minutes and calls a SIM (or a caller) used in the current day and
// tariff month, and the period arithmetic behind them.
//
// Periods are calendar periods in the box's time zone: a day starts at local midnight
// (Calendar.startOfDay, which also handles days that are 23 or 25 hours long around DST
// changes and zones whose midnight is skipped); a tariff month starts at local midnight of
// the reset day, clamped to the month's last day (reset day 31 → 28/29 Feb, 30 Apr).
// Nothing reads a clock: every function takes `now`.

import Foundation

public enum CounterPeriods {
    static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Local midnight of the day containing `now`.
    public static func dayStart(containing now: Date, in timeZone: TimeZone) -> Date {
        calendar(timeZone).startOfDay(for: now)
    }

    /// The start of the tariff month containing `now`.
    /// - Parameter resetDay: 1…31; values outside are clamped.
    public static func monthStart(containing now: Date, in timeZone: TimeZone, resetDay: Int) -> Date {
        let calendar = calendar(timeZone)
        let parts = calendar.dateComponents([.year, .month], from: now)
        guard let year = parts.year, let month = parts.month,
              let thisMonth = resetInstant(year: year, month: month, resetDay: resetDay, calendar) else {
            return calendar.startOfDay(for: now)  // unreachable for Gregorian dates
        }
        if now >= thisMonth { return thisMonth }
        let (previousYear, previousMonth) = month == 1 ? (year - 1, 12) : (year, month - 1)
        return resetInstant(year: previousYear, month: previousMonth, resetDay: resetDay, calendar) ?? thisMonth
    }

    /// The start of the tariff month after the one containing `now`.
    public static func nextMonthStart(after now: Date, in timeZone: TimeZone, resetDay: Int) -> Date {
        let calendar = calendar(timeZone)
        let start = monthStart(containing: now, in: timeZone, resetDay: resetDay)
        let parts = calendar.dateComponents([.year, .month], from: start)
        guard let year = parts.year, let month = parts.month else { return start }
        // The period starting on a clamped day (28 Feb for day 31) still belongs to February.
        let (nextYear, nextMonth) = month == 12 ? (year + 1, 1) : (year, month + 1)
        return resetInstant(year: nextYear, month: nextMonth, resetDay: resetDay, calendar) ?? start
    }

    /// Local midnight of min(resetDay, last day of the month).
    private static func resetInstant(year: Int, month: Int, resetDay: Int, _ calendar: Calendar) -> Date? {
        guard let firstOfMonth = calendar.date(from: DateComponents(year: year, month: month, day: 1, hour: 12)),
              let days = calendar.range(of: .day, in: .month, for: firstOfMonth) else { return nil }
        let day = min(max(resetDay, 1), days.count)
        // Noon is never skipped by DST; startOfDay then finds that day's first instant.
        guard let noon = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)) else { return nil }
        return calendar.startOfDay(for: noon)
    }
}

/// Usage in the current periods. A value: the Gateway stores it (Storage) and passes it in.
public struct UsageCounters: Sendable, Codable, Hashable {
    public private(set) var dayStart: Date
    public private(set) var monthStart: Date
    /// Billed seconds (rounded per call by the tariff's billing increment).
    public private(set) var secondsToday: Int
    public private(set) var secondsThisMonth: Int
    public private(set) var callsToday: Int
    public private(set) var callsThisMonth: Int
    /// Calls in progress: not reset by a new period.
    public private(set) var activeCalls: Int

    /// Empty counters for the periods containing `now`.
    public init(now: Date, timeZone: TimeZone, monthResetDay: Int) {
        dayStart = CounterPeriods.dayStart(containing: now, in: timeZone)
        monthStart = CounterPeriods.monthStart(containing: now, in: timeZone, resetDay: monthResetDay)
        secondsToday = 0
        secondsThisMonth = 0
        callsToday = 0
        callsThisMonth = 0
        activeCalls = 0
    }

    /// Restores stored counters.
    public init(dayStart: Date, monthStart: Date, secondsToday: Int, secondsThisMonth: Int,
                callsToday: Int, callsThisMonth: Int, activeCalls: Int) {
        self.dayStart = dayStart
        self.monthStart = monthStart
        self.secondsToday = max(0, secondsToday)
        self.secondsThisMonth = max(0, secondsThisMonth)
        self.callsToday = max(0, callsToday)
        self.callsThisMonth = max(0, callsThisMonth)
        self.activeCalls = max(0, activeCalls)
    }

    /// Minutes as a tariff counts them: started minutes.
    public var minutesToday: Int { (secondsToday + 59) / 60 }
    public var minutesThisMonth: Int { (secondsThisMonth + 59) / 60 }

    /// The counters as of `now`: a period that has ended starts again from zero.
    public func current(at now: Date, timeZone: TimeZone, monthResetDay: Int) -> UsageCounters {
        var result = self
        let day = CounterPeriods.dayStart(containing: now, in: timeZone)
        if day != dayStart {
            result.dayStart = day
            result.secondsToday = 0
            result.callsToday = 0
        }
        let month = CounterPeriods.monthStart(containing: now, in: timeZone, resetDay: monthResetDay)
        if month != monthStart {
            result.monthStart = month
            result.secondsThisMonth = 0
            result.callsThisMonth = 0
        }
        return result
    }

    /// A call started: it counts against the call limits of the period it starts in.
    public mutating func recordCallStart(at now: Date, timeZone: TimeZone, monthResetDay: Int) {
        self = current(at: now, timeZone: timeZone, monthResetDay: monthResetDay)
        callsToday += 1
        callsThisMonth += 1
        activeCalls += 1
    }

    /// A call ended: its billed seconds count in the period it ends in (a tariff bills the
    /// call when it is over). `billedSeconds` comes from `SIMLimits.billedSeconds(forCallOf:)`.
    public mutating func recordCallEnd(billedSeconds: Int, at now: Date, timeZone: TimeZone, monthResetDay: Int) {
        self = current(at: now, timeZone: timeZone, monthResetDay: monthResetDay)
        secondsToday += max(0, billedSeconds)
        secondsThisMonth += max(0, billedSeconds)
        activeCalls = max(0, activeCalls - 1)
    }
}
