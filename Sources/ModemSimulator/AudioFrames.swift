// The voice stream of a simulated modem's audio port: 8 kHz, signed 16-bit little-endian,
// mono, in 20 ms frames of 320 bytes (at-dialects.md §2.3, §3.2, §4.2).
import Foundation

enum AudioFormat {
    static let sampleRate = 8000
    static let samplesPerFrame = 160
    static let bytesPerFrame = 320
    /// 20 ms
    static let frameNanoseconds: Int64 = 20_000_000
}

/// Generates consecutive frames of the configured signal; the phase carries over between
/// frames so the tone has no discontinuity at frame edges.
struct ToneGenerator {
    private var phase: Double = 0
    private let step: Double
    private let amplitude: Double

    init(_ signal: AudioSignal) {
        switch signal {
        case .tone(let frequency, let level):
            step = 2 * Double.pi * frequency / Double(AudioFormat.sampleRate)
            // The level is the sine's peak relative to full scale (a full-scale sine = 0 dBFS).
            amplitude = 32767 * pow(10, level / 20)
        case .silence:
            step = 0
            amplitude = 0
        }
    }

    /// Writes one frame into `out` (exactly `AudioFormat.bytesPerFrame` bytes).
    mutating func nextFrame(into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        for _ in 0..<AudioFormat.samplesPerFrame {
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

    init() { window = [Int16](repeating: 0, count: AudioFormat.sampleRate) }

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

    mutating func reset() { self = AudioAnalyzer() }

    /// The window's samples, oldest first (for spectral checks in tests).
    var samples: [Int16] {
        let start = filled < window.count ? 0 : next
        return (0..<filled).map { window[(start + $0) % window.count] }
    }

    var reception: AudioReception {
        guard filled > 0 else {
            return AudioReception(bytes: bytes, frames: bytes / AudioFormat.bytesPerFrame, windowSamples: 0, rmsDBFS: -120, frequency: 0)
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
        let seconds = Double(filled) / Double(AudioFormat.sampleRate)
        let frequency = Double(crossings) / 2 / seconds
        return AudioReception(bytes: bytes, frames: bytes / AudioFormat.bytesPerFrame, windowSamples: filled,
                              rmsDBFS: (dbfs * 10).rounded() / 10, frequency: frequency.rounded())
    }
}
