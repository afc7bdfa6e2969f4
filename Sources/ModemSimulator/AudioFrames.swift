// The voice stream of a simulated modem's audio port: 8 kHz, signed 16-bit little-endian,
// mono, in 20 ms frames of 320 bytes (at-dialects.md §2.3, §3.2, §4.2); SIMCom after
// AT+CPCMFRM=1: 16 kHz, 640-byte frames (§4.2). Generators take the rate of the stream.
import Foundation

enum AudioFormat {
    static let sampleRate = 8000
    static let samplesPerFrame = 160
    static let bytesPerFrame = 320
    /// 20 ms
    static let frameNanoseconds: Int64 = 20_000_000
    /// SIMCom's wideband mode (AT+CPCMFRM=1).
    static let widebandRate = 16000

    /// Samples in one 20 ms frame at `rate`.
    static func samplesPerFrame(at rate: Int) -> Int { rate / 50 }
}

/// Generates consecutive frames of the configured signal; the phase carries over between
/// frames so the tone has no discontinuity at frame edges.
struct ToneGenerator {
    private var phase: Double = 0
    private let step: Double
    private let amplitude: Double
    private let samplesPerFrame: Int

    init(_ signal: AudioSignal, sampleRate: Int = AudioFormat.sampleRate) {
        samplesPerFrame = AudioFormat.samplesPerFrame(at: sampleRate)
        switch signal {
        case .tone(let frequency, let level):
            step = 2 * Double.pi * frequency / Double(sampleRate)
            // The level is the sine's peak relative to full scale (a full-scale sine = 0 dBFS).
            amplitude = 32767 * pow(10, level / 20)
        case .silence:
            step = 0
            amplitude = 0
        }
    }

    /// Writes one 20 ms frame into `out` (320 bytes at 8 kHz, 640 at 16 kHz).
    mutating func nextFrame(into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        for _ in 0..<samplesPerFrame {
            let sample = Int16(clamping: Int((sin(phase) * amplitude).rounded()))
            let bits = UInt16(bitPattern: sample)
            out.append(UInt8(truncatingIfNeeded: bits))
            out.append(UInt8(truncatingIfNeeded: bits >> 8))
            phase += step
            if phase >= 2 * Double.pi { phase -= 2 * Double.pi }
        }
    }
}

/// What the simulator measured on the audio the gateway sent it.
public struct AudioReception: Codable, Sendable, Equatable {
    /// Bytes received since the modem was plugged in (or the stats were reset).
    public var bytes: Int
    /// Whole 20 ms frames (bytes / 320).
    public var frames: Int
    /// Samples in the analysis window (at most the last second).
    public var windowSamples: Int
    /// RMS of the window as dBFS of an equal-power sine (full-scale sine = 0 dBFS); -120 for silence.
    public var rmsDBFS: Double
    /// Dominant frequency of the window estimated from its zero-crossing count (Hz).
    public var frequency: Double
}

/// Keeps the last second of received samples and measures it on demand.
struct AudioAnalyzer {
    private var window: [Int16]
    private var next = 0
    private var filled = 0
    private var carry: UInt8?
    private(set) var bytes = 0
    /// The rate of the stream the gateway writes (the modem's current PCM mode).
    private(set) var sampleRate: Int

    init(sampleRate: Int = AudioFormat.sampleRate) {
        self.sampleRate = sampleRate
        window = [Int16](repeating: 0, count: sampleRate)
    }

    /// The modem's PCM mode changed: a new one-second window at the new rate.
    mutating func setRate(_ rate: Int) {
        guard rate != sampleRate else { return }
        self = AudioAnalyzer(sampleRate: rate)
    }

    mutating func feed(_ data: some Sequence<UInt8>) {
        for b in data {
            bytes += 1
            if let low = carry {
                let sample = Int16(bitPattern: UInt16(low) | UInt16(b) << 8)
                window[next] = sample
                next = (next + 1) % window.count
                filled = min(filled + 1, window.count)
                carry = nil
            } else {
                carry = b
            }
        }
    }

    mutating func reset() { self = AudioAnalyzer(sampleRate: sampleRate) }

    /// The window's samples, oldest first (for spectral checks in tests).
    var samples: [Int16] {
        let start = filled < window.count ? 0 : next
        return (0..<filled).map { window[(start + $0) % window.count] }
    }

    var reception: AudioReception {
        guard filled > 0 else {
            return AudioReception(bytes: bytes, frames: bytes / (2 * AudioFormat.samplesPerFrame(at: sampleRate)), windowSamples: 0,
                                  rmsDBFS: -120, frequency: 0)
        }
        let start = filled < window.count ? 0 : next
        var sumSquares = 0.0
        var crossings = 0
        var previousNonNegative = window[start] >= 0
        for k in 0..<filled {
            let s = window[(start + k) % window.count]
            sumSquares += Double(s) * Double(s)
            let nonNegative = s >= 0
            if k > 0 && nonNegative != previousNonNegative { crossings += 1 }
            previousNonNegative = nonNegative
        }
        let rms = (sumSquares / Double(filled)).squareRoot()
        let dbfs = rms > 0 ? 20 * log10(rms * 2.0.squareRoot() / 32767) : -120
        // A sine crosses zero twice per period.
        let seconds = Double(filled) / Double(sampleRate)
        let frequency = Double(crossings) / 2 / seconds
        return AudioReception(bytes: bytes, frames: bytes / (2 * AudioFormat.samplesPerFrame(at: sampleRate)), windowSamples: filled,
                              rmsDBFS: (dbfs * 10).rounded() / 10, frequency: frequency.rounded())
    }
}

