// The JSON the control API speaks: what `simgated` reports and what `simgate` prints.
//
// One module shared by the daemon and the CLI so the two cannot drift apart. Every type is a
// plain Codable value; dates are encoded as ISO 8601 (see `ControlJSON`).
import Foundation

/// The lifecycle state of one modem, in chan_dongle's vocabulary plus the states it lacks.
public enum ModemStateName: String, Codable, Sendable, CaseIterable {
    case notConnected = "not-connected"   // port closed or absent (unplugged)
    case initializing                      // port open, init sequence running
    case noSIM = "no-sim"                  // +CPIN / CME 10/13: no card or card failure
    case simLocked = "sim-locked"          // PIN/PUK required and no (valid) PIN configured
    case notRegistered = "not-registered"  // SIM ready, network not (yet) registered / denied
    case free                              // registered, idle, can take a call
    case ringing                           // inbound call alerting
    case dialing                           // outbound call being set up
    case active                            // a call is connected
    case resetting                         // recovery ladder at work
    case failed                            // gave up: ladder exhausted or unsupported device
}

public struct OperatorInfo: Codable, Sendable, Equatable {
    public var mccmnc: String?
    public var name: String?
    public init(mccmnc: String? = nil, name: String? = nil) { self.mccmnc = mccmnc; self.name = name }
}

public struct SignalInfo: Codable, Sendable, Equatable {
    /// 27.007 +CSQ <rssi> (0...31, 99 unknown).
    public var rssi: Int?
    public var dBm: Int?
    /// 0...5, what a phone's status bar would show.
    public var bars: Int?
    /// RSRP/RSCP etc. when the modem reports them (^HCSQ, +QCSQ).
    public var detail: String?
    public init(rssi: Int? = nil, dBm: Int? = nil, bars: Int? = nil, detail: String? = nil) {
        self.rssi = rssi; self.dBm = dBm; self.bars = bars; self.detail = detail
    }
}

public struct ATStats: Codable, Sendable, Equatable {
    public var queueDepth: Int = 0
    public var commandsSent: Int = 0
    public var timeouts: Int = 0
    public var errors: Int = 0
    public var unknownLines: Int = 0
    public var resets: Int = 0
    /// When the modem last answered OK (any command).
    public var lastOKAt: Date?
    /// The last few distinct lines the daemon could not read, most recent last.
    public var recentUnknownLines: [UnknownLineInfo]?
    public init() {}
}

/// A line from the modem the daemon did not understand (counted, never fatal).
public struct UnknownLineInfo: Codable, Sendable, Equatable {
    public var line: String
    public var count: Int
    public var firstAt: Date
    public var lastAt: Date
    public init(line: String, count: Int, firstAt: Date, lastAt: Date) {
        self.line = line; self.count = count; self.firstAt = firstAt; self.lastAt = lastAt
    }
}

/// One point of a modem's signal history; `dBm` nil when there was no usable reading.
public struct SignalSample: Codable, Sendable, Equatable {
    public var at: Date
    public var dBm: Int?
    public init(at: Date, dBm: Int?) { self.at = at; self.dBm = dBm }
}

/// The last signal reading of one radio access technology.
public struct SignalReadingInfo: Codable, Sendable, Equatable {
    /// `GSM`, `WCDMA`, `TD-SCDMA`, `LTE`, `NR`, `CDMA`, `unknown`.
    public var rat: String
    /// The line it came from (`^HCSQ`, `+CESQ`, `+QCSQ`, `+CSQ`, `^RSSI`, `+QIND`).
    public var source: String
    /// 27.007 <rssi> 0...31 and <ber> 0...7, when the line uses that scale.
    public var rssi: Int?
    public var ber: Int?
    public var rssiDBm: Int?
    public var rscpDBm: Int?
    public var ecioDB: Double?
    public var rsrpDBm: Int?
    public var rsrqDB: Double?
    public var sinrDB: Double?
    public var at: Date
    public init(rat: String, source: String, at: Date) { self.rat = rat; self.source = source; self.at = at }
}

/// One registration domain's last report.
public struct RegistrationInfo: Codable, Sendable, Equatable {
    /// `cs` (+CREG), `ps` (+CGREG), `eps` (+CEREG), `5gs` (+C5GREG).
    public var domain: String
    public var source: String
    /// 27.007 <stat> and what it means.
    public var stat: Int
    public var statMeaning: String
    /// LAC (CS/PS) or TAC (EPS/5GS), hex as given and as a number.
    public var lac: String?
    public var lacValue: Int?
    public var ci: String?
    public var ciValue: Int?
    public var act: Int?
    public var actName: String?
    public var at: Date
    public init(domain: String, source: String, stat: Int, statMeaning: String, at: Date) {
        self.domain = domain; self.source = source; self.stat = stat; self.statMeaning = statMeaning; self.at = at
    }
}

