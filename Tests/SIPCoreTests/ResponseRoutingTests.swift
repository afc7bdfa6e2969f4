import TestSupport
import Testing
@testable import SIPCore

@Suite("Response routing")
struct ResponseRoutingTests {
    @Test func natSenderGetsReceivedAndRport() throws {
        var m = try SIPParser.parse([UInt8](crlf: typicalInvite))  // Via has ";rport"
        m.stampReceived(sourceHost: "203.0.113.9", sourcePort: 40123)
        let via = try m.topVia()
        #expect(via.received == "203.0.113.9" && via.rport == .some("40123"))
        #expect(via.responseDestination == ResponseDestination(host: "203.0.113.9", port: 40123, reuseConnection: false))
        // The response copies the stamped Via and so routes back to the NAT binding.
        let r = m.makeResponse(180, toTag: "x")
        #expect(try r.topVia().responseDestination.port == 40123)
        #expect(try SIPParser.parse(m.serialized()).topVia().received == "203.0.113.9")
    }

    @Test func sameHostWithoutRportIsLeftAlone() throws {
        var m = request(.options)
        m.stampReceived(sourceHost: "192.0.2.10", sourcePort: 5060)
        #expect(try m.topVia().received == nil)
        #expect(try m.topVia().responseDestination == ResponseDestination(host: "192.0.2.10", port: 5060, reuseConnection: false))
        var tcp = request(.options, transport: "TCP")
        tcp.stampReceived(sourceHost: "192.0.2.99", sourcePort: 33333)
        #expect(try tcp.topVia().responseDestination == ResponseDestination(host: "192.0.2.99", port: 5060, reuseConnection: true))
        let maddr = try Via.parse("SIP/2.0/UDP h.example.com:5070;maddr=239.1.1.1;ttl=1;branch=z9hG4bK1")
        #expect(maddr.responseDestination == ResponseDestination(host: "239.1.1.1", port: 5070, reuseConnection: false))
    }

    @Test func rawBufferOverload() throws {
        let bytes = [UInt8](crlf: typicalInvite)
        let m = try bytes.withUnsafeBytes { buf throws(SIPParseError) in try SIPParser.parse(buf) }
        #expect(m.method == .invite)
    }
}

@Suite("SDP mutation fuzzing")
struct SDPFuzzTests {
    @Test(arguments: ["sdp-pjsip", "sdp-baresip", "sdp-video-first"])
    func mutatedSDPNeverCrashes(_ name: String) throws {
        let original = try Vectors.bytes(name, ext: "sdp")
        var rng = SplitMix64(state: 0xC0FFEE ^ UInt64(original.count))
        let local = LocalMedia(address: "198.51.100.7", audioPort: 30000, sessionID: "1", sessionVersion: 1)
        var outcomes = 0
        for _ in 0..<500 {
            var b = original
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] = MutationFuzzTests.interesting.randomElement(using: &rng)!
            }
            if let s = try? SessionDescription.parse(b) {
                _ = try? SDPOfferAnswer.answer(s, local: local)
                _ = try? SessionDescription.parse(s.serialized())
            }
            outcomes += 1
        }
        #expect(outcomes == 500)
    }

    @Test func streamFramerSplitsRandomChunkBoundaries() throws {
        let one = [UInt8](crlf: typicalInvite)
        var all: [UInt8] = []
        for _ in 0..<20 { all += one + Array("\r\n\r\n".utf8) }
        var rng = SplitMix64(state: 7)
        var framer = SIPStreamFramer()
        var messages = 0, pings = 0, i = 0
        while i < all.count {
            let n = Int.random(in: 1...700, using: &rng)
            framer.receive(all[i..<min(all.count, i + n)])
            i += n
            while let e = try framer.next() {
                switch e {
                case .message: messages += 1
                case .keepAlivePing: pings += 1
                }
            }
        }
        #expect(messages == 20 && pings == 20)
    }
}

@Suite("Serializer safety")
struct SerializerSafetyTests {
    @Test func applicationValuesCannotInjectHeaders() throws {
        var m = request(.invite)
        m.headers.set(.from, NameAddr(displayName: "Evil\r\nX-Injected: 1", uri: SIPURI(user: "a", host: "b")).description + ";tag=1")
        m.headers.append(.subject, "line1\r\nVia: SIP/2.0/UDP attacker")
        let again = try SIPParser.parse(m.serialized())
        #expect(again.headers["X-Injected"] == nil)
        #expect(try again.vias().count == 1)
        #expect(try again.from().displayName == "Evil  X-Injected: 1")
    }

    @Test func framerBufferIsBoundedEvenWithoutDraining() throws {
        var framer = SIPStreamFramer()
        let one = [UInt8](crlf: typicalInvite)
        for _ in 0..<(2 * 65_535 / one.count + 2) { framer.receive(one) }
        #expect(throws: SIPParseError.self) { try framer.next() }
    }
}
