// Issue 13's end-to-end cases, as an admin meets them: modemsim's network answers USSD like
// the real ones (MTS's "Баланс:…р" in UCS2, Huawei's packed 7-bit hex, menus), the real
// daemon, and the real `simgate ussd` / `simgate balance` / `simgate sims` CLI. What is
// checked comes out the other side: the decoded text, the AT+CUSD lines the modem received,
// the SIM the next call leaves through, the webhook.
import ControlModel
import Foundation
import ModemSimulator
import Testing

@Suite("USSD and balances end to end (daemon + modemsim + simgate)", .serialized, .timeLimit(.minutes(3)))
struct USSDBalanceEndToEndTests {
    @Test("*100# through a Huawei (packed 7-bit hex on the wire) returns MTS's Russian text; a menu is continued and cancelled")
    func ussdCodeAndMenu() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"])
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1", "quectel1"])
        _ = await h.simulator.execute("ussd huawei1 balance 2220,76")

        let balance = await h.cli(["ussd", "huawei1", "*100#"])
        #expect(balance.exitCode == 0, "\(balance.standardError)")
        #expect(balance.standardOutput == "Баланс:2220,76р\n", "\(balance.standardOutput)")
        let log = await h.simulator.execute("ussd huawei1 log")
        #expect(log.contains("AA180C3602"), "the Huawei was sent *100# as packed 7-bit hex: \(log)")

        let json = await h.cli(["ussd", "huawei1", "*100#", "--json"])
        let result = try ControlJSON.decoder().decode(USSDResultInfo.self, from: Data(json.standardOutput.utf8))
        #expect(result.outcome == .reply && result.status == 0 && result.text == "Баланс:2220,76р", "\(result)")

        // quectel1 is on Beeline (250-99): *111# is a menu; choosing 2 opens the tariffs menu.
        let menu = await h.cli(["ussd", "quectel1", "*111#"])
        #expect(menu.exitCode == 0 && menu.standardError.contains("--reply"), "\(menu)")
        #expect(menu.standardOutput.contains("1") && menu.standardOutput.contains("2"), "\(menu.standardOutput)")
        let second = await h.cli(["ussd", "quectel1", "--reply", "2"])
        #expect(second.exitCode == 0 && second.standardOutput.lowercased().contains("tarif"), "\(second)")
        let cancelled = await h.cli(["ussd", "quectel1", "--cancel"])
        #expect(cancelled.exitCode == 0 && cancelled.standardOutput == "USSD session cancelled\n", "\(cancelled)")
        let qlog = await h.simulator.execute("ussd quectel1 log")
        #expect(qlog.contains("*111#") && qlog.contains("\"2\""), "\(qlog)")
        // Nothing open any more: a reply is refused with the reason.
        let late = await h.cli(["ussd", "quectel1", "--reply", "1"])
        #expect(late.exitCode != 0 && late.standardError.contains("no USSD menu is open"), "\(late)")

