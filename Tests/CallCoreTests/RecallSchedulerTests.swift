// Automatic recall with a virtual clock: the schedule is followed, business hours respected,
// every attempt recorded on the missed entry.
@testable import CallCore
import ControlModel
import Foundation
import SimgateConfig
import Testing

private let t0 = Date(timeIntervalSince1970: 1_760_000_000)   // Thu 2025-10-09 08:53:20 UTC
private func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }

@Suite("RecallScheduler and business hours")
struct RecallSchedulerTests {
    func plan(_ id: Int64 = 1, hours: WeeklySchedule? = nil) -> RecallScheduler.Plan {
        RecallScheduler.Plan(missedCallID: id, customer: "+79161234567", dispatchers: .ringGroup("day"), sim: "huawei1",
                             missedAt: t0, delaysSeconds: [60, 300, 900], hours: hours, timeZone: TimeZone(identifier: "Europe/Moscow")!)
    }

    @Test func followsTheScheduleThenGivesUp() {
        var s = RecallScheduler()
        s.add(plan(), now: t0)
        #expect(s.nextDeadline == at(60))
        #expect(s.tick(now: at(59)) == [])
        #expect(s.tick(now: at(60)) == [.startAttempt(plan(), attempt: 1)])
        #expect(s.nextDeadline == nil)   // in progress: nothing scheduled until it ends
        #expect(s.attemptFinished(1, outcome: .customerNoAnswer, now: at(95)) == [])
        #expect(s.due(1)?.attempt == 2 && s.due(1)?.at == at(300))
        #expect(s.tick(now: at(300)) == [.startAttempt(plan(), attempt: 2)])
        // A long second attempt ends after the third's nominal time: the third starts at once.
        #expect(s.attemptFinished(1, outcome: .dispatcherNoAnswer, now: at(950)) == [])
        #expect(s.due(1)?.at == at(950))
        #expect(s.tick(now: at(950)) == [.startAttempt(plan(), attempt: 3)])
        #expect(s.attemptFinished(1, outcome: .customerBusy, now: at(1000)) == [.gaveUp(missedCallID: 1, attempts: 3)])
        #expect(s.count == 0)
    }

    @Test func successAndCancelStopTheRecall() {
        var s = RecallScheduler()
        s.add(plan(1), now: t0)
        s.add(plan(2), now: t0)
        s.add(plan(1), now: at(10))   // same entry again: the running schedule stays
        #expect(s.tick(now: at(60)).count == 2)
        #expect(s.attemptFinished(1, outcome: .connected, now: at(80)) == [.succeeded(missedCallID: 1, attempts: 1)])
        s.cancel(2)
        #expect(s.count == 0)
        #expect(s.attemptFinished(2, outcome: .failed, now: at(90)) == [])
    }

    @Test func waitsForBusinessHours() throws {
        // Moscow 09:00-18:00 on weekdays; missed at 19:53 Thursday (16:53 UTC) → first attempt Friday 09:00 Moscow.
        let hours = try WeeklySchedule.parse("mon-fri 09:00-18:00").get()
        var s = RecallScheduler()
        var p = plan(hours: hours)
        p.missedAt = at(8 * 3600)
        s.add(p, now: p.missedAt)
        let friday9 = ISO8601DateFormatter().date(from: "2025-10-10T06:00:00Z")!
        #expect(s.nextDeadline == friday9)
        #expect(s.tick(now: friday9) == [.startAttempt(p, attempt: 1)])
        // A failure that ends Friday 18:01 Moscow, after closing: the next attempt waits for Monday 09:00.
        #expect(s.attemptFinished(1, outcome: .customerNoAnswer, now: ISO8601DateFormatter().date(from: "2025-10-10T15:01:00Z")!) == [])
        #expect(s.due(1)?.at == ISO8601DateFormatter().date(from: "2025-10-13T06:00:00Z"))
    }

    @Test func scheduleOpeningsAcrossTheWeek() throws {
        let hours = try WeeklySchedule.parse("mon-fri 09:00-18:00, sat 10:00-14:00").get()
        let moscow = TimeZone(identifier: "Europe/Moscow")!
        let iso = ISO8601DateFormatter()
        #expect(hours.isOpen(at: iso.date(from: "2025-10-09T06:00:00Z")!, timeZone: moscow))      // Thu 09:00
        #expect(!hours.isOpen(at: iso.date(from: "2025-10-09T15:00:00Z")!, timeZone: moscow))     // Thu 18:00 (end exclusive)
        #expect(hours.nextOpening(atOrAfter: iso.date(from: "2025-10-10T15:30:00Z")!, timeZone: moscow)
            == iso.date(from: "2025-10-11T07:00:00Z"))                                            // Fri 18:30 → Sat 10:00
        #expect(hours.nextOpening(atOrAfter: iso.date(from: "2025-10-11T11:00:00Z")!, timeZone: moscow)
            == iso.date(from: "2025-10-13T06:00:00Z"))                                            // Sat 14:00 → Mon 09:00
        #expect(WeeklySchedule(intervals: []).nextOpening(atOrAfter: t0, timeZone: moscow) == nil)
    }
}
