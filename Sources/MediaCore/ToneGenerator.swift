// Tones the gateway plays itself: single and dual sines, call-progress tones by country
// (ringback while the GSM side alerts, busy, congestion), and hold music for the inbound
// queue. Phase is carried between calls so consecutive 20 ms frames join without clicks.

/// Levels are in dBm0 (ITU-T G.711 / G.168 convention): a sine with peak 22 706 at 16-bit
/// scale is 0 dBm0 (A-law's full scale is +3.14 dBm0).
public enum ToneLevel {
    public static let zeroDBm0Peak = 22_706.0
    public static func peak(dBm0 level: Double) -> Double { zeroDBm0Peak * MathFunctions.pow(10, level / 20) }
}

public enum CallProgressTone: Sendable, Hashable, CaseIterable {
    case ringback, busy, congestion
}

/// Where the caller expects their tones to sound familiar. Values are the commonly published
/// national plans (ITU-T E.180 Supplement 2): frequencies in Hz, cadences in ms.
public enum ToneCountry: String, Sendable, Hashable, CaseIterable {
    /// CEPT/ITU recommended 425 Hz plan, used across continental Europe (DE, FR, ES, IT, UA ...).
    case europe
    /// North America (Precise Tone Plan).
    case northAmerica
    case unitedKingdom
    /// Russia and CIS: 425 Hz, ringback 0.8 s on / 3.2 s off, busy 0.4/0.4.
    case russia
}

public struct ToneSpec: Sendable, Equatable {
    /// One or two frequencies (Hz); a second of 0 means single tone.
    public var frequency1: Double
    public var frequency2: Double
    /// Alternating on/off durations in ms, starting with "on"; empty means continuous.
    public var cadence: [Int]
    public var levelDBm0: Double

    public init(frequency1: Double, frequency2: Double = 0, cadence: [Int] = [], levelDBm0: Double = -13) {
        self.frequency1 = frequency1; self.frequency2 = frequency2; self.cadence = cadence; self.levelDBm0 = levelDBm0
    }

    public static func callProgress(_ tone: CallProgressTone, country: ToneCountry) -> ToneSpec {
        switch (country, tone) {
        case (.europe, .ringback): ToneSpec(frequency1: 425, cadence: [1000, 4000])
        case (.europe, .busy): ToneSpec(frequency1: 425, cadence: [500, 500])
        case (.europe, .congestion): ToneSpec(frequency1: 425, cadence: [250, 250])
        case (.northAmerica, .ringback): ToneSpec(frequency1: 440, frequency2: 480, cadence: [2000, 4000], levelDBm0: -19)
        case (.northAmerica, .busy): ToneSpec(frequency1: 480, frequency2: 620, cadence: [500, 500], levelDBm0: -24)
        case (.northAmerica, .congestion): ToneSpec(frequency1: 480, frequency2: 620, cadence: [250, 250], levelDBm0: -24)
        case (.unitedKingdom, .ringback): ToneSpec(frequency1: 400, frequency2: 450, cadence: [400, 200, 400, 2000], levelDBm0: -19)
        case (.unitedKingdom, .busy): ToneSpec(frequency1: 400, cadence: [375, 375])
        case (.unitedKingdom, .congestion): ToneSpec(frequency1: 400, cadence: [400, 350, 225, 525])
        case (.russia, .ringback): ToneSpec(frequency1: 425, cadence: [800, 3200])
        case (.russia, .busy): ToneSpec(frequency1: 425, cadence: [400, 400])
        case (.russia, .congestion): ToneSpec(frequency1: 425, cadence: [200, 200])
        }
    }
}

/// Generates a `ToneSpec` into caller buffers, frame after frame.
public struct ToneGenerator: Sendable {
    public let spec: ToneSpec
    public let sampleRate: Double
    private let cadenceSamples: [Int]
    private let cycleSamples: Int
    private let peak: Double
    private var phase1 = 0.0, phase2 = 0.0
    private let step1: Double, step2: Double
    private var position = 0

    public init(_ spec: ToneSpec, sampleRate: Double = 8000) {
        self.spec = spec
        self.sampleRate = sampleRate
        cadenceSamples = spec.cadence.map { max(0, Int(Double($0) * sampleRate / 1000)) }
        cycleSamples = cadenceSamples.reduce(0, +)
        peak = ToneLevel.peak(dBm0: spec.levelDBm0)
        step1 = 2 * Double.pi * spec.frequency1 / sampleRate
        step2 = 2 * Double.pi * spec.frequency2 / sampleRate
    }

