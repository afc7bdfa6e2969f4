// The outbound call's rules on a virtual clock: each test feeds events at chosen instants and
// checks the exact actions, never how long anything took.
@testable import CallCore
import ModemCore
import Testing
import TestSupport

private func at(_ seconds: Int) -> CallInstant { CallInstant(nanoseconds: UInt64(seconds) * 1_000_000_000) }

private let gsm1 = CallCandidate(modemID: "gsm1", iccid: "8970101", hasAudioPort: true)
private let gsm2 = CallCandidate(modemID: "gsm2", iccid: "8970102", hasAudioPort: true)
private let gsm3 = CallCandidate(modemID: "gsm3", hasAudioPort: false)

private func machine(_ farEnd: CallStateMachine.FarEnd = .sipCaller(earlyMedia: false), _ candidates: [CallCandidate] = [gsm1, gsm2])
    -> CallStateMachine {
    CallStateMachine(configuration: .init(farEnd: farEnd, candidates: candidates))
}

/// A SIP caller's call with its RTP port bound and attempt 1 dialled at t=0.
private func dialledSIPCall(earlyMedia: Bool = false, _ candidates: [CallCandidate] = [gsm1, gsm2]) -> CallStateMachine {
    var m = machine(.sipCaller(earlyMedia: earlyMedia), candidates)
    _ = m.start(now: at(0))
    _ = m.mediaOpened(now: at(0))
    _ = m.dialAccepted(attempt: 1, now: at(0))
    return m
}

private func record(_ attempt: Int, _ candidate: CallCandidate, index: Int, _ cause: CallEndCause, start: Int = 0, ringing: Int? = nil,
                    answered: Int? = nil, end: Int, status: Int?) -> CallAttemptRecord {
    CallAttemptRecord(attempt: attempt, candidate: index, modemID: candidate.modemID, iccid: candidate.iccid, cause: cause,
                      startedAt: at(start), ringingAt: ringing.map(at), answeredAt: answered.map(at), endedAt: at(end),
                      billableSeconds: answered.map { end - $0 }, q850: CallCause.of(cause).q850, sipStatus: status)
}

private func reject(_ cause: CallEndCause) -> CallAction {
    let c = CallCause.of(cause)
    return .sipReject(status: c.sipStatus, phrase: c.sipReasonPhrase, reason: c.reasonHeader)
}

private let busy = CallEndCause(kind: .busy, text: "BUSY")
private let congestion = CallEndCause(kind: .congestion, text: "NO CARRIER")
private let normal = CallEndCause(kind: .normal, text: "normal clearing")
private let hungUp = CallEndCause(kind: .localHangup, text: "client end (hung up locally)")

@Suite("CallStateMachine: an outbound call through candidate modems")
struct CallStateMachineTests {
    // MARK: The happy path

