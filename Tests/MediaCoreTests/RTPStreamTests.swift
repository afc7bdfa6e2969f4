import TestSupport
import Testing
@testable import MediaCore

@Suite struct RTPSenderTests {
    @Test func randomInitialValuesComeFromTheInjectedGenerator() {
        var g1 = SplitMix64(seed: 1), g2 = SplitMix64(seed: 1), g3 = SplitMix64(seed: 2)
        let a = RTPSender(using: &g1), b = RTPSender(using: &g2), c = RTPSender(using: &g3)
        #expect(a == b)
        #expect(a.ssrc != c.ssrc)
    }

    @Test func sequenceTimestampAndMarkerOnTalkspurts() {
        var s = RTPSender(ssrc: 9, initialSequenceNumber: 65534, initialTimestamp: 0xFFFF_FF00)
        let h1 = s.audioHeader(payloadType: 8, samples: 160)
        let h2 = s.audioHeader(payloadType: 8, samples: 160)
        #expect(h1.marker && !h2.marker)
        #expect(h1.sequenceNumber == 65534 && h2.sequenceNumber == 65535)
        #expect(h2.timestamp == 0xFFFF_FFA0)
        s.skip(samples: 480)                               // 60 ms of suppressed silence
        let h3 = s.audioHeader(payloadType: 8, samples: 160)
        #expect(h3.marker)
        #expect(h3.sequenceNumber == 0)                    // wrapped, no gap
        #expect(h3.timestamp == 0xFFFF_FF00 &+ 320 &+ 480)
    }
}

@Suite struct RTPReceiverTests {
    typealias Receiver = RTPReceiver<String>

    func header(_ seq: UInt16, ts: UInt32, ssrc: UInt32 = 0xAAAA) -> RTPHeader {
        RTPHeader(payloadType: 8, sequenceNumber: seq, timestamp: ts, ssrc: ssrc)
    }

    @Test func probationThenLatchOnFirstValidSource() {
        var r = Receiver()
        let first = r.receive(header(100, ts: 0), from: "A", now: .milliseconds(0))
        #expect(first.dropReason == .probation)
        #expect(r.latchedAddress == nil)
        let second = r.receive(header(101, ts: 160), from: "A", now: .milliseconds(20))
        #expect(second.shouldDeliver)
        #expect(second.latchEvent == .latched("A"))
        #expect(r.latchedAddress == "A")
    }

