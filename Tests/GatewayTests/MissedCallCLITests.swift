// `simgate missed` and `simgate webhooks` against the real daemon: the entries come from the
// missed-call service the call bridge will drive, the CLI reads and changes them over the
// control API, and the webhook outbox fills as it would for a CRM that is down.
import CallCore
import ControlModel
import Foundation
import Gateway
import Testing

@Suite("CLI: missed calls and webhooks through the daemon", .serialized)
struct MissedCallCLITests {
    @Test func listClaimCallbackCloseAndWebhooks() async throws {
        // Port 9 (discard) on loopback: nothing listens, every delivery is refused and waits.
        let harness = try await GatewayHarness.start(modems: ["huawei1"], extraTOML: """

            [[webhook]]
            name = "crm"
            url = "http://127.0.0.1:9/simgate"
            secret = "0123456789abcdef0123"
            retry_initial = 30

            """)
        defer { Task { await harness.stop() } }
        let missed = try #require(harness.running.inbound?.missedCalls)
        let now = Date()
        let start = now.addingTimeInterval(-120)
        try await missed.record(MissedCall(caller: "+79161234567", sim: "huawei1", line: "+79160000002",
                                           startedAt: start, endedAt: start.addingTimeInterval(25), reason: .rangOut))
        try await missed.record(MissedCall(caller: "+79161234567", sim: "huawei1", startedAt: start.addingTimeInterval(60),
                                           endedAt: start.addingTimeInterval(100), reason: .callerHungUpQueued))
        try await missed.record(MissedCall(caller: nil, sim: "huawei1", startedAt: start, endedAt: start.addingTimeInterval(8),
                                           reason: .callerHungUpRinging))

        let table = await harness.cli(["missed"])
        #expect(table.exitCode == 0, "\(table.standardError)")
        let lines = table.standardOutput.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("ID STATUS CALLER"))
        for line in lines { #expect(line.count <= 80, "too wide: \(line)") }
        #expect(table.standardOutput.contains("+79161234567") && table.standardOutput.contains("withheld"))
        #expect(table.standardOutput.contains("caller-hung-up-queued"))

        let listed = try ControlJSON.decoder().decode(MissedCallList.self, from: Data(await harness.cli(["missed", "--json"]).standardOutput.utf8))
        let entry = try #require(listed.entries.first { $0.caller == "+79161234567" })
        #expect(entry.callCount == 2 && entry.waitedSeconds == 65 && entry.status == .new)

        let claim = await harness.cli(["missed", "claim", String(entry.id), "--user", "alice"])
        #expect(claim.standardOutput == "missed call \(entry.id) (+79161234567) claimed by alice\n")
        let other = await harness.cli(["missed", "claim", String(entry.id), "--user", "bob"])
        #expect(other.exitCode == 1)
        #expect(other.standardError == "simgate: missed call \(entry.id) is already claimed by alice\n")
        let callback = await harness.cli(["missed", "callback", String(entry.id), "--user", "alice"])
        #expect(callback.exitCode == 0)
        #expect(callback.standardOutput.hasSuffix("alice's phone rings first, then +79161234567 from huawei1\n"))
        let withheld = try #require(listed.entries.first { $0.caller == nil })
        #expect(await harness.cli(["missed", "callback", String(withheld.id), "--user", "bob"]).standardError
            == "simgate: missed call \(withheld.id) has no caller number (withheld): it cannot be called back\n")

        #expect(await harness.cli(["missed", "--status", "claimed", "--json"]).standardOutput.contains("\"claimedBy\" : \"alice\""))
        #expect(await harness.cli(["missed", "--status", "closed"]).standardOutput == "no missed calls\n")
        #expect(await harness.cli(["missed", "--since", "1m"]).standardOutput.split(separator: "\n").count == 2)
        #expect(await harness.cli(["missed", "--since", "yesterday"]).exitCode == 64)
        #expect(await harness.cli(["missed", "--status", "lost"]).exitCode == 64)

        let close = await harness.cli(["missed", "close", String(entry.id), "--note", "booked a taxi for 18:00"])
        #expect(close.standardOutput == "missed call \(entry.id) closed by alice\n")
        let show = await harness.cli(["missed", "show", String(entry.id)]).standardOutput
        #expect(show.contains("status:    closed"))
        #expect(show.contains("callback-requested by alice"))
        #expect(show.contains("closed by alice: booked a taxi for 18:00"))
        #expect(await harness.cli(["missed", "show", "4242"]).standardError == "simgate: no missed call 4242 (try `simgate missed`)\n")

        // 3 records × 2 events + claim + close = 8, all waiting for the CRM.
        try await eventually("first delivery attempts") {
            let hooks = try ControlJSON.decoder().decode(WebhookDeliveryList.self, from: Data(await harness.cli(["webhooks", "--json"]).standardOutput.utf8))
            return hooks.deliveries.count == 8 && hooks.deliveries.allSatisfy { $0.attempts >= 1 && $0.state == .pending }
        }
        // The report counts the CDR table (empty here: no call went through this daemon).
        let report = await harness.cli(["report", "--from", "1d", "--csv"])
        #expect(report.exitCode == 0, "\(report.standardError)")
        #expect(report.standardOutput.split(separator: "\n")[1] == "total,total,0,0,0,0,0,,,")
        // Without --from: today, from midnight in the zone asked.
        let today = await harness.cli(["report", "--tz", "Asia/Novosibirsk", "--json"])
        #expect(today.exitCode == 0, "\(today.standardError)")
        let period = try ControlJSON.decoder().decode(CallReport.self, from: Data(today.standardOutput.utf8))
        var novosibirsk = Calendar(identifier: .gregorian)
        novosibirsk.timeZone = TimeZone(identifier: "Asia/Novosibirsk")!
        #expect(period.from == novosibirsk.startOfDay(for: Date()) && period.to > period.from, "\(period.from) – \(period.to)")

        let hooks = await harness.cli(["webhooks"])
        #expect(hooks.standardOutput.hasPrefix("0 delivered, 8 pending, 0 failed\n"))
        #expect(hooks.standardOutput.contains("call.missed"))
        #expect(hooks.standardOutput.contains("cannot connect"))
        #expect(!hooks.standardOutput.contains("0123456789abcdef0123"))
    }
}
