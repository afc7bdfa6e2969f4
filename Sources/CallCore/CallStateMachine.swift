// An outbound call through a list of candidate modems: the rules CallBridge kept in thirty
// mutable variables, as one value in the SwiftNIO `*StateMachine` style. One `mutating func`
// per event, each returning the actions the performer (Gateway's CallBridge) carries out in
// order. It never reads a clock (every event carries `now`), opens nothing and logs nothing.
//
// The call, for a SIP caller (FarEnd.sipCaller):
//   openingMedia --mediaOpened--> dialing(1st candidate) --modemAlerting--> alerting (180/183)
//   dialing|alerting --modemConnected--> answered (200, cap armed) --modemEnded--> ended
//   dialing|alerting --modemEnded, cause is the modem's or network's--> dialing(next candidate)
//   dialing|alerting|answered --CANCEL/BYE, admin, cap--> ending (modem asked to clear)
//   ending --modemEnded--> ended (never another candidate: someone chose to end the call)
// A test tone, an external member and a callback's customer skip the RTP port and the SIP
// caller's responses, and walk the candidates the same way.
//
// Rules it keeps:
// - a failure before the answer whose cause CallCause says is the modem's or the network's
//   (`retryOnNextModem`) moves to the next candidate silently; busy, no answer, rejected and
//   the rest end the call with the mapped SIP status and Reason header (RFC 3326);
// - the last candidate's failure ends the call with its cause; no candidate at all ends it
//   with "no modem could take the call" (noService);
// - every attempt has exactly one call record, opened at its start and closed at its end;
// - the SIP caller gets exactly one final word: 200 then BYE, or one final response;
// - nothing is done after `finished`, except closing an RTP socket that was still being
//   opened when the call ended (it is ours to close, and nobody else holds it).
//
// States carry the names of 24.008 call control where one fits: dialing is U1/U3 (call
// initiated, proceeding), alerting U4 (call delivered), answered U10 (active), ending U11
// (disconnect request: we asked the modem to clear and wait for its release).
import ModemCore

public struct CallStateMachine: Sendable {
    /// Who is on the other side of the GSM call.
    public enum FarEnd: Equatable, Sendable {
        /// A SIP phone's or trunk's INVITE: the RTP port is bound before the first dial;
        /// alerting → 180, or 183 with the modem's audio when `earlyMedia` (`[sip]
        /// early_media`) and the modem has an audio port; the answer → 200; an unanswered end
        /// → the final response; the SIM's per-call cap applies.
        case sipCaller(earlyMedia: Bool)
        /// A SIP phone already in the call (a callback's dispatcher, who answered first): it
        /// hears the end as a BYE and nothing before.
        case sipAnswered
        /// `simgate call dial`: a test tone into the modem's audio port; nothing else to tell.
        case testTone
        /// An external number rung for a call-center call: the inbound call that placed it
        /// hears of the answer (`reportAnswered`) and of the end (`finished`).
        case externalMember
    }

    public struct Configuration: Equatable, Sendable {
        public var farEnd: FarEnd
        /// In the router's order; actions name them by index.
        public var candidates: [CallCandidate]

        public init(farEnd: FarEnd, candidates: [CallCandidate]) {
            self.farEnd = farEnd; self.candidates = candidates
        }
    }

    /// What `CallBridge.live()` shows as the call's state.
    public enum Phase: String, Sendable {
        case dialing, ringing, answered, ended
    }

    /// The attempt on one candidate in progress.
    struct Attempt: Equatable, Sendable {
        /// 1-based; the modem's events come back tagged with it, so a late event from an
        /// earlier attempt's modem is not taken for this one's.
        var number: Int
        var candidate: Int
        var startedAt: CallInstant
        /// The dial command was accepted (OK): a refusal can no longer come.
        var dialAccepted = false
        var ringingAt: CallInstant?
        /// `openAudio` was asked (early media or the answer): `closeAudio` is owed.
        var audioOpen = false
    }

    /// What an answered attempt adds.
    struct Answer: Equatable, Sendable {
        var at: CallInstant
        /// The cap armed at the answer (nil: none); its timers are cancelled at the end.
        var cap: CallCap?
        var warned = false
    }

