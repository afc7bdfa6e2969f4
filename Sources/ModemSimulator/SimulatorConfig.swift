// The configuration of a simulated modem farm: what `modemsim run --config` reads and what
// in-process tests build directly. Plain Codable values; `validate()` names the faulty field.
import Foundation

/// The firmware family a simulated modem imitates (at-dialects.md §2-§5).
public enum Vendor: String, Codable, Sendable, CaseIterable {
    case huawei, quectel, simcom, generic
}

/// 27.007 registration state, by what the network did rather than by the numeric code.
public enum RegistrationState: String, Codable, Sendable, CaseIterable {
    case home, roaming, searching, denied, none

    /// The 27.007 `<stat>` code (at-dialects.md §5.3).
    var stat: Int {
        switch self {
        case .none: 0
        case .home: 1
        case .searching: 2
        case .denied: 3
        case .roaming: 5
        }
    }

    var isRegistered: Bool { self == .home || self == .roaming }
}

/// The radio access technology the modem reports in +CREG/+COPS (27.007 `<AcT>`).
public enum AccessTechnology: String, Codable, Sendable, CaseIterable {
    case gsm, umts, lte

    var act: Int {
        switch self {
        case .gsm: 0
        case .umts: 2
        case .lte: 7
        }
    }
}

/// Who the SIM says it is, and who the modem says it is.
public struct ModemIdentity: Codable, Sendable, Equatable {
    public var imei: String
    public var imsi: String
    public var iccid: String
    /// The SIM's own number (+CNUM); nil when the SIM carries none.
    public var msisdn: String?
    /// Firmware revision (AT+CGMR); a vendor-typical default when nil.
    public var revision: String?
    /// The number the network knows for the subscription, told by the operator's own-number
    /// USSD; `msisdn` when nil. Many real SIMs leave EF_MSISDN empty (+CNUM says nothing)
    /// while the network knows the number.
    public var networkNumber: String?

    public init(imei: String, imsi: String, iccid: String, msisdn: String? = nil, revision: String? = nil,
                networkNumber: String? = nil) {
        self.imei = imei; self.imsi = imsi; self.iccid = iccid; self.msisdn = msisdn; self.revision = revision
        self.networkNumber = networkNumber
    }

    /// The home network of the SIM: MCC (3 digits) + MNC. Russian, European and most other
    /// networks use 2-digit MNCs; the simulator has no table of 3-digit-MNC countries, so
    /// `homeMNCLength` in the network config says which applies.
    func homeMCCMNC(mncLength: Int) -> String { String(imsi.prefix(3 + mncLength)) }
}

/// The network the modem is camped on.
public struct NetworkConfig: Codable, Sendable, Equatable {
    /// Registered network MCC+MNC, e.g. "25001".
    public var mccmnc: String
    public var longName: String
    public var shortName: String?
    public var registration: RegistrationState
    public var accessTechnology: AccessTechnology
    /// Location area / tracking area code and cell id, as hex.
    public var lac: String
    public var cellId: String
    /// Length of the MNC inside the IMSI (2 or 3), used to report the home operator.
    public var homeMNCLength: Int

    public init(mccmnc: String, longName: String, shortName: String? = nil,
                registration: RegistrationState = .home, accessTechnology: AccessTechnology = .umts,
                lac: String = "1A2B", cellId: String = "00C0FFEE", homeMNCLength: Int = 2) {
        self.mccmnc = mccmnc; self.longName = longName; self.shortName = shortName
        self.registration = registration; self.accessTechnology = accessTechnology
        self.lac = lac; self.cellId = cellId; self.homeMNCLength = homeMNCLength
    }

    enum CodingKeys: String, CodingKey {
        case mccmnc, longName, shortName, registration, accessTechnology, lac, cellId, homeMNCLength
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mccmnc = try c.decode(String.self, forKey: .mccmnc)
        longName = try c.decode(String.self, forKey: .longName)
        shortName = try c.decodeIfPresent(String.self, forKey: .shortName)
        registration = try c.decodeIfPresent(RegistrationState.self, forKey: .registration) ?? .home
        accessTechnology = try c.decodeIfPresent(AccessTechnology.self, forKey: .accessTechnology) ?? .umts
        lac = try c.decodeIfPresent(String.self, forKey: .lac) ?? "1A2B"
        cellId = try c.decodeIfPresent(String.self, forKey: .cellId) ?? "00C0FFEE"
        homeMNCLength = try c.decodeIfPresent(Int.self, forKey: .homeMNCLength) ?? 2
    }
}

