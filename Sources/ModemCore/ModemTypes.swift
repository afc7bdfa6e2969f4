// Public value types of the modem state machine: time, states, timers, actions, status.

/// A monotonic instant supplied by the caller (the modem core never reads a clock). The IO
/// layer converts its monotonic clock (e.g. `NIODeadline.uptimeNanoseconds`); tests use a
/// virtual clock starting at zero.
public struct ModemInstant: Comparable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    public static let zero = ModemInstant(nanoseconds: 0)

    public static func < (a: ModemInstant, b: ModemInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func + (a: ModemInstant, d: Duration) -> ModemInstant {
        let ns = ModemInstant.nanoseconds(of: d)
        return ModemInstant(nanoseconds: ns < 0 ? a.nanoseconds &- UInt64(-ns) : a.nanoseconds &+ UInt64(ns))
    }

    /// Time from `earlier` to self (zero if `earlier` is later).
    public func duration(since earlier: ModemInstant) -> Duration {
        guard nanoseconds >= earlier.nanoseconds else { return .zero }
        return .nanoseconds(Int64(clamping: nanoseconds - earlier.nanoseconds))
    }

    static func nanoseconds(of d: Duration) -> Int64 {
        let (s, atto) = d.components
        return s &* 1_000_000_000 &+ atto / 1_000_000_000
    }

    public var description: String { "t+\(Double(nanoseconds) / 1e9)s" }
}

/// The modem's state as shown to admins; raw values are the API strings
/// (ControlModel.ModemStateName).
public enum ModemState: String, Equatable, Hashable, Sendable, Codable, CaseIterable {
    case notConnected = "not-connected"
    case initializing
    case noSIM = "no-sim"
    case simLocked = "sim-locked"
    case notRegistered = "not-registered"
    case free
    case ringing
    case dialing
    case active
    case resetting
    case failed
}

/// Timers the caller arms and fires back with `timerFired`. Arming a timer that is already
/// armed replaces it (one deadline per timer value).
public enum ModemTimer: Hashable, Sendable {
    /// Timeout of the AT command with this sequence number (stale fires are ignored).
    case command(UInt64)
    /// Next health poll.
    case poll
    /// Recovery ladder: waiting for the modem to come back after AT+CFUN=1,1.
    case recovery
    /// Ask the SIM again (it answered "busy", or a PIN was just entered).
    case simRetry
    /// No RING for this long ends an inbound call that was never reported ended.
    case ringTimeout
    /// Try the audio-enable command again (SIMCom refuses AT+CPCMREG=1 right after connect).
    case audioRetry
    /// The USSD reply or the open menu waited too long (USSDSession.swift).
    case ussd
}

/// The rungs of the recovery ladder, gentlest first.
public enum RecoveryRung: Int, Equatable, Sendable, Codable {
    /// Send a bare `AT` and see whether the modem answers at all.
    case atProbe = 1
    /// `AT+CFUN=1,1`: reboot the modem, then wait for it.
    case modemReboot = 2
    /// Ask the IO layer to close and reopen the port (USB re-enumeration, wedged tty).
    case reopenPort = 3
}

/// Something that happened to a call, for the call layer.
public enum CallEvent: Equatable, Sendable {
    /// A new inbound call (first RING, +CRING, +CLIP or an incoming +CLCC row). Every RING
    /// yields this, even one that could not be parsed, so no inbound call is lost.
    case incoming(caller: CallerID)
    /// The caller's identity arrived after `incoming` (RING first, then +CLIP).
    case callerIdentified(CallerID)
    /// Outgoing set-up started (^ORIG, an ATD accepted, +CLCC dialing).
    case dialing(callID: Int?)
    /// Remote party alerting (^CONF, +CLCC alerting).
    case alerting(callID: Int?)
    /// Connected (^CONN, VOICE CALL: BEGIN, +CLCC active).
    case connected(callID: Int?)
    case ended(callID: Int?, cause: CallEndCause, durationSeconds: Int?)
    /// The dialect's audio-enable commands succeeded: PCM now flows on the audio port.
    case audioEnabled
    /// A DTMF command was answered (`ok` false: refused, or the dialect cannot send it).
    case dtmfSent(digit: Character, ok: Bool)
    /// SIMCom `MISSED_CALL: <time> <number>`.
    case missed(caller: CallerID, time: String?)
    /// A +CLCC row / +QIND ccinfo / ^DSCI, for reconciling the call table.
    case listed(CallListEntry)
    case dtmfReceived(String)
}

