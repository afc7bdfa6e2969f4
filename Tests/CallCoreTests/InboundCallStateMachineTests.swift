// A modem's inbound call on a virtual clock: each test feeds the modem's, the phones' and the
// distributor's events at chosen instants and checks the exact actions.
@testable import CallCore
import ModemCore
import SimgateConfig
import Testing

private func at(_ seconds: Int) -> CallInstant { CallInstant(nanoseconds: UInt64(seconds) * 1_000_000_000) }
private func atMillis(_ ms: Int) -> CallInstant { CallInstant(nanoseconds: UInt64(ms) * 1_000_000) }

private let alice = InboundMember.user("alice")
private let bob = InboundMember.user("bob")
private let driver = InboundMember.number("+79161234567")
private let elsewhere = InboundCallStateMachine.answeredElsewhereReason

private let callerGone = CallEndCause(kind: .normal, text: "NO CARRIER")
private let hungUp = CallEndCause(kind: .localHangup, text: "client end (hung up locally)")
private let modemGone = CallEndCause(kind: .modemGone, text: "port closed")

private func machine(_ target: InboundCallStateMachine.Target) -> InboundCallStateMachine {
    InboundCallStateMachine(configuration: .init(target: target))
}

private func closed(_ cause: CallEndCause, user: String? = nil, answered: Int? = nil, end: Int, status: Int?) -> InboundCallAction {
    .closeRecord(InboundCallRecord(sipUser: user, answeredAt: answered.map(at), endedAt: at(end), cause: cause,
                                   billableSeconds: answered.map { end - $0 }, q850: CallCause.of(cause).q850, sipStatus: status))
}

/// A call-center call from +7903 with alice and bob ringing since t=0.
private func ringingCenterCall() -> InboundCallStateMachine {
    var m = machine(.callCenter)
    _ = m.start(caller: .number("+79031112233"), now: at(0))
    _ = m.ring(alice, now: at(0))
    _ = m.ring(bob, now: at(0))
    return m
}

@Suite("InboundCallStateMachine: a modem's inbound call ringing phones")
struct InboundCallStateMachineTests {
    // MARK: One user

