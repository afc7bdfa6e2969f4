import Foundation
import Testing
@testable import SIPCore

@Suite("SDP and offer/answer")
struct SDPTests {
    let local = LocalMedia(address: "198.51.100.7", audioPort: 30000, sessionID: "4242", sessionVersion: 1)

    func sdp(_ name: String) throws -> SessionDescription { try SessionDescription.parse(try Vectors.bytes(name, ext: "sdp")) }

    @Test func parsesPJSIPOfferAndRoundTrips() throws {
        let s = try sdp("sdp-pjsip")
        #expect(s.origin.sessionID == "3916395341" && s.sessionName == "pjmedia")
        #expect(s.connection == nil)
        let m = try #require(s.media.first)
        #expect(m.port == 4000 && m.formats.count == 11)
        #expect(s.connection(for: m)?.address == "192.0.2.10")
        #expect(m.rtpMaps[120] == RTPMap(payloadType: 120, encoding: "telephone-event", clockRate: 8000, channels: nil))
        #expect(m.fmtp(99) == "mode=30")
        #expect(s.direction(of: m) == .sendrecv)
        let again = try SessionDescription.parse(s.serialized())
        #expect(again == s)
    }

    @Test func pjsipOfferGetsFirstSupportedCodecAndItsTelephoneEvent() throws {
        let (answer, n) = try SDPOfferAnswer.answer(try sdp("sdp-pjsip"), local: local)
        #expect(n.codec == .pcmu && n.payloadType == 0)  // PCMU precedes PCMA in PJSIP's list
        #expect(n.telephoneEventPayloadType == 120)     // the 8 kHz one, not 121/122
        #expect(n.remoteAddress == "192.0.2.10" && n.remotePort == 4000 && n.direction == .sendrecv && n.ptime == 20)
        let m = try #require(answer.media.first)
        #expect(m.formats == ["0", "120"] && m.port == 30000)
        #expect(m.fmtp(120) == "0-15")  // offered 0-16; we take DTMF 0-15
        #expect(answer.connection?.address == "198.51.100.7")
        #expect(m.attribute("ptime") == nil)  // PJSIP sent none: none echoed
        let text = answer.serialized()
        #expect(text.hasPrefix("v=0\r\no=- 4242 1 IN IP4 198.51.100.7\r\ns=simgate\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0 120\r\n"))
    }

    @Test func baresipOfferKeepsPCMAAndEchoesPtime() throws {
        let (answer, n) = try SDPOfferAnswer.answer(try sdp("sdp-baresip"), local: local)
        #expect(n.codec == .pcma && n.telephoneEventPayloadType == 101 && n.ptime == 20)
        #expect(answer.media[0].formats == ["8", "101"])
        #expect(answer.media[0].attribute("ptime") == .some("20"))
    }

    @Test func sippOfferWithoutTelephoneEvent() throws {
        let (answer, n) = try SDPOfferAnswer.answer(try sdp("sdp-sipp"), local: local)
        #expect(n.codec == .pcmu && n.telephoneEventPayloadType == nil)
        #expect(answer.media[0].formats == ["0"])
    }

    @Test func holdOfferIsAnsweredRecvonly() throws {
        let (answer, n) = try SDPOfferAnswer.answer(try sdp("sdp-hold"), local: local)
        #expect(n.direction == .recvonly)
        #expect(answer.media[0].directionAttribute == .recvonly)
        var localHold = local
        localHold.direction = .sendonly
        #expect(try SDPOfferAnswer.answer(try sdp("sdp-hold"), local: localHold).1.direction == .inactive)
        #expect(MediaDirection.inactive.answer() == .inactive)
        #expect(MediaDirection.recvonly.answer() == .sendonly)
        #expect(MediaDirection.sendrecv.answer() == .sendrecv)
    }

    @Test func legacyZeroAddressHold() throws {
        var s = try sdp("sdp-sipp")
        s.connection = SDPConnection(address: "0.0.0.0")
        #expect(try SDPOfferAnswer.answer(s, local: local).1.direction == .recvonly)
    }

    @Test func videoIsRejectedWithPortZeroAndAudioAccepted() throws {
        let (answer, n) = try SDPOfferAnswer.answer(try sdp("sdp-video-first"), local: local)
        #expect(answer.media.count == 2)
        #expect(answer.media[0].media == "video" && answer.media[0].port == 0 && answer.media[0].formats == ["96"])
        #expect(n.mediaIndex == 1 && n.codec == .pcmu && n.telephoneEventPayloadType == 97 && n.ptime == 30)
        #expect(n.remoteAddress == "2001:db8::2")
    }

