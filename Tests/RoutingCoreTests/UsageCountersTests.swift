import Foundation
import Testing
@testable import RoutingCore

func instant(_ iso: String) throws -> Date {
    let formatter = ISO8601DateFormatter()
    return try #require(formatter.date(from: iso), "bad test date \(iso)")
}

func zone(_ identifier: String) throws -> TimeZone {
    try #require(TimeZone(identifier: identifier))
}

@Suite("Counter periods and usage counters")
struct UsageCountersTests {
    @Test func dayStartsAtLocalMidnightAcrossDST() throws {
        let newYork = try zone("America/New_York")
        // 8 Mar 2026: clocks go 02:00 EST → 03:00 EDT; the day is 23 hours long.
        let march8 = CounterPeriods.dayStart(containing: try instant("2026-03-08T17:00:00Z"), in: newYork)
        let march9 = CounterPeriods.dayStart(containing: try instant("2026-03-09T12:00:00Z"), in: newYork)
        #expect(march8 == (try instant("2026-03-08T05:00:00Z")))  // midnight EST (-5)
        #expect(march9 == (try instant("2026-03-09T04:00:00Z")))  // midnight EDT (-4)
        #expect(march9.timeIntervalSince(march8) == 23 * 3600)
        // 1 Nov 2026: back to EST; the day is 25 hours long.
        let nov1 = CounterPeriods.dayStart(containing: try instant("2026-11-01T12:00:00Z"), in: newYork)
        let nov2 = CounterPeriods.dayStart(containing: try instant("2026-11-02T12:00:00Z"), in: newYork)
        #expect(nov2.timeIntervalSince(nov1) == 25 * 3600)
    }

    @Test func dailyCountersResetAtLocalMidnightInKyiv() throws {
        let kyiv = try zone("Europe/Kyiv")
        // 25 Oct 2026, the day summer time ends (EEST +3 → EET +2 at 04:00).
        var usage = UsageCounters(now: try instant("2026-10-25T10:00:00Z"), timeZone: kyiv, monthResetDay: 1)
        usage.recordCallStart(at: try instant("2026-10-25T10:00:00Z"), timeZone: kyiv, monthResetDay: 1)
        usage.recordCallEnd(billedSeconds: 120, at: try instant("2026-10-25T10:02:00Z"), timeZone: kyiv, monthResetDay: 1)
        #expect(usage.secondsToday == 120 && usage.callsToday == 1 && usage.activeCalls == 0)
        // 23:59:59 local (EET) is 21:59:59Z: same day.
        let lastSecond = usage.current(at: try instant("2026-10-25T21:59:59Z"), timeZone: kyiv, monthResetDay: 1)
        #expect(lastSecond.secondsToday == 120 && lastSecond.callsToday == 1)
        // Local midnight of the 26th: new day, same month.
        let nextDay = usage.current(at: try instant("2026-10-25T22:00:00Z"), timeZone: kyiv, monthResetDay: 1)
        #expect(nextDay.secondsToday == 0 && nextDay.callsToday == 0)
        #expect(nextDay.secondsThisMonth == 120 && nextDay.callsThisMonth == 1)
        #expect(nextDay.dayStart == (try instant("2026-10-25T22:00:00Z")))
    }

