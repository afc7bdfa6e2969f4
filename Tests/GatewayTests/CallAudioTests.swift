// What a bridged call's audio sounds like at both ends, beyond "the tone arrives": silence
// stays silence from answer to hang-up (no stale buffer, partial frame or concealment of
// garbage shows up as a click). The phone is pjsua2 (scripts/sip/pj_phone.py), the network
// modemsim, which keeps every sample the gateway wrote during the call.
import ControlModel
import Foundation
import MediaCore
import ModemSimulator
import Testing
@testable import Gateway

/// The 16-bit samples of a WAV file (PCM s16le, as pjsua2's recorder writes).
func wavSamples(_ path: String) throws -> [Int16] {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let wav = try WAVFile.parse(bytes)
    var samples: [Int16] = []
    samples.reserveCapacity(wav.sampleCount)
    var i = wav.dataRange.lowerBound
    while i + 1 < wav.dataRange.upperBound {
        samples.append(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8))
        i += 2
    }
    return samples
}

/// The loudest sample and where it is (for a useful failure message).
func peak(_ samples: [Int16]) -> (value: Int, at: Int) {
    var best = 0, at = 0
    for (i, s) in samples.enumerated() where abs(Int(s)) > best { best = abs(Int(s)); at = i }
    return (best, at)
}

/// Digital silence through G.711 is at most one quantisation step from zero: µ-law codes 0xFF
/// and 0x7F decode to 0 and the next step is ±8 (16-bit scale); A-law has no zero code, its
/// quietest codes (0xD5/0x55) decode to ±8. So |x| ≤ 8 is idle-channel noise; anything a
/// click is made of (a stale frame of tone, half a frame, a concealed burst of garbage) is
/// hundreds to thousands.
let silenceThreshold = 8

