// The ALSA audio port (a Quectel's USB sound card) against libasound's own plugins, since
// there is no sound card here: a `file` PCM over a `null` slave records what is played into
// a raw file and reads what is captured from another (`infile`), and an `asym` PCM joins the
// two directions under one device name, as a real card's `hw:` device is.
import Foundation
import MediaCore
import ModemCore
import NIOCore
import NIOPosix
import Testing
@testable import Gateway

@Suite("ALSAAudioPort on libasound's file and null plugins", .serialized)
struct ALSAAudioPortTests {
    /// A directory with `captured.raw` (what the "card" captures) and the asoundrc text of
    /// a PCM `modem` that plays into `played.raw`.
    struct FakeCard {
        let directory: URL
        var played: URL { directory.appendingPathComponent("played.raw") }
        var captured: URL { directory.appendingPathComponent("captured.raw") }
        var configuration: String {
            """
            pcm.modem {
                type asym
                playback.pcm { type file slave.pcm { type null } file "\(played.path)" format raw }
                capture.pcm { type file slave.pcm { type null } file "/dev/null" infile "\(captured.path)" format raw }
            }
            """
        }

        init(capturing samples: [Int16]) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("alsa-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Self.s16le(samples).write(to: captured)
        }

        static func s16le(_ samples: [Int16]) -> Data {
            var data = Data(capacity: samples.count * 2)
            for s in samples { withUnsafeBytes(of: s.littleEndian) { data.append(contentsOf: $0) } }
            return data
        }

        static func samples(_ data: Data) -> [Int16] {
            stride(from: 0, to: data.count - 1, by: 2).map { Int16(bitPattern: UInt16(data[$0]) | UInt16(data[$0 + 1]) << 8) }
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static func tone(_ frequency: Double, seconds: Double) -> [Int16] {
        var generator = ToneGenerator(frequency: frequency, levelDBm0: -10)
        var samples = [Int16](repeating: 0, count: Int(8000 * seconds))
        samples.withUnsafeMutableBufferPointer { generator.fill($0) }
        return samples
    }

    /// Opens `port`, runs `ticks` slots with the source giving a 440 Hz tone for the first
    /// `sourceTicks` and nothing after, closes; returns what the source gave and what came in.
    static func run(_ port: ALSAAudioPort, ticks: Int, sourceTicks: Int) async throws -> (sent: [Int16], received: [Int16]) {
        try await port.open().get()
        return try await port.loop.submit {
            var sent: [Int16] = []
            var received: [Int16] = []
            var generator = ToneGenerator(frequency: 440, levelDBm0: -10)
            var slot = 0
            port.source = { out in
                guard slot < sourceTicks else { return false }
                generator.fill(out)
                sent.append(contentsOf: out)
                return true
            }
            port.onFrame = { frame in received.append(contentsOf: frame) }
            for i in 0..<ticks {
                slot = i
                #expect(port.tick())
            }
            port.close()
            #expect(!port.tick(), "a closed port writes nothing")
            return (sent, received)
        }.get()
    }

    @Test("the captured 1 kHz tone reaches onFrame intact; what the source gave is played sample for sample, then silence")
    func toneBothWays() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let input = Self.tone(1000, seconds: 10)
        let card = try FakeCard(capturing: input)
        defer { card.remove() }
        let port = ALSAAudioPort(device: "modem", loop: group.next(), configuration: card.configuration)

        let (sent, received) = try await Self.run(port, ticks: 30, sourceTicks: 25)

        // Capture: whole frames, in order, exactly the card's samples; at least one frame per
        // slot, never more than a buffer's worth.
        #expect(received.count % PCMFrame.samplesPerFrame == 0)
        #expect(port.framesIn * PCMFrame.samplesPerFrame == received.count)
        #expect(port.framesIn >= 30 && port.framesIn <= 30 * ALSAAudioPort.bufferPeriods, "\(port.framesIn) frames in")
        #expect(received == Array(input.prefix(received.count)), "captured samples arrive unchanged")
        let analysis = try #require(FrequencyAnalysis.analyze(received), "no tone captured")
        #expect(abs(analysis.frequency - 1000) <= 2, "\(analysis.frequency) Hz captured")
        #expect(analysis.snrDB >= 30, "SNR \(analysis.snrDB) dB captured")

        // Playback: 25 frames of the source, then 5 of silence counted as underruns.
        #expect(sent.count == 25 * PCMFrame.samplesPerFrame)
        #expect(port.framesOut == 30)
        #expect(port.underruns == 5)
        #expect(port.writeDrops == 0)
        let played = FakeCard.samples(try Data(contentsOf: card.played))
        #expect(played.count == 30 * PCMFrame.samplesPerFrame)
        #expect(Array(played.prefix(sent.count)) == sent, "played sample for sample")
        #expect(played.dropFirst(sent.count).allSatisfy { $0 == 0 }, "silence when the source has nothing")
        let playedTone = try #require(FrequencyAnalysis.analyze(sent))
        #expect(abs(playedTone.frequency - 440) <= 2)
    }