        // Bad input never reaches the modem.
        let bad = await h.cli(["ussd", "huawei1", "100"])
        #expect(bad.exitCode != 0 && bad.standardError.contains("not a USSD code"), "\(bad)")
        let none = await h.cli(["ussd", "nosuch", "*100#"])
        #expect(none.exitCode != 0 && none.standardError.contains("no modem"), "\(none)")
    }

    @Test("a network that never answers: the request fails after the time-out and the session is cancelled (AT+CUSD=2)")
    func silentNetwork() async throws {
        let h = try await GatewayHarness.start(modems: ["quectel1"])
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["quectel1"])
        _ = await h.simulator.execute("ussd quectel1 silent on")
        let started = Date()
        let r = await h.cli(["ussd", "quectel1", "*102#"])
        #expect(r.exitCode != 0 && r.standardError.contains("no USSD reply"), "\(r)")
        #expect(Date().timeIntervalSince(started) >= 29, "waited for the network's 30 s")
        try await eventually("AT+CUSD=2 reached the modem", seconds: 5) {
            await h.simulator.execute("ussd quectel1 log").contains("\"n\":2")
        }
    }

    @Test("a scheduled check updates simgate sims; below min_balance the SIM leaves routing, the webhook fires, and it returns when topped up")
    func balanceBelowMinimum() async throws {
        let receiver = WebhookReceiver()
        let hookPort = try await receiver.start()
        defer { Task { await receiver.stop() } }
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            \(moscowRoutingTOML)
            \(webhookTOML(port: hookPort, secret: "balance-webhook-secret"))

            [[sim]]
            modem = "huawei1"
            balance_ussd = "*100#"
            balance_interval = 5
            min_balance = 50
            """)
        defer { Task { await h.stop() } }
        _ = await h.simulator.execute("ussd huawei1 balance 150,00")
        try await h.waitUntilFree(["huawei1", "quectel1"])

        // The first check runs at start; `simgate sims` shows the amount and its age.
        var sims = ""
        try await eventually("the balance in simgate sims", seconds: 15) {
            sims = await h.cli(["sims", "--wide"]).standardOutput
            return sims.contains("150.00 RUB")
        }
        #expect(!sims.contains("Out of routing"), "\(sims)")
        let explainedBefore = await h.cli(["route", "explain", "+79161234567"]).standardOutput
        #expect(explainedBefore.contains("huawei1") && !explainedBefore.contains("out of service"), "\(explainedBefore)")

        // The operator bills it below 50: the next scheduled check (5 s) takes it out of routing.
        _ = await h.simulator.execute("ussd huawei1 balance 12,50")
        var explained = ""
        try await eventually("huawei1 out of routing", seconds: 20) {
            explained = await h.cli(["route", "explain", "+79161234567"]).standardOutput
            return explained.contains("out of service: balance 12.50 RUB below min_balance 50.00")
        }
        #expect(explained.contains("quectel1"), "the MTS number now leaves through quectel1: \(explained)")
        sims = await h.cli(["sims", "--wide"]).standardOutput
        #expect(sims.contains("!12.50 RUB") && sims.contains("Out of routing"), "\(sims)")
        try await eventually("sim.low_balance webhook", seconds: 20) {
            receiver.requests.contains { $0.headers["x-simgate-event"] == "sim.low_balance" }
        }
        let hook = try #require(receiver.requests.first { $0.headers["x-simgate-event"] == "sim.low_balance" })
        let body = String(decoding: hook.body, as: UTF8.self)
        #expect(body.contains("8970100000000000012") && body.contains("12.5"), "\(body)")

        // `simgate balance` shows it, with the operator's reply; a refresh after a top-up
        // brings the SIM back at once, and the low-balance webhook fired only once.
        let shown = await h.cli(["balance", "huawei1"])
        #expect(shown.exitCode == 0 && shown.standardOutput.contains("12.50 RUB") && shown.standardOutput.contains("LOW"), "\(shown)")
        #expect(shown.standardOutput.contains("Баланс:12,50р"), "\(shown.standardOutput)")
        _ = await h.simulator.execute("ussd huawei1 balance 300,00")
        let refreshed = await h.cli(["balance", "huawei1", "--refresh"])
        #expect(refreshed.exitCode == 0 && refreshed.standardOutput.contains("300.00 RUB") && !refreshed.standardOutput.contains("LOW"),
                "\(refreshed)")
        let back = await h.cli(["route", "explain", "+79161234567"]).standardOutput
        #expect(!back.contains("out of service"), "\(back)")
        #expect(receiver.requests.filter { $0.headers["x-simgate-event"] == "sim.low_balance" }.count == 1)
    }

    @Test("a reply that is not a balance is kept whole and flagged; the last amount stays, never 0")
    func unreadableReply() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"], extraTOML: """
            [[sim]]
            modem = "huawei1"
            balance_ussd = "*111#"
            min_balance = 1
            """)
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1"])
        let r = await h.cli(["balance", "huawei1", "--refresh"])
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.standardOutput.contains("unknown") && r.standardOutput.contains("not read"), "\(r.standardOutput)")
        let explained = await h.cli(["sims"]).standardOutput
        #expect(!explained.contains("Out of routing"), "an unreadable reply takes no SIM out of routing: \(explained)")
    }

    @Test("a SIM without +CNUM: its own number is asked by number_ussd once, shown for the modem, and remembered across a restart")
    func ownNumberByUSSD() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"], extraTOML: """
            [[sim]]
            modem = "huawei1"
            number_ussd = "*111*0887#"
            """, withoutCNUM: ["huawei1"])
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1"])
        var snapshot = try await h.modem("huawei1")
        try await eventually("the number learned by USSD", seconds: 15) {
            snapshot = try await h.modem("huawei1")
            return snapshot.msisdn != nil
        }
        #expect(snapshot.msisdn == "+79160000002", "MTS's \"Ваш номер 79160000002\" read as the SIM's number: \(snapshot.msisdn ?? "-")")
        let asked = await h.simulator.execute("ussd huawei1 log")
        #expect(asked.components(separatedBy: "*111*0887#").count - 1 >= 1, "\(asked)")

        // After a restart the sim table knows the number: it is shown at once, not asked again.
        _ = await h.simulator.execute("ussd huawei1 log reset")
        await h.stopDaemon()
        try await h.startDaemon()
        try await h.waitUntilFree(["huawei1"])
        try await eventually("the remembered number", seconds: 10) {
            try await h.modem("huawei1").msisdn == "+79160000002"
        }
        try await Task.sleep(for: .seconds(2))
        let again = await h.simulator.execute("ussd huawei1 log")
        #expect(!again.contains("0887"), "not asked again: \(again)")
    }
}
