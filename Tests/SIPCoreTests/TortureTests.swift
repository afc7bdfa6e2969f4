import Testing
@testable import SIPCore

/// RFC 4475 §3.1.1: valid messages parse, with the fields the RFC's discussion names.
@Suite("RFC 4475 valid messages")
struct TortureValidTests {
    func parse(_ name: String) throws -> SIPMessage {
        try SIPParser.parse(try Vectors.bytes(name))
    }

    @Test func wsinv() throws {
        let m = try parse("wsinv")
        #expect(m.method == .invite)
        let ruri = try #require(m.requestURI?.sipURI)
        #expect(ruri.user == "vivekg")
        #expect(ruri.host == "chair-dnrc.example.com")
        #expect(ruri.parameters == [SIPParameter("unknownparam")])
        let to = try m.to()
        #expect(to.displayName == nil)
        #expect(to.tag == "1918181833n")
        #expect(to.uri.sipURI?.user == "vivekg")
        let from = try m.from()
        #expect(from.displayName == "J Rosenberg \\\"")
        #expect(from.tag == "98asjd8")
        #expect(try m.maxForwards() == 68)
        #expect(m.callID == "wsinv.ndaksdj@192.0.2.1")
        #expect(try m.cseq() == CSeq(9, .invite))
        let vias = try m.vias()
        #expect(vias.count == 3)
        #expect(vias[0].transport == "UDP" && vias[0].host == "192.0.2.2" && vias[0].branch == "390skdjuw")
        #expect(!vias[0].hasRFC3261Branch)
        #expect(vias[1].transport == "TCP" && vias[1].host == "spindle.example.com" && vias[1].branch == "z9hG4bK9ikj8")
        #expect(vias[2].transport == "UDP" && vias[2].host == "192.168.255.111" && vias[2].branch == "z9hG4bK30239")
        #expect(m.headers[.subject] == "")
        #expect(m.headers["NewFangledHeader"] == "newfangled value continued newfangled value")
        #expect(m.headers["UnknownHeaderWithUnusualValue"] == ";;,,;;,;")
        let contact = try #require(try m.contacts().first)
        #expect(contact.displayName == "Quoted string \"\"")
        #expect(contact.parameters.parameter("newparam") == .some("newvalue"))
        #expect(contact.parameters.parameter("secondparam") == .some(nil))
        #expect(contact.parameters.parameter("q") == .some("0.33"))
        let route = try m.routes()
        #expect(route.first?.uri.sipURI?.isLooseRouter == true)
        #expect(m.contentType == "application/sdp")
        #expect(m.body.count == 150)
    }

    @Test func intmeth() throws {
        let m = try parse("intmeth")
        #expect(m.method == SIPMethod("!interesting-Method0123456789_*+`.%indeed'~"))
        let ruri = try #require(m.requestURI?.sipURI)
        #expect(ruri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(ruri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(ruri.host == "example.com")
        #expect(try m.topVia().branch == "z9hG4bK-.!%66*_+`'~")
        let to = try m.to()
        #expect(to.displayName == "BEL:\u{07} NUL:\u{00} DEL:\u{7F}")
        #expect(to.uri.sipURI?.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        let from = try m.from()
        #expect(from.displayName == "token1~` token2'+_ token3*%!.-")
        #expect(from.tag == "_token~1'+`*%!-.")
        #expect(from.parameters.parameter("fromParam''~+*_!.-%") == .some("работающий"))
        #expect(m.callID == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
        #expect(try m.cseq() == CSeq(139_122_385, SIPMethod("!interesting-Method0123456789_*+`.%indeed'~")))
        #expect(try m.maxForwards() == 255)
        #expect(m.headers["extensionHeader-!.%*+_`'~"] == "\u{FEFF}大停電")
        #expect(m.body.isEmpty)
    }

    @Test func esc01() throws {
        let m = try parse("esc01")
        let ruri = try #require(m.requestURI?.sipURI)
        #expect(ruri.user == "sips%3Auser%40example.com")
        #expect(ruri.decodedUser == "sips:user@example.com")
        #expect(ruri.host == "example.net")
        #expect(try m.to().uri.sipURI?.decodedUser == "user")
        #expect(try m.from().uri.sipURI?.decodedUser == "I have spaces")
        #expect(try m.from().tag == "938")
        #expect(m.callID == "esc01.239409asdfakjkn23onasd0-3234")
        #expect(m.contentType == "application/sdp")
        let contact = try #require(try m.contacts().first?.uri.sipURI)
        #expect(contact.decodedUser == "caller")
        // "value%41" stays escaped-once: no recursive unescaping (RFC 3986).
        #expect(contact.parameters == [SIPParameter("%6C%72"), SIPParameter("n%61me", "v%61lue%25%34%31")])
        #expect(SIPGrammar.percentDecoded("v%61lue%25%34%31") == "value%41")
        #expect(m.body.count == 150)
    }

