// Issue 13's SMS side of SIM care, through the real daemon, modemsim and `simgate`:
// - balance by SMS: a Vodafone NZ SIM's balance is asked by texting "BAL" to 777 (what its
//   operator documents); modemsim's network answers with Vodafone's reply format, and the
//   amount read from that SMS lands in `simgate balance` / `simgate sims`, with min_balance
//   taking the SIM out of routing and the webhook firing, as for USSD;
// - an SMS the network refuses for the SIM's subscription (+CMS ERROR: 8, operator
//   determined barring) quarantines the SIM (`simgate sims`, sim.quarantined webhook), and
//   the message still leaves, through the other SIM.
import ControlModel
import Foundation
import ModemSimulator
import Testing

@Suite("SIM care by SMS end to end (daemon + modemsim + simgate)", .serialized, .timeLimit(.minutes(3)))
struct SIMCareBySMSEndToEndTests {
    @Test("balance by SMS: 'BAL' to 777, the reply SMS read as the balance; below min_balance the SIM leaves routing and the webhook fires")
    func balanceBySMS() async throws {
        let receiver = WebhookReceiver()
        let hookPort = try await receiver.start()
        defer { Task { await receiver.stop() } }
        let h = try await GatewayHarness.start(modems: ["vodafone1", "quectel1"], extraTOML: """
            \(moscowRoutingTOML)
            \(webhookTOML(port: hookPort, secret: "balance-sms-webhook-secret"))

            [[sim]]
            modem = "vodafone1"
            balance_sms = "777"
            balance_sms_text = "BAL"
            min_balance = 5
            """)
        defer { Task { await h.stop() } }
        _ = await h.simulator.execute("ussd vodafone1 balance 33.59")
        try await h.waitUntilFree(["vodafone1", "quectel1"])

        // The check at start texts BAL to 777 through the Vodafone SIM and reads the reply.
        var shown = ""
        try await eventually("the balance read from the reply SMS", seconds: 20) {
            shown = await h.cli(["balance", "vodafone1"]).standardOutput
            return shown.contains("33.59")
        }
        #expect(shown.contains("Unused Credit: $33.59") && !shown.contains("LOW"), "\(shown)")
        let sent = await h.simulator.execute("sms-sent vodafone1")
        #expect(sent.contains("\"destination\":\"777\"") && sent.contains("\"text\":\"BAL\""), "the request reached the modem: \(sent)")
        #expect(await h.simulator.execute("sms-sent quectel1").contains("[]"), "nothing through the other SIM")
        let sims = await h.cli(["sims", "--wide"]).standardOutput
        #expect(sims.contains("33.59") && !sims.contains("Out of routing"), "\(sims)")
        // Both SMS are in the history, like any other.
        let list = try await h.smsList()
        #expect(list.contains { $0.direction == .outbound && $0.peer == "777" && $0.text == "BAL" && $0.state != .failed }, "\(list)")
        #expect(list.contains { $0.direction == .inbound && $0.peer == "777" && $0.text.hasPrefix("Unused Credit") }, "\(list)")

        // Credit used up: a refresh reads 2.00 from the next reply, below 5.
        _ = await h.simulator.execute("ussd vodafone1 balance 2.00")
        let refreshed = await h.cli(["balance", "vodafone1", "--refresh"])
        #expect(refreshed.exitCode == 0 && refreshed.standardOutput.contains("2.00") && refreshed.standardOutput.contains("LOW"),
                "\(refreshed)")
        let after = await h.cli(["sims", "--wide"]).standardOutput
        #expect(after.contains("Out of routing") && after.contains("below min_balance 5.00"), "\(after)")
        try await eventually("sim.low_balance webhook", seconds: 20) {
            receiver.requests.contains { $0.headers["x-simgate-event"] == "sim.low_balance" }
        }
        let hook = try #require(receiver.requests.first { $0.headers["x-simgate-event"] == "sim.low_balance" })
        #expect(String(decoding: hook.body, as: UTF8.self).contains("8964010000000000059"))
    }

    @Test("an operator with no SMS service there: the request goes out through the SIM, and no amount is made up while no reply comes")
    func noReplySMS() async throws {
        let h = try await GatewayHarness.start(modems: ["quectel1"], extraTOML: """
            [[sim]]
            modem = "quectel1"
            balance_sms = "0611"
            balance_sms_text = "BALANCE"
            balance_sms_reply_from = "Beeline"
            """)
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["quectel1"])
        // Beeline's network here has no SMS service on 0611: the request is sent, no reply comes.
        try await eventually("the request SMS went out", seconds: 15) {
            await h.simulator.execute("sms-sent quectel1").contains("\"destination\":\"0611\"")
        }
        let shown = await h.cli(["balance", "--json"])
        let list = try ControlJSON.decoder().decode(SIMBalanceList.self, from: Data(shown.standardOutput.utf8))
        let b = try #require(list.balances.first)
        #expect(b.amount == nil && b.request == "SMS \"BALANCE\" → 0611", "\(b)")
    }

    @Test("+CMS ERROR: 8 on an SMS quarantines the SIM (sims, webhook); the message leaves through the other SIM")
    func refusedSMSQuarantines() async throws {
        let receiver = WebhookReceiver()
        let hookPort = try await receiver.start()
        defer { Task { await receiver.stop() } }
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            \(moscowRoutingTOML)
            quarantine_cooldown = 600

            [sms]
            min_interval = 0
            retry_initial = 1

            \(webhookTOML(port: hookPort, secret: "sms-refusal-webhook-secret"))
            """)
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1", "quectel1"])
        _ = await h.simulator.execute("sms-fail huawei1 8")

        // An MTS number: the MTS SIM (huawei1) is on-net and tried first; its network bars it.
        let queued = try await h.sendSMS(to: "+79161234567", text: "car 12 at the door")
        let sent = try await h.waitForSMS("sent through quectel1", seconds: 20) { $0.id == queued.id && $0.state == .sent }
        #expect(sent.modem == "quectel1" && sent.attempts == 2, "\(sent)")
        #expect(await h.simulator.execute("sms-sent huawei1").contains("\"cmsError\":8"))

        let sims = await h.cli(["sims"]).standardOutput
        #expect(sims.contains("Out of routing") && sims.contains("SMS refused: +CMS ERROR: 8 (operator determined barring)"), "\(sims)")
        try await eventually("sim.quarantined webhook", seconds: 15) {
            receiver.requests.contains { $0.headers["x-simgate-event"] == "sim.quarantined" }
        }
        let hook = try #require(receiver.requests.first { $0.headers["x-simgate-event"] == "sim.quarantined" })
        let body = String(decoding: hook.body, as: UTF8.self)
        #expect(body.contains("operator determined barring") && body.contains("huawei1"), "\(body)")
        // Calls skip it too: the router says why.
        let explained = await h.cli(["route", "explain", "+79161234567"]).standardOutput
        #expect(explained.contains("quarantined (SMS refused: +CMS ERROR: 8"), "\(explained)")
    }
}
