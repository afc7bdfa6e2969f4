// What a caller waiting in a queue hears: the queue's hold music (a WAV file from the
// config, or MediaCore's generated music when none is given) with its prompt played over
// it every `prompt_interval`. Files are read and decoded once, at start, so a bad file is
// reported when the daemon starts rather than to a caller; playing is then allocation-free,
// one 20 ms frame at a time.
import Foundation
import MediaCore
import SimgateConfig

/// A decoded sound: 8 kHz, 16-bit mono samples.
public struct HoldClip: Sendable, Equatable {
    public let path: String
    public let samples: [Int16]

    /// Ten minutes of 16 kHz 16-bit audio is about 19 MB: anything larger is not hold music.
    public static let maximumFileBytes = 20 << 20

    public var seconds: Double { Double(samples.count) / 8000 }

    public init(path: String, samples: [Int16]) {
        self.path = path
        self.samples = samples
    }

    /// Decodes WAV bytes: PCM 16-bit, A-law or µ-law, 8 or 16 kHz (16 kHz is low-pass
    /// filtered and halved, as the phone leg is 8 kHz).
    public static func decode(_ bytes: [UInt8], path: String) throws(HoldAudioError) -> HoldClip {
        let wav: WAVFile
        do { wav = try WAVFile.parse(bytes) } catch {
            throw HoldAudioError(path: path, message: "not a usable WAV file (\(error)); expected mono 8 or 16 kHz, 16-bit PCM, A-law or µ-law")
        }
        var samples = [Int16](repeating: 0, count: wav.sampleCount)
        let data = bytes[wav.dataRange]
        switch wav.format.encoding {
        case .pcm16:
            var i = data.startIndex
            for n in 0..<samples.count {
                samples[n] = Int16(bitPattern: UInt16(data[i]) | UInt16(data[i + 1]) << 8)
                i += 2
            }
        case .aLaw, .muLaw:
            let law: G711Law = wav.format.encoding == .aLaw ? .aLaw : .muLaw
            for (n, code) in data.enumerated() { samples[n] = G711.decode(law, code) }
        }
        if wav.format.sampleRate == 16000 {
            var down = Downsampler()
            var out = [Int16](repeating: 0, count: samples.count / 2 + 1)
            let written = samples.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { down.process(input, into: $0) }
            }
            samples = Array(out.prefix(written))
        }
        guard !samples.isEmpty else { throw HoldAudioError(path: path, message: "has no samples") }
        return HoldClip(path: path, samples: samples)
    }

    public static func load(path: String) throws(HoldAudioError) -> HoldClip {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw HoldAudioError(path: path, message: FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "no such file")
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maximumFileBytes + 1) ?? Data() } catch {
            throw HoldAudioError(path: path, message: "cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= maximumFileBytes else {
            throw HoldAudioError(path: path, message: "is larger than \(maximumFileBytes >> 20) MB; use a shorter clip, it loops")
        }
        return try decode(Array(data), path: path)
    }
}

public struct HoldAudioError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// Every queue's music and prompt, loaded once. A file that cannot be used is reported and
/// left out: its queue plays the generated music (and no prompt) instead of silence.
public struct HoldAudioLibrary: Sendable {
    public private(set) var clips: [String: HoldClip] = [:]
    public private(set) var problems: [String] = []

    public init(config: InboundConfig, load: (String) throws(HoldAudioError) -> HoldClip = HoldClip.load) {
        for queue in config.queues {
            for (key, path) in [("hold_music", queue.holdMusic), ("prompt", queue.prompt)] {
                guard let path, clips[path] == nil else { continue }
                do { clips[path] = try load(path) } catch {
                    problems.append("queue \(queue.name): \(key) \(error.description); \(key == "prompt" ? "no prompt is played" : "the generated music plays instead")")
                }
            }
        }
    }

    /// A player for a caller entering `queue`'s hold.
    public func player(music path: String?) -> HoldPlayer {
        HoldPlayer(music: path.flatMap { clips[$0] })
    }

    public func clip(_ path: String) -> HoldClip? { clips[path] }
}

/// One caller's hold audio: the music loops; a prompt interrupts it and the music resumes
/// where it stopped.
public struct HoldPlayer: Sendable {
    private let music: HoldClip?
    private var generator: HoldMusicGenerator?
    private var musicPosition = 0
    private var prompt: HoldClip?
    private var promptPosition = 0

    public init(music: HoldClip?) {
        self.music = music
        generator = music == nil ? HoldMusicGenerator(sampleRate: 8000) : nil
    }

    public var isPlayingPrompt: Bool { prompt != nil }

    public mutating func playPrompt(_ clip: HoldClip) {
        prompt = clip
        promptPosition = 0
    }

    /// Fills `output` (8 kHz samples; a 20 ms frame is 160) with what the caller hears next.
    public mutating func fill(_ output: UnsafeMutableBufferPointer<Int16>) {
        var i = 0
        while i < output.count {
            if let p = prompt {
                let n = min(output.count - i, p.samples.count - promptPosition)
                p.samples.withUnsafeBufferPointer { s in
                    for k in 0..<n { output[i + k] = s[promptPosition + k] }
                }
                i += n
                promptPosition += n
                if promptPosition >= p.samples.count { prompt = nil }
                continue
            }
            if let music {
                let n = min(output.count - i, music.samples.count - musicPosition)
                music.samples.withUnsafeBufferPointer { s in
                    for k in 0..<n { output[i + k] = s[musicPosition + k] }
                }
                i += n
                musicPosition = (musicPosition + n) % music.samples.count
            } else if generator != nil {
                generator?.fill(UnsafeMutableBufferPointer(rebasing: output[i...]))
                i = output.count
            }
        }
    }
}
