// What differs between vendors, as data: identification strings, error spellings, URC framing
// and boot banners (at-dialects.md §2 Huawei, §3 Quectel, §4 SIMCom, §5 generic 27.007).
// The command interpreter and call model are shared; they ask the dialect where vendors differ.

struct VendorDialect {
    let vendor: Vendor

    /// AT+CGMI
    var manufacturer: String {
        switch vendor {
        case .huawei: "huawei"
        case .quectel: "Quectel"
        case .simcom: "SIMCOM INCORPORATED"
        case .generic: "GENERIC"
        }
    }

    /// ATI: Huawei and SIMCom print labelled lines with the IMEI and +GCAP; Quectel prints
    /// manufacturer, model and revision on three lines (§2.1, §3.1).
    func identification(model: String, revision: String, imei: String) -> [String] {
        switch vendor {
        case .huawei:
            ["Manufacturer: huawei", "Model: \(model)", "Revision: \(revision)", "IMEI: \(imei)", "+GCAP: +CGSM,+DS,+ES"]
        case .simcom:
            ["Manufacturer: \(manufacturer)", "Model: \(model)", "Revision: \(revision)", "IMEI: \(imei)", "+GCAP: +CGSM"]
        case .quectel:
            ["Quectel", model, "Revision: \(revision)"]
        case .generic:
            ["\(manufacturer) \(model) \(revision)"]
        }
    }

    /// AT+CGMR: SIMCom prefixes the revision, the others print it bare.
    func revisionLine(_ revision: String) -> String {
        vendor == .simcom ? "+CGMR: \(revision)" : revision
    }

    /// The final result for a command the firmware does not know. Huawei answers
    /// `COMMAND NOT SUPPORT` whatever AT+CMEE says (§1.1); the others go through +CMEE
    /// with 27.007 code 4 ("operation not supported").
    var unsupportedIsCommandNotSupport: Bool { vendor == .huawei }

    /// +CME code for "no SIM": Huawei uses 13 (SIM failure) where 27.007 says 10 (§1.2, §5.5).
    var simMissingCode: Int { vendor == .huawei ? 13 : 10 }

    /// SIMCom ends call-related URCs with CR CR LF (`\r\r\n+CRING: VOICE\r\r\n`, §1.4).
    var callURCsUseDoubleCR: Bool { vendor == .simcom }

    /// +CREG/+CGREG with location: Huawei sends LAC/CI as bare hex and no AcT
    /// (`+CREG: 2,1,8BE3,2BAF`, §2.6); the others quote them and add AcT (§5.3).
    var quotesLocation: Bool { vendor != .huawei }

    /// The first index of a message memory: Huawei numbers slots from 0 (gammu's
    /// F_SMS_LOCATION_0, gsmphones.c; HUAWEI MG323 manual), the others from 1 (27.005 examples).
    var smsFirstIndex: Int { vendor == .huawei ? 0 : 1 }

    /// The URC for a message that found the memory full: Huawei `^SMMEMFULL: "SM"` (HUAWEI
    /// MU509 spec §6.21, sms-ussd.md §4.3); the others say nothing.
    func smsMemoryFullURC(_ memory: String) -> String? {
        vendor == .huawei ? "^SMMEMFULL: \"\(memory)\"" : nil
    }

    /// Lines the modem prints when its AT interface comes up after power-on or reset.
    func bootURCs(sim: SIMCard.State) -> [String] {
        let cpin: String = switch sim {
        case .ready: "+CPIN: READY"
        case .pinRequired: "+CPIN: SIM PIN"
        case .pukRequired: "+CPIN: SIM PUK"
        case .absent: "+CPIN: NOT READY"
        }
        switch vendor {
        case .huawei:
            // Huawei dongles report the card with ^SIMST (§2.6); 255 = absent.
            return [sim == .absent ? "^SIMST: 255" : "^SIMST: 1"]
        case .quectel:
            // §3.7: RDY when the AT interface is up, then the SIM and phonebook/SMS readiness.
            var lines = ["RDY", "+CFUN: 1", cpin]
            if sim == .ready { lines += ["+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"] }
            return lines
        case .simcom:
            var lines = ["RDY", cpin]
            if sim == .ready { lines += ["SMS DONE", "PB DONE"] }
            return lines
        case .generic:
            return []
        }
    }
}