/// What the SIM last said about itself.
public struct SIMInfo: Codable, Sendable, Equatable {
    /// The summary (`ready`, `pin-required`, `absent`, ...), as `simState`.
    public var state: String
    /// The code as the modem gave it (`SIM PIN2`, `READY`, `255`) and its meaning.
    public var code: String?
    public var meaning: String?
    /// `+CPIN`, `^CPIN`, `^SIMST`, `+CME ERROR`.
    public var source: String?
    public var pinRetries: Int?
    public var pukRetries: Int?
    public var pin2Retries: Int?
    public var puk2Retries: Int?
    public var reportedAt: Date?
    public init(state: String) { self.state = state }
}

/// Network time (NITZ) as the modem last reported it.
public struct NetworkTimeInfo: Codable, Sendable, Equatable {
    /// `2019-12-12T10:49:42+08:00`, as the modem gave it (local time with the network's zone).
    public var time: String?
    public var year: Int?
    public var month: Int?
    public var day: Int?
    public var hour: Int?
    public var minute: Int?
    public var second: Int?
    /// Offset from UTC in quarter hours as sent, and as `+08:00`.
    public var zoneQuarterHours: Int?
    public var zone: String?
    /// Daylight saving adjustment in hours.
    public var dst: Int?
    /// The line of the last report (`+CTZV`, `^NWTIME`, `*PSUTTZ`, `+QLTS`, `DST`, ...).
    public var source: String
    public var receivedAt: Date
    /// When the full date and time in `time` arrived (a zone-only +CTZV keeps it).
    public var timeReceivedAt: Date?
    public init(source: String, receivedAt: Date) { self.source = source; self.receivedAt = receivedAt }
}

/// One call the modem reports having.
public struct ModemCallInfo: Codable, Sendable, Equatable {
    /// The modem's call index; nil while only RING/+CLIP have named it.
    public var id: Int?
    /// `incoming` or `outgoing`.
    public var direction: String
    /// `incoming`, `waiting`, `dialing`, `alerting`, `active`, `held`.
    public var state: String
    public var number: String?
    public var numberType: Int?
    public var mode: Int?
    public var multiparty: Bool?
    /// The last line that changed it (`^DSCI`, `+CLCC`, `^CONN`, `RING`, `VOICE CALL`, ...).
    public var source: String
    public var since: Date
    public init(id: Int?, direction: String, state: String, source: String, since: Date) {
        self.id = id; self.direction = direction; self.state = state; self.source = source; self.since = since
    }
}

/// The last call end the modem reported.
public struct CallEndInfo: Codable, Sendable, Equatable {
    public var callID: Int?
    /// `normal`, `busy`, `no-answer`, `rejected`, ... (the gateway's cause kinds).
    public var cause: String
    public var text: String
    /// 24.008 cause and the vendor's end status (Huawei ^CEND), when given.
    public var ccCause: Int?
    public var vendorStatus: Int?
    public var durationSeconds: Int?
    public var at: Date
    public init(callID: Int?, cause: String, text: String, at: Date) {
        self.callID = callID; self.cause = cause; self.text = text; self.at = at
    }
}

public struct CallStats: Codable, Sendable, Equatable {
    public var total: Int = 0
    public var answered: Int = 0
    public var inbound: Int = 0
    public var outbound: Int = 0
    public var billableSeconds: Int = 0
    /// Answer-seizure ratio in percent; nil before the first call.
    public var asr: Double? { total == 0 ? nil : Double(answered) * 100 / Double(total) }
    /// Average call duration in seconds over answered calls; nil before the first answer.
    public var acd: Double? { answered == 0 ? nil : Double(billableSeconds) / Double(answered) }
    public init() {}

    enum CodingKeys: String, CodingKey { case total, answered, inbound, outbound, billableSeconds, asr, acd }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        total = try c.decode(Int.self, forKey: .total)
        answered = try c.decode(Int.self, forKey: .answered)
        inbound = try c.decodeIfPresent(Int.self, forKey: .inbound) ?? 0
        outbound = try c.decodeIfPresent(Int.self, forKey: .outbound) ?? 0
        billableSeconds = try c.decode(Int.self, forKey: .billableSeconds)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(total, forKey: .total)
        try c.encode(answered, forKey: .answered)
        try c.encode(inbound, forKey: .inbound)
        try c.encode(outbound, forKey: .outbound)
        try c.encode(billableSeconds, forKey: .billableSeconds)
        try c.encodeIfPresent(asr, forKey: .asr)
        try c.encodeIfPresent(acd, forKey: .acd)
    }
}

/// One thing that happened to a modem, with why: state changes, recovery actions, faults.
public struct ModemEventRecord: Codable, Sendable, Equatable {
    public var at: Date
    public var modemID: String
    public var kind: String        // "state", "recovery", "fault", "sim", "call"
    public var detail: String
    public init(at: Date, modemID: String, kind: String, detail: String) {
        self.at = at; self.modemID = modemID; self.kind = kind; self.detail = detail
    }
}

/// Everything the daemon knows about one modem right now.
public struct ModemSnapshot: Codable, Sendable, Equatable {
    /// Stable name: the config key, or `usb-<last 6 IMEI digits>` for a discovered modem.
    public var id: String
    public var state: ModemStateName
    public var stateSince: Date
    public var stateReason: String?

