// Issue 13's SIM care on real calls: a dispatcher's phone (pjsua2) calls an MTS number; the
// MTS SIM (huawei1) is refused by its network (modemsim `sim huawei1 outoforder`: NO CARRIER,
// ^CEND cause 38), so each call fails over to the Beeline SIM (quectel1). After two such
// failures the MTS SIM is quarantined (webhook, `simgate sims`), the next call goes straight
// to quectel1, and once the cool-down is over a trial call through the repaired SIM brings it
// back. The admin's disable holds across a restart. A SIM below min_balance gets no call.
import ControlModel
import Foundation
import ModemSimulator
import Testing

@Suite("SIM care on live calls: quarantine, cool-down, trial call, disable, low balance (pjsua2 phone)", .serialized,
       .timeLimit(.minutes(4)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct SIMCareEndToEndTests {
    static let routing = moscowRoutingTOML
    static let mtsNumber = "+79161234567"

    /// Places one call from the phone; returns the attempts it made, oldest first.
    static func call(_ h: GatewayHarness, port: Int, _ number: String = mtsNumber) async throws -> [CallDetail] {
        let before = try await h.records()
        let report = try await Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                           env: ["MODE": "call", "NUMBER": number, "SECONDS": "1"]).report()
        #expect(try #require(report.calls.first).confirmed, "the caller got through: \(report)")
        for m in ["huawei1", "quectel1"] { try await h.waitFor(m, "free") { $0.state == .free } }
        let after = try await h.closedRecords(count: before.count + 1)
        let callID = try #require(after.last).callID
        return after.filter { $0.callID == callID }.sorted { $0.attempt < $1.attempt }
    }

    @Test("two network-side failures quarantine the MTS SIM (webhook, sims); calls skip it; after the cool-down a trial call brings it back")
    func quarantineAndReturn() async throws {
        let receiver = WebhookReceiver()
        let hookPort = try await receiver.start()
        defer { Task { await receiver.stop() } }
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            \(Self.routing)
            quarantine_after = 2
            quarantine_cooldown = 6

            [[webhook]]
            url = "http://127.0.0.1:\(hookPort)/crm"
            secret = "sim-care-webhook-secret"
            """, tail: GatewayHarness.sipTail)
        defer { Task { await h.stop() } }
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        for m in ["huawei1", "quectel1"] {
            try await h.waitFor(m, "free") { $0.state == .free }
            try await h.simulator.setCallee(m, CalleeRule(pattern: Self.mtsNumber, behaviour: .answer(after: 0.3, dropAfter: nil)))
        }
        _ = await h.simulator.execute("sim huawei1 outoforder")

        // Two calls: each tries the MTS SIM first, the network refuses it, quectel1 carries it.
        for n in 1...2 {
            let attempts = try await Self.call(h, port: port)
            #expect(attempts.map(\.modemID) == ["huawei1", "quectel1"], "call \(n): on-net first, then failover: \(attempts)")
            #expect(attempts.first?.gsmCauseCode == 38, "call \(n): the network's cause is recorded: \(attempts)")
        }
        var explained = ""
        try await eventually("huawei1 quarantined", seconds: 10) {
            explained = await h.cli(["route", "explain", Self.mtsNumber]).standardOutput
            return explained.contains("quarantined (2 calls in a row failed: network out of order)")
        }
        let sims = await h.cli(["sims"]).standardOutput
        #expect(sims.contains("Out of routing") && sims.contains("quarantined (2 calls in a row failed"), "\(sims)")
        try await eventually("sim.quarantined webhook", seconds: 10) {
            receiver.requests.contains { $0.headers["x-simgate-event"] == "sim.quarantined" }
        }
        let hook = try #require(receiver.requests.first { $0.headers["x-simgate-event"] == "sim.quarantined" })
        let body = String(decoding: hook.body, as: UTF8.self)
        #expect(body.contains("\"state\":\"quarantined\"") && body.contains("network out of order") && body.contains("huawei1"), "\(body)")

        // Quarantined: the next MTS call goes straight to quectel1, no attempt on huawei1.
        let skipped = try await Self.call(h, port: port)
        #expect(skipped.map(\.modemID) == ["quectel1"], "the quarantined SIM is not tried: \(skipped)")

        // The operator lifts the block; after the 6 s cool-down huawei1 is offered again and
        // its trial call gets through, which puts it back for good.
        _ = await h.simulator.execute("sim huawei1 normal")
        try await eventually("cool-down over", seconds: 15) {
            !(await h.cli(["route", "explain", Self.mtsNumber]).standardOutput.contains("quarantined"))
        }
        let trial = try await Self.call(h, port: port)
        #expect(trial.map(\.modemID) == ["huawei1"], "the trial call uses the MTS SIM: \(trial)")
        try await eventually("in service after the trial", seconds: 10) {
            let shown = await h.cli(["sim", "enable", "--json", "huawei1"])
            return shown.standardOutput.contains("\"state\" : \"in-service\"")
        }
        #expect(receiver.requests.filter { $0.headers["x-simgate-event"] == "sim.quarantined" }.count == 1,
                "one webhook per quarantine")
    }

    @Test("the admin's disable takes a SIM out of routing, survives a restart, and enable puts it back; bad input is refused")
    func adminDisableAcrossRestart() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: Self.routing)
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1", "quectel1"])
        let disabled = await h.cli(["sim", "disable", "huawei1", "--reason", "blocked by MTS, ticket 4411"])
        #expect(disabled.exitCode == 0 && disabled.standardOutput.contains("disabled"), "\(disabled)")
        let explained = await h.cli(["route", "explain", Self.mtsNumber]).standardOutput
        #expect(explained.contains("out of service: disabled by admin: blocked by MTS, ticket 4411"), "\(explained)")

        try await Task.sleep(for: .milliseconds(200))
        await h.stopDaemon()
        try await h.startDaemon()
        try await h.waitUntilFree(["huawei1", "quectel1"])
        let again = await h.cli(["route", "explain", Self.mtsNumber]).standardOutput
        #expect(again.contains("disabled by admin: blocked by MTS"), "kept across the restart: \(again)")

        let enabled = await h.cli(["sim", "enable", "huawei1"])
        #expect(enabled.exitCode == 0 && enabled.standardOutput.contains("in routing"), "\(enabled)")
        #expect(!(await h.cli(["route", "explain", Self.mtsNumber]).standardOutput.contains("out of service")))

        let unknown = await h.cli(["sim", "disable", "nosuchmodem"])
        #expect(unknown.exitCode == 1 && unknown.standardError.contains("no SIM 'nosuchmodem'"), "\(unknown)")
        let missing = await h.cli(["sim", "disable"])
        #expect(missing.exitCode != 0 && missing.standardError.contains("Missing expected argument"), "\(missing)")
    }

    @Test("a SIM whose registration the network denies is quarantined at once, and offered again after the cool-down")
    func registrationDenied() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            \(Self.routing)
            quarantine_cooldown = 3
            """)
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1", "quectel1"])
        _ = await h.simulator.execute("register huawei1 denied")
        try await eventually("huawei1 quarantined for the denial", seconds: 15) {
            await h.cli(["route", "explain", Self.mtsNumber]).standardOutput.contains("quarantined (registration denied)")
        }
        let sims = await h.cli(["sims"]).standardOutput
        #expect(sims.contains("quarantined (registration denied) until"), "\(sims)")
        _ = await h.simulator.execute("register huawei1 home")
        try await eventually("huawei1 offered again", seconds: 20) {
            let explained = await h.cli(["route", "explain", Self.mtsNumber]).standardOutput
            return !explained.contains("quarantined") && !explained.contains("not registered")
        }
    }

    @Test("a SIM below min_balance gets no call: the MTS call leaves through the Beeline SIM")
    func lowBalanceSIMGetsNoCall() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            \(Self.routing)

            [[sim]]
            modem = "huawei1"
            balance_ussd = "*100#"
            min_balance = 50
            """, tail: GatewayHarness.sipTail)
        defer { Task { await h.stop() } }
        _ = await h.simulator.execute("ussd huawei1 balance -3,20")
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        for m in ["huawei1", "quectel1"] {
            try await h.waitFor(m, "free") { $0.state == .free }
            try await h.simulator.setCallee(m, CalleeRule(pattern: Self.mtsNumber, behaviour: .answer(after: 0.3, dropAfter: nil)))
        }
        try await eventually("huawei1 out of routing", seconds: 20) {
            await h.cli(["route", "explain", Self.mtsNumber]).standardOutput.contains("below min_balance 50.00")
        }
        let attempts = try await Self.call(h, port: port)
        #expect(attempts.map(\.modemID) == ["quectel1"], "the MTS SIM, out of money, is not tried: \(attempts)")
        #expect(attempts.first?.calleeOperatorMCCMNC == "250-01" && attempts.first?.routeRank == 1, "\(attempts)")
    }
}
