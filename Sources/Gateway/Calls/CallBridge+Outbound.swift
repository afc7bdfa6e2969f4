// The outbound call's performer: a SIP caller's call out through a modem, a test tone, an
// external ring-group member, a callback's customer. Its rules (which SIM next after a
// failure, 180 or 183, the per-call cap, CANCEL at each stage, one record per attempt) are
// CallCore's `CallStateMachine`; this file feeds it the modem's, the SIP leg's and the
// timers' events and carries out what it returns: modem commands, SIP responses, the RTP
// socket, the audio port, the call records.
//
// Actions run in order, one batch at a time (ActionQueue): an event that comes back synchronously while a
// batch runs (a dial refused at once) is queued behind it, so the machine's order holds.
import CallCore
import ControlModel
import Foundation
import ModemCore
import NIOCore
import Storage

extension CallInstant {
    /// The loop's monotonic clock, which the call's timers run on too.
    static var now: CallInstant { CallInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }
}

extension CallBridge {
    /// The machine for this far end, or nil when the call is inbound (its rules are the call
    /// center's and the inbound path's, not an attempt loop).
    static func outboundFarEnd(_ farEnd: FarEnd) -> CallStateMachine.FarEnd? {
        switch farEnd {
        case .sipOutbound(let request): .sipCaller(earlyMedia: request.leg.earlyMedia)
        case .testTone: .testTone
        case .externalMember: .externalMember
        case .callback: .sipAnswered
        case .sipInbound, .callCenter: nil
        }
    }

    /// Starts the attempt loop (at the call's start; for a callback once a dispatcher answered).
    func startMachine() {
        guard let farEnd = Self.outboundFarEnd(farEnd) else { return }
        let choices = candidates.map { candidate in
            CallCandidate(modemID: candidate.facts.id, iccid: candidate.facts.iccid, hasAudioPort: candidate.facts.audioPort != nil,
                          cap: route?.caps[candidate.facts.id])
        }
        machine = CallStateMachine(configuration: .init(farEnd: farEnd, candidates: choices))
        feed { $0.start(now: $1) }
    }

    /// One event into the machine; its actions are carried out (after any batch in progress).
    func feed(_ event: (inout CallStateMachine, CallInstant) -> [CallAction]) {
        guard var machine else { return }
        let actions = event(&machine, .now)
        self.machine = machine
        if let cause = machine.lastCause { lastCause = cause }
        if let at = machine.answeredAt {
            if answeredAt == nil { persistAnswer(date(at)) }
            answeredAt = date(at)
        }
        index = machine.attemptCount - 1
        if phase != .ended, let p = Phase(rawValue: machine.phase.rawValue), p != .ended { phase = p }
        outboundActions.run(actions, perform)
    }

    // MARK: Events in

    /// The SIP caller's leg (or a callback's dispatcher) ended or put the call on hold.
    func outboundSIPEvent(_ event: SIPLegEvent) {
        switch event {
        case .ended(let end):
            logger.info("SIP leg ended", metadata: ["outcome": "\(end.outcome)", "status": "\(end.status ?? 0)"])
            if end.outcome == "cancelled" { feed { $0.sipCancelled(now: $1) } } else { feed { $0.sipEnded(now: $1) } }
        case .hold(let on):
            sipHoldChanged(on)
        case .ringing, .answered:
            break
        }
    }

    /// What attempt `attempt`'s modem reports about its call.
    func outboundModemEvent(_ event: CallEvent, attempt: Int) {
        switch event {
        case .alerting: feed { $0.modemAlerting(attempt: attempt, now: $1) }
        case .connected: feed { $0.modemConnected(attempt: attempt, now: $1) }
        case .ended(_, let cause, _): feed { $0.modemEnded(attempt: attempt, cause: cause, now: $1) }
        case .dtmfReceived(let digits):
            guard machine?.attemptCount == attempt else { return }
            dtmfReceived.append(digits)
            // The modem heard a digit from the network: RFC 4733 toward the phone.
            for c in digits { media?.sendDigit(c, fromModem: true) }
        default:
            break
        }
    }

    // MARK: Actions out

    private func perform(_ action: CallAction) {
        switch action {
        case .openMedia:
            openOutboundMedia()
        case .closeMedia:
            closeMedia()
        case .dial(let attempt, let candidate):
            dial(attempt: attempt, candidate: candidate)
        case .hangUpModem:
            controller?.hangUp()
        case .openAudio:
            openAudio()
        case .closeAudio:
            closeAudio()
        case .sipRinging:
            sipLeg?.ringing()
        case .sipSessionProgress:
            if let media { sipLeg?.sessionProgress(localPort: media.localPort) }
        case .sipAnswer:
            if let media { sipLeg?.answer(localPort: media.localPort) }
        case .sipReject(let status, let phrase, let reason):
            sipLeg?.reject(status: status, phrase: phrase, reason: reason)
        case .sipHangUp(let reason):
            sipLeg?.hangUp(reason: reason)
        case .playWarning:
            logger.info("per-call cap: warning tone")
            media?.playWarning()
        case .reportAnswered:
            if case .externalMember(let link) = farEnd { link.report(.answered) }
        case .openRecord(let attempt, let candidate):
            openOutboundRecord(attempt: attempt, candidate: candidate)
        case .closeRecord(let attempt):
            closeOutboundRecord(attempt)
        case .armTimer(let timer, let after):
            machineTimers[timer]?.cancel()
            machineTimers[timer] = loop.scheduleTask(in: TimeAmount(after)) {
                self.machineTimers[timer] = nil
                if timer == .capEnd { self.logger.notice("per-call cap reached: ending the call") }
                self.feed { $0.timerFired(timer, now: $1) }
            }
        case .cancelTimer(let timer):
            machineTimers.removeValue(forKey: timer)?.cancel()
        case .finished(let cause, _):
            phase = .ended
            lastCause = cause
            endMemberLegs(cause)
            closeAudio()
            closeMedia()   // a callback's RTP port, which the dispatchers' legs opened
            switch farEnd {
            case .callback(let link): callbackFinished(link)
            case .externalMember(let link): link.report(.ended(cause))
            default: break
            }
            onFinished(self)
        }
    }