/// What the IO layer must do.
public enum ModemAction: Equatable, Sendable {
    /// Write these bytes to the AT port. May contain the SIM PIN: log with
    /// `ModemStateMachine.loggable(_:)`, never raw.
    case write([UInt8])
    case armTimer(ModemTimer, after: Duration)
    case cancelTimer(ModemTimer)
    /// Close and reopen the AT port, then report `portClosed` and `portOpened`.
    case reopenPort(reason: String)
    case stateChanged(from: ModemState, to: ModemState, reason: String)
    /// IMEI/IMSI/ICCID/MSISDN changed (emitted each time one becomes known or changes).
    case identified(ModemIdentity)
    case callEvent(CallEvent)
    /// Answer to `submitRawCommand`: information lines and the final result text
    /// (`OK`, `+CME ERROR: 10`, or `TIMEOUT` / `ERROR: <why>` when it never ran to the end).
    case rawCommandFinished(requestID: Int, lines: [String], final: String)
    /// A line nobody understood (counted in `status.at.unknownLines`).
    case unknownLine(String)
    /// A message read from storage or routed to us, or the storage reported full
    /// (SMSTransfer.swift). Stored ones stay on the modem until `smsPersisted(_:now:)`.
    case incomingSMS(IncomingSMS)
    /// Answer to `submitSMS(pdu:tpduLength:requestID:now:)` (SMSSubmission.swift).
    case smsSubmitFinished(requestID: Int, SMSSubmitResult)
    /// The SIM refused the configured PIN: remember it, so no restart sends it again.
    case simPINRejected(reason: String)
    /// Answer to `requestUSSD`/`cancelUSSD` (USSDSession.swift); `requestID` nil for what the
    /// network sent on its own (a USSD notify, a menu it ended, a menu timed out).
    case ussd(requestID: Int?, USSDOutcome)
    /// The start-up AT+CLCC listed calls nobody here owns (a previous daemon's, left up when it
    /// died); the dialect's hang-up has been queued for them (StrayCalls.swift).
    case strayCallsReleased([CallListEntry])
}

/// A SIM PIN from configuration. Its description never shows the digits.
public struct SIMPIN: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    let digits: String
    /// 4 to 8 digits (TS 31.102 / 11.11); nil for anything else.
    public init?(_ text: String) {
        guard (4...8).contains(text.count), text.allSatisfy(\.isASCIIDigit) else { return nil }
        digits = text
    }
    public var description: String { "<redacted PIN>" }
    public var debugDescription: String { description }
}

/// Tunables, each with the reason for its default.
public struct ModemConfiguration: Sendable {
    /// Fixed dialect (from configuration or the USB table); nil = detect from ATI/+CGMI/+CGMM.
    public var dialect: ModemDialect?
    /// Entered once when the SIM asks for it; never retried after a rejection.
    public var pin: SIMPIN?
    /// Health poll interval (chan_quectel and GoIP report every ~30 s).
    public var pollInterval: Duration = .seconds(30)
    /// Default per-command timeout: queries answer in milliseconds, 10 s covers slow SIM reads.
    public var commandTimeout: Duration = .seconds(10)
    /// Admin raw commands may be slow network operations (AT+COPS=?, AT+CUSD): 60 s.
    public var rawCommandTimeout: Duration = .seconds(60)
    /// Consecutive timeouts that start the recovery ladder (one can be a slow SIM; three is a
    /// wedged modem).
    public var timeoutsBeforeRecovery: Int = 3
    /// Timeout of the ladder's AT probe.
    public var probeTimeout: Duration = .seconds(5)
    /// Wait after AT+CFUN=1,1 before probing again (modules take 10-30 s to boot).
    public var rebootWait: Duration = .seconds(30)
    /// Port reopens (rung 3) without a completed init before the modem is declared failed.
    public var maxPortReopens: Int = 3
    /// Delay before asking a busy SIM again (CME 14, just after PIN entry).
    public var simRetryInterval: Duration = .seconds(3)
    /// RING repeats about every 5 s (MU509); two missed repeats end a silent inbound call.
    public var ringTimeout: Duration = .seconds(12)
    /// ATD/ATA answer OK as soon as the set-up is accepted (27.007 with +COLP=0), but the
    /// Quectel manual allows up to 90 s when the network is slow; 30 s keeps a failover fast.
    public var dialTimeout: Duration = .seconds(30)
    /// SIMCom refuses AT+CPCMREG=1 for ~100 ms after connect (ModemManager waits 100 ms):
    /// retry every 200 ms, at most 5 times, before declaring the audio path broken.
    public var audioRetryInterval: Duration = .milliseconds(200)
    public var audioRetries: Int = 5
    /// How the host takes call audio from this modem, when configured (`audio_port =
    /// "alsa:..."` is the USB sound card); nil: the dialect's usual transport. Quectel then
    /// switches voice with AT+QPCMV=1,2 instead of AT+QPCMV=1,0.
    public var audioTransport: AudioTransport?

