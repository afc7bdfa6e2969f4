import Testing
@testable import MediaCore

@Suite struct G711Tests {
    @Test func silenceCodes() {
        #expect(G711.encodeALaw(0) == 0xD5)
        #expect(G711.encodeMuLaw(0) == 0xFF)
        #expect(G711Law.aLaw.silenceCode == 0xD5)
        #expect(G711Law.muLaw.silenceCode == 0xFF)
        // Both silence codes decode to (near) zero.
        #expect(abs(Int(G711.decodeALaw(0xD5))) <= 8)
        #expect(G711.decodeMuLaw(0xFF) == 0)
    }

    @Test func knownCodePoints() {
        // µ-law: 0x00 / 0x80 are the extremes (±32124), 0x7F and 0xFF are the two zeros.
        #expect(G711.decodeMuLaw(0x00) == -32124)
        #expect(G711.decodeMuLaw(0x80) == 32124)
        #expect(G711.decodeMuLaw(0x7F) == 0)
        #expect(G711.encodeMuLaw(32767) == 0x80)
        #expect(G711.encodeMuLaw(-32768) == 0x00)
        // A-law: 0xAA / 0x2A are the extremes (±32256), 0xD5 / 0x55 the smallest steps (±8).
        #expect(G711.decodeALaw(0xAA) == 32256)
        #expect(G711.decodeALaw(0x2A) == -32256)
        #expect(G711.decodeALaw(0xD5) == 8)
        #expect(G711.decodeALaw(0x55) == -8)
        #expect(G711.encodeALaw(32767) == 0xAA)
        #expect(G711.encodeALaw(-32768) == 0x2A)
        // Segment boundary: A-law 13-bit 0x20 (=256 at 16-bit) starts segment 1 (0xD5 ^ 0x10).
        #expect(G711.encodeALaw(256) == 0xC5)
        #expect(G711.encodeALaw(255) == 0xD5 ^ 0x0F)
    }

    @Test func everyCodeSurvivesDecodeEncode() {
        for c in 0...255 {
            let code = UInt8(c)
            #expect(G711.encodeALaw(G711.decodeALaw(code)) == code, "A-law \(code)")
            if code != 0x7F {   // µ-law's negative zero decodes to 0, which encodes as 0xFF
                #expect(G711.encodeMuLaw(G711.decodeMuLaw(code)) == code, "µ-law \(code)")
            }
        }
    }

    @Test func tablesMatchTheSegmentDefinitionForEverySample() {
        for v in Int(Int16.min)...Int(Int16.max) {
            let s = Int16(v)
            if G711.encodeALaw(s) != G711.computeALaw(s) || G711.encodeMuLaw(s) != G711.computeMuLaw(s) {
                Issue.record("table mismatch at \(s)")
                return
            }
        }
    }

    @Test(arguments: G711Law.allCases)
    func roundTripErrorIsBoundedByTheQuantizationStep(law: G711Law) {
        // Step grows with the segment: error <= max(16, |x| / 16) (A-law <= 1/32 of the value + 1 step
        // at the bottom; µ-law similar). Outside the clip level the error is the clip.
        for v in stride(from: -32000, through: 32000, by: 7) {
            let s = Int16(v)
            let back = Int(G711.decode(law, G711.encode(law, s)))
            let err = Double(abs(back - v))
            let bound = max(16.0, Double(abs(v)) / 16)
            #expect(err <= bound, "\(law) \(v) -> \(back)")
        }
    }

    @Test(arguments: G711Law.allCases)
    func oneKilohertzToneKeepsFrequencyAndSNR(law: G711Law) throws {
        // -10 dBm0 tone, one second.
        for f in [1000.0, 1004.0] {
            let x = toInt16(sine(frequency: f, amplitude: ToneLevel.peak(dBm0: -10), count: 8000))
            let y = g711RoundTrip(x, law)
            let a = try #require(FrequencyAnalysis.analyze(y))
            #expect(abs(a.frequency - f) <= 2, "\(law) \(f): \(a.frequency)")
            #expect(a.snrDB >= 30, "\(law) \(f): SNR \(a.snrDB)")
            // At 1004 Hz (ITU-T O.132's test tone, not a submultiple of 8 kHz) the quantization
            // error is noise-like and G.711 gives ~35-39 dB; much more would mean the codec is
            // bypassed. (1000 Hz = fs/8 repeats 8 sample values, so its error can be tiny.)
            if f == 1004 { #expect(a.snrDB <= 45, "\(law): SNR \(a.snrDB)") }
        }
    }

    @Test func bufferAPIHonoursTheShorterBuffer() {
        let samples: [Int16] = [0, 1000, -1000, 32767]
        var codes = [UInt8](repeating: 0x11, count: 3)
        let n = samples.withUnsafeBufferPointer { s in codes.withUnsafeMutableBytes { G711.encode(.aLaw, samples: s, into: $0) } }
        #expect(n == 3)
        #expect(codes == samples.prefix(3).map(G711.encodeALaw))
    }
}
