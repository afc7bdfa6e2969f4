import TestSupport
import Testing
@testable import MediaCore

@Suite struct FrequencyAnalysisTests {
    /// A tone plus seeded Gaussian noise of known power must measure at that SNR.
    @Test(arguments: [10.0, 20.0, 30.0, 40.0])
    func measuresKnownSNR(target: Double) throws {
        var rng = SplitMix64(seed: 42 + UInt64(target))
        let amplitude = 8000.0
        let noiseSigma = (amplitude * amplitude / 2 / pow10(target / 10)).squareRoot()
        let x = sine(frequency: 1000, amplitude: amplitude, count: 8000).map { $0 + noiseSigma * rng.gaussian() }
        let a = try #require(FrequencyAnalysis.analyze(x))
        #expect(abs(a.frequency - 1000) < 0.5, "\(a.frequency)")
        #expect(abs(a.snrDB - target) < 0.5, "target \(target) measured \(a.snrDB)")
        #expect(abs(a.amplitude - amplitude) / amplitude < 0.02)
    }

    @Test(arguments: [313.7, 1000.0, 1004.0, 2718.3, 3400.0])
    func findsFrequencyOfCleanTone(frequency: Double) throws {
        let x = sine(frequency: frequency, amplitude: 5000, count: 4000)
        let a = try #require(FrequencyAnalysis.analyze(x))
        #expect(abs(a.frequency - frequency) < 0.01, "\(frequency) -> \(a.frequency)")
        #expect(a.snrDB > 100)
    }

    @Test func harmonicDistortionCountsAsNoise() throws {
        // 1 kHz plus a 2 kHz harmonic at -20 dB: SNR must read ~20 dB and the frequency 1 kHz.
        let fundamental = sine(frequency: 1000, amplitude: 10000, count: 8000)
        let harmonic = sine(frequency: 2000, amplitude: 1000, count: 8000, phase: 1.1)
        let a = try #require(FrequencyAnalysis.analyze(zip(fundamental, harmonic).map(+)))
        #expect(abs(a.frequency - 1000) < 0.01)
        #expect(abs(a.snrDB - 20) < 0.1)
    }

    @Test func rejectsTooShortOrSilentInput() {
        #expect(FrequencyAnalysis.analyze([Int16](repeating: 0, count: 10)) == nil)
        #expect(FrequencyAnalysis.analyze([Int16](repeating: 0, count: 1000)) == nil)
    }
}

func pow10(_ x: Double) -> Double { MathFunctions.pow(10, x) }