    /// Set when this PIN was refused by this modem's SIM before (the gateway keeps that across
    /// restarts): the PIN is not sent again, the modem halts at the SIM with this text. Each
    /// wrong PIN costs one of three tries; a daemon restarted in a loop must not spend them.
    public var pinRejectedBefore: String?

    public init(dialect: ModemDialect? = nil, pin: SIMPIN? = nil) {
        self.dialect = dialect
        self.pin = pin
    }
}

/// AT channel health. The command counters are counted once, by the command queue
/// (`ATCommandQueue.statistics`); this holds the queue's latest counters as they are and
/// reads its own from them, and adds what only the state machine knows (lines nobody
/// understood, recovery steps, the last OK).
public struct ATStatus: Equatable, Sendable, Codable {
    /// The command queue's counters, as of the last event the machine handled.
    public var channel = ATChannelStatistics()
    public var queueDepth = 0
    public var commandsSent: Int { channel.commandsSent }
    public var timeouts: Int { channel.timeouts }
    public var consecutiveTimeouts: Int { channel.consecutiveTimeouts }
    /// Commands whose final result was not OK/CONNECT.
    public var errors: Int { channel.errors }
    public var unknownLines = 0
    /// Framer: garbage or over-long lines dropped.
    public var garbageLines = 0
    /// Recovery ladder steps taken (each rung counts once).
    public var resets = 0
    public var lastOKAt: ModemInstant?
    /// The last few distinct lines nobody understood, most recent last, each with how often
    /// it came: enough for an admin to see what a firmware says that we do not read.
    public var recentUnknownLines: [UnknownLineRecord] = []
    public init() {}

    /// Distinct unknown lines kept; older ones drop off (the total stays in `unknownLines`).
    public static let recentUnknownLimit = 8
    /// Longer lines are kept cut to this many characters (a runaway device must not fill memory).
    public static let unknownLineMaxLength = 200

    mutating func noteUnknown(_ line: String, now: ModemInstant) {
        unknownLines += 1
        let text = line.count > Self.unknownLineMaxLength ? String(line.prefix(Self.unknownLineMaxLength)) : line
        if let i = recentUnknownLines.firstIndex(where: { $0.line == text }) {
            var r = recentUnknownLines.remove(at: i)
            r.count += 1
            r.lastAt = now
            recentUnknownLines.append(r)
        } else {
            recentUnknownLines.append(UnknownLineRecord(line: text, count: 1, firstAt: now, lastAt: now))
            if recentUnknownLines.count > Self.recentUnknownLimit {
                recentUnknownLines.removeFirst(recentUnknownLines.count - Self.recentUnknownLimit)
            }
        }
    }
}

/// One distinct line nobody understood.
public struct UnknownLineRecord: Equatable, Sendable, Codable {
    public var line: String
    public var count: Int
    public var firstAt: ModemInstant
    public var lastAt: ModemInstant
}

/// One registration domain's last report (27.007 7.2 +CREG CS, 10.1.20 +CGREG PS,
/// 10.1.22 +CEREG EPS, 10.1.48 +C5GREG 5GS), URC or answer.
public struct RegistrationDomainState: Equatable, Sendable, Codable {
    /// `cs`, `ps`, `eps`, `5gs`.
    public var domain: String
    /// The line: `+CREG`, `+CGREG`, `+CEREG`, `+C5GREG`.
    public var source: String
    public var stat: Int
    public var statMeaning: String
    /// LAC (CS/PS) or TAC (EPS/5GS) as the modem gave it (hex), and as a number.
    public var lac: String?
    public var lacValue: Int?
    public var ci: String?
    public var ciValue: Int?
    public var act: Int?
    public var actName: String?
    public var at: ModemInstant

    public init(_ r: RegistrationReport, stat: Int, now: ModemInstant) {
        switch r.domain {
        case .cs: domain = "cs"
        case .gprs: domain = "ps"
        case .eps: domain = "eps"
        case .nr: domain = "5gs"
        }
        source = r.domain.rawValue
        self.stat = stat
        statMeaning = Self.meaning(stat: stat)
        lac = r.lac
        lacValue = r.lac.flatMap(Self.hexValue)
        ci = r.cellID
        ciValue = r.cellID.flatMap(Self.hexValue)
        act = r.act
        actName = r.act.flatMap { AccessTechnology.name(act: $0) }
        at = now
    }