    /// Why we asked the modem to clear.
    enum Release: Equatable, Sendable {
        /// The SIP side hung up or cancelled.
        case sipSide
        /// An admin (`simgate call hangup`) or the inbound call an external member belongs to.
        case admin
        /// The per-call cap: the record's cause says so, not the modem's "local hang-up".
        case cap(CallCap)
    }

    enum State: Equatable, Sendable {
        /// Before `start`.
        case idle
        /// A SIP caller's RTP port is being bound; no attempt yet.
        case openingMedia
        case dialing(Attempt)
        case alerting(Attempt)
        case answered(Attempt, Answer)
        /// The modem was asked to hang up; its `modemEnded` closes the attempt and the call.
        case ending(Attempt, Answer?, Release)
        case ended(CallEndCause)
    }

    /// The SIP far end's leg, as far as this machine has told it or heard from it.
    enum SIPSide: Equatable, Sendable {
        /// No SIP far end (test tone, external member).
        case none
        /// Still up; `answered`: it got 200 (or answered itself), so its end is a BYE.
        case open(answered: Bool)
        /// The phone ended it (BYE, CANCEL, a timeout): nothing more is sent to it.
        case endedByPhone(cancelled: Bool)
        /// We sent its final word (reject or BYE); its echo is ignored.
        case endedByUs
    }

    /// The RTP socket of a SIP caller's call.
    enum Media: Equatable, Sendable {
        case none, opening, open, closed
    }

    public let configuration: Configuration
    var state: State = .idle
    var sip: SIPSide
    var media: Media = .none
    /// Every attempt made, in order, as its record was closed: SIM care judges the SIMs by them.
    public private(set) var attempts: [CallAttemptRecord] = []

    /// The reason the phone reads when no RTP port was free (the cause text of the record).
    public static let noRTPPortReason = "Q.850;cause=47;text=\"no free RTP port\""

    public init(configuration: Configuration) {
        self.configuration = configuration
        switch configuration.farEnd {
        case .sipCaller: sip = .open(answered: false)
        case .sipAnswered: sip = .open(answered: true)
        case .testTone, .externalMember: sip = .none
        }
    }

    // MARK: - What the performer reads

    public var phase: Phase {
        switch state {
        case .idle, .openingMedia, .dialing: .dialing
        case .alerting: .ringing
        case .answered: .answered
        case .ending(let a, let answer, _): answer != nil ? .answered : (a.ringingAt != nil ? .ringing : .dialing)
        case .ended: .ended
        }
    }

    public var isFinished: Bool {
        if case .ended = state { return true }
        return false
    }

    /// The candidate of the attempt in progress (nil before the first and after the last).
    public var currentCandidate: Int? { currentAttempt?.candidate }

    /// When the attempt in progress was answered (DTMF and the live view need it).
    public var answeredAt: CallInstant? { currentAnswer?.at ?? attempts.last?.answeredAt }

    /// Attempts made so far, the one in progress included.
    public var attemptCount: Int { attempts.count + (currentAttempt == nil ? 0 : 1) }

    /// How the call ended, or how the last attempt did while the next one runs.
    public var lastCause: CallEndCause? {
        if case .ended(let cause) = state { return cause }
        return attempts.last?.cause
    }

    /// The SIP far end can still be told something (hold, early media).
    public var isSIPSideOpen: Bool {
        if case .open = sip { return true }
        return false
    }

    // MARK: - Events

    /// The call begins: a SIP caller's RTP port first, else the first candidate.
    public mutating func start(now: CallInstant) -> [CallAction] {
        guard case .idle = state else { preconditionFailure("CallStateMachine.start: called twice") }
        if case .sipCaller = configuration.farEnd {
            state = .openingMedia
            media = .opening
            return [.openMedia]
        }
        var out: [CallAction] = []
        dial(candidate: 0, now: now, &out)
        return out
    }

