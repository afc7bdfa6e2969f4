// Goertzel filter (energy at one frequency) and an in-band DTMF detector (ITU-T Q.23/Q.24
// frequencies) for modems that do not report DTMF and for audio-path checks.

public struct Goertzel: Sendable {
    public let frequency: Double
    public let sampleRate: Double
    let coefficient: Double
    var s1 = 0.0, s2 = 0.0

    /// Evaluates at exactly `frequency` (not the nearest DFT bin), so short blocks lose nothing
    /// to bin misalignment.
    public init(frequency: Double, sampleRate: Double = 8000) {
        self.frequency = frequency
        self.sampleRate = sampleRate
        coefficient = 2 * MathFunctions.cos(2 * Double.pi * frequency / sampleRate)
    }

    @inline(__always)
    public mutating func add(_ x: Double) {
        let s = x + coefficient * s1 - s2
        s2 = s1
        s1 = s
    }

    /// |X(f)|^2 over the samples added since the last reset.
    public var power: Double { s1 * s1 + s2 * s2 - coefficient * s1 * s2 }

    public mutating func reset() { s1 = 0; s2 = 0 }

    /// |X(f)|^2 of a buffer.
    public static func power(of samples: UnsafeBufferPointer<Int16>, frequency: Double, sampleRate: Double = 8000) -> Double {
        var g = Goertzel(frequency: frequency, sampleRate: sampleRate)
        for s in samples { g.add(Double(s)) }
        return g.power
    }
}

/// Detects DTMF digits in 8 kHz audio fed in any chunk size. Each digit is reported once,
/// when it has been present for two consecutive 205-sample blocks (25.6 ms each; 205 is the
/// classic length whose bins fit the eight DTMF frequencies), and may be reported again only
/// after a block without it. Consequences, documented: tones shorter than about 52-77 ms
/// (depending on alignment) or gaps shorter than about 52 ms may be missed; Q.24's 40 ms
/// minimum is traded for fewer false digits from speech, since modems also report DTMF via AT.
public struct DTMFDetector: Sendable {
    public static let rowFrequencies: [Double] = [697, 770, 852, 941]
    public static let columnFrequencies: [Double] = [1209, 1336, 1477, 1633]
    static let keypad: [[DTMFEvent]] = [
        [.digit1, .digit2, .digit3, .a],
        [.digit4, .digit5, .digit6, .b],
        [.digit7, .digit8, .digit9, .c],
        [.star, .digit0, .pound, .d],
    ]

    public struct Configuration: Sendable, Equatable {
        public var blockSize = 205
        /// Minimum level of each tone: -30 dBm0 (Q.24 asks for acceptance down to about -25).
        public var minimumToneLevelDBm0 = -30.0
        /// Row tone may exceed the column tone by this much ("normal twist").
        public var maxNormalTwistDB = 8.0
        /// Column tone may exceed the row tone by this much ("reverse twist").
        public var maxReverseTwistDB = 4.0
        /// The two tones must carry this share of the block's energy; speech and noise spread
        /// their energy and fail here.
        public var minimumEnergyShare = 0.7
        /// The strongest row (column) must beat the runner-up by this much.
        public var minimumPeakRatioDB = 6.0
        public init() {}
    }

    public let configuration: Configuration
    private var rows: [Goertzel]
    private var columns: [Goertzel]
    private var energy = 0.0
    private var count = 0
    private var lastBlockDigit: DTMFEvent?
    private var reported: DTMFEvent?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        rows = Self.rowFrequencies.map { Goertzel(frequency: $0) }
        columns = Self.columnFrequencies.map { Goertzel(frequency: $0) }
    }

    /// Feeds samples; calls `onDigit` for each newly detected digit.
    public mutating func process(_ samples: UnsafeBufferPointer<Int16>, onDigit: (DTMFEvent) -> Void) {
        for s in samples {
            let x = Double(s)
            for i in 0..<4 { rows[i].add(x); columns[i].add(x) }
            energy += x * x
            count += 1
            if count == configuration.blockSize {
                let digit = classifyBlock()
                for i in 0..<4 { rows[i].reset(); columns[i].reset() }
                energy = 0
                count = 0
                if let digit, digit == lastBlockDigit, reported != digit {
                    reported = digit
                    onDigit(digit)
                }
                // Any block without the reported digit re-arms it.
                if digit != reported { reported = nil }
                lastBlockDigit = digit
            }
        }
    }

    /// Convenience: the digits detected in `samples`.
    public mutating func process(_ samples: [Int16]) -> [DTMFEvent] {
        var out: [DTMFEvent] = []
        samples.withUnsafeBufferPointer { buf in process(buf) { out.append($0) } }
        return out
    }

    private func classifyBlock() -> DTMFEvent? {
        let n = Double(configuration.blockSize)
        guard energy > 0 else { return nil }
        let rp = rows.map(\.power), cp = columns.map(\.power)
        guard let r = rp.indices.max(by: { rp[$0] < rp[$1] }), let c = cp.indices.max(by: { cp[$0] < cp[$1] }) else { return nil }
        // Tone amplitude from |X|^2: A = 2|X|/N.
        let minPeak = ToneLevel.peak(dBm0: configuration.minimumToneLevelDBm0)
        let minPower = (minPeak * n / 2) * (minPeak * n / 2)
        guard rp[r] >= minPower && cp[c] >= minPower else { return nil }
        let twistDB = 10 * MathFunctions.log10(rp[r] / cp[c])
        guard twistDB <= configuration.maxNormalTwistDB && -twistDB <= configuration.maxReverseTwistDB else { return nil }
        let ratio = MathFunctions.pow(10, configuration.minimumPeakRatioDB / 10)
        for i in 0..<4 where i != r { if rp[i] * ratio > rp[r] { return nil } }
        for i in 0..<4 where i != c { if cp[i] * ratio > cp[c] { return nil } }
        // Share of energy: a sine of power P=|X|^2 carries 2P/N of the block's sum of squares.
        let share = 2 * (rp[r] + cp[c]) / (n * energy)
        guard share >= configuration.minimumEnergyShare else { return nil }
        return Self.keypad[r][c]
    }
}
