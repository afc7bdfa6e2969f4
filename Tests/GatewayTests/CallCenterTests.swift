// The call center on live calls: modemsim places the customers' GSM calls, pjsua2 phones
// (scripts/sip/pj_phone.py) registered as dispatchers ring, answer, refuse or let it ring,
// and simgated in between runs ring groups, the queue with its music, the missed-call list
// and callbacks. What is checked is what comes out: which phone got which call and how it
// ended (200 or CANCEL's 487), the audio at modemsim (music while queued, the phone's tone
// once connected), the call records and the missed-call entries.
import ControlModel
import Foundation
import MediaCore
import Testing
@testable import Gateway

extension GatewayHarness {
    /// [sip] with three dispatchers (alice, bob, carol; password "secret") and `rules`.
    static func startCallCenter(modems: [String], rules: String) async throws -> (GatewayHarness, Int) {
        let tail = """
            [sip]
            listen = ["udp:127.0.0.1:0"]
            rtp_port_min = 31000
            rtp_port_max = 31999

            [[user]]
            name = "alice"
            password = "secret"

            [[user]]
            name = "bob"
            password = "secret"

            [[user]]
            name = "carol"
            password = "secret"

            \(rules)
            """
        let h = try await GatewayHarness.start(modems: modems, tail: tail)
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        for m in modems { try await h.waitFor(m, "free") { $0.state == .free } }
        return (h, port)
    }

    /// A dispatcher's phone; each phone gets its own 200-port RTP range.
    func dispatcher(_ user: String, port: Int, rtpBase: Int, _ env: [String: String]) -> Phone {
        var env = env
        env["MODE"] = "answer"
        env["SIP_USER"] = user
        return Phone.start(port: port, directory: directory, rtpPort: rtpBase, env: env)
    }

    /// Waits until each user has a live registration (pjsua2 starts slowly on a busy host).
    func waitForRegistered(_ users: String...) async throws {
        let sip = try #require(running.sip)
        for user in users {
            try await eventually("\(user) registered", seconds: 20) { await sip.mediaHost(forUser: user) != nil }
        }
    }

    func missedEntries() async throws -> [MissedCallEntry] {
        try await #require(running.inbound?.missedCalls).list(status: nil, since: nil)
    }
}

/// Seconds from the call's arrival to its answer by a person.
private func secondsToAnswer(_ row: CallDetail) -> Double? {
    row.answerAt.map { $0.timeIntervalSince(row.inviteAt) }
}

