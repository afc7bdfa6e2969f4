// Call notifications: RING, +CRING, +CLIP, +CLCC rows, Huawei ^ORIG/^CONF/^CONN/^CEND,
// Quectel +QIND: "ccinfo" and ^DSCI, SIMCom VOICE CALL: BEGIN/END and MISSED_CALL,
// and NO CARRIER/BUSY/NO ANSWER/NO DIALTONE arriving as call ends.

/// Who is calling, as far as the network told us.
public enum CallerID: Equatable, Hashable, Sendable, Codable {
    case number(String)
    /// The caller restricted presentation (CLI validity 1).
    case withheld
    /// The network could not provide it (validity 2, or an empty number).
    case unavailable
    /// Not reported (yet): a RING without +CLIP.
    case unknown

    /// Text for the CLI and CDRs.
    public var display: String {
        switch self {
        case .number(let n): return n
        case .withheld: return "withheld"
        case .unavailable: return "unavailable"
        case .unknown: return "unknown"
        }
    }
}

/// +CLCC <stat> (27.007 7.18), also used by +QIND "ccinfo" and non-Quectel ^DSCI.
public enum CallStatus: String, Equatable, Sendable, Codable {
    case active, held, dialing, alerting, incoming, waiting
    /// Quectel `ccinfo` stat -1 and ^DSCI 6: the call is gone (+CLCC never shows this).
    case released

    static func clcc(_ v: Int) -> CallStatus? {
        switch v {
        case 0: return .active
        case 1: return .held
        case 2: return .dialing
        case 3: return .alerting
        case 4: return .incoming
        case 5: return .waiting
        case -1, 6: return .released
        default: return nil
        }
    }

    /// Quectel's own ^DSCI codes differ: 1 held, 2 originating, 3 connected, 4 incoming,
    /// 5 waiting, 6 ended, 7 alerting (section 3.4).
    static func quectelDSCI(_ v: Int) -> CallStatus? {
        switch v {
        case 1: return .held
        case 2: return .dialing
        case 3: return .active
        case 4: return .incoming
        case 5: return .waiting
        case 6: return .released
        case 7: return .alerting
        default: return nil
        }
    }
}

/// One call as listed by +CLCC (or pushed by +QIND ccinfo / ^DSCI).
public struct CallListEntry: Equatable, Sendable, Codable {
    public var id: Int
    public var incoming: Bool
    public var status: CallStatus
    /// 0 voice, 1 data, 2 fax, ... (ModemManager keeps 0, 3, 4, 5 as voice).
    public var mode: Int
    public var multiparty: Bool
    public var number: String?
    public var numberType: Int?
    /// 24.008 cause, when a ^DSCI variant carries one.
    public var cause: Int?

    public var isVoice: Bool { [0, 3, 4, 5].contains(mode) }

    /// `+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>[,"<number>",<type>[,"<alpha>"...]]`.
    public static func parseCLCC(_ line: String) -> CallListEntry? {
        let info = ATInformationLine(line)
        guard info.name == "+CLCC" else { return nil }
        return fromCLCCFields(Array(info.fields))
    }

    static func fromCLCCFields(_ f: [String]) -> CallListEntry? {
        guard f.count >= 5, let id = Int(f[0]), let dir = Int(f[1]), let statRaw = Int(f[2]),
              let status = CallStatus.clcc(statRaw), let mode = Int(f[3]) else { return nil }
        var e = CallListEntry(id: id, incoming: dir == 1, status: status, mode: mode,
                              multiparty: f[4] == "1", number: nil, numberType: nil, cause: nil)
        if f.count >= 6, !f[5].isEmpty { e.number = f[5] }
        if f.count >= 7 { e.numberType = Int(f[6]) }
        return e
    }
}