    @Test func sequenceWrapExtendsHighestSequence() {
        var r = Receiver()
        var ts: UInt32 = 0
        var seq: UInt16 = 65530
        for i in 0..<12 {
            let res = r.receive(header(seq, ts: ts), from: "A", now: .milliseconds(Int64(20 * i)))
            if i > 0 { #expect(res.shouldDeliver) }
            seq &+= 1; ts &+= 160
        }
        // Last seq was 65530 + 11 = 5 in cycle 1.
        #expect(r.extendedHighestSequence == 65536 + 5)
        #expect(r.packetsExpected == 11)
        #expect(r.packetsReceived == 11)
        #expect(r.cumulativeLost == 0)
    }

    @Test func lossAndFractionLostInReportBlock() throws {
        var r = Receiver()
        var now: Int64 = 0
        // seq 1...20 with 5 and 6 and 12 lost.
        for seq in 1...20 where ![5, 6, 12].contains(seq) {
            _ = r.receive(header(UInt16(seq), ts: UInt32(seq * 160)), from: "A", now: .milliseconds(now))
            now += 20
        }
        // Probation: seq 1 was consumed validating; counting starts at seq 2.
        #expect(r.packetsExpected == 19)
        #expect(r.packetsReceived == 16)
        #expect(r.cumulativeLost == 3)
        let maybeBlock = r.makeReportBlock(now: .milliseconds(now))
        let block = try #require(maybeBlock)
        #expect(block.cumulativeLost == 3)
        #expect(block.fractionLost == UInt8(3 * 256 / 19))
        #expect(block.extendedHighestSequence == 20)
        // Next interval without loss: fraction 0, cumulative unchanged.
        for seq in 21...30 { _ = r.receive(header(UInt16(seq), ts: UInt32(seq * 160)), from: "A", now: .milliseconds(now)) }
        let maybeBlock2 = r.makeReportBlock(now: .milliseconds(now))
        let block2 = try #require(maybeBlock2)
        #expect(block2.fractionLost == 0)
        #expect(block2.cumulativeLost == 3)
    }

    @Test func jitterFollowsRFC3550FormulaOnSyntheticArrivals() {
        // Packets sent every 20 ms (160 units); arrival delay alternates 0 and 10 ms, so every
        // |D(i-1,i)| is 80 units and J_n = J_(n-1) + (80 - J_(n-1))/16 = 80 (1 - (15/16)^n).
        var r = Receiver()
        let packets = 41
        for i in 0..<packets {
            let extra: Int64 = i % 2 == 0 ? 0 : 10
            _ = r.receive(header(UInt16(i), ts: UInt32(1000 + 160 * i)), from: "A", now: .milliseconds(Int64(20 * i) + extra))
        }
        // Jitter starts with the first delivered packet (index 1); 39 differences follow.
        let n = Double(packets - 2)
        let expected = 80 * (1 - pow15over16(n))
        #expect(abs(r.jitterSamples - expected) < 1e-9, "\(r.jitterSamples) vs \(expected)")
        #expect(r.jitter == UInt32(expected))
    }

    func pow15over16(_ n: Double) -> Double { MathFunctions.pow(15.0 / 16.0, n) }

    @Test func largeJumpNeedsConfirmationThenResyncs() {
        var r = Receiver()
        _ = r.receive(header(10, ts: 0), from: "A", now: .zero)
        _ = r.receive(header(11, ts: 160), from: "A", now: .zero)
        let jump = r.receive(header(20000, ts: 320), from: "A", now: .zero)
        #expect(jump.dropReason == .badSequence)
        let confirm = r.receive(header(20001, ts: 480), from: "A", now: .zero)
        #expect(confirm.shouldDeliver)
        #expect(r.extendedHighestSequence == 20001)
    }

    @Test func relatchesOnlyAfterLatchedSourceFallsSilent() {
        var r = Receiver()
        var t: Int64 = 0
        var seq: UInt16 = 1
        func send(_ addr: String, _ ssrc: UInt32 = 0xAAAA) -> RTPReceiveResult<String> {
            defer { seq &+= 1; t += 20 }
            return r.receive(header(seq, ts: UInt32(seq) * 160, ssrc: ssrc), from: addr, now: .milliseconds(t))
        }
        _ = send("A"); _ = send("A")
        #expect(r.latchedAddress == "A")
        // A stray stream from B while A is live: never delivered, never latched.
        var strayT = t
        for i in 0..<10 {
            let res = r.receive(header(UInt16(5000 + i), ts: 0, ssrc: 0xBBBB), from: "B", now: .milliseconds(strayT))
            #expect(res.dropReason == .foreignSource)
            _ = send("A")
            strayT += 20
        }
        #expect(r.latchedAddress == "A")
        #expect(r.foreignPackets == 10)
        // NAT rebinding: the same stream now arrives from C and A stops.
        var relatch: RTPLatchEvent<String>?
        var dropped = 0
        for _ in 0..<10 {
            let res = send("C")
            if let e = res.latchEvent { relatch = e }
            if !res.shouldDeliver { dropped += 1 }
        }
        #expect(relatch == .relatched(from: "A", to: "C"))
        #expect(r.latchedAddress == "C")
        // Packets at +20...+80 ms after A fell silent are dropped; the one at +100 ms re-latches.
        #expect(dropped == 4)
    }

    @Test func newSSRCFromLatchedAddressTakesOverAfterProbation() {
        var r = Receiver()
        _ = r.receive(header(1, ts: 0), from: "A", now: .zero)
        _ = r.receive(header(2, ts: 160), from: "A", now: .zero)
        let a = r.receive(header(900, ts: 5, ssrc: 0xBBBB), from: "A", now: .zero)
        #expect(!a.shouldDeliver)
        let b = r.receive(header(901, ts: 165, ssrc: 0xBBBB), from: "A", now: .zero)
        #expect(b.latchEvent == .ssrcChanged(from: 0xAAAA, to: 0xBBBB))
        #expect(r.ssrc == 0xBBBB)
    }
}
