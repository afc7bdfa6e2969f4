// The modem's command interpreter: executes each command of a line and writes the response
// the way the imitated firmware does (echo, `\r\n<line>\r\n` framing, one final result).
import Foundation

/// The result of executing one command of a command line.
enum CommandOutcome {
    /// Information lines (each framed on its own; a multi-line block joined with "\r\n").
    case ok([String])
    /// An ME error, spelt according to AT+CMEE.
    case error(CMEError)
    /// A bare ERROR whatever AT+CMEE says (bad syntax).
    case plainError
    /// Not implemented by this vendor's firmware.
    case unsupported
    /// A final result other than OK/ERROR (`NO CARRIER` for a refused dial).
    case final(String)
    /// `+CMS ERROR: <n>` (27.005 §3.2.5). Numeric whatever AT+CMEE says: 27.005 defines only
    /// the codes, and gateways (ModemManager, chan_dongle) match on them.
    case cmsError(Int)
    /// AT+CMGS=<n>: no final result yet; the modem prints `> ` and reads a PDU.
    case smsPrompt(tpduLength: Int)
}

/// One AT command line the simulated modem received.
public struct ATCommandLogEntry: Codable, Sendable, Equatable {
    public var at: Date
    public var line: String
}

extension SimulatedModem {
    func handleCommandLine(_ line: String) {
        commandLog.append(ATCommandLogEntry(at: Date(), line: line))
        if commandLog.count > Self.commandLogLimit { commandLog.removeFirst(commandLog.count - Self.commandLogLimit) }
        // Echo (ATE1): the command text and its CR come back before the response (§1.3).
        if settings.echo { write(line + "\r") }
        afterReply.removeAll()
        switch ATCommandLineParser.parse(line) {
        case .failure:
            sendFinal("ERROR")
        case .success(let commands):
            var info: [String] = []
            var final: String? = "OK"
            loop: for command in commands {
                switch execute(command) {
                case .ok(let lines): info += lines
                case .error(let e): final = errorText(e); afterReply.removeAll(); break loop
                case .plainError: final = "ERROR"; afterReply.removeAll(); break loop
                case .unsupported:
                    final = dialect.unsupportedIsCommandNotSupport ? "COMMAND NOT SUPPORT" : errorText(.operationNotSupported)
                    afterReply.removeAll()
                    break loop
                case .final(let text): final = text; break loop
                case .cmsError(let code): final = "+CMS ERROR: \(code)"; afterReply.removeAll(); break loop
                case .smsPrompt(let length):
                    // The rest of the line is not executed: what follows the prompt is a PDU.
                    final = nil
                    smsPrompt = SMSPrompt(tpduLength: length)
                    break loop
                }
            }
            var out = ""
            // Quirk: the signal URC lands between the echo and the answer, as an E1550 printed
            // ^RSSI:15 before E1550 (Tests/Fixtures/transcripts/huawei-e1550-outgoing-call.txt).
            if config.quirks.urcInsideResponse, !info.isEmpty, let urc = signalURC { out += "\r\n\(urc)\r\n" }
            for l in info { out += "\r\n\(l)\r\n" }
            // The prompt is CR LF '>' space with no line end (27.005 §3.5.1, at-dialects §1.5).
            out += final.map { "\r\n\($0)\r\n" } ?? "\r\n> "
            write(out)
        }
        let work = afterReply
        afterReply.removeAll()
        for w in work { w() }
    }

    func errorText(_ e: CMEError) -> String {
        switch settings.cmee {
        case 1: "+CME ERROR: \(e.rawValue)"
        case 2: "+CME ERROR: \(e.text)"
        default: "ERROR"
        }
    }

    /// The error for commands that need a usable SIM, or nil when it is ready.
    func simError() -> CMEError? {
        switch sim.state {
        case .ready: nil
        case .absent: config.vendor == .huawei ? .simFailure : .simNotInserted
        case .pinRequired: .simPINRequired
        case .pukRequired: .simPUKRequired
        }
    }