    public var vendor: String?
    public var model: String?
    public var firmware: String?
    public var atPort: String?
    public var audioPort: String?
    public var usbPath: String?

    public var imei: String?
    public var imsi: String?
    public var iccid: String?
    public var msisdn: String?
    public var simState: String?
    /// The SIM's own last words: code, meaning, retries.
    public var sim: SIMInfo?
    public var networkTime: NetworkTimeInfo?

    public var signal: SignalInfo
    /// The last reading of each radio technology (GSM, WCDMA, LTE, ...).
    public var signalReadings: [SignalReadingInfo]?
    /// Oldest first: a sample when the signal changed, one a minute while it held (at most 60).
    public var signalHistory: [SignalSample]?
    /// "home", "roaming", "searching", "denied", "not-registered", "unknown".
    public var registration: String?
    /// Per domain (cs, ps, eps, 5gs): stat, cell, access technology.
    public var registrations: [RegistrationInfo]?
    /// "GSM", "UMTS", "LTE", ... from +COPS <AcT> or vendor reports.
    public var accessTechnology: String?
    public var networkOperator: OperatorInfo
    /// The SIM's home operator, from the IMSI's MCC-MNC.
    public var simOperator: OperatorInfo

    public var voiceCapable: Bool?
    public var voiceReason: String?

    public var at: ATStats
    public var calls: CallStats
    /// The calls the modem has right now, as its URCs report them.
    public var currentCalls: [ModemCallInfo]?
    public var lastCallEnd: CallEndInfo?
    public var lastRecovery: String?
    /// SMS counters and storage; nil from a daemon that predates SMS.
    public var sms: SMSInfo?
    public var recentEvents: [ModemEventRecord]

    public init(id: String, state: ModemStateName, stateSince: Date) {
        self.id = id; self.state = state; self.stateSince = stateSince
        signal = SignalInfo(); networkOperator = OperatorInfo(); simOperator = OperatorInfo()
        at = ATStats(); calls = CallStats(); recentEvents = []
    }
}

/// A modem's SMS side: what it received, sent and failed to send, and its message storage.
/// Every field decodes as absent-or-default, so an older or newer daemon's JSON still reads.
public struct SMSInfo: Codable, Sendable, Equatable {
    /// Messages handed to the gateway (each stored arrival once, plus direct deliveries).
    public var received: Int
    /// Messages the network accepted (`+CMGS: <mr>`).
    public var sent: Int
    /// Sends refused (`+CMS ERROR`) or failed (no prompt, no answer, modem not ready).
    public var failed: Int
    /// Messages deleted from the modem after the gateway stored them.
    public var deleted: Int
    /// Stored messages not yet confirmed saved by the gateway (still on the modem).
    public var awaitingPersistence: Int
    /// Stored or routed messages whose PDU could not be read (left in storage).
    public var unreadable: Int
    public var storageFullEvents: Int
    /// "SM", "ME", ... and its fill from `AT+CPMS`.
    public var storage: String?
    public var storageUsed: Int?
    public var storageTotal: Int?
    /// Direct deliveries are acknowledged by the gateway (`AT+CSMS=1`, `AT+CNMA`).
    public var acknowledgesDelivery: Bool
    public var lastError: String?
    public var lastErrorAt: Date?

    public init(received: Int = 0, sent: Int = 0, failed: Int = 0, deleted: Int = 0, awaitingPersistence: Int = 0,
                unreadable: Int = 0, storageFullEvents: Int = 0, acknowledgesDelivery: Bool = false) {
        self.received = received; self.sent = sent; self.failed = failed; self.deleted = deleted
        self.awaitingPersistence = awaitingPersistence; self.unreadable = unreadable
        self.storageFullEvents = storageFullEvents; self.acknowledgesDelivery = acknowledgesDelivery
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        received = try c.decodeIfPresent(Int.self, forKey: .received) ?? 0
        sent = try c.decodeIfPresent(Int.self, forKey: .sent) ?? 0
        failed = try c.decodeIfPresent(Int.self, forKey: .failed) ?? 0
        deleted = try c.decodeIfPresent(Int.self, forKey: .deleted) ?? 0
        awaitingPersistence = try c.decodeIfPresent(Int.self, forKey: .awaitingPersistence) ?? 0
        unreadable = try c.decodeIfPresent(Int.self, forKey: .unreadable) ?? 0
        storageFullEvents = try c.decodeIfPresent(Int.self, forKey: .storageFullEvents) ?? 0
        storage = try c.decodeIfPresent(String.self, forKey: .storage)
        storageUsed = try c.decodeIfPresent(Int.self, forKey: .storageUsed)
        storageTotal = try c.decodeIfPresent(Int.self, forKey: .storageTotal)
        acknowledgesDelivery = try c.decodeIfPresent(Bool.self, forKey: .acknowledgesDelivery) ?? false
        lastError = try c.decodeIfPresent(String.self, forKey: .lastError)
        lastErrorAt = try c.decodeIfPresent(Date.self, forKey: .lastErrorAt)
    }
}

