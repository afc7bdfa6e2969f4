import TestSupport
import Testing
@testable import MediaCore

@Suite struct GoertzelTests {
    @Test func powerPeaksAtTheToneFrequency() {
        let x = toInt16(sine(frequency: 770, amplitude: 8000, count: 205))
        let at = x.withUnsafeBufferPointer { Goertzel.power(of: $0, frequency: 770) }
        let off = x.withUnsafeBufferPointer { Goertzel.power(of: $0, frequency: 1336) }
        // |X|^2 of a sine = (A N / 2)^2 (within leakage of a non-integer number of periods).
        let ideal = (8000.0 * 205 / 2) * (8000.0 * 205 / 2)
        #expect(abs(at / ideal - 1) < 0.05)
        #expect(off < at / 1000)
    }
}

@Suite struct DTMFDetectorTests {
    /// 100 ms tone + 100 ms gap per digit, each tone at -10 dBm0, 8 kHz.
    func signal(_ digits: [DTMFEvent], toneMs: Int = 100, gapMs: Int = 100, twistDB: Double = 0) -> [Int16] {
        var out: [Double] = []
        for d in digits {
            let idx = DTMFDetector.keypad.enumerated().compactMap { r, row in row.firstIndex(of: d).map { (r, $0) } }.first!
            let low = sine(frequency: DTMFDetector.rowFrequencies[idx.0], amplitude: ToneLevel.peak(dBm0: -10), count: 8 * toneMs)
            let high = sine(frequency: DTMFDetector.columnFrequencies[idx.1], amplitude: ToneLevel.peak(dBm0: -10 - twistDB), count: 8 * toneMs, phase: 1.3)
            out += zip(low, high).map(+)
            out += [Double](repeating: 0, count: 8 * gapMs)
        }
        return toInt16(out)
    }

    @Test func detectsAllSixteenDigitsOnce() {
        let digits = DTMFEvent.allCases.filter { $0 != .flash }
        var det = DTMFDetector()
        #expect(det.process(signal(digits)) == digits)
    }

    @Test func detectsInTwentyMillisecondFramesThroughG711() {
        let digits: [DTMFEvent] = [.digit5, .digit5, .pound, .digit0]   // repeated digit too
        let pcm = g711RoundTrip(signal(digits, toneMs: 80, gapMs: 70), .aLaw)
        var det = DTMFDetector()
        var found: [DTMFEvent] = []
        pcm.withUnsafeBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: 160) {
                det.process(UnsafeBufferPointer(rebasing: all[start..<min(start + 160, all.count)])) { found.append($0) }
            }
        }
        #expect(found == digits)
    }

    @Test func rejectsExcessiveTwist() {
        var det = DTMFDetector()
        #expect(det.process(signal([.digit1], twistDB: 12)).isEmpty)
        var det2 = DTMFDetector()
        #expect(det2.process(signal([.digit1], twistDB: 3)) == [.digit1])
    }

    @Test func ignoresSpeechLikeNoise() {
        // Voiced "speech": a glottal-pulse-like harmonic series whose pitch glides between
        // 90 and 250 Hz, shaped by moving formants, plus noise bursts; 10 s, seeded.
        var rng = SplitMix64(seed: 2024)
        var x: [Double] = []
        var phase = 0.0
        for segment in 0..<200 {
            let f0 = Double.random(in: 90...250, using: &rng)
            let f1 = Double.random(in: 300...900, using: &rng), f2 = Double.random(in: 900...2500, using: &rng)
            let voiced = segment % 7 != 3
            for _ in 0..<400 {
                var v = 0.0
                if voiced {
                    phase += 2 * .pi * f0 / 8000
                    var h = 1
                    while Double(h) * f0 < 3800 {
                        let f = Double(h) * f0
                        let gain = 1 / (1 + ((f - f1) / 150) * ((f - f1) / 150)) + 0.6 / (1 + ((f - f2) / 200) * ((f - f2) / 200)) + 0.05
                        v += gain * MathFunctions.sin(Double(h) * phase)
                        h += 1
                    }
                    v *= 3000
                }
                v += 800 * rng.gaussian()
                x.append(v)
            }
        }
        var det = DTMFDetector()
        #expect(det.process(toInt16(x)).isEmpty)
        var det2 = DTMFDetector()
        var white = SplitMix64(seed: 5)
        #expect(det2.process(toInt16((0..<80000).map { _ in 6000 * white.gaussian() })).isEmpty)
    }
}

@Suite struct ToneGeneratorTests {
    @Test func singleToneFrequencyAndLevel() throws {
        var gen = ToneGenerator(frequency: 1000, levelDBm0: -10)
        var out = [Int16](repeating: 0, count: 8000)
        // In 20 ms frames, as the gateway would call it: phase must carry across frames.
        out.withUnsafeMutableBufferPointer { buf in
            for start in stride(from: 0, to: 8000, by: 160) { gen.fill(UnsafeMutableBufferPointer(rebasing: buf[start..<start + 160])) }
        }
        let a = try #require(FrequencyAnalysis.analyze(out))
        #expect(abs(a.frequency - 1000) < 0.01)
        #expect(a.snrDB > 60)      // only Int16 rounding: no clicks at frame joins
        #expect(abs(a.amplitude - ToneLevel.peak(dBm0: -10)) < 2)
    }

