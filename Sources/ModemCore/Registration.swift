// Network registration: +CREG (CS), +CGREG (GPRS), +CEREG (EPS), +C5GREG (27.007 7.2, 10.1.20).

/// 27.007 <stat>.
public enum RegistrationStatus: Int, Equatable, Sendable, Codable {
    case notRegistered = 0, home = 1, searching = 2, denied = 3, unknown = 4, roaming = 5
    case homeSMSOnly = 6, roamingSMSOnly = 7, emergencyOnly = 8
    case homeCSFBNotPreferred = 9, roamingCSFBNotPreferred = 10, attachedRLOS = 11

    /// What the health view shows: home, roaming, searching, denied, not-registered, unknown.
    public var summary: RegistrationSummary {
        switch self {
        case .home, .homeSMSOnly, .homeCSFBNotPreferred: return .home
        case .roaming, .roamingSMSOnly, .roamingCSFBNotPreferred: return .roaming
        case .searching: return .searching
        case .denied: return .denied
        case .notRegistered, .emergencyOnly, .attachedRLOS: return .notRegistered
        case .unknown: return .unknown
        }
    }

    /// The 27.007 (7.2) text of each <stat>, for the line decoder.
    public var meaning: String {
        switch self {
        case .notRegistered: return "not registered, not searching"
        case .home: return "registered, home network"
        case .searching: return "not registered, searching"
        case .denied: return "registration denied"
        case .unknown: return "unknown"
        case .roaming: return "registered, roaming"
        case .homeSMSOnly: return "registered for SMS only, home network"
        case .roamingSMSOnly: return "registered for SMS only, roaming"
        case .emergencyOnly: return "attached for emergency bearer services only"
        case .homeCSFBNotPreferred: return "registered for CSFB not preferred, home network"
        case .roamingCSFBNotPreferred: return "registered for CSFB not preferred, roaming"
        case .attachedRLOS: return "attached for access to RLOS"
        }
    }

    /// Registered for circuit-switched voice. SMS-only (6/7) means no CS voice (section 3.6).
    public var allowsVoice: Bool {
        switch self {
        case .home, .roaming, .homeCSFBNotPreferred, .roamingCSFBNotPreferred: return true
        default: return false
        }
    }
}

/// The registration summary the CLI prints (ControlModel's `registration` strings).
public enum RegistrationSummary: String, Equatable, Sendable, Codable {
    case home, roaming, searching, denied
    case notRegistered = "not-registered"
    case unknown
}

/// 27.007 <AcT> as a name ("GSM", "UMTS", "LTE", ...).
public enum AccessTechnology {
    public static func name(act: Int) -> String? {
        switch act {
        case 0: return "GSM"
        case 1: return "GSM Compact"
        case 2: return "UMTS"
        case 3: return "EDGE"
        case 4: return "HSDPA"
        case 5: return "HSUPA"
        case 6: return "HSPA"
        case 7: return "LTE"
        case 8: return "EC-GSM-IoT"
        case 9: return "LTE NB-IoT"
        case 10: return "LTE 5GCN"
        case 11: return "NR 5GCN"
        case 12: return "NG-RAN"
        case 13: return "E-UTRA-NR"
        default: return nil
        }
    }

    /// The 27.007 <AcT> table's own wording (7.3), what the line decoder prints as `actName`.
    /// `name(act:)` above stays the short form the health view shows.
    public static func standardName(act: Int) -> String? {
        switch act {
        case 0: return "GSM"
        case 1: return "GSM Compact"
        case 2: return "UTRAN"
        case 3: return "GSM w/EGPRS"
        case 4: return "UTRAN w/HSDPA"
        case 5: return "UTRAN w/HSUPA"
        case 6: return "UTRAN w/HSDPA and HSUPA"
        case 7: return "E-UTRAN"
        case 8: return "EC-GSM-IoT"
        case 9: return "E-UTRAN NB-S1"
        case 10: return "E-UTRA connected to 5GCN"
        case 11: return "NR connected to 5GCN"
        case 12: return "NG-RAN"
        case 13: return "E-UTRA-NR dual connectivity"
        default: return nil
        }
    }
}

