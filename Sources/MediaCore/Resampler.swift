// 8 kHz <-> 16 kHz conversion for SIMCom's wideband PCM mode (AT+CPCMFRM=1: 640-byte frames).
//
// One linear-phase FIR low-pass, designed once by the windowed-sinc method with a Kaiser
// window, serves both directions (polyphase: no multiplications by the zeros of upsampling).
// Design at 16 kHz: passband to 3500 Hz, stopband from 4000 Hz (the 8 kHz Nyquist
// frequency), 70 dB target attenuation -> Kaiser beta 6.76, 139 taps, group delay 69 samples
// at 16 kHz (4.3 ms). So: downsampling folds nothing above 4 kHz back into the band by more
// than -70 dB (tests check at least 65 dB), and upsampling leaves images of the 0-4 kHz band
// at 4-8 kHz attenuated as much. The 3.5-4 kHz transition band is above the 3.4 kHz
// telephone band, so speech is untouched.

public enum ResamplerFilter {
    public static let passbandHz = 3500.0
    public static let stopbandHz = 4000.0
    public static let designAttenuationDB = 70.0
    public static let sampleRate = 16000.0

    /// The prototype low-pass at 16 kHz, unity gain at DC.
    public static let taps: [Double] = design()

    static func design() -> [Double] {
        let a = designAttenuationDB
        let transition = 2 * Double.pi * (stopbandHz - passbandHz) / sampleRate
        var count = Int(((a - 8) / (2.285 * transition)).rounded(.up)) + 1
        if count % 2 == 0 { count += 1 }                 // odd: integer group delay
        let beta = 0.1102 * (a - 8.7)
        let fc = (passbandHz + stopbandHz) / 2 / sampleRate
        let m = Double(count - 1)
        var h = (0..<count).map { i -> Double in
            let t = Double(i) - m / 2
            let sinc = t == 0 ? 2 * fc : MathFunctions.sin(2 * Double.pi * fc * t) / (Double.pi * t)
            let r = 2 * Double(i) / m - 1
            return sinc * besselI0(beta * (max(0, 1 - r * r)).squareRoot()) / besselI0(beta)
        }
        let sum = h.reduce(0, +)
        for i in h.indices { h[i] /= sum }
        return h
    }

    /// Modified Bessel function of the first kind, order 0 (power series).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0
        let q = x * x / 4
        for k in 1..<50 {
            term *= q / Double(k * k)
            sum += term
            if term < sum * 1e-17 { break }
        }
        return sum
    }

    /// |H(f)| in dB at 16 kHz sampling (for tests and documentation).
    public static func responseDB(atHz f: Double) -> Double {
        let w = 2 * Double.pi * f / sampleRate
        var re = 0.0, im = 0.0
        for (i, h) in taps.enumerated() {
            re += h * MathFunctions.cos(w * Double(i)); im -= h * MathFunctions.sin(w * Double(i))
        }
        return 10 * MathFunctions.log10(re * re + im * im)
    }
}

@inline(__always) private func clamp16(_ v: Double) -> Int16 {
    Int16(max(-32768, min(32767, v.rounded())))
}

/// 8 kHz -> 16 kHz. Keeps its history between calls, so frames join seamlessly.
public struct Upsampler: Sendable {
    private let even: [Double]      // taps 0, 2, 4 ... (x2 for the zero-stuffing gain)
    private let odd: [Double]       // taps 1, 3, 5 ...
    private let p: Int
    // History twice over so the newest p inputs are always contiguous at pos+1...pos+p.
    private var history: [Double]
    private var pos = 0

    public init() {
        let t = ResamplerFilter.taps
        even = stride(from: 0, to: t.count, by: 2).map { 2 * t[$0] }
        var o = stride(from: 1, to: t.count, by: 2).map { 2 * t[$0] }
        while o.count < even.count { o.append(0) }
        odd = o
        p = even.count
        history = [Double](repeating: 0, count: 2 * p)
    }

    /// Group delay in output (16 kHz) samples.
    public static var delay: Int { (ResamplerFilter.taps.count - 1) / 2 }

    public mutating func reset() { for i in history.indices { history[i] = 0 }; pos = 0 }

    /// Writes `2 * input.count` samples (bounded by `output.count / 2` inputs); returns outputs written.
    @discardableResult
    public mutating func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        let n = min(input.count, output.count / 2)
        let p = self.p
        var pos = self.pos
        even.withUnsafeBufferPointer { e in
            odd.withUnsafeBufferPointer { o in
                history.withUnsafeMutableBufferPointer { h in
                    for i in 0..<n {
                        // Newest sample at index pos+p (and pos), oldest at pos+1.
                        pos = (pos + 1) % p
                        let x = Double(input[i])
                        h[pos] = x; h[pos + p] = x
                        var y0 = 0.0, y1 = 0.0
                        // Tap k multiplies x[n-k] = h[pos + p - k].
                        for k in 0..<p {
                            let v = h[pos + p - k]
                            y0 += e[k] * v
                            y1 += o[k] * v
                        }
                        output[2 * i] = clamp16(y0)
                        output[2 * i + 1] = clamp16(y1)
                    }
                }
            }
        }
        self.pos = pos
        return 2 * n
    }
}

/// 16 kHz -> 8 kHz: low-pass, then keep every other sample. An odd sample left at the end of
/// one call is carried to the next.
public struct Downsampler: Sendable {
    private let taps: [Double]
    private let l: Int
    private var history: [Double]
    private var pos = 0
    private var phase = 0

    public init() {
        taps = ResamplerFilter.taps
        l = taps.count
        history = [Double](repeating: 0, count: 2 * taps.count)
    }

    /// Group delay in input (16 kHz) samples.
    public static var delay: Int { (ResamplerFilter.taps.count - 1) / 2 }

    public mutating func reset() { for i in history.indices { history[i] = 0 }; pos = 0; phase = 0 }

    /// Consumes all of `input` (up to what `output` can take) and returns outputs written.
    @discardableResult
    public mutating func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        var written = 0
        let l = self.l
        var pos = self.pos, phase = self.phase
        taps.withUnsafeBufferPointer { t in
            history.withUnsafeMutableBufferPointer { h in
                for i in 0..<input.count {
                    if phase == 1 && written >= output.count { break }
                    pos = (pos + 1) % l
                    let x = Double(input[i])
                    h[pos] = x; h[pos + l] = x
                    if phase == 1 {
                        var y = 0.0
                        for k in 0..<l { y += t[k] * h[pos + l - k] }
                        output[written] = clamp16(y)
                        written += 1
                    }
                    phase ^= 1
                }
            }
        }
        self.pos = pos
        self.phase = phase
        return written
    }
}
