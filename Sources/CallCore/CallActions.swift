// What goes in and out of `CallStateMachine`: the call's clock, the candidates it walks,
// its timers, the actions the performer (Gateway's CallBridge) carries out, and the record
// each attempt leaves. Plain values: no NIO, no Foundation, no storage types, so the rules
// can be tested on a virtual clock and the performer maps them onto its own objects.
import ModemCore

/// A moment on the call's monotonic clock (the performer's uptime, e.g.
/// `NIODeadline.now().uptimeNanoseconds`). Monotonic, not wall time: billable seconds and the
/// cap must not jump with NTP. The performer converts to `Date` for the CDR.
public struct CallInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    public static let zero = CallInstant(nanoseconds: 0)

    public static func < (a: CallInstant, b: CallInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func + (a: CallInstant, d: Duration) -> CallInstant {
        let (s, atto) = d.components
        let ns = s &* 1_000_000_000 &+ atto / 1_000_000_000
        return CallInstant(nanoseconds: ns < 0 ? a.nanoseconds &- UInt64(-ns) : a.nanoseconds &+ UInt64(ns))
    }

    /// Time from `earlier` to self (zero if `earlier` is later).
    public func duration(since earlier: CallInstant) -> Duration {
        guard nanoseconds >= earlier.nanoseconds else { return .zero }
        return .nanoseconds(Int64(clamping: nanoseconds - earlier.nanoseconds))
    }

    public var description: String { "t+\(Double(nanoseconds) / 1e9)s" }
}

/// One modem the router chose for this call, in the router's order.
public struct CallCandidate: Equatable, Sendable {
    public var modemID: String
    /// The SIM's ICCID, for SIM care (nil when the modem did not report it).
    public var iccid: String?
    /// The modem has a PCM audio port: early media and the answered call's audio need one.
    public var hasAudioPort: Bool
    /// The SIM's per-call cap for this call (nil: none).
    public var cap: CallCap?

    public init(modemID: String, iccid: String? = nil, hasAudioPort: Bool, cap: CallCap? = nil) {
        self.modemID = modemID; self.iccid = iccid; self.hasAudioPort = hasAudioPort; self.cap = cap
    }
}

/// The call's timers. Both run from the answer and are armed only on a SIP caller's call to a
/// SIM with a cap (issue 5).
public enum CallTimer: Hashable, Sendable {
    /// The phone hears the warning beeps (`CallCap.warningAtSecond`).
    case capWarning
    /// Both legs are hung up (`CallCap.seconds`).
    case capEnd
}

/// How one attempt ended: what its call record is closed with, and what SIM care and the
/// metrics read afterwards (`CallStateMachine.attempts`).
public struct CallAttemptRecord: Equatable, Sendable {
    /// 1-based, the record's `attempt`.
    public var attempt: Int
    /// Index into the machine's candidates.
    public var candidate: Int
    public var modemID: String
    public var iccid: String?
    /// The modem's cause, or the cap's (`localHangup` with `CallCap.text`) when the cap ended it.
    public var cause: CallEndCause
    public var startedAt: CallInstant
    public var ringingAt: CallInstant?
    public var answeredAt: CallInstant?
    public var endedAt: CallInstant
    /// Whole seconds from the answer to the end (truncated, as the CDR always did); nil unanswered.
    public var billableSeconds: Int?
    /// Q.850 cause of `cause` (CallCause's table).
    public var q850: Int
    /// The SIP final status the caller got for this attempt: nil when answered; 487 when a SIP
    /// caller cancelled; else the cause's (CallCause.sipStatus), also for later-retried attempts
    /// (what the caller would have heard).
    public var sipStatus: Int?

    /// The callee's phone rang (the network put the call through) or answered: SIM care counts
    /// the attempt as one that got through.
    public var reachedCallee: Bool { ringingAt != nil || answeredAt != nil }
}

/// What the performer must do, in order.
public enum CallAction: Equatable, Sendable {
    // The RTP socket toward the phone (a SIP caller's call only; opened before the first dial).
    /// Bind the RTP port; answer with `mediaOpened` or `mediaFailed`.
    case openMedia
    /// Close the RTP socket (and merge its latency histograms). Every `mediaOpened` gets one.
    case closeMedia

    // The GSM leg. Modem actions concern the current attempt's candidate.
    /// Send the dial command on `candidate`'s modem; its answer and call events come back
    /// tagged with `attempt`.
    case dial(attempt: Int, candidate: Int)
    /// Ask the current modem to hang up; its `modemEnded` follows.
    case hangUpModem
    /// Open the current modem's PCM audio port (early media or the answer).
    case openAudio
    /// Close it (the record takes its frame counters first).
    case closeAudio

    // The SIP caller (FarEnd.sipCaller); `sipHangUp` also for a callback's answered dispatcher.
    /// 180 Ringing.
    case sipRinging
    /// 183 Session Progress with the SDP answer: the modem's audio (in-band ringback) flows.
    case sipSessionProgress
    /// 200 OK with the SDP answer.
    case sipAnswer
    /// The final response of an unanswered INVITE, with `Reason` (RFC 3326).
    case sipReject(status: Int, phrase: String, reason: String)
    /// BYE (or what the leg sends for it), with `Reason`.
    case sipHangUp(reason: String)
    /// The cap's warning beeps toward the phone.
    case playWarning

    /// An external member's call answered: tell the inbound call that placed it.
    case reportAnswered

    // Call records: one per attempt, opened at its start and closed exactly once at its end.
    case openRecord(attempt: Int, candidate: Int)
    case closeRecord(CallAttemptRecord)

    case armTimer(CallTimer, after: Duration)
    case cancelTimer(CallTimer)

    /// The call is over: the last action of the call (a late `closeMedia` aside). `cause` is
    /// the last attempt's, or why no attempt was made.
    case finished(CallEndCause, attempts: [CallAttemptRecord])
}
