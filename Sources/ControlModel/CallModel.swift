// Calls in the control API: live calls (`GET /v1/calls`), call records (`GET /v1/cdr`),
// and the loopback dial request (`POST /v1/calls`).
import Foundation

/// One call attempt on one modem, as recorded (a CDR row). Written when the attempt starts,
/// closed when it ends; `endAt == nil` means still running (or the daemon died: a restart
/// closes such rows with `gsmCause == "interrupted"`).
public struct CallDetail: Codable, Sendable, Equatable {
    public var id: Int64?
    /// The call this attempt belongs to (one call can try several modems).
    public var callID: String
    /// 1 for the first modem tried, 2 for the first failover...
    public var attempt: Int
    /// `outbound` (to the GSM network) or `inbound` (from it).
    public var direction: String
    public var caller: String?
    public var calleeDialed: String?
    public var calleeNormalized: String?
    public var sipUser: String?
    public var modemID: String
    public var iccid: String?
    public var operatorMCCMNC: String?
    public var operatorName: String?
    /// The callee's operator as the router found it (outbound calls with [routing]).
    public var calleeOperatorMCCMNC: String?
    public var calleeOperatorName: String?
    /// Where that came from: `mnp`, `registry`, `libphonenumber` or `none`.
    public var lookupSource: String?
    /// This SIM's place in the router's order (1 = first choice).
    public var routeRank: Int?
    public var inviteAt: Date
    public var ringingAt: Date?
    public var answerAt: Date?
    public var endAt: Date?
    public var billableSeconds: Int = 0
    /// CallEndCause kind (`busy`, `congestion`, `modem-gone`, `interrupted`...).
    public var gsmCause: String?
    /// 24.008 cause when the network gave one.
    public var gsmCauseCode: Int?
    public var gsmCauseText: String?
    public var sipStatus: Int?
    public var q850: Int?
    public var framesIn: Int = 0
    public var framesOut: Int = 0
    public var rtpIn: Int = 0
    public var rtpOut: Int = 0
    /// 20 ms slots where the far side had nothing to give and silence was written.
    public var underruns: Int = 0
    /// Pacing ticks that came more than one frame late.
    public var lateFrames: Int = 0
    /// `modem` or `sip` when that leg sent nothing for 2 s of an answered call.
    public var silentLeg: String?
    /// RTCP on the SIP leg (v5): reports sent and received; from the phone's last report
    /// about our stream, packets lost and interarrival jitter (ms); our own measure of the
    /// phone's stream. nil when no RTCP ran (test calls, a phone that sends none).
    public var rtcpOut: Int?
    public var rtcpIn: Int?
    public var peerLost: Int?
    public var peerJitterMilliseconds: Double?
    public var roundTripMilliseconds: Double?
    public var lost: Int?
    public var jitterMilliseconds: Double?

    public init(callID: String, attempt: Int, direction: String, modemID: String, inviteAt: Date) {
        self.callID = callID; self.attempt = attempt; self.direction = direction
        self.modemID = modemID; self.inviteAt = inviteAt
    }
}

/// What a live call measured on the audio it received from the modem (last second).
public struct ToneReport: Codable, Sendable, Equatable {
    public var frequency: Double
    public var snrDB: Double
    public var levelDBFS: Double
    public var samples: Int
    public init(frequency: Double, snrDB: Double, levelDBFS: Double, samples: Int) {
        self.frequency = frequency; self.snrDB = snrDB; self.levelDBFS = levelDBFS; self.samples = samples
    }
}

public struct LiveCall: Codable, Sendable, Equatable {
    public var id: String
    public var direction: String
    /// dialing, ringing, answered, ended
    public var state: String
    public var modemID: String?
    public var number: String
    public var startedAt: Date
    public var answeredAt: Date?
    public var attempts: Int
    public var framesIn: Int
    public var framesOut: Int
    public var underruns: Int
    /// Why it ended (when `state == "ended"`).
    public var cause: String?
    public var sipStatus: Int?
    public var received: ToneReport?
    /// RTCP on the SIP leg of a bridged call (nil for test calls).
    public var rtcp: RTCPReport?
    public init(id: String, direction: String, state: String, modemID: String?, number: String, startedAt: Date,
                answeredAt: Date? = nil, attempts: Int = 0, framesIn: Int = 0, framesOut: Int = 0, underruns: Int = 0) {
        self.id = id; self.direction = direction; self.state = state; self.modemID = modemID; self.number = number
        self.startedAt = startedAt; self.answeredAt = answeredAt; self.attempts = attempts
        self.framesIn = framesIn; self.framesOut = framesOut; self.underruns = underruns
    }
}