    /// Like `simError` but only requires the card to be present (ICCID is readable before the PIN).
    func simPresenceError() -> CMEError? {
        sim.state == .absent ? simError() : nil
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    func execute(_ cmd: ATCommand) -> CommandOutcome {
        let vendor = config.vendor
        let id = config.identity
        let args = cmd.arguments
        if let outcome = executeSMS(cmd) { return outcome }
        if let outcome = executeUSSD(cmd) { return outcome }
        switch (cmd.name, cmd.form) {
        // MARK: V.250 basic commands
        case ("E", _):
            switch cmd.basicArgument {
            case "", "0": settings.echo = false
            case "1": settings.echo = true
            default: return .plainError
            }
            return .ok([])
        case ("Z", _), ("&F", _):
            settings = ModemSettings()
            return .ok([])
        case ("&W", _), ("&C", _), ("&D", _), ("V", _), ("Q", _), ("X", _), ("L", _), ("M", _):
            return .ok([])
        case (let s, .read) where s.hasPrefix("S"):
            return .ok(["000"])
        case (let s, _) where s.hasPrefix("S") && s.count > 1 && s.dropFirst().allSatisfy(\.isNumber):
            return .ok([])
        case ("I", _):
            return .ok([dialect.identification(model: config.effectiveModel, revision: config.effectiveRevision, imei: id.imei)
                .joined(separator: "\r\n")])
        case ("D", _):
            return dial(cmd.basicArgument)
        case ("A", _):
            return answer()
        case ("H", _):
            hangUpLocally()
            return .ok([])

        // MARK: Identification (27.007 §5)
        case ("+CGMI", .action), ("+GMI", .action):
            return .ok([dialect.manufacturer])
        case ("+CGMM", .action), ("+GMM", .action):
            return .ok([config.effectiveModel])
        case ("+CGMR", .action), ("+GMR", .action):
            return .ok([dialect.revisionLine(config.effectiveRevision)])
        case ("+QGMR", .action) where vendor == .quectel:
            return .ok([config.effectiveRevision])
        case ("+CGSN", .action), ("+GSN", .action):
            return .ok([id.imei])
        case ("+GCAP", .action):
            return .ok(["+GCAP: +CGSM,+DS,+ES"])
        case ("+CIMI", .action):
            if let e = simError() { return .error(e) }
            return .ok([id.imsi])
        case ("+CCID", .action) where vendor != .huawei, ("+CCID", .read) where vendor != .huawei:
            if let e = simPresenceError() { return .error(e) }
            return .ok(["+CCID: \(id.iccid)"])
        case ("^ICCID", .read) where vendor == .huawei:
            // Older Huawei firmware returns EF_ICCID raw: nibbles swapped, F-padded, quoted (§2.7).
            if let e = simPresenceError() { return .error(e) }
            return .ok(["^ICCID: \"\(Self.swapNibbles(id.iccid))\""])
        case ("+QCCID", .action) where vendor == .quectel:
            if let e = simPresenceError() { return .error(e) }
            return .ok(["+QCCID: \(id.iccid)"])
        case ("+CICCID", .action) where vendor == .simcom:
            if let e = simPresenceError() { return .error(e) }
            return .ok(["+ICCID: \(id.iccid)"])
        case ("+CNUM", .action):
            if let e = simError() { return .error(e) }
            guard let n = id.msisdn else { return .ok([]) }
            return .ok(["+CNUM: \"\",\"\(n)\",\(n.hasPrefix("+") ? 145 : 129)"])

        // MARK: SIM (27.007 §8.3)
        case ("+CPIN", .read):
            if sim.state == .absent, let e = simError() { return .error(e) }
            return .ok(["+CPIN: \(sim.cpinCode)"])
        case ("+CPIN", .set):
            cpinAttempts += 1
            switch sim.verify(args) {
            case .accepted:
                afterReply.append { self.refreshRegistration() }
                return .ok([])
            case .rejected:
                return .error(.incorrectPassword)
            case .notAllowed:
                if let e = simPresenceError() { return .error(e) }
                return .error(.operationNotAllowed)
            }
        case ("+CPIN", .test):
            return .ok([])
        case ("^CPIN", .read) where vendor == .huawei:
            if let e = simPresenceError() { return .error(e) }
            let times: String = switch sim.state {
            case .pinRequired: "\(sim.pinTriesLeft)"
            case .pukRequired: "\(sim.pukTriesLeft)"
            default: ""
            }
            return .ok(["^CPIN: \(sim.cpinCode),\(times),\(sim.pukTriesLeft),\(sim.pinTriesLeft),10,3"])
        case ("+QPINC", .read) where vendor == .quectel, ("+QPINC", .set) where vendor == .quectel:
            if let e = simPresenceError() { return .error(e) }
            return .ok(["+QPINC: \"SC\",\(sim.pinTriesLeft),\(sim.pukTriesLeft)", "+QPINC: \"P2\",3,10"])
        case ("+SPIC", .action) where vendor == .simcom:
            if let e = simPresenceError() { return .error(e) }
            return .ok(["+SPIC: \(sim.pinTriesLeft),\(sim.pukTriesLeft),3,10"])

        // MARK: Signal
        case ("+CSQ", .action):
            return .ok(["+CSQ: \(signal),99"])
        case ("+CSQ", .test):
            return .ok(["+CSQ: (0-31,99),(0-7,99)"])
        case ("^HCSQ", .read) where vendor == .huawei:
            return .ok([hcsqLine])
        case ("^SYSINFO", .action) where vendor == .huawei:
            let reg = effectiveRegistration
            let srv = reg.isRegistered ? 2 : 0
            let domain = reg.isRegistered ? 3 : 0
            let roam = reg == .roaming ? 1 : 0
            let (mode, submode): (Int, Int) = switch network.accessTechnology {
            case .gsm: (3, 3)
            case .umts: (5, 4)
            case .lte: (17, 0)
            }
            let simState = sim.state == .absent ? 255 : 1
            // Quirks from ModemManager's huawei tests: `^SYSINFO: 2,...` with a space, and
            // `^SYSINFO:2,4,5,3,1` without the optional lock state and sub-mode.
            let head = config.quirks.oddSpacing ? "^SYSINFO: " : "^SYSINFO:"
            let base = "\(head)\(srv),\(domain),\(roam),\(reg.isRegistered ? mode : 0),\(simState)"
            return .ok([config.quirks.missingOptionalFields ? base : base + ",,\(reg.isRegistered ? submode : 0)"])
        case ("^CURC", .set) where vendor == .huawei:
            guard let v = Int(args.first ?? ""), (0...1).contains(v) else { return .error(.incorrectParameters) }
            settings.curc = v == 1
            return .ok([])
        case ("^CURC", .read) where vendor == .huawei:
            return .ok(["^CURC: \(settings.curc ? 1 : 0)"])
        case ("+AUTOCSQ", .set) where vendor == .simcom:
            settings.autoCSQ = args.first == "1"
            return .ok([])
        case ("+CNSMOD", .read) where vendor == .simcom:
            let mode = effectiveRegistration.isRegistered ? [AccessTechnology.gsm: 1, .umts: 4, .lte: 8][network.accessTechnology] ?? 0 : 0
            return .ok(["+CNSMOD: 0,\(mode)"])

        // MARK: Registration and operator (27.007 §7)
        case ("+CREG", .read), ("+CGREG", .read), ("+CEREG", .read):
            let n = cmd.name == "+CREG" ? settings.creg : cmd.name == "+CGREG" ? settings.cgreg : settings.cereg
            return .ok([registrationLine(cmd.name, n: n, solicited: true)])
        case ("+CREG", .set), ("+CGREG", .set), ("+CEREG", .set):
            guard let n = Int(args.first ?? ""), (0...2).contains(n) else { return .error(.incorrectParameters) }
            switch cmd.name {
            case "+CREG": settings.creg = n
            case "+CGREG": settings.cgreg = n
            default: settings.cereg = n
            }
            return .ok([])
        case ("+CREG", .test), ("+CGREG", .test), ("+CEREG", .test):
            return .ok(["\(cmd.name): (0-2)"])
        case ("+COPS", .read):
            guard effectiveRegistration.isRegistered else { return .ok(["+COPS: 0"]) }
            let name: String = switch settings.copsFormat {
            case 1: network.shortName ?? network.longName
            case 2: network.mccmnc
            default: network.longName
            }
            let text = settings.copsFormat == 2 ? name : encodeText(name)
            return .ok(["+COPS: 0,\(settings.copsFormat),\"\(text)\",\(network.accessTechnology.act)"])
        case ("+COPS", .set):
            guard let mode = Int(args.first ?? ""), (0...4).contains(mode) else { return .error(.incorrectParameters) }
            if args.count >= 2, !args[1].isEmpty {
                guard let f = Int(args[1]), (0...2).contains(f) else { return .error(.incorrectParameters) }
                settings.copsFormat = f
            }
            return .ok([])
        case ("+COPS", .test):
            let stat = effectiveRegistration.isRegistered ? 2 : 1
            let short = network.shortName ?? network.longName
            return .ok(["+COPS: (\(stat),\"\(encodeText(network.longName))\",\"\(encodeText(short))\",\"\(network.mccmnc)\",\(network.accessTechnology.act)),,(0,1,2,3,4),(0,1,2)"])
        case ("+QSPN", .action) where vendor == .quectel:
            guard effectiveRegistration.isRegistered else { return .error(.noNetworkService) }
            let short = network.shortName ?? network.longName
            return .ok(["+QSPN: \"\(network.longName)\",\"\(short)\",\"\(network.longName)\",0,\"\(network.mccmnc)\""])
        case ("+QNWINFO", .action) where vendor == .quectel:
            guard effectiveRegistration.isRegistered else { return .ok(["+QNWINFO: No Service"]) }
            let (act, band, channel): (String, String, Int) = switch network.accessTechnology {
            case .gsm: ("GSM", "GSM 900", 62)
            case .umts: ("WCDMA", "WCDMA 2100", 10762)
            case .lte: ("FDD LTE", "LTE BAND 3", 1850)
            }
            return .ok(["+QNWINFO: \"\(act)\",\"\(network.mccmnc)\",\"\(band)\",\(channel)"])
        case ("+CFUN", .read):
            return .ok(["+CFUN: \(radioOn ? 1 : 4)"])
        case ("+CFUN", .set):
            guard let fun = Int(args.first ?? "") else { return .error(.incorrectParameters) }
            let reset = args.count >= 2 && args[1] == "1"
            switch fun {
            case 1 where reset:
                afterReply.append { self.reboot() }
            case 1:
                radioOn = true
                afterReply.append { self.refreshRegistration() }
            case 0, 4:
                radioOn = false
                afterReply.append {
                    if let c = self.call { self.endCall(c, reason: .networkLost) }
                    self.refreshRegistration()
                }
            default:
                return .error(.incorrectParameters)
            }
            return .ok([])

        // MARK: Error reporting, character set, URC switches
        case ("+CMEE", .set):
            guard let n = Int(args.first ?? ""), (0...2).contains(n) else { return .error(.incorrectParameters) }
            settings.cmee = n
            return .ok([])
        case ("+CMEE", .read):
            return .ok(["+CMEE: \(settings.cmee)"])
        case ("+CMEE", .test):
            return .ok(["+CMEE: (0-2)"])
        case ("+CSCS", .set):
            guard let cs = args.first, ["GSM", "IRA", "UCS2"].contains(cs) else { return .error(.incorrectParameters) }
            settings.charset = cs
            return .ok([])
        case ("+CSCS", .read):
            return .ok(["+CSCS: \"\(settings.charset)\""])
        case ("+CLIP", .set):
            settings.clip = args.first == "1"
            return .ok([])
        case ("+CLIP", .read):
            return .ok(["+CLIP: \(settings.clip ? 1 : 0),1"])
        case ("+CRC", .set):
            settings.crc = args.first == "1"
            return .ok([])
        case ("+QINDCFG", .set) where vendor == .quectel:
            return quectelIndicationConfig(args)
        case ("+QURCCFG", .set) where vendor == .quectel:
            guard args.first?.lowercased() == "urcport" else { return .error(.incorrectParameters) }
            if args.count >= 2 {
                guard ["usbat", "usbmodem", "uart1"].contains(args[1]) else { return .error(.incorrectParameters) }
                settings.urcPort = args[1]
                return .ok([])
            }
            return .ok(["+QURCCFG: \"urcport\",\"\(settings.urcPort)\""])
        case ("^DSCI", .set) where vendor == .quectel || vendor == .huawei:
            settings.dsci = args.first == "1"
            return .ok([])
        case ("^DSCI", .read) where vendor == .quectel || vendor == .huawei:
            return .ok(["^DSCI: \(settings.dsci ? 1 : 0)"])

        // MARK: Calls
        case ("+CHUP", .action), ("+QHUP", .set) where vendor == .quectel:
            hangUpLocally()
            return .ok([])
        case ("+CHLD", .set):
            // 1 / 1x release the active call; with one call at a time both mean "this call".
            if let a = args.first, a.hasPrefix("1") { hangUpLocally() }
            return .ok([])
        case ("+CLCC", .action):
            return .ok(call.map { [$0.clccLine] } ?? [])
        case ("+CLCC", .set) where vendor == .simcom:
            settings.clccPush = args.first == "1"
            return .ok([])
        case ("+CLCC", .test):
            return .ok([])
        case ("+VTS", .set):
            return sendDTMF(args.first ?? "")
        case ("^DTMF", .set) where vendor == .huawei:
            // AT^DTMF=<call id>,<digit> (§2.5).
            guard args.count >= 2, Int(args[0]) == call?.id else { return .error(.operationNotAllowed) }
            return sendDTMF(args[1])
        case ("+CEER", .action):
            let text: String = switch lastEndCause {
            case nil: "No cause information available"
            case 16?: "Normal call clearing"
            case 17?: "User busy"
            case 19?: "No answer from user (user alerted)"
            case 34?: "No circuit/channel available"
            case 8?: "Operator determined barring"
            case 21?: "Call rejected"
            case 38?: "Network out of order"
            case let c?: "Cause \(c)"
            }
            return .ok(["+CEER: \(text)"])

        // MARK: Voice / audio configuration
        case ("^CVOICE", .read) where vendor == .huawei:
            // Voice firmware: mode 0, 8000 Hz, 16 bit, 20 ms frames (§2.1).
            return .ok(["^CVOICE:0,8000,16,20"])
        case ("^CVOICE", .set) where vendor == .huawei:
            return .ok([])
        case ("^DDSETEX", .set) where vendor == .huawei:
            guard args.first == "2" else { return .error(.incorrectParameters) }
            if var c = call {
                c.audioEnabled = true
                call = c
                afterReply.append { self.updateAudio() }
            }
            return .ok([])
        case ("^U2DIAG", .set) where vendor == .huawei, ("^PORTSEL", .set) where vendor == .huawei,
             ("^DDTMFCFG", .set) where vendor == .huawei:
            return .ok([])
        case ("+QPCMV", .read) where vendor == .quectel:
            return .ok([settings.qpcmvPort.map { "+QPCMV: 1,\($0)" } ?? "+QPCMV: 0"])
        case ("+QPCMV", .test) where vendor == .quectel:
            return .ok(["+QPCMV: (0,1),(0-2)"])
        case ("+QPCMV", .set) where vendor == .quectel:
            guard let on = args.first else { return .error(.incorrectParameters) }
            if on == "0" {
                settings.qpcmvPort = nil
            } else if on == "1", args.count >= 2, let port = Int(args[1]), (0...2).contains(port) {
                // Switching modes while one is enabled fails on real firmware (§3.2).
                if let current = settings.qpcmvPort, current != port { return .error(.operationNotAllowed) }
                settings.qpcmvPort = port
            } else {
                return .error(.incorrectParameters)
            }
            afterReply.append { self.updateAudio() }
            return .ok([])
        case ("+QTONEDET", .set) where vendor == .quectel, ("+QAUDMOD", .set) where vendor == .quectel,
             ("+QMIC", .set) where vendor == .quectel, ("+QRXGAIN", .set) where vendor == .quectel,
             ("+QEEC", .set) where vendor == .quectel, ("+QDAI", .set) where vendor == .quectel,
             ("+QSIDET", .set) where vendor == .quectel, ("+QCFG", .set) where vendor == .quectel,
             ("+QGPSCFG", .set) where vendor == .quectel:
            return .ok([])
        case ("+CPCMFRM", .read) where vendor == .simcom:
            return .ok(["+CPCMFRM: \(settings.widebandPCM ? 1 : 0)"])
        case ("+CPCMFRM", .test) where vendor == .simcom:
            return .ok(["+CPCMFRM: (0,1)"])
        case ("+CPCMFRM", .set) where vendor == .simcom:
            // 0: 8 kHz, 1: 16 kHz USB PCM; refused during a call, when the stream's format is set.
            guard call == nil else { return .error(.operationNotAllowed) }
            switch args.first {
            case "0": settings.widebandPCM = false
            case "1": settings.widebandPCM = true
            default: return .error(.incorrectParameters)
            }
            return .ok([])
        case ("+CPCMREG", .read) where vendor == .simcom:
            return .ok(["+CPCMREG: \(call?.audioEnabled == true ? 1 : 0)"])
        case ("+CPCMREG", .test) where vendor == .simcom:
            return .ok(["+CPCMREG: (0,1)"])
        case ("+CPCMREG", .set) where vendor == .simcom:
            // Accepted only once the call is active (§4.2).
            switch args.first {
            case "1":
                guard var c = call, c.state == .active else { return .error(.operationNotAllowed) }
                c.audioEnabled = true
                call = c
            case "0":
                if var c = call { c.audioEnabled = false; call = c }
            default:
                return .error(.incorrectParameters)
            }
            afterReply.append { self.updateAudio() }
            return .ok([])
        case ("+EXUNSOL", .set) where vendor == .simcom, ("+CLTS", .set) where vendor == .simcom,
             ("+DDET", .set) where vendor == .simcom, ("+CMICGAIN", .set) where vendor == .simcom,
             ("+COUTGAIN", .set) where vendor == .simcom, ("+CTXVOL", .set) where vendor == .simcom,
             ("+CRXVOL", .set) where vendor == .simcom, ("+CNSMOD", .set) where vendor == .simcom:
            return .ok([])

        // MARK: Settings gateways send at init that the simulator only acknowledges
        case ("+CSSN", .set), ("+CCWA", .set), ("+COLP", .set), ("+CVHU", .set), ("+VTD", .set), ("+CGDCONT", .set):
            return .ok([])
        case ("+CSCA", .read):
            return .ok(["+CSCA: \"\(Self.serviceCentre.number)\",145"])
        default:
            return .unsupported
        }
    }

    /// ATD<dial string>: `;` at the end asks for a voice call (V.250 §6.3.1, 27.007 §6.2).
    func dial(_ dialString: String) -> CommandOutcome {
        guard dialString.hasSuffix(";") else { return .final("NO CARRIER") }  // data call: not offered
        var number = String(dialString.dropLast()).replacingOccurrences(of: " ", with: "")
        if let first = number.first, first == "T" || first == "P" || first == "t" || first == "p" { number.removeFirst() }
        let allowed = Set("0123456789*#+ABCD")
        guard !number.isEmpty, number.count <= 40, number.allSatisfy({ allowed.contains($0) }),
              !number.dropFirst().contains("+")
        else { return .error(.invalidCharactersInDialString) }
        if let e = simError() { return .error(e) }
        guard call == nil else { return .error(.operationNotAllowed) }
        guard effectiveRegistration.isRegistered else { return .final("NO CARRIER") }
        afterReply.append { self.startOutgoingCall(to: number) }
        return .ok([])
    }

    func sendDTMF(_ digit: String) -> CommandOutcome {
        let allowed = Set("0123456789*#ABCD")
        guard digit.count == 1, let ch = digit.uppercased().first, allowed.contains(ch) else {
            return .error(.incorrectParameters)
        }
        guard call?.state == .active else { return .error(.operationNotAllowed) }
        dtmfSent.append(String(ch))
        return .ok([])
    }

    /// AT+QINDCFG="<type>"[,<enable>[,<save>]] (§3.3, §3.6).
    private func quectelIndicationConfig(_ args: [String]) -> CommandOutcome {
        guard let type = args.first?.lowercased() else { return .error(.incorrectParameters) }
        func current() -> Bool? {
            switch type {
            case "csq": settings.qindCSQ
            case "ccinfo": settings.qindCCInfo
            case "act": settings.qindAct
            case "ring": settings.qindRing
            case "all", "smsincoming", "smsfull", "service", "mode": true
            default: nil
            }
        }
        guard let value = current() else { return .error(.incorrectParameters) }
        guard args.count >= 2 else { return .ok(["+QINDCFG: \"\(type)\",\(value ? 1 : 0)"]) }
        guard args[1] == "0" || args[1] == "1" else { return .error(.incorrectParameters) }
        let on = args[1] == "1"
        switch type {
        case "csq": settings.qindCSQ = on
        case "ccinfo": settings.qindCCInfo = on
        case "act": settings.qindAct = on
        case "ring": settings.qindRing = on
        case "all": settings.qindCSQ = on; settings.qindCCInfo = on; settings.qindAct = on; settings.qindRing = on
        default: break
        }
        return .ok([])
    }

    /// `^HCSQ: "<sysmode>",...` with ModemManager's scales: rssi v = dBm + 121 (§2.6).
    var hcsqLine: String {
        guard effectiveRegistration.isRegistered, signal != 99 else { return "^HCSQ: \"NOSERVICE\"" }
        let dBm = 2 * signal - 113
        let rssi = dBm + 121
        switch network.accessTechnology {
        case .gsm: return "^HCSQ: \"GSM\",\(rssi)"
        case .umts: return "^HCSQ: \"WCDMA\",\(rssi),\(max(0, rssi - 5)),\(50)"
        case .lte: return "^HCSQ: \"LTE\",\(rssi),\(max(0, rssi - 20)),\(150),\(20)"
        }
    }

    /// Text in the current character set: UCS2 = UTF-16BE as hex (27.007 +CSCS).
    func encodeText(_ text: String) -> String {
        guard settings.charset == "UCS2" else { return text }
        return text.utf16.map { String(format: "%04X", $0) }.joined()
    }

    /// EF_ICCID byte order: digits padded with F to an even count, each pair swapped.
    static func swapNibbles(_ iccid: String) -> String {
        var digits = Array(iccid)
        if digits.count % 2 == 1 { digits.append("F") }
        var out = ""
        var i = 0
        while i + 1 < digits.count {
            out.append(digits[i + 1]); out.append(digits[i])
            i += 2
        }
        return out
    }
}
