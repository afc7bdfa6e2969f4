// Late offer (RFC 3261 §13.2.1) on the test extension, end to end with sipp: an INVITE
// without SDP gets our offer in the 200 and its answer in the ACK; an ACK without an answer
// leaves no media, and the gateway ends the call with BYE.
import Foundation
import Testing
@testable import Gateway

@Suite("SIP late offer (sipp → *43)", .serialized, .timeLimit(.minutes(2)),
       .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
struct SIPLateOfferTests {
    @Test("INVITE without SDP: the 200 carries our offer (PCMU, PCMA, telephone-event), the ACK's answer is taken, the call lasts until sipp's BYE")
    func answerInTheACK() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_500)
        defer { Task { await gw.stop() } }
        let result = try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(
            port: gw.udpPort, scenario: ["-sf", "\(SIPPeers.scripts)/uac_late_offer.xml", "-s", "*43"], mediaPort: 32_600,
            controlPort: 32_610, directory: gw.directory, extra: ["-au", "alice", "-ap", "secret", "-key", "user", "alice"]),
            directory: gw.directory, timeout: 40)
        let trace = (try? String(contentsOfFile: "\(gw.directory)/sipp-32600.log", encoding: .utf8)) ?? ""
        #expect(result.status == 0, "sipp: \(result.stdout.suffix(800)) \(trace.suffix(2500))")
        #expect(!trace.contains("BYE sip:alice"), "simgate must not hang up a call whose ACK carried the answer")
        #expect(trace.contains("a=rtpmap:0 PCMU/8000") && trace.contains("a=rtpmap:8 PCMA/8000"), "the 200 is a full offer")
        let status = await gw.sip.status()
        #expect(status.activeCalls == 0, "sipp's BYE ends the call")
    }

    @Test("late offer with an ACK that carries no answer: simgate sends BYE with a Reason")
    func noAnswerInTheACK() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 32_700)
        defer { Task { await gw.stop() } }
        let result = try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(
            port: gw.udpPort, scenario: ["-sf", "\(SIPPeers.scripts)/uac_late_offer_no_answer.xml", "-s", "*43"], mediaPort: 32_800,
            controlPort: 32_810, directory: gw.directory, extra: ["-au", "alice", "-ap", "secret", "-key", "user", "alice"]),
            directory: gw.directory, timeout: 40)
        let trace = (try? String(contentsOfFile: "\(gw.directory)/sipp-32800.log", encoding: .utf8)) ?? ""
        #expect(result.status == 0, "sipp: \(result.stdout.suffix(800)) \(trace.suffix(2500))")
        #expect(trace.contains("BYE sip:alice@127.0.0.1"), "\(trace.suffix(2500))")
        let status = await gw.sip.status()
        #expect(status.activeCalls == 0)
    }
}
