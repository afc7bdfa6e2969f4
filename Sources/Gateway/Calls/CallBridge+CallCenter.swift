// An inbound GSM call run by the call center (InboundCallCenter / InboundDistributor): the
// distributor decides whom to ring, when to queue and whom to connect; this bridge carries
// those decisions out on the wire and reports back what happened.
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

/// Reason header for the phones that stop ringing because another one answered.
let answeredElsewhereReason = "SIP;cause=200;text=\"Call completed elsewhere\""

extension CallBridge {
    var isCallCenter: Bool {
        if case .callCenter = farEnd { return true }
        return false
    }

    func startCallCenter(_ link: CallCenterLink) {
        guard let (controller, facts) = candidates.first else { finish(); return }
        index = 0
        self.controller = controller
        self.facts = facts
        openInboundRecord(caller: link.caller, user: nil)
        controller.claimIncoming { event in self.loop.execute { self.modemEvent(event) } }
        if case .number(let n) = link.caller { inboundCaller = n }
        if case .unknown = link.caller {
            // The first RING often comes before its +CLIP: wait briefly for the number, so
            // the missed-call entry and the phones' display have it.
            loop.scheduleTask(in: Self.callerIDGrace) { self.announceToCallCenter() }
        } else {
            announceToCallCenter()
        }
    }

    /// How long a RING without caller ID waits for its +CLIP (sent right after the RING by
    /// every modem in at-dialects.md; a withheld number comes as +CLIP with validity 1).
    static let callerIDGrace = TimeAmount.milliseconds(800)

    func announceToCallCenter() {
        guard !announcedToCallCenter, case .callCenter(let link) = farEnd, let facts else { return }
        announcedToCallCenter = true
        link.report(.incoming(callID: id, caller: inboundCaller, sim: facts.id, simIdentifiers: facts.simIdentifiers, line: facts.msisdn))
    }

    // MARK: The distributor's actions (any thread)

    func centerRing(_ member: InboundMember) {
        loop.execute {
            guard self.phase != .ended, case .callCenter(let link) = self.farEnd else { return }
            self.ringMember(member, sip: link.sip, caller: self.inboundCaller)
        }
    }

    func centerStopRinging(_ member: InboundMember) {
        loop.execute {
            self.stopMember(member, reason: self.connectedMember == nil ? nil : answeredElsewhereReason)
        }
    }

    func centerAnswerGSM() {
        loop.execute {
            guard self.phase != .ended, !self.gsmOffHook, let controller = self.controller else { return }
            self.gsmOffHook = true
            controller.answer { event in self.loop.execute { self.modemEvent(event) } }.hop(to: self.loop).whenComplete { result in
                switch result {
                case .success(.success): break
                case .success(.failure(let e)): self.attemptEnded(CallEndCause(kind: .modemError, text: "ATA refused: \(e)"))
                case .failure(let e): self.attemptEnded(CallEndCause(kind: .modemError, text: "ATA failed: \(e)"))
                }
            }
        }
    }

    func centerPlayHoldMusic(file: String?) {
        loop.execute {
            guard case .callCenter(let link) = self.farEnd, self.connectedMember == nil else { return }
            self.holdPlayer = link.holdAudio.player(music: file)
            self.media?.sending = false
        }
    }

    func centerPlayPrompt(file: String) {
        loop.execute {
            guard case .callCenter(let link) = self.farEnd, let clip = link.holdAudio.clip(file) else { return }
            self.holdPlayer?.playPrompt(clip)
        }
    }

    /// Joins the caller to `member`, whose phone has answered: the music stops, media flows
    /// (at once when the modem is already off hook, else when ATA connects).
    func centerConnect(_ member: InboundMember) {
        loop.execute {
            if case .number = member {
                guard self.phase != .ended, self.connectExternal(member) else {
                    if case .callCenter(let link) = self.farEnd { link.report(.callEnded(callID: self.id)) }
                    self.hangUpGSM()
                    return
                }
                self.markAnswered(by: member)
                return
            }
            guard self.phase != .ended, let leg = self.memberLegs[member], let audio = self.memberAudio[member] else {
                // The phone went away between its 200 and now: the distributor hears so.
                if case .callCenter(let link) = self.farEnd { link.report(.callEnded(callID: self.id)) }
                self.hangUpGSM()
                return
            }
            self.connectedMember = member
            self.sipLeg = leg
            self.holdPlayer = nil
            if case .user(let name) = member { self.record?.sipUser = name }
            self.media?.configure(audio)
            if self.audio != nil, let media = self.media {
                media.reset()
                media.sending = true
            }
            self.markAnswered(by: member)
        }
    }

    private func markAnswered(by member: InboundMember) {
        let now = Date()
        answeredAt = now
        record?.answerAt = now
        phase = .answered
        logger.info("inbound call connected", metadata: ["member": "\(member)"])
    }

    func centerHangUpGSM() {
        loop.execute { self.hangUpGSM() }
    }

