import Testing
@testable import MediaCore

@Suite struct JitterBufferTests {
    /// A frame whose every sample is `marker`, so playout order is visible.
    func frame(_ marker: Int16) -> [Int16] { [Int16](repeating: marker, count: 160) }

    @discardableResult
    func insert(_ jb: inout JitterBuffer, index: Int, at ms: Int64, base: UInt32 = 5000) -> JitterBufferInsertResult {
        frame(Int16(100 + index)).withUnsafeBufferPointer {
            jb.insert(timestamp: base &+ UInt32(160 * index), samples: $0, now: .milliseconds(ms))
        }
    }

    func pop(_ jb: inout JitterBuffer, at ms: Int64) -> (PlayoutKind, [Int16]) {
        var out = [Int16](repeating: -1, count: 160)
        let kind = out.withUnsafeMutableBufferPointer { jb.pop(now: .milliseconds(ms), into: $0) }
        return (kind, out)
    }

    @Test func reordersAndDropsDuplicates() {
        var jb = JitterBuffer()
        // Frames 0..5 arrive 2,0,1,1(dup),4,3,5 within the first 40 ms (prefill = 2 frames).
        for (i, idx) in [2, 0, 1, 1, 4, 3, 5].enumerated() {
            let r = insert(&jb, index: idx, at: Int64(i * 5))
            #expect(r == (i == 3 ? .duplicate : .stored))
        }
        #expect(jb.statistics.duplicates == 1)
        // The shuffled arrivals read as jitter, so prefill may exceed 40 ms; then all six play in order.
        var played: [Int16] = []
        var t: Int64 = 40
        while played.count < 6 && t < 400 {
            let (kind, out) = pop(&jb, at: t)
            if kind == .frame { played.append(out[0]) } else { #expect(played.isEmpty && kind == .silence) }
            t += 20
        }
        #expect(played == [100, 101, 102, 103, 104, 105])
        #expect(jb.statistics.framesConcealed == 0)
    }

    @Test func prefillsToTargetDelayBeforePlaying() {
        var jb = JitterBuffer()
        insert(&jb, index: 0, at: 0)
        #expect(pop(&jb, at: 0).0 == .silence)
        #expect(pop(&jb, at: 20).0 == .silence)
        insert(&jb, index: 1, at: 20)
        #expect(pop(&jb, at: 40).0 == .frame)     // 2-frame (40 ms) minimum target reached
    }

    @Test func concealsLossThenComfortSilence() {
        var jb = JitterBuffer()
        insert(&jb, index: 0, at: 0)
        insert(&jb, index: 1, at: 20)
        #expect(pop(&jb, at: 40).1[0] == 100)
        #expect(pop(&jb, at: 60).1[0] == 101)
        // Frames 2...6 are lost, 7 arrives; frames 2-4 concealed (3/4, 1/2, 1/4 of 101), 5-6 silent.
        insert(&jb, index: 7, at: 65)
        let expected: [(PlayoutKind, Int16)] = [(.concealed, 75), (.concealed, 50), (.concealed, 25), (.silence, 0), (.silence, 0), (.frame, 107)]
        var t: Int64 = 80
        for (kind, value) in expected {
            let (k, out) = pop(&jb, at: t)
            #expect(k == kind && out[0] == value && out[159] == value, "at \(t): \(k) \(out[0])")
            t += 20
        }
        #expect(jb.statistics.framesConcealed == 3)
    }

    @Test func latePacketsAreDroppedAndRaiseTheTarget() {
        var jb = JitterBuffer()
        insert(&jb, index: 0, at: 0)
        insert(&jb, index: 1, at: 20)
        _ = pop(&jb, at: 40); _ = pop(&jb, at: 60); _ = pop(&jb, at: 80)   // frame 2 missing -> concealed
        let before = jb.targetFrames
        #expect(insert(&jb, index: 2, at: 85) == .late)
        #expect(jb.statistics.late == 1)
        #expect(jb.targetFrames == before + 1)
    }

    @Test func depthIsBoundedAndOverflowDropsOldest() {
        var config = JitterBufferConfiguration()
        config.maxDepthFrames = 10
        var jb = JitterBuffer(configuration: config)
        // A burst of 25 frames at once (e.g. after a network stall).
        for i in 0..<25 { insert(&jb, index: i, at: 0) }
        #expect(jb.depth <= 10)
        #expect(jb.statistics.maxDepthSeen <= 10)
        #expect(jb.statistics.overflowDropped == 15)
        // Playout continues with the newest frames, in order.
        let (kind, out) = pop(&jb, at: 100)
        #expect(kind == .frame && out[0] == 115)
    }

    @Test func targetDelayAdaptsToMeasuredJitter() {
        var jb = JitterBuffer()
        var t: Int64 = 0
        // Steady arrivals: target stays at the 2-frame minimum.
        for i in 0..<100 { insert(&jb, index: i, at: t); _ = pop(&jb, at: t + 40); t += 20 }
        #expect(jb.targetFrames == 2)
        // Arrivals now alternate 0 / 30 ms late: A.8 jitter -> 240 units, target 1 + 4*240/160 = 7.
        for i in 100..<300 { insert(&jb, index: i, at: t + (i % 2 == 0 ? 0 : 30)); _ = pop(&jb, at: t + 40); t += 20 }
        #expect(abs(jb.jitterSamples - 240) < 1)
        #expect(jb.targetFrames >= 7 && jb.targetFrames <= 9)
    }

    @Test func underrunRebuffersAndResyncsAfterSilenceSuppression() {
        var jb = JitterBuffer()
        insert(&jb, index: 0, at: 0)
        insert(&jb, index: 1, at: 20)
        var t: Int64 = 40
        for _ in 0..<2 { #expect(pop(&jb, at: t).0 == .frame); t += 20 }
        // Sender stops (silence suppression) for 2 s, then resumes 100 frames later.
        for _ in 0..<100 { _ = pop(&jb, at: t); t += 20 }
        #expect(jb.statistics.underruns >= 4)
        #expect(!jb.isPlaying)
        #expect(insert(&jb, index: 102, at: t) == .stored)
        insert(&jb, index: 103, at: t + 20)
        _ = pop(&jb, at: t + 20)
        let (kind, out) = pop(&jb, at: t + 40)
        #expect(kind == .frame && out[0] == 202)
    }

    @Test func decodesG711StraightIntoTheRing() {
        var jb = JitterBuffer()
        let payload = [UInt8](repeating: G711.encodeALaw(1000), count: 320)    // 40 ms packet
        let r = payload.withUnsafeBytes { jb.insert(timestamp: 0, g711: $0, law: .aLaw, now: .zero) }
        #expect(r == .stored)
        #expect(jb.depth == 2)
        let (k, out) = pop(&jb, at: 40)
        #expect(k == .frame && out[0] == G711.decodeALaw(G711.encodeALaw(1000)))
        let odd = [UInt8](repeating: 0, count: 100)
        #expect(odd.withUnsafeBytes { jb.insert(timestamp: 320, g711: $0, law: .aLaw, now: .zero) } == .wrongSize(samples: 100))
    }

    @Test func timestampWrapIsSeamless() {
        var jb = JitterBuffer()
        let base: UInt32 = 0xFFFF_FF00
        for i in 0..<4 { frame(Int16(100 + i)).withUnsafeBufferPointer { _ = jb.insert(timestamp: base &+ UInt32(160 * i), samples: $0, now: .milliseconds(Int64(20 * i))) } }
        var got: [Int16] = []
        for i in 0..<4 { got.append(pop(&jb, at: 40 + Int64(20 * i)).1[0]) }
        #expect(got == [100, 101, 102, 103])
    }
}