/// RTCP on a bridged call's SIP leg (RFC 3550 §6.4): what the phone reported about our
/// stream, and what we measured on its stream.
public struct RTCPReport: Codable, Sendable, Equatable {
    public var reportsSent: Int
    public var reportsReceived: Int
    /// From the phone's last report block about our stream: fraction lost in its last
    /// interval (0...1), packets lost in all, interarrival jitter (ms), and the round trip
    /// derived from LSR/DLSR (ms) when it echoed one of our sender reports.
    public var peerFractionLost: Double?
    public var peerCumulativeLost: Int?
    public var peerJitterMilliseconds: Double?
    public var roundTripMilliseconds: Double?
    /// Our measurement of the phone's stream: packets lost, interarrival jitter (ms).
    public var lost: Int
    public var jitterMilliseconds: Double
    public init(reportsSent: Int, reportsReceived: Int, peerFractionLost: Double?, peerCumulativeLost: Int?,
                peerJitterMilliseconds: Double?, roundTripMilliseconds: Double?, lost: Int, jitterMilliseconds: Double) {
        self.reportsSent = reportsSent; self.reportsReceived = reportsReceived; self.peerFractionLost = peerFractionLost
        self.peerCumulativeLost = peerCumulativeLost; self.peerJitterMilliseconds = peerJitterMilliseconds
        self.roundTripMilliseconds = roundTripMilliseconds; self.lost = lost; self.jitterMilliseconds = jitterMilliseconds
    }
}

public struct CallList: Codable, Sendable {
    public var calls: [LiveCall]
    /// How closely modem-port writes kept the 20 ms clock since the daemon started.
    public var pacing: PacingReport?
    /// Time frames spend inside the gateway, and call set-up latency (bridged SIP calls).
    public var media: MediaLatencyReport?
    public init(calls: [LiveCall], pacing: PacingReport? = nil, media: MediaLatencyReport? = nil) {
        self.calls = calls; self.pacing = pacing; self.media = media
    }
}

public struct LatencySummary: Codable, Sendable, Equatable {
    public var samples: Int
    public var p50Milliseconds: Double
    public var p99Milliseconds: Double
    public var maxMilliseconds: Double
    public init(samples: Int, p50Milliseconds: Double, p99Milliseconds: Double, maxMilliseconds: Double) {
        self.samples = samples; self.p50Milliseconds = p50Milliseconds; self.p99Milliseconds = p99Milliseconds
        self.maxMilliseconds = maxMilliseconds
    }
}

/// Since the daemon started, over every bridged call (finished and live).
public struct MediaLatencyReport: Codable, Sendable, Equatable {
    /// RTP packet received → its PCM frame written to the modem (includes the jitter buffer).
    public var rtpToPCM: LatencySummary
    /// Modem PCM frame read → RTP packet sent.
    public var pcmToRTP: LatencySummary
    /// INVITE received → ATD accepted by the modem's AT port.
    public var inviteToDial: LatencySummary
    public init(rtpToPCM: LatencySummary, pcmToRTP: LatencySummary, inviteToDial: LatencySummary) {
        self.rtpToPCM = rtpToPCM; self.pcmToRTP = pcmToRTP; self.inviteToDial = inviteToDial
    }
}

/// Deviation of the audio pacer's wake-ups from their 20 ms slots (all event loops).
public struct PacingReport: Codable, Sendable, Equatable {
    public var ticks: Int
    public var p50Milliseconds: Double
    public var p99Milliseconds: Double
    public var maxMilliseconds: Double
    /// Slots written late (more than one slot behind at wake-up).
    public var lateSlots: Int
    public init(ticks: Int, p50Milliseconds: Double, p99Milliseconds: Double, maxMilliseconds: Double, lateSlots: Int) {
        self.ticks = ticks; self.p50Milliseconds = p50Milliseconds; self.p99Milliseconds = p99Milliseconds
        self.maxMilliseconds = maxMilliseconds; self.lateSlots = lateSlots
    }
}

public struct CDRList: Codable, Sendable {
    public var records: [CallDetail]
    public init(records: [CallDetail]) { self.records = records }
}

/// `POST /v1/calls`: dial `number` on `modem` (or the first free voice modem) with the
/// gateway playing a 1 kHz test tone as the calling party.
public struct DialRequest: Codable, Sendable {
    public var modem: String?
    public var number: String
    public init(modem: String? = nil, number: String) { self.modem = modem; self.number = number }
}

extension ControlRoute {
    public static let calls = "/v1/calls"
    public static func call(_ id: String) -> String { "/v1/calls/\(id)" }
    public static func callDTMF(_ id: String) -> String { "/v1/calls/\(id)/dtmf" }
    public static let cdr = "/v1/cdr"
}
