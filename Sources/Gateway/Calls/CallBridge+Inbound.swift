// The inbound call's performer: a modem's call ringing one SIP user, or run by the call
// center. Its rules (when the call center hears of the call, who may be connected, when the
// modem answers and hangs up, the one record, who is told at the end) are CallCore's
// `InboundCallStateMachine`; this file feeds it the modem's, the phones' and the distributor's
// events and carries out what it returns: modem commands, SIP legs, the RTP socket, the audio
// port, the music, the record, the reports to the distributor.
//
// Actions run in order, one batch at a time (ActionQueue), as for the outbound machine.
import CallCore
import ControlModel
import Foundation
import ModemCore
import NIOCore
import SimgateConfig
import Storage

extension CallBridge {
    /// The modem's inbound call begins: it is claimed (its events come here) and the machine
    /// starts.
    func startInbound(_ target: InboundCallStateMachine.Target, caller: CallerID) {
        guard let (controller, facts) = candidates.first else {
            phase = .ended
            onFinished(self)
            return
        }
        index = 0
        self.controller = controller
        self.facts = facts
        inboundCallerID = caller
        inbound = InboundCallStateMachine(configuration: .init(target: target))
        controller.claimIncoming { event in self.loop.execute { self.inboundModemEvent(event) } }
        feedInbound { $0.start(caller: caller, now: $1) }
    }

    /// One event into the inbound machine; its actions are carried out (after any batch in
    /// progress).
    func feedInbound(_ event: (inout InboundCallStateMachine, CallInstant) -> [InboundCallAction]) {
        guard var machine = inbound else { return }
        let actions = event(&machine, .now)
        inbound = machine
        if let at = machine.answeredAt, answeredAt == nil {
            answeredAt = date(at)
            persistAnswer(date(at))
        }
        if phase != .ended, let p = Phase(rawValue: machine.phase.rawValue), p != .ended { phase = p }
        inboundActions.run(actions, perform)
    }

    // MARK: Events in

    func inboundModemEvent(_ event: CallEvent) {
        switch event {
        case .connected: feedInbound { $0.modemConnected(now: $1) }
        case .ended(_, let cause, _): feedInbound { $0.modemEnded(cause, now: $1) }
        case .callerIdentified(let caller): feedInbound { $0.callerIdentified(caller, now: $1) }
        case .dtmfReceived(let digits):
            dtmfReceived.append(digits)
            // The modem heard a digit from the network: RFC 4733 toward the phone.
            for c in digits { media?.sendDigit(c, fromModem: true) }
        default:
            break
        }
    }

    /// A phone rung for this call answered, ended or put the call on hold.
    func inboundMemberEvent(_ member: InboundMember, _ event: SIPLegEvent) {
        switch event {
        case .ringing: break
        case .answered: feedInbound { $0.memberAnswered(member, now: $1) }
        case .hold(let on): feedInbound { $0.memberHold(member, on: on, now: $1) }
        case .ended(let end):
            if member == inbound?.connectedMember {
                logger.info("member hung up", metadata: ["member": "\(member)", "outcome": "\(end.outcome)"])
            }
            feedInbound { $0.memberEnded(member, status: end.status, now: $1) }
        }
    }

    // MARK: Actions out

    private func perform(_ action: InboundCallAction) {
        switch action {
        case .openRecord(let sipUser):
            openInboundRecord(user: sipUser)
        case .recordCaller(let number):
            persistCaller(number)
        case .report(let report):
            if case .callCenter(let link) = farEnd, let facts { link.report(CallCenterReport(report, callID: id, facts: facts)) }
        case .ringMember(let member):
            ringMember(member)
        case .stopMember(let member, let reason):
            stopMember(member, reason: reason)
        case .connectMember(let member):
            connectMember(member)
        case .answerModem:
            answerInboundModem()
        case .hangUpModem:
            controller?.hangUp()
        case .openAudio(let sendingRTP):
            openAudio(sendingRTP: sendingRTP)
        case .closeAudio:
            closeAudio()
        case .playHoldMusic(let file):
            guard case .callCenter(let link) = farEnd else { return }
            holdPlayer = link.holdAudio.player(music: file)
            media?.sending = false
        case .playPrompt(let file):
            guard case .callCenter(let link) = farEnd, let clip = link.holdAudio.clip(file) else { return }
            holdPlayer?.playPrompt(clip)
        case .setHold(let on):
            media?.setHold(on)
            logger.info(on ? "SIP side holds the call: music to the GSM side" : "SIP side resumed the call")
        case .closeMedia:
            closeMedia()
        case .armTimer(let timer, let after):
            inboundTimers[timer]?.cancel()
            inboundTimers[timer] = loop.scheduleTask(in: TimeAmount(after)) {
                self.inboundTimers[timer] = nil
                self.feedInbound { $0.timerFired(timer, now: $1) }
            }
        case .cancelTimer(let timer):
            inboundTimers.removeValue(forKey: timer)?.cancel()
        case .closeRecord(let closing):
            if let user = closing.sipUser { record?.sipUser = user }
            closeRecord(answeredAt: closing.answeredAt, endedAt: closing.endedAt, billableSeconds: closing.billableSeconds,
                        q850: closing.q850, sipStatus: closing.sipStatus, cause: closing.cause)
        case .finished(let cause):
            phase = .ended
            lastCause = cause
            endExternalLegs()
            onFinished(self)
        }
    }

    /// The one record of an inbound call, opened as it rings. `user`: who it rings (nil for
    /// the call center: the connected user is written at the end).
    private func openInboundRecord(user: String?) {
        guard let facts else { return }
        var r = CallDetail(callID: id, attempt: 1, direction: direction, modemID: facts.id, inviteAt: Date())
        r.caller = inboundCallerID.display
        r.sipUser = user
        r.calleeDialed = user ?? facts.msisdn ?? facts.id
        r.iccid = facts.iccid
        r.operatorMCCMNC = facts.operatorMCCMNC
        r.operatorName = facts.operatorName
        r.ringingAt = r.inviteAt
        record = r
        let storage = self.storage
        opened = Task { try? await storage.openCall(r) }
    }

    private func answerInboundModem() {
        guard let controller else { return }
        controller.answer { event in self.loop.execute { self.inboundModemEvent(event) } }.hop(to: loop).whenComplete { result in
            switch result {
            case .success(.success): break
            case .success(.failure(let e)):
                self.feedInbound { $0.modemEnded(CallEndCause(kind: .modemError, text: "ATA refused: \(e)"), now: $1) }
            case .failure(let e):
                self.feedInbound { $0.modemEnded(CallEndCause(kind: .modemError, text: "ATA failed: \(e)"), now: $1) }
            }
        }
    }

    /// Joins the caller to `member`, whose phone has answered: a SIP phone's RTP side is set
    /// from its answer (media flows now if the modem is off hook, else when ATA connects); an
    /// external member's modem audio is relayed.
    private func connectMember(_ member: InboundMember) {
        holdPlayer = nil
        logger.info("inbound call connected", metadata: ["member": "\(member)"])
        if case .number = member {
            guard let leg = externalLegs[member] else { return }
            relay = (leg.relay, .a)
            media?.sending = false
            return
        }
        sipLeg = memberLegs[member]
        if let audio = memberAudio[member] { media?.configure(audio) }
        if audio != nil, let media {
            media.reset()
            media.sending = true
        }
    }
}
