// A modem's inbound call: the GSM caller rings here, and phones ring for it: the one SIP user
// the modem's config names, or the members the call center's distributor picks (SIP users,
// and external numbers dialled through other SIMs). The rules CallBridge kept in flags, as one
// value in the SwiftNIO `*StateMachine` style: one `mutating func` per event, each returning
// what the performer (Gateway's CallBridge) does, in order. No clock, no IO, no logging.
//
//   Target.user:       RING → INVITE the user → their 200 → ATA → modem connected → media
//                      the user refuses or cannot be reached → the modem hangs up
//   Target.callCenter: RING (+CLIP, or the caller-ID grace) → the distributor hears of it and
//                      says whom to ring, when to answer the modem and play music (a queue),
//                      whom to connect, or to hang up; the machine reports back each member's
//                      answer or refusal and how the GSM call ended
//
//   offered --user's 200 / connect--> connected --modem ends--> ended
//   offered|connected --hang-up asked, the connected phone hung up--> ending --modem ends--> ended
//
// Rules it keeps:
// - the call has exactly one record, opened as it rings and closed when the modem's call ends;
//   its answer is the moment the caller was joined to someone (the user's call: the modem
//   connected; the call center: the distributor connected a member who had answered);
// - a member is connected only after its own answer; a member the distributor connects who
//   went away meanwhile ends the call (the distributor hears `callEnded`);
// - the call center hears of the call once, with the caller's number when the modem gives it
//   within the grace (most modems send +CLIP right after the first RING), and last hears how
//   it ended: `callEnded` once someone was connected, `modemFailed` when the modem failed,
//   else `callerHungUp` (the distributor then records the missed call);
// - when the call ends every phone still up is told, with the GSM cause as `Reason`
//   (RFC 3326), except one that ended itself; phones stopped because another one was
//   connected read "Call completed elsewhere", so they do not show a missed call;
// - nothing is done after `finished`.
import ModemCore
import SimgateConfig

public struct InboundCallStateMachine: Sendable {
    /// Who the call rings.
    public enum Target: Equatable, Sendable {
        /// `[[modem]] inbound_user` or `[sip] default_inbound_user`: that user's answer answers
        /// the GSM call; their refusal, or no way to reach them, hangs it up.
        case user(String)
        /// An `[[inbound]]` rule covers the SIM: the distributor decides.
        case callCenter
    }

    public struct Configuration: Equatable, Sendable {
        public var target: Target
        /// How long a RING without caller ID waits for its +CLIP before the call center hears
        /// of the call (every modem in at-dialects.md sends +CLIP right after the RING; a
        /// withheld number comes as +CLIP with validity 1).
        public var callerIDGrace: Duration

        public init(target: Target, callerIDGrace: Duration = .milliseconds(800)) {
            self.target = target; self.callerIDGrace = callerIDGrace
        }
    }

    /// What `CallBridge.live()` shows.
    public enum Phase: String, Sendable {
        case ringing, answered, ended
    }

    /// The modem's call: ringing on hook, ATA sent, or off hook (answered by us).
    enum GSM: Equatable, Sendable {
        case onHook, answering, offHook
    }

    enum State: Equatable, Sendable {
        case idle
        /// Ringing here, nobody joined to the caller yet (a queued caller is off hook and hears
        /// music).
        case offered(GSM)
        /// `member` is joined to the caller; `answeredAt` is nil while the user's ATA is on its way.
        case connected(member: InboundMember, GSM, answeredAt: CallInstant?)
        /// The modem was asked to hang up; its `modemEnded` closes the record and the call.
        case ending(connected: InboundMember?, answeredAt: CallInstant?)
        case ended(CallEndCause)
    }

    public let configuration: Configuration
    var state: State = .idle
    /// The caller's number once the modem gave it (the INVITEs and the record show it).
    public private(set) var caller: String?
    /// The call center heard `incoming`.
    var announced = false
    var graceArmed = false
    /// Members asked to ring and not stopped, and whether each has answered.
    var members: [InboundMember: Bool] = [:]
    /// The connected member ended the call itself: it is not told again.
    var connectedEndedItself = false
    /// The user's final status when they refused (`Target.user`): the record keeps it.
    var userStatus: Int?
    var audioOpen = false

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: - What the performer reads

    public var phase: Phase {
        switch state {
        case .idle, .offered: .ringing
        case .connected(_, _, let at), .ending(_, let at): at == nil ? .ringing : .answered
        case .ended: .ended
        }
    }

    public var isFinished: Bool {
        if case .ended = state { return true }
        return false
    }

