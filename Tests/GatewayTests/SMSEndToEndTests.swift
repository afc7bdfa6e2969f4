// Issue 12's end-to-end cases, as an admin meets them: simulated modems on pseudo-terminals
// (modemsim, whose network splits, reorders and reports like a real one), the real daemon
// with its SQLite, and the real `simgate sms` CLI. What is checked comes out the other side:
// the text in the inbox, the PDUs the modem was handed, the modem's storage afterwards.
import ControlModel
import Foundation
import ModemSimulator
import Testing

@Suite("SMS end to end (daemon + modemsim + simgate sms)", .serialized, .timeLimit(.minutes(3)))
struct SMSEndToEndTests {
    static let routingTOML = moscowRoutingTOML

    @Test("a 3-part Cyrillic SMS delivered out of order with a duplicate part is one whole message; the SIM is emptied")
    func multipartCyrillicInbound() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1"])
        // 70 UCS-2 characters fit one part, 67 each part of a long one: 150 characters are 3 parts.
        let text = String(repeating: "Такси к подъезду через пять минут. ", count: 5).trimmingCharacters(in: .whitespaces) + " Ёж."
        let receipt = try await h.simulator.deliverSMS("huawei1", from: "+79161234567", text: text,
                                                       faults: SMSPartFaults(order: [3, 1, 2], duplicate: [2]))
        #expect(receipt.parts.count == 3)

        let message = try await h.waitForSMS("the 3-part message complete") { $0.direction == .inbound && $0.state == .complete }
        #expect(message.text == text)
        #expect(message.peer == "+79161234567" && message.partsExpected == 3 && message.partsDone == 3)
        #expect(message.modem == "huawei1" && message.encoding == "ucs2", "\(message)")
        let all = try await h.smsList()
        #expect(all.count == 1, "the duplicate part made no second message: \(all.map(\.id))")
        try await h.waitForEmptySIM("huawei1")