/// Why a call ended, normalised so that routing and CDRs can act on it.
public struct CallEndCause: Equatable, Sendable, Codable {
    public enum Kind: String, Equatable, Sendable, Codable {
        case normal, busy, noAnswer = "no-answer", rejected, unassignedNumber = "unassigned-number"
        case congestion, noDialtone = "no-dialtone", localHangup = "local-hangup"
        case noService = "no-service", unknown
        /// The modem refused or never answered a call command (ERROR, +CME ERROR, timeout).
        case modemError = "modem-error"
        /// The AT port went away mid-call (unplugged, USB reset).
        case modemGone = "modem-gone"
    }
    public var kind: Kind

    /// The network, not the callee, ended the set-up: congestion, no service, barring, no
    /// dial tone. A SIM whose calls keep ending so is quarantined (SIMHealth); a busy or
    /// absent callee, the caller hanging up, or the modem failing says nothing about the SIM.
    public var isNetworkSideFailure: Bool {
        switch kind {
        case .congestion, .noService, .noDialtone: true
        default: false
        }
    }

    /// 3GPP TS 24.008 cause (= Q.850 for the common values) when reported.
    public var ccCause: Int?
    /// Vendor status (Huawei ^CEND end_status) when reported.
    public var vendorStatus: Int?
    public var text: String

    public init(kind: Kind, ccCause: Int? = nil, vendorStatus: Int? = nil, text: String) {
        self.kind = kind; self.ccCause = ccCause; self.vendorStatus = vendorStatus; self.text = text
    }

    /// From a 24.008 cause (section 2.4).
    public static func fromCCCause(_ c: Int) -> CallEndCause {
        let (kind, text): (Kind, String)
        switch c {
        case 1: (kind, text) = (.unassignedNumber, "unassigned number")
        // The operator refuses the subscription (barred, out of credit): no SIP status says
        // it, but another SIM would get through, and SIM care counts it against this SIM.
        case 8: (kind, text) = (.noService, "operator determined barring")
        case 68: (kind, text) = (.noService, "ACM equal to or greater than ACMmax (no credit)")
        case 16: (kind, text) = (.normal, "normal clearing")
        case 17: (kind, text) = (.busy, "user busy")
        case 18: (kind, text) = (.noAnswer, "no user responding")
        case 19: (kind, text) = (.noAnswer, "no answer from user (alerted)")
        case 21: (kind, text) = (.rejected, "call rejected")
        case 27: (kind, text) = (.congestion, "destination out of order")
        case 28: (kind, text) = (.unassignedNumber, "invalid number format")
        case 31: (kind, text) = (.normal, "normal, unspecified")
        case 34: (kind, text) = (.congestion, "no circuit/channel available")
        case 38: (kind, text) = (.congestion, "network out of order")
        case 41: (kind, text) = (.congestion, "temporary failure")
        case 42: (kind, text) = (.congestion, "switching equipment congestion")
        default:
            // The rest of 24.008 10.5.4.11: named, but no routing decision hangs on them.
            (kind, text) = (.unknown, CallCause.meanings24008[c] ?? "cause \(c)")
        }
        return CallEndCause(kind: kind, ccCause: c, text: text)
    }

    /// Huawei ^CEND <end_status> without a cc_cause (MU509 table, section 2.4).
    public static func fromHuaweiEndStatus(_ s: Int) -> CallEndCause {
        let (kind, text): (Kind, String)
        switch s {
        case 0: (kind, text) = (.noService, "offline")
        case 21: (kind, text) = (.noService, "no service")
        case 22: (kind, text) = (.congestion, "fade")
        case 23: (kind, text) = (.congestion, "intercept")
        case 24: (kind, text) = (.congestion, "reorder")
        case 25: (kind, text) = (.normal, "normal release by network")
        case 26: (kind, text) = (.rejected, "service option rejected")
        case 27: (kind, text) = (.normal, "incoming call")
        case 28: (kind, text) = (.normal, "alert stop")
        case 29: (kind, text) = (.localHangup, "client end (hung up locally)")
        case 30: (kind, text) = (.normal, "activation")
        case 31: (kind, text) = (.localHangup, "MC abort")
        case 34: (kind, text) = (.noService, "RUIM not present")
        case 99: (kind, text) = (.congestion, "NDSS failure")
        case 100, 104: (kind, text) = (.normal, "released by network")
        case 101: (kind, text) = (.congestion, "connect failed")
        case 102: (kind, text) = (.rejected, "incoming call rejected")
        case 103: (kind, text) = (.rejected, "setup rejected")
        case 105: (kind, text) = (.rejected, "no funds")
        case 106: (kind, text) = (.noService, "no gateway service")
        default: (kind, text) = (.unknown, "end status \(s)")
        }
        return CallEndCause(kind: kind, vendorStatus: s, text: text)
    }

