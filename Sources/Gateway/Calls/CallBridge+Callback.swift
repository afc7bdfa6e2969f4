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
        inboundCaller = link.customer
        for member in link.members { ringMember(member, sip: link.sip, caller: link.customer) }
        if ringingMembers.isEmpty { finish(); return }
        loop.scheduleTask(in: .seconds(link.ringSeconds)) {
            guard self.connectedMember == nil, self.phase != .ended else { return }
            self.logger.info("callback: no dispatcher answered", metadata: ["seconds": "\(link.ringSeconds)"])
            for member in Array(self.ringingMembers) { self.stopMember(member, reason: nil) }
            self.finish()
        }
    }

    /// The first dispatcher to answer keeps the call; now the customer is dialled.
    func callbackMemberAnswered(_ member: InboundMember) {
        guard connectedMember == nil, phase != .ended, let leg = memberLegs[member], let audio = memberAudio[member] else {
            stopMember(member, reason: answeredElsewhereReason)
            return
        }
        connectedMember = member
        sipLeg = leg
        ringingMembers.remove(member)
        for other in Array(ringingMembers) { stopMember(other, reason: answeredElsewhereReason) }
        media?.configure(audio)
        logger.info("callback: dispatcher answered, dialling the customer", metadata: ["member": "\(member)"])
        startMachine()
    }

    /// A dispatcher's phone refused or failed; when none is left ringing, the callback is over.
    func callbackMemberGone() {
        if connectedMember == nil, ringingMembers.isEmpty, phase != .ended { finish() }
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