    /// 27.007 7.2 <stat>.
    public static func meaning(stat: Int) -> String {
        switch stat {
        case 0: return "not registered, not searching"
        case 1: return "registered, home network"
        case 2: return "not registered, searching"
        case 3: return "registration denied"
        case 4: return "unknown"
        case 5: return "registered, roaming"
        case 6: return "registered for SMS only, home network"
        case 7: return "registered for SMS only, roaming"
        case 8: return "attached for emergency bearer services only"
        case 9: return "registered for CSFB not preferred, home network"
        case 10: return "registered for CSFB not preferred, roaming"
        case 11: return "attached for access to RLOS"
        default: return "stat \(stat)"
        }
    }

    /// Hex LAC/TAC/CI as a number; nil beyond 60 bits (no real cell id is that long).
    static func hexValue(_ hex: String) -> Int? {
        guard !hex.isEmpty, hex.count <= 15 else { return nil }
        return Int(hex, radix: 16)
    }
}

/// One call the modem currently has, as its URCs describe it (^DSCI, +CLCC, +QIND ccinfo,
/// ^ORIG/^CONF/^CONN, RING/+CLIP, VOICE CALL).
public struct ModemCallEntry: Equatable, Sendable, Codable {
    /// The modem's call index (nil until a report names it: RING and +CLIP do not).
    public var id: Int?
    public var incoming: Bool
    public var status: CallStatus
    public var number: String?
    public var numberType: Int?
    /// 27.007 <mode>: 0 voice, 1 data, 2 fax, ...
    public var mode: Int?
    public var multiparty: Bool?
    /// The last line that changed it.
    public var source: String
    /// When it entered `status`.
    public var since: ModemInstant
}

/// The last call end the modem reported, with why.
public struct CallEndRecord: Equatable, Sendable, Codable {
    public var callID: Int?
    public var cause: CallEndCause
    public var durationSeconds: Int?
    public var at: ModemInstant
}

/// The current call as the modem reports it.
public struct CallSnapshot: Equatable, Sendable, Codable {
    public enum Phase: String, Equatable, Sendable, Codable { case ringing, dialing, alerting, active }
    public var phase: Phase
    public var callID: Int?
    public var incoming: Bool
    public var caller: CallerID?
    public var since: ModemInstant
    /// The gateway's reference for a call it placed (`dial(number:callRef:now:)`).
    public var ref: UInt64? = nil
}

/// Everything the CLI shows about one modem (read-only snapshot).
public struct ModemStatus: Equatable, Sendable, Codable {
    public var state: ModemState = .notConnected
    public var since: ModemInstant = .zero
    public var reason: String = "port not opened yet"

    public var vendor: ModemVendor?
    public var dialectName: String?
    public var manufacturer: String?
    public var model: String?
    public var firmware: String?

    public var identity = ModemIdentity()
    public var sim: SIMState = .unknown

    public var signal: SignalQuality?
    public var signalUpdatedAt: ModemInstant?
    public var registration: RegistrationSummary = .unknown
    public var registrationStatus: RegistrationStatus?
    public var lac: String?
    public var cellID: String?
    public var accessTechnology: String?
    /// Network operator: MCC-MNC and name (from +COPS).
    public var networkOperatorMCCMNC: String?
    public var networkOperatorName: String?
    /// The SIM's home operator from the IMSI.
    public var simOperatorMCCMNC: String?

    /// Last reading per RAT (`GSM`, `WCDMA`, `LTE`, ...), sorted by RAT name.
    public var signalReadings: [RATSignal] = []
    /// Last report per registration domain (cs, ps, eps, 5gs), in that order.
    public var registrations: [RegistrationDomainState] = []
    /// The SIM's last own words (+CPIN / ^CPIN / ^SIMST code, meaning, retries).
    public var simReport: SIMReport?
    public var simReportAt: ModemInstant?
    /// Network time (NITZ) as last reported.
    public var networkTime: NetworkTimeState?

    public var voice: VoiceCapability?
    public var at = ATStatus()
    public var call: CallSnapshot?
    /// Every call the modem reports (several with call waiting); `call` is the one the
    /// gateway handles.
    public var calls: [ModemCallEntry] = []
    public var lastCallEnd: CallEndRecord?
    /// The last recovery step and why.
    public var lastRecovery: String?
    /// SMS counters and storage (SMSTransfer.swift).
    public var sms = SMSStatus()
    public var ussd = USSDStatus()

    public init() {}

    public var imei: String? { identity.imei }
    public var imsi: String? { identity.imsi }
    public var iccid: String? { identity.iccid }
    public var msisdn: String? { identity.msisdn }
}