    @Test func escnull() throws {
        let m = try parse("escnull")
        #expect(m.method == .register)
        #expect(try m.to().uri.sipURI?.decodedUser == "null-\u{0}-null")
        let contacts = try m.contacts()
        #expect(contacts.count == 2)
        #expect(contacts[0].uri.sipURI?.decodedUser == "\u{0}")
        #expect(contacts[1].uri.sipURI?.decodedUser == "\u{0}\u{0}")
        #expect(contacts[0].uri != contacts[1].uri)
        #expect(m.headers[.contentLength] == "0")
    }

    @Test func esc02() throws {
        let m = try parse("esc02")
        #expect(m.method == SIPMethod("RE%47IST%45R"))
        #expect(m.method != .register)
        #expect(try m.to().displayName == "%Z%45")
        #expect(try m.topVia().branch == "z9hG4bK209%fzsnel234")
        let contacts = try m.contacts()
        #expect(contacts.map { $0.uri.sipURI?.user } == ["alias1", "alias3"])
        #expect(m.headers["C%6Fntact"] == "<sip:alias2@host2.example.com>")
    }

    @Test func lwsdisp() throws {
        let m = try parse("lwsdisp")
        let from = try m.from()
        #expect(from.displayName == "caller")
        #expect(from.tag == "323")
        #expect(try m.cseq() == CSeq(60, .options))
    }

    @Test func longreq() throws {
        let m = try parse("longreq")
        let to = try m.to()
        #expect(to.displayName == "I have a user name of \(String(repeating: "extreme", count: 10)) proportion")
        let toURI = try #require(to.uri.sipURI)
        #expect(toURI.port == 6000)
        #expect(toURI.parameters.count == 3)
        let from = try m.from()
        #expect(from.tag == "12" + String(repeating: "982", count: 50) + "424")
        #expect(from.parameters.count == 3)
        #expect(m.callID == "longreq.one" + String(repeating: "really", count: 20) + "longcallid")
        let vias = try m.vias()
        #expect(vias.count == 34)
        #expect(vias.first?.host == "sip33.example.com")
        #expect(vias.last?.received == "192.0.2.5")
        #expect(vias.last?.branch == "very" + String(repeating: "long", count: 50) + "branchvalue")
        #expect(m.body.count == 150)
    }

    @Test func dblreqTakesOnlyTheFirstRequestFromTheDatagram() throws {
        let m = try parse("dblreq")
        #expect(m.method == .register)
        #expect(m.body.isEmpty)
        #expect(m.callID == "dblreq.0ha0isndaksdj99sdfafnl3lk233412")
    }

    @Test func semiuri() throws {
        let m = try parse("semiuri")
        let ruri = try #require(m.requestURI?.sipURI)
        #expect(ruri.user == "user;par=u%40example.net")
        #expect(ruri.host == "example.com")
        #expect(ruri.parameters.isEmpty)
        #expect(m.headers.values(.accept).count == 6)
    }

    @Test func transports() throws {
        let m = try parse("transports")
        #expect(try m.vias().map(\.transport) == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
        #expect(m.callID == "transports.kijh4akdnaqjkwendsasfdj")
    }

    @Test func mpart01() throws {
        let bytes = try Vectors.bytes("mpart01")
        let m = try SIPParser.parse(bytes)
        #expect(m.method == .message)
        #expect(m.contentType == "multipart/mixed;boundary=7a9cbec02ceef655")
        #expect(m.body.count == Int(m.headers[.contentLength] ?? "") )
        #expect(m.body.contains(0x00) && m.body.contains(0xFF))
        #expect(Array(m.body.suffix(22)) == Array("--7a9cbec02ceef655--\r\n".utf8))
        #expect(m.userAgentServerRejection() == nil)  // its Date is valid GMT
    }

    @Test func unreason() throws {
        let m = try parse("unreason")
        #expect(m.statusCode == 200)
        #expect(m.reasonPhrase == "= 2**3 * 5**2 но сто девяносто девять - простое")
        #expect(try m.to().tag == "2229")
        #expect(m.body.count == 154)
    }

    @Test func noreason() throws {
        let m = try parse("noreason")
        #expect(m.statusCode == 100)
        #expect(m.reasonPhrase == "")
        #expect(try m.cseq() == CSeq(35, .invite))
    }

