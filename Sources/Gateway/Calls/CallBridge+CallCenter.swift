// An inbound GSM call run by the call center (InboundCallCenter / InboundDistributor): the
// distributor decides whom to ring, when to queue and whom to connect; the call's
// InboundCallStateMachine (CallBridge+Inbound.swift) takes each decision, and its reports go
// back to the distributor.
//
//   RING → `incoming` report → distributor: ring members (forked INVITEs, one RTP port)
//        → a member answers (200) → `answered` report → distributor: answer GSM + connect
//        → ATA → media between the caller and that member; the others get CANCEL with
//          "Reason: SIP;cause=200;text="Call completed elsewhere"" (RFC 3326) so their
//          phones do not show a missed call.
//   No member free (queue) → ATA, the caller hears the queue's music and prompts, and the
//        next free member is rung; when they answer the music stops and the media flows.
//   The caller hangs up, or the modem fails, before anyone answered → the distributor
//        records exactly one missed call.
//
// Reports go through `CallCenterLink.report`, one ordered stream per daemon, so the
// distributor sees each call's events in the order they happened on this loop.
import CallCore
import Foundation
import ModemCore
import NIOCore
import SimgateConfig

/// What a call-center call reports to the distributor.
enum CallCenterReport: Sendable {
    case incoming(callID: String, caller: String?, sim: String, simIdentifiers: [String], line: String?)
    case answered(callID: String, InboundMember)
    case declined(callID: String, InboundMember)
    case callerHungUp(callID: String)
    case callEnded(callID: String)
    case modemFailed(callID: String)
}

/// What a call-center call needs from outside the bridge.
struct CallCenterLink: Sendable {
    let sip: SIPService
    let holdAudio: HoldAudioLibrary
    let caller: CallerID
    let report: @Sendable (CallCenterReport) -> Void
}

extension CallCenterReport {
    /// The inbound machine's report, with what the distributor needs to know of the SIM.
    init(_ report: InboundCallReport, callID: String, facts: ModemController.CallFacts) {
        switch report {
        case .incoming(let caller):
            self = .incoming(callID: callID, caller: caller, sim: facts.id, simIdentifiers: facts.simIdentifiers, line: facts.msisdn)
        case .answered(let member): self = .answered(callID: callID, member)
        case .declined(let member): self = .declined(callID: callID, member)
        case .callerHungUp: self = .callerHungUp(callID: callID)
        case .callEnded: self = .callEnded(callID: callID)
        case .modemFailed: self = .modemFailed(callID: callID)
        }
    }
}

// The distributor's decisions (any thread), taken by the call's machine on its loop.
extension CallBridge {
    func centerRing(_ member: InboundMember) {
        loop.execute { self.feedInbound { $0.ring(member, now: $1) } }
    }

    func centerStopRinging(_ member: InboundMember) {
        loop.execute { self.feedInbound { $0.stopRinging(member, now: $1) } }
    }

    func centerAnswerGSM() {
        loop.execute { self.feedInbound { $0.answerGSM(now: $1) } }
    }

    func centerPlayHoldMusic(file: String?) {
        loop.execute { self.feedInbound { $0.playHoldMusic(file: file, now: $1) } }
    }

    func centerPlayPrompt(file: String) {
        loop.execute { self.feedInbound { $0.playPrompt(file: file, now: $1) } }
    }

    /// Joins the caller to `member`, whose phone has answered.
    func centerConnect(_ member: InboundMember) {
        loop.execute { self.feedInbound { $0.connect(member, now: $1) } }
    }

    func centerHangUpGSM() {
        loop.execute { self.feedInbound { $0.hangUpGSM(now: $1) } }
    }
}
