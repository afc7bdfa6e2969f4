// `simgate report` against a canned API answer (text, CSV, JSON, argument errors), and the
// daemon's answer while no call bridge writes CDRs.
import CallCore
import ControlModel
import Foundation
import Testing
@testable import Gateway
@testable import SimgateCLI

private func answer(_ body: [UInt8], status: String = "200 OK") -> [UInt8] {
    Array("HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
}

@Suite("CLI: simgate report")
struct ReportCommandTests {
    let now = ISO8601DateFormatter().date(from: "2025-10-07T00:00:00Z")!

    func context(_ socket: String) -> CLIContext {
        CLIContext(environment: ["SIMGATE_SOCKET": socket, "LANG": "C"], now: now, timeZone: TimeZone(identifier: "UTC")!,
                   fileExists: { FileManager.default.fileExists(atPath: $0) })
    }

    @Test func printsTextCSVAndJSONForThePeriod() async throws {
        let day = ISO8601DateFormatter().date(from: "2025-10-06T00:00:00Z")!
        let records = [
            CallRecordSummary(direction: .inbound, startedAt: day.addingTimeInterval(9 * 3600), answeredAt: day.addingTimeInterval(9 * 3600 + 5), sim: "huawei1", user: "alice"),
            CallRecordSummary(direction: .inbound, startedAt: day.addingTimeInterval(9 * 3600 + 60), answeredAt: nil, sim: "huawei1", user: nil),
        ]
        var report = CallReportBuilder.build(records: records, missed: [], from: day, to: now, timeZone: TimeZone(identifier: "UTC")!)
        report.timeZone = "UTC"   // as the daemon names it: the zone as asked, not Foundation's alias "GMT"
        let body = Array(try ControlJSON.encoder().encode(report))
        let route = "GET /v1/report?from=2025-10-06T00:00:00Z&to=2025-10-07T00:00:00Z&tz=UTC"
        let server = try CannedHTTPServer(routes: [route: answer(body)])
        defer { server.stop() }
        let ctx = context(server.socketPath!)

        let text = await CLIRunner.run(arguments: ["report", "--from", "2025-10-06", "--to", "2025-10-07", "--tz", "UTC"], context: ctx)
        #expect(text.exitCode == 0, "\(text.standardError)")
        #expect(text.standardOutput.hasPrefix("calls 2025-10-06 00:00:00 - 2025-10-07 00:00:00 (UTC)\ninbound 2, answered 1, missed 1 (50.0%)"))
        #expect(text.standardOutput.contains("HOUR IN ANSWERED MISSED SHARE P50 P90 OUT\n09    2        1      1 50.0%  5s  5s   0\n"))
        #expect(text.standardOutput.contains("DISPATCHER IN ANSWERED MISSED SHARE P50 P90 OUT\nalice       1        1      0  0.0%  5s  5s   0\n"))
        let csv = await CLIRunner.run(arguments: ["report", "--from", "1d", "--tz", "UTC", "--csv"], context: ctx)
        #expect(csv.standardOutput.split(separator: "\n")[1] == "total,total,2,0,1,0,1,0.5000,5.0,5.0")
        let json = await CLIRunner.run(arguments: ["report", "--from", "1d", "--tz", "UTC", "--json"], context: ctx)
        #expect(try ControlJSON.decoder().decode(CallReport.self, from: Data(json.standardOutput.utf8)) == report)
        #expect(server.requests.count == 3)
    }

    @Test func badArgumentsNeverReachTheDaemon() async {
        let ctx = context("/nonexistent.sock")
        #expect(await CLIRunner.run(arguments: ["report", "--from", "last week"], context: ctx).standardError
            == "simgate: --from: expected 2025-03-01, 2025-03-01T08:00:00Z or an age such as 7d, got \"last week\"\n")
        #expect(await CLIRunner.run(arguments: ["report", "--from", "2025-10-08", "--to", "2025-10-01"], context: ctx).exitCode == 64)
        #expect(await CLIRunner.run(arguments: ["report", "--from", "1d", "--csv", "--json"], context: ctx).exitCode == 64)
        #expect(await CLIRunner.run(arguments: ["report", "--from", "1d", "--tz", "Mars/Base"], context: ctx).standardError
            == "simgate: --tz: unknown time zone \"Mars/Base\"\n")
        #expect(TimeArgument.parse("2025-02-30", now: now, timeZone: .gmt) == nil)
    }
}