    @Test(arguments: ToneCountry.allCases)
    func ringbackFollowsItsCadence(country: ToneCountry) {
        let spec = ToneSpec.callProgress(.ringback, country: country)
        var gen = ToneGenerator(spec)
        let cycleMs = spec.cadence.reduce(0, +)
        var out = [Int16](repeating: 0, count: cycleMs * 8)
        out.withUnsafeMutableBufferPointer { gen.fill($0) }
        // Energy per 10 ms block matches on/off of the cadence.
        var pos = 0
        for (i, ms) in spec.cadence.enumerated() {
            for block in stride(from: pos + 2, to: pos + ms * 8 - 82, by: 80) {
                let energy = out[block..<block + 80].reduce(0.0) { $0 + Double($1) * Double($1) }
                #expect((energy > 1e6) == (i % 2 == 0), "\(country) segment \(i)")
            }
            pos += ms * 8
        }
        // Frequency during the first "on" period.
        let on = Array(out.prefix(min(spec.cadence[0], 400) * 8))
        if spec.frequency2 == 0, let a = FrequencyAnalysis.analyze(on) {
            #expect(abs(a.frequency - spec.frequency1) < 1)
        }
    }

    @Test func busyCyclesFasterThanRingbackAndCongestionDiffersFromBusy() {
        for c in ToneCountry.allCases {
            let r = ToneSpec.callProgress(.ringback, country: c).cadence.reduce(0, +)
            let b = ToneSpec.callProgress(.busy, country: c).cadence.reduce(0, +)
            let g = ToneSpec.callProgress(.congestion, country: c)
            #expect(b < r)
            // Callers must be able to tell "busy" from "network congested" (survey: failure causes).
            #expect(g.cadence != ToneSpec.callProgress(.busy, country: c).cadence)
        }
    }

    @Test func holdMusicIsAudibleBoundedAndNeverClips() {
        var gen = HoldMusicGenerator()
        var out = [Int16](repeating: 0, count: 8000 * 8)     // a full 8 s progression
        out.withUnsafeMutableBufferPointer { gen.fill($0) }
        let peak = out.map { abs(Int($0)) }.max() ?? 0
        #expect(peak > 1000 && peak < 16000)
        // Never silent for a whole 20 ms frame.
        for start in stride(from: 0, to: out.count, by: 160) {
            let level = out[start..<start + 160].withUnsafeBufferPointer { PCMFrame.levelDBFS($0) }
            #expect(level > -50)
        }
        // Deterministic.
        var gen2 = HoldMusicGenerator()
        var out2 = [Int16](repeating: 0, count: out.count)
        out2.withUnsafeMutableBufferPointer { gen2.fill($0) }
        #expect(out == out2)
    }
}

@Suite struct ResamplerTests {
    @Test func filterStopbandAndPassband() {
        var worstStop = -1000.0
        for f in stride(from: ResamplerFilter.stopbandHz, through: 8000, by: 5) { worstStop = max(worstStop, ResamplerFilter.responseDB(atHz: f)) }
        #expect(worstStop < -65, "stopband \(worstStop) dB")
        for f in stride(from: 0.0, through: 3400, by: 50) { #expect(abs(ResamplerFilter.responseDB(atHz: f)) < 0.05, "passband at \(f)") }
    }

    func run<R>(_ r: inout R, _ x: [Int16], ratioOut: Double, frame: Int, _ step: (inout R, UnsafeBufferPointer<Int16>, UnsafeMutableBufferPointer<Int16>) -> Int) -> [Int16] {
        var out = [Int16](repeating: 0, count: Int(Double(x.count) * ratioOut) + 4)
        var written = 0
        x.withUnsafeBufferPointer { all in
            out.withUnsafeMutableBufferPointer { o in
                for start in stride(from: 0, to: x.count, by: frame) {
                    written += step(&r, UnsafeBufferPointer(rebasing: all[start..<min(start + frame, x.count)]),
                                    UnsafeMutableBufferPointer(rebasing: o[written...]))
                }
            }
        }
        return Array(out.prefix(written))
    }

    @Test func roundTripKeepsOneKilohertz() throws {
        let x = toInt16(sine(frequency: 1000, amplitude: ToneLevel.peak(dBm0: -10), count: 8000))
        var up = Upsampler()
        let wide = run(&up, x, ratioOut: 2, frame: 160) { $0.process($1, into: $2) }
        #expect(wide.count == 16000)
        let w = try #require(FrequencyAnalysis.analyze(Array(wide.dropFirst(200)), sampleRate: 16000))
        #expect(abs(w.frequency - 1000) <= 2)
        #expect(w.snrDB >= 30, "16 kHz SNR \(w.snrDB)")
        var down = Downsampler()
        let back = run(&down, wide, ratioOut: 0.5, frame: 320) { $0.process($1, into: $2) }
        #expect(back.count == 8000)
        let b = try #require(FrequencyAnalysis.analyze(Array(back.dropFirst(200)), sampleRate: 8000))
        #expect(abs(b.frequency - 1000) <= 2)
        #expect(b.snrDB >= 30, "round trip SNR \(b.snrDB)")
        #expect(abs(b.amplitude - ToneLevel.peak(dBm0: -10)) / ToneLevel.peak(dBm0: -10) < 0.01)
    }

    @Test func downsamplingRejectsAboveFourKilohertz() {
        // A 5 kHz tone at 16 kHz would alias to 3 kHz; it must come out >= 65 dB down.
        let amplitude = 20000.0
        let x = toInt16(sine(frequency: 5000, amplitude: amplitude, count: 16000))
        var down = Downsampler()
        let y = run(&down, x, ratioOut: 0.5, frame: 320) { $0.process($1, into: $2) }.dropFirst(200)
        let rms = (y.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(y.count)).squareRoot()
        #expect(20 * MathFunctions.log10(max(rms, 1e-9) / (amplitude / 2.0.squareRoot())) < -65)
    }

    @Test func oddChunksCarryOver() {
        var down = Downsampler()
        var out = [Int16](repeating: 0, count: 10)
        let x: [Int16] = [1, 2, 3]
        let n1 = x.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { down.process(i, into: $0) } }
        let n2 = x.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { down.process(i, into: $0) } }
        #expect(n1 + n2 == 3)
    }
}