    @Test func sipCallRingsAnswersAndEndsOnBYE() {
        var m = machine()
        #expect(m.start(now: at(0)) == [.openMedia])
        #expect(m.phase == .dialing)
        #expect(m.mediaOpened(now: at(0)) == [.openRecord(attempt: 1, candidate: 0), .dial(attempt: 1, candidate: 0)])
        #expect(m.dialAccepted(attempt: 1, now: at(1)) == [])
        #expect(m.modemAlerting(attempt: 1, now: at(3)) == [.sipRinging])
        #expect(m.phase == .ringing)
        #expect(m.modemConnected(attempt: 1, now: at(10)) == [.openAudio, .sipAnswer])
        #expect(m.phase == .answered && m.answeredAt == at(10) && m.currentCandidate == 0)
        #expect(m.sipEnded(now: at(70)) == [.hangUpModem])
        let r = record(1, gsm1, index: 0, hungUp, ringing: 3, answered: 10, end: 71, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(71)) == [.closeAudio, .closeRecord(r), .closeMedia, .finished(hungUp, attempts: [r])])
        #expect(r.billableSeconds == 61 && r.reachedCallee)
        #expect(m.isFinished && m.phase == .ended && m.attempts == [r])
    }

    @Test func modemHangUpOfAnAnsweredCallIsABYEWithItsReason() {
        var m = dialledSIPCall()
        _ = m.modemConnected(attempt: 1, now: at(5))
        let r = record(1, gsm1, index: 0, normal, ringing: 5, answered: 5, end: 20, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: normal, now: at(20))
            == [.closeAudio, .closeRecord(r), .sipHangUp(reason: CallCause.of(normal).reasonHeader), .closeMedia, .finished(normal, attempts: [r])])
    }

    // MARK: Failover

    /// CallCause's table, as the failover sees it: the modem's and the network's failures move on.
    static let kinds: [(CallEndCause.Kind, Bool)] = [
        (.normal, false), (.busy, false), (.noAnswer, false), (.rejected, false), (.unassignedNumber, false),
        (.localHangup, false), (.unknown, false),
        (.congestion, true), (.noDialtone, true), (.noService, true), (.modemError, true), (.modemGone, true),
    ]

    @Test(arguments: kinds)
    func failureBeforeAnswerMovesOnOnlyForTheModemOrNetwork(kind: CallEndCause.Kind, movesOn: Bool) {
        let cause = CallEndCause(kind: kind, text: kind.rawValue)
        #expect(CallCause.of(cause).retryOnNextModem == movesOn)
        var m = dialledSIPCall()
        let r1 = record(1, gsm1, index: 0, cause, end: 2, status: CallCause.of(cause).sipStatus)
        let actions = m.modemEnded(attempt: 1, cause: cause, now: at(2))
        if movesOn {
            // Silently: the phone hears nothing of the first modem.
            #expect(actions == [.closeRecord(r1), .openRecord(attempt: 2, candidate: 1), .dial(attempt: 2, candidate: 1)])
            #expect(m.currentCandidate == 1 && m.attemptCount == 2 && m.lastCause == cause)
        } else {
            #expect(actions == [.closeRecord(r1), reject(cause), .closeMedia, .finished(cause, attempts: [r1])])
        }
    }

    @Test func aReportedNetworkCauseDecidesOverTheKind() {
        // Operator determined barring (24.008 cause 8): another SIM may get through.
        var m = dialledSIPCall()
        let barred = CallEndCause.fromCCCause(8)
        #expect(m.modemEnded(attempt: 1, cause: barred, now: at(1)).suffix(2) == [.openRecord(attempt: 2, candidate: 1), .dial(attempt: 2, candidate: 1)])
        // User busy (17) is the callee's answer: final, with 486 and its Reason.
        let userBusy = CallEndCause.fromCCCause(17)
        let r2 = record(2, gsm2, index: 1, userBusy, start: 1, end: 4, status: 486)
        #expect(m.modemEnded(attempt: 2, cause: userBusy, now: at(4))
            == [.closeRecord(r2), .sipReject(status: 486, phrase: "Busy Here", reason: "Q.850;cause=17;text=\"User busy\""), .closeMedia,
                .finished(userBusy, attempts: [record(1, gsm1, index: 0, barred, end: 1, status: 503), r2])])
    }

    @Test func theLastCandidatesFailureEndsTheCallWithItsCause() {
        var m = dialledSIPCall([gsm1, gsm2, gsm3])
        _ = m.modemEnded(attempt: 1, cause: congestion, now: at(1))
        let modemGone = CallEndCause(kind: .modemGone, text: "AT port closed")
        _ = m.modemEnded(attempt: 2, cause: modemGone, now: at(2))
        let noService = CallEndCause(kind: .noService, text: "no service")
        let rs = [record(1, gsm1, index: 0, congestion, end: 1, status: 503), record(2, gsm2, index: 1, modemGone, start: 1, end: 2, status: 503),
                  record(3, gsm3, index: 2, noService, start: 2, end: 3, status: 503)]
        #expect(m.modemEnded(attempt: 3, cause: noService, now: at(3)) == [.closeRecord(rs[2]), reject(noService), .closeMedia, .finished(noService, attempts: rs)])
        #expect(m.attempts.map(\.modemID) == ["gsm1", "gsm2", "gsm3"])
    }

    @Test func noAnswerAfterAlertingIsFinalAndTheCalleeWasReached() {
        var m = dialledSIPCall()
        _ = m.modemAlerting(attempt: 1, now: at(2))
        let noAnswer = CallEndCause(kind: .noAnswer, text: "NO ANSWER")
        let r = record(1, gsm1, index: 0, noAnswer, ringing: 2, end: 32, status: 480)
        #expect(m.modemEnded(attempt: 1, cause: noAnswer, now: at(32)) == [.closeRecord(r), reject(noAnswer), .closeMedia, .finished(noAnswer, attempts: [r])])
        #expect(r.reachedCallee && r.billableSeconds == nil)
    }

    @Test func dialRefusedIsAModemErrorThatMovesOn() {
        var m = machine()
        _ = m.start(now: at(0))
        _ = m.mediaOpened(now: at(0))
        let refused = CallEndCause(kind: .modemError, text: "gsm1 refused the call: +CME ERROR: 30")
        let r1 = record(1, gsm1, index: 0, refused, end: 1, status: 503)
        #expect(m.dialRefused(attempt: 1, reason: "+CME ERROR: 30", now: at(1)) == [.closeRecord(r1), .openRecord(attempt: 2, candidate: 1), .dial(attempt: 2, candidate: 1)])
        // The second modem accepts: a refusal can no longer come for it.
        #expect(m.dialAccepted(attempt: 2, now: at(1)) == [])
        #expect(m.dialRefused(attempt: 2, reason: "ERROR", now: at(2)) == [])
        #expect(m.attemptCount == 2)
    }

    @Test func dialRefusedByTheOnlyModemEndsWithAModemError() {
        var m = machine(.sipCaller(earlyMedia: false), [gsm1])
        _ = m.start(now: at(0))
        _ = m.mediaOpened(now: at(0))
        let refused = CallEndCause(kind: .modemError, text: "gsm1 refused the call: ERROR")
        let r = record(1, gsm1, index: 0, refused, end: 0, status: 503)
        #expect(m.dialRefused(attempt: 1, reason: "ERROR", now: at(0))
            == [.closeRecord(r), .sipReject(status: 503, phrase: "Service Unavailable", reason: "Q.850;cause=41;text=\"Temporary failure (modem error)\""),
                .closeMedia, .finished(refused, attempts: [r])])
    }

    @Test func noCandidateEndsWithNoModemCouldTakeTheCall() {
        let none = CallEndCause(kind: .noService, text: "no modem could take the call")
        var tone = machine(.testTone, [])
        #expect(tone.start(now: at(0)) == [.finished(none, attempts: [])])
        var sip = machine(.sipCaller(earlyMedia: false), [])
        _ = sip.start(now: at(0))
        #expect(sip.mediaOpened(now: at(0)) == [.sipReject(status: 503, phrase: "Service Unavailable", reason: "Q.850;cause=38;text=\"Network out of order\""),
                                                .closeMedia, .finished(none, attempts: [])])
    }

    @Test func eventsOfAnEarlierAttemptAreNotTakenForTheCurrentOne() {
        var m = dialledSIPCall()
        _ = m.modemEnded(attempt: 1, cause: congestion, now: at(1))
        #expect(m.modemAlerting(attempt: 1, now: at(2)) == [])
        #expect(m.modemConnected(attempt: 1, now: at(2)) == [])
        #expect(m.modemEnded(attempt: 1, cause: busy, now: at(2)) == [])
        #expect(m.dialRefused(attempt: 1, reason: "ERROR", now: at(2)) == [])
        #expect(m.phase == .dialing && m.attemptCount == 2)
        #expect(m.modemAlerting(attempt: 2, now: at(3)) == [.sipRinging])
    }

    // MARK: The SIP side ends it

    @Test func cancelWhileTheRTPPortOpensEndsTheCallWithNoAttempt() {
        var m = machine()
        _ = m.start(now: at(0))
        let cancelled = CallEndCause(kind: .localHangup, text: "cancelled before dialling")
        #expect(m.sipCancelled(now: at(0)) == [.finished(cancelled, attempts: [])])
        // The socket bound afterwards is closed, once; nothing is dialled.
        #expect(m.mediaOpened(now: at(1)) == [.closeMedia])
        #expect(m.mediaOpened(now: at(1)) == [])
        #expect(m.attempts.isEmpty && m.attemptCount == 0)
    }

    @Test func cancelWhileDiallingHangsUpTheModemAndTheRecordSays487() {
        var m = dialledSIPCall()
        #expect(m.sipCancelled(now: at(2)) == [.hangUpModem])
        // Even a cause that would fail over does not: the caller is gone.
        let gone = CallEndCause(kind: .modemError, text: "ATH answered ERROR")
        let r = record(1, gsm1, index: 0, gone, end: 3, status: 487)
        #expect(m.modemEnded(attempt: 1, cause: gone, now: at(3)) == [.closeRecord(r), .closeMedia, .finished(gone, attempts: [r])])
    }

    @Test func cancelWhileAlertingWithEarlyMediaClosesTheAudio() {
        var m = dialledSIPCall(earlyMedia: true)
        #expect(m.modemAlerting(attempt: 1, now: at(2)) == [.openAudio, .sipSessionProgress])
        #expect(m.sipCancelled(now: at(8)) == [.hangUpModem])
        #expect(m.phase == .ringing)
        let r = record(1, gsm1, index: 0, hungUp, ringing: 2, end: 9, status: 487)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(9)) == [.closeAudio, .closeRecord(r), .closeMedia, .finished(hungUp, attempts: [r])])
    }

    @Test func byeOfAnAnsweredCallHangsUpTheModemAndSendsNothingBack() {
        var m = dialledSIPCall()
        _ = m.modemConnected(attempt: 1, now: at(4))
        #expect(m.sipEnded(now: at(30)) == [.hangUpModem])
        #expect(m.sipEnded(now: at(30)) == [])
        #expect(m.sipCancelled(now: at(30)) == [])
        let r = record(1, gsm1, index: 0, normal, ringing: 4, answered: 4, end: 31, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: normal, now: at(31)) == [.closeAudio, .closeRecord(r), .closeMedia, .finished(normal, attempts: [r])])
    }

    @Test func connectedAfterTheCallerHungUpIsHungUpAtOnce() {
        var m = dialledSIPCall()
        _ = m.modemAlerting(attempt: 1, now: at(1))
        #expect(m.sipCancelled(now: at(5)) == [.hangUpModem])
        // The answer crossed our ATH: no 200, no audio, clear again; the SIM pays from here.
        #expect(m.modemConnected(attempt: 1, now: at(6)) == [.hangUpModem])
        #expect(m.modemConnected(attempt: 1, now: at(6)) == [])
        let r = record(1, gsm1, index: 0, hungUp, ringing: 1, answered: 6, end: 7, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(7)) == [.closeRecord(r), .closeMedia, .finished(hungUp, attempts: [r])])
    }

    // MARK: The admin ends it

    @Test func adminHangUpWhileDiallingRejectsWithTheModemsCause() {
        var m = dialledSIPCall()
        #expect(m.hangUpRequested(now: at(1)) == [.hangUpModem])
        #expect(m.hangUpRequested(now: at(1)) == [])
        let r = record(1, gsm1, index: 0, hungUp, end: 2, status: 487)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(2))
            == [.closeRecord(r), .sipReject(status: 487, phrase: "Request Terminated", reason: "Q.850;cause=16;text=\"Normal call clearing\""),
                .closeMedia, .finished(hungUp, attempts: [r])])
    }

    @Test func adminHangUpOfAnAnsweredCallIsABYE() {
        var m = dialledSIPCall()
        _ = m.modemConnected(attempt: 1, now: at(2))
        #expect(m.hangUpRequested(now: at(12)) == [.hangUpModem])
        let r = record(1, gsm1, index: 0, hungUp, ringing: 2, answered: 2, end: 12, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(12))
            == [.closeAudio, .closeRecord(r), .sipHangUp(reason: CallCause.of(hungUp).reasonHeader), .closeMedia, .finished(hungUp, attempts: [r])])
    }

    @Test func adminHangUpThenTheAnswerNeverReachesThePhone() {
        // The phone never got 200, so its end is a final response, not a BYE.
        var m = dialledSIPCall()
        _ = m.hangUpRequested(now: at(1))
        #expect(m.modemConnected(attempt: 1, now: at(2)) == [.hangUpModem])
        let r = record(1, gsm1, index: 0, hungUp, ringing: 2, answered: 2, end: 3, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(3)) == [.closeRecord(r), reject(hungUp), .closeMedia, .finished(hungUp, attempts: [r])])
    }

    @Test func adminHangUpThenCancelLeavesTheRejectToTheSIPLayer() {
        var m = dialledSIPCall()
        _ = m.hangUpRequested(now: at(1))
        #expect(m.sipCancelled(now: at(1)) == [])
        let r = record(1, gsm1, index: 0, hungUp, end: 2, status: 487)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(2)) == [.closeRecord(r), .closeMedia, .finished(hungUp, attempts: [r])])
    }

    @Test func adminHangUpWhileTheRTPPortOpens() {
        var m = machine()
        _ = m.start(now: at(0))
        let cause = CallEndCause(kind: .localHangup, text: "hung up before dialling")
        #expect(m.hangUpRequested(now: at(0)) == [reject(cause), .finished(cause, attempts: [])])
        #expect(m.mediaOpened(now: at(0)) == [.closeMedia])
    }

    // MARK: Media

    @Test func noFreeRTPPortIs503WithQ850Cause47() {
        var m = machine()
        _ = m.start(now: at(0))
        let cause = CallEndCause(kind: .noService, text: "no free RTP port")
        #expect(m.mediaFailed(now: at(0))
            == [.sipReject(status: 503, phrase: "Service Unavailable", reason: "Q.850;cause=47;text=\"no free RTP port\""), .finished(cause, attempts: [])])
        #expect(m.sipCancelled(now: at(1)) == [])
    }

    @Test func earlyMediaWithAnAudioPortIs183AndTheAnswerKeepsTheStream() {
        var m = dialledSIPCall(earlyMedia: true)
        #expect(m.modemAlerting(attempt: 1, now: at(1)) == [.openAudio, .sipSessionProgress])
        #expect(m.modemAlerting(attempt: 1, now: at(2)) == [])
        #expect(m.modemConnected(attempt: 1, now: at(5)) == [.sipAnswer])
    }

    @Test func earlyMediaWithoutAnAudioPortIs180() {
        var m = dialledSIPCall(earlyMedia: true, [gsm3])
        #expect(m.modemAlerting(attempt: 1, now: at(1)) == [.sipRinging])
        #expect(m.modemConnected(attempt: 1, now: at(5)) == [.sipAnswer])
        let r = record(1, gsm3, index: 0, normal, ringing: 1, answered: 5, end: 6, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: normal, now: at(6)) == [.closeRecord(r), .sipHangUp(reason: CallCause.of(normal).reasonHeader), .closeMedia,
                                                                          .finished(normal, attempts: [r])])
    }

    @Test func earlyMediaOffIs180AndTheAudioOpensAtTheAnswer() {
        var m = dialledSIPCall(earlyMedia: false)
        #expect(m.modemAlerting(attempt: 1, now: at(1)) == [.sipRinging])
        #expect(m.modemConnected(attempt: 1, now: at(5)) == [.openAudio, .sipAnswer])
        #expect(m.modemConnected(attempt: 1, now: at(6)) == [])
    }

    // MARK: The per-call cap

    @Test func capWarnsThenEndsBothLegsAndTheRecordSaysTheCap() {
        let cap = CallCap(seconds: 60, warningAtSecond: 50)
        var capped = gsm1
        capped.cap = cap
        var m = dialledSIPCall([capped])
        _ = m.modemAlerting(attempt: 1, now: at(2))
        #expect(m.modemConnected(attempt: 1, now: at(10))
            == [.openAudio, .sipAnswer, .armTimer(.capWarning, after: .seconds(50)), .armTimer(.capEnd, after: .seconds(60))])
        #expect(m.timerFired(.capWarning, now: at(60)) == [.playWarning])
        #expect(m.timerFired(.capWarning, now: at(60)) == [])
        #expect(m.timerFired(.capEnd, now: at(70)) == [.sipHangUp(reason: "Q.850;cause=16;text=\"per-call limit of 60 s reached\""), .hangUpModem])
        #expect(m.timerFired(.capEnd, now: at(70)) == [])
        // The BYE's own end comes back: ignored.
        #expect(m.sipEnded(now: at(70)) == [])
        let capCause = CallEndCause(kind: .localHangup, text: "per-call limit of 60 s reached")
        let r = record(1, capped, index: 0, capCause, ringing: 2, answered: 10, end: 70, status: nil)
        #expect(r.q850 == CallCap.q850 && r.billableSeconds == 60)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(70))
            == [.cancelTimer(.capWarning), .cancelTimer(.capEnd), .closeAudio, .closeRecord(r), .closeMedia, .finished(capCause, attempts: [r])])
    }

    @Test func capWithTheWarningAtTheCapArmsNoWarning() {
        var capped = gsm1
        capped.cap = CallCap(seconds: 30, warningAtSecond: 30)
        var m = dialledSIPCall([capped])
        #expect(m.modemConnected(attempt: 1, now: at(1)) == [.openAudio, .sipAnswer, .armTimer(.capEnd, after: .seconds(30))])
        #expect(m.timerFired(.capWarning, now: at(31)) == [])
        #expect(m.sipEnded(now: at(20)) == [.hangUpModem])
        #expect(m.modemEnded(attempt: 1, cause: normal, now: at(20)).prefix(2) == [.cancelTimer(.capEnd), .closeAudio])
    }

    @Test func capTimersOfACallEndedEarlierDoNothing() {
        var capped = gsm1
        capped.cap = CallCap(seconds: 30, warningAtSecond: 25)
        var m = dialledSIPCall([capped])
        _ = m.modemConnected(attempt: 1, now: at(1))
        _ = m.modemEnded(attempt: 1, cause: normal, now: at(5))
        #expect(m.timerFired(.capWarning, now: at(26)) == [])
        #expect(m.timerFired(.capEnd, now: at(31)) == [])
    }

    @Test func onlyASIPCallersCallIsCapped() {
        var capped = gsm1
        capped.cap = CallCap(seconds: 30, warningAtSecond: 25)
        var m = machine(.testTone, [capped])
        _ = m.start(now: at(0))
        #expect(m.modemConnected(attempt: 1, now: at(1)) == [.openAudio])
        #expect(m.timerFired(.capEnd, now: at(31)) == [])
    }

    // MARK: Other far ends

    @Test func testToneDialsAtOnceAndTellsNoSIPSide() {
        var m = machine(.testTone, [gsm1, gsm2])
        #expect(m.start(now: at(0)) == [.openRecord(attempt: 1, candidate: 0), .dial(attempt: 1, candidate: 0)])
        #expect(m.modemAlerting(attempt: 1, now: at(1)) == [])
        #expect(m.phase == .ringing)
        #expect(m.modemConnected(attempt: 1, now: at(2)) == [.openAudio])
        #expect(m.sipEnded(now: at(3)) == [])
        let r = record(1, gsm1, index: 0, normal, ringing: 1, answered: 2, end: 9, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: normal, now: at(9)) == [.closeAudio, .closeRecord(r), .finished(normal, attempts: [r])])
    }

    @Test func testToneFailsOverLikeAnyCall() {
        var m = machine(.testTone, [gsm1, gsm2])
        _ = m.start(now: at(0))
        #expect(m.modemEnded(attempt: 1, cause: congestion, now: at(1)).suffix(2) == [.openRecord(attempt: 2, candidate: 1), .dial(attempt: 2, candidate: 1)])
        let r2 = record(2, gsm2, index: 1, busy, start: 1, end: 2, status: 486)
        #expect(m.modemEnded(attempt: 2, cause: busy, now: at(2)) == [.closeRecord(r2), .finished(busy, attempts: [record(1, gsm1, index: 0, congestion, end: 1, status: 503), r2])])
    }

    @Test func externalMemberReportsTheAnswerAndIsHungUpByItsInboundCall() {
        var m = machine(.externalMember, [gsm1])
        _ = m.start(now: at(0))
        #expect(m.modemConnected(attempt: 1, now: at(4)) == [.openAudio, .reportAnswered])
        #expect(m.hangUpRequested(now: at(9)) == [.hangUpModem])
        let r = record(1, gsm1, index: 0, hungUp, ringing: 4, answered: 4, end: 10, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(10)) == [.closeAudio, .closeRecord(r), .finished(hungUp, attempts: [r])])
    }

    @Test func callbackDispatcherHearsOnlyTheEnd() {
        var m = machine(.sipAnswered, [gsm1])
        #expect(m.start(now: at(0)) == [.openRecord(attempt: 1, candidate: 0), .dial(attempt: 1, candidate: 0)])
        #expect(m.modemAlerting(attempt: 1, now: at(1)) == [])
        let r = record(1, gsm1, index: 0, busy, ringing: 1, end: 2, status: 486)
        #expect(m.modemEnded(attempt: 1, cause: busy, now: at(2)) == [.closeRecord(r), .sipHangUp(reason: CallCause.of(busy).reasonHeader), .finished(busy, attempts: [r])])
    }

    @Test func callbackDispatcherHangingUpEndsTheCustomersCall() {
        var m = machine(.sipAnswered, [gsm1])
        _ = m.start(now: at(0))
        _ = m.modemConnected(attempt: 1, now: at(3))
        #expect(m.sipEnded(now: at(9)) == [.hangUpModem])
        let r = record(1, gsm1, index: 0, hungUp, ringing: 3, answered: 3, end: 9, status: nil)
        #expect(m.modemEnded(attempt: 1, cause: hungUp, now: at(9)) == [.closeAudio, .closeRecord(r), .finished(hungUp, attempts: [r])])
    }

    // MARK: After the end

    @Test func nothingHappensAfterTheEnd() {
        var m = dialledSIPCall()
        _ = m.modemConnected(attempt: 1, now: at(1))
        _ = m.modemEnded(attempt: 1, cause: normal, now: at(2))
        #expect(m.isFinished)
        #expect(m.dialAccepted(attempt: 1, now: at(3)) == [])
        #expect(m.dialRefused(attempt: 1, reason: "ERROR", now: at(3)) == [])
        #expect(m.modemAlerting(attempt: 1, now: at(3)) == [])
        #expect(m.modemConnected(attempt: 1, now: at(3)) == [])
        #expect(m.modemEnded(attempt: 1, cause: busy, now: at(3)) == [])
        #expect(m.modemConnected(attempt: 2, now: at(3)) == [])
        #expect(m.sipCancelled(now: at(3)) == [])
        #expect(m.sipEnded(now: at(3)) == [])
        #expect(m.hangUpRequested(now: at(3)) == [])
        #expect(m.timerFired(.capEnd, now: at(3)) == [])
        #expect(m.mediaOpened(now: at(3)) == [])
        #expect(m.mediaFailed(now: at(3)) == [])
        #expect(m.lastCause == normal && m.attempts.count == 1)
    }

    // MARK: Any order of events

    /// Random events in random order, on every far end: the records pair up, the phone gets
    /// one final word, resources opened are closed, `finished` comes once and is the last.
    @Test func invariantsHoldForRandomEventSequences() {
        let farEnds: [CallStateMachine.FarEnd] = [.sipCaller(earlyMedia: true), .sipCaller(earlyMedia: false), .sipAnswered, .testTone, .externalMember]
        let kinds = Self.kinds.map(\.0)
        for seed in UInt64(1)...600 {
            var rng = SplitMix64(seed: seed)
            let farEnd = farEnds[Int.random(in: 0..<farEnds.count, using: &rng)]
            let candidates = (0..<Int.random(in: 0...3, using: &rng)).map { i in
                CallCandidate(modemID: "m\(i)", hasAudioPort: Bool.random(using: &rng),
                              cap: Bool.random(using: &rng) ? CallCap(seconds: 30, warningAtSecond: Int.random(in: 20...30, using: &rng)) : nil)
            }
            var m = machine(farEnd, candidates)
            var t = 0
            var log: [(event: String, actions: [CallAction])] = [("start", m.start(now: at(0)))]
            let usesMedia = farEnd == .sipCaller(earlyMedia: true) || farEnd == .sipCaller(earlyMedia: false)
            var firstMediaResult: String?
            func feed(_ name: String, _ actions: [CallAction]) { log.append((name, actions)) }

            for _ in 0..<Int.random(in: 0...25, using: &rng) {
                t += Int.random(in: 0...5, using: &rng)
                let now = at(t)
                let attempt = max(1, m.attemptCount + Int.random(in: -1...0, using: &rng))
                switch Int.random(in: 0..<12, using: &rng) {
                case 0 where usesMedia:
                    firstMediaResult = firstMediaResult ?? "opened"
                    feed("mediaOpened", m.mediaOpened(now: now))
                case 1 where usesMedia:
                    firstMediaResult = firstMediaResult ?? "failed"
                    feed("mediaFailed", m.mediaFailed(now: now))
                case 2: feed("dialAccepted", m.dialAccepted(attempt: attempt, now: now))
                case 3: feed("dialRefused", m.dialRefused(attempt: attempt, reason: "ERROR", now: now))
                case 4: feed("alerting", m.modemAlerting(attempt: attempt, now: now))
                case 5, 6: feed("connected", m.modemConnected(attempt: attempt, now: now))
                case 7:
                    let kind = kinds[Int.random(in: 0..<kinds.count, using: &rng)]
                    feed("ended", m.modemEnded(attempt: attempt, cause: CallEndCause(kind: kind, text: "\(kind)"), now: now))
                case 8: feed("sipCancelled", m.sipCancelled(now: now))
                case 9: feed("sipEnded", m.sipEnded(now: now))
                case 10: feed("hangUp", m.hangUpRequested(now: now))
                default: feed("timer", m.timerFired(Bool.random(using: &rng) ? .capWarning : .capEnd, now: now))
                }
            }
            // Bring it to its end as the world would: the socket binds, someone hangs up,
            // the modem reports the end.
            if usesMedia, firstMediaResult == nil {
                firstMediaResult = "opened"
                feed("mediaOpened", m.mediaOpened(now: at(t)))
            }
            feed("hangUp", m.hangUpRequested(now: at(t)))
            feed("ended", m.modemEnded(attempt: m.attemptCount, cause: normal, now: at(t + 1)))
            feed("ended again", m.modemEnded(attempt: m.attemptCount, cause: normal, now: at(t + 2)))
            feed("mediaOpened late", usesMedia ? m.mediaOpened(now: at(t + 2)) : [])

            let trace = log.map { "\($0.event) → \($0.actions)" }.joined(separator: "\n")
            let all = log.flatMap(\.actions)
            #expect(m.isFinished, "seed \(seed) did not finish:\n\(trace)")
            #expect(all.filter { if case .finished = $0 { true } else { false } }.count == 1, "seed \(seed):\n\(trace)")

            // After `finished`: nothing but the close of a socket bound late, in answer to it.
            if let end = log.firstIndex(where: { $0.actions.contains { if case .finished = $0 { true } else { false } } }) {
                #expect(log[end].actions.last.map { if case .finished = $0 { true } else { false } } == true, "seed \(seed):\n\(trace)")
                for later in log[(end + 1)...] where !later.actions.isEmpty {
                    #expect(later.event.hasPrefix("mediaOpened") && later.actions == [.closeMedia], "seed \(seed):\n\(trace)")
                }
            }

            // Records: every open followed by exactly one close of the same attempt, in turn.
            var open: Int?
            var closed: [CallAttemptRecord] = []
            var audio = false, sipFinal = 0, sipAnswered = false, armed: Set<CallTimer> = []
            for action in all {
                switch action {
                case .openRecord(let attempt, _):
                    #expect(open == nil && attempt == closed.count + 1, "seed \(seed):\n\(trace)")
                    open = attempt
                case .closeRecord(let r):
                    #expect(open == r.attempt, "seed \(seed): close without open\n\(trace)")
                    #expect(!audio, "seed \(seed): record closed before its audio\n\(trace)")
                    #expect(armed.isEmpty, "seed \(seed): record closed with timers armed\n\(trace)")
                    open = nil
                    closed.append(r)
                case .dial(let attempt, _):
                    #expect(open == attempt, "seed \(seed): dial outside its record\n\(trace)")
                case .openAudio:
                    #expect(!audio && open != nil, "seed \(seed):\n\(trace)")
                    audio = true
                case .closeAudio:
                    #expect(audio, "seed \(seed):\n\(trace)")
                    audio = false
                case .armTimer(let timer, _): armed.insert(timer)
                case .cancelTimer(let timer): armed.remove(timer)
                case .sipAnswer:
                    #expect(!sipAnswered && sipFinal == 0, "seed \(seed):\n\(trace)")
                    sipAnswered = true
                case .sipReject:
                    #expect(!sipAnswered, "seed \(seed): reject after 200\n\(trace)")
                    sipFinal += 1
                case .sipHangUp: sipFinal += 1
                case .sipRinging, .sipSessionProgress, .playWarning, .reportAnswered:
                    #expect(usesMedia || action == .reportAnswered, "seed \(seed): \(action) without a SIP caller\n\(trace)")
                case .finished(_, let attempts):
                    #expect(open == nil && attempts == closed && attempts == m.attempts, "seed \(seed):\n\(trace)")
                case .openMedia, .closeMedia, .hangUpModem: break
                }
            }
            #expect(open == nil && !audio && armed.isEmpty, "seed \(seed):\n\(trace)")
            #expect(sipFinal <= 1, "seed \(seed): two final words to the phone\n\(trace)")
            let closes = all.filter { $0 == .closeMedia }.count
            #expect(closes == (firstMediaResult == "opened" ? 1 : 0), "seed \(seed): media closed \(closes) times\n\(trace)")
            #expect(m.attempts.allSatisfy { $0.answeredAt == nil || $0.sipStatus == nil }, "seed \(seed):\n\(trace)")
        }
    }
}
