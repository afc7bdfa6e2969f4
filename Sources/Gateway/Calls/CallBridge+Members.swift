// The phones a call rings: an inbound call's user or call-center members, a callback's
// dispatchers. Every SIP phone is INVITEd with the call's one RTP port (forked INVITEs
// sharing it); the one connected becomes `sipLeg`. External numbers are dialled through
// other SIMs (CallBridge+ExternalMember.swift) and kept in `externalLegs`.
//
// What the phones say goes to the inbound machine (`inbound`), or to the callback's rules
// (CallBridge+Callback.swift) when the call is a callback.
import CallCore
import ModemCore
import NIOCore
import SimgateConfig

extension CallBridge {
    /// The SIP side the call's phones are rung through.
    private var phoneSIP: SIPService? {
        switch farEnd {
        case .sipInbound(_, _, let sip): sip
        case .callCenter(let link): link.sip
        case .callback(let link): link.sip
        default: nil
        }
    }

    /// Whether `member` should still be rung (it was not stopped while its INVITE was built).
    private func stillWanted(_ member: InboundMember) -> Bool {
        if let inbound { return inbound.ringingMembers.contains(member) }
        return ringingMembers.contains(member)
    }

    /// Who the phones see calling: the inbound caller's number as known when the INVITE is
    /// built (+CLIP may come after the first RING), or the callback's customer.
    private var callerShown: String? {
        if case .callback(let link) = farEnd { return link.customer }
        return inbound?.caller
    }

    /// INVITEs a member's phone with this call's RTP port. (External numbers are dialled by
    /// CallManager through another SIM: CallBridge+ExternalMember.swift.)
    func ringMember(_ member: InboundMember) {
        guard case .user(let name) = member, let sip = phoneSIP else {
            memberUnreachable(member)
            return
        }
        let hostPromise = loop.makePromise(of: String?.self)
        hostPromise.completeWithTask { await sip.mediaHost(forUser: name) }
        hostPromise.futureResult.whenSuccess { host in
            // The Contact names the modem the call uses (a callback's is its first choice).
            guard let host, self.stillWanted(member), let facts = self.facts ?? self.candidates.first?.facts else {
                if self.stillWanted(member) {
                    self.logger.info("member not registered", metadata: ["member": "\(member)"])
                    self.memberUnreachable(member)
                }
                return
            }
            self.openMedia(host: host).whenComplete { result in
                guard case .success(let media) = result, self.stillWanted(member), self.phase != .ended else {
                    if case .failure = result { self.logger.error("no RTP port for a member's phone") }
                    if self.stillWanted(member) { self.memberUnreachable(member) }
                    return
                }
                sip.inviteUser(name, caller: self.callerShown, modem: facts.id, host: host, port: media.localPort) { event in
                    self.loop.execute { self.memberEvent(member, event) }
                }.hop(to: self.loop).whenComplete { result in
                    guard case .success(let leg?) = result else {
                        if self.stillWanted(member) { self.memberUnreachable(member) }
                        return
                    }
                    if self.stillWanted(member) {
                        self.memberLegs[member] = leg
                    } else {
                        leg.hangUp(reason: nil)   // stopped while the INVITE was being built
                    }
                }
            }
        }
    }

    /// The call's RTP socket, opened once on the first ring (every forked INVITE offers it).
    private func openMedia(host: String) -> EventLoopFuture<MediaBridge> {
        if let opening = mediaOpening { return opening }
        let opening = MediaBridge.open(host: host, ports: rtpPorts, on: loop, logger: logger).map { media in
            if self.phase == .ended { media.close() } else { self.attachMedia(media) }
            return media
        }
        mediaOpening = opening
        return opening
    }

    /// CANCEL or BYE a phone (or hang up an external member's call), with `reason`.
    func stopMember(_ member: InboundMember, reason: String?) {
        if let external = externalLegs.removeValue(forKey: member) {
            external.bridge.hangUp()
            return
        }
        memberAudio[member] = nil
        memberLegs.removeValue(forKey: member)?.hangUp(reason: reason)
    }

    /// A member could not be rung: not registered, no RTP port, the INVITE not sent.
    private func memberUnreachable(_ member: InboundMember) {
        if inbound != nil {
            feedInbound { $0.memberUnreachable(member, now: $1) }
        } else {
            ringingMembers.remove(member)
            callbackMemberGone()
        }
    }

    private func memberEvent(_ member: InboundMember, _ event: SIPLegEvent) {
        switch event {
        case .answered(let audio): memberAudio[member] = audio
        case .ended:
            memberLegs[member] = nil
            memberAudio[member] = nil
        case .ringing, .hold: break
        }
        if inbound != nil { inboundMemberEvent(member, event) } else { callbackMemberEvent(member, event) }
    }

    /// A callback's call ended: every dispatcher still ringing stops (the connected one is the
    /// outbound machine's SIP side, told by it).
    func endMemberLegs(_ cause: CallEndCause) {
        let reason = CallCause.of(cause).reasonHeader
        for member in Array(ringingMembers) { stopMember(member, reason: reason) }
        ringingMembers = []
        for (member, leg) in memberLegs where member != connectedMember { leg.hangUp(reason: reason) }
        memberLegs = memberLegs.filter { $0.key == connectedMember }
        endExternalLegs()
    }
}
