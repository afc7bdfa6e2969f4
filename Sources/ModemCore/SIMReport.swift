// What the SIM said, beyond the `SIMState` summary: the code as the modem gave it, what it
// means (27.007 8.3 <code>; Huawei ^SIMST and ^CPIN, at-dialects.md 2.6, 2.7) and the retry
// counters ^CPIN carries.

public struct SIMReport: Equatable, Sendable, Codable {
    /// The line it came from: `+CPIN`, `^CPIN`, `^SIMST`, or `+CME ERROR` for an answer.
    public var source: String
    /// The code as given (`SIM PIN2`, `READY`, `255`).
    public var code: String
    public var meaning: String
    /// ^CPIN retry counters (attempts left).
    public var pinRetries: Int?
    public var pukRetries: Int?
    public var pin2Retries: Int?
    public var puk2Retries: Int?

    public init(source: String, code: String, meaning: String) {
        self.source = source; self.code = code; self.meaning = meaning
    }

    /// `+CPIN: <code>`, `^CPIN: <code>,[<times>],<puk>,<pin>,<puk2>,<pin2>`, `^SIMST: <state>[,<lock>]`.
    public static func parse(_ line: String) -> SIMReport? {
        let info = ATInformationLine(line)
        switch info.name {
        case "+CPIN":
            let code = ATFramer.trimSpaces(info.parameters.filter { $0 != "\"" })
            guard !code.isEmpty else { return nil }
            return SIMReport(source: "+CPIN", code: code, meaning: meaning(cpin: code))
        case "^CPIN":
            guard let code = info.string(0) else { return nil }
            var r = SIMReport(source: "^CPIN", code: code, meaning: meaning(cpin: code))
            r.pukRetries = info.int(2)
            r.pinRetries = info.int(3)
            r.puk2Retries = info.int(4)
            r.pin2Retries = info.int(5)
            return r
        case "^SIMST":
            guard let v = info.int(0) else { return nil }
            var text: String
            switch v {
            case 0: text = "invalid SIM card"
            case 1: text = "valid SIM card"
            case 2: text = "SIM card invalid for circuit-switched services"
            case 3: text = "SIM card invalid for packet-switched services"
            case 4: text = "SIM card invalid for both CS and PS services"
            case 240: text = "ROM-SIM"
            case 255: text = "no SIM card"
            default: text = "SIM state \(v)"
            }
            if info.int(1) == 1 { text += ", locked by CardLock" }
            return SIMReport(source: "^SIMST", code: String(v), meaning: text)
        default:
            return nil
        }
    }

    /// 27.007 8.3 <code>, plus the absent-card words SIMCom/Quectel firmwares use.
    public static func meaning(cpin code: String) -> String {
        switch code.uppercased() {
        case "READY": return "not waiting for any password"
        case "SIM PIN": return "waiting for the SIM PIN"
        case "SIM PUK": return "waiting for the SIM PUK (PIN blocked)"
        case "SIM PIN2": return "waiting for the SIM PIN2"
        case "SIM PUK2": return "waiting for the SIM PUK2 (PIN2 blocked)"
        case "PH-SIM PIN": return "waiting for the phone-to-SIM password"
        case "PH-FSIM PIN": return "waiting for the phone-to-first-SIM password"
        case "PH-FSIM PUK": return "waiting for the phone-to-first-SIM unblocking password"
        case "PH-NET PIN": return "waiting for the network personalisation password"
        case "PH-NET PUK": return "waiting for the network personalisation unblocking password"
        case "PH-NETSUB PIN": return "waiting for the network subset personalisation password"
        case "PH-NETSUB PUK": return "waiting for the network subset personalisation unblocking password"
        case "PH-SP PIN": return "waiting for the service provider personalisation password"
        case "PH-SP PUK": return "waiting for the service provider personalisation unblocking password"
        case "PH-CORP PIN": return "waiting for the corporate personalisation password"
        case "PH-CORP PUK": return "waiting for the corporate personalisation unblocking password"
        case "NOT READY": return "SIM not ready (removed, or still starting)"
        case "NOT INSERTED", "SIM REMOVED", "NO SIM": return "no SIM card"
        default: return "SIM code \(code)"
        }
    }
}