@Suite struct WAVFileTests {
    @Test func pcmHeaderIsCanonicalAndParses() throws {
        let header = WAVFile.header(format: WAVFormat(encoding: .pcm16, sampleRate: 8000), dataByteCount: 320)
        #expect(header == bytes("""
            52494646 64010000 57415645 666D7420 10000000 0100 0100 401F0000 803E0000 0200 1000 64617461 40010000
            """))
        let file = try WAVFile.parse(header + [UInt8](repeating: 0, count: 320))
        #expect(file.format == WAVFormat(encoding: .pcm16, sampleRate: 8000))
        #expect(file.dataRange == 44..<364)
        #expect(file.sampleCount == 160)
    }

    @Test(arguments: [WAVEncoding.aLaw, .muLaw])
    func g711HeadersRoundTrip(encoding: WAVEncoding) throws {
        let fmt = WAVFormat(encoding: encoding, sampleRate: 8000)
        let header = WAVFile.header(format: fmt, dataByteCount: 161)
        #expect(header.count == 58)
        let file = try WAVFile.parse(header + [UInt8](repeating: 0xD5, count: 161) + [0])
        #expect(file.format == fmt)
        #expect(file.sampleCount == 161)
        #expect(file.format.encoding.g711Law == (encoding == .aLaw ? .aLaw : .muLaw))
    }

    @Test func skipsUnknownChunksAndUnpatchedSizes() throws {
        let h = WAVFile.header(format: WAVFormat(encoding: .pcm16, sampleRate: 16000), dataByteCount: 0)
        // Insert an odd-sized LIST chunk (padded) before "data", and leave data size 0 (streaming writer).
        let list = Array("LIST".utf8) + [3, 0, 0, 0, 1, 2, 3, 0]
        let wav = Array(h[0..<36]) + list + Array(h[36...]) + [1, 0, 2, 0]
        let file = try WAVFile.parse(wav)
        #expect(file.format.sampleRate == 16000)
        #expect(file.sampleCount == 2)
    }

    @Test func rejectsWhatTheGatewayCannotPlay() {
        #expect(throws: WAVParseError.notRIFF) { try WAVFile.parse(Array("RIFX".utf8) + [UInt8](repeating: 0, count: 40)) }
        var stereo = WAVFile.header(format: WAVFormat(encoding: .pcm16, sampleRate: 8000), dataByteCount: 0)
        stereo[22] = 2
        #expect(throws: WAVParseError.unsupportedChannelCount(2)) { try WAVFile.parse(stereo) }
        var rate = WAVFile.header(format: WAVFormat(encoding: .pcm16, sampleRate: 8000), dataByteCount: 0)
        rate[24] = 0x44; rate[25] = 0xAC                          // 44100
        #expect(throws: WAVParseError.unsupportedSampleRate(44100)) { try WAVFile.parse(rate) }
        let noData = Array(WAVFile.header(format: WAVFormat(encoding: .pcm16, sampleRate: 8000), dataByteCount: 0).prefix(36))
        #expect(throws: WAVParseError.missingDataChunk) { try WAVFile.parse(noData) }
        let truncated = Array(noData) + Array("LIST".utf8) + [100, 0, 0, 0, 1]
        #expect(throws: WAVParseError.chunkTruncated(id: "LIST", offset: 36)) { try WAVFile.parse(truncated) }
    }
}