    @Test func monthResetDay31ClampsToFebruary() throws {
        let kyiv = try zone("Europe/Kyiv")
        // Reset day 31: Jan 31 → Feb 28 (2026 is not a leap year) → Mar 31.
        #expect(CounterPeriods.monthStart(containing: try instant("2026-02-27T21:59:59Z"), in: kyiv, resetDay: 31)
                == (try instant("2026-01-30T22:00:00Z")))
        #expect(CounterPeriods.monthStart(containing: try instant("2026-02-27T22:00:00Z"), in: kyiv, resetDay: 31)
                == (try instant("2026-02-27T22:00:00Z")))
        // Mar 31 00:00 is after the DST change (29 Mar): EEST +3.
        #expect(CounterPeriods.nextMonthStart(after: try instant("2026-03-01T00:00:00Z"), in: kyiv, resetDay: 31)
                == (try instant("2026-03-30T21:00:00Z")))
        #expect(CounterPeriods.monthStart(containing: try instant("2026-03-30T20:59:59Z"), in: kyiv, resetDay: 31)
                == (try instant("2026-02-27T22:00:00Z")))
        // Leap year: reset 30 → 29 Feb 2028.
        #expect(CounterPeriods.monthStart(containing: try instant("2028-03-05T00:00:00Z"), in: kyiv, resetDay: 30)
                == (try instant("2028-02-28T22:00:00Z")))
        // April has 30 days: reset 31 → 30 Apr.
        #expect(CounterPeriods.monthStart(containing: try instant("2026-05-10T00:00:00Z"), in: kyiv, resetDay: 31)
                == (try instant("2026-04-29T21:00:00Z")))
        // December → January rolls the year.
        #expect(CounterPeriods.nextMonthStart(after: try instant("2026-12-20T00:00:00Z"), in: kyiv, resetDay: 15)
                == (try instant("2027-01-14T22:00:00Z")))
        #expect(CounterPeriods.monthStart(containing: try instant("2027-01-10T00:00:00Z"), in: kyiv, resetDay: 15)
                == (try instant("2026-12-14T22:00:00Z")))
    }

    @Test func monthlyCountersResetOnTheResetDay() throws {
        let newYork = try zone("America/New_York")
        var usage = UsageCounters(now: try instant("2026-03-10T15:00:00Z"), timeZone: newYork, monthResetDay: 15)
        usage.recordCallStart(at: try instant("2026-03-10T15:00:00Z"), timeZone: newYork, monthResetDay: 15)
        usage.recordCallEnd(billedSeconds: 600, at: try instant("2026-03-10T15:10:00Z"), timeZone: newYork, monthResetDay: 15)
        // 14 Mar 23:59:59 EDT = 15 Mar 03:59:59Z: still the old month.
        #expect(usage.current(at: try instant("2026-03-15T03:59:59Z"), timeZone: newYork, monthResetDay: 15).secondsThisMonth == 600)
        let renewed = usage.current(at: try instant("2026-03-15T04:00:00Z"), timeZone: newYork, monthResetDay: 15)
        #expect(renewed.secondsThisMonth == 0 && renewed.callsThisMonth == 0)
    }

    @Test func billingRoundsUpAndCapsTheCall() throws {
        let limits = SIMLimits(minutesPerDay: 120, minutesPerMonth: 1000, maxCallSeconds: 1800)
        #expect(limits.billedSeconds(forCallOf: 1) == 60)
        #expect(limits.billedSeconds(forCallOf: 61) == 120)
        #expect(limits.billedSeconds(forCallOf: 0) == 0)
        #expect(SIMLimits(billingIncrementSeconds: 1).billedSeconds(forCallOf: 61) == 61)

        let utc = try zone("UTC")
        let now = try instant("2026-06-01T10:00:00Z")
        func used(_ seconds: Int, month: Int? = nil) -> UsageCounters {
            UsageCounters(dayStart: CounterPeriods.dayStart(containing: now, in: utc),
                          monthStart: CounterPeriods.monthStart(containing: now, in: utc, resetDay: 1),
                          secondsToday: seconds, secondsThisMonth: month ?? seconds, callsToday: 0, callsThisMonth: 0, activeCalls: 0)
        }
        #expect(limits.allowedCallSeconds(after: used(0)) == 1800)            // per-call cap
        #expect(limits.allowedCallSeconds(after: used(119 * 60)) == 60)       // one minute left today
        #expect(limits.allowedCallSeconds(after: used(119 * 60 + 30)) == 0)  // half a minute: not billable
        #expect(limits.allowedCallSeconds(after: used(0, month: 995 * 60)) == 300)  // month nearly used
        #expect(SIMLimits().allowedCallSeconds(after: used(99_999)) == nil)
    }
}