    /// The member joined to the caller (nil before, and once the call ended).
    public var connectedMember: InboundMember? {
        switch state {
        case .connected(let m, _, _): m
        case .ending(let m, _): m
        default: nil
        }
    }

    /// When the caller was joined to someone (the record's answer).
    public var answeredAt: CallInstant? {
        switch state {
        case .connected(_, _, let at), .ending(_, let at): at
        default: nil
        }
    }

    /// The members asked to ring who have not stopped or been connected.
    public var ringingMembers: Set<InboundMember> { Set(members.keys) }

    /// Why phones that stop ringing because another answered stop (RFC 3326).
    public static let answeredElsewhereReason = "SIP;cause=200;text=\"Call completed elsewhere\""

    // MARK: - The modem's call

    /// The modem rings: the record opens; the user is rung, or the call center hears of the
    /// call (after the caller-ID grace when the number is not known yet).
    public mutating func start(caller: CallerID, now: CallInstant) -> [InboundCallAction] {
        guard case .idle = state else { preconditionFailure("InboundCallStateMachine.start: called twice") }
        state = .offered(.onHook)
        if case .number(let n) = caller { self.caller = n }
        switch configuration.target {
        case .user(let name):
            members[.user(name)] = false
            return [.openRecord(sipUser: name), .ringMember(.user(name))]
        case .callCenter:
            guard caller == .unknown else { return [.openRecord(sipUser: nil), announce()] }
            graceArmed = true
            return [.openRecord(sipUser: nil), .armTimer(.callerIDGrace, after: configuration.callerIDGrace)]
        }
    }

    /// +CLIP (after the first RING, or before the call center heard of the call).
    public mutating func callerIdentified(_ id: CallerID, now: CallInstant) -> [InboundCallAction] {
        guard !isFinished, state != .idle else { return [] }
        var out: [InboundCallAction] = []
        if case .number(let n) = id {
            caller = n
            out.append(.recordCaller(n))
        }
        if case .callCenter = configuration.target, !announced {
            if graceArmed { graceArmed = false; out.append(.cancelTimer(.callerIDGrace)) }
            out.append(announce())
        }
        return out
    }

    public mutating func timerFired(_ timer: InboundCallTimer, now: CallInstant) -> [InboundCallAction] {
        switch timer {
        case .callerIDGrace:
            guard graceArmed else { return [] }
            graceArmed = false
            guard !isFinished, !announced else { return [] }
            return [announce()]
        }
    }

    /// ATA took (the modem's call is off hook): a queued caller starts hearing music, a joined
    /// one the member.
    public mutating func modemConnected(now: CallInstant) -> [InboundCallAction] {
        switch state {
        case .offered(let gsm) where gsm != .offHook:
            state = .offered(.offHook)
            audioOpen = true
            return [.openAudio(sendingRTP: false)]
        case .connected(let m, let gsm, let at) where gsm != .offHook:
            state = .connected(member: m, .offHook, answeredAt: at ?? now)
            audioOpen = true
            return [.openAudio(sendingRTP: true)]
        case .ending:
            // ATA overtook our hang-up: ask again.
            return [.hangUpModem]
        default:
            return []
        }
    }

    /// The modem's call is over (the caller hung up, the network or the modem failed, our
    /// hang-up took, or ATA failed): the record closes, every phone still up is told, the call
    /// center hears how it ended.
    public mutating func modemEnded(_ cause: CallEndCause, now: CallInstant) -> [InboundCallAction] {
        guard !isFinished, state != .idle else { return [] }
        var out: [InboundCallAction] = []
        if graceArmed { graceArmed = false; out.append(.cancelTimer(.callerIDGrace)) }
        if audioOpen { audioOpen = false; out.append(.closeAudio) }
        let mapped = CallCause.of(cause)
        let answeredAt = self.answeredAt
        let connected = connectedMember
        var billable: Int?
        if let answeredAt { billable = Int(now.duration(since: answeredAt).components.seconds) }
        var sipStatus = answeredAt == nil ? mapped.sipStatus : nil
        if let userStatus, userStatus != 200 { sipStatus = userStatus }
        var sipUser: String?
        if case .user(let name) = configuration.target { sipUser = name }
        if case .user(let name)? = connected { sipUser = name }
        out.append(.closeRecord(InboundCallRecord(sipUser: sipUser, answeredAt: answeredAt, endedAt: now, cause: cause,
                                                  billableSeconds: billable, q850: mapped.q850, sipStatus: sipStatus)))
        if let connected, !connectedEndedItself { out.append(.stopMember(connected, reason: mapped.reasonHeader)) }
        for member in members.keys.sorted(by: { $0.description < $1.description }) {
            out.append(.stopMember(member, reason: mapped.reasonHeader))
        }
        members = [:]
        out.append(.closeMedia)
        if case .callCenter = configuration.target {
            // Hung up within the caller-ID grace: the center still hears of the call, so it is
            // not lost from the missed-call list.
            if !announced { out.append(announce()) }
            if connected != nil {
                out.append(.report(.callEnded))
            } else if [.modemGone, .modemError].contains(cause.kind) {
                out.append(.report(.modemFailed))
            } else {
                out.append(.report(.callerHungUp))
            }
        }
        state = .ended(cause)
        out.append(.finished(cause))
        return out
    }