/// +CME ERROR codes of 27.007 §9.2 used by the simulator, with their verbose (+CMEE=2) text.
enum CMEError: Int {
    case operationNotAllowed = 3
    case operationNotSupported = 4
    case simNotInserted = 10
    case simPINRequired = 11
    case simPUKRequired = 12
    case simFailure = 13
    case incorrectPassword = 16
    case invalidCharactersInDialString = 27
    case noNetworkService = 30
    case incorrectParameters = 50
    case unknown = 100

    var text: String {
        switch self {
        case .operationNotAllowed: "operation not allowed"
        case .operationNotSupported: "operation not supported"
        case .simNotInserted: "SIM not inserted"
        case .simPINRequired: "SIM PIN required"
        case .simPUKRequired: "SIM PUK required"
        case .simFailure: "SIM failure"
        case .incorrectPassword: "incorrect password"
        case .invalidCharactersInDialString: "invalid characters in dial string"
        case .noNetworkService: "no network service"
        case .incorrectParameters: "incorrect parameters"
        case .unknown: "unknown"
        }
    }
}

/// The SIM card in the simulated modem: PIN/PUK verification with retry counters.
struct SIMCard {
    enum State: Equatable {
        case absent
        case pinRequired
        case pukRequired
        case ready
    }

    /// 27.007/31.102: three PIN attempts, then the PUK (ten attempts).
    static let pinAttempts = 3
    static let pukAttempts = 10

    var pin: String?
    var puk: String
    private(set) var state: State
    private(set) var pinTriesLeft = SIMCard.pinAttempts
    private(set) var pukTriesLeft = SIMCard.pukAttempts
    var inserted: Bool

    init(pin: String?, puk: String) {
        self.pin = pin; self.puk = puk; self.inserted = true
        self.state = pin == nil ? .ready : .pinRequired
    }

    /// Power-on: the card asks for its PIN again (the retry counters live on the card).
    mutating func powerOn() {
        if !inserted { state = .absent; return }
        if pukTriesLeft < SIMCard.pukAttempts || pinTriesLeft == 0 { state = .pukRequired; return }
        state = pin == nil ? .ready : .pinRequired
    }

    mutating func remove() { inserted = false; state = .absent }
    mutating func insert() { inserted = true; powerOn() }

    enum VerifyResult: Equatable { case accepted, rejected, notAllowed }

    /// AT+CPIN="<pin>" or AT+CPIN="<puk>","<new pin>".
    mutating func verify(_ args: [String]) -> VerifyResult {
        switch state {
        case .absent, .ready:
            return .notAllowed
        case .pinRequired:
            guard let code = args.first, !code.isEmpty else { return .notAllowed }
            if code == pin {
                pinTriesLeft = SIMCard.pinAttempts
                state = .ready
                return .accepted
            }
            pinTriesLeft -= 1
            if pinTriesLeft <= 0 { pinTriesLeft = 0; state = .pukRequired }
            return .rejected
        case .pukRequired:
            guard args.count >= 2, !args[1].isEmpty else { return .notAllowed }
            if args[0] == puk, pukTriesLeft > 0 {
                pin = args[1]
                pinTriesLeft = SIMCard.pinAttempts
                pukTriesLeft = SIMCard.pukAttempts
                state = .ready
                return .accepted
            }
            pukTriesLeft = max(0, pukTriesLeft - 1)
            return .rejected
        }
    }

    /// The +CPIN? answer text.
    var cpinCode: String {
        switch state {
        case .ready: "READY"
        case .pinRequired: "SIM PIN"
        case .pukRequired: "SIM PUK"
        case .absent: "NOT READY"
        }
    }
}