public struct ModemList: Codable, Sendable {
    public var modems: [ModemSnapshot]
    public var generatedAt: Date
    public init(modems: [ModemSnapshot], generatedAt: Date) { self.modems = modems; self.generatedAt = generatedAt }
}

/// `POST /v1/modems/{id}/at` body and answer: a raw AT command, as chan_dongle's `dongle cmd`.
public struct RawATRequest: Codable, Sendable {
    public var command: String
    public var timeoutSeconds: Double?
    public init(command: String, timeoutSeconds: Double? = nil) { self.command = command; self.timeoutSeconds = timeoutSeconds }
}

public struct RawATResponse: Codable, Sendable {
    public var command: String
    public var lines: [String]
    public var final: String
    public var elapsedMilliseconds: Double
    public init(command: String, lines: [String], final: String, elapsedMilliseconds: Double) {
        self.command = command; self.lines = lines; self.final = final; self.elapsedMilliseconds = elapsedMilliseconds
    }
}

/// Any non-2xx answer from the API.
public struct APIError: Codable, Sendable, Error {
    public var error: String
    public init(_ error: String) { self.error = error }
}

public struct ActionResult: Codable, Sendable {
    public var ok: Bool
    public var message: String
    public init(ok: Bool, message: String) { self.ok = ok; self.message = message }
}

public struct DaemonStatus: Codable, Sendable {
    public var version: String
    public var startedAt: Date
    public var configPath: String
    public var modemCount: Int
    /// The database refuses writes (disk full, I/O error); nil while writes work.
    public var storage: StorageAlert?
    public init(version: String, startedAt: Date, configPath: String, modemCount: Int, storage: StorageAlert? = nil) {
        self.version = version; self.startedAt = startedAt; self.configPath = configPath; self.modemCount = modemCount
        self.storage = storage
    }
}

/// The database stopped taking writes: calls go on, but their records, counters and missed
/// calls are not being saved until it does again.
public struct StorageAlert: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// SQLITE_FULL: the file system under the state directory is full.
        case diskFull = "disk-full"
        /// An I/O error, a read-only or corrupt database.
        case writeError = "write-error"
    }
    public var kind: Kind
    /// The last failure, as SQLite put it.
    public var error: String
    /// The first failure of this stretch.
    public var since: Date
    public var failedWrites: Int
    public init(kind: Kind, error: String, since: Date, failedWrites: Int) {
        self.kind = kind; self.error = error; self.since = since; self.failedWrites = failedWrites
    }
}

/// The one JSON encoding used on both sides of the API.
public enum ControlJSON {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        return e
    }
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

/// API routes, named once so server and client agree.
public enum ControlRoute {
    public static let status = "/v1/status"
    public static let modems = "/v1/modems"
    public static func modem(_ id: String) -> String { "/v1/modems/\(id)" }
    public static func modemReset(_ id: String) -> String { "/v1/modems/\(id)/reset" }
    public static func modemAT(_ id: String) -> String { "/v1/modems/\(id)/at" }
    public static let events = "/v1/events"
}

// MARK: - SIP (GET /v1/sip/status, GET /v1/sip/registrations, POST /v1/sip/call,
// GET /v1/sip/bans, DELETE /v1/sip/bans/{address})

public enum SIPRoute {
    public static let status = "/v1/sip/status"
    public static let registrations = "/v1/sip/registrations"
    public static let call = "/v1/sip/call"
    public static let bans = "/v1/sip/bans"
    /// An IPv6 address's colons are legal in a path segment (RFC 3986 §3.3).
    public static func ban(_ address: String) -> String { "/v1/sip/bans/\(address)" }
}

/// One banned source (`simgate sip bans`).
public struct SIPBanInfo: Codable, Sendable, Equatable {
    /// The source IP address, e.g. "203.0.113.7" or "2001:db8::1".
    public var source: String
    /// "auth-failures" (digest authentication failed [sip] ban_after_failures times) or
    /// "flood" (the rate limit dropped ban_after_rate_limited of its messages).
    public var reason: String
    /// The failures or dropped messages within ban_window that made the ban.
    public var strikes: Int
    public var since: Date
    public var until: Date
    /// Messages dropped unread because of the ban.
    public var hits: Int
    public init(source: String, reason: String, strikes: Int, since: Date, until: Date, hits: Int) {
        self.source = source; self.reason = reason; self.strikes = strikes; self.since = since; self.until = until; self.hits = hits
    }
}

public struct SIPBanList: Codable, Sendable, Equatable {
    public var bans: [SIPBanInfo]
    public var generatedAt: Date
    public init(bans: [SIPBanInfo], generatedAt: Date) { self.bans = bans; self.generatedAt = generatedAt }
}

/// One bound SIP socket.
public struct SIPListenerInfo: Codable, Sendable, Equatable {
    /// "udp" or "tcp".
    public var transport: String
    public var host: String
    public var port: Int
    public init(transport: String, host: String, port: Int) { self.transport = transport; self.host = host; self.port = port }
}