    @Test(arguments: ["sdp-g729only", "sdp-srtp"])
    func nothingFitsMapsTo488(_ name: String) throws {
        #expect(throws: OfferAnswerError.noAcceptableAudio) { try SDPOfferAnswer.answer(try sdp(name), local: local) }
        #expect(OfferAnswerError.noAcceptableAudio.statusCode == 488)
        #expect(OfferAnswerError.noAcceptableAudio.warning(agent: "gw").hasPrefix("305 gw \""))
    }

    @Test func ourOfferAndTheirAnswer() throws {
        let offer = SDPOfferAnswer.offer(local: local)
        #expect(offer.media[0].formats == ["8", "0", "101"])
        // A phone answering our offer (as baresip does) picks PCMA and sendrecv.
        let answer = try SessionDescription.parse("""
        v=0\r\no=- 1 1 IN IP4 192.0.2.30\r\ns=-\r\nc=IN IP4 192.0.2.30\r\nt=0 0\r\nm=audio 7078 RTP/AVP 8 101\r\n\
        a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=recvonly\r\n
        """)
        let n = try SDPOfferAnswer.accept(answer: answer, to: offer, local: local)
        #expect(n.codec == .pcma && n.remotePort == 7078 && n.telephoneEventPayloadType == 101 && n.direction == .sendonly)
        var rejected = answer
        rejected.media[0].port = 0
        #expect(throws: OfferAnswerError.noAcceptableAudio) { try SDPOfferAnswer.accept(answer: rejected, to: offer, local: local) }
    }

    @Test func malformedSDPIsAnErrorValue() {
        #expect(throws: SDPError.missingField("v")) { try SessionDescription.parse("o=- 1 1 IN IP4 1.2.3.4\r\n") }
        #expect(throws: SDPError.unsupportedVersion("1")) { try SessionDescription.parse("v=1\r\n") }
        #expect(throws: SDPError.malformedLine(line: 2, reason: "o= needs 6 fields")) { try SessionDescription.parse("v=0\r\no=- 1\r\n") }
        #expect(throws: SDPError.missingField("s")) { try SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n") }
        let many = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n" + String(repeating: "m=audio 1 RTP/AVP 0\r\n", count: 17)
        #expect(throws: SDPError.tooManyMediaSections(limit: 16)) { try SessionDescription.parse(many) }
        #expect(SDPOfferAnswer.answerEvents("0-11,13,16") == "0-11,13")
    }

    /// Inputs FuzzSDP found that trapped (Fuzz/corpus/sdp/crash-*): a SIP peer's offer must
    /// never take the daemon down.
    @Test func inputsTheFuzzerFoundAreRefusedOrRead() throws {
        let head = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nt=0 0\r\n"
        // `m=` whose port field is only "/" (the fuzzer's crash-m-port-slash.sdp) indexed an empty split.
        #expect(throws: SDPError.malformedLine(line: 5, reason: "bad port")) { try SessionDescription.parse(head + "m=audio / RTP/AVP 0\r\n") }
        let crash = try [UInt8](Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/corpus/sdp/crash-m-port-slash.sdp")))
        #expect(throws: SDPError.self) { try SessionDescription.parse(crash) }
        // `a=ptime:` with nothing, or only a dot, has no ptime (it indexed an empty split).
        for value in ["", ".", ".5"] {
            let offer = try SessionDescription.parse(head + "m=audio 4000 RTP/AVP 0\r\na=ptime:\(value)\r\n")
            #expect(offer.media[0].ptime == nil, "a=ptime:\(value)")
        }
        #expect(try SessionDescription.parse(head + "m=audio 4000 RTP/AVP 0\r\na=ptime:20.5\r\n").media[0].ptime == 20)
        // Telephone events past 255 (`300-400`) are none of ours; the range was built upside down.
        #expect(SDPOfferAnswer.answerEvents("300-400") == "0-15")
        #expect(SDPOfferAnswer.answerEvents("10-400") == "10-15")
    }

    @Test func sdpInsideTheTypicalInvite() throws {
        let m = try SIPParser.parse([UInt8](crlf: typicalInvite))
        let (_, n) = try SDPOfferAnswer.answer(try SessionDescription.parse(m.body), local: local)
        #expect(n.codec == .pcma && n.telephoneEventPayloadType == 101)
    }
}
