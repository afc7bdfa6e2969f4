import TestSupport
import Testing
@testable import SIPCore

/// A typical INVITE from a desk phone (shape of what PJSIP/baresip send).
let typicalInvite = """
INVITE sip:0671234567@gw.example.net SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKPj3f1c2a
Max-Forwards: 70
From: "Dispatcher 7" <sip:1007@gw.example.net>;tag=a83f2c
To: <sip:0671234567@gw.example.net>
Contact: <sip:1007@192.0.2.10:5060;ob>
Call-ID: 6f3c1a2b-77de-4c1e-9a1b-1f2e3d4c5b6a
CSeq: 4711 INVITE
Allow: PRACK, INVITE, ACK, BYE, CANCEL, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER, MESSAGE, OPTIONS
Supported: replaces, 100rel, timer, norefersub
User-Agent: PJSUA v2.15.1 Linux
Content-Type: application/sdp
Content-Length:   227

v=0
o=- 3916395341 3916395341 IN IP4 192.0.2.10
s=pjmedia
c=IN IP4 192.0.2.10
t=0 0
m=audio 4000 RTP/AVP 8 0 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendrecv

"""

@Suite("Parser")
struct ParserTests {
    @Test func typicalInviteParses() throws {
        let m = try SIPParser.parse([UInt8](crlf: typicalInvite))
        #expect(m.method == .invite)
        #expect(m.requestURI?.sipURI?.user == "0671234567")
        #expect(try m.topVia().rport == .some(nil))
        #expect(try m.topVia().sentBy == "192.0.2.10:5060")
        #expect(m.headers.values(.allow).count == 12)
        #expect(m.headers.values(.supported) == ["replaces", "100rel", "timer", "norefersub"])
        #expect(m.body.count == 227)
    }

    @Test func compactFormsMapToLongNames() throws {
        let text = """
        OPTIONS sip:a@example.com SIP/2.0
        v: SIP/2.0/TCP h.example.com;branch=z9hG4bK1
        f: <sip:b@example.com>;tag=1
        t: <sip:a@example.com>
        i: abc@h
        CSeq: 1 OPTIONS
        m: <sip:b@h.example.com>
        k: timer
        s: hello
        o: presence
        r: <sip:c@example.com>
        b: <sip:d@example.com>
        u: talk
        e: gzip
        c: text/plain
        l: 2

        hi
        """
        let m = try SIPParser.parse([UInt8](crlf: text))
        #expect(m.headers.fields.map(\.name.name) == ["Via", "From", "To", "Call-ID", "CSeq", "Contact", "Supported", "Subject",
                                                       "Event", "Refer-To", "Referred-By", "Allow-Events", "Content-Encoding",
                                                       "Content-Type", "Content-Length"])
        #expect(m.body == Array("hi".utf8))
        #expect(SIPHeaderName("CALL-id") == .callID)
        #expect(SIPHeaderName("X-Custom").name == "X-Custom")
    }

    @Test func listValuesSplitOutsideQuotesAndAngles() throws {
        let v: Substring = #""A, B" <sip:a,b@x;p=1>;q=0.5 , <sip:b@y>, "C\"," <sip:c@z>"#
        let parts = SIPGrammar.splitList(v)
        #expect(parts.count == 3)
        #expect(try NameAddr.parse(parts[0], header: "Contact").displayName == "A, B")
        #expect(try NameAddr.parse(parts[2], header: "Contact").displayName == "C\",")
    }

    @Test func sipsTelAndIPv6URIs() throws {
        let u = try SIPURI.parse("sips:alice:pw@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&priority=urgent")
        #expect(u.isSecure && u.user == "alice" && u.password == "pw")
        #expect(u.host == "2001:db8::1" && u.isIPv6Reference && u.port == 5061)
        #expect(u.transportParameter == "tcp" && u.isLooseRouter)
        #expect(u.headers.map(\.name) == ["subject", "priority"])
        #expect(u.description == "sips:alice:pw@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&priority=urgent")
        guard case let .tel(t) = try URI.parse("tel:+1-201-555-0123;ext=99") else { Issue.record("tel"); return }
        #expect(t.isGlobal && t.digits == "+12015550123" && t.parameters.parameter("ext") == .some("99"))
        #expect(throws: SIPParseError.self) { try SIPURI.parse("sip:[2001:db8::1") }
        #expect(throws: SIPParseError.self) { try SIPURI.parse("sip:host:99999") }
        #expect(throws: SIPParseError.self) { try SIPURI.parse("sip:us%zzer@host") }
        let via = try Via.parse("SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKx;received=2001:db8::1")
        #expect(via.host == "2001:db8::9" && via.port == 5070 && via.received == "2001:db8::1")
        #expect(via.description == "SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKx;received=2001:db8::1")
    }

    @Test func uriEqualityUnescapesTheUserPart() throws {
        #expect(try SIPURI.parse("sip:%75se%72@EXAMPLE.com") == SIPURI.parse("sip:user@example.com"))
        #expect(try SIPURI.parse("sip:user@example.com") != SIPURI.parse("sip:User@example.com"))
        #expect(try SIPURI.parse("sip:user@example.com;transport=tcp") != SIPURI.parse("sip:user@example.com"))
        #expect(try Set([SIPURI.parse("sip:%75ser@h"), SIPURI.parse("sip:user@H")]).count == 1)
    }

    @Test func bareLFLineEndsAreAccepted() throws {
        let text = "OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:x@y>;tag=1\nTo: <sip:a@b>\nCall-ID: 1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"
        #expect(try SIPParser.parse(Array(text.utf8)).method == .options)
    }

    @Test func limitsAreEnforcedWithNamedErrors() throws {
        var limits = SIPLimits()
        limits.maxHeaderCount = 8
        let m = [UInt8](crlf: typicalInvite)
        #expect(throws: SIPParseError.tooManyHeaders(limit: 8)) { try SIPParser.parse(m, limits: limits) }
        limits = SIPLimits()
        limits.maxMessageSize = 100
        #expect(throws: SIPParseError.messageTooLarge(size: m.count, limit: 100)) { try SIPParser.parse(m, limits: limits) }
        limits = SIPLimits()
        limits.maxHeaderLineLength = 80
        #expect(throws: SIPParseError.headerTooLong(name: "Allow", length: 96, limit: 80)) { try SIPParser.parse(m, limits: limits) }
        let longURI = "INVITE sip:" + String(repeating: "a", count: 3000) + "@h SIP/2.0\r\n\r\n"
        #expect(throws: SIPParseError.uriTooLong(length: 3006, limit: 2048)) { try SIPParser.parseUnvalidated(Array(longURI.utf8)) }
    }

    @Test func unaddressableTooLongURIGetsNoResponseButAddressableGets414() throws {
        let text = "OPTIONS sip:" + String(repeating: "a", count: 3000) + "@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        guard case let .reject(error, response) = SIPParser.parseOrReject(Array(text.utf8)) else { Issue.record("expected reject"); return }
        #expect(error == .uriTooLong(length: 3006, limit: 2048))
        #expect(response.statusCode == 414)
    }
}