/// Upstream registration state of one [[trunk]].
public struct SIPTrunkStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case disabled, registering, registered, failed }
    public var name: String
    public var registrar: String
    public var state: State
    /// When the current registration runs out (registered only).
    public var expiresAt: Date?
    /// The last failure, e.g. "403 Forbidden" or "timeout (no answer from registrar)".
    public var lastError: String?
    /// When the next attempt (refresh or retry) is due.
    public var nextAttemptAt: Date?
    public init(name: String, registrar: String, state: State, expiresAt: Date? = nil, lastError: String? = nil, nextAttemptAt: Date? = nil) {
        self.name = name; self.registrar = registrar; self.state = state; self.expiresAt = expiresAt
        self.lastError = lastError; self.nextAttemptAt = nextAttemptAt
    }
}

/// Counters of the SIP transport and core, since start.
public struct SIPCounters: Codable, Sendable, Equatable {
    public var messagesReceived: Int = 0
    public var requestsAnswered: Int = 0
    /// Malformed requests answered 400/414/505/513.
    public var malformedRejected: Int = 0
    /// Malformed messages that could not be answered and were dropped.
    public var malformedDropped: Int = 0
    /// Datagrams and TCP messages dropped by the per-source rate limit.
    public var rateLimited: Int = 0
    public var tcpConnectionsRefused: Int = 0
    public var tcpIdleClosed: Int = 0
    /// Messages not sent because the destination was unusable (port 0, broadcast, a host name).
    public var unroutable: Int = 0
    /// Bans made since start ([sip] ban_after_failures, ban_after_rate_limited).
    public var bans: Int = 0
    /// Datagrams and TCP messages from banned sources, dropped unread.
    public var bannedDropped: Int = 0
    /// Messages from [sip] trusted peers (not rate-limited, never banned).
    public var trustedReceived: Int = 0
    public init() {}
}

public struct SIPStatus: Codable, Sendable, Equatable {
    public var listeners: [SIPListenerInfo]
    public var realm: String
    public var testExtension: String
    public var trunks: [SIPTrunkStatus]
    public var activeCalls: Int
    public var transactions: Int
    public var tcpConnections: Int
    public var counters: SIPCounters
    public init(listeners: [SIPListenerInfo], realm: String, testExtension: String, trunks: [SIPTrunkStatus], activeCalls: Int,
                transactions: Int, tcpConnections: Int, counters: SIPCounters) {
        self.listeners = listeners; self.realm = realm; self.testExtension = testExtension; self.trunks = trunks
        self.activeCalls = activeCalls; self.transactions = transactions; self.tcpConnections = tcpConnections; self.counters = counters
    }
}

/// One registered contact of a user.
public struct SIPRegistrationInfo: Codable, Sendable, Equatable {
    public var user: String
    public var contact: String
    /// Where the REGISTER came from: "udp:127.0.0.1:5072".
    public var source: String
    public var userAgent: String?
    public var expiresAt: Date
    public init(user: String, contact: String, source: String, userAgent: String?, expiresAt: Date) {
        self.user = user; self.contact = contact; self.source = source; self.userAgent = userAgent; self.expiresAt = expiresAt
    }
}

public struct SIPRegistrationList: Codable, Sendable, Equatable {
    public var registrations: [SIPRegistrationInfo]
    public var generatedAt: Date
    public init(registrations: [SIPRegistrationInfo], generatedAt: Date) { self.registrations = registrations; self.generatedAt = generatedAt }
}

/// POST /v1/sip/call: place a call from simgate to a SIP URI and play a tone.
public struct SIPCallRequest: Codable, Sendable, Equatable {
    public var to: String
    /// "tone" (1 kHz) is the only source for now.
    public var play: String?
    /// How long to keep the call up after it is answered, then send BYE.
    public var seconds: Double?
    /// Send through this [[trunk]] (with its credentials) instead of straight to the URI.
    public var trunk: String?
    public init(to: String, play: String? = "tone", seconds: Double? = nil, trunk: String? = nil) {
        self.to = to; self.play = play; self.seconds = seconds; self.trunk = trunk
    }
}

public struct SIPCallResult: Codable, Sendable, Equatable {
    /// "completed" (answered, held, hung up by us), "remote-hangup", "rejected", "timeout", "failed".
    public var outcome: String
    /// The final response to the INVITE, e.g. 200 or 486.
    public var finalStatus: Int?
    public var reason: String?
    public var codec: String?
    public var rtpPacketsSent: Int
    public var rtpPacketsReceived: Int
    public var seconds: Double
    public init(outcome: String, finalStatus: Int?, reason: String?, codec: String?, rtpPacketsSent: Int, rtpPacketsReceived: Int, seconds: Double) {
        self.outcome = outcome; self.finalStatus = finalStatus; self.reason = reason; self.codec = codec
        self.rtpPacketsSent = rtpPacketsSent; self.rtpPacketsReceived = rtpPacketsReceived; self.seconds = seconds
    }
}

// MARK: - Routing: numbering data and SIM usage (`simgate numbering`, `simgate sims`)

