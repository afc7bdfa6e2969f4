import Testing
@testable import SIPCore

@Suite("Dialogs and UA helpers")
struct DialogTests {
    let ourContact = NameAddr(uri: SIPURI(user: "gw", host: "198.51.100.7", port: 5060))

    /// INVITE from us through two record-routing proxies; the callee answers 200.
    func uacDialog() throws -> (SIPMessage, SIPMessage, Dialog) {
        var invite = request(.invite)
        invite.headers.append(.contact, ourContact.description)
        var ok = invite.makeResponse(200, toTag: "callee1")
        ok.headers.append(.recordRoute, "<sip:p2.example.net;lr>, <sip:p1.example.net;lr>")
        ok.headers.append(.contact, "<sip:0671234567@192.0.2.99:5062;transport=udp>")
        let dialog = try #require(Dialog(uacRequest: invite, response: ok, localContact: ourContact))
        return (invite, ok, dialog)
    }

    @Test func uacDialogStateFromThe2xx() throws {
        let (_, _, d) = try uacDialog()
        #expect(d.state == .confirmed)
        #expect(d.id == DialogID(callID: "call-1@192.0.2.10", localTag: "a83f2c", remoteTag: "callee1"))
        #expect(d.routeSet.map { $0.uri.sipURI?.host } == ["p1.example.net", "p2.example.net"])  // reversed (§12.1.2)
        #expect(d.remoteTarget.sipURI?.host == "192.0.2.99")
        #expect(d.localSequence == 1)
    }

    @Test func byeAndACKInTheDialog() throws {
        var (_, _, d) = try uacDialog()
        let ack = d.makeACK(forInviteSequence: 1, via: "SIP/2.0/UDP 198.51.100.7:5060", branch: "z9hG4bKack1")
        #expect(try ack.cseq() == CSeq(1, .ack))
        #expect(ack.requestURI?.sipURI?.host == "192.0.2.99")
        #expect(ack.headers.lines(.route) == ["<sip:p1.example.net;lr>", "<sip:p2.example.net;lr>"])
        let bye = d.makeRequest(.bye, via: "SIP/2.0/UDP 198.51.100.7:5060", branch: "z9hG4bKbye1")
        #expect(try bye.cseq() == CSeq(2, .bye))
        #expect(try bye.from().tag == "a83f2c" && bye.to().tag == "callee1")
        #expect(try bye.topVia().branch == "z9hG4bKbye1")
        #expect(try SIPParser.parse(bye.serialized()).method == .bye)
        let reinvite = d.makeRequest(.invite, via: "SIP/2.0/UDP 198.51.100.7:5060", branch: "z9hG4bKre1")
        #expect(try reinvite.cseq().sequence == 3)
        #expect(reinvite.headers[.contact] != nil)
    }

    @Test func strictRouterGetsTheRequestURI() throws {
        var invite = request(.invite)
        invite.headers.append(.contact, ourContact.description)
        var ok = invite.makeResponse(200, toTag: "t")
        ok.headers.append(.recordRoute, "<sip:strict.example.net>")
        ok.headers.append(.contact, "<sip:callee@192.0.2.99>")
        var d = try #require(Dialog(uacRequest: invite, response: ok, localContact: ourContact))
        let bye = d.makeRequest(.bye, via: "SIP/2.0/UDP 198.51.100.7", branch: "z9hG4bKs")
        #expect(bye.requestURI?.sipURI?.host == "strict.example.net")
        #expect(bye.headers.lines(.route) == ["<sip:callee@192.0.2.99>"])
    }

    @Test func uasDialogChecksCSeqRefreshesTargetAndDetectsGlare() throws {
        var invite = request(.invite)
        invite.headers.append(.contact, "<sip:1007@192.0.2.10:5060>")
        invite.headers.append(.recordRoute, "<sip:p1.example.net;lr>")
        let ok = invite.makeResponse(200, toTag: "gw1")
        #expect(ok.headers[.recordRoute] == "<sip:p1.example.net;lr>")  // §12.1.1 copied
        var d = try #require(Dialog(uasRequest: invite, localTag: "gw1", localContact: ourContact))
        #expect(d.localURI.tag == "gw1" && d.remoteURI.tag == "a83f2c" && d.remoteSequence == 1)
        #expect(d.routeSet.count == 1)

        var reinvite = request(.invite, branch: "z9hG4bKre", cseq: 2)
        reinvite.headers.set(.to, "<sip:0671234567@gw.example.net>;tag=gw1")
        reinvite.headers.append(.contact, "<sip:1007@192.0.2.11:5090>")
        #expect(DialogID.forReceivedRequest(reinvite) == d.id)
        d.localInvitePending = true
        #expect(d.receive(request: reinvite) == .glare)
        #expect(UserAgentResponses.requestPending(reinvite).statusCode == 491)
        d.localInvitePending = false
        #expect(d.receive(request: reinvite) == .accept)
        #expect(d.remoteTarget.sipURI?.host == "192.0.2.11")
        #expect(d.receive(request: reinvite) == .outOfOrder)  // same CSeq again
        var bye = request(.bye, branch: "z9hG4bKbye", cseq: 3)
        bye.headers.set(.to, "<sip:0671234567@gw.example.net>;tag=gw1")
        #expect(d.receive(request: bye) == .accept)
        #expect(d.state == .terminated)
    }