    @Test func userAnswersThenTheCallerHangsUp() {
        var m = machine(.user("alice"))
        #expect(m.start(caller: .number("+79031112233"), now: at(0)) == [.openRecord(sipUser: "alice"), .ringMember(alice)])
        #expect(m.caller == "+79031112233" && m.phase == .ringing)
        #expect(m.memberAnswered(alice, now: at(4)) == [.connectMember(alice), .answerModem])
        #expect(m.phase == .ringing, "answered only when the modem's call is off hook")
        #expect(m.modemConnected(now: at(5)) == [.openAudio(sendingRTP: true)])
        #expect(m.phase == .answered && m.answeredAt == at(5))
        #expect(m.memberHold(alice, on: true, now: at(20)) == [.setHold(true)])
        #expect(m.modemEnded(callerGone, now: at(65)) == [
            .closeAudio, closed(callerGone, user: "alice", answered: 5, end: 65, status: nil),
            .stopMember(alice, reason: CallCause.of(callerGone).reasonHeader), .closeMedia, .finished(callerGone),
        ])
        #expect(m.isFinished && m.phase == .ended)
        #expect(m.memberEnded(alice, status: nil, now: at(65)) == [], "its BYE echo changes nothing")
    }

    @Test func userHangsUpFirst() {
        var m = machine(.user("alice"))
        _ = m.start(caller: .number("+79031112233"), now: at(0))
        _ = m.memberAnswered(alice, now: at(2))
        _ = m.modemConnected(now: at(3))
        #expect(m.memberEnded(alice, status: nil, now: at(30)) == [.hangUpModem])
        #expect(m.phase == .answered)
        #expect(m.modemEnded(hungUp, now: at(31)) == [
            .closeAudio, closed(hungUp, user: "alice", answered: 3, end: 31, status: nil), .closeMedia, .finished(hungUp),
        ], "the phone that hung up is not told again")
    }

    @Test func userRefusesAndTheModemHangsUpWithTheirStatus() {
        var m = machine(.user("alice"))
        _ = m.start(caller: .unknown, now: at(0))
        #expect(m.callerIdentified(.number("+79031112233"), now: atMillis(200)) == [.recordCaller("+79031112233")])
        #expect(m.memberEnded(alice, status: 486, now: at(3)) == [.hangUpModem])
        #expect(m.modemEnded(hungUp, now: at(4)) == [closed(hungUp, user: "alice", end: 4, status: 486), .closeMedia, .finished(hungUp)])
    }

    @Test func unreachableUserEndsTheCallWith480() {
        var m = machine(.user("alice"))
        _ = m.start(caller: .number("+79031112233"), now: at(0))
        #expect(m.memberUnreachable(alice, now: at(0)) == [.hangUpModem])
        #expect(m.modemEnded(hungUp, now: at(1)) == [closed(hungUp, user: "alice", end: 1, status: 480), .closeMedia, .finished(hungUp)])
    }

    @Test func callerGivesUpWhileTheUserRings() {
        var m = machine(.user("alice"))
        _ = m.start(caller: .number("+79031112233"), now: at(0))
        let reason = CallCause.of(callerGone).reasonHeader
        #expect(m.modemEnded(callerGone, now: at(12)) == [
            closed(callerGone, user: "alice", end: 12, status: CallCause.of(callerGone).sipStatus),
            .stopMember(alice, reason: reason), .closeMedia, .finished(callerGone),
        ])
        #expect(m.memberAnswered(alice, now: at(12)) == [], "a 200 crossing the CANCEL does nothing after the end")
    }

    @Test func adminHangUpWhileAnswering() {
        var m = machine(.user("alice"))
        _ = m.start(caller: .number("+79031112233"), now: at(0))
        _ = m.memberAnswered(alice, now: at(2))
        #expect(m.hangUpRequested(now: at(2)) == [.hangUpModem])
        #expect(m.modemConnected(now: at(3)) == [.hangUpModem], "ATA overtook the hang-up: ask again")
        #expect(m.hangUpRequested(now: at(3)) == [])
    }

    // MARK: The call center: announcing

    @Test func callCenterHearsOfTheCallWithTheNumber() {
        var m = machine(.callCenter)
        #expect(m.start(caller: .number("+79031112233"), now: at(0)) == [.openRecord(sipUser: nil), .report(.incoming(caller: "+79031112233"))])
        #expect(m.callerIdentified(.number("+79031112233"), now: at(0)) == [.recordCaller("+79031112233")], "heard once")
    }

    @Test func ringWithoutNumberWaitsForItsCLIP() {
        var m = machine(.callCenter)
        #expect(m.start(caller: .unknown, now: at(0)) == [.openRecord(sipUser: nil), .armTimer(.callerIDGrace, after: .milliseconds(800))])
        #expect(m.callerIdentified(.number("+79031112233"), now: atMillis(150)) == [
            .recordCaller("+79031112233"), .cancelTimer(.callerIDGrace), .report(.incoming(caller: "+79031112233")),
        ])
        #expect(m.timerFired(.callerIDGrace, now: atMillis(800)) == [])
    }

    @Test func withheldNumberIsAnnouncedWithoutOne() {
        var m = machine(.callCenter)
        _ = m.start(caller: .unknown, now: at(0))
        #expect(m.callerIdentified(.withheld, now: atMillis(100)) == [.cancelTimer(.callerIDGrace), .report(.incoming(caller: nil))])
    }

    @Test func noCLIPWithinTheGrace() {
        var m = machine(.callCenter)
        _ = m.start(caller: .unknown, now: at(0))
        #expect(m.timerFired(.callerIDGrace, now: atMillis(800)) == [.report(.incoming(caller: nil))])
        #expect(m.callerIdentified(.number("+79031112233"), now: at(1)) == [.recordCaller("+79031112233")])
    }

    @Test func callerHangsUpWithinTheGraceAndIsStillAnnounced() {
        var m = machine(.callCenter)
        _ = m.start(caller: .unknown, now: at(0))
        #expect(m.modemEnded(callerGone, now: atMillis(500)) == [
            .cancelTimer(.callerIDGrace),
            .closeRecord(InboundCallRecord(sipUser: nil, answeredAt: nil, endedAt: atMillis(500), cause: callerGone, billableSeconds: nil,
                                           q850: CallCause.of(callerGone).q850, sipStatus: CallCause.of(callerGone).sipStatus)),
            .closeMedia, .report(.incoming(caller: nil)), .report(.callerHungUp), .finished(callerGone),
        ])
    }

    // MARK: The call center: ringing, answering, connecting

    @Test func firstAnswerIsConnectedAndTheOthersHearCompletedElsewhere() {
        var m = ringingCenterCall()
        #expect(m.ringingMembers == [alice, bob])
        #expect(m.ring(alice, now: at(1)) == [], "rung once")
        #expect(m.memberAnswered(bob, now: at(6)) == [.report(.answered(bob))])
        #expect(m.answerGSM(now: at(6)) == [.answerModem])
        #expect(m.connect(bob, now: at(6)) == [.connectMember(bob)])
        #expect(m.phase == .answered && m.connectedMember == bob)
        #expect(m.stopRinging(alice, now: at(6)) == [.stopMember(alice, reason: elsewhere)])
        #expect(m.modemConnected(now: at(7)) == [.openAudio(sendingRTP: true)])
        #expect(m.answeredAt == at(6), "the answer is when the caller was joined to bob")
        #expect(m.memberAnswered(alice, now: at(7)) == [.stopMember(alice, reason: elsewhere)], "a late 200 from alice")
        #expect(m.modemEnded(callerGone, now: at(100)) == [
            .closeAudio, closed(callerGone, user: "bob", answered: 6, end: 100, status: nil),
            .stopMember(bob, reason: CallCause.of(callerGone).reasonHeader), .closeMedia, .report(.callEnded), .finished(callerGone),
        ])
    }

    @Test func declinesAreReported() {
        var m = ringingCenterCall()
        #expect(m.memberEnded(alice, status: 486, now: at(2)) == [.report(.declined(alice))])
        #expect(m.memberUnreachable(bob, now: at(2)) == [.report(.declined(bob))])
        #expect(m.ringingMembers.isEmpty)
        #expect(m.memberEnded(alice, status: 487, now: at(3)) == [], "already gone")
    }

    @Test func queuedCallerHearsMusicThenIsConnected() {
        var m = machine(.callCenter)
        _ = m.start(caller: .number("+79031112233"), now: at(0))
        #expect(m.answerGSM(now: at(0)) == [.answerModem])
        #expect(m.answerGSM(now: at(0)) == [], "ATA once")
        #expect(m.modemConnected(now: at(1)) == [.openAudio(sendingRTP: false)])
        #expect(m.phase == .ringing, "off hook but nobody joined: not answered")
        #expect(m.playHoldMusic(file: nil, now: at(1)) == [.playHoldMusic(file: nil)])
        #expect(m.playPrompt(file: "position.wav", now: at(30)) == [.playPrompt(file: "position.wav")])
        #expect(m.ring(alice, now: at(40)) == [.ringMember(alice)])
        #expect(m.memberAnswered(alice, now: at(45)) == [.report(.answered(alice))])
        #expect(m.connect(alice, now: at(45)) == [.connectMember(alice)])
        #expect(m.modemConnected(now: at(45)) == [], "the modem is already off hook")
        #expect(m.playHoldMusic(file: nil, now: at(46)) == [], "no music once connected")
        #expect(m.memberHold(alice, on: true, now: at(50)) == [.setHold(true)])
        #expect(m.memberHold(bob, on: true, now: at(50)) == [], "only the connected phone's hold counts")
        #expect(m.memberEnded(alice, status: nil, now: at(90)) == [.hangUpModem])
        #expect(m.modemEnded(hungUp, now: at(91)) == [
            .closeAudio, closed(hungUp, user: "alice", answered: 45, end: 91, status: nil), .closeMedia, .report(.callEnded), .finished(hungUp),
        ])
    }

    @Test func connectingAMemberWhoWentAwayEndsTheCall() {
        var m = ringingCenterCall()
        _ = m.memberAnswered(alice, now: at(3))
        #expect(m.memberEnded(alice, status: nil, now: at(3)) == [.report(.declined(alice))])
        #expect(m.connect(alice, now: at(3)) == [.report(.callEnded), .hangUpModem, .stopMember(bob, reason: nil)])
        #expect(m.connect(bob, now: at(3)) == [], "nothing is connected while ending")
    }

    @Test func connectBeforeTheMemberAnsweredIsRefused() {
        var m = ringingCenterCall()
        #expect(m.connect(alice, now: at(1)) == [.report(.callEnded), .hangUpModem, .stopMember(alice, reason: nil), .stopMember(bob, reason: nil)])
    }

    @Test func distributorHangsUpAQueuedCall() {
        var m = ringingCenterCall()
        _ = m.answerGSM(now: at(0))
        _ = m.modemConnected(now: at(1))
        #expect(m.hangUpGSM(now: at(300)) == [.hangUpModem, .stopMember(alice, reason: nil), .stopMember(bob, reason: nil)])
        #expect(m.ring(alice, now: at(300)) == [], "nothing rings while ending")
        #expect(m.modemEnded(hungUp, now: at(301)) == [
            .closeAudio, closed(hungUp, end: 301, status: CallCause.of(hungUp).sipStatus), .closeMedia, .report(.callerHungUp), .finished(hungUp),
        ])
    }

    @Test func modemFailureIsReportedAsSuch() {
        var m = ringingCenterCall()
        let reason = CallCause.of(modemGone).reasonHeader
        #expect(m.modemEnded(modemGone, now: at(5)) == [
            closed(modemGone, end: 5, status: CallCause.of(modemGone).sipStatus),
            .stopMember(alice, reason: reason), .stopMember(bob, reason: reason), .closeMedia, .report(.modemFailed), .finished(modemGone),
        ])
    }

    @Test func callerHangsUpWhileMembersRing() {
        var m = ringingCenterCall()
        let reason = CallCause.of(callerGone).reasonHeader
        #expect(m.modemEnded(callerGone, now: at(9)) == [
            closed(callerGone, end: 9, status: CallCause.of(callerGone).sipStatus),
            .stopMember(alice, reason: reason), .stopMember(bob, reason: reason), .closeMedia, .report(.callerHungUp), .finished(callerGone),
        ])
        #expect(m.ring(alice, now: at(9)) == [] && m.answerGSM(now: at(9)) == [] && m.timerFired(.callerIDGrace, now: at(9)) == [])
    }

    // MARK: External members

    @Test func externalMemberIsConnectedAndHangsUp() {
        var m = machine(.callCenter)
        _ = m.start(caller: .number("+79031112233"), now: at(0))
        #expect(m.externalMemberDialled(driver, now: at(0)) == [])
        #expect(m.ringingMembers == [driver])
        #expect(m.memberAnswered(driver, now: at(10)) == [.report(.answered(driver))])
        _ = m.answerGSM(now: at(10))
        #expect(m.connect(driver, now: at(10)) == [.connectMember(driver)])
        #expect(m.modemConnected(now: at(11)) == [.openAudio(sendingRTP: true)])
        #expect(m.memberEnded(driver, status: nil, now: at(40)) == [.hangUpModem])
        #expect(m.modemEnded(hungUp, now: at(41)) == [
            .closeAudio, closed(hungUp, answered: 10, end: 41, status: nil), .closeMedia, .report(.callEnded), .finished(hungUp),
        ], "an external member is no SIP user")
    }

    @Test func externalMemberDialledAfterTheEndIsHungUp() {
        var m = ringingCenterCall()
        _ = m.modemEnded(callerGone, now: at(1))
        #expect(m.externalMemberDialled(driver, now: at(1)) == [.stopMember(driver, reason: nil)])
        #expect(m.memberUnreachable(driver, now: at(1)) == [])
    }
}