    /// A SIP caller's RTP port, bound before the first dial (its SDP answer needs it).
    private func openOutboundMedia() {
        guard case .sipOutbound(let request) = farEnd else { return }
        let leg = request.leg
        MediaBridge.open(host: leg.mediaHost, ports: rtpPorts, on: loop, logger: logger).whenComplete { result in
            switch result {
            case .success(let media):
                if let audio = leg.audio { media.configure(audio) }
                self.attachMedia(media)
                self.feed { $0.mediaOpened(now: $1) }
            case .failure(let error):
                self.logger.error("no RTP port for a bridged call", metadata: ["error": "\(error)"])
                self.feed { $0.mediaFailed(now: $1) }
            }
        }
    }

    /// The RTP socket, once: its latency histograms go to the call manager's totals.
    func closeMedia() {
        guard let media, !mediaClosed else { return }
        mediaClosed = true
        latency.merge(media)
        media.close()
    }

    private func dial(attempt: Int, candidate: Int) {
        let (controller, facts) = candidates[candidate]
        self.controller = controller
        self.facts = facts
        logger.info("dialling", metadata: ["modem": "\(facts.id)", "attempt": "\(attempt)"])
        controller.dial(number: number) { event in
            self.loop.execute { self.outboundModemEvent(event, attempt: attempt) }
        }.hop(to: loop).whenComplete { result in
            switch result {
            case .success(.success):
                if self.inviteToDialNanos == nil, case .sipOutbound(let request) = self.farEnd {
                    let n = (NIODeadline.now() - request.receivedAt).nanoseconds
                    self.inviteToDialNanos = n
                    self.latency.setup(n)
                }
                self.feed { $0.dialAccepted(attempt: attempt, now: $1) }
            case .success(.failure(let e)):
                self.feed { $0.dialRefused(attempt: attempt, reason: "\(e)", now: $1) }
            case .failure(let e):
                self.feed { $0.modemEnded(attempt: attempt, cause: CallEndCause(kind: .modemError, text: "\(facts.id): \(e)"), now: $1) }
            }
        }
    }

    /// The wall-clock time of a moment on the call's clock, for the record.
    func date(_ instant: CallInstant) -> Date {
        startedAt.addingTimeInterval(Double(Int64(bitPattern: instant.nanoseconds &- startInstant.nanoseconds)) / 1e9)
    }

    private func openOutboundRecord(attempt: Int, candidate: Int) {
        let facts = candidates[candidate].facts
        var r = CallDetail(callID: id, attempt: attempt, direction: direction, modemID: facts.id, inviteAt: Date())
        r.calleeDialed = number
        r.calleeNormalized = route?.calleeNormalized ?? CallCommands.sanitizedDialString(number)
        r.iccid = facts.iccid
        r.operatorMCCMNC = facts.operatorMCCMNC
        r.operatorName = facts.operatorName
        if let route {
            r.calleeOperatorMCCMNC = route.operatorMCCMNC
            r.calleeOperatorName = route.operatorName
            r.lookupSource = route.lookupSource
            r.routeRank = route.rank[facts.id]
        }
        if case .sipOutbound(let request) = farEnd {
            r.sipUser = request.user
            r.caller = request.caller
        }
        if case .callback = farEnd, case .user(let name)? = connectedMember { r.sipUser = name }
        record = r
        let storage = self.storage
        opened = Task { try? await storage.openCall(r) }
    }

    private func closeOutboundRecord(_ attempt: CallAttemptRecord) {
        record?.ringingAt = attempt.ringingAt.map(date)
        closeRecord(answeredAt: attempt.answeredAt, endedAt: attempt.endedAt, billableSeconds: attempt.billableSeconds,
                    q850: attempt.q850, sipStatus: attempt.sipStatus, cause: attempt.cause)
    }

    /// Closes the open record with what a machine decided (its instants on the call's clock).
    func closeRecord(answeredAt: CallInstant?, endedAt: CallInstant, billableSeconds: Int?, q850: Int, sipStatus: Int?,
                     cause: CallEndCause) {
        guard var r = record else { return }
        r.answerAt = answeredAt.map(date)
        r.endAt = date(endedAt)
        if let billableSeconds { r.billableSeconds = billableSeconds }
        r.q850 = q850
        r.sipStatus = sipStatus
        closeRecord(r, cause: cause)
    }
}