/// One numbering data file the daemon loads.
public struct NumberingSourceStatus: Codable, Sendable, Equatable {
    /// registry | libphonenumber | bdpn | csv
    public var format: String
    public var path: String
    /// "config" (named in [routing]) or "imported" (`simgate numbering import`).
    public var origin: String
    /// Rows this file gave at the last successful load (ranges, prefixes or numbers).
    public var rows: Int
    /// The label that goes into the data version (file name and modification date).
    public var label: String
    public init(format: String, path: String, origin: String, rows: Int, label: String) {
        self.format = format; self.path = path; self.origin = origin; self.rows = rows; self.label = label
    }
}

/// What numbering data is loaded, and how the last (re)load went.
public struct NumberingStatus: Codable, Sendable, Equatable {
    public var version: String
    public var sources: [NumberingSourceStatus]
    public var registryRanges: Int
    public var carrierPrefixes: Int
    public var portedNumbers: Int
    public var operators: Int
    /// Approximate bytes held by the lookup structures.
    public var bytes: Int
    public var loadedAt: Date?
    public var loadMilliseconds: Double?
    /// Why the last reload failed (the snapshot in use is then the one before it).
    public var lastError: String?
    public var lastErrorAt: Date?
    public init(version: String, sources: [NumberingSourceStatus], registryRanges: Int, carrierPrefixes: Int,
                portedNumbers: Int, operators: Int, bytes: Int, loadedAt: Date?, loadMilliseconds: Double?,
                lastError: String?, lastErrorAt: Date?) {
        self.version = version; self.sources = sources; self.registryRanges = registryRanges
        self.carrierPrefixes = carrierPrefixes; self.portedNumbers = portedNumbers; self.operators = operators
        self.bytes = bytes; self.loadedAt = loadedAt; self.loadMilliseconds = loadMilliseconds
        self.lastError = lastError; self.lastErrorAt = lastErrorAt
    }
}

/// `POST /v1/numbering/import`: a file on the daemon's machine to copy and load.
public struct NumberingImportRequest: Codable, Sendable {
    /// registry | libphonenumber | bdpn | csv
    public var format: String
    /// Absolute path, readable by simgated.
    public var path: String
    public init(format: String, path: String) { self.format = format; self.path = path }
}

/// `POST /v1/numbering/reload` and `/import`: whether the new data is in use.
public struct NumberingReloadResult: Codable, Sendable {
    public var ok: Bool
    public var message: String
    public var status: NumberingStatus
    public init(ok: Bool, message: String, status: NumberingStatus) { self.ok = ok; self.message = message; self.status = status }
}

/// One SIM as `simgate sims` shows it: where it is, its operator, its usage against limits.
public struct SIMUsageStatus: Codable, Sendable, Equatable {
    public var iccid: String
    /// The modem holding it now; nil for a configured SIM not seen in any modem.
    public var modemID: String?
    /// The modem's state ("free", "active", …), or "absent".
    public var state: String
    public var mccmnc: String?
    public var operatorName: String?
    public var signalDBm: Int?
    public var minutesToday: Int
    public var minutesPerDay: Int?
    public var minutesThisPeriod: Int
    public var minutesPerMonth: Int?
    /// The tariff month's first instant (per the SIM's month_reset_day).
    public var periodStart: Date
    public var callsToday: Int
    public var callsPerDay: Int?
    public var activeCalls: Int
    /// From the modem's call statistics, when it has made calls.
    public var asr: Double?
    public var acd: Double?
    /// SMS parts sent today and this tariff period, against `[[sim]] sms_per_day`/`sms_per_month`.
    /// Optional so a CLI reads a daemon from before SMS (absent keys decode as nil).
    public var smsToday: Int? = nil
    public var smsPerDay: Int? = nil
    public var smsThisPeriod: Int? = nil
    public var smsPerMonth: Int? = nil
    /// The balance last read (`[[sim]] balance_ussd`); nil when never checked.
    public var balance: SIMBalanceInfo? = nil
    /// Why the SIM is out of routing (balance below min_balance, …); nil when in service.
    public var outOfService: String? = nil
    public init(iccid: String, modemID: String?, state: String, mccmnc: String?, operatorName: String?, signalDBm: Int?,
                minutesToday: Int, minutesPerDay: Int?, minutesThisPeriod: Int, minutesPerMonth: Int?, periodStart: Date,
                callsToday: Int, callsPerDay: Int?, activeCalls: Int, asr: Double?, acd: Double?) {
        self.iccid = iccid; self.modemID = modemID; self.state = state; self.mccmnc = mccmnc
        self.operatorName = operatorName; self.signalDBm = signalDBm; self.minutesToday = minutesToday
        self.minutesPerDay = minutesPerDay; self.minutesThisPeriod = minutesThisPeriod
        self.minutesPerMonth = minutesPerMonth; self.periodStart = periodStart; self.callsToday = callsToday
        self.callsPerDay = callsPerDay; self.activeCalls = activeCalls; self.asr = asr; self.acd = acd
    }
}

