// Every unsolicited line, classified: the one place that knows which URC means what.

/// A decoded unsolicited line.
public enum ModemURC: Equatable, Sendable {
    case registration(RegistrationReport)
    case signal(SignalQuality)
    /// SIM changed: pulled (`^SIMST: 255`, `+CPIN: NOT READY`), inserted, ready.
    case sim(SIMState)
    case call(CallURC)
    /// Readings without a one-number summary: `+CESQ`, `+QCSQ` (per RAT, SignalReadings.swift).
    case signalReadings([RATSignal])
    /// `+QIND: "act","LTE"`, `+CNSMOD: 8`, `^MODE: 5,4`, `^SYSINFOEX`, `+CPSI`.
    case accessTechnology(String)
    /// NITZ: `+CTZV`, `+CTZE`, `*PSUTTZ`, `^NWTIME`, `^TIME`, `+QLTS`, `DST:` (NetworkTime.swift).
    case networkTime(NetworkTimeReport)
    /// A DTMF digit detected by the modem (`^DDTMF`, `+QTONEDET`, `+RXDTMF`, `+DTMF`).
    case dtmf(String)
    /// The module finished booting (`RDY`, Quectel/SIMCom).
    case moduleReady
    /// A message stored (`+CMTI`, `+CDSI`) or the storage full (`^SMMEMFULL`,
    /// `+QIND: "smsfull"`), SMSTransfer.swift.
    case sms(SMSIndication)
    /// `+CUSD: <m>[,<str>,<dcs>]`, the network's USSD answer (USSDSession.swift).
    case ussd
    /// Known and deliberately not acted on here (^BOOT heartbeat, ^MODE, ^SRVST, +CMTI, ...).
    case ignored(name: String)
    /// Not recognised: counted and reported, never fatal.
    case unknown(String)

    /// Names of URCs that are known and ignored by the modem core.
    static let ignoredNames: Set<String> = [
        "^BOOT", "^MODE", "^SRVST", "^DSFLOWRPT", "^STIN", "^EONS", "^CSNR",
        "^ACTIVEBAND", "^RFSWITCH", "^NDISSTAT", "+CIEV", "+CSSI", "+CSSU", "+CMT", "+CDS",
        "+CBM", "+CCWA", "*PSNWID", "+QIND", "+CGEV",
        "+CPMS", "+QUSIM", "+CFUN", "^SYSINFO", "^SYSINFOEX", "+CPSI", "+CNSMOD", "^SPN", "^CVOICE",
        "+PACSP", "^SYSSTART", "+QCSQ",
    ]
    static let ignoredBare: Set<String> = [
        "PB DONE", "SMS DONE", "Call Ready", "SMS Ready", "POWERED DOWN", "NORMAL POWER DOWN", "REMOTE CALL END",
    ]

    /// Classifies one line that did not belong to a command response.
    public static func decode(_ line: String, quectelDSCI: Bool = false) -> ModemURC {
        if let call = CallURC.parse(line, quectelDSCI: quectelDSCI) { return .call(call) }
        if line == "RDY" { return .moduleReady }
        if line.hasPrefix("DST:"), let t = NetworkTimeReport.parse(line) { return .networkTime(t) }
        if ignoredBare.contains(line) || line.hasPrefix("DST:") { return .ignored(name: line) }
        let info = ATInformationLine(line)
        guard let name = info.name else { return .unknown(line) }
        switch name {
        case "+CREG", "+CGREG", "+CEREG", "+C5GREG":
            return RegistrationReport.parse(line, solicited: false).map { .registration($0) } ?? .unknown(line)
        case "+CSQ", "^RSSI", "^HCSQ":
            return SignalQuality.parse(line).map { .signal($0) } ?? .unknown(line)
        case "+QIND":
            let kind = info.string(0)?.lowercased()
            if kind == "csq", let s = SignalQuality.parse(line) { return .signal(s) }
            if kind == "act", let t = AccessTechnologyReport.parse(line) { return .accessTechnology(t) }
            if kind == "smsfull" { return .sms(.storageFull(storage: info.string(1))) }
            return .ignored(name: "+QIND")
        case "+CESQ", "+QCSQ":
            let r = RATSignal.readings(from: line, currentRAT: nil, now: .zero)
            return r.isEmpty ? .ignored(name: name) : .signalReadings(r)
        case "+CNSMOD", "^MODE", "^SYSINFO", "^SYSINFOEX", "+CPSI":
            // "No service" forms name no technology: known, nothing to update.
            return AccessTechnologyReport.parse(line).map { .accessTechnology($0) } ?? .ignored(name: name)
        case _ where NetworkTimeReport.names.contains(name):
            return NetworkTimeReport.parse(line).map { .networkTime($0) } ?? .unknown(line)
        case "^CPIN":
            // `^CPIN: <code>,[<times>],<puk>,<pin>,<puk2>,<pin2>`: the code as in +CPIN.
            guard let code = info.string(0), let s = SIMState.parse(cpin: "+CPIN: " + code) else { return .unknown(line) }
            return .sim(s)
        case "+CPIN":
            return SIMState.parse(cpin: line).map { .sim($0) } ?? .unknown(line)
        case "+CMTI", "+CDSI", "^SMMEMFULL":
            return SMSIndication.parse(line).map { .sms($0) } ?? .unknown(line)
        case "+CUSD":
            return .ussd
        case "^SIMST":
            return SIMState.parse(simst: line).map { .sim($0) } ?? .unknown(line)
        case "^DDTMF", "+RXDTMF", "+DTMF":
            // `+DTMF:<digit>[,<duration ms>]` (SIM800): the digit is the first field.
            guard let d = info.string(0), d.count == 1 else { return .unknown(line) }
            return .dtmf(d)
        case "+QTONEDET":
            // Quectel reports the ASCII code (48-57, 65-68, 42, 35); EC200U the digit itself.
            guard let v = info.string(0) else { return .unknown(line) }
            if let code = Int(v), code >= 32, let scalar = Unicode.Scalar(code), code > 9 {
                return .dtmf(String(Character(scalar)))
            }
            return v.count == 1 ? .dtmf(v) : .unknown(line)
        default:
            return ignoredNames.contains(name) ? .ignored(name: name) : .unknown(line)
        }
    }
}
