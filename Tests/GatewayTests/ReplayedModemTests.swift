// The daemon against a real capture: a Huawei dongle's transcript (boot, registration, an
// inbound call with +CRING/+CLIP/^DSCI, ^CONN, ^CEND) replayed by modemsim on a real pty
// (Tests/Fixtures/transcripts/huawei-e1550-boot-register-inbound-call.txt, sources in its
// header). A pjsua2 phone answers the call. What the daemon then shows and records must be
// what the capture says: the operator and cell it registered on, the signal, the caller, the
// answer, the remote hang-up with cause 16 and about nine seconds of talk.
import ControlModel
import Foundation
import ModemSimulator
import Testing
@testable import Gateway

@Suite("The daemon on a replayed real capture", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct ReplayedModemTests {
    static let transcripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/transcripts")

    @Test("Huawei E1550: boots, registers, takes an inbound call ended by ^CEND; state and record match the capture")
    func huaweiInboundCall() async throws {
        let path = Self.transcripts.appendingPathComponent("huawei-e1550-boot-register-inbound-call.txt").path
        let h = try await GatewayHarness.start(modems: ["huawei1"], tail: GatewayHarness.sipTail, replays: ["huawei1": path])
        defer { Task { await h.stop() } }
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port

        // Boot and registration, as the capture answers them.
        let idle = try await h.waitFor("huawei1", seconds: 30, "free after the replayed init") { $0.state == .free }
        #expect(idle.imsi == "255071013516311", "\(idle)")
        #expect(idle.model == "E1550" && idle.firmware == "11.609.18.00.00", "\(idle)")
        #expect(idle.simState == "ready", "\(idle)")
        #expect(idle.networkOperator.mccmnc == "25507", "\(idle.networkOperator)")
        let cs = try #require(idle.registrations?.first { $0.domain == "cs" }, "\(idle.registrations ?? [])")
        #expect(cs.stat == 1 && cs.lac == "8BE3" && cs.ci == "2BAF", "\(cs)")

        // The phone registers, then the capture's call comes in (the transcript pauses for it).
        let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                env: ["MODE": "answer", "SECONDS": "12", "HANGUP": "remote"])
        try await h.waitForRegistered("alice")
        try await eventually("the replay reached its pause", seconds: 20) {
            (try? await h.simulator.replayStatus("huawei1").paused) == true
        }
        try await h.simulator.continueReplay("huawei1")
        // The capture's idle ^RSSI:15 (it answers no AT+CSQ, so the URC is the only reading).
        try await h.waitFor("huawei1", "^RSSI:15 read") { $0.signal.rssi == 15 }

        let answered: [LiveCall]
        do {
            answered = try await h.waitForAnswered(1, seconds: 20)
        } catch {
            let status = try? await h.simulator.replayStatus("huawei1")
            let m = try? await h.modem("huawei1")
            Issue.record("no answered call: replay \(status.map { "\($0)" } ?? "?"); modem \(m.map { "\($0.state) \($0.currentCalls ?? [])" } ?? "?"); records \((try? await h.records()) ?? [])")
            throw error
        }
        #expect(answered[0].direction == "inbound")
        let report = try await phone.report()
        let call = try #require(report.calls.first)
        #expect(call.confirmed && call.disconnect_code != nil, "the network's hang-up reaches the phone: \(call)")

        let rows = try await h.closedRecords(count: 1)
        let row = rows[0]
        #expect(row.direction == "inbound" && row.caller == "+1234567890" && row.sipUser == "alice", "\(row)")
        #expect(row.answerAt != nil && row.gsmCause == "normal", "\(row)")
        // ^CEND: 1,9,67,16 says nine seconds; the record counts from the answer to ^CEND.
        #expect((7...11).contains(row.billableSeconds), "billable \(row.billableSeconds) s, capture says 9")

        let after = try await h.waitFor("huawei1", "free after the call") { $0.state == .free }
        let end = try #require(after.lastCallEnd, "no last call end in \(after)")
        #expect(end.ccCause == 16 && end.durationSeconds == 9, "\(end)")
        #expect(after.currentCalls?.isEmpty ?? true, "\(after.currentCalls ?? [])")

        let status = try await h.simulator.waitForReplay("huawei1", timeout: 10)
        #expect(status.finished && status.timeouts.isEmpty, "\(status)")
        #expect(status.commands.contains { $0.uppercased().hasPrefix("ATA") }, "the daemon answered with ATA: \(status.commands)")
    }
}
