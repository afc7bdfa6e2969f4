import TestSupport
import Testing
@testable import MediaCore

@Suite struct RTPPacketTests {
    @Test func serializesTheFixedHeaderByteExact() throws {
        let h = RTPHeader(marker: true, payloadType: 8, sequenceNumber: 0x1234, timestamp: 0xDEAD_BEEF, ssrc: 0x0102_0304)
        let out = try h.serialized(payload: [0xD5, 0xD5])
        #expect(out == bytes("80 88 1234 DEADBEEF 01020304 D5D5"))
    }

    @Test func roundTripsWithCSRCsAndPadding() throws {
        let h = RTPHeader(marker: false, payloadType: 0, sequenceNumber: 65535, timestamp: 160,
                          ssrc: 0xCAFE_BABE, csrcs: RTPCSRCList([1, 2, 0xFFFF_FFFF]))
        let payload: [UInt8] = Array(0..<160)
        let wire = try h.serialized(payload: payload, paddingCount: 4)
        #expect(wire.count == 12 + 12 + 160 + 4)
        #expect(wire[0] == 0xA3)        // V=2, P=1, CC=3
        #expect(wire.last == 4)
        let p = try RTPPacket.parse(wire)
        #expect(p.header == h)
        #expect(Array(p.header.csrcs) == [1, 2, 0xFFFF_FFFF])
        #expect(p.paddingCount == 4)
        #expect(Array(wire[p.payloadRange]) == payload)
    }

    @Test func skipsHeaderExtension() throws {
        // X=1, RFC 8285 one-byte extension (0xBEDE), 1 word of data, then payload.
        let wire = bytes("90 08 0001 00000140 11223344 BEDE 0001 10AA0000 D5D4D3")
        let p = try RTPPacket.parse(wire)
        #expect(p.headerExtension == RTPHeaderExtension(profile: 0xBEDE, dataRange: 16..<20))
        #expect(Array(wire[p.payloadRange]) == [0xD5, 0xD4, 0xD3])
        #expect(p.header.timestamp == 320)
    }

    @Test func invalidInputYieldsNamedErrors() {
        #expect(throws: RTPParseError.tooShort(length: 11)) { try RTPPacket.parse([UInt8](repeating: 0x80, count: 11)) }
        #expect(throws: RTPParseError.unsupportedVersion(1)) { try RTPPacket.parse(bytes("40 00 0000 00000000 00000000")) }
        #expect(throws: RTPParseError.csrcListTruncated(csrcCount: 2, length: 16)) {
            try RTPPacket.parse(bytes("82 00 0000 00000000 00000000 00000001"))
        }
        #expect(throws: RTPParseError.extensionTruncated(offset: 12, needed: 12, length: 18)) {
            try RTPPacket.parse(bytes("90 00 0000 00000000 00000000 BEDE 0002 0000"))
        }
        #expect(throws: RTPParseError.invalidPadding(count: 0, available: 2)) {
            try RTPPacket.parse(bytes("A0 00 0000 00000000 00000000 D5 00"))
        }
        #expect(throws: RTPParseError.invalidPadding(count: 9, available: 2)) {
            try RTPPacket.parse(bytes("A0 00 0000 00000000 00000000 D5 09"))
        }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 7)
        var parsed = 0
        for _ in 0..<20000 {
            let n = Int.random(in: 0..<64, using: &rng)
            var b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if n > 0 { b[0] = (b[0] & 0x3F) | 0x80 }
            if let p = try? RTPPacket.parse(b) {
                parsed += 1
                #expect(p.payloadRange.upperBound <= n)
            }
        }
        #expect(parsed > 0)
    }

    @Test func writeReportsSmallBuffer() {
        let h = RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1)
        var small = [UInt8](repeating: 0, count: 20)
        let payload = [UInt8](repeating: 0xFF, count: 160)
        let result = small.withUnsafeMutableBytes { buf in
            payload.withUnsafeBytes { p in Result { () throws(RTPSerializeError) in try h.write(payload: p, into: buf) } }
        }
        #expect(throws: RTPSerializeError.bufferTooSmall(needed: 172, available: 20)) { try result.get() }
    }
}