@Suite("Call center on live calls (pjsua2 dispatchers, modemsim customers)", .serialized, .timeLimit(.minutes(5)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct CallCenterTests {
    @Test("parallel group: both phones ring, alice answers, bob's stops ringing (CANCEL), audio flows, one record")
    func parallelGroup() async throws {
        let receiver = WebhookReceiver()
        let hookPort = try await receiver.start()
        defer { Task { await receiver.stop() } }
        let (h, port) = try await GatewayHarness.startCallCenter(modems: ["huawei1"], rules: """
            [[webhook]]
            url = "http://127.0.0.1:\(hookPort)/crm"
            secret = "live-calls-webhook-secret"

            [[ring_group]]
            name = "day"
            strategy = "parallel"
            members = ["alice", "bob"]
            timeout = 20

            [[inbound]]
            sims = ["huawei1"]
            target = "ring_group:day"
            """)
        defer { Task { await h.stop() } }
        let alice = h.dispatcher("alice", port: port, rtpBase: 40000, ["ANSWER_AFTER": "2", "SECONDS": "4"])
        let bob = h.dispatcher("bob", port: port, rtpBase: 40200, ["ANSWER_AFTER": "60", "SECONDS": "1"])
        try await h.waitForRegistered("alice", "bob")
        try await h.simulator.resetReceivedAudio("huawei1")
        try await h.simulator.ringIn("huawei1", from: "+79031110001")
        _ = try await h.waitForAnswered(1)
        try await Task.sleep(for: .milliseconds(2200))
        try await h.expectToneAtModem("huawei1", "parallel group, alice connected")

        let a = try #require(try await alice.report().calls.first)
        #expect(a.confirmed, "alice: \(a)")
        try expectToneInRecording(a, "parallel group at alice")
        let bobCalls = try await bob.report().calls
        #expect(bobCalls.count == 1, "bob was rung once: \(bobCalls)")
        #expect(bobCalls.first.map { !$0.confirmed && $0.disconnect_code == 487 } == true, "bob's phone stops ringing: \(bobCalls)")

        let rows = try await h.closedRecords(count: 1)
        #expect(rows.count == 1 && rows[0].direction == "inbound" && rows[0].sipUser == "alice", "\(rows)")
        #expect(rows[0].caller == "+79031110001" && rows[0].answerAt != nil, "\(rows[0])")
        #expect(try await h.missedEntries().isEmpty)

        // The CRM hears of the call once per event, in order, signed.
        try await eventually("three webhooks", seconds: 20) { receiver.requests.count >= 3 }
        try await Task.sleep(for: .milliseconds(300))
        let hooks = receiver.requests
        #expect(hooks.map { $0.headers["x-simgate-event"] ?? "" } == ["call.ringing", "call.answered", "call.ended"], "\(hooks.map(\.headers))")
        for r in hooks {
            #expect(WebhookSignature.verify(body: r.body, secret: "live-calls-webhook-secret", header: r.headers["x-simgate-signature"] ?? ""))
            #expect(String(decoding: r.body, as: UTF8.self).contains("+79031110001"))
        }
        let answered = hooks.first { $0.headers["x-simgate-event"] == "call.answered" }.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(answered?.contains("alice") == true, "\(answered ?? "")")
    }

    @Test("sequential group moves on after the member timeout; a group that times out overflows to its target")
    func sequentialAndOverflow() async throws {
        let (h, port) = try await GatewayHarness.startCallCenter(modems: ["huawei1", "huawei2"], rules: """
            [[ring_group]]
            name = "seq"
            strategy = "sequential"
            members = ["alice", "bob"]
            member_timeout = 3
            timeout = 20

            [[ring_group]]
            name = "short"
            members = ["alice"]
            timeout = 3
            overflow = "user:carol"

            [[inbound]]
            sims = ["huawei1"]
            target = "ring_group:seq"

            [[inbound]]
            sims = ["huawei2"]
            target = "ring_group:short"
            """)
        defer { Task { await h.stop() } }
        // alice never answers; bob and carol do.
        let alice = h.dispatcher("alice", port: port, rtpBase: 40000, ["ANSWER_AFTER": "60", "SECONDS": "1", "CALLS_EXPECTED": "2", "WAIT": "30"])
        let bob = h.dispatcher("bob", port: port, rtpBase: 40200, ["ANSWER_AFTER": "1", "SECONDS": "2"])
        let carol = h.dispatcher("carol", port: port, rtpBase: 40400, ["ANSWER_AFTER": "1", "SECONDS": "2", "WAIT": "30"])
        try await h.waitForRegistered("alice", "bob", "carol")

        try await h.simulator.ringIn("huawei1", from: "+79031110001")
        var rows = try await h.closedRecords(count: 1, seconds: 30)
        #expect(rows[0].sipUser == "bob", "the second member took it: \(rows[0])")
        let waited = try #require(secondsToAnswer(rows[0]))
        #expect(waited >= 3 && waited < 8, "bob rang only after alice's 3 s: answered after \(waited) s")
        let b = try #require(try await bob.report().calls.first)
        #expect(b.confirmed, "\(b)")
        try await h.waitFor("huawei1", "free") { $0.state == .free }

        try await h.simulator.ringIn("huawei2", from: "+79031110002")
        rows = try await h.closedRecords(count: 2, seconds: 30)
        #expect(rows[1].sipUser == "carol" && rows[1].modemID == "huawei2", "overflow to carol: \(rows[1])")
        let waited2 = try #require(secondsToAnswer(rows[1]))
        #expect(waited2 >= 3 && waited2 < 8, "carol rang only after the group's 3 s: answered after \(waited2) s")
        let c = try #require(try await carol.report().calls.first)
        #expect(c.confirmed, "\(c)")

        let aliceCalls = try await alice.report().calls
        #expect(aliceCalls.count == 2 && aliceCalls.allSatisfy { !$0.confirmed && $0.disconnect_code == 487 },
                "alice rang for both calls and was cancelled each time: \(aliceCalls)")
        #expect(try await h.missedEntries().isEmpty)
    }

    @Test("all busy: the caller is queued and hears music (energy at modemsim), then reaches the dispatcher when she hangs up")
    func queueWithMusic() async throws {
        let (h, port) = try await GatewayHarness.startCallCenter(modems: ["huawei1", "huawei2"], rules: """
            [[queue]]
            name = "main"
            members = ["alice"]
            ring_timeout = 10
            max_wait = 60

            [[inbound]]
            sims = ["*"]
            target = "queue:main"
            """)
        defer { Task { await h.stop() } }
        let alice = h.dispatcher("alice", port: port, rtpBase: 40000, ["ANSWER_AFTER": "0.5", "SECONDS": "6", "CALLS_EXPECTED": "2"])
        try await h.waitForRegistered("alice")
        try await h.simulator.ringIn("huawei1", from: "+79031110001")
        _ = try await h.waitForAnswered(1)

        // alice is busy: the second caller is answered by the queue and hears music.
        try await h.simulator.resetReceivedAudio("huawei2")
        try await h.simulator.ringIn("huawei2", from: "+79031110002")
        try await Task.sleep(for: .milliseconds(2500))
        let held = try await h.simulator.receivedSamples("huawei2")
        #expect(held.count >= 4000, "the queue answered and writes audio: \(held.count) samples")
        let level = held.withUnsafeBufferPointer { PCMFrame.levelDBFS($0) }
        #expect(level > -35, "hold music is audible at the caller: \(level) dBFS")
        let queued = try await h.liveCalls().first { $0.modemID == "huawei2" }
        #expect(queued?.state == "ringing", "no person has answered yet: \(String(describing: queued))")

        // alice hangs up her first call; the queue offers her the waiting caller.
        _ = try await h.waitForAnswered(1, seconds: 20)
        try await eventually("the queued caller connected", seconds: 20) {
            try await h.liveCalls().contains { $0.modemID == "huawei2" && $0.state == "answered" }
        }
        try await h.simulator.resetReceivedAudio("huawei2")
        try await Task.sleep(for: .milliseconds(2200))
        try await h.expectToneAtModem("huawei2", "queued caller connected to alice")

        let calls = try await alice.report().calls
        #expect(calls.count == 2 && calls.allSatisfy(\.confirmed), "\(calls)")
        let rows = try await h.closedRecords(count: 2, seconds: 30)
        #expect(rows.allSatisfy { $0.sipUser == "alice" && $0.answerAt != nil }, "\(rows)")
        // (Records come with whole seconds, so both may start in the same second: pick by modem.)
        let second = try #require(rows.first { $0.modemID == "huawei2" })
        let waited = try #require(secondsToAnswer(second))
        #expect(waited >= 4, "the second caller waited for alice's first call to end: \(waited) s; \(rows)")
        #expect(try await h.missedEntries().isEmpty)
    }

    @Test("missed while ringing and while queued: one entry each; a repeat adds to it; a later answered call closes it")
    func missedCalls() async throws {
        let (h, port) = try await GatewayHarness.startCallCenter(modems: ["huawei1", "huawei2"], rules: """
            [[ring_group]]
            name = "day"
            members = ["alice"]
            timeout = 30

            [[queue]]
            name = "main"
            members = ["bob"]
            max_wait = 60

            [[inbound]]
            sims = ["huawei1"]
            target = "ring_group:day"

            [[inbound]]
            sims = ["huawei2"]
            target = "queue:main"
            """)
        defer { Task { await h.stop() } }
        // alice lets both calls ring; bob (the queue's only member) is not registered.
        let ringing = h.dispatcher("alice", port: port, rtpBase: 40000, ["ANSWER_AFTER": "60", "SECONDS": "1", "CALLS_EXPECTED": "2", "WAIT": "30"])
        try await h.waitForRegistered("alice")
        try await h.simulator.ringIn("huawei1", from: "+79031110003", abandonAfter: 2)
        try await eventually("first missed entry", seconds: 20) { try await h.missedEntries().count == 1 }
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        try await h.simulator.ringIn("huawei1", from: "+79031110003", abandonAfter: 2)
        try await eventually("the repeat adds to the entry", seconds: 20) { try await h.missedEntries().first?.callCount == 2 }
        var entries = try await h.missedEntries()
        #expect(entries.count == 1 && entries[0].reason == .callerHungUpRinging && entries[0].caller == "+79031110003", "\(entries)")
        let calls = try await ringing.report().calls
        #expect(calls.count == 2 && calls.allSatisfy { !$0.confirmed && $0.disconnect_code == 487 }, "\(calls)")

        // Nobody can take it: the queue answers, plays music; the caller gives up after 2 s.
        try await h.simulator.ringIn("huawei2", from: "+79031110004")
        try await h.waitFor("huawei2", "off hook in the queue") { $0.state == .active }
        try await Task.sleep(for: .milliseconds(2000))
        try await h.simulator.remoteHangup("huawei2")
        try await eventually("the queued caller's entry", seconds: 20) { try await h.missedEntries().count == 2 }
        entries = try await h.missedEntries()
        let queued = try #require(entries.first { $0.caller == "+79031110004" })
        #expect(queued.reason == .callerHungUpQueued && queued.callCount == 1, "\(queued)")

        // The first customer calls again and alice answers: their entry closes.
        let answering = h.dispatcher("alice", port: port, rtpBase: 40200, ["ANSWER_AFTER": "0.5", "SECONDS": "2"])
        try await Task.sleep(for: .milliseconds(1000))   // the first phone's un-REGISTER is done
        try await h.waitForRegistered("alice")
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        try await h.simulator.ringIn("huawei1", from: "+79031110003")
        #expect(try await answering.report().calls.first?.confirmed == true)
        try await eventually("the answered call closes the entry", seconds: 20) {
            try await h.missedEntries().first { $0.caller == "+79031110003" }?.status == .closed
        }
        #expect(try await h.missedEntries().first { $0.caller == "+79031110004" }?.status == .new)
        let rows = try await h.closedRecords(count: 4, seconds: 20)
        #expect(rows.filter { $0.answerAt != nil }.count == 1, "\(rows)")
    }

    @Test("manual callback: `simgate missed callback` rings alice showing the customer, then dials the customer from the SIM they called")
    func manualCallback() async throws {
        let (h, port) = try await GatewayHarness.startCallCenter(modems: ["huawei1", "huawei2"], rules: """
            [[inbound]]
            sims = ["huawei2"]
            target = "missed"
            """)
        defer { Task { await h.stop() } }
        try await h.simulator.ringIn("huawei2", from: "+79031110005")
        try await eventually("missed entry", seconds: 20) { try await h.missedEntries().count == 1 }
        let entry = try #require(try await h.missedEntries().first)
        #expect(entry.sim == "huawei2" && entry.caller == "+79031110005", "\(entry)")
        try await h.waitFor("huawei2", "free") { $0.state == .free }

        let alice = h.dispatcher("alice", port: port, rtpBase: 40000, ["ANSWER_AFTER": "0.5", "SECONDS": "4", "WAIT": "30"])
        try await h.waitForRegistered("alice")
        let outcome = await h.cli(["missed", "callback", String(entry.id), "--user", "alice"])
        #expect(outcome.exitCode == 0, "\(outcome.standardError)")
        try await eventually("the customer answered the callback", seconds: 30) {
            try await h.liveCalls().contains { $0.direction == "outbound" && $0.state == "answered" }
        }
        let live = try #require(try await h.liveCalls().first { $0.direction == "outbound" })
        #expect(live.modemID == "huawei2" && live.number == "+79031110005", "dialled from the SIM the customer called: \(live)")
        try await h.simulator.resetReceivedAudio("huawei2")
        try await Task.sleep(for: .milliseconds(2000))
        try await h.expectToneAtModem("huawei2", "callback: alice's voice reaches the customer")
        let call = try #require(try await alice.report().calls.first)
        #expect(call.confirmed && call.remote?.contains("+79031110005") == true, "alice saw the customer's number: \(call)")
        try await eventually("the entry records the callback", seconds: 20) {
            let e = try await #require(h.running.inbound?.missedCalls).entry(id: entry.id)
            return e.callbackResult == "connected" && e.calledBackBy == "alice"
        }
    }

    @Test("automatic recall: attempts on the rule's schedule ring the group, the refused one is recorded, the answered one dials the customer")
    func automaticRecall() async throws {
        let (h, port) = try await GatewayHarness.startCallCenter(modems: ["huawei1"], rules: """
            [[ring_group]]
            name = "day"
            members = ["alice"]
            timeout = 10

            [[inbound]]
            sims = ["huawei1"]
            target = "ring_group:day"
            recall = true
            recall_delays = [2, 4]
            """)
        defer { Task { await h.stop() } }
        // alice refuses the call itself and the first recall, and answers the second.
        let alice = h.dispatcher("alice", port: port, rtpBase: 40000,
                                 ["ANSWER_AFTER": "0.5", "ANSWER_CODES": "486,486,200", "SECONDS": "3", "CALLS_EXPECTED": "3", "WAIT": "30"])
        try await h.waitForRegistered("alice")
        try await h.simulator.ringIn("huawei1", from: "+79031110006")
        try await eventually("missed entry", seconds: 20) { try await h.missedEntries().count == 1 }
        let missedAt = Date()
        let id = try #require(try await h.missedEntries().first?.id)

        let calls = try await alice.report().calls
        #expect(calls.count == 3, "the call and two recall attempts rang alice: \(calls)")
        #expect(calls.prefix(2).allSatisfy { !$0.confirmed } && calls.last?.confirmed == true, "\(calls)")
        #expect(calls.dropFirst().allSatisfy { $0.remote?.contains("+79031110006") == true }, "recalls show the customer: \(calls)")

        let missed = try #require(h.running.inbound?.missedCalls)
        try await eventually("the recall's result is on the entry", seconds: 20) {
            try await missed.entry(id: id).callbackResult == "connected"
        }
        let history = try await missed.entry(id: id).history ?? []
        let attempts = history.filter { $0.kind == "recall" }
        #expect(attempts.map(\.result) == ["dispatcher-no-answer", "connected"], "\(history)")
        // The schedule: the first attempt about 2 s after the miss, the second not before 4 s.
        if attempts.count == 2 {
            #expect(attempts[1].at.timeIntervalSince(missedAt) >= 3, "second attempt at \(attempts[1].at) vs miss \(missedAt)")
        }
        let outbound = try await h.closedRecords(count: 2, seconds: 20).filter { $0.direction == "outbound" }
        #expect(outbound.count == 1 && outbound[0].calleeDialed == "+79031110006" && outbound[0].sipUser == "alice"
                && outbound[0].answerAt != nil, "\(outbound)")
        // The same story in /metrics, as prometheus_client reads it.
        let scrape = try await Scrape.fetch(h.socket, directory: h.directory)
        #expect(scrape.value("simgate_callbacks_total", ["kind": "recall", "outcome": "dispatcher-no-answer"]) == 1)
        #expect(scrape.value("simgate_callbacks_total", ["kind": "recall", "outcome": "connected"]) == 1)
        #expect(scrape.value("simgate_recalls_finished_total", ["result": "reached"]) == 1)
        #expect(scrape.value("simgate_recalls_finished_total", ["result": "gave_up"]) == 0)
        #expect(scrape.value("simgate_callbacks_total", ["kind": "manual", "outcome": "connected"]) == 0)
    }

    @Test("an external number in a ring group is dialled through another SIM; the two modems hear each other; the caller hanging up ends both")
    func externalMember() async throws {
        let (h, _) = try await GatewayHarness.startCallCenter(modems: ["huawei1", "huawei2"], rules: """
            [[ring_group]]
            name = "drivers"
            members = ["number:+79165550001"]
            timeout = 20

            [[inbound]]
            sims = ["huawei1"]
            target = "ring_group:drivers"
            """)
        defer { Task { await h.stop() } }
        try await h.simulator.ringIn("huawei1", from: "+79031110007")
        try await eventually("the driver's mobile answered and the caller is connected", seconds: 20) {
            try await h.liveCalls().filter { $0.state == "answered" }.count == 2
        }
        let live = try await h.liveCalls()
        #expect(live.contains { $0.direction == "outbound" && $0.modemID == "huawei2" && $0.number == "+79165550001" }, "\(live)")
        try await h.simulator.resetReceivedAudio("huawei1")
        try await h.simulator.resetReceivedAudio("huawei2")
        try await Task.sleep(for: .milliseconds(2200))
        // Each far end plays the simulator's 1 kHz: it must cross the gateway to the other modem.
        try await h.expectToneAtModem("huawei1", "the driver heard by the caller")
        try await h.expectToneAtModem("huawei2", "the caller heard by the driver")

        try await h.simulator.remoteHangup("huawei1")
        let rows = try await h.closedRecords(count: 2, seconds: 20)
        let inbound = try #require(rows.first { $0.direction == "inbound" })
        let outbound = try #require(rows.first { $0.direction == "outbound" })
        #expect(inbound.answerAt != nil && inbound.caller == "+79031110007" && inbound.gsmCause == "normal", "\(inbound)")
        #expect(outbound.answerAt != nil && outbound.calleeDialed == "+79165550001" && outbound.modemID == "huawei2"
                && outbound.gsmCause == "local-hangup", "the driver's leg ends with the caller's: \(outbound)")
        #expect(try await h.missedEntries().isEmpty)
    }
}
