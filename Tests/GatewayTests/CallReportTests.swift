// The report's numbers against ones counted by hand from a small day of CDRs, and against a
// scripted day of 1,000 calls counted independently.
import CallCore
import ControlModel
import Foundation
import TestSupport
import Testing
@testable import Gateway
@testable import SimgateCLI

private func d(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

@Suite("Reports: calls, answer times, callbacks")
struct CallReportTests {
    @Test func nearestRankPercentiles() {
        #expect(CallReportBuilder.percentile(50, of: []) == nil)
        #expect(CallReportBuilder.percentile(50, of: [7]) == 7)
        #expect(CallReportBuilder.percentile(50, of: [4, 1, 3, 2]) == 2)
        #expect(CallReportBuilder.percentile(90, of: [4, 1, 3, 2]) == 4)
        #expect(CallReportBuilder.percentile(90, of: Array(1...10).map(Double.init)) == 9)
        #expect(CallReportBuilder.percentile(90, of: Array(1...20).map(Double.init)) == 18)
    }

    @Test func aSmallDayCountedByHand() throws {
        let records = [
            // Monday 2025-10-06, Moscow (UTC+3).
            CallRecordSummary(direction: .inbound, startedAt: d("2025-10-06T06:05:00Z"), answeredAt: d("2025-10-06T06:05:04Z"), sim: "huawei1", user: "alice"),
            CallRecordSummary(direction: .inbound, startedAt: d("2025-10-06T06:20:00Z"), answeredAt: d("2025-10-06T06:20:12Z"), sim: "huawei1", user: "bob"),
            CallRecordSummary(direction: .inbound, startedAt: d("2025-10-06T06:40:00Z"), answeredAt: nil, sim: "quectel1", user: nil),
            CallRecordSummary(direction: .inbound, startedAt: d("2025-10-06T14:00:00Z"), answeredAt: d("2025-10-06T14:00:30Z"), sim: "quectel1", user: "alice"),
            CallRecordSummary(direction: .outbound, startedAt: d("2025-10-06T07:00:00Z"), answeredAt: d("2025-10-06T07:00:09Z"), sim: "huawei1", user: "alice"),
            CallRecordSummary(direction: .outbound, startedAt: d("2025-10-06T07:10:00Z"), answeredAt: nil, sim: "huawei1", user: "bob"),
            // Outside the period.
            CallRecordSummary(direction: .inbound, startedAt: d("2025-10-07T06:00:00Z"), answeredAt: nil, sim: "huawei1", user: nil),
        ]
        var called = MissedCallEntry(id: 1, caller: "+79161234567", sim: "quectel1", line: nil, firstAt: d("2025-10-06T06:40:00Z"),
                                     lastAt: d("2025-10-06T06:40:20Z"), waitedSeconds: 20, reason: .rangOut, callCount: 1, status: .calledBack)
        called.calledBackAt = d("2025-10-06T06:52:00Z")
        let report = CallReportBuilder.build(records: records, missed: [called], from: d("2025-10-05T21:00:00Z"),
                                             to: d("2025-10-06T21:00:00Z"), timeZone: TimeZone(identifier: "Europe/Moscow")!)
        #expect(report.total.callsIn == 4 && report.total.answeredIn == 3 && report.total.missedIn == 1)
        #expect(report.total.callsOut == 2 && report.total.answeredOut == 1)
        #expect(report.total.missedShare == 0.25)
        #expect(report.total.answerP50 == 12 && report.total.answerP90 == 30)
        #expect(report.callbacks == 1 && report.callbackP50 == 720)
        #expect(report.byHour.count == 24 && report.byWeekday.count == 7)
        #expect(report.byHour[9].callsIn == 3 && report.byHour[9].missedIn == 1)   // 09:xx Moscow
        #expect(report.byHour[10].callsOut == 2)
        #expect(report.byHour[17].callsIn == 1 && report.byHour[17].answerP50 == 30)
        #expect(report.byWeekday[0].callsIn == 4 && report.byWeekday[1].callsIn == 0)
        #expect(report.bySIM.map(\.key) == ["huawei1", "quectel1"])
        #expect(report.bySIM[1].missedShare == 0.5)
        #expect(report.byDispatcher.map(\.key) == ["alice", "bob"])
        #expect(report.byDispatcher[0].answeredIn == 2 && report.byDispatcher[0].callsOut == 1)

        let csv = ReportFormat.csv(report).split(separator: "\n")
        #expect(csv[0] == Substring(ReportFormat.csvHeader))
        #expect(csv[1] == "total,total,4,2,3,1,1,0.2500,12.0,30.0")
        #expect(csv.contains("hour,09,3,0,2,0,1,0.3333,4.0,12.0"))
        #expect(csv.contains("sim,quectel1,2,0,1,0,1,0.5000,30.0,30.0"))
        #expect(csv.last == "callback,p50_p90_s,1,,,,,,720.0,720.0")
        #expect(csv.count == 1 + 1 + 24 + 7 + 2 + 2 + 1)
        #expect(ReportFormat.csvField("a,\"b\"") == "\"a,\"\"b\"\"\"")
        let text = ReportFormat.text(report, timeZone: TimeZone(identifier: "Europe/Moscow")!)
        #expect(text.contains("inbound 4, answered 3, missed 1 (25.0%); outbound 2, answered 1"))
        #expect(text.contains("first callback p50 12m"))
        // 09: 2 answered + 1 missed is the busiest hour (40 columns); 10: 2 outbound; 17: 1 answered.
        let chart = String(repeating: "#", count: 27) + String(repeating: "x", count: 13)
        #expect(text.contains("""

            PEAK HOURS  # answered  x missed  - outbound
            09 \(chart) 3
            10 \(String(repeating: "-", count: 27)) 2
            11
            12
            13
            14
            15
            16
            17 \(String(repeating: "#", count: 13)) 1

            HOUR
            """), "\(text)")
        let utf8 = ReportFormat.text(report, timeZone: TimeZone(identifier: "Europe/Moscow")!, ascii: false)
        #expect(utf8.contains("09 \(String(repeating: "█", count: 27))\(String(repeating: "▒", count: 13)) 3\n"))
        #expect(ReportFormat.peakHours(report.byHour.map { var b = $0; b.callsIn = 0; b.callsOut = 0; b.missedIn = 0; return b },
                                       ascii: true) == "", "a day without calls draws no chart")
        // One missed call among 50 still shows: a part that rounds to nothing gets one column.
        var busy = CallReportBucket(key: "08"); busy.callsIn = 100
        var mostlyAnswered = CallReportBucket(key: "09"); mostlyAnswered.callsIn = 50; mostlyAnswered.missedIn = 1
        #expect(ReportFormat.peakHours([busy, mostlyAnswered], ascii: true).hasSuffix(
            "09 \(String(repeating: "#", count: 20))x 50\n"))
        let json = try ControlJSON.decoder().decode(CallReport.self, from: ControlJSON.encoder().encode(report))
        #expect(json == report)
    }

    @Test func cdrAttemptsBecomeOneSummaryPerCall() {
        var a1 = CallDetail(callID: "x", attempt: 1, direction: "outbound", modemID: "huawei1", inviteAt: d("2025-10-06T07:00:00Z"))
        a1.sipUser = "alice"
        a1.gsmCause = "congestion"
        var a2 = CallDetail(callID: "x", attempt: 2, direction: "outbound", modemID: "quectel1", inviteAt: d("2025-10-06T07:00:03Z"))
        a2.sipUser = "alice"
        a2.answerAt = d("2025-10-06T07:00:11Z")
        var b1 = CallDetail(callID: "y", attempt: 1, direction: "inbound", modemID: "simcom1", inviteAt: d("2025-10-06T08:00:00Z"))
        b1.caller = "+79161234567"
        let calls = CallRecordSummary.calls(from: [a2, b1, a1])
        #expect(calls == [
            CallRecordSummary(direction: .outbound, startedAt: d("2025-10-06T07:00:00Z"), answeredAt: d("2025-10-06T07:00:11Z"), sim: "quectel1", user: "alice"),
            CallRecordSummary(direction: .inbound, startedAt: d("2025-10-06T08:00:00Z"), answeredAt: nil, sim: "simcom1", user: nil),
        ])
    }

    /// The distributor's scripted day, turned into CDRs: the report equals counts made
    /// independently from the actions.
    @Test func reportMatchesAnIndependentCountOfAScriptedDay() {
        var rng = SplitMix64(seed: 7)
        let start = d("2025-10-06T05:00:00Z")
        var records: [CallRecordSummary] = []
        var expectedIn = 0, expectedMissed = 0, expectedOut = 0
        var perHourIn = [Int](repeating: 0, count: 24)
        for i in 0..<1000 {
            let t = start.addingTimeInterval(Double(i) * 50 + Double(rng.next() % 40))
            let inbound = rng.next() % 4 != 0
            let answered = rng.next() % 5 != 0
            records.append(CallRecordSummary(direction: inbound ? .inbound : .outbound, startedAt: t,
                                             answeredAt: answered ? t.addingTimeInterval(Double(rng.next() % 30)) : nil,
                                             sim: ["huawei1", "quectel1", "simcom1"][Int(rng.next() % 3)], user: answered ? "u\(rng.next() % 5)" : nil))
            if inbound {
                expectedIn += 1
                if !answered { expectedMissed += 1 }
                perHourIn[Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: t).hour ?? 0] += 1
            } else { expectedOut += 1 }
        }
        let report = CallReportBuilder.build(records: records, missed: [], from: start, to: start.addingTimeInterval(86_400),
                                             timeZone: TimeZone(identifier: "UTC")!)
        #expect(report.total.callsIn == expectedIn && report.total.missedIn == expectedMissed && report.total.callsOut == expectedOut)
        #expect(report.byHour.map(\.callsIn) == perHourIn)
        #expect(report.bySIM.map(\.callsIn).reduce(0, +) == expectedIn)
        #expect(report.byWeekday.map(\.callsOut).reduce(0, +) == expectedOut)
    }
}
