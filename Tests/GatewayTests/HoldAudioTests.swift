// Hold music and prompts: WAV files decoded once, looped, interrupted by the prompt.
import Foundation
import SimgateConfig
import Testing
@testable import Gateway

/// A canonical RIFF/WAVE file (mono): the 44-byte header of the WAV spec, then the data.
func wavBytes(formatTag: UInt16, sampleRate: UInt32, bitsPerSample: UInt16, channels: UInt16 = 1, data: [UInt8]) -> [UInt8] {
    func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    let blockAlign = channels * bitsPerSample / 8
    var out = Array("RIFF".utf8) + le32(UInt32(36 + data.count)) + Array("WAVE".utf8)
    out += Array("fmt ".utf8) + le32(16) + le16(formatTag) + le16(channels) + le32(sampleRate)
    out += le32(sampleRate * UInt32(blockAlign)) + le16(blockAlign) + le16(bitsPerSample)
    out += Array("data".utf8) + le32(UInt32(data.count)) + data
    return out
}

func pcm16(_ samples: [Int16]) -> [UInt8] {
    samples.flatMap { [UInt8(UInt16(bitPattern: $0) & 0xFF), UInt8(UInt16(bitPattern: $0) >> 8)] }
}

@Suite("Hold audio: files, loop, prompt")
struct HoldAudioTests {
    @Test func decodesPCMALawAndDownsamples16kHz() throws {
        let pcm = try HoldClip.decode(wavBytes(formatTag: 1, sampleRate: 8000, bitsPerSample: 16, data: pcm16([0, 1000, -1000, 32767])), path: "a.wav")
        #expect(pcm.samples == [0, 1000, -1000, 32767])
        // G.711 A-law: 0xD5 (0x80 after the even-bit inversion) is the smallest positive step, +8;
        // 0x55 its negative; 0xAA (0xFF: segment 7, step 15) the largest, +32256.
        let alaw = try HoldClip.decode(wavBytes(formatTag: 6, sampleRate: 8000, bitsPerSample: 8, data: [0xD5, 0x55, 0xAA]), path: "b.wav")
        #expect(alaw.samples == [8, -8, 32256])
        let wide = try HoldClip.decode(wavBytes(formatTag: 1, sampleRate: 16000, bitsPerSample: 16,
                                                data: pcm16([Int16](repeating: 1000, count: 1600))), path: "c.wav")
        #expect(wide.samples.count == 800)
        #expect(abs(Int(wide.samples[700]) - 1000) < 20)   // DC passes the low-pass filter once it settles
    }

    @Test func unusableFilesAreNamedWithWhy() {
        #expect(throws: HoldAudioError.self) { try HoldClip.decode(Array("hello".utf8), path: "x.wav") }
        do {
            _ = try HoldClip.decode(wavBytes(formatTag: 1, sampleRate: 8000, bitsPerSample: 16, channels: 2, data: pcm16([1, 2])), path: "/etc/simgate/stereo.wav")
            Issue.record("stereo accepted")
        } catch {
            #expect(error.description.hasPrefix("/etc/simgate/stereo.wav: not a usable WAV file (unsupportedChannelCount(2))"))
        }
        #expect(throws: HoldAudioError(path: "/nonexistent/hold.wav", message: "no such file")) { try HoldClip.load(path: "/nonexistent/hold.wav") }
        let library = HoldAudioLibrary(config: InboundConfig(queues: [
            QueueConfig(name: "main", members: [.user("alice")], holdMusic: "/nonexistent/hold.wav", prompt: "/nonexistent/wait.wav")]))
        #expect(library.problems == [
            "queue main: hold_music /nonexistent/hold.wav: no such file; the generated music plays instead",
            "queue main: prompt /nonexistent/wait.wav: no such file; no prompt is played",
        ])
        #expect(library.clip("/nonexistent/hold.wav") == nil)
    }

    @Test func musicLoopsAndThePromptInterruptsThenMusicResumes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hold-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let music = (0..<100).map { Int16($0) }
        let prompt = [Int16](repeating: -5, count: 250)
        try Data(wavBytes(formatTag: 1, sampleRate: 8000, bitsPerSample: 16, data: pcm16(music))).write(to: URL(fileURLWithPath: dir + "/hold.wav"))
        try Data(wavBytes(formatTag: 1, sampleRate: 8000, bitsPerSample: 16, data: pcm16(prompt))).write(to: URL(fileURLWithPath: dir + "/wait.wav"))
        let library = HoldAudioLibrary(config: InboundConfig(queues: [
            QueueConfig(name: "main", members: [.user("alice")], holdMusic: dir + "/hold.wav", prompt: dir + "/wait.wav")]))
        #expect(library.problems.isEmpty)
        var player = library.player(music: dir + "/hold.wav")
        var frame = [Int16](repeating: 0, count: 160)
        frame.withUnsafeMutableBufferPointer { player.fill($0) }
        #expect(frame == (0..<160).map { Int16($0 % 100) })              // 100-sample clip, looped
        player.playPrompt(try #require(library.clip(dir + "/wait.wav")))
        frame.withUnsafeMutableBufferPointer { player.fill($0) }
        #expect(frame == [Int16](repeating: -5, count: 160))
        frame.withUnsafeMutableBufferPointer { player.fill($0) }
        #expect(Array(frame.prefix(90)) == [Int16](repeating: -5, count: 90))
        #expect(Array(frame.suffix(70)) == (60..<130).map { Int16($0 % 100) })   // music resumes at sample 60
        #expect(!player.isPlayingPrompt)
    }

    @Test func withoutAFileTheGeneratedMusicIsAudible() {
        var player = HoldAudioLibrary(config: InboundConfig()).player(music: nil)
        var samples = [Int16](repeating: 0, count: 8000)
        samples.withUnsafeMutableBufferPointer { player.fill($0) }
        let rms = (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
        let dBFS = 20 * log10(rms / 32768)
        #expect(dBFS > -40 && dBFS < -10, "level \(dBFS) dBFS")
    }
}