@Suite("Stream framer")
struct StreamFramerTests {
    @Test func deliversMessagesFedOneByteAtATime() throws {
        let one = [UInt8](crlf: typicalInvite)
        var framer = SIPStreamFramer()
        var got: [SIPMessage] = []
        for b in one + one {
            framer.receive([b])
            while let ev = try framer.next() { if case let .message(m) = ev { got.append(m) } }
        }
        #expect(got.count == 2)
        #expect(got.allSatisfy { $0.body.count == 227 })
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func keepAlivePingsAndStrayCRLFs() throws {
        var framer = SIPStreamFramer()
        framer.receive(Array("\r\n\r\n".utf8))
        #expect(try framer.next() == .keepAlivePing)
        framer.receive(Array("\r\n".utf8) + [UInt8](crlf: typicalInvite))
        guard case .message = try framer.next() else { Issue.record("expected message"); return }
        #expect(try framer.next() == nil)
    }

    @Test func missingContentLengthOnStreamIsAnErrorAndSticks() throws {
        var framer = SIPStreamFramer()
        framer.receive(Array("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n".utf8))
        #expect(throws: SIPParseError.missingContentLength) { try framer.next() }
        framer.receive([UInt8](crlf: typicalInvite))
        #expect(throws: SIPParseError.missingContentLength) { try framer.next() }
    }

    @Test func endlessHeadersAreCutAtTheHeaderSectionLimit() throws {
        var framer = SIPStreamFramer()
        framer.receive(Array("OPTIONS sip:a@b SIP/2.0\r\n".utf8))
        for _ in 0..<2000 { framer.receive(Array("X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaa\r\n".utf8)) }
        #expect(throws: SIPParseError.self) { try framer.next() }
    }

    @Test func partialBodyWaitsForMoreBytes() throws {
        let one = [UInt8](crlf: typicalInvite)
        var framer = SIPStreamFramer()
        framer.receive(one.dropLast(10))
        #expect(try framer.next() == nil)
        framer.receive(one.suffix(10))
        guard case .message = try framer.next() else { Issue.record("expected message"); return }
    }
}

/// Seeded random mutations of valid messages: every outcome is a message or an error value.
@Suite("Mutation fuzzing")
struct MutationFuzzTests {


    static let seeds = ["wsinv", "intmeth", "esc01", "longreq", "mpart01", "unreason", "transports"]
    static let interesting: [UInt8] = Array(" \t\r\n:;,<>\"\\@%=?[]/0z".utf8) + [0x00, 0xFF, 0x80]

    @Test(arguments: seeds)
    func mutationsNeverCrash(_ name: String) throws {
        let original = try Vectors.bytes(name)
        var rng = SplitMix64(state: UInt64(name.utf8.reduce(5381) { $0 &* 33 &+ UInt64($1) }))
        var parsed = 0
        var refused = 0
        for _ in 0..<400 {
            var m = original
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                guard !m.isEmpty else { break }
                let i = Int.random(in: 0..<m.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: m[i] = Self.interesting.randomElement(using: &rng)!
                case 1: m.remove(at: i)
                case 2: m.insert(Self.interesting.randomElement(using: &rng)!, at: i)
                default: m.insert(contentsOf: m[i..<min(m.count, i + 40)], at: i)
                }
            }
            switch SIPParser.parseOrReject(m) {
            case let .message(msg):
                parsed += 1
                _ = try? SIPParser.parse(msg.serialized())
                _ = msg.userAgentServerRejection()
            case .reject, .discard: refused += 1
            }
            var framer = SIPStreamFramer()
            framer.receive(m)
            while let _ = try? framer.next() {}
        }
        #expect(parsed + refused == 400)
        #expect(refused > 0)
    }
}