/// What the modem plays towards the gateway on its audio port during a call.
public enum AudioSignal: Codable, Sendable, Equatable {
    /// A sine at `frequency` Hz whose peak is `level` dB below full scale.
    case tone(frequency: Double, level: Double)
    case silence

    public static let defaultTone = AudioSignal.tone(frequency: 1000, level: -10)
}

/// How the far end behaves when this modem dials a number.
public enum CalleeBehaviour: Codable, Sendable, Equatable {
    /// Rings for `after` seconds, answers, and hangs up `dropAfter` seconds later if given.
    case answer(after: Double, dropAfter: Double?)
    /// Rings for `after` seconds, then the network reports user busy (24.008 cause 17).
    case busy(after: Double)
    /// Rings for `after` seconds, then the network gives up (cause 19, NO ANSWER).
    case noAnswer(after: Double)
    /// The network fails the call after `after` seconds (cause 34, NO CARRIER).
    case congestion(after: Double)

    public static let `default` = CalleeBehaviour.answer(after: 1, dropAfter: nil)
}

/// How the network treats every call this SIM makes, whoever is dialled. Each fault lets ATD
/// answer OK (the modem sends the set-up), then the network releases the call before it
/// alerts: `NO CARRIER`, with the 24.008 cause in Huawei's ^CEND and in AT+CEER, the path a
/// congested callee takes.
public enum SIMFault: String, Codable, Sendable, CaseIterable {
    case none
    /// Cause 21 "call rejected".
    case rejectCalls
    /// Cause 38 "network out of order".
    case networkOutOfOrder
    /// Cause 8 "operator determined barring" (24.008 Annex H): a barred subscription is
    /// released by the network like any other call, so the modem prints NO CARRIER, not a
    /// +CME ERROR (27.007's 257 "network rejected request" is for supplementary services).
    case barred

    var callCause: Int? {
        switch self {
        case .none: nil
        case .rejectCalls: 21
        case .networkOutOfOrder: 38
        case .barred: 8
        }
    }
}

/// One callee rule: an exact number, or a prefix when the pattern ends with `*`.
public struct CalleeRule: Codable, Sendable, Equatable {
    public var pattern: String
    public var behaviour: CalleeBehaviour
    /// Whether the network plays in-band ringback (425 Hz, 1 s on, 4 s off) on the audio port
    /// while the callee is alerting, as GSM networks do before the answer (early media).
    public var ringback: Bool
    public init(pattern: String, behaviour: CalleeBehaviour, ringback: Bool = true) {
        self.pattern = pattern; self.behaviour = behaviour; self.ringback = ringback
    }

    enum CodingKeys: String, CodingKey { case pattern, behaviour, ringback }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pattern = try c.decode(String.self, forKey: .pattern)
        behaviour = try c.decode(CalleeBehaviour.self, forKey: .behaviour)
        ringback = try c.decodeIfPresent(Bool.self, forKey: .ringback) ?? true
    }

    func matches(_ number: String) -> Bool {
        if pattern.hasSuffix("*") { return number.hasPrefix(pattern.dropLast()) }
        return number == pattern
    }
}

