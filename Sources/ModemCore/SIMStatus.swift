// SIM state: +CPIN (27.007 8.3), CME errors 10/11/12/13/14, Huawei ^SIMST.

/// What the SIM is doing, as the health view names it.
public enum SIMState: String, Equatable, Sendable, Codable {
    case unknown
    case ready
    case pinRequired = "pin-required"
    case pukRequired = "puk-required"
    /// PIN2/PUK2, PH-SIM, network personalisation: a lock the gateway cannot clear itself.
    case locked
    case absent
    /// Initialising after insertion or boot (CME 14, `+CPIN: NOT READY` during boot).
    case busy
    /// Card present but failing (CME 15 SIM wrong, Huawei ^SIMST 0/2/3/4).
    case failure

    /// `+CPIN: <code>` (quoted or not). Nil when the line is not +CPIN.
    public static func parse(cpin line: String) -> SIMState? {
        let info = ATInformationLine(line)
        guard info.name == "+CPIN" else { return nil }
        let code = info.parameters.filter { $0 != "\"" }.uppercased()
        switch code {
        case "READY": return .ready
        case "SIM PIN": return .pinRequired
        case "SIM PUK": return .pukRequired
        // SIMCom/Quectel send `+CPIN: NOT READY` when the card is pulled, `NOT INSERTED` on
        // some firmwares, `SIM REMOVED` on others.
        case "NOT READY", "NOT INSERTED", "SIM REMOVED", "NO SIM": return .absent
        case "": return nil
        default: return .locked  // SIM PIN2, SIM PUK2, PH-SIM PIN, PH-NET PIN, ...
        }
    }

    /// SIM meaning of a +CME error, nil when the error says nothing about the SIM.
    public static func from(cme: CMEError) -> SIMState? {
        switch cme.code {
        case 10, 13: return .absent
        case 11: return .pinRequired
        case 12: return .pukRequired
        case 14: return .busy
        case 15: return .failure
        case 5, 17, 18, 40, 41: return .locked
        default: return nil
        }
    }

    /// Huawei `^SIMST:<sim_state>[,<lock>]`: 255 absent, 1 valid, 0/2/3/4 invalid, 240 ROM-SIM.
    /// "valid" says nothing about the PIN, so it maps to `.unknown` (ask `AT+CPIN?`).
    public static func parse(simst line: String) -> SIMState? {
        let info = ATInformationLine(line)
        guard info.name == "^SIMST", let v = info.int(0) else { return nil }
        switch v {
        case 255: return .absent
        case 0, 2, 3, 4: return .failure
        default: return .unknown
        }
    }
}
