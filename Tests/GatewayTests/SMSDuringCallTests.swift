// Users of other gateways report that an SMS arriving during a call cuts the audio or hangs
// the port. Here a bridged call carries the 1 kHz tone both ways (pjsua2 phone, modemsim
// network) while the same modem sends a 2-part SMS and receives a 3-part one on its AT port;
// the audio the gateway wrote to the modem has no gap in that window, and the phone's
// recording keeps its tone.
import ControlModel
import Foundation
import ModemSimulator
import Testing

/// The longest run of 20 ms frames (at `rate`) whose RMS is under a tenth of the median
/// frame's: a stall in the relay shows up as frames of silence (or missing samples, caught by
/// the count check next to it).
func longestQuietRun(_ samples: [Int16], rate: Int) -> (frames: Int, at: Int, medianRMS: Double) {
    let frame = rate / 50
    let rms: [Double] = stride(from: 0, to: samples.count - frame + 1, by: frame).map { start in
        var sum = 0.0
        for s in samples[start..<start + frame] { sum += Double(s) * Double(s) }
        return (sum / Double(frame)).squareRoot()
    }
    guard !rms.isEmpty else { return (0, 0, 0) }
    let median = rms.sorted()[rms.count / 2]
    var longest = 0, run = 0, at = 0
    for (i, r) in rms.enumerated() {
        run = r < median / 10 ? run + 1 : 0
        if run > longest { longest = run; at = i - run + 1 }
    }
    return (longest, at, median)
}

@Suite("SMS during a bridged call (pjsua2 phone, modemsim network)", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct SMSDuringCallTests {
    @Test("an SMS sent and one received on the modem of an active call: no gap in the audio at the modem, the tone at the phone, both SMS done")
    func noAudioGap() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234567", behaviour: .answer(after: 0.3, dropAfter: nil)))
        let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                env: ["MODE": "call", "NUMBER": "+79161234567", "SECONDS": "8"])
        _ = try await h.waitForAnswered(1)
        try await Task.sleep(for: .milliseconds(1500))

        // Both directions at once on the AT port: a 2-part SMS out, a 3-part Cyrillic one in.
        let outText = String(repeating: "Car 12 waits at the north entrance. ", count: 6)
        let inText = String(repeating: "Водитель на месте, ждёт у входа. ", count: 5)
        let out = try await h.sendSMS(to: "+79031112233", text: outText)
        _ = try await h.simulator.deliverSMS("huawei1", from: "+79031112233", text: inText)
        let sent = try await h.waitForSMS("the SMS sent during the call") { $0.id == out.id && ($0.state == .sent || $0.state == .delivered) }
        #expect(sent.partsExpected == 2 && sent.modem == "huawei1", "\(sent)")
        let received = try await h.waitForSMS("the SMS received during the call") { $0.direction == .inbound && $0.state == .complete }
        #expect(received.text == inText)
        let live = try await h.liveCalls()
        #expect(live.count == 1 && live.first?.modemID == "huawei1", "the call is still up after both SMS: \(live)")

        let report = try await phone.report()
        let call = try #require(report.calls.first)
        #expect(call.confirmed && call.rx_packets > 300 && call.tx_packets > 300, "\(call)")
        try expectToneInRecording(call, "SMS during the call")

        // Everything the gateway wrote to the modem during the call: skip the first 0.5 s (the
        // phone's stream starting) and the last 0.5 s (hang-up), then no frame may be quiet.
        let rate = try await h.simulator.audioSampleRate("huawei1")
        let atModem = try await h.simulator.callAudio("huawei1")
        #expect(atModem.count >= 7 * rate, "only \(atModem.count) samples reached the modem in an 8 s call")
        let middle = Array(atModem.dropFirst(rate / 2).dropLast(rate / 2))
        let quiet = longestQuietRun(middle, rate: rate)
        #expect(quiet.medianRMS > 1000, "the tone reached the modem: median frame RMS \(quiet.medianRMS)")
        #expect(quiet.frames == 0, "\(quiet.frames) quiet 20 ms frame(s) in a row at frame \(quiet.at) of the call's audio at the modem")
        let rows = try await h.closedRecords(count: 1)
        #expect(rows.first?.billableSeconds ?? 0 >= 7, "\(rows)")
    }
}