public struct ModemConfig: Codable, Sendable, Equatable {
    /// Unique name; the ports appear as `<linkDirectory>/<name>.at` and `<name>.audio`.
    public var name: String
    public var vendor: Vendor
    /// Model string (AT+CGMM); a vendor-typical default when nil.
    public var model: String?
    public var identity: ModemIdentity
    public var network: NetworkConfig
    /// +CSQ rssi, 0...31 or 99 (unknown).
    public var signal: Int
    /// SIM PIN; nil = PIN check disabled on the card.
    public var pin: String?
    public var puk: String
    /// Seconds the port stays silent after AT+CFUN=1,1 before the boot URCs.
    public var rebootSeconds: Double
    /// Seconds between two RING indications of an inbound call.
    public var ringInterval: Double
    public var audio: AudioSignal
    public var callees: [CalleeRule]
    /// Real-firmware oddities this modem shows (leading spaces, URCs inside responses, ...).
    public var quirks: ModemQuirks
    /// Replay mode: path of a transcript (Tests/Fixtures/transcripts/README.md) the AT port
    /// plays instead of simulating the vendor; a relative path is taken from the working directory.
    public var replay: String?
    /// Replay mode in-process: a parsed transcript; wins over `replay`. Not part of the JSON.
    public var replayTranscript: ReplayTranscript?
    /// Messages each memory ("SM", "ME") holds; a message arriving while it is full waits in
    /// the network until the gateway deletes one.
    public var smsCapacity: Int
    /// Seconds between an accepted AT+CMGS that asked for a report and its SMS-STATUS-REPORT.
    public var smsReportDelay: Double
    /// The SIM's prepaid account (the USSD balance reply shows it) and what an answered
    /// outgoing call costs per started minute. Decimal, kept to the hundredth.
    public var balance: Decimal
    public var pricePerMinute: Decimal
    /// Seconds the network takes to answer a USSD request (the +CUSD URC after the OK).
    public var ussdDelay: Double
    /// Seconds a USSD menu waits for the next choice before the network ends it (+CUSD: 5).
    public var ussdMenuTimeout: Double
    /// The network never answers USSD: no URC, the session stays open until AT+CUSD=2.
    public var ussdSilent: Bool
    /// Calls rejected or barred by the network.
    public var simFault: SIMFault

    public init(name: String, vendor: Vendor, model: String? = nil, identity: ModemIdentity,
                network: NetworkConfig, signal: Int = 20, pin: String? = nil, puk: String = "12345678",
                rebootSeconds: Double = 2, ringInterval: Double = 3, audio: AudioSignal = .defaultTone,
                callees: [CalleeRule] = [], quirks: ModemQuirks = ModemQuirks(), replay: String? = nil,
                replayTranscript: ReplayTranscript? = nil, smsCapacity: Int = 30, smsReportDelay: Double = 1,
                balance: Decimal = 100, pricePerMinute: Decimal = Decimal(string: "1.50")!, ussdDelay: Double = 0.3,
                ussdMenuTimeout: Double = 20, ussdSilent: Bool = false, simFault: SIMFault = .none) {
        self.name = name; self.vendor = vendor; self.model = model; self.identity = identity
        self.network = network; self.signal = signal; self.pin = pin; self.puk = puk
        self.rebootSeconds = rebootSeconds; self.ringInterval = ringInterval; self.audio = audio
        self.callees = callees; self.quirks = quirks; self.replay = replay; self.replayTranscript = replayTranscript
        self.smsCapacity = smsCapacity; self.smsReportDelay = smsReportDelay
        self.balance = balance; self.pricePerMinute = pricePerMinute; self.ussdDelay = ussdDelay
        self.ussdMenuTimeout = ussdMenuTimeout; self.ussdSilent = ussdSilent; self.simFault = simFault
    }

    /// A modem that only replays `transcript`: identity and network are placeholders (the
    /// transcript's answers are what the host sees).
    public static func replaying(_ transcript: ReplayTranscript, name: String, vendor: Vendor? = nil) -> ModemConfig {
        ModemConfig(name: name, vendor: vendor ?? transcript.vendor ?? .generic,
                    identity: ModemIdentity(imei: "490154203237518", imsi: "001010000000001", iccid: "8900100000000000001"),
                    network: NetworkConfig(mccmnc: "00101", longName: "Replay"), replayTranscript: transcript)
    }

