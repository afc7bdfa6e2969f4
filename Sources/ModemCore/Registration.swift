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
        var f = info.fields
        guard !f.isEmpty, !f[0].isEmpty else { return nil }
        var mode: Int?
        let hasMode: Bool
        if solicited == true {
            hasMode = true
        } else {
            // Shape decides (chan_dongle uses the field count too): 1 = stat; 2 = n,stat;
            // 3 = stat,lac,ci; 4+ = n,stat,lac,ci[,act] when the second field is an unquoted
            // 1-2 digit stat, otherwise stat,lac,ci,act (`+CREG: 1,0001,0010,0` is a URC,
            // `+CREG:2,1,0001,0010` an answer). This also accepts URCs that carry <n>.
            switch f.count {
            case 1, 3: hasMode = false
            case 2: hasMode = true
            default: hasMode = !info.quoted[1] && f[1].count <= 2 && Int(f[1]) != nil
            }
        }
        if hasMode {
            mode = Int(f[0])
            f.removeFirst()
        }
        // `+CREG: 2` as an answer (mode only, stat cut off) has nothing left to read.
        guard let first = f.first, let statValue = Int(first) else { return nil }
        var report = RegistrationReport(domain: domain, mode: mode, status: RegistrationStatus(rawValue: statValue))
        if f.count >= 3 {
            report.lac = normaliseHex(f[1])
            // Novatel E362 inserts an extra field between TAC and CI in +CEREG; skip an empty one.
            report.cellID = normaliseHex(f[2])
            if f.count >= 4 { report.act = Int(f[3]) }
        }
        return report
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