    /// The RTP port is bound.
    public mutating func mediaOpened(now: CallInstant) -> [CallAction] {
        precondition(media != .none, "CallStateMachine.mediaOpened: no media was asked for")
        switch state {
        case .idle:
            preconditionFailure("CallStateMachine.mediaOpened before start")
        case .openingMedia:
            media = .open
            var out: [CallAction] = []
            dial(candidate: 0, now: now, &out)
            return out
        case .ended where media == .opening:
            // The call ended (CANCEL, admin) while the port was being bound.
            media = .closed
            return [.closeMedia]
        default:
            return []
        }
    }

    /// No RTP port could be bound: 503 with Q.850 47, and no attempt.
    public mutating func mediaFailed(now: CallInstant) -> [CallAction] {
        precondition(media != .none, "CallStateMachine.mediaFailed: no media was asked for")
        switch state {
        case .idle:
            preconditionFailure("CallStateMachine.mediaFailed before start")
        case .openingMedia:
            media = .closed
            var out: [CallAction] = []
            let cause = CallEndCause(kind: .noService, text: "no free RTP port")
            finish(cause, rejection: .sipReject(status: 503, phrase: "Service Unavailable", reason: Self.noRTPPortReason), &out)
            return out
        case .ended where media == .opening:
            media = .closed
            return []
        default:
            return []
        }
    }

    /// The modem accepted attempt `attempt`'s dial command.
    public mutating func dialAccepted(attempt: Int, now: CallInstant) -> [CallAction] {
        updateAttempt(attempt) { $0.dialAccepted = true }
        return []
    }

    /// The modem refused attempt `attempt`'s dial command (ATD answered ERROR, or the modem
    /// could not take a call): the attempt ends as a modem error, which may fail over.
    public mutating func dialRefused(attempt: Int, reason: String, now: CallInstant) -> [CallAction] {
        guard let a = currentAttempt, a.number == attempt, !a.dialAccepted, currentAnswer == nil else { return [] }
        let modem = configuration.candidates[a.candidate].modemID
        var out: [CallAction] = []
        endAttempt(CallEndCause(kind: .modemError, text: "\(modem) refused the call: \(reason)"), now: now, &out)
        return out
    }

    /// The callee is alerting (^CONF, +CLCC alerting).
    public mutating func modemAlerting(attempt: Int, now: CallInstant) -> [CallAction] {
        switch state {
        case .dialing(var a) where a.number == attempt:
            a.ringingAt = now
            var out: [CallAction] = []
            if case .sipCaller(let earlyMedia) = configuration.farEnd {
                if earlyMedia, configuration.candidates[a.candidate].hasAudioPort {
                    // The network's in-band ringback reaches the phone; the answer keeps the stream.
                    a.audioOpen = true
                    out += [.openAudio, .sipSessionProgress]
                } else {
                    out.append(.sipRinging)
                }
            }
            state = .alerting(a)
            return out
        case .ending(var a, nil, let release) where a.number == attempt && a.ringingAt == nil:
            // Being cleared already: the record still learns the callee's phone rang.
            a.ringingAt = now
            state = .ending(a, nil, release)
            return []
        default:
            return []
        }
    }

    /// The callee answered (^CONN, +CLCC active).
    public mutating func modemConnected(attempt: Int, now: CallInstant) -> [CallAction] {
        switch state {
        case .dialing(var a) where a.number == attempt, .alerting(var a) where a.number == attempt:
            if a.ringingAt == nil { a.ringingAt = now }
            let candidate = configuration.candidates[a.candidate]
            var out: [CallAction] = []
            if !a.audioOpen, candidate.hasAudioPort {
                a.audioOpen = true
                out.append(.openAudio)
            }
            var cap: CallCap?
            switch configuration.farEnd {
            case .sipCaller:
                out.append(.sipAnswer)
                sip = .open(answered: true)
                if let c = candidate.cap {
                    cap = c
                    if c.warningAtSecond < c.seconds { out.append(.armTimer(.capWarning, after: .seconds(c.warningAtSecond))) }
                    out.append(.armTimer(.capEnd, after: .seconds(c.seconds)))
                }
            case .externalMember:
                out.append(.reportAnswered)
            case .sipAnswered, .testTone:
                break
            }
            state = .answered(a, Answer(at: now, cap: cap))
            return out
        case .ending(var a, nil, let release) where a.number == attempt:
            // The answer crossed our hang-up (the phone gave up, an admin, …): the SIM pays
            // from now, so the record says answered; clear it again, the first ATH may have
            // reached the modem before the call was up.
            if a.ringingAt == nil { a.ringingAt = now }
            state = .ending(a, Answer(at: now, cap: nil), release)
            return [.hangUpModem]
        default:
            return []
        }
    }