    /// An admin (`simgate call hangup`) or the daemon's shutdown ends the call.
    public mutating func hangUpRequested(now: CallInstant) -> [InboundCallAction] {
        switch state {
        case .offered, .connected:
            state = .ending(connected: connectedMember, answeredAt: answeredAt)
            return [.hangUpModem]
        default:
            return []
        }
    }

    // MARK: - The members' phones

    /// A member's phone answered (its 200, or the external member's call connected).
    public mutating func memberAnswered(_ member: InboundMember, now: CallInstant) -> [InboundCallAction] {
        guard !isFinished else { return [] }
        guard members[member] != nil, connectedMember == nil, case .offered(let gsm) = state else {
            // Stopped meanwhile, or someone else was connected first.
            if case .ending = state { return [] }
            return [.stopMember(member, reason: connectedMember == nil ? nil : Self.answeredElsewhereReason)]
        }
        switch configuration.target {
        case .user:
            guard gsm == .onHook else { return [] }
            members[member] = nil
            state = .connected(member: member, .answering, answeredAt: nil)
            return [.connectMember(member), .answerModem]
        case .callCenter:
            members[member] = true
            return [.report(.answered(member))]
        }
    }

    /// A member's phone ended its part: refused, timed out, cancelled on its side, or (the
    /// connected one) hung up. `status`: the INVITE's final status, when there was one.
    public mutating func memberEnded(_ member: InboundMember, status: Int?, now: CallInstant) -> [InboundCallAction] {
        guard !isFinished else { return [] }
        if member == connectedMember {
            connectedEndedItself = true
            guard case .connected(let m, _, let at) = state else { return [] }
            if case .user = configuration.target, let status { userStatus = status }
            state = .ending(connected: m, answeredAt: at)
            return [.hangUpModem]
        }
        guard members.removeValue(forKey: member) != nil else { return [] }
        return memberGone(member, status: status)
    }

    /// A member could not be rung at all: not registered, no RTP port, no SIM free to dial an
    /// external number.
    public mutating func memberUnreachable(_ member: InboundMember, now: CallInstant) -> [InboundCallAction] {
        guard !isFinished, member != connectedMember else { return [] }
        members[member] = nil
        return memberGone(member, status: 480)
    }

    private mutating func memberGone(_ member: InboundMember, status: Int?) -> [InboundCallAction] {
        switch configuration.target {
        case .callCenter:
            return [.report(.declined(member))]
        case .user:
            guard case .offered = state else { return [] }
            userStatus = status
            state = .ending(connected: nil, answeredAt: nil)
            return [.hangUpModem]
        }
    }

    /// The connected phone put the call on hold or resumed it: the caller hears hold music
    /// meanwhile.
    public mutating func memberHold(_ member: InboundMember, on: Bool, now: CallInstant) -> [InboundCallAction] {
        guard case .connected(let m, _, _) = state, m == member else { return [] }
        return [.setHold(on)]
    }

    // MARK: - The distributor's decisions (Target.callCenter)

    /// INVITE a SIP user's phone.
    public mutating func ring(_ member: InboundMember, now: CallInstant) -> [InboundCallAction] {
        guard isOpen, members[member] == nil, member != connectedMember else { return [] }
        members[member] = false
        return [.ringMember(member)]
    }

    /// The call manager dialled an external member through another SIM for this call.
    public mutating func externalMemberDialled(_ member: InboundMember, now: CallInstant) -> [InboundCallAction] {
        guard isOpen else { return [.stopMember(member, reason: nil)] }
        members[member] = false
        return []
    }

    public mutating func stopRinging(_ member: InboundMember, now: CallInstant) -> [InboundCallAction] {
        guard members.removeValue(forKey: member) != nil else { return [] }
        return [.stopMember(member, reason: connectedMember == nil ? nil : Self.answeredElsewhereReason)]
    }

    /// Take the modem's call off hook (a queue answers before anyone is free).
    public mutating func answerGSM(now: CallInstant) -> [InboundCallAction] {
        switch state {
        case .offered(.onHook):
            state = .offered(.answering)
            return [.answerModem]
        case .connected(let m, .onHook, let at):
            state = .connected(member: m, .answering, answeredAt: at)
            return [.answerModem]
        default:
            return []
        }
    }

