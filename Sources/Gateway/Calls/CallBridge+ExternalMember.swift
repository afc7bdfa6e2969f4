// A ring group or queue member who is an external phone (a driver's mobile, a manager's
// number): the inbound call rings it by dialling it out through another free SIM. That
// outbound call is a bridge of its own (`FarEnd.externalMember`, with its own record and
// the usual failover), whose answer and end come back to the inbound call here; once
// connected, the two modems' audio meet in a PCMRelay (side a: the caller's modem, side b:
// the member's).
import Foundation
import ModemCore
import NIOCore
import SimgateConfig

enum ExternalMemberEvent: Sendable {
    case answered
    case ended(CallEndCause)
}

struct ExternalMemberLink: Sendable {
    let relay: PCMRelay
    let report: @Sendable (ExternalMemberEvent) -> Void
}

extension CallBridge {
    /// The outbound call ringing `member` has been placed (CallManager chose its modem).
    func externalMemberDialled(_ member: InboundMember, bridge: CallBridge, relay: PCMRelay) {
        loop.execute {
            self.externalLegs[member] = (bridge, relay)
            self.feedInbound { $0.externalMemberDialled(member, now: $1) }
        }
    }

    /// No SIM could dial `member`: for the distributor, they declined.
    func externalMemberUnreachable(_ member: InboundMember) {
        loop.execute { self.feedInbound { $0.memberUnreachable(member, now: $1) } }
    }

    func externalMemberEvent(_ member: InboundMember, _ event: ExternalMemberEvent) {
        loop.execute {
            switch event {
            case .answered:
                self.feedInbound { $0.memberAnswered(member, now: $1) }
            case .ended(let cause):
                guard self.externalLegs.removeValue(forKey: member) != nil else { return }
                if member == self.inbound?.connectedMember {
                    self.logger.info("external member hung up", metadata: ["member": "\(member)", "cause": "\(cause.kind.rawValue)"])
                }
                self.feedInbound { $0.memberEnded(member, status: nil, now: $1) }
            }
        }
    }

    /// The call is over: every external member's call still up is hung up.
    func endExternalLegs() {
        if let (relay, _) = relay {
            let c = relay.counters
            logger.info("relay ended", metadata: ["dropped": "\(c.dropped)", "starved": "\(c.starved)"])
        }
        for leg in externalLegs.values { leg.bridge.hangUp() }
        externalLegs = [:]
    }
}
