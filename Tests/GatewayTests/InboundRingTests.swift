// No inbound call is lost, end to end: modemsim rings the daemon's modem and the caller
// gives up; the call lands in the missed-call list (and a repeat adds to the same entry).
import ControlModel
import Foundation
import Gateway
import Testing

@Suite("Inbound rings over modemsim land in the missed-call list", .serialized)
struct InboundRingTests {
    @Test func unansweredRingsBecomeMissedEntriesPerCaller() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        let missed = try #require(h.running.inbound?.missedCalls)

        try await h.simulator.ringIn("huawei1", from: "+79161234567", abandonAfter: 1.5)
        try await eventually("first missed call", seconds: 20) { try await missed.list(status: nil, since: nil).count == 1 }
        let first = try #require(try await missed.list(status: nil, since: nil).first)
        #expect(first.caller == "+79161234567")
        #expect(first.sim == "huawei1")
        #expect(first.reason == .callerHungUpRinging)
        #expect(first.waitedSeconds >= 1 && first.waitedSeconds < 10)
        try await h.waitFor("huawei1", "free again") { $0.state == .free }

        try await h.simulator.ringIn("huawei1", from: "+79161234567", abandonAfter: 1)
        try await eventually("the repeat adds to the entry", seconds: 20) {
            try await missed.list(status: nil, since: nil).first?.callCount == 2
        }
        try await h.waitFor("huawei1", "free again") { $0.state == .free }

        try await h.simulator.ringIn("huawei1", from: nil, abandonAfter: 1)
        try await eventually("a withheld caller's own entry", seconds: 20) { try await missed.list(status: nil, since: nil).count == 2 }
        let entries = try await missed.list(status: nil, since: nil)
        #expect(entries.filter { $0.caller == nil }.count == 1)

        let table = await h.cli(["missed"])
        #expect(table.standardOutput.contains("+79161234567") && table.standardOutput.contains("withheld"))

        // A dispatcher calls the customer back, dialling the national form; the answered
        // outbound call closes the entry.
        try await h.waitFor("huawei1", "free again") { $0.state == .free }
        let call = try await h.dial("89161234567", modem: "huawei1")
        _ = try await h.waitForCall(call.id, "answered") { $0.state == "answered" }
        #expect(await h.cli(["call", "hangup", call.id]).exitCode == 0)
        try await eventually("closed by the answered callback", seconds: 20) {
            try await missed.entry(id: first.id).status == .closed
        }
        let closed = try await missed.entry(id: first.id)
        #expect(closed.closedBy == "auto" && closed.note == "answered outbound call to 89161234567")
    }
}
