// simgated's SIP stack against software nobody here wrote (sipp, PJSIP), on loopback.
import ControlModel
import Foundation
import MediaCore
import Testing
@testable import Gateway

@Suite("SIP end to end with sipp and PJSIP", .serialized, .timeLimit(.minutes(3)))
struct SIPEndToEndTests {
    @Test("sipp registers with digest: the right password gets 200 and a stored binding, a wrong one fails",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func registerRightAndWrongPassword() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 31_000)
        defer { Task { await gw.stop() } }
        let scenario = ["-sf", "\(SIPPeers.scripts)/register_auth.xml"]
        let wrong = try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(port: gw.udpPort, scenario: scenario, mediaPort: 31_200,
                                                                               controlPort: 31_210, directory: gw.directory, extra: ["-au", "alice", "-ap", "wrong", "-key", "user", "alice"]),
                                         directory: gw.directory, timeout: 40)
        #expect(wrong.status != 0, "a wrong password must fail: \(wrong.stdout.suffix(400))")
        #expect(await gw.sip.registrations().registrations.isEmpty)
        let right = try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(port: gw.udpPort, scenario: scenario, mediaPort: 31_220,
                                                                               controlPort: 31_230, directory: gw.directory, extra: ["-au", "alice", "-ap", "secret", "-key", "user", "alice"]),
                                         directory: gw.directory, timeout: 40)
        #expect(right.status == 0, "sipp: \(right.stdout.suffix(600)) \(right.stderr.suffix(300))")
        let regs = await gw.sip.registrations().registrations
        #expect(regs.count == 1)
        #expect(regs.first?.user == "alice")
        #expect(regs.first?.source.hasPrefix("udp:127.0.0.1:") == true)
        #expect((regs.first?.expiresAt.timeIntervalSinceNow ?? 0) > 250)
        // Stored: a daemon restarted on the same state directory still has the binding.
        let stored = try await gw.running.storage.liveSIPRegistrations(now: Date())
        #expect(stored.map(\.user) == ["alice"])
        await gw.running.stop()
    }

    @Test("sipp as UAC with digest auth calls the test extension: 401, 200 with SDP, RTP echoed, BYE",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func sippCallsTestExtension() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 31_300)
        defer { Task { await gw.stop() } }
        let result = try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(
            port: gw.udpPort, scenario: ["-sf", "\(SIPPeers.scripts)/uac_auth_echo.xml", "-s", "*43"], mediaPort: 31_400,
            controlPort: 31_410, directory: gw.directory, extra: ["-au", "alice", "-ap", "secret", "-key", "user", "alice"]), directory: gw.directory, timeout: 40)
        #expect(result.status == 0, "sipp: \(result.stdout.suffix(800)) \(result.stderr.suffix(300))")
        let status = await gw.sip.status()
        #expect(status.activeCalls == 0, "the BYE must end the call")
        // The trace shows the answer carried PCMA and telephone-event, as offered.
        let messages = (try? String(contentsOfFile: "\(gw.directory)/sipp-31400.log", encoding: .utf8)) ?? ""
        #expect(messages.contains("a=rtpmap:8 PCMA/8000"))
        #expect(messages.contains("SIP/2.0 401"))
    }

    @Test("an authenticated call to a number with no modem to carry it is refused with 503 and a Q.850 Reason",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed"))
    func wrongNumberAndCodec() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 31_500)
        defer { Task { await gw.stop() } }
        let result = try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(
            port: gw.udpPort, scenario: ["-sf", "\(SIPPeers.scripts)/uac_auth_echo.xml", "-s", "999"], mediaPort: 31_600,
            controlPort: 31_610, directory: gw.directory, extra: ["-au", "alice", "-ap", "secret", "-key", "user", "alice"]), directory: gw.directory, timeout: 40)
        #expect(result.status != 0)
        let messages = (try? String(contentsOfFile: "\(gw.directory)/sipp-31600.log", encoding: .utf8)) ?? ""
        // Numbers go to the call bridge now; this daemon has no modem, so none can take it.
        #expect(messages.contains("SIP/2.0 503"), "\(messages.suffix(1500))")
        #expect(messages.contains("Reason: Q.850;cause=38"), "\(messages.suffix(1500))")
    }

    @Test("sipp as UAS (-rtp_echo) answers a call simgate places; simgate's 1 kHz tone comes back",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func simgateCallsSippUAS() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 31_700)
        defer { Task { await gw.stop() } }
        let uasPort = 31_790
        async let uas = runProcess(SIPPeers.sipp, ["-sn", "uas", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-ci", "127.0.0.1",
                                                   "-p", String(uasPort), "-mp", "31800", "-cp", "31810", "-rtp_echo", "-m", "1",
                                                   "-nostdin", "-timeout", "30s", "-trace_msg"],
                                   directory: gw.directory, timeout: 40)
        try await Task.sleep(for: .milliseconds(500))
        let call = await gw.sip.call(SIPCallRequest(to: "sip:service@127.0.0.1:\(uasPort)", play: "tone", seconds: 2))
        let sipp = try await uas
        #expect(call.outcome == "completed", "\(call)")
        #expect(call.finalStatus == 200)
        #expect(call.codec == "PCMU")
        #expect(call.rtpPacketsSent >= 80, "2 s of 20 ms frames")
        #expect(call.rtpPacketsReceived >= 50, "sipp's -rtp_echo returns our packets")
        #expect(sipp.status == 0, "sipp uas: \(sipp.stdout.suffix(600))")
    }

    @Test("PJSIP registers as a user and calls the test extension; the 1 kHz tone it sends comes back as 1 kHz",
          .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
    func pjsipEchoCall() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 31_900)
        defer { Task { await gw.stop() } }
        let result = try await runProcess("/usr/bin/env", ["python3", "\(SIPPeers.scripts)/pj_echo_call.py"],
                                          environment: ["GW_PORT": String(gw.udpPort), "SIP_USER": "alice", "SIP_PASS": "secret",
                                                        "SECONDS": "4", "OUT_DIR": gw.directory],
                                          directory: gw.directory, timeout: 60)
        let lastLine = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let report = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any],
                                  "pjsua2 output: \(result.stdout.suffix(800)) \(result.stderr.suffix(800))")
        #expect(report["reg_code"] as? Int == 200)
        #expect(report["confirmed"] as? Bool == true)
        #expect((report["rx_packets"] as? Int ?? 0) >= 100, "echoed RTP received by PJSIP: \(report)")
        let wav = try WAVFile.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(gw.directory)/echo.wav"))))
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(gw.directory)/echo.wav")))
        let data = Array(bytes[wav.dataRange])
        var samples: [Int16] = []
        samples.reserveCapacity(data.count / 2)
        var i = 0
        while i + 1 < data.count { samples.append(Int16(bitPattern: UInt16(data[i]) | UInt16(data[i + 1]) << 8)); i += 2 }
        let rate = Int(wav.format.sampleRate)
        // Skip the first second (call setup, jitter buffer fill), analyse two seconds.
        let slice = Array(samples.dropFirst(rate).prefix(2 * rate))
        let tone = try #require(FrequencyAnalysis.analyze(slice, sampleRate: Double(rate)), "recording too short: \(samples.count) samples")
        #expect(abs(tone.frequency - 1000) < 10, "dominant frequency \(tone.frequency) Hz")
        #expect(tone.snrDB > 15)
    }
}