    public init(frequency: Double, levelDBm0: Double = -10, sampleRate: Double = 8000) {
        self.init(ToneSpec(frequency1: frequency, levelDBm0: levelDBm0), sampleRate: sampleRate)
    }

    /// Whether the cadence is in an "on" period at the current position.
    private func isOn(_ pos: Int) -> Bool {
        guard cycleSamples > 0 else { return true }
        var p = pos % cycleSamples
        for (i, len) in cadenceSamples.enumerated() {
            if p < len { return i % 2 == 0 }
            p -= len
        }
        return false
    }

    /// Restarts the cadence (a new ringback starts with its "on" period).
    public mutating func restart() { position = 0; phase1 = 0; phase2 = 0 }

    public mutating func fill(_ output: UnsafeMutableBufferPointer<Int16>) {
        for i in 0..<output.count {
            var v = 0.0
            if isOn(position) {
                v = MathFunctions.sin(phase1)
                if spec.frequency2 > 0 { v += MathFunctions.sin(phase2) }
                v *= peak
            }
            output[i] = Int16(max(-32768, min(32767, v.rounded())))
            phase1 += step1; if phase1 > 2 * Double.pi { phase1 -= 2 * Double.pi }
            phase2 += step2; if phase2 > 2 * Double.pi { phase2 -= 2 * Double.pi }
            position += 1
            if cycleSamples > 0 && position >= cycleSamples { position = 0 }
        }
    }
}

/// A gentle, endless arpeggio (I-vi-IV-V in C major, one chord per 2 s, a note every 250 ms
/// with a soft plucked envelope over a quiet bass), so a caller waiting in the inbound queue
/// hears that the line is alive. Deterministic and royalty-free by construction; about
/// -20 dBm0 so it never clips through G.711 or distorts on a GSM codec.
public struct HoldMusicGenerator: Sendable {
    public let sampleRate: Double
    /// Chord tones (Hz) per chord: root, third, fifth, octave.
    static let chords: [[Double]] = [
        [261.63, 329.63, 392.00, 523.25],   // C
        [220.00, 261.63, 329.63, 440.00],   // Am
        [174.61, 220.00, 261.63, 349.23],   // F
        [196.00, 246.94, 293.66, 392.00],   // G
    ]
    /// Arpeggio order over the four chord tones.
    static let pattern = [0, 1, 2, 3, 2, 1, 2, 3]

    private let noteSamples: Int
    private var sampleInNote = 0
    private var noteIndex = 0
    private var melodyPhase = 0.0, melodyStep = 0.0
    private var bassPhase = 0.0, bassStep = 0.0
    private var envelope = 0.0
    private let decay: Double
    private let attackStep: Double
    private let peak: Double

    public init(sampleRate: Double = 8000, levelDBm0: Double = -20) {
        self.sampleRate = sampleRate
        noteSamples = Int(sampleRate * 0.25)
        decay = MathFunctions.exp(-1 / (0.35 * sampleRate))   // 350 ms time constant
        attackStep = 1 / (0.01 * sampleRate)                   // 10 ms attack
        peak = ToneLevel.peak(dBm0: levelDBm0)
        startNote()
    }

    private mutating func startNote() {
        let chord = Self.chords[(noteIndex / Self.pattern.count) % Self.chords.count]
        melodyStep = 2 * Double.pi * chord[Self.pattern[noteIndex % Self.pattern.count]] / sampleRate
        bassStep = 2 * Double.pi * chord[0] / 2 / sampleRate
        envelope = 0
    }

    public mutating func fill(_ output: UnsafeMutableBufferPointer<Int16>) {
        for i in 0..<output.count {
            // Attack ramps linearly to 1, then the envelope decays exponentially.
            let attacking = sampleInNote < noteSamples / 25
            envelope = attacking ? min(1, envelope + attackStep) : envelope * decay
            let m = MathFunctions.sin(melodyPhase) + 0.25 * MathFunctions.sin(2 * melodyPhase)
            let b = 0.35 * MathFunctions.sin(bassPhase)
            let v = peak * (0.6 * envelope * m + b) / 1.2
            output[i] = Int16(max(-32768, min(32767, v.rounded())))
            melodyPhase += melodyStep; if melodyPhase > 2 * Double.pi { melodyPhase -= 2 * Double.pi }
            bassPhase += bassStep; if bassPhase > 2 * Double.pi { bassPhase -= 2 * Double.pi }
            sampleInNote += 1
            if sampleInNote >= noteSamples {
                sampleInNote = 0
                noteIndex = (noteIndex + 1) % (Self.pattern.count * Self.chords.count)
                startNote()
            }
        }
    }
}
