import Testing
@testable import MediaCore

@Suite struct PCMFrameTests {
    @Test func s16leRoundTrip() {
        let samples: [Int16] = [0, 1, -1, 0x1234, -32768, 32767]
        var raw = [UInt8](repeating: 0, count: 12)
        let w = samples.withUnsafeBufferPointer { s in raw.withUnsafeMutableBytes { PCMFrame.s16le(from: s, into: $0) } }
        #expect(w == 12)
        #expect(raw == [0x00, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0x34, 0x12, 0x00, 0x80, 0xFF, 0x7F])
        var back = [Int16](repeating: 7, count: 6)
        let n = raw.withUnsafeBytes { r in back.withUnsafeMutableBufferPointer { PCMFrame.samples(fromS16LE: r, into: $0) } }
        #expect(n == 6)
        #expect(back == samples)
    }

    @Test func framerCutsArbitraryReadsIntoWholeFrames() {
        var framer = PCMFramer(frameBytes: 320)
        let stream = (0..<1000).map { UInt8($0 % 251) }
        var frames: [[UInt8]] = []
        var offset = 0
        for chunk in [1, 319, 7, 333, 2, 200, 138] {   // odd sizes, like serial reads
            stream[offset..<offset + chunk].withUnsafeBytes { raw in
                framer.feed(raw) { frames.append(Array($0)) }
            }
            offset += chunk
        }
        #expect(offset == 1000)
        #expect(frames.count == 3)
        #expect(frames.flatMap { $0 } == Array(stream.prefix(960)))
        #expect(framer.bufferedBytes == 40)
        framer.reset()
        #expect(framer.bufferedBytes == 0)
    }

    @Test func levelOfFullScaleSineIsAboutMinus3dBFS() {
        let x = toInt16(sine(frequency: 1000, amplitude: 32767, count: 160))
        let level = x.withUnsafeBufferPointer { PCMFrame.levelDBFS($0) }
        #expect(abs(level + 3.01) < 0.1)
        let silent = [Int16](repeating: 0, count: 160)
        #expect(silent.withUnsafeBufferPointer { PCMFrame.levelDBFS($0) } == -.infinity)
    }
}