    public mutating func playHoldMusic(file: String?, now: CallInstant) -> [InboundCallAction] {
        guard case .offered = state else { return [] }
        return [.playHoldMusic(file: file)]
    }

    public mutating func playPrompt(file: String, now: CallInstant) -> [InboundCallAction] {
        guard case .offered = state else { return [] }
        return [.playPrompt(file: file)]
    }

    /// Join the caller to `member`, whose phone has answered: the music stops and the media
    /// flows (at once when the modem is off hook, else when ATA connects).
    public mutating func connect(_ member: InboundMember, now: CallInstant) -> [InboundCallAction] {
        guard case .offered(let gsm) = state else { return [] }
        guard members[member] == true else {
            // The phone went away between its answer and now.
            var out: [InboundCallAction] = [.report(.callEnded)]
            out += hangUpGSM(now: now)
            return out
        }
        members[member] = nil
        state = .connected(member: member, gsm, answeredAt: now)
        return [.connectMember(member)]
    }

    /// End the modem's call (the queue gave up, or the call is going to the missed list);
    /// phones still ringing stop.
    public mutating func hangUpGSM(now: CallInstant) -> [InboundCallAction] {
        guard isOpen else { return [] }
        state = .ending(connected: connectedMember, answeredAt: answeredAt)
        var out: [InboundCallAction] = [.hangUpModem]
        for member in members.keys.sorted(by: { $0.description < $1.description }) { out.append(.stopMember(member, reason: nil)) }
        members = [:]
        return out
    }

    // MARK: - Helpers

    /// Started and neither ending nor ended.
    private var isOpen: Bool {
        switch state {
        case .offered, .connected: true
        default: false
        }
    }

    private mutating func announce() -> InboundCallAction {
        announced = true
        return .report(.incoming(caller: caller))
    }
}

/// The inbound call's one timer.
public enum InboundCallTimer: Hashable, Sendable {
    /// `Configuration.callerIDGrace` from the first RING, when it came without a number.
    case callerIDGrace
}

/// What the call center's distributor hears about an inbound call.
public enum InboundCallReport: Equatable, Sendable {
    case incoming(caller: String?)
    case answered(InboundMember)
    case declined(InboundMember)
    case callerHungUp
    case callEnded
    case modemFailed
}

/// How the inbound call's one record closes.
public struct InboundCallRecord: Equatable, Sendable {
    /// The SIP user who took the call (the target user; for the call center the connected user).
    public var sipUser: String?
    public var answeredAt: CallInstant?
    public var endedAt: CallInstant
    public var cause: CallEndCause
    /// Whole seconds from the answer to the end (truncated); nil unanswered.
    public var billableSeconds: Int?
    public var q850: Int
    /// nil when answered; the user's refusal when they refused (`Target.user`); else the cause's.
    public var sipStatus: Int?
}

/// What the performer must do, in order.
public enum InboundCallAction: Equatable, Sendable {
    /// Open the call's one record (ringing from now), naming the user it rings when known.
    case openRecord(sipUser: String?)
    /// The caller's number came (+CLIP): into the record.
    case recordCaller(String)
    /// Tell the call center's distributor.
    case report(InboundCallReport)
    /// INVITE a SIP user's phone, offering the call's RTP port (bound once, shared by every
    /// phone rung); `memberAnswered`, `memberEnded` or `memberUnreachable` follow.
    case ringMember(InboundMember)
    /// CANCEL or BYE a phone (or hang up an external member's call), with `Reason`.
    case stopMember(InboundMember, reason: String?)
    /// Join the caller to `member`: a SIP phone's answer configures the RTP side (and media
    /// flows if the modem is off hook), an external member's audio is relayed; music stops.
    case connectMember(InboundMember)
    /// ATA; `modemConnected` or `modemEnded` follow.
    case answerModem
    case hangUpModem
    /// Open the modem's PCM audio port; `sendingRTP` false: a queued caller, music only.
    case openAudio(sendingRTP: Bool)
    /// Close it (the record takes its frame counters first).
    case closeAudio
    case playHoldMusic(file: String?)
    case playPrompt(file: String)
    /// The connected phone holds (music to the caller) or resumes.
    case setHold(Bool)
    /// Close the RTP socket, if one was bound.
    case closeMedia
    case armTimer(InboundCallTimer, after: Duration)
    case cancelTimer(InboundCallTimer)
    case closeRecord(InboundCallRecord)
    /// The last action of the call.
    case finished(CallEndCause)
}