    enum CodingKeys: String, CodingKey {
        case name, vendor, model, identity, network, signal, pin, puk, rebootSeconds, ringInterval, audio, callees
        case quirks, replay, smsCapacity, smsReportDelay
        case balance, pricePerMinute, ussdDelay, ussdMenuTimeout, ussdSilent, simFault
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        vendor = try c.decode(Vendor.self, forKey: .vendor)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        identity = try c.decode(ModemIdentity.self, forKey: .identity)
        network = try c.decode(NetworkConfig.self, forKey: .network)
        signal = try c.decodeIfPresent(Int.self, forKey: .signal) ?? 20
        pin = try c.decodeIfPresent(String.self, forKey: .pin)
        puk = try c.decodeIfPresent(String.self, forKey: .puk) ?? "12345678"
        rebootSeconds = try c.decodeIfPresent(Double.self, forKey: .rebootSeconds) ?? 2
        ringInterval = try c.decodeIfPresent(Double.self, forKey: .ringInterval) ?? 3
        audio = try c.decodeIfPresent(AudioSignal.self, forKey: .audio) ?? .defaultTone
        callees = try c.decodeIfPresent([CalleeRule].self, forKey: .callees) ?? []
        quirks = try c.decodeIfPresent(ModemQuirks.self, forKey: .quirks) ?? ModemQuirks()
        replay = try c.decodeIfPresent(String.self, forKey: .replay)
        replayTranscript = nil
        smsCapacity = try c.decodeIfPresent(Int.self, forKey: .smsCapacity) ?? 30
        smsReportDelay = try c.decodeIfPresent(Double.self, forKey: .smsReportDelay) ?? 1
        balance = try c.decodeIfPresent(Decimal.self, forKey: .balance) ?? 100
        pricePerMinute = try c.decodeIfPresent(Decimal.self, forKey: .pricePerMinute) ?? Decimal(string: "1.50")!
        ussdDelay = try c.decodeIfPresent(Double.self, forKey: .ussdDelay) ?? 0.3
        ussdMenuTimeout = try c.decodeIfPresent(Double.self, forKey: .ussdMenuTimeout) ?? 20
        ussdSilent = try c.decodeIfPresent(Bool.self, forKey: .ussdSilent) ?? false
        simFault = try c.decodeIfPresent(SIMFault.self, forKey: .simFault) ?? SIMFault.none
    }

    /// The model string AT+CGMM reports.
    var effectiveModel: String {
        if let model { return model }
        switch vendor {
        case .huawei: return "E1752"
        case .quectel: return "EC25"
        case .simcom: return "SIMCOM_SIM7600E-H"
        case .generic: return "GSM MODEM"
        }
    }

    var effectiveRevision: String {
        if let r = identity.revision { return r }
        switch vendor {
        case .huawei: return "11.126.16.04.00"
        case .quectel: return "EC25EFAR06A06M4G"
        case .simcom: return "LE20B04SIM7600M22"
        case .generic: return "1.0"
        }
    }
}

public struct SimulatorConfig: Codable, Sendable, Equatable {
    /// Unix socket for the control channel; nil = no control socket (in-process use).
    public var controlSocket: String?
    /// Directory holding the `<name>.at` / `<name>.audio` symlinks; created if missing.
    public var linkDirectory: String
    public var modems: [ModemConfig]

    public init(controlSocket: String? = nil, linkDirectory: String, modems: [ModemConfig]) {
        self.controlSocket = controlSocket; self.linkDirectory = linkDirectory; self.modems = modems
    }

    /// Reads and validates a JSON config; every error names the field (`modems[1].identity.imei`).
    public static func load(json data: Data) throws(ConfigError) -> SimulatorConfig {
        let config: SimulatorConfig
        do {
            config = try JSONDecoder().decode(SimulatorConfig.self, from: data)
        } catch let error as DecodingError {
            throw ConfigError(decoding: error)
        } catch {
            throw ConfigError(field: "", reason: "\(error)")
        }
        try config.validate()
        return config
    }