public struct SIMUsageList: Codable, Sendable {
    public var sims: [SIMUsageStatus]
    public var generatedAt: Date
    public init(sims: [SIMUsageStatus], generatedAt: Date) { self.sims = sims; self.generatedAt = generatedAt }
}

/// Routing routes (the route explanation itself is RoutingCore's `RoutePlan` JSON).
public enum RoutingRoute {
    public static let explain = "/v1/route/explain"
    public static let sims = "/v1/sims"
    public static let numbering = "/v1/numbering"
    public static let numberingReload = "/v1/numbering/reload"
    public static let numberingImport = "/v1/numbering/import"
}

// MARK: - Missed calls (GET /v1/missed, POST /v1/missed/{id}/claim|callback|close)

/// Where a missed-call entry stands. It moves forward only: new → claimed → called-back →
/// closed (claimed and called-back may be skipped; see MissedCallBook in Gateway).
public enum MissedCallStatus: String, Codable, Sendable, CaseIterable {
    case new
    case claimed
    case calledBack = "called-back"
    case closed
}

/// Why an inbound call was not answered by a person.
public enum MissedCallReason: String, Codable, Sendable, CaseIterable {
    /// Members rang until the group's timeout and nobody picked up.
    case rangOut = "rang-out"
    /// Every member was busy and the queue's maximum wait ran out.
    case queueTimeout = "queue-timeout"
    /// Every member was busy and the rule had nowhere else to send the call.
    case allBusy = "all-busy"
    case callerHungUpRinging = "caller-hung-up-ringing"
    case callerHungUpQueued = "caller-hung-up-queued"
    /// The modem failed (reset, unplugged, AT timeout) while the call was ringing.
    case modemFault = "modem-fault"
    /// Outside business hours with no after-hours target.
    case afterHours = "after-hours"
    /// The daemon stopped (crash, kill -9, power) while the call rang or waited in the queue:
    /// the next start found its record open and listed the caller.
    case interrupted = "interrupted"
}

/// One line of an entry's history: each missed call, claim, callback attempt and close.
public struct MissedCallHistoryItem: Codable, Sendable, Equatable {
    public var at: Date
    /// "missed", "claimed", "callback-requested", "callback", "recall", "closed", "reopened".
    public var kind: String
    public var user: String?
    /// For "callback"/"recall": "connected", "no-answer", "busy", "failed", "dispatcher-no-answer".
    public var result: String?
    public var detail: String
    public init(at: Date, kind: String, user: String? = nil, result: String? = nil, detail: String) {
        self.at = at; self.kind = kind; self.user = user; self.result = result; self.detail = detail
    }
}

/// One caller who did not get through: all their unanswered calls while the entry is open.
public struct MissedCallEntry: Codable, Sendable, Equatable {
    public var id: Int64
    /// The caller's number as the network gave it (E.164 when known); nil when withheld.
    public var caller: String?
    /// The SIM the customer called (config name or ICCID) and its line (MSISDN or modem id).
    public var sim: String
    public var line: String?
    public var firstAt: Date
    public var lastAt: Date
    /// Seconds the caller spent ringing or queued, summed over every call of this entry.
    public var waitedSeconds: Double
    /// Why the most recent call was missed.
    public var reason: MissedCallReason
    public var callCount: Int
    public var status: MissedCallStatus
    public var claimedBy: String?
    public var claimedAt: Date?
    public var calledBackBy: String?
    public var calledBackAt: Date?
    /// "connected", "no-answer", "busy", "failed".
    public var callbackResult: String?
    public var closedAt: Date?
    /// Who closed it: a user, or "auto" when the customer got through.
    public var closedBy: String?
    public var note: String?
    /// Filled on single-entry answers (GET /v1/missed/{id}), oldest first.
    public var history: [MissedCallHistoryItem]?

    public init(id: Int64, caller: String?, sim: String, line: String?, firstAt: Date, lastAt: Date, waitedSeconds: Double,
                reason: MissedCallReason, callCount: Int, status: MissedCallStatus) {
        self.id = id; self.caller = caller; self.sim = sim; self.line = line; self.firstAt = firstAt; self.lastAt = lastAt
        self.waitedSeconds = waitedSeconds; self.reason = reason; self.callCount = callCount; self.status = status
    }
}

public struct MissedCallList: Codable, Sendable, Equatable {
    public var entries: [MissedCallEntry]
    public var generatedAt: Date
    public init(entries: [MissedCallEntry], generatedAt: Date) { self.entries = entries; self.generatedAt = generatedAt }
}

/// Body of POST /v1/missed/{id}/claim and /callback.
public struct MissedCallUserRequest: Codable, Sendable, Equatable {
    public var user: String
    public init(user: String) { self.user = user }
}

/// Body of POST /v1/missed/{id}/close.
public struct MissedCallCloseRequest: Codable, Sendable, Equatable {
    public var note: String
    public var user: String?
    public init(note: String, user: String? = nil) { self.note = note; self.user = user }
}