    /// Attempt `attempt`'s call is over, as the modem reports it (NO CARRIER, ^CEND, BUSY, …).
    public mutating func modemEnded(attempt: Int, cause: CallEndCause, now: CallInstant) -> [CallAction] {
        guard let a = currentAttempt, a.number == attempt else { return [] }
        var out: [CallAction] = []
        endAttempt(cause, now: now, &out)
        return out
    }

    /// The SIP caller cancelled (CANCEL; the SIP layer answered 487): the record says 487.
    public mutating func sipCancelled(now: CallInstant) -> [CallAction] {
        sipSideEnded(cancelled: true, now: now)
    }

    /// The SIP side ended otherwise (BYE, a timeout, a transport failure). Its outcome and
    /// status only matter to inbound calls' records, so they are not asked for here.
    public mutating func sipEnded(now: CallInstant) -> [CallAction] {
        sipSideEnded(cancelled: false, now: now)
    }

    /// An admin hangs the call up (or the inbound call an external member belongs to does).
    public mutating func hangUpRequested(now: CallInstant) -> [CallAction] {
        switch state {
        case .idle:
            preconditionFailure("CallStateMachine.hangUpRequested before start")
        case .openingMedia:
            var out: [CallAction] = []
            finish(CallEndCause(kind: .localHangup, text: "hung up before dialling"), &out)
            return out
        case .dialing(let a), .alerting(let a):
            state = .ending(a, nil, .admin)
            return [.hangUpModem]
        case .answered(let a, let answer):
            state = .ending(a, answer, .admin)
            return [.hangUpModem]
        case .ending, .ended:
            return []
        }
    }

    /// A timer armed earlier expired. Fires that no longer apply (raced with the end) do nothing.
    public mutating func timerFired(_ timer: CallTimer, now: CallInstant) -> [CallAction] {
        guard case .answered(let a, var answer) = state, let cap = answer.cap else { return [] }
        switch timer {
        case .capWarning:
            guard cap.warningAtSecond < cap.seconds, !answer.warned else { return [] }
            answer.warned = true
            state = .answered(a, answer)
            return [.playWarning]
        case .capEnd:
            var out: [CallAction] = []
            if case .open = sip {
                out.append(.sipHangUp(reason: cap.reasonHeader))
                sip = .endedByUs
            }
            out.append(.hangUpModem)
            state = .ending(a, answer, .cap(cap))
            return out
        }
    }

    // MARK: - Inside

    private var currentAttempt: Attempt? {
        switch state {
        case .dialing(let a), .alerting(let a), .answered(let a, _), .ending(let a, _, _): a
        case .idle, .openingMedia, .ended: nil
        }
    }

    private var currentAnswer: Answer? {
        switch state {
        case .answered(_, let answer): answer
        case .ending(_, let answer, _): answer
        default: nil
        }
    }

    private mutating func updateAttempt(_ number: Int, _ change: (inout Attempt) -> Void) {
        switch state {
        case .dialing(var a) where a.number == number: change(&a); state = .dialing(a)
        case .alerting(var a) where a.number == number: change(&a); state = .alerting(a)
        case .answered(var a, let answer) where a.number == number: change(&a); state = .answered(a, answer)
        case .ending(var a, let answer, let release) where a.number == number: change(&a); state = .ending(a, answer, release)
        default: break
        }
    }

    private mutating func sipSideEnded(cancelled: Bool, now: CallInstant) -> [CallAction] {
        // No SIP far end, our own reject or BYE coming back, or a second report: nothing to do.
        guard case .open = sip else { return [] }
        sip = .endedByPhone(cancelled: cancelled)
        switch state {
        case .idle:
            preconditionFailure("CallStateMachine: SIP side ended before start")
        case .openingMedia:
            var out: [CallAction] = []
            finish(CallEndCause(kind: .localHangup, text: cancelled ? "cancelled before dialling" : "caller hung up before dialling"), &out)
            return out
        case .dialing(let a), .alerting(let a):
            state = .ending(a, nil, .sipSide)
            return [.hangUpModem]
        case .answered(let a, let answer):
            state = .ending(a, answer, .sipSide)
            return [.hangUpModem]
        case .ending, .ended:
            // The modem is being cleared already (admin); the record now says 487 if cancelled.
            return []
        }
    }

