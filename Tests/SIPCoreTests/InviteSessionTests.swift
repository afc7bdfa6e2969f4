// InviteSession on a virtual clock: the 2xx until its ACK, BYE when none comes, a late
// offer's answer in the ACK, the SDP version, hold changes reported once.
import Testing
@testable import SIPCore

@Suite("InviteSession: the UAS core's INVITE session")
struct InviteSessionTests {
    let timers = TransactionTimers()
    var ok: SIPMessage { request(.invite).makeResponse(200, toTag: "gw1", body: Array("v=0\r\n".utf8), contentType: "application/sdp") }
    var ack: SIPMessage { request(.ack) }

    @Test func the2xxIsRetransmittedUntilItsACK() {
        var s = InviteSession(timers: timers)
        #expect(s.sent2xx(ok, carriesOffer: false) == [.startTimer(.retransmit, timers.t1), .startTimer(.giveUp, timers.transactionTimeout)])
        #expect(s.timerFired(.retransmit) == [.send(ok), .startTimer(.retransmit, timers.t1 * 2)])
        #expect(s.timerFired(.retransmit) == [.send(ok), .startTimer(.retransmit, timers.t1 * 4)])
        #expect(s.ackReceived(ack) == [.cancelTimer(.retransmit), .cancelTimer(.giveUp)])
        // A late fire (the timer raced the ACK) and a second ACK do nothing.
        #expect(s.timerFired(.retransmit) == [])
        #expect(s.ackReceived(ack) == [])
        #expect(s.last2xx == ok)
    }

    @Test func noACKEndsTheSession() {
        var s = InviteSession(timers: timers)
        _ = s.sent2xx(ok, carriesOffer: false)
        #expect(s.timerFired(.giveUp) == [.cancelTimer(.retransmit), .endForMissingACK])
        #expect(s.timerFired(.retransmit) == [])
        #expect(s.ackReceived(ack) == [])   // too late: the session is being ended
    }

    @Test func aLateOfferIsAnsweredInTheACK() {
        var s = InviteSession(timers: timers)
        _ = s.sent2xx(ok, carriesOffer: true)
        var withAnswer = ack
        withAnswer.body = Array("v=0\r\nm=audio 4000 RTP/AVP 0\r\n".utf8)
        #expect(s.ackReceived(withAnswer) == [.cancelTimer(.retransmit), .cancelTimer(.giveUp),
                                              .answerInACK(offer: ok.body, answer: withAnswer.body)])
    }

    @Test func aNew2xxReplacesTheOldOnesCopies() {
        var s = InviteSession(timers: timers)
        _ = s.sent2xx(ok, carriesOffer: false)
        var second = ok
        second.headers.append(.subject, "re-INVITE answer")
        #expect(s.sent2xx(second, carriesOffer: false) == [.cancelTimer(.retransmit), .cancelTimer(.giveUp),
                                                           .startTimer(.retransmit, timers.t1), .startTimer(.giveUp, timers.transactionTimeout)])
        #expect(s.timerFired(.retransmit) == [.send(second), .startTimer(.retransmit, timers.t1 * 2)])
        #expect(s.ending() == [.cancelTimer(.retransmit), .cancelTimer(.giveUp)])
        #expect(s.ending() == [])
    }

    @Test func holdIsReportedWhenItChanges() {
        var s = InviteSession(timers: timers)
        #expect(s.offerAnswered(hold: false) == [])
        #expect(s.offerAnswered(hold: true) == [.holdChanged(true)])
        #expect(s.held)
        #expect(s.offerAnswered(hold: true) == [])
        #expect(s.offerAnswered(hold: false) == [.holdChanged(false)])
    }

    @Test func theSDPVersionGoesUpOnlyWhenOurDescriptionChanges() {
        var s = InviteSession(timers: timers)
        #expect(s.sdpVersion == 1)
        #expect(s.nextSDPVersion() == 2)
        s.sdpUnchanged()
        #expect(s.sdpVersion == 1)
        #expect(s.nextSDPVersion() == 2)
    }
}