    /// RFC 3261 §14.2: a re-INVITE while the first INVITE is unanswered gets 500 with a
    /// Retry-After of 0-10 s; while our own re-INVITE is out, 491; a lower CSeq, 500 (§12.2.2).
    @Test func overlappingReInviteVerdictsAndTheirResponses() throws {
        let invite = request(.invite, cseq: 5)
        var d = try #require(Dialog(uasRequest: invite, localTag: "gw1", localContact: ourContact, early: true))
        d.remoteInvitePending = true   // 180 sent, no final response yet
        var reinvite = request(.invite, branch: "z9hG4bKre", cseq: 6)
        reinvite.headers.set(.to, "<sip:0671234567@gw.example.net>;tag=gw1")
        let pending = d.receive(request: reinvite)
        #expect(pending == .pendingRemoteInvite)
        #expect(d.remoteSequence == 5, "a refused request does not advance the CSeq")
        let busy = try #require(pending.refusal(random: 0.5))
        #expect(busy.code == 500)
        #expect(busy.headers.count == 1 && busy.headers[0].0 == .retryAfter && busy.headers[0].1 == "5")
        #expect(Dialog.RequestVerdict.retryAfterSeconds(random: 0) == 0)
        #expect(Dialog.RequestVerdict.retryAfterSeconds(random: 0.999_999_9) == 10)
        #expect(Dialog.RequestVerdict.retryAfterSeconds(random: 7) == 10, "out-of-range input is clamped")
        #expect((0..<1000).allSatisfy { (0...10).contains(Dialog.RequestVerdict.retryAfterSeconds(random: Double($0) / 1000)) })

        d.remoteInvitePending = false  // final response sent and ACKed
        d.localInvitePending = true    // our own re-INVITE is out: glare
        let glare = d.receive(request: reinvite)
        #expect(glare == .glare)
        let pendingResponse = try #require(glare.refusal(random: 0.3))
        #expect(pendingResponse.code == 491 && pendingResponse.headers.isEmpty)

        d.localInvitePending = false
        #expect(d.receive(request: reinvite) == .accept)
        #expect(Dialog.RequestVerdict.accept.refusal(random: 0.3) == nil)
        let stale = request(.invite, branch: "z9hG4bKold", cseq: 4)
        let outOfOrder = d.receive(request: stale)
        #expect(outOfOrder == .outOfOrder)
        #expect(outOfOrder.refusal(random: 0)?.code == 500)
        // ACK and CANCEL share their INVITE's CSeq and pass.
        #expect(d.receive(request: request(.ack, branch: "z9hG4bKre", cseq: 6)) == .accept)
    }

    @Test func earlyDialogFrom180BecomesConfirmed() throws {
        var invite = request(.invite)
        invite.headers.append(.contact, ourContact.description)
        var ringing = invite.makeResponse(180, toTag: "e1")
        ringing.headers.append(.contact, "<sip:x@192.0.2.5>")
        var d = try #require(Dialog(uacRequest: invite, response: ringing, localContact: ourContact))
        #expect(d.state == .early)
        d.receive(response: invite.makeResponse(200, toTag: "e1"), to: .invite)
        #expect(d.state == .confirmed)
        #expect(Dialog(uacRequest: invite, response: invite.makeResponse(100), localContact: ourContact) == nil)
    }

