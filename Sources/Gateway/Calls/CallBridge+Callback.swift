// A callback to a customer (`simgate missed callback`, or an automatic recall): the
// dispatchers' phones ring first, showing the customer's number; the first to answer is
// kept (the others get CANCEL, "completed elsewhere"), and only then is the customer dialled,
// by default from the SIM they called, so they see a number they know. The modem attempts,
// failover and records are the outbound call's (CallStateMachine, from the answer on).
//
// The outcome goes to `CallbackLink.completion` exactly once, when the call ends.
import CallCore
import Foundation
import ModemCore
import NIOCore
import SimgateConfig

struct CallbackLink: Sendable {
    let sip: SIPService
    /// Whose phones ring first (a user, or a group's members for a recall).
    let members: [InboundMember]
    let customer: String
    /// How long the dispatchers' phones ring before the callback gives up.
    let ringSeconds: Int64
    let completion: @Sendable (CallbackOutcome) -> Void
}

extension CallBridge {
    func startCallback(_ link: CallbackLink) {
        phase = .ringing
        ringingMembers = Set(link.members)
        for member in link.members { ringMember(member) }
        if ringingMembers.isEmpty { callbackEnded(); return }
        loop.scheduleTask(in: .seconds(link.ringSeconds)) {
            guard self.connectedMember == nil, self.phase != .ended else { return }
            self.logger.info("callback: no dispatcher answered", metadata: ["seconds": "\(link.ringSeconds)"])
            self.callbackEnded()
        }
    }

    /// What a dispatcher's phone says: before the customer is dialled, the callback's rules
    /// here; after, the connected dispatcher is the outbound machine's SIP side.
    func callbackMemberEvent(_ member: InboundMember, _ event: SIPLegEvent) {
        switch event {
        case .ringing:
            break
        case .answered:
            callbackMemberAnswered(member)
        case .hold(let on):
            // The dispatcher holds: music to the customer.
            if member == connectedMember { sipHoldChanged(on) }
        case .ended(let end):
            if member == connectedMember {
                outboundSIPEvent(.ended(end))
            } else if ringingMembers.remove(member) != nil {
                callbackMemberGone()
            }
        }
    }

    /// The first dispatcher to answer keeps the call; now the customer is dialled.
    func callbackMemberAnswered(_ member: InboundMember) {
        guard connectedMember == nil, phase != .ended, let leg = memberLegs[member], let audio = memberAudio[member] else {
            stopMember(member, reason: InboundCallStateMachine.answeredElsewhereReason)
            return
        }
        connectedMember = member
        sipLeg = leg
        ringingMembers.remove(member)
        for other in Array(ringingMembers) { stopMember(other, reason: InboundCallStateMachine.answeredElsewhereReason) }
        media?.configure(audio)
        logger.info("callback: dispatcher answered, dialling the customer", metadata: ["member": "\(member)"])
        startMachine()
    }

    /// A dispatcher's phone refused or failed; when none is left ringing, the callback is over.
    func callbackMemberGone() {
        if connectedMember == nil, ringingMembers.isEmpty, phase != .ended { callbackEnded() }
    }

    /// No dispatcher answered (or none could be rung): every phone still ringing stops and the
    /// callback is over before the customer was dialled.
    func callbackEnded() {
        guard phase != .ended, case .callback(let link) = farEnd else { return }
        phase = .ended
        lastCause = CallEndCause(kind: .noService, text: "no dispatcher answered the callback")
        for member in Array(ringingMembers) { stopMember(member, reason: nil) }
        ringingMembers = []
        closeMedia()
        callbackFinished(link)
        onFinished(self)
    }

    func callbackFinished(_ link: CallbackLink) {
        let outcome: CallbackOutcome
        if answeredAt != nil {
            outcome = .connected
        } else if connectedMember == nil {
            outcome = .dispatcherNoAnswer
        } else {
            switch lastCause?.kind {
            case .busy?: outcome = .customerBusy
            case .noAnswer?, .rejected?: outcome = .customerNoAnswer
            default: outcome = .failed
            }
        }
        link.completion(outcome)
    }
}
