// Measures the dominant tone of a PCM buffer: its frequency and its signal-to-noise ratio,
// where "noise" is everything that is not that tone (quantization, distortion, hum, noise).
// End-to-end tests use it to check "1 kHz +/- 2 Hz, SNR >= 30 dB" at the far end of a call.
// Not on the media path: it allocates freely.
//
// Method: (1) Hann-windowed FFT (zero-padded to a power of two), peak bin refined by parabolic
// interpolation of log magnitudes; (2) least-squares fit of DC + cos + sin at a trial
// frequency, with a golden-section search of the frequency that minimises the residual, within
// +/- one resolution step (fs/N) of the FFT estimate, where the residual is unimodal;
// (3) SNR = fitted tone power (A^2/2) / mean residual power.

public struct ToneAnalysis: Sendable, Equatable {
    public var frequency: Double
    /// Peak amplitude of the fitted sine (same units as the samples).
    public var amplitude: Double
    public var snrDB: Double
    /// Mean power of everything but the tone and DC.
    public var residualPower: Double
}

public enum FrequencyAnalysis {
    /// Needs at least 64 samples and a non-constant signal; returns nil otherwise.
    public static func analyze(_ samples: [Int16], sampleRate: Double = 8000) -> ToneAnalysis? {
        analyze(samples.map(Double.init), sampleRate: sampleRate)
    }

    public static func analyze(_ x: [Double], sampleRate: Double = 8000) -> ToneAnalysis? {
        let n = x.count
        guard n >= 64, sampleRate > 0 else { return nil }
        guard let coarse = fftPeakFrequency(x, sampleRate: sampleRate) else { return nil }
        let step = sampleRate / Double(n)
        var lo = max(0.0, coarse - step), hi = min(sampleRate / 2, coarse + step)
        // Golden-section search on the residual.
        let g = (5.0.squareRoot() - 1) / 2
        var a = hi - g * (hi - lo), b = lo + g * (hi - lo)
        var fa = fit(x, frequency: a, sampleRate: sampleRate).residual
        var fb = fit(x, frequency: b, sampleRate: sampleRate).residual
        for _ in 0..<60 {
            if fa < fb { hi = b; b = a; fb = fa; a = hi - g * (hi - lo); fa = fit(x, frequency: a, sampleRate: sampleRate).residual }
            else { lo = a; a = b; fa = fb; b = lo + g * (hi - lo); fb = fit(x, frequency: b, sampleRate: sampleRate).residual }
            if hi - lo < 1e-6 { break }
        }
        let f = (lo + hi) / 2
        let r = fit(x, frequency: f, sampleRate: sampleRate)
        let tonePower = r.amplitude * r.amplitude / 2
        let noise = r.residual / Double(n)
        let snr = noise > 0 ? 10 * MathFunctions.log10(tonePower / noise) : Double.infinity
        return ToneAnalysis(frequency: f, amplitude: r.amplitude, snrDB: snr, residualPower: noise)
    }

    /// Least-squares fit of c0 + c1 cos(wt) + c2 sin(wt); returns amplitude and residual energy.
    static func fit(_ x: [Double], frequency: Double, sampleRate: Double) -> (amplitude: Double, residual: Double) {
        let w = 2 * Double.pi * frequency / sampleRate
        let cw = MathFunctions.cos(w), sw = MathFunctions.sin(w)
        // Normal equations accumulated with a rotating phasor (cos, sin) instead of trig per sample.
        var c = 1.0, s = 0.0
        var scc = 0.0, sss = 0.0, scs = 0.0, sc = 0.0, ss = 0.0, n = 0.0
        var sxc = 0.0, sxs = 0.0, sx = 0.0, sxx = 0.0
        for (i, v) in x.enumerated() {
            scc += c * c; sss += s * s; scs += c * s; sc += c; ss += s; n += 1
            sxc += v * c; sxs += v * s; sx += v; sxx += v * v
            let nc = c * cw - s * sw
            s = s * cw + c * sw
            c = nc
            if i & 1023 == 1023 { let m = (c * c + s * s).squareRoot(); c /= m; s /= m }
        }
        // Solve the symmetric 3x3 system [n sc ss; sc scc scs; ss scs sss] p = [sx sxc sxs].
        let m: [[Double]] = [[n, sc, ss], [sc, scc, scs], [ss, scs, sss]]
        let rhs = [sx, sxc, sxs]
        guard let p = solve3(m, rhs) else { return (0, sxx) }
        // Residual energy = sum x^2 - p . rhs (property of least squares).
        let residual = max(0, sxx - (p[0] * rhs[0] + p[1] * rhs[1] + p[2] * rhs[2]))
        return ((p[1] * p[1] + p[2] * p[2]).squareRoot(), residual)
    }

    static func solve3(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        func det(_ m: [[Double]]) -> Double {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
        let d = det(a)
        guard d.magnitude > 1e-12 * (a[0][0] * a[1][1] * a[2][2]).magnitude, d != 0 else { return nil }
        return (0..<3).map { col in
            var m = a
            for r in 0..<3 { m[r][col] = b[r] }
            return det(m) / d
        }
    }

    /// Peak of the Hann-windowed spectrum (DC excluded), parabolically interpolated.
    static func fftPeakFrequency(_ x: [Double], sampleRate: Double) -> Double? {
        let n = x.count
        var size = 1
        while size < n { size <<= 1 }
        let mean = x.reduce(0, +) / Double(n)
        var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
        for i in 0..<n {
            let w = 0.5 - 0.5 * MathFunctions.cos(2 * Double.pi * Double(i) / Double(n - 1))
            re[i] = (x[i] - mean) * w
        }
        fft(&re, &im)
        var best = 1, bestMag = -1.0
        var mags = [Double](repeating: 0, count: size / 2)
        for k in 1..<(size / 2) {
            mags[k] = re[k] * re[k] + im[k] * im[k]
            if mags[k] > bestMag { bestMag = mags[k]; best = k }
        }
        guard bestMag > 0 else { return nil }
        var delta = 0.0
        if best > 1 && best < size / 2 - 1 {
            let l = MathFunctions.log(max(mags[best - 1], 1e-300)), c = MathFunctions.log(mags[best])
            let r = MathFunctions.log(max(mags[best + 1], 1e-300))
            let denom = l - 2 * c + r
            if denom != 0 { delta = 0.5 * (l - r) / denom }
        }
        return (Double(best) + delta) * sampleRate / Double(size)
    }

    /// In-place iterative radix-2 FFT (size must be a power of two).
    static func fft(_ re: inout [Double], _ im: inout [Double]) {
        let n = re.count
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        var len = 2
        while len <= n {
            let ang = -2 * Double.pi / Double(len)
            let wr = MathFunctions.cos(ang), wi = MathFunctions.sin(ang)
            var i = 0
            while i < n {
                var cr = 1.0, ci = 0.0
                for k in 0..<(len / 2) {
                    let ur = re[i + k], ui = im[i + k]
                    let vr = re[i + k + len / 2] * cr - im[i + k + len / 2] * ci
                    let vi = re[i + k + len / 2] * ci + im[i + k + len / 2] * cr
                    re[i + k] = ur + vr; im[i + k] = ui + vi
                    re[i + k + len / 2] = ur - vr; im[i + k + len / 2] = ui - vi
                    let ncr = cr * wr - ci * wi
                    ci = cr * wi + ci * wr
                    cr = ncr
                }
                i += len
            }
            len <<= 1
        }
    }
}