    @Test func novelSchemeParsesAndUASAnswers416() throws {
        for name in ["unkscm", "novelsc"] {
            let m = try parse(name)
            guard case .other = m.requestURI else { Issue.record("\(name): expected opaque URI"); continue }
            #expect(m.userAgentServerRejection()?.statusCode == 416)
        }
    }

    @Test func badbranchParsesAndHasNoUsableRFC3261Branch() throws {
        let m = try parse("badbranch")
        #expect(try m.topVia().branch == "z9hG4bK")
        #expect(try m.topVia().hasRFC3261Branch == false)
    }

    @Test func zeroMaxForwardsParses() throws {
        #expect(try parse("zeromf").maxForwards() == 0)
    }

    @Test func rfc2543RequestParsesWithoutBranchOrContentLength() throws {
        let m = try parse("inv2543")
        #expect(try m.topVia().branch == nil)
        #expect(m.body.count == 150)  // UDP: no Content-Length means the rest of the datagram
    }

    @Test func validMessagesRoundTripThroughTheSerializer() throws {
        for name in ["wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "semiuri", "transports", "mpart01", "unreason", "noreason"] {
            let m = try parse(name)
            let again = try SIPParser.parse(m.serialized())
            #expect(again.startLine == m.startLine, "\(name)")
            #expect(again.body == m.body, "\(name)")
            #expect(again.callID == m.callID, "\(name)")
            #expect(try again.vias() == m.vias(), "\(name)")
            #expect(try again.to() == m.to(), "\(name)")
            #expect(try again.from() == m.from(), "\(name)")
            #expect(try again.cseq() == m.cseq(), "\(name)")
        }
    }
}

/// RFC 4475 §3.1.2 and §3.3: invalid messages are refused with a reason naming what.
@Suite("RFC 4475 invalid messages")
struct TortureInvalidTests {
    static let cases: [(String, SIPParseError)] = [
        ("badinv01", .malformedHeader(name: "Via", reason: "empty parameter name")),
        ("clerr", .bodyTruncated(declared: 9999, available: 154)),
        ("ncl", .malformedHeader(name: "Content-Length", reason: "'-999' is not a non-negative integer")),
        ("scalar02", .malformedHeader(name: "CSeq", reason: "sequence number 36893488147419103232 exceeds 2^32-1")),
        ("scalarlg", .malformedHeader(name: "CSeq", reason: "sequence number 9292394834772304023312 exceeds 2^32-1")),
        ("quotbal", .malformedHeader(name: "To", reason: "unterminated quoted display name")),
        ("ltgtruri", .malformedRequestURI(reason: "invalid scheme")),
        ("lwsruri", .malformedStartLine(reason: "request line must be 'Method SP Request-URI SP SIP-Version' with single spaces")),
        ("lwsstart", .malformedStartLine(reason: "request line must be 'Method SP Request-URI SP SIP-Version' with single spaces")),
        ("trws", .malformedStartLine(reason: "request line must be 'Method SP Request-URI SP SIP-Version' with single spaces")),
        ("escruri", .malformedRequestURI(reason: "URI headers ('?') are not allowed in a Request-URI")),
        ("regbadct", .malformedHeader(name: "Contact", reason: "URI with '?' or ',' must be enclosed in <>")),
        ("badaspec", .malformedHeader(name: "To", reason: "whitespace inside <URI>")),
        ("baddn", .malformedHeader(name: "From", reason: "display name has non-token characters; it must be quoted")),
        ("badvers", .unsupportedVersion("SIP/7.0")),
        ("mismatch01", .cseqMethodMismatch(requestLine: "OPTIONS", cseq: "INVITE")),
        ("mismatch02", .cseqMethodMismatch(requestLine: "NEWMETHOD", cseq: "INVITE")),
        ("bigcode", .malformedStartLine(reason: "status code '4294967301' is not 3 digits in 100-699")),
        ("insuf", .missingHeader("To")),
        ("multi01", .duplicateHeader("To")),
        ("mcl01", .duplicateHeader("Content-Length")),
    ]

    @Test(arguments: cases.map(\.0))
    func refusedWithReason(_ name: String) throws {
        let expected = try #require(Self.cases.first { $0.0 == name }?.1)
        #expect(throws: expected) { try SIPParser.parse(try Vectors.bytes(name)) }
    }

    /// baddate parses (a proxy forwards it, RFC 4475 §3.1.2.12) but a UAS refuses it.
    @Test func baddateIsRefusedOnlyByTheUAS() throws {
        let m = try SIPParser.parse(try Vectors.bytes("baddate"))
        #expect(m.userAgentServerRejection()?.statusCode == 400)
    }

