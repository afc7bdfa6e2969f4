import TestSupport
import Testing
@testable import MediaCore

@Suite struct RTCPTests {
    let block = RTCPReportBlock(ssrc: 0x0A0B_0C0D, fractionLost: 64, cumulativeLost: -2,
                                extendedHighestSequence: 0x0001_0005, jitter: 37,
                                lastSR: 0x1234_5678, delaySinceLastSR: 0x0002_8000)

    @Test func receiverReportByteExact() throws {
        let wire = RTCPCompound.serialize([.receiverReport(ssrc: 0x1122_3344, reports: [block])])
        #expect(wire == bytes("""
            81 C9 0007 11223344
            0A0B0C0D 40 FFFFFE 00010005 00000025 12345678 00028000
            """))
        #expect(try RTCPCompound.parse(wire) == [.receiverReport(ssrc: 0x1122_3344, reports: [block])])
    }

    @Test func compoundSRWithSDESAndByeRoundTrips() throws {
        let packets: [RTCPPacket] = [
            .senderReport(ssrc: 7, info: RTCPSenderInfo(ntpTimestamp: 0xE9E8_E7E6_8000_0000, rtpTimestamp: 160_000,
                                                       packetCount: 1000, octetCount: 160_000), reports: [block]),
            .sourceDescription([RTCPSDESChunk(ssrc: 7, items: [.cname("simgate@gw1")])]),
            .bye(ssrcs: [7], reason: "call ended"),
        ]
        let wire = RTCPCompound.serialize(packets)
        #expect(wire.count % 4 == 0)
        let parsed = try RTCPCompound.parse(wire)
        #expect(parsed == packets)
        if case let .sourceDescription(chunks) = parsed[1] { #expect(chunks[0].cname == "simgate@gw1") }
        // SDES chunk: ssrc, CNAME item (1, 11, text), end + padding to 4 bytes -> header+4+13+3 = 24.
        #expect(Array(wire[52..<56]) == bytes("81 CA 0005"))
    }

    @Test func malformedCompoundsYieldNamedErrors() {
        #expect(throws: RTCPParseError.empty) { try RTCPCompound.parse([]) }
        #expect(throws: RTCPParseError.unsupportedVersion(offset: 0, version: 1)) { try RTCPCompound.parse(bytes("41 C9 0001 00000000")) }
        #expect(throws: RTCPParseError.lengthOverrun(offset: 0, declaredBytes: 32, available: 8)) {
            try RTCPCompound.parse(bytes("81 C9 0007 11223344"))
        }
        #expect(throws: RTCPParseError.countOverrun(offset: 0, count: 1)) { try RTCPCompound.parse(bytes("81 C9 0001 11223344")) }
        #expect(throws: RTCPParseError.sdesTruncated(offset: 0)) { try RTCPCompound.parse(bytes("81 CA 0002 00000007 01 09 6162")) }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<20000 {
            let n = Int.random(in: 0..<80, using: &rng)
            var b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if n > 3 { b[0] = 0x80 | (b[0] & 0x3F); b[1] = 200 + b[1] % 5; b[2] = 0; b[3] = b[3] % 24 }
            _ = try? RTCPCompound.parse(b)
        }
    }

    @Test func sessionReportsAndComputesRoundTrip() throws {
        var g = SplitMix64(seed: 11)
        var a = RTPSession<String>(sender: RTPSender(using: &g), cname: "a@gw")
        var b = RTPSession<String>(sender: RTPSender(using: &g), cname: "b@pbx")
        // A sends 50 frames to B.
        for i in 0..<50 {
            let h = a.sender.audioHeader(payloadType: 8, samples: 160)
            a.sender.recordSent(payloadBytes: 160)
            _ = b.receiver.receive(h, from: "a", now: .milliseconds(Int64(20 * i)))
        }
        // A's SR at NTP second 100.0 reaches B 50 ms later; B answers 1 s later; A gets it 50 ms later.
        let ntp0: UInt64 = 100 << 32
        let sr = a.makeReport(now: .milliseconds(1000), ntpNow: ntp0)
        #expect(sr[1] == 200)                               // SR first
        _ = try b.receiveRTCP(sr, now: .milliseconds(1050), ntpNow: 0)
        let rr = b.makeReport(now: .milliseconds(2050), ntpNow: 0)
        #expect(rr[1] == 201)                               // B sent nothing: RR
        let events = try a.receiveRTCP(rr, now: .milliseconds(2100), ntpNow: ntp0 + (UInt64(1) << 32) + (UInt64(1) << 32) / 10)
        guard case let .receptionReport(report, rtt)? = events.first else { Issue.record("no report"); return }
        #expect(report.cumulativeLost == 0)
        #expect(report.extendedHighestSequence == UInt32(a.sender.nextSequenceNumber &- 1))
        #expect(abs((rtt ?? 0) - 0.1) < 0.001)             // 1.1 s elapsed - 1.0 s held = 100 ms
        // A's BYE reaches B, which knows A as its source; B's BYE means nothing to A (never heard from B).
        let byeA = a.makeBye(now: .milliseconds(3000), ntpNow: ntp0, reason: "bye")
        #expect(try b.receiveRTCP(byeA, now: .milliseconds(3000), ntpNow: 0).contains(.bye(ssrc: a.sender.ssrc, reason: "bye")))
        let byeB = b.makeBye(now: .milliseconds(3000), ntpNow: 0, reason: "bye")
        #expect(try a.receiveRTCP(byeB, now: .milliseconds(3000), ntpNow: 0).contains { if case .bye = $0 { true } else { false } } == false)
    }
}