    /// Opens the record of an attempt on `candidate` and dials; past the last candidate, the
    /// call ends with the last attempt's cause.
    private mutating func dial(candidate: Int, now: CallInstant, _ out: inout [CallAction]) {
        guard candidate < configuration.candidates.count else {
            finish(attempts.last?.cause ?? CallEndCause(kind: .noService, text: "no modem could take the call"), &out)
            return
        }
        let a = Attempt(number: attempts.count + 1, candidate: candidate, startedAt: now)
        out += [.openRecord(attempt: a.number, candidate: candidate), .dial(attempt: a.number, candidate: candidate)]
        state = .dialing(a)
    }

    /// Closes the attempt in progress: its timers, audio and record; then the next candidate
    /// or the end of the call.
    private mutating func endAttempt(_ reported: CallEndCause, now: CallInstant, _ out: inout [CallAction]) {
        let a: Attempt, answer: Answer?, release: Release?
        switch state {
        case .dialing(let x), .alerting(let x): (a, answer, release) = (x, nil, nil)
        case .answered(let x, let y): (a, answer, release) = (x, y, nil)
        case .ending(let x, let y, let z): (a, answer, release) = (x, y, z)
        case .idle, .openingMedia, .ended: preconditionFailure("CallStateMachine.endAttempt: no attempt in \(state)")
        }
        var cause = reported
        if case .cap(let cap) = release { cause = CallEndCause(kind: .localHangup, text: cap.text) }
        if let cap = answer?.cap {
            if cap.warningAtSecond < cap.seconds { out.append(.cancelTimer(.capWarning)) }
            out.append(.cancelTimer(.capEnd))
        }
        if a.audioOpen { out.append(.closeAudio) }

        let mapped = CallCause.of(cause)
        var sipStatus: Int?
        if answer == nil {
            if case .sipCaller = configuration.farEnd, sip == .endedByPhone(cancelled: true) {
                sipStatus = 487
            } else {
                sipStatus = mapped.sipStatus
            }
        }
        let candidate = configuration.candidates[a.candidate]
        let record = CallAttemptRecord(
            attempt: a.number, candidate: a.candidate, modemID: candidate.modemID, iccid: candidate.iccid, cause: cause,
            startedAt: a.startedAt, ringingAt: a.ringingAt, answeredAt: answer?.at, endedAt: now,
            billableSeconds: answer.map { Int(now.duration(since: $0.at).components.seconds) },
            q850: mapped.q850, sipStatus: sipStatus)
        attempts.append(record)
        out.append(.closeRecord(record))

        // Only an unanswered attempt that nobody chose to end may fail over.
        if answer == nil, release == nil, mapped.retryOnNextModem, a.candidate + 1 < configuration.candidates.count {
            dial(candidate: a.candidate + 1, now: now, &out)
        } else {
            finish(cause, &out)
        }
    }

    /// The SIP side's final word (unless it ended itself), the RTP socket, `finished`.
    /// `rejection` replaces the cause's final response (no RTP port: Q.850 47, not 38).
    private mutating func finish(_ cause: CallEndCause, rejection: CallAction? = nil, _ out: inout [CallAction]) {
        if case .open(let answered) = sip {
            let mapped = CallCause.of(cause)
            if case .sipCaller = configuration.farEnd, !answered {
                out.append(rejection ?? .sipReject(status: mapped.sipStatus, phrase: mapped.sipReasonPhrase, reason: mapped.reasonHeader))
            } else {
                out.append(.sipHangUp(reason: mapped.reasonHeader))
            }
            sip = .endedByUs
        }
        if media == .open {
            out.append(.closeMedia)
            media = .closed
        }
        state = .ended(cause)
        out.append(.finished(cause, attempts: attempts))
    }
}