@Suite("Call audio quality (pjsua2 phone, modemsim network)", .serialized, .timeLimit(.minutes(5)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct CallAudioTests {
    @Test("silence is silence after a loud call: |x| ≤ 8 at the modem from answer to hang-up and in the phone's recording, phone or network hanging up")
    func silenceIsSilence() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        // First a call with the 1 kHz tone both ways: whatever a buffer keeps from it (jitter
        // buffer, port buffers, tty queues) would be a click at the next call's answer.
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234566", behaviour: .answer(after: 0.5, dropAfter: nil)))
        let loud = try #require(try await Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                                      env: ["MODE": "call", "NUMBER": "+79161234566", "SECONDS": "2"]).report().calls.first)
        #expect(loud.confirmed, "\(loud)")
        #expect(peak(try await h.simulator.callAudio("huawei1")).value > 5000, "the first call's tone reached the modem")
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        try await h.simulator.setAudio("huawei1", .silence)
        // The network plays no ringback for this number: the phone's recording holds only the call.
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234567", behaviour: .answer(after: 1, dropAfter: nil), ringback: false))
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234568", behaviour: .answer(after: 1, dropAfter: 3), ringback: false))
        for (number, hangup, who) in [("+79161234567", "local", "phone hangs up"), ("+79161234568", "remote", "network hangs up")] {
            let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                    env: ["MODE": "call", "NUMBER": number, "SECONDS": "3", "PLAY": "silence", "HANGUP": hangup])
            let report = try await phone.report()
            let call = try #require(report.calls.first)
            #expect(call.confirmed && call.rx_packets > 100 && call.tx_packets > 100, "\(who): \(call)")
            try await h.waitFor("huawei1", "free") { $0.state == .free }
            // The modem: every sample the gateway wrote while the call was active.
            let atModem = try await h.simulator.callAudio("huawei1")
            #expect(atModem.count >= 2 * 8000, "\(who): only \(atModem.count) samples reached the modem")
            let m = peak(atModem)
            #expect(m.value <= silenceThreshold, "\(who): |x| = \(m.value) at sample \(m.at) of \(atModem.count) written to the modem")
            // The phone: its whole recording, from media start to disconnect.
            let recorded = try wavSamples(call.recording)
            #expect(recorded.count >= 2 * 8000, "\(who): the phone recorded only \(recorded.count) samples")
            let p = peak(recorded)
            #expect(p.value <= silenceThreshold, "\(who): |x| = \(p.value) at sample \(p.at) of \(recorded.count) in the phone's recording")
        }
        _ = try await h.closedRecords(count: 3)
    }

    @Test("early media: 183 with SDP while the network alerts, the phone hears its 425 Hz ringback before the answer, then the 1 kHz tone both ways; the 200 repeats the 183's SDP")
    func earlyMedia() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        // Rings 3 s: the ringback's first 1 s burst (425 Hz) plays, then its 4 s pause.
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234569", behaviour: .answer(after: 3, dropAfter: nil)))
        try await h.simulator.resetReceivedAudio("huawei1")
        let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                env: ["MODE": "call", "NUMBER": "+79161234569", "SECONDS": "4"])
        _ = try await h.waitForAnswered(1)
        try await Task.sleep(for: .milliseconds(2200))
        try await h.expectToneAtModem("huawei1", "after early media")
        let report = try await phone.report()
        let call = try #require(report.calls.first)
        #expect(call.confirmed && call.early_media == true, "\(call)")
        let progress = try #require(call.progress_sdp, "no 183 with SDP: \(call)")
        #expect(progress.contains("m=audio ") && progress == call.answer_sdp, "183 SDP \(progress) vs 200 SDP \(String(describing: call.answer_sdp))")
        let samples = try wavSamples(call.recording)
        let answer = Int((try #require(call.answer_offset)) * 8000)
        #expect(answer >= 2 * 8000 && answer < samples.count, "answered \(answer) samples into a recording of \(samples.count)")
        // Before the answer: one burst of ringback (1 s on, then 4 s off), its middle analysed.
        // The recording starts at the 183, so a slow start may cut the burst's beginning.
        let onset = try #require(samples.prefix(answer).firstIndex { abs(Int($0)) > 1000 }, "no early audio at the phone")
        let end = try #require(samples.prefix(answer).lastIndex { abs(Int($0)) > 1000 })
        #expect(onset < 8000 && end - onset >= 2400 && end - onset <= 8800,
                "ringback burst from sample \(onset) to \(end): want 0.3-1.1 s, starting within 1 s")
        // 100 ms windows over the burst, the median judged: pjsua2's jitter buffer adapts in
        // the first second of a stream and may drop a frame (a phase jump that would ruin one
        // long window); the tone itself must be 425 Hz and clean in most windows.
        let windows = stride(from: onset + 400, through: end - 1200, by: 800).compactMap { i in
            FrequencyAnalysis.analyze(Array(samples[i..<(i + 800)]))
        }
        try #require(windows.count >= 3, "ringback burst too short: \(onset)...\(end)")
        let ringback = (frequency: windows.map(\.frequency).sorted()[windows.count / 2],
                        snrDB: windows.map(\.snrDB).sorted()[windows.count / 2])
        let envelope = stride(from: 0, to: min(answer, samples.count) - 400, by: 400).map { i in
            Int((samples[i..<(i + 400)].reduce(0.0) { $0 + Double($1) * Double($1) } / 400).squareRoot())
        }
        #expect(abs(ringback.frequency - 425) <= 2 && ringback.snrDB >= 30, "early audio: \(ringback); onset \(onset); RMS per 50 ms \(envelope)")
        // After it: the far end's 1 kHz.
        try expectToneInRecording(call, "after early media")
        _ = try await h.closedRecords(count: 1)
    }

    @Test("early_media = false: a plain 180, no audio before the 200")
    func earlyMediaOff() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"], tail: GatewayHarness.sipTail.replacingOccurrences(
            of: "[sip]\n", with: "[sip]\nearly_media = false\n"))
        defer { Task { await h.stop() } }
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234569", behaviour: .answer(after: 2, dropAfter: nil)))
        let call = try #require(try await Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                                      env: ["MODE": "call", "NUMBER": "+79161234569", "SECONDS": "4"]).report().calls.first)
        #expect(call.confirmed && call.ringing && call.early_media == false && call.progress_sdp == nil, "\(call)")
        try expectToneInRecording(call, "early media off")
        _ = try await h.closedRecords(count: 1)
    }

    @Test("RTCP: a 12 s call exchanges SR/RR on RTP port + 1; the phone gets our reports and CNAME, we keep its loss and jitter (live and in the record)")
    func rtcpReports() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                env: ["MODE": "call", "NUMBER": "+79161234567", "SECONDS": "12"])
        _ = try await h.waitForAnswered(1)
        // Reports every 2.5-7.5 s each way: by 10 s into the call both sides have sent some.
        try await Task.sleep(for: .seconds(10))
        let live = try #require(try await h.liveCalls().first)
        let rtcp = try #require(live.rtcp, "no RTCP in simgate calls --json: \(live)")
        #expect(rtcp.reportsSent >= 1 && rtcp.reportsReceived >= 1, "\(rtcp)")
        // Loopback: the phone lost nothing of ours, and its jitter is well under a frame.
        #expect(rtcp.peerCumulativeLost == 0 && (rtcp.peerJitterMilliseconds ?? 99) < 20, "\(rtcp)")
        let call = try #require(try await phone.report().calls.first)
        #expect(call.confirmed, "\(call)")
        #expect(call.rtcp_peer_cname == "simgate@127.0.0.1", "the phone did not get our SDES: \(call)")
        #expect((call.rtcp_peer_reports ?? 0) >= 1 && call.rtcp_peer_loss == 0, "the phone got no report about its stream: \(call)")
        let r = try #require(try await h.closedRecords(count: 1).first)
        #expect((r.rtcpIn ?? 0) >= 1 && (r.rtcpOut ?? 0) >= 1 && r.peerLost == 0 && r.lost == 0, "\(r)")
        #expect((r.peerJitterMilliseconds ?? 99) < 20 && (r.jitterMilliseconds ?? 99) < 20, "\(r)")
    }

    @Test("SIMCom at 16 kHz (AT+CPCMFRM=1, 640-byte frames): the 1 kHz tone both ways, ±2 Hz, SNR ≥ 30 dB, through the resamplers")
    func simcomWideband() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["simcom1"])
        defer { Task { await h.stop() } }
        try await h.simulator.resetReceivedAudio("simcom1")
        let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000, env: ["MODE": "call", "NUMBER": "+79161234567", "SECONDS": "4"])
        let answered = try await h.waitForAnswered(1)
        #expect(answered[0].modemID == "simcom1")
        try await Task.sleep(for: .milliseconds(2200))
        #expect(try await h.simulator.audioSampleRate("simcom1") == 16000, "the gateway did not switch the modem to 16 kHz")
        // What the gateway wrote: the phone's 8 kHz tone upsampled to the modem's 16 kHz.
        let samples = try await h.simulator.receivedSamples("simcom1")
        #expect(samples.count >= 8000, "only \(samples.count) samples reached simcom1")
        let a = try #require(FrequencyAnalysis.analyze(samples, sampleRate: 16000), "no tone at simcom1")
        #expect(abs(a.frequency - 1000) <= 2 && a.snrDB >= 30, "at the modem (16 kHz): \(a)")
        // The modem's 16 kHz tone downsampled to the phone's 8 kHz.
        let call = try #require(try await phone.report().calls.first)
        #expect(call.confirmed && call.rx_packets > 100 && call.tx_packets > 100, "\(call)")
        try expectToneInRecording(call, "SIMCom 16 kHz")
        let r = try #require(try await h.closedRecords(count: 1).first)
        // 50 frames a second each way on the modem port whatever the rate.
        #expect(r.framesIn > 100 && r.framesOut > 100, "\(r)")
    }
}