/// One +CREG/+CGREG/+CEREG line, solicited or not.
public struct RegistrationReport: Equatable, Sendable {
    public enum Domain: String, Equatable, Sendable { case cs = "+CREG", gprs = "+CGREG", eps = "+CEREG", nr = "+C5GREG" }
    public var domain: Domain
    /// The `<n>` of a solicited answer (report mode); nil in a URC.
    public var mode: Int?
    public var status: RegistrationStatus?
    /// LAC/TAC as hex text, upper case without leading zeros removed.
    public var lac: String?
    public var cellID: String?
    public var act: Int?

    /// Decodes a registration line. `solicited` says whether it answers `AT+CxREG?` (then the
    /// first field is `<n>`); nil means "unknown", decided from the field count and shape.
    ///
    /// Forms (section 1.7): solicited `<n>,<stat>[,<lac>,<ci>[,<AcT>]]`, URC
    /// `<stat>[,<lac>,<ci>[,<AcT>]]`. Some devices put `<n>` in URCs too.
    public static func parse(_ line: String, solicited: Bool?) -> RegistrationReport? {
        let info = ATInformationLine(line)
        guard let name = info.name, let domain = Domain(rawValue: name) else { return nil }
        guard let (mode, f) = layout(info, solicited: solicited) else { return nil }
        // `+CREG: 2` as an answer (mode only, stat cut off) has nothing left to read.
        guard let first = f.first, let statValue = Int(first) else { return nil }
        var report = RegistrationReport(domain: domain, mode: mode, status: RegistrationStatus(rawValue: statValue))
        if f.count >= 3 {
            report.lac = normaliseHex(f[1])
            let novatel = domain == .eps && hasExtraFieldAfterTAC(fieldsAfterN: f.count)
            report.cellID = normaliseHex(f[novatel ? 3 : 2])
            let actIndex = novatel ? 4 : 3
            if f.count > actIndex { report.act = Int(f[actIndex]) }
        }
        return report
    }

    /// Novatel E362 inserts an extra field between TAC and CI in +CEREG
    /// (`+CEREG: 1, 1F00, 20 ,79D903 ,7`), and so does a SIM7000 in the n=4 form
    /// (`+CEREG: 4,1,"8B1B","1B","A20D311",8,,,"00000000","01100000"`): stat and four or eight
    /// more fields, counts 27.007 never produces (cause type and reject cause come as a pair,
    /// and the n=4/5 form has at most seven after stat).
    static func hasExtraFieldAfterTAC(fieldsAfterN count: Int) -> Bool { count == 5 || count == 9 }

    /// Splits off the leading `<n>` of a read answer: (n, [stat, ...]). Nil for an empty line.
    static func layout(_ info: ATInformationLine, solicited: Bool?) -> (Int?, [String])? {
        var f = info.fields
        guard !f.isEmpty, !f[0].isEmpty else { return nil }
        let hasMode: Bool
        if solicited == true {
            hasMode = true
        } else {
            // Shape decides (chan_dongle uses the field count too): 1 = stat; 2 = n,stat;
            // 3 = stat,lac,ci; 4+ = n,stat,lac,ci[,act] when the second field is an unquoted
            // 1-3 digit stat (Iridium pads: `+CREG:002,001,...`), otherwise stat,lac,ci,act
            // (`+CREG: 1,0001,0010,0` is a URC, `+CREG:2,1,0001,0010` an answer). This also
            // accepts URCs that carry <n>.
            switch f.count {
            case 1, 3: hasMode = false
            case 2: hasMode = true
            default: hasMode = !info.quoted[1] && f[1].count <= 3 && (Int(f[1]).map { $0 <= 11 } ?? false)
            }
        }
        var mode: Int?
        if hasMode {
            mode = Int(f[0])
            f.removeFirst()
        }
        return (mode, f)
    }

    static func normaliseHex(_ s: String) -> String? {
        let t = s.filter { !$0.isWhitespace }.uppercased()
        guard !t.isEmpty, t.allSatisfy({ $0.isHexDigit }) else { return nil }
        return t
    }

    init(domain: Domain, mode: Int?, status: RegistrationStatus?) {
        self.domain = domain; self.mode = mode; self.status = status
    }
}
