// The audio port during a call: frames out (tone), frames in (measured).
import Foundation
import Testing
@testable import ModemSimulator

/// Zero crossings of s16le mono PCM, and its peak.
private func analyse(_ bytes: [UInt8]) -> (crossings: Int, peak: Int) {
    var crossings = 0
    var peak = 0
    var previous: Bool?
    var i = 0
    while i + 1 < bytes.count {
        let s = Int(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8))
        peak = max(peak, abs(s))
        let nonNegative = s >= 0
        if let p = previous, p != nonNegative { crossings += 1 }
        previous = nonNegative
        i += 2
    }
    return (crossings, peak)
}

@Suite("Audio port", .serialized)
struct AudioTests {
    @Test("Huawei after ^DDSETEX=2: a 1 kHz tone at -10 dBFS in 320-byte frames")
    func toneOut() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            let audio = try PortClient(path: try await sim.portPaths("hw").audio)
            try await sim.ringIn("hw", from: "+79161234567")
            _ = port.command("ATA", final: "^CONN:1,0\r\n")
            audio.pump(for: 0.2)
            #expect(audio.take().isEmpty)   // no audio before ^DDSETEX=2
            #expect(port.command("AT^DDSETEX=2") == "\r\nOK\r\n")
            // One second of audio: 50 frames of 320 bytes.
            let second = audio.read(count: 50 * 320, timeout: 5)
            #expect(second.count == 16000)
            let (crossings, peak) = analyse(second)
            // 1 kHz crosses zero 2000 times a second; allow for the two edges of the window.
            #expect(abs(crossings - 2000) <= 2)
            // -10 dBFS peak = 32767 * 10^(-0.5) = 10362.
            #expect(abs(peak - 10362) <= 2)
            let status = try await sim.status("hw")
            #expect(status.call?.audio == true)
            #expect(status.audioFramesSent >= 50)
            _ = port.command("ATH", final: "29\r\n")
            #expect(try await sim.status("hw").call == nil)
        }
    }

    @Test("Quectel streams only with +QPCMV=1,0; SIMCom only after +CPCMREG=1 on the active call")
    func vendorEnables() async throws {
        try await Fixture.withSimulator([Fixture.modem("qc", .quectel), Fixture.modem("sc", .simcom)]) { sim, _ in
            let qc = try await Fixture.openAT(sim, "qc")
            let qcAudio = try PortClient(path: try await sim.portPaths("qc").audio)
            try await sim.setCallee("qc", CalleeRule(pattern: "*", behaviour: .answer(after: 0, dropAfter: nil)))
            _ = qc.command("ATD0611;")
            qcAudio.pump(for: 0.3)
            #expect(qcAudio.take().isEmpty)
            #expect(qc.command("AT+QPCMV=1,0") == "\r\nOK\r\n")
            #expect(qcAudio.read(count: 3200, timeout: 3).count == 3200)

            let sc = try await Fixture.openAT(sim, "sc")
            let scAudio = try PortClient(path: try await sim.portPaths("sc").audio)
            try await sim.ringIn("sc", from: "+79161234567")
            #expect(sc.command("AT+CPCMREG=1", final: "ERROR\r\n").hasSuffix("\r\nERROR\r\n"))  // still ringing
            _ = sc.command("ATA", final: "BEGIN\r\r\n")
            #expect(sc.command("AT+CPCMREG=1") == "\r\nOK\r\n")
            let frames = scAudio.read(count: 3200, timeout: 3)
            #expect(frames.count == 3200)
            // 0.2 s of 1 kHz: 400 zero crossings.
            #expect(abs(analyse(frames).crossings - 400) <= 2)
        }
    }

    @Test("audio from the gateway is counted and measured: 440 Hz at -10 dBFS")
    func received() async throws {
        try await Fixture.withSimulator([Fixture.modem("gn", .generic)]) { sim, _ in
            let audio = try PortClient(path: try await sim.portPaths("gn").audio)
            var generator = ToneGenerator(.tone(frequency: 440, level: -10))
            var frame: [UInt8] = []
            for _ in 0..<50 {
                generator.nextFrame(into: &frame)
                audio.send(bytes: frame)
            }
            var reception = try await sim.receivedAudio("gn")
            for _ in 0..<100 where reception.frames < 50 {
                try await Task.sleep(for: .milliseconds(20))
                reception = try await sim.receivedAudio("gn")
            }
            #expect(reception.frames == 50)
            #expect(reception.bytes == 16000)
            #expect(reception.windowSamples == 8000)
            #expect(abs(reception.frequency - 440) <= 1)
            #expect(abs(reception.rmsDBFS - -10) <= 0.2)
        }
    }

    @Test("ringback while an outgoing call alerts: 425 Hz for 1 s then silence (1 s on, 4 s off); none with noringback; the callee's tone after the answer")
    func ringback() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            let audio = try PortClient(path: try await sim.portPaths("hw").audio)
            // The control protocol's form of the rule, as an admin scripts it.
            #expect(await sim.execute("callee hw +79990000001 answer 1.6 noringback").hasPrefix("ok"))
            try await sim.setCallee("hw", CalleeRule(pattern: "+79990000002", behaviour: .answer(after: 1.6, dropAfter: nil)))
            _ = port.command("ATD+79990000001;")
            #expect(port.command("AT^DDSETEX=2").hasSuffix("OK\r\n"))
            audio.pump(for: 0.8)
            #expect(audio.take().isEmpty, "no ringback asked for: nothing before the answer")
            _ = port.read(until: "^CONN:1,0", timeout: 3)
            _ = port.command("ATH", final: "29\r\n")
            audio.pump(for: 0.3)
            _ = audio.take()

            _ = port.command("ATD+79990000002;")
            #expect(port.command("AT^DDSETEX=2").hasSuffix("OK\r\n"))
            // 0.6 s of the burst: 425 Hz crosses zero 850 times a second.
            let burst = audio.read(count: 30 * 320, timeout: 3)
            #expect(burst.count == 9600)
            let on = analyse(burst)
            #expect(abs(on.crossings - 510) <= 3 && abs(on.peak - 10362) <= 2, "\(on)")
            // After 1 s of tone the cadence is silent; then the callee answers with its 1 kHz.
            let rest = audio.read(count: 40 * 320, timeout: 3)
            let quiet = analyse(Array(rest.suffix(15 * 320)))
            #expect(quiet.peak == 0, "the ringback's 4 s pause: \(quiet)")
            _ = port.read(until: "^CONN:1,0", timeout: 3)
            audio.pump(for: 0.1)
            _ = audio.take()
            let answered = analyse(audio.read(count: 25 * 320, timeout: 3))
            #expect(abs(answered.crossings - 1000) <= 3, "the callee's 1 kHz after the answer: \(answered)")
            _ = port.command("ATH", final: "29\r\n")
        }
    }

    @Test("SIMCom AT+CPCMFRM=1: 16 kHz PCM, 640-byte frames (1 kHz = 400 crossings in 0.2 s); refused during a call; reset by power-on")
    func simcomWideband() async throws {
        try await Fixture.withSimulator([Fixture.modem("sc", .simcom)]) { sim, _ in
            let sc = try await Fixture.openAT(sim, "sc")
            let audio = try PortClient(path: try await sim.portPaths("sc").audio)
            #expect(sc.command("AT+CPCMFRM=?").contains("+CPCMFRM: (0,1)"))
            #expect(sc.command("AT+CPCMFRM=1") == "\r\nOK\r\n")
            #expect(sc.command("AT+CPCMFRM?").contains("+CPCMFRM: 1"))
            try await sim.ringIn("sc", from: "+79161234567")
            _ = sc.command("ATA", final: "BEGIN\r\r\n")
            #expect(sc.command("AT+CPCMFRM=0", final: "ERROR\r\n").hasSuffix("ERROR\r\n"))
            #expect(sc.command("AT+CPCMREG=1") == "\r\nOK\r\n")
            // 0.2 s at 16 kHz = 10 frames of 640 bytes.
            let frames = audio.read(count: 6400, timeout: 3)
            #expect(frames.count == 6400)
            let (crossings, peak) = analyse(frames)
            #expect(abs(crossings - 400) <= 2 && abs(peak - 10362) <= 2, "\(crossings) crossings, peak \(peak)")
            #expect(try await sim.audioSampleRate("sc") == 16000)
        }
    }
}
