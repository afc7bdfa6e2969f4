// Re-INVITEs on established calls, end to end: hold and resume (RFC 3264 §8.4) on the test
// extension with sipp and on a bridged call with a pjsua2 phone (the GSM side, modemsim,
// must hear hold music while the phone holds the call), and the RFC 3261 rules for
// re-INVITEs that overlap a pending INVITE (§14.2) or come out of CSeq order (§12.2.2).
import ControlModel
import Foundation
import MediaCore
import ModemSimulator
import Testing
@testable import Gateway

/// The part of pj_phone.py's report the hold test reads.
struct HoldPhoneReport: Decodable {
    struct Call: Decodable {
        var confirmed: Bool
        var answer_directions: [String]
    }
    var calls: [Call]
}

@Suite("SIP re-INVITE: hold, resume, overlap", .serialized, .timeLimit(.minutes(3)))
struct SIPHoldTests {
    @Test("sipp holds the test extension (sendonly, c=0.0.0.0, inactive) and resumes: 200 SDP recvonly/recvonly/inactive/sendrecv; a re-INVITE over the pending INVITE gets 500 + Retry-After; a lower CSeq gets 500",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func sippHoldResumeOverlap() async throws {
        // answer_delay 1 s: the scenario's overlapping re-INVITE goes out after the 180.
        let gw = try await SIPTestDaemon.start(rtpBase: 32_300, sipExtra: "answer_delay = 1")
        defer { Task { await gw.stop() } }
        let result = try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(
            port: gw.udpPort, scenario: ["-sf", "\(SIPPeers.scripts)/uac_hold_reinvite.xml", "-s", "*43"], mediaPort: 32_400,
            controlPort: 32_410, directory: gw.directory, extra: ["-au", "alice", "-ap", "secret", "-key", "user", "alice"]),
            directory: gw.directory, timeout: 40)
        let trace = (try? String(contentsOfFile: "\(gw.directory)/sipp-32400.log", encoding: .utf8)) ?? ""
        #expect(result.status == 0, "sipp: \(result.stdout.suffix(800)) \(result.stderr.suffix(800)) \(trace.suffix(3000))")
        // From the wire: the 2xx answers in order, and the two 500s.
        let answers = SIPHoldTests.answerDirections(trace)
        #expect(answers == ["sendrecv", "recvonly", "recvonly", "inactive", "sendrecv"], "\(answers)")
        #expect(trace.contains("SIP/2.0 500 Server Internal Error (an earlier INVITE is still pending)"), "\(trace.suffix(3000))")
        #expect(trace.contains("SIP/2.0 500 Server Internal Error (CSeq out of order)"), "\(trace.suffix(3000))")
        let status = await gw.sip.status()
        #expect(status.activeCalls == 0, "the BYE must end the call")
    }

    @Test("a pjsua2 phone holds a bridged call: 200 SDP recvonly, modemsim hears hold music (not the phone's 1 kHz); resume: the 1 kHz returns",
          .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
    func bridgedHoldAndResume() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        try await h.simulator.resetReceivedAudio("huawei1")
        let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40400,
                                env: ["MODE": "call", "NUMBER": "+79161234567", "SECONDS": "9", "HOLD_AT": "1.5", "RESUME_AT": "5"])
        _ = try await h.waitForAnswered(1)
        let answeredAt = ContinuousClock.now
        // Before the hold: the phone's tone at the modem.
        try await Task.sleep(until: answeredAt + .milliseconds(1300))
        try await h.expectToneAtModem("huawei1", "before hold")
        // On hold from ~1.5 s: the last second at modemsim (3.0-4.0 s) is the music.
        try await Task.sleep(until: answeredAt + .milliseconds(4000))
        let held = try await h.simulator.receivedSamples("huawei1")
        #expect(held.count >= 4000, "only \(held.count) samples during hold")
        let level = SIPHoldTests.dBFS(held)
        #expect(level > -40, "hold music must be audible at the modem: \(level) dBFS")
        if let a = FrequencyAnalysis.analyze(held) {
            #expect(abs(a.frequency - 1000) > 50 || a.snrDB < 10, "the phone's 1 kHz still reaches the modem during hold: \(a)")
        }
        // Resumed at ~5 s: the last second at 6.5-7.5 s is the phone's tone again.
        try await Task.sleep(until: answeredAt + .milliseconds(7500))
        try await h.expectToneAtModem("huawei1", "after resume")
        let result = try await phone.task.value
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try #require(try? JSONDecoder().decode(HoldPhoneReport.self, from: Data(last.utf8)),
                                  "pj_phone gave no report: \(result.stdout.suffix(1500)) \(result.stderr.suffix(1500))")
        let call = try #require(report.calls.first)
        #expect(call.confirmed, "\(call)")
        #expect(call.answer_directions == ["sendrecv", "recvonly", "sendrecv"], "\(call.answer_directions)")
        let rows = try await h.closedRecords(count: 1)
        #expect(rows.count == 1 && rows[0].gsmCause == "local-hangup", "\(rows)")
    }

    /// The direction attribute of each 2xx to an INVITE in a sipp message trace, in order.
    static func answerDirections(_ trace: String) -> [String] {
        var out: [String] = []
        for message in trace.components(separatedBy: "----------------------------------------------- ") {
            let lines = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let start = lines.firstIndex(where: { $0.hasPrefix("SIP/2.0 ") }), lines[start].hasPrefix("SIP/2.0 200"),
                  lines.contains(where: { $0.hasPrefix("CSeq:") && $0.hasSuffix("INVITE") }) else { continue }
            if let d = lines.first(where: { ["a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"].contains($0) }) {
                out.append(String(d.dropFirst(2)))
            }
        }
        return out
    }

    static func dBFS(_ samples: [Int16]) -> Double {
        guard !samples.isEmpty else { return -200 }
        let rms = (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
        return 20 * log10(max(rms, 1e-9) / 32768)
    }
}