/// DTMF digits the far end presses, played in-band (ITU-T Q.23 row + column tones, 100 ms on,
/// 100 ms off, each tone at -10 dBFS) in place of the call's signal while any are queued.
struct DTMFPlayer {
    private static let rows: [Character: Double] = [
        "1": 697, "2": 697, "3": 697, "A": 697, "4": 770, "5": 770, "6": 770, "B": 770,
        "7": 852, "8": 852, "9": 852, "C": 852, "*": 941, "0": 941, "#": 941, "D": 941,
    ]
    private static let columns: [Character: Double] = [
        "1": 1209, "4": 1209, "7": 1209, "*": 1209, "2": 1336, "5": 1336, "8": 1336, "0": 1336,
        "3": 1477, "6": 1477, "9": 1477, "#": 1477, "A": 1633, "B": 1633, "C": 1633, "D": 1633,
    ]
    static func isDigit(_ c: Character) -> Bool { rows[c] != nil }

    /// 5 frames of tone, 5 of silence per digit.
    private static let framesOn = 5, framesPerDigit = 10
    private var queue: [Character] = []
    private var frame = 0
    private var sample = 0
    /// The stream's rate (the digits' tones are the same at 8 or 16 kHz).
    var sampleRate = AudioFormat.sampleRate

    var isActive: Bool { !queue.isEmpty }

    mutating func enqueue(_ digits: String) { queue += digits.filter(Self.isDigit) }

    mutating func nextFrame(into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let digit = queue.first ?? "0"
        let on = frame < Self.framesOn
        let fr = Self.rows[digit] ?? 0, fc = Self.columns[digit] ?? 0
        let amplitude = 32767 * pow(10, -10.0 / 20)
        for _ in 0..<AudioFormat.samplesPerFrame(at: sampleRate) {
            var v = 0.0
            if on {
                let t = Double(sample) / Double(sampleRate)
                v = amplitude * (sin(2 * .pi * fr * t) + sin(2 * .pi * fc * t)) / 2
            }
            sample += 1
            let bits = UInt16(bitPattern: Int16(clamping: Int(v.rounded())))
            out.append(UInt8(truncatingIfNeeded: bits))
            out.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
        frame += 1
        if frame == Self.framesPerDigit {
            frame = 0
            sample = 0
            queue.removeFirst()
        }
    }
}

/// Everything the gateway wrote to the audio port during one call, from the moment the call
/// became active to its end: the evidence for "silence is silence, no click at answer or
/// hang-up". Bounded at 60 s (a test call is seconds long; a forgotten capture must not grow
/// without limit), after which further samples are counted but not kept.
struct CallAudioCapture {
    static let maxSamples = 60 * AudioFormat.widebandRate
    private(set) var samples: [Int16] = []
    private(set) var active = false
    /// Samples that arrived once the capture was full.
    private(set) var overflow = 0
    private var carry: UInt8?

    /// A new call is active: forget the previous call's audio and start keeping.
    mutating func start() {
        samples.removeAll(keepingCapacity: true)
        overflow = 0
        carry = nil
        active = true
    }

    /// The call ended: keep what was captured for the test to read.
    mutating func stop() { active = false }

    mutating func feed(_ data: some Sequence<UInt8>) {
        guard active else { return }
        for b in data {
            if let low = carry {
                carry = nil
                if samples.count < Self.maxSamples {
                    samples.append(Int16(bitPattern: UInt16(low) | UInt16(b) << 8))
                } else {
                    overflow += 1
                }
            } else {
                carry = b
            }
        }
    }
}

/// The network's ringback tone as a GSM network in Russia and most of Europe plays it in-band
/// while the callee alerts: 425 Hz, 1 s on, 4 s off (ITU-T E.180 Supplement 2), at -10 dBFS
/// peak like the far end's test tone.
struct RingbackGenerator {
    static let frequency = 425.0
    private var sample = 0
    private let sampleRate: Int

    init(sampleRate: Int = AudioFormat.sampleRate) { self.sampleRate = sampleRate }

    mutating func nextFrame(into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let amplitude = 32767 * pow(10, -10.0 / 20)
        let step = 2 * Double.pi * Self.frequency / Double(sampleRate)
        let on = sampleRate, period = 5 * sampleRate   // 1 s on, 4 s off
        for _ in 0..<AudioFormat.samplesPerFrame(at: sampleRate) {
            let inCadence = sample % period
            let v = inCadence < on ? amplitude * sin(step * Double(inCadence)) : 0
            let bits = UInt16(bitPattern: Int16(clamping: Int(v.rounded())))
            out.append(UInt8(truncatingIfNeeded: bits))
            out.append(UInt8(truncatingIfNeeded: bits >> 8))
            sample += 1
        }
    }
}