    private func hangUpGSM() {
        hangUpRequested = true
        controller?.hangUp()
        for member in ringingMembers { stopMember(member, reason: nil) }
    }

    // MARK: Modem events

    /// ATA took: a queued caller starts hearing music, a connected one the member.
    func callCenterModemConnected() {
        guard phase != .ended, audio == nil else { return }
        gsmOffHook = true
        openAudio()
        if hangUpRequested { controller?.hangUp() }
    }

    /// The GSM call is over: tell the distributor how (it records a missed call when nobody
    /// had answered).
    func callCenterFinished(_ link: CallCenterLink) {
        // Hung up within the caller-ID grace: the center still hears of the call, so it is
        // not lost from the missed-call list.
        announceToCallCenter()
        if connectedMember != nil {
            link.report(.callEnded(callID: id))
        } else if let cause = lastCause, [.modemGone, .modemError].contains(cause.kind) {
            link.report(.modemFailed(callID: id))
        } else {
            link.report(.callerHungUp(callID: id))
        }
    }

    // MARK: Ringing members (call center and callbacks)

    /// INVITEs a member's phone with this call's RTP port. (External numbers are dialled by
    /// CallManager through another SIM: CallBridge+ExternalMember.swift.)
    func ringMember(_ member: InboundMember, sip: SIPService, caller: String?) {
        guard case .user(let name) = member else {
            memberGone(member, answered: false)
            return
        }
        ringingMembers.insert(member)
        let hostPromise = loop.makePromise(of: String?.self)
        hostPromise.completeWithTask { await sip.mediaHost(forUser: name) }
        hostPromise.futureResult.whenSuccess { host in
            // The Contact names the modem the call uses (a callback's is its first choice).
            guard let host, self.ringingMembers.contains(member), let facts = self.facts ?? self.candidates.first?.facts else {
                if self.ringingMembers.contains(member) {
                    self.logger.info("member not registered", metadata: ["member": "\(member)"])
                    self.memberGone(member, answered: false)
                }
                return
            }
            self.openMedia(host: host).whenComplete { result in
                guard case .success(let media) = result, self.ringingMembers.contains(member), self.phase != .ended else {
                    if self.ringingMembers.contains(member) { self.memberGone(member, answered: false) }
                    return
                }
                sip.inviteUser(name, caller: caller, modem: facts.id, host: host, port: media.localPort) { event in
                    self.loop.execute { self.memberEvent(member, event) }
                }.hop(to: self.loop).whenComplete { result in
                    guard case .success(let leg?) = result else { self.memberGone(member, answered: false); return }
                    if self.ringingMembers.contains(member) || self.connectedMember == member {
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

    func stopMember(_ member: InboundMember, reason: String?) {
        ringingMembers.remove(member)
        if member != connectedMember, let external = externalLegs.removeValue(forKey: member) {
            external.bridge.hangUp()
            return
        }
        guard member != connectedMember, let leg = memberLegs.removeValue(forKey: member) else { return }
        memberAudio[member] = nil
        leg.hangUp(reason: reason)
    }

    private func memberEvent(_ member: InboundMember, _ event: SIPLegEvent) {
        switch event {
        case .ringing:
            break
        case .hold(let on):
            // The connected dispatcher (or callback's dispatcher) holds: music to the caller.
            if member == connectedMember { sipHoldChanged(on) }
        case .answered(let audio):
            memberAudio[member] = audio
            switch farEnd {
            case .callCenter(let link):
                link.report(.answered(callID: id, member))
            case .callback:
                callbackMemberAnswered(member)
            default:
                break
            }
        case .ended(let end):
            memberLegs[member] = nil
            memberAudio[member] = nil
            if member == connectedMember, machine != nil {
                outboundSIPEvent(.ended(end))   // a callback's dispatcher hung up
            } else if member == connectedMember {
                sipEnded = end
                guard phase != .ended else { return }
                logger.info("member hung up", metadata: ["member": "\(member)", "outcome": "\(end.outcome)"])
                hangUpRequested = true
                if let controller, record != nil { controller.hangUp() } else { finish() }
            } else if ringingMembers.contains(member) {
                memberGone(member, answered: false)
            }
        }
    }

    /// A member's phone will not answer this call (refused, unreachable, not registered).
    private func memberGone(_ member: InboundMember, answered: Bool) {
        ringingMembers.remove(member)
        switch farEnd {
        case .callCenter(let link):
            link.report(.declined(callID: id, member))
        case .callback:
            callbackMemberGone()
        default:
            break
        }
    }

    /// The call ended: every phone still ringing stops.
    func endMemberLegs(_ cause: CallEndCause) {
        let reason = CallCause.of(cause).reasonHeader
        for member in Array(ringingMembers) { stopMember(member, reason: reason) }
        for (member, leg) in memberLegs where member != connectedMember { leg.hangUp(reason: reason) }
        memberLegs = memberLegs.filter { $0.key == connectedMember }
        endExternalLegs(includingConnected: true)
    }
}