    public func validate() throws(ConfigError) {
        if linkDirectory.isEmpty { throw ConfigError(field: "linkDirectory", reason: "must not be empty") }
        if let s = controlSocket, s.isEmpty || s.utf8.count > 100 {
            throw ConfigError(field: "controlSocket", reason: "must be a path of 1...100 bytes (sun_path limit)")
        }
        var seen = Set<String>()
        for (i, m) in modems.enumerated() {
            let at = "modems[\(i)]"
            try Self.check(m.name.range(of: "^[A-Za-z0-9_-]{1,32}$", options: .regularExpression) != nil,
                           "\(at).name", "must be 1...32 letters, digits, '-' or '_'")
            try Self.check(seen.insert(m.name).inserted, "\(at).name", "duplicate modem name '\(m.name)'")
            try Self.check(Self.isDigits(m.identity.imei, 15) && luhnValid(m.identity.imei),
                           "\(at).identity.imei", "must be 15 digits with a valid Luhn check digit")
            try Self.check(Self.isDigits(m.identity.imsi, 6...15), "\(at).identity.imsi", "must be 6...15 digits")
            try Self.check(Self.isDigits(m.identity.iccid, 18...20), "\(at).identity.iccid", "must be 18...20 digits")
            if let n = m.identity.msisdn {
                let digits = n.hasPrefix("+") ? String(n.dropFirst()) : n
                try Self.check(Self.isDigits(digits, 3...15), "\(at).identity.msisdn", "must be 3...15 digits, optional leading '+'")
            }
            try Self.check(Self.isDigits(m.network.mccmnc, 5...6), "\(at).network.mccmnc", "must be 5 or 6 digits")
            try Self.check(!m.network.longName.isEmpty && !m.network.longName.contains("\""),
                           "\(at).network.longName", "must be non-empty and contain no '\"'")
            try Self.check(m.network.homeMNCLength == 2 || m.network.homeMNCLength == 3,
                           "\(at).network.homeMNCLength", "must be 2 or 3")
            try Self.check(Self.isHex(m.network.lac, 1...4), "\(at).network.lac", "must be 1...4 hex digits")
            try Self.check(Self.isHex(m.network.cellId, 1...8), "\(at).network.cellId", "must be 1...8 hex digits")
            try Self.check((0...31).contains(m.signal) || m.signal == 99, "\(at).signal", "must be 0...31 or 99")
            if let pin = m.pin { try Self.check(Self.isDigits(pin, 4...8), "\(at).pin", "must be 4...8 digits") }
            try Self.check(Self.isDigits(m.puk, 8), "\(at).puk", "must be 8 digits")
            try Self.check(m.rebootSeconds >= 0 && m.rebootSeconds <= 600, "\(at).rebootSeconds", "must be 0...600")
            try Self.check(m.ringInterval >= 0.05 && m.ringInterval <= 60, "\(at).ringInterval", "must be 0.05...60")
            if case .tone(let f, let level) = m.audio {
                try Self.check(f > 0 && f < 4000, "\(at).audio.tone.frequency", "must be between 0 and 4000 Hz (Nyquist at 8 kHz)")
                try Self.check(level <= 0 && level >= -96, "\(at).audio.tone.level", "must be -96...0 dBFS")
            }
            if m.replayTranscript == nil, let path = m.replay {
                do {
                    _ = try ReplayTranscript.load(path: path)
                } catch {
                    throw ConfigError(field: "\(at).replay", reason: "\(error)")
                }
            }
            // 255: the highest index a +CMTI of a one-octet SIM record number can name.
            try Self.check((1...255).contains(m.smsCapacity), "\(at).smsCapacity", "must be 1...255")
            try Self.check(m.smsReportDelay >= 0 && m.smsReportDelay <= 3600, "\(at).smsReportDelay", "must be 0...3600")
            try Self.check(abs(m.balance) < 1_000_000_000, "\(at).balance", "must be between -999999999.99 and 999999999.99")
            try Self.check(m.pricePerMinute >= 0 && m.pricePerMinute < 1_000_000, "\(at).pricePerMinute", "must be 0...999999.99")
            try Self.check(m.ussdDelay >= 0 && m.ussdDelay <= 60, "\(at).ussdDelay", "must be 0...60")
            try Self.check(m.ussdMenuTimeout >= 0.05 && m.ussdMenuTimeout <= 600, "\(at).ussdMenuTimeout", "must be 0.05...600")
            for (j, rule) in m.callees.enumerated() {
                try Self.check(!rule.pattern.isEmpty, "\(at).callees[\(j)].pattern", "must not be empty")
            }
        }
    }