/// A callback someone asked for (or the recall job scheduled): the call bridge dials it.
public struct CallbackTaskInfo: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case pending, dialling, succeeded, failed, cancelled }
    public var id: Int64
    public var missedCallID: Int64
    /// The dispatcher whose phone rings first.
    public var user: String
    /// "manual" (simgate missed callback) or "recall" (automatic).
    public var kind: String
    public var state: State
    public var attempts: Int
    public var createdAt: Date
    public var lastResult: String?
    public init(id: Int64, missedCallID: Int64, user: String, kind: String, state: State, attempts: Int, createdAt: Date,
                lastResult: String? = nil) {
        self.id = id; self.missedCallID = missedCallID; self.user = user; self.kind = kind; self.state = state
        self.attempts = attempts; self.createdAt = createdAt; self.lastResult = lastResult
    }
}

/// Answer of POST /v1/missed/{id}/callback: the entry as it is now and the task created.
public struct MissedCallCallbackAnswer: Codable, Sendable, Equatable {
    public var entry: MissedCallEntry
    public var task: CallbackTaskInfo
    public init(entry: MissedCallEntry, task: CallbackTaskInfo) { self.entry = entry; self.task = task }
}

public enum MissedCallRoute {
    public static let list = "/v1/missed"
    public static func entry(_ id: Int64) -> String { "/v1/missed/\(id)" }
    public static func claim(_ id: Int64) -> String { "/v1/missed/\(id)/claim" }
    public static func callback(_ id: Int64) -> String { "/v1/missed/\(id)/callback" }
    public static func close(_ id: Int64) -> String { "/v1/missed/\(id)/close" }
}

// MARK: - Webhooks (GET /v1/webhooks)

public struct WebhookDeliveryInfo: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case pending, delivered, failed }
    public var id: Int64
    public var webhook: String
    public var url: String
    public var eventID: String
    public var eventType: String
    public var state: State
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date?
    public var lastError: String?
    public init(id: Int64, webhook: String, url: String, eventID: String, eventType: String, state: State, attempts: Int,
                createdAt: Date, nextAttemptAt: Date?, lastError: String?) {
        self.id = id; self.webhook = webhook; self.url = url; self.eventID = eventID; self.eventType = eventType
        self.state = state; self.attempts = attempts; self.createdAt = createdAt; self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }
}

public struct WebhookDeliveryList: Codable, Sendable, Equatable {
    /// Pending and failed deliveries, oldest first; delivered ones are only counted.
    public var deliveries: [WebhookDeliveryInfo]
    public var deliveredCount: Int
    public var generatedAt: Date
    public init(deliveries: [WebhookDeliveryInfo], deliveredCount: Int, generatedAt: Date) {
        self.deliveries = deliveries; self.deliveredCount = deliveredCount; self.generatedAt = generatedAt
    }
}

public enum WebhookRoute {
    public static let list = "/v1/webhooks"
}

// MARK: - Reports (GET /v1/report?from=...&to=...)

/// Counts for one slice of a report (the whole period, one hour of day, one SIM...).
public struct CallReportBucket: Codable, Sendable, Equatable {
    public var key: String
    public var callsIn: Int = 0
    public var callsOut: Int = 0
    public var answeredIn: Int = 0
    public var answeredOut: Int = 0
    /// Inbound calls nobody answered.
    public var missedIn: Int = 0
    /// missedIn / callsIn; nil without inbound calls.
    public var missedShare: Double?
    /// Seconds from the GSM ring to a person answering, over answered inbound calls
    /// (nearest-rank percentiles).
    public var answerP50: Double?
    public var answerP90: Double?
    public init(key: String) { self.key = key }
}

public struct CallReport: Codable, Sendable, Equatable {
    public var from: Date
    public var to: Date
    /// The zone hours of day and weekdays are counted in.
    public var timeZone: String
    public var total: CallReportBucket
    /// Seconds from a customer's first missed call to the first callback attempt, over
    /// entries called back in the period (nearest rank).
    public var callbackP50: Double?
    public var callbackP90: Double?
    public var callbacks: Int
    /// "00" ... "23", all 24.
    public var byHour: [CallReportBucket]
    /// "mon" ... "sun", all 7.
    public var byWeekday: [CallReportBucket]
    public var bySIM: [CallReportBucket]
    /// The SIP user who answered (inbound) or dialled (outbound).
    public var byDispatcher: [CallReportBucket]
    public init(from: Date, to: Date, timeZone: String, total: CallReportBucket, callbackP50: Double?, callbackP90: Double?,
                callbacks: Int, byHour: [CallReportBucket], byWeekday: [CallReportBucket], bySIM: [CallReportBucket],
                byDispatcher: [CallReportBucket]) {
        self.from = from; self.to = to; self.timeZone = timeZone; self.total = total; self.callbackP50 = callbackP50
        self.callbackP90 = callbackP90; self.callbacks = callbacks; self.byHour = byHour; self.byWeekday = byWeekday
        self.bySIM = bySIM; self.byDispatcher = byDispatcher
    }
}

public enum ReportRoute {
    public static let report = "/v1/report"
}