    /// NO CARRIER / BUSY / NO ANSWER / NO DIALTONE (chan_dongle: BUSY = busy, NO CARRIER and
    /// NO DIALTONE = congestion; NO CARRIER also ends an answered call normally).
    public static func fromResult(_ r: ATFinalResult) -> CallEndCause {
        switch r {
        case .busy: return CallEndCause(kind: .busy, text: "BUSY")
        case .noAnswer: return CallEndCause(kind: .noAnswer, text: "NO ANSWER")
        case .noDialtone: return CallEndCause(kind: .noDialtone, text: "NO DIALTONE")
        case .noCarrier: return CallEndCause(kind: .congestion, text: "NO CARRIER")
        default: return CallEndCause(kind: .unknown, text: r.text)
        }
    }
}

/// A decoded call-related URC.
public enum CallURC: Equatable, Sendable {
    /// `RING` / `+CRING: <type>`: type nil for RING (and for a ring line we could not parse).
    case ring(type: String?)
    /// `+CLIP: "<number>",<type>[,...,<validity>]`.
    case callerID(CallerID, numberType: Int?)
    /// Huawei `^ORIG:<id>,<type>`: outgoing call set-up started.
    case originated(id: Int?)
    /// Huawei `^CONF:<id>`: remote alerting (ring-back).
    case alerting(id: Int?)
    /// Huawei `^CONN:<id>,<type>` / SIMCom `VOICE CALL: BEGIN`.
    case connected(id: Int?)
    /// Huawei `^CEND`, SIMCom `VOICE CALL: END[: <seconds>]`.
    case ended(id: Int?, durationSeconds: Int?, cause: CallEndCause?)
    /// A +CLCC row (SIMCom `AT+CLCC=1` pushes them), +QIND "ccinfo", ^DSCI.
    case listed(CallListEntry)
    /// SIMCom `MISSED_CALL: <time> <number>`.
    case missed(time: String?, caller: CallerID)
    /// NO CARRIER / BUSY / NO ANSWER / NO DIALTONE outside a dial or answer command.
    case progressResult(ATFinalResult)