    private static func check(_ ok: Bool, _ field: String, _ reason: String) throws(ConfigError) {
        if !ok { throw ConfigError(field: field, reason: reason) }
    }
    static func isDigits(_ s: String, _ count: Int) -> Bool { isDigits(s, count...count) }
    static func isDigits(_ s: String, _ range: ClosedRange<Int>) -> Bool {
        range.contains(s.utf8.count) && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
    static func isHex(_ s: String, _ range: ClosedRange<Int>) -> Bool {
        range.contains(s.utf8.count) && s.allSatisfy(\.isHexDigit)
    }
}

/// Luhn (mod 10) check over all digits, the last being the check digit (3GPP TS 23.003 IMEI).
public func luhnValid(_ digits: String) -> Bool {
    var sum = 0
    for (i, ch) in digits.reversed().enumerated() {
        guard let d = ch.wholeNumberValue else { return false }
        if i % 2 == 1 {
            let x = d * 2
            sum += x > 9 ? x - 9 : x
        } else {
            sum += d
        }
    }
    return sum % 10 == 0
}

/// A configuration problem, naming the JSON field it was found in.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public init(field: String, reason: String) { self.field = field; self.reason = reason }
    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }

    init(decoding error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for k in keys {
                if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : ".\(k.stringValue)" }
            }
            return out
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let p = path(ctx.codingPath + [key])
            self.init(field: p, reason: "is missing")
        case .typeMismatch(let type, let ctx):
            self.init(field: path(ctx.codingPath), reason: "expected \(type)")
        case .valueNotFound(let type, let ctx):
            self.init(field: path(ctx.codingPath), reason: "expected \(type), found null")
        case .dataCorrupted(let ctx):
            self.init(field: path(ctx.codingPath), reason: ctx.debugDescription)
        @unknown default:
            self.init(field: "", reason: "\(error)")
        }
    }
}

/// Oddities of real firmware a profile can show, each off by default so the plain profile
/// stays predictable. Every one is taken from a capture (see the per-field notes).
public struct ModemQuirks: Codable, Sendable, Equatable {
    /// A signal URC between the echo and the information lines of a response: an E1550
    /// answered `AT+CGMM` with `^RSSI:15` before `E1550` and OK (Huawei E1550 trace, replayed in
    /// Tests/Fixtures/transcripts/huawei-e1550-outgoing-call.txt). Quectel and SIMCom insert
    /// their own signal URC (`+QIND: "csq"`, `+CSQ`) the same way.
    public var urcInsideResponse: Bool
    /// Spaces real firmware puts inside lines: Huawei `+CREG: 2,5, 1607, 14DB` (at-dialects §2.6),
    /// `^SYSINFO: 2,...` and `^CEND: 1,9,67,16` (ModemManager huawei tests, at-dialects §2.4).
    public var oddSpacing: Bool
    /// Optional trailing fields left out: Huawei `^SYSINFO:2,4,5,3,1` without lock and
    /// sub-mode (ModemManager huawei tests), `^CEND` without `<cc_cause>`, `+CLIP` with only
    /// number and type.
    public var missingOptionalFields: Bool
    /// URCs written as `\r\n<text>` with their terminating CR LF held back until the next
    /// output: a reader sees an unterminated last line until more bytes arrive.
    public var unterminatedURCs: Bool

    public init(urcInsideResponse: Bool = false, oddSpacing: Bool = false, missingOptionalFields: Bool = false,
                unterminatedURCs: Bool = false) {
        self.urcInsideResponse = urcInsideResponse; self.oddSpacing = oddSpacing
        self.missingOptionalFields = missingOptionalFields; self.unterminatedURCs = unterminatedURCs
    }

    enum CodingKeys: String, CodingKey { case urcInsideResponse, oddSpacing, missingOptionalFields, unterminatedURCs }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        urcInsideResponse = try c.decodeIfPresent(Bool.self, forKey: .urcInsideResponse) ?? false
        oddSpacing = try c.decodeIfPresent(Bool.self, forKey: .oddSpacing) ?? false
        missingOptionalFields = try c.decodeIfPresent(Bool.self, forKey: .missingOptionalFields) ?? false
        unterminatedURCs = try c.decodeIfPresent(Bool.self, forKey: .unterminatedURCs) ?? false
    }
}