    @Test func unaddressableRequestIsDiscardedNotAnswered() throws {
        // badinv01's only Via is the broken header: a response could not be routed back.
        let outcome = SIPParser.parseOrReject(try Vectors.bytes("badinv01"))
        guard case let .discard(error) = outcome else { Issue.record("expected discard, got \(outcome)"); return }
        #expect(error == .malformedHeader(name: "Via", reason: "empty parameter name"))
    }

    @Test func answerableErrorsGetA400WithWarning() throws {
        let outcome = SIPParser.parseOrReject(try Vectors.bytes("baddn"))
        guard case let .discard(error) = outcome else { Issue.record("From unusable: must discard, got \(outcome)"); return }
        #expect(error == .malformedHeader(name: "From", reason: "display name has non-token characters; it must be quoted"))

        let mismatch = SIPParser.parseOrReject(try Vectors.bytes("mismatch01"))
        guard case let .reject(_, response) = mismatch else { Issue.record("expected reject"); return }
        #expect(response.statusCode == 400)
        #expect(response.reasonPhrase?.contains("differs from CSeq method") == true)
        #expect(response.headers[.warning]?.hasPrefix("399 simgate \"request method OPTIONS") == true)
        #expect(response.callID == "mismatch01.dj0234sxdfl3")
        #expect(try response.to().tag != nil)
        #expect(try response.cseq() == CSeq(8, .invite))

        let vers = SIPParser.parseOrReject(try Vectors.bytes("badvers"))
        guard case let .reject(_, r505) = vers else { Issue.record("expected reject"); return }
        #expect(r505.statusCode == 505)
    }

    @Test func responsesAreNeverAnswered() throws {
        guard case .discard = SIPParser.parseOrReject(try Vectors.bytes("bigcode")) else { Issue.record("must discard"); return }
        guard case .discard = SIPParser.parseOrReject(try Vectors.bytes("scalarlg")) else { Issue.record("must discard"); return }
    }
}

/// RFC 4475 §3.3: well-formed messages whose meaning the application must handle.
@Suite("RFC 4475 application-layer messages")
struct TortureApplicationTests {
    func parse(_ name: String) throws -> SIPMessage { try SIPParser.parse(try Vectors.bytes(name)) }

    @Test func unknownSchemesInHeadersParseOpaque() throws {
        let m = try parse("unksm2")
        #expect(try m.to().uri == .other(scheme: "isbn", rest: "2983792873"))
        #expect(try m.from().uri.scheme == "http")
        #expect(try m.contacts().first?.uri.scheme == "name")
    }

    @Test func unsupportedRequireGets420() throws {
        let m = try parse("bext01")
        #expect(m.headers.values(.require) == ["nothingSupportsThis", "nothingSupportsThisEither"])
        #expect(m.userAgentServerRejection()?.statusCode == 420)
        #expect(m.userAgentServerRejection(supportedExtensions: ["nothingsupportsthis", "nothingsupportsthiseither"]) == nil)
    }

    @Test func unknownBodyTypeGets415() throws {
        let m = try parse("invut")
        #expect(m.body.count == 40)
        #expect(m.userAgentServerRejection() == UASRejection(statusCode: 415, reason: "Unsupported Media Type (application/unknownformat)"))
        #expect(try parse("wsinv").userAgentServerRejection()?.statusCode != 415)
    }

    @Test func unknownAuthorizationSchemeIsNotDigest() throws {
        let m = try parse("regaut01")
        #expect(m.headers[.authorization] == "NoOneKnowsThisScheme opaque-data=here")
        #expect(m.headers[.authorization].flatMap(DigestCredentials.parse) == nil)
    }

    @Test func broadcastViaInResponseParses() throws {
        let m = try parse("bcast")
        #expect(try m.vias()[1].host == "255.255.255.255")
        #expect(m.body.count == 154)
    }

    @Test func contactParameterPlacement() throws {
        // addr-spec form: ";unknownparam" is a header parameter of Contact...
        let c1 = try #require(try parse("cparam01").contacts().first)
        #expect(c1.parameters == [SIPParameter("unknownparam")])
        #expect(c1.uri.sipURI?.parameters.isEmpty == true)
        // ...inside <> it is a URI parameter.
        let c2 = try #require(try parse("cparam02").contacts().first)
        #expect(c2.parameters.isEmpty)
        #expect(c2.uri.sipURI?.parameters == [SIPParameter("unknownparam")])
    }

    @Test func escapedHeaderInContactURI() throws {
        let c = try #require(try parse("regescrt").contacts().first?.uri.sipURI)
        #expect(c.headers.map(\.name) == ["Route"])
        #expect(SIPGrammar.percentDecoded(c.headers[0].value) == "<sip:sip.example.com>")
    }
}