    /// Decodes call URCs; nil for other lines.
    public static func parse(_ line: String, quectelDSCI: Bool = false) -> CallURC? {
        if line == "RING" { return .ring(type: nil) }
        if let r = ATFinalResult.parse(line), r.isCallProgress, r != .connect(nil) {
            if case .connect = r { return nil }
            return .progressResult(r)
        }
        if line.hasPrefix("VOICE CALL:") {
            let rest = ATFramer.trimSpaces(String(line.dropFirst("VOICE CALL:".count)))
            if rest.hasPrefix("BEGIN") { return .connected(id: nil) }
            if rest.hasPrefix("END") {
                let tail = rest.dropFirst(3).drop(while: { $0 == ":" || $0 == " " })
                return .ended(id: nil, durationSeconds: Int(tail), cause: nil)
            }
            return nil
        }
        if line.hasPrefix("MISSED_CALL:") {
            // `MISSED_CALL: 10:16AM 13800138000`: the last token is the number.
            let parts = line.dropFirst("MISSED_CALL:".count).split(separator: " ").map(String.init)
            let number = parts.count >= 2 ? parts.last : nil
            let time = parts.count >= 2 ? parts.dropLast().joined(separator: " ") : parts.first
            return .missed(time: time, caller: number.map { CallerID.number($0) } ?? .unknown)
        }
        let info = ATInformationLine(line)
        switch info.name {
        case "+CRING":
            return .ring(type: info.string(0) ?? info.parameters)
        case "+CLIP":
            // Validity is the 6th field (27.007: number,type,subaddr,satype,alpha,CLI validity).
            let number = info.fields.first ?? ""
            let validity = info.int(5)
            let caller: CallerID
            if validity == 1 { caller = .withheld }
            else if validity == 2 { caller = .unavailable }
            else if number.isEmpty { caller = .unavailable }
            else { caller = .number(number) }
            return .callerID(caller, numberType: info.int(1))
        case "^ORIG":
            return .originated(id: info.int(0))
        case "^CONF":
            return .alerting(id: info.int(0))
        case "^CONN":
            return .connected(id: info.int(0))
        case "^CEND":
            // ^CEND:<id>,<duration>,<end_status>[,<cc_cause>]; cc_cause wins when present.
            let cause: CallEndCause?
            if let cc = info.int(3) {
                var c = CallEndCause.fromCCCause(cc)
                c.vendorStatus = info.int(2)
                cause = c
            } else if let s = info.int(2) {
                cause = CallEndCause.fromHuaweiEndStatus(s)
            } else {
                cause = nil
            }
            return .ended(id: info.int(0), durationSeconds: info.int(1), cause: cause)
        case "+CLCC":
            return CallListEntry.parseCLCC(line).map { .listed($0) }
        case "+QIND":
            // +QIND: "ccinfo",<idx>,<dir>,<stat>,<mode>,<mpty>,"<number>",<type>[,<alpha>]
            guard info.string(0)?.lowercased() == "ccinfo" else { return nil }
            return CallListEntry.fromCLCCFields(Array(info.fields.dropFirst())).map { .listed($0) }
        case "^DSCI":
            return parseDSCI(info, quectel: quectelDSCI).map { .listed($0) }
        default:
            return nil
        }
    }

    /// Quectel: `^DSCI: <id>,<dir>,<stat>,<type>,<number>,<num_type>[,<tone>]` with its own stat
    /// codes. Others: +CLCC codes plus mpty and a cause (`^DSCI: 1,0,6,0,0,"136...",129,,19,...`).
    static func parseDSCI(_ info: ATInformationLine, quectel: Bool) -> CallListEntry? {
        let f = info.fields
        guard f.count >= 3, let id = Int(f[0]), let dir = Int(f[1]), let st = Int(f[2]) else { return nil }
        if quectel {
            guard let status = CallStatus.quectelDSCI(st) else { return nil }
            let type = info.int(3) ?? 0
            return CallListEntry(id: id, incoming: dir == 1, status: status, mode: type == 0 ? 0 : 1,
                                 multiparty: false, number: info.string(4), numberType: info.int(5), cause: nil)
        }
        // Huawei firmwares also send the 6-field layout without mpty (`^DSCI: 1,1,4,0,+79161234567,145`):
        // field 4 is then the number, not a 0/1 mpty flag.
        if f.count >= 5, info.quoted.count > 4, info.quoted[4] || !(f[4] == "0" || f[4] == "1") {
            guard let status = CallStatus.clcc(st) else { return nil }
            return CallListEntry(id: id, incoming: dir == 1, status: status, mode: info.int(3) ?? 0,
                                 multiparty: false, number: info.string(4), numberType: info.int(5), cause: nil)
        }
        guard var e = CallListEntry.fromCLCCFields(f) else { return nil }
        e.cause = info.int(8)
        return e
    }
}