    @Test("a port without a source writes silence and counts no underrun")
    func noSourceIsSilence() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let card = try FakeCard(capturing: Self.tone(1000, seconds: 1))
        defer { card.remove() }
        let port = ALSAAudioPort(device: "modem", loop: group.next(), configuration: card.configuration)
        try await port.open().get()
        try await port.loop.submit {
            for _ in 0..<4 { port.tick() }
            port.close()
            port.close()   // twice is harmless
        }.get()
        #expect(port.framesOut == 4)
        #expect(port.underruns == 0)
        let played = FakeCard.samples(try Data(contentsOf: card.played))
        #expect(played.count == 4 * PCMFrame.samplesPerFrame)
        #expect(played.allSatisfy { $0 == 0 })
    }

    @Test("the system's null PCM opens at 8 kHz mono and takes one frame per slot")
    func systemNullPCM() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let port = ALSAAudioPort(device: "null", loop: group.next())
        let (sent, received) = try await Self.run(port, ticks: 10, sourceTicks: 10)
        #expect(sent.count == 10 * PCMFrame.samplesPerFrame)
        #expect(port.framesOut == 10)
        #expect(port.underruns == 0)
        #expect(port.framesIn * PCMFrame.samplesPerFrame == received.count)
        #expect(port.grantedBufferFrames.playback >= 2 * PCMFrame.samplesPerFrame)
    }

    @Test("a missing card is an error naming the device and ALSA's reason, not a crash")
    func missingCard() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let device = "hw:CARD=SimgateNoSuchCard,DEV=0"
        let port = ALSAAudioPort(device: device, loop: group.next())
        let error = await #expect(throws: ALSAError.self) { try await port.open().get() }
        let e = try #require(error)
        #expect(e.device == device)
        #expect(e.operation == "opening for playback")
        #expect(e.code < 0)
        #expect(e.description.contains("\"\(device)\""))
        #expect(e.description.contains(ALSAError.text(e.code)))
        #expect(!ALSAError.text(e.code).isEmpty)
        let ticked = try await port.loop.submit { port.tick() }.get()
        #expect(!ticked, "an unopened port writes nothing")
        try await port.loop.submit { port.close() }.get()
    }

    @Test("a name the configuration does not define, or a broken configuration, is a clear error")
    func badConfiguration() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let card = try FakeCard(capturing: [])
        defer { card.remove() }
        let unknown = ALSAAudioPort(device: "nosuchpcm", loop: group.next(), configuration: card.configuration)
        let e1 = try #require(await #expect(throws: ALSAError.self) { try await unknown.open().get() })
        #expect(e1.description.hasPrefix("ALSA device \"nosuchpcm\": opening for playback failed: "))
        let broken = ALSAAudioPort(device: "modem", loop: group.next(), configuration: "pcm.modem { type file ")
        let e2 = try #require(await #expect(throws: ALSAError.self) { try await broken.open().get() })
        #expect(e2.operation == "parsing the configuration text")
    }

    @Test("audio_port picks the port: alsa:<device> is ALSA (and the UAC transport), a path is serial PCM")
    func portByConfiguredName() throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let alsa = try #require(ModemAudioPorts.make(audioPort: "alsa:hw:CARD=Android,DEV=0", sampleRate: 8000, loop: group.next()) as? ALSAAudioPort)
        #expect(alsa.device == "hw:CARD=Android,DEV=0")
        let serial = try #require(ModemAudioPorts.make(audioPort: "/dev/ttyUSB1", sampleRate: 16000, loop: group.next()) as? AudioPort)
        #expect(serial.path == "/dev/ttyUSB1")
        #expect(serial.sampleRate == 16000)
        #expect(ModemAudioPorts.transport(of: "alsa:hw:1,0") == .usbAudioClass)
        #expect(ModemAudioPorts.transport(of: "/dev/ttyUSB1") == nil)
        #expect(ModemAudioPorts.transport(of: nil) == nil)
    }
}