    @Test func helperResponses() throws {
        let options = request(.options)
        let r = UserAgentResponses.options(options, toTag: "o1", supported: ["replaces"])
        #expect(r.statusCode == 200 && r.headers[.allow] == "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO")
        #expect(r.headers[.accept] == "application/sdp" && r.headers[.supported] == "replaces")
        #expect(try r.to().tag == "o1")
        #expect(r.callID == options.callID && r.headers.lines(.via) == options.headers.lines(.via))
        let stray = UserAgentResponses.dialogDoesNotExist(request(.bye), toTag: "x")
        #expect(stray.statusCode == 481 && stray.reasonPhrase == "Call/Transaction Does Not Exist")
        let trying = request(.invite).makeResponse(100, toTag: "never")
        #expect(try trying.to().tag == nil)  // 100 never carries a new tag
        let invite = request(.invite)
        let cancel = SIPMessage.cancel(for: invite)
        #expect(cancel.requestURI == invite.requestURI && cancel.headers.lines(.via) == invite.headers.lines(.via))
        #expect(try cancel.cseq() == CSeq(1, .cancel) && cancel.headers[.route] == invite.headers[.route])
        let (r487, r200) = UserAgentResponses.cancelled(invite: invite, cancel: cancel, toTag: "c")
        #expect(r487.statusCode == 487 && r200.statusCode == 200)
        #expect(try r487.cseq().method == .invite)
        #expect(UserAgentResponses.glareRetryDelay(ownsCallID: true, random: 0) == .milliseconds(2100))
        #expect(UserAgentResponses.glareRetryDelay(ownsCallID: false, random: 0.5) == .milliseconds(1000))
    }
}

@Suite("2xx retransmission by the UAS core")
struct SuccessRetransmissionTests {
    /// §13.3.1.4: T1, 2T1... capped at T2, until ACK or 64*T1.
    @Test func retransmitsUntilGiveUp() {
        let ok = request(.invite).makeResponse(200, toTag: "g")
        var r = SuccessResponseRetransmission(response: ok)
        var now: Duration = .zero
        var deadlines: [SuccessResponseRetransmission.Timer: Duration] = [:]
        var sends: [Duration] = []
        var timedOut: Duration?
        func apply(_ actions: [SuccessResponseRetransmission.Action]) {
            for a in actions {
                switch a {
                case .send: sends.append(now)
                case let .startTimer(t, d): deadlines[t] = now + d
                case let .cancelTimer(t): deadlines[t] = nil
                case .ackTimeout: timedOut = now
                }
            }
        }
        apply(r.start())
        while let (t, at) = deadlines.min(by: { $0.value < $1.value }) {
            deadlines[t] = nil
            now = at
            apply(r.timerFired(t))
        }
        // The first copy (t=0) went out through the server transaction.
        #expect(sends == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5].map { Duration.milliseconds(Int($0 * 1000)) })
        #expect(timedOut == .seconds(32))
        #expect(r.state == .ackTimedOut)
    }

    @Test func ackStopsIt() {
        var r = SuccessResponseRetransmission(response: request(.invite).makeResponse(200, toTag: "g"))
        _ = r.start()
        #expect(r.ackReceived() == [.cancelTimer(.retransmit), .cancelTimer(.giveUp)])
        #expect(r.timerFired(.retransmit).isEmpty)
        #expect(r.state == .confirmed)
    }
}

@Suite("UAC request building")
struct UserAgentClientTests {
    @Test func inviteWithSDPToAPhoneIsValidAndCreatesAClientTransaction() throws {
        let identity = RequestIdentity(from: NameAddr(displayName: "+380671234567", uri: SIPURI(user: "+380671234567", host: "gw.example.net")),
                                       fromTag: "gwtag1", callID: "c1@gw", sequence: 101, via: "SIP/2.0/UDP 198.51.100.7:5060",
                                       contact: NameAddr(uri: SIPURI(user: "gw", host: "198.51.100.7", port: 5060)))
        let local = LocalMedia(address: "198.51.100.7", audioPort: 30002, sessionID: "9", sessionVersion: 1)
        let invite = SIPMessage.makeRequest(.invite, to: .sip(SIPURI(user: "1007", host: "192.0.2.10")), identity: identity,
                                            branch: TransactionKey.makeBranch(random: 123_456_789),
                                            body: SDPOfferAnswer.offer(local: local).bytes, contentType: "application/sdp")
        let parsed = try SIPParser.parse(invite.serialized())
        #expect(try parsed.from().tag == "gwtag1" && parsed.to().tag == nil)
        #expect(try parsed.from().displayName == "+380671234567")
        #expect(try parsed.cseq() == CSeq(101, .invite))
        #expect(try parsed.topVia().hasRFC3261Branch)
        #expect(try parsed.contacts().first?.uri.sipURI?.host == "198.51.100.7")
        #expect(try SessionDescription.parse(parsed.body).media.first?.port == 30002)
        var layer = TransactionLayer()
        let (key, events) = try layer.sendRequest(parsed, reliable: false)
        #expect(events.first == .send(parsed, key))
        let options = SIPMessage.makeRequest(.options, to: .sip(SIPURI(host: "192.0.2.10")), identity: identity, branch: "z9hG4bKo")
        #expect(options.headers[.contact] == nil)
    }
}