        let shown = await h.cli(["sms", "show", String(message.id)])
        #expect(shown.exitCode == 0, "\(shown.standardError)")
        #expect(shown.standardOutput.contains("Такси к подъезду"), "\(shown.standardOutput)")
    }

    @Test("a SIM filled while the daemon was down (storage full, one more waiting in the network) is read whole at start, each message once")
    func fullSIMReadAtStart() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"], smsCapacity: 3)
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1"])
        await h.stopDaemon()

        let texts = (1...4).map { "order \($0): Lenina 1 -> airport" }
        for text in texts { _ = try await h.simulator.deliverSMS("huawei1", from: "+79031112233", text: text) }
        let before = try await h.simulator.smsStorage("huawei1")
        #expect(before.memories.first { $0.storage == "SM" }?.used == 3, "\(before)")
        #expect(before.waitingInNetwork.count == 1, "the fourth waits in the network while the SIM is full: \(before)")

        try await h.startDaemon()
        try await h.waitForSMSCount(4, seconds: 20)
        let inbox = try await h.smsList()
        #expect(inbox.map(\.text).sorted() == texts.sorted(), "each message exactly once: \(inbox.map(\.text))")
        #expect(inbox.allSatisfy { $0.state == .complete && $0.direction == .inbound })
        try await h.waitForEmptySIM("huawei1")
        #expect(try await h.simulator.smsStorage("huawei1").waitingInNetwork.isEmpty)
    }

    @Test("an outbound SMS takes the callee's operator's SIM and is delivered; over the SIM's daily limit the next SIM takes one; sends on one SIM keep the interval")
    func outboundOnNetLimitAndPace() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            \(Self.routingTOML)

            [sms]
            min_interval = 2

            [[sim]]
            modem = "huawei1"
            sms_per_day = 1
            """)
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1", "quectel1"])

        // MTS number (250-01): the MTS SIM in huawei1; modemsim's SC reports delivery a second later.
        let first = try await h.sendSMS(to: "+79161234567", text: "Car 12 is waiting")
        let delivered = try await h.waitForSMS("the first SMS delivered") { $0.id == first.id && $0.state == .delivered }
        #expect(delivered.modem == "huawei1", "on-net: \(delivered)")
        let sentByHuawei = try await h.simulator.sentSMS("huawei1")
        #expect(sentByHuawei.map(\.destination) == ["+79161234567"] && sentByHuawei.first?.statusReportRequested == true)
        #expect(sentByHuawei.first?.text == "Car 12 is waiting")

        // huawei1 has used its one SMS of the day: the next MTS message goes through quectel1.
        let second = try await h.sendSMS(to: "89161234567", text: "Car 12 left")
        let secondSent = try await h.waitForSMS("the second SMS sent") { $0.id == second.id && ($0.state == .sent || $0.state == .delivered) }
        #expect(secondSent.modem == "quectel1", "huawei1 is over sms_per_day: \(secondSent)")
        #expect(try await h.simulator.sentSMS("huawei1").count == 1)

        // A Beeline number right after: on-net quectel1 again, but not before min_interval.
        let third = try await h.sendSMS(to: "+79030123456", text: "Car 7 is late")
        let thirdSent = try await h.waitForSMS("the third SMS sent") { $0.id == third.id && ($0.state == .sent || $0.state == .delivered) }
        #expect(thirdSent.modem == "quectel1")
        let parts = try await [h.smsShow(second.id), h.smsShow(third.id)].map { try #require($0.parts?.first?.sentAt) }
        #expect(parts[1].timeIntervalSince(parts[0]) >= 1.9, "two sends on quectel1 are min_interval apart: \(parts)")

        let sims = await h.cli(["sims", "--json"])
        let list = try ControlJSON.decoder().decode(SIMUsageList.self, from: Data(sims.standardOutput.utf8))
        #expect(list.sims.first { $0.modemID == "huawei1" }?.smsToday == 1, "\(sims.standardOutput)")
        #expect(list.sims.first { $0.modemID == "quectel1" }?.smsToday == 2, "\(sims.standardOutput)")
    }

    @Test("a temporary +CMS error on the on-net SIM: the SMS goes out through the next SIM; a permanent one fails it with the reason")
    func temporaryErrorTakesNextSIM() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            \(Self.routingTOML)

            [sms]
            min_interval = 0
            retry_initial = 1
            max_attempts = 3
            """)
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1", "quectel1"])

        try await h.simulator.failSMS("huawei1", cmsError: 38)  // RP cause 38: network out of order
        let sms = try await h.sendSMS(to: "+79161234567", text: "Pickup at gate 3")
        let sent = try await h.waitForSMS("sent through the next SIM") { $0.id == sms.id && ($0.state == .sent || $0.state == .delivered) }
        #expect(sent.modem == "quectel1", "\(sent)")
        #expect(sent.attempts == 2 && sent.lastCMS == 38, "the refusal is kept: \(sent)")
        #expect(try await h.simulator.sentSMS("huawei1").map(\.cmsError) == [38])
        #expect(try await h.simulator.sentSMS("quectel1").map(\.text) == ["Pickup at gate 3"])

        // Permanent (RP cause 1, unassigned number) on both SIMs: no retry, failed, reason shown.
        try await h.simulator.failSMS("huawei1", cmsError: 1, count: 5)
        try await h.simulator.failSMS("quectel1", cmsError: 1, count: 5)
        let bad = try await h.sendSMS(to: "+79161230000", text: "x")
        let failed = try await h.waitForSMS("the SMS to a dead number failed") { $0.id == bad.id && $0.state == .failed }
        #expect(failed.attempts == 1 && failed.lastCMS == 1, "\(failed)")
        let shown = await h.cli(["sms", "show", String(bad.id)])
        #expect(shown.standardOutput.contains("failed"), "\(shown.standardOutput)")
    }

    @Test("SIP MESSAGE both ways with PJSIP: alice's MESSAGE leaves as an SMS through the modem; an SMS to the SIM reaches alice's phone",
          .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
    func sipMessageBothWays() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"], extraTOML: """
            [sms]
            deliver_to = ["alice"]
            """, tail: GatewayHarness.sipTail)
        defer { Task { await h.stop() } }
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        try await h.waitUntilFree(["huawei1"])

        let outbound = "Машина 12 у подъезда"
        async let peer = runProcess("/usr/bin/env", ["python3", "\(SIPPeers.scripts)/pj_message.py"],
                                    environment: ["GW_PORT": String(port), "SIP_USER": "alice", "SIP_PASS": "secret",
                                                  "TO_NUMBER": "+79161234567", "TEXT": outbound, "WAIT_INBOUND": "20"],
                                    directory: h.directory, timeout: 60)
        // PJSIP's MESSAGE became an SMS-SUBMIT on the modem...
        let sent = try await h.simulator.waitForSentSMS("huawei1", count: 1, timeout: 20)
        #expect(sent.map(\.text) == [outbound] && sent.first?.destination == "+79161234567", "\(sent)")
        let queued = try await h.waitForSMS("the SMS from SIP") { $0.direction == .outbound }
        #expect(queued.user == "alice", "the SIP user is kept with the message: \(queued)")

        // ...and an SMS to the SIM comes back to alice as a MESSAGE while PJSIP waits for one.
        let inbound = "Принято, выхожу"
        _ = try await h.simulator.deliverSMS("huawei1", from: "+79161234567", text: inbound)
        let result = try await peer
        let lastLine = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any],
                                  "pjsua2 output: \(result.stdout.suffix(800)) \(result.stderr.suffix(800))")
        #expect(report["sent_code"] as? Int == 202, "\(report)")
        let received = try #require((report["inbound"] as? [[String: Any]])?.first, "no MESSAGE reached PJSIP: \(report)")
        #expect(received["body"] as? String == inbound)
        #expect((received["from"] as? String)?.contains("sip:+79161234567@") == true, "\(received)")
        try await h.waitForEmptySIM("huawei1")
    }

    @Test("bad input to simgate sms send is refused with the field named; nothing is queued")
    func badSendRequest() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        let empty = await h.cli(["sms", "send", "--to", "", "hello"])
        #expect(empty.exitCode != 0)
        #expect(empty.standardError.contains("to"), "\(empty.standardError)")
        let both = await h.cli(["sms", "send", "--to", "+79161234567", "--modem", "huawei1", "--sim", "897010", "hi"])
        #expect(both.exitCode != 0 && both.standardError.contains("--modem or --sim"), "\(both.standardError)")
        #expect(try await h.smsList().isEmpty)
    }
}

extension GatewayHarness {
    func smsList() async throws -> [SMSMessage] {
        let outcome = await cli(["sms", "list", "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate sms list: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(SMSList.self, from: Data(outcome.standardOutput.utf8)).messages
    }

    func smsShow(_ id: Int64) async throws -> SMSMessage {
        let outcome = await cli(["sms", "show", String(id), "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate sms show \(id): \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(SMSMessage.self, from: Data(outcome.standardOutput.utf8))
    }

    func sendSMS(to: String, text: String) async throws -> SMSMessage {
        let outcome = await cli(["sms", "send", "--to", to, text, "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate sms send: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(SMSMessage.self, from: Data(outcome.standardOutput.utf8))
    }

    /// Polls `simgate sms list` (every 200 ms, at most `seconds`) until a message matches.
    @discardableResult
    func waitForSMS(_ what: String, seconds: Double = 15, _ match: (SMSMessage) -> Bool) async throws -> SMSMessage {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [SMSMessage] = []
        while Date() < deadline {
            last = (try? await smsList()) ?? last
            if let found = last.first(where: match) { return found }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError(description: "timed out after \(seconds) s waiting for \(what); have: \(last.map { "\($0.id) \($0.direction.rawValue) \($0.state.rawValue) \($0.modem ?? "-") \($0.lastError ?? "")" })")
    }

    /// Polls `simgate sms list` until it holds at least `count` messages.
    func waitForSMSCount(_ count: Int, seconds: Double = 15) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [SMSMessage] = []
        while Date() < deadline {
            last = (try? await smsList()) ?? last
            if last.count >= count { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError(description: "timed out after \(seconds) s waiting for \(count) messages; have \(last.count): \(last.map(\.text))")
    }

    /// Waits until modemsim's memories hold no message of `modem`.
    func waitForEmptySIM(_ modem: String, seconds: Double = 10) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        var last: SMSStorageStatus?
        while Date() < deadline {
            last = try await simulator.smsStorage(modem)
            if last!.memories.allSatisfy({ $0.used == 0 }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(description: "\(modem): the SIM still holds messages after \(seconds) s: \(String(describing: last))")
    }
}
