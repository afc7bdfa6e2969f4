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
            guard self.phase != .ended else { bridge.hangUp(); return }
            self.ringingMembers.insert(member)
            self.externalLegs[member] = (bridge, relay)
        }
    }

    /// No SIM could dial `member`: for the distributor, they declined.
    func externalMemberUnreachable(_ member: InboundMember) {
        loop.execute {
            guard case .callCenter(let link) = self.farEnd else { return }
            link.report(.declined(callID: self.id, member))
        }
    }

    func externalMemberEvent(_ member: InboundMember, _ event: ExternalMemberEvent) {
        loop.execute {
            switch event {
            case .answered:
                guard self.ringingMembers.contains(member), case .callCenter(let link) = self.farEnd else {
                    self.externalLegs.removeValue(forKey: member)?.bridge.hangUp()
                    return
                }
                link.report(.answered(callID: self.id, member))
            case .ended(let cause):
                self.externalLegs[member] = nil
                if member == self.connectedMember {
                    guard self.phase != .ended else { return }
                    self.logger.info("external member hung up", metadata: ["member": "\(member)", "cause": "\(cause.kind.rawValue)"])
                    self.hangUpRequested = true
                    self.controller?.hangUp()
                } else if self.ringingMembers.remove(member) != nil, case .callCenter(let link) = self.farEnd {
                    link.report(.declined(callID: self.id, member))
                }
            }
        }
    }

    /// Connects the caller to an external member who answered: their modem's audio, relayed.
    func connectExternal(_ member: InboundMember) -> Bool {
        guard let leg = externalLegs[member] else { return false }
        connectedMember = member
        ringingMembers.remove(member)
        relay = (leg.relay, .a)
        holdPlayer = nil
        media?.sending = false
        return true
    }

    /// Hangs up every external member's call (those still ringing, and the connected one
    /// when the caller's call is over).
    func endExternalLegs(includingConnected: Bool) {
        if let (relay, _) = relay {
            let c = relay.counters
            logger.info("relay ended", metadata: ["dropped": "\(c.dropped)", "starved": "\(c.starved)"])
        }
        for (member, leg) in externalLegs where includingConnected || member != connectedMember {
            leg.bridge.hangUp()
            externalLegs[member] = nil
        }
    }
}
