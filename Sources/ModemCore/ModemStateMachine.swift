// The modem state machine: one modem's AT port, from port open to a registered, polled,
// self-healing modem. Sans-IO in the SwiftNIO `*StateMachine` style: a value type, one
// `mutating func` per event, each returning the actions the IO layer must perform.
//
// Lifecycle (internal `State`):
//   notConnected --portOpened--> initializing --SIM ready, init done--> operational
//   initializing --no SIM / SIM locked--> operational (halted: polls AT+CPIN? until fixed)
//   any --N consecutive timeouts--> resetting(AT probe -> AT+CFUN=1,1 -> reopen port)
//   resetting --ladder exhausted maxPortReopens times--> failed
// The displayed `ModemState` is derived from the internal state plus SIM, registration and
// call facts, so it can never disagree with them.

public struct ModemStateMachine: Sendable {
    /// Internal lifecycle; each case carries only what is valid in it.
    enum State: Equatable, Sendable {
        case notConnected
        /// Port open, init commands running. `simStageDone`: the SIM answered READY and the
        /// identity/vendor/voice block has been queued.
        case initializing(simStageDone: Bool)
        /// Init finished (`complete`) or halted at the SIM (no SIM, PIN/PUK).
        case operational(complete: Bool)
        case resetting(RecoveryRung)
        case failed(reason: String)
    }

    /// Why a command was sent; decides what its answer updates.
    enum Purpose: Sendable, Equatable {
        case probe, echoOff, errorMode, ati, manufacturer, model, firmware, imei, simStatus, enterPIN
        case imsi, iccid, msisdn, vendorInit, voiceProbe, setup, signal, registration, operatorQuery
        case raw(requestID: Int)
        case recoveryProbe, reboot
        /// The start-up AT+CLCC and the hang-up of calls it finds that nobody owns (StrayCalls.swift).
        case callList, strayHangUp
        /// SMS set-up, reading, deleting and sending (SMSTransfer.swift, SMSSubmission.swift).
        case sms(SMSStep)
        /// USSD requests and cancels (USSDSession.swift).
        case ussd(USSDStep)
        /// Call control (CallControl.swift).
        case dial, answer, hangUp, dtmf, audioEnable, audioDisable, extendedError
    }

    struct Tag: Sendable {
        var purpose: Purpose
        /// The last command of initialisation: its completion makes the modem operational.
        var completesInit = false
    }

    public let configuration: ModemConfiguration
    public internal(set) var status = ModemStatus()

    var state: State = .notConnected
    var queue = ATCommandQueue<Tag>()
    var detectedDialect: ModemDialect?
    var atiLines: [String] = []
    var pinAttempted = false
    var pinRejected = false
    var lastEmittedIdentity = ModemIdentity()
    var pendingReason: String?
    var lastRing: ModemInstant?
    /// Port reopens asked for since the last completed initialisation.
    var portReopens = 0
    /// AT probe successes since the last completed init (two in a row escalate to a reboot).
    var probeSuccessesWithoutInit = 0
    /// Call control bookkeeping for the current call (CallControl.swift).
    var callControl = CallControlState()
    /// The network whose long name was last asked for with AT+COPS=3,0 (asked once per network).
    var operatorNameAskedFor: String?
    /// SMS receive bookkeeping (SMSTransfer.swift).
    var sms = SMSTransferState()
    /// The USSD dialogue (USSDSession.swift).
    var ussd = USSDSessionState()

    public init(configuration: ModemConfiguration = ModemConfiguration(), now: ModemInstant = .zero) {
        self.configuration = configuration
        status.since = now
        if let d = configuration.dialect {
            status.vendor = d.vendor
            status.dialectName = d.name
        }
    }

    /// The dialect in use: configured, else detected, else generic.
    public var dialect: ModemDialect { configuration.dialect ?? detectedDialect ?? .generic }

    /// AT commands waiting (for tests and diagnostics).
    public var pendingCommands: [ATCommand] { queue.pendingCommands }
    public var commandInFlight: ATCommand? { queue.inFlight?.command }

    /// A write for logs: the PIN in `AT+CPIN="1234"` becomes `<redacted>`.
    public static func loggable(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let upper = bytes.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }
        let needle = Array("+CPIN=".utf8)
        guard upper.count >= needle.count else { return text }
        for i in 0...(upper.count - needle.count) where Array(upper[i..<(i + needle.count)]) == needle {
            return String(decoding: Array(bytes.prefix(i + needle.count)), as: UTF8.self) + "<redacted>"
        }
        return text
    }

    // MARK: - Events

    /// The AT port was opened (first time, after a replug, or after `reopenPort`).
    public mutating func portOpened(now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        if case .failed = state {
            // A new device on the port deserves a fresh start.
            portReopens = 0
        }
        pendingReason = "port opened"
        startInitialization(now: now, &out)
        settle(now: now, &out)
        return out
    }

    /// Bytes read from the AT port.
    public mutating func received<Bytes: Sequence>(_ bytes: Bytes, now: ModemInstant) -> [ModemAction] where Bytes.Element == UInt8 {
        var out: [ModemAction] = []
        if case .notConnected = state { return out }
        let outputs = queue.receive(bytes)
        process(outputs, now: now, &out)
        settle(now: now, &out)
        return out
    }

    /// A timer armed earlier expired.
    public mutating func timerFired(_ timer: ModemTimer, now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        switch timer {
        case .command(let id):
            process(queue.timeoutFired(id: id), now: now, &out)
        case .poll:
            pollFired(now: now, &out)
        case .recovery:
            if case .resetting(.modemReboot) = state {
                enqueue(ATCommand("AT", timeout: configuration.probeTimeout), Tag(purpose: .recoveryProbe), now: now, &out)
            }
        case .simRetry:
            if isPortUsable, !queue.contains(text: "AT+CPIN?") {
                enqueue(ATCommand("AT+CPIN?"), Tag(purpose: .simStatus), now: now, &out)
            }
        case .audioRetry:
            audioRetryFired(now: now, &out)
        case .ussd:
            ussdTimerFired(now: now, &out)
        case .ringTimeout:
            if let call = status.call, call.phase == .ringing {
                let last = lastRing ?? call.since
                if now >= last + configuration.ringTimeout {
                    endCall(cause: CallEndCause(kind: .noAnswer, text: "ringing stopped without a call-end report"),
                            duration: nil, now: now, &out)
                } else {
                    out.append(.armTimer(.ringTimeout, after: (last + configuration.ringTimeout).duration(since: now)))
                }
            }
        }
        settle(now: now, &out)
        return out
    }

    /// The port closed (unplugged, read error, or after `reopenPort`).
    public mutating func portClosed(reason: String, now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        flushQueue(finalText: "ERROR: port closed (\(reason))", smsReason: "port closed: \(reason)", now: now, &out)
        for t in [ModemTimer.poll, .recovery, .simRetry, .ringTimeout, .audioRetry, .ussd] { out.append(.cancelTimer(t)) }
        if status.call != nil {
            endCall(cause: CallEndCause(kind: .modemGone, text: "AT port closed: \(reason)"), duration: nil, now: now, &out)
        }
        status.calls = []
        if case .failed = state {
            // Stays failed: the reason already says why.
        } else {
            state = .notConnected
            pendingReason = "port closed: \(reason)"
        }
        settle(now: now, &out)
        return out
    }

    /// An admin's raw AT command (chan_dongle's `dongle cmd`). Answered by
    /// `.rawCommandFinished(requestID:lines:final:)`.
    public mutating func submitRawCommand(_ command: String, requestID: Int, now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        let text = ATFramer.trimSpaces(command)
        if let problem = Self.rawCommandProblem(text) {
            out.append(.rawCommandFinished(requestID: requestID, lines: [], final: "ERROR: \(problem)"))
            return out
        }
        guard isPortUsable else {
            out.append(.rawCommandFinished(requestID: requestID, lines: [], final: "ERROR: modem is \(status.state.rawValue)"))
            return out
        }
        let cmd = ATCommand(text, priority: .control, timeout: configuration.rawCommandTimeout,
                            displayText: Self.loggable(Array(text.utf8)))
        enqueue(cmd, Tag(purpose: .raw(requestID: requestID)), now: now, &out)
        settle(now: now, &out)
        return out
    }

    /// An admin (or the gateway) asks for a modem reset: `AT+CFUN=1,1`, then re-init.
    public mutating func resetRequested(reason: String, now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        switch state {
        case .notConnected:
            status.lastRecovery = "reset requested while not connected (\(reason)): nothing to do"
            return out
        case .failed:
            portReopens = 0
        default:
            break
        }
        startRung(.modemReboot, reason: "reset requested: \(reason)", now: now, &out)
        settle(now: now, &out)
        return out
    }

    // MARK: - Initialisation

    var isPortUsable: Bool {
        switch state {
        case .initializing, .operational, .resetting: return true
        case .notConnected, .failed: return false
        }
    }

    mutating func startInitialization(now: ModemInstant, _ out: inout [ModemAction]) {
        flushQueue(finalText: "ERROR: modem re-initialising", smsReason: "modem re-initialising", now: now, &out)
        resetSMSTransfer()
        out.append(.cancelTimer(.poll))
        state = .initializing(simStageDone: false)
        atiLines = []
        operatorNameAskedFor = nil
        pinAttempted = false
        pinRejected = false
        // The common, dialect-independent probe (at-dialects.md 1.3, 2.2, 3.3).
        var commands: [(String, Purpose)] = [("AT", .probe), ("ATE0", .echoOff), ("AT+CMEE=1", .errorMode),
                                             (Self.callListCommand, .callList)]
        if configuration.dialect == nil { commands.append(("ATI", .ati)) }
        commands += [("AT+CGMI", .manufacturer), ("AT+CGMM", .model), ("AT+CGMR", .firmware),
                     ("AT+CGSN", .imei), ("AT+CPIN?", .simStatus)]
        for (text, purpose) in commands {
            enqueue(ATCommand(text, timeout: configuration.commandTimeout), Tag(purpose: purpose), now: now, &out)
        }
    }

    /// SIM is ready: identities, vendor init, voice probe, registration set-up, first poll.
    mutating func startSIMStage(now: ModemInstant, _ out: inout [ModemAction]) {
        let d = dialect
        var list: [(ATCommand, Purpose)] = [
            (ATCommand("AT+CIMI"), .imsi),
            (ATCommand(d.iccidCommand, acceptsBareLines: true), .iccid),
            (ATCommand("AT+CNUM"), .msisdn),
        ]
        for c in d.initCommands { list.append((ATCommand(c), .vendorInit)) }
        if let probe = d.voiceProbeCommand { list.append((ATCommand(probe), .voiceProbe)) }
        list += [(ATCommand("AT+CREG=2"), .setup), (ATCommand("AT+COPS=3,2"), .setup),
                 (ATCommand("AT+CSQ"), .signal), (ATCommand("AT+CREG?"), .registration),
                 (ATCommand("AT+COPS?"), .operatorQuery)]
        if d.voiceProbeCommand == nil { status.voice = d.judgeVoiceProbe(ATResponse(lines: [], final: .ok)) }
        for (i, (cmd, purpose)) in list.enumerated() {
            var c = cmd
            c.timeout = configuration.commandTimeout
            enqueue(c, Tag(purpose: purpose, completesInit: i == list.count - 1), now: now, &out)
        }
        switch state {
        case .initializing: state = .initializing(simStageDone: true)
        case .operational: state = .initializing(simStageDone: true)
        default: break
        }
    }

    mutating func initCompleted(now: ModemInstant, _ out: inout [ModemAction]) {
        guard case .initializing = state else { return }
        state = .operational(complete: true)
        portReopens = 0
        probeSuccessesWithoutInit = 0
        pendingReason = "initialised"
        out.append(.armTimer(.poll, after: configuration.pollInterval))
        startSMSSetup(now: now, &out)
        startNextUSSD(now: now, &out)
    }

    /// Init cannot go on until the SIM is fixed; poll AT+CPIN? meanwhile.
    mutating func haltAtSIM(reason: String, now: ModemInstant, _ out: inout [ModemAction]) {
        if case .initializing = state { state = .operational(complete: false) }
        pendingReason = reason
        out.append(.armTimer(.poll, after: configuration.pollInterval))
    }

    // MARK: - Polling

    mutating func pollFired(now: ModemInstant, _ out: inout [ModemAction]) {
        guard case .operational = state else { return }
        if status.sim == .ready {
            for (text, purpose) in [("AT+CSQ", Purpose.signal), ("AT+CREG?", .registration), ("AT+COPS?", .operatorQuery)]
            where !queue.contains(text: text) {
                enqueue(ATCommand(text, priority: .poll, timeout: configuration.commandTimeout), Tag(purpose: purpose), now: now, &out)
            }
        } else if !pinRejected, !queue.contains(text: "AT+CPIN?") {
            enqueue(ATCommand("AT+CPIN?", priority: .poll, timeout: configuration.commandTimeout),
                    Tag(purpose: .simStatus), now: now, &out)
        }
        out.append(.armTimer(.poll, after: configuration.pollInterval))
    }

    // MARK: - Channel plumbing

    mutating func enqueue(_ command: ATCommand, _ tag: Tag, now: ModemInstant, _ out: inout [ModemAction]) {
        process(queue.enqueue(command, tag: tag), now: now, &out)
    }

    mutating func flushQueue(finalText: String, smsReason: String, now: ModemInstant, _ out: inout [ModemAction]) {
        for o in queue.flush() {
            switch o {
            case .cancelTimeout(let id): out.append(.cancelTimer(.command(id)))
            case .dropped(let e):
                if case .raw(let rid) = e.tag.purpose {
                    out.append(.rawCommandFinished(requestID: rid, lines: [], final: finalText))
                } else if case .sms(let step) = e.tag.purpose {
                    smsDropped(step, reason: smsReason, now: now, &out)
                }
            default: break
            }
        }
        failAllUSSD(reason: smsReason, &out)
        syncATStatus()
    }

    mutating func process(_ outputs: [ATCommandQueue<Tag>.Output], now: ModemInstant, _ out: inout [ModemAction]) {
        // Handling one output can flush the queue (recovery, re-init); the writes and timers
        // the queue produced before that flush are then stale and must not reach the port.
        let generation = queue.generation
        for o in outputs {
            switch o {
            case .write(let bytes):
                if queue.generation == generation { out.append(.write(bytes)) }
            case .armTimeout(let id, let after):
                if queue.generation == generation { out.append(.armTimer(.command(id), after: after)) }
            case .cancelTimeout(let id):
                if queue.generation == generation { out.append(.cancelTimer(.command(id))) }
            case .completed(let entry, let response):
                if response.final == .ok { status.at.lastOKAt = now }
                completed(entry, response, now: now, &out)
            case .timedOut(let entry, let partial):
                timedOut(entry, partial: partial, now: now, &out)
            case .dropped(let entry):
                if case .raw(let rid) = entry.tag.purpose {
                    out.append(.rawCommandFinished(requestID: rid, lines: [], final: "ERROR: AT queue full"))
                } else if case .sms(let step) = entry.tag.purpose {
                    smsDropped(step, reason: "AT queue full", now: now, &out)
                } else if case .ussd(let step) = entry.tag.purpose {
                    ussdCommandFailed(step, reason: "AT queue full", now: now, &out)
                }
            case .unsolicited(let line):
                unsolicited(line, now: now, &out)
            case .unsolicitedWithBody(let header, let body):
                smsRouted(header: header, body: body, now: now, &out)
            case .callProgress(let result):
                callURC(.progressResult(result), now: now, &out)
            }
        }
        syncATStatus()
    }

    mutating func syncATStatus() {
        status.at.channel = queue.statistics
        status.at.queueDepth = queue.depth
        status.at.garbageLines = queue.framer.garbageLines + queue.framer.overlongLines
    }

    // MARK: - Answers

    mutating func completed(_ entry: ATCommandQueue<Tag>.Entry, _ r: ATResponse, now: ModemInstant, _ out: inout [ModemAction]) {
        let ok = r.final.isSuccess
        switch entry.tag.purpose {
        case .probe, .echoOff, .errorMode, .setup, .vendorInit:
            break  // failures tolerated: optional steps never fail the device
        case .ati:
            atiLines = r.lines
            let info = DeviceInfo.fromATI(r.lines)
            status.manufacturer = status.manufacturer ?? info.manufacturer
            status.model = status.model ?? info.model
            status.firmware = status.firmware ?? info.firmware
            if let imei = IdentityParser.imei(from: r.lines) { status.identity.imei = imei }
            redetect()
        case .manufacturer:
            if ok, let v = DeviceInfo.singleValue(r.lines) { status.manufacturer = v }
            redetect()
        case .model:
            if ok, let v = DeviceInfo.singleValue(r.lines) { status.model = v }
            redetect()
        case .firmware:
            if ok, let v = DeviceInfo.singleValue(r.lines) { status.firmware = v }
        case .imei:
            if ok, let v = IdentityParser.imei(from: r.lines) { status.identity.imei = v }
        case .simStatus:
            let sim: SIMState
            var detail: String
            if let line = r.lines.first(where: { $0.hasPrefix("+CPIN") }), let s = SIMState.parse(cpin: line) {
                sim = s
                detail = line
                noteSIMReport(SIMReport.parse(line), now: now)
            } else if case .cmeError(let e) = r.final, let s = SIMState.from(cme: e) {
                sim = s
                detail = r.final.meaning
                noteSIMReport(SIMReport(source: "+CME ERROR", code: e.code.map(String.init) ?? r.final.text, meaning: r.final.meaning), now: now)
            } else {
                sim = .unknown
                detail = "AT+CPIN? answered \(r.final.meaning)"
            }
            simReported(sim, detail: detail, now: now, &out)
        case .enterPIN:
            if ok {
                pendingReason = "PIN accepted"
                out.append(.armTimer(.simRetry, after: configuration.simRetryInterval))
            } else {
                pinRejected = true
                out.append(.simPINRejected(reason: r.final.meaning))
                status.sim = .pinRequired
                haltAtSIM(reason: "PIN rejected by the SIM (\(r.final.meaning)); not retrying: repeated wrong PINs lock the SIM (PUK)",
                          now: now, &out)
            }
        case .imsi:
            if ok, let v = IdentityParser.imsi(from: r.lines) {
                status.identity.imsi = v
                status.simOperatorMCCMNC = HomeNetwork.mccmnc(imsi: v)
            }
        case .iccid:
            if ok, let v = IdentityParser.iccid(from: r.lines) { status.identity.iccid = v }
        case .msisdn:
            if ok { status.identity.msisdn = IdentityParser.msisdn(from: r.lines) }
        case .voiceProbe:
            status.voice = dialect.judgeVoiceProbe(r)
        case .signal:
            if let line = r.lines.first, let s = SignalQuality.parse(line) {
                updateSignal(s, now: now)
                noteSignalReadings(RATSignal.readings(from: line, currentRAT: currentRATFamily, now: now))
            }
        case .registration:
            for line in r.lines {
                if let rep = RegistrationReport.parse(line, solicited: true) { updateRegistration(rep, now: now, &out) }
            }
        case .operatorQuery:
            for line in r.lines {
                if let op = OperatorReport.parse(line) { updateOperator(op, now: now, &out) }
            }
        case .raw(let rid):
            out.append(.rawCommandFinished(requestID: rid, lines: r.lines, final: r.final.text))
            if entry.command.acceptsCallProgress, entry.command.text.uppercased().hasPrefix("ATD") {
                if r.final == .ok, status.call == nil { callURC(.originated(id: nil), now: now, &out) }
            }
            if r.final.isCallProgress, status.call != nil { callURC(.progressResult(r.final), now: now, &out) }
        case .recoveryProbe:
            if ok || r.final == .error || r.final == .commandNotSupported {
                recoverySucceeded(now: now, &out)
            }
        case .reboot:
            break  // the recovery timer decides when to look again
        case .callList:
            callListChecked(r, now: now, &out)
        case .strayHangUp:
            break  // the next AT+CLCC (the next port open) would find it again if it failed
        case .dial, .answer, .hangUp, .dtmf, .audioEnable, .audioDisable, .extendedError:
            callCommandCompleted(entry, r, now: now, &out)
        case .sms(let step):
            smsCompleted(step, r, now: now, &out)
        case .ussd(let step):
            ussdCommandCompleted(step, r, now: now, &out)
        }
        if entry.tag.completesInit { initCompleted(now: now, &out) }
        if lastEmittedIdentity != status.identity, status.identity.imei != nil || status.identity.iccid != nil {
            lastEmittedIdentity = status.identity
            out.append(.identified(status.identity))
        }
    }

    mutating func redetect() {
        guard configuration.dialect == nil else { return }
        let texts = atiLines + [status.manufacturer, status.model].compactMap { $0 }
        let d = ModemDialect.detect(texts)
        detectedDialect = d
        status.vendor = d.vendor
        status.dialectName = d.name
    }

    mutating func simReported(_ sim: SIMState, detail: String, now: ModemInstant, _ out: inout [ModemAction]) {
        let previous = status.sim
        status.sim = sim
        switch sim {
        case .ready:
            pinRejected = false
            var needsStage = false
            switch state {
            case .initializing(let done): needsStage = !done
            case .operational(let complete): needsStage = !complete || previous != .ready
            default: break
            }
            if needsStage {
                pendingReason = previous == .ready ? nil : "SIM ready"
                startSIMStage(now: now, &out)
            }
        case .pinRequired:
            if configuration.pin != nil, let before = configuration.pinRejectedBefore {
                haltAtSIM(reason: "the configured PIN was refused before (\(before)); not sent again, a third wrong PIN locks the SIM: "
                          + "put the right PIN in [[modem]] pin and restart, or unlock the SIM by hand", now: now, &out)
            } else if let pin = configuration.pin, !pinAttempted, !pinRejected {
                pinAttempted = true
                let cmd = ATCommand("AT+CPIN=\"\(pin.digits)\"", timeout: configuration.commandTimeout,
                                    displayText: "AT+CPIN=<redacted>")
                enqueue(cmd, Tag(purpose: .enterPIN), now: now, &out)
            } else if pinRejected || pinAttempted {
                haltAtSIM(reason: "SIM still asks for its PIN after one attempt; not retrying (a third wrong PIN locks the SIM)",
                          now: now, &out)
            } else {
                haltAtSIM(reason: "SIM PIN required and no PIN configured", now: now, &out)
            }
        case .pukRequired:
            haltAtSIM(reason: "SIM PUK required (\(detail)): unblock the SIM by hand", now: now, &out)
        case .locked:
            haltAtSIM(reason: "SIM locked (\(detail))", now: now, &out)
        case .absent:
            simGone(reason: "no SIM card (\(detail))", now: now, &out)
        case .failure:
            simGone(reason: "SIM failure (\(detail))", now: now, &out)
        case .busy:
            pendingReason = "SIM busy (\(detail))"
            out.append(.armTimer(.simRetry, after: configuration.simRetryInterval))
        case .unknown:
            // ^SIMST: 1 and similar: the card changed, ask what it wants.
            status.sim = previous == .ready ? .unknown : previous
            out.append(.armTimer(.simRetry, after: configuration.simRetryInterval))
        }
    }

    mutating func simGone(reason: String, now: ModemInstant, _ out: inout [ModemAction]) {
        status.registration = .unknown
        status.registrationStatus = nil
        switch state {
        case .initializing, .operational: haltAtSIM(reason: reason, now: now, &out)
        default: pendingReason = reason
        }
        if status.call != nil {
            endCall(cause: CallEndCause(kind: .noService, text: reason), duration: nil, now: now, &out)
        }
    }

    // MARK: - Health updates

    mutating func updateSignal(_ s: SignalQuality, now: ModemInstant) {
        status.signal = s
        status.signalUpdatedAt = now
    }

    mutating func updateRegistration(_ r: RegistrationReport, now: ModemInstant, _ out: inout [ModemAction]) {
        noteRegistration(r, now: now)
        // CS (+CREG) decides voice; EPS/GPRS only fill in when CS has said nothing.
        if r.domain != .cs, status.registrationStatus != nil { 
            if let act = r.act, let n = AccessTechnology.name(act: act), status.accessTechnology == nil { status.accessTechnology = n }
            return
        }
        guard let st = r.status else { return }
        let wasRegistered = status.registration == .home || status.registration == .roaming
        status.registrationStatus = st
        status.registration = st.summary
        if let lac = r.lac { status.lac = lac }
        if let ci = r.cellID { status.cellID = ci }
        if let act = r.act, let n = AccessTechnology.name(act: act) { status.accessTechnology = n }
        let isRegistered = status.registration == .home || status.registration == .roaming
        if !isRegistered {
            pendingReason = "network registration: \(st.summary.rawValue) (stat \(st.rawValue))"
        } else if !wasRegistered {
            pendingReason = "registered (\(st.summary.rawValue))"
            // A new registration: learn the operator (chan_dongle asks +COPS? on each +CREG).
            if case .operational = state, !queue.contains(text: "AT+COPS?") {
                enqueue(ATCommand("AT+COPS?", priority: .poll, timeout: configuration.commandTimeout),
                        Tag(purpose: .operatorQuery), now: now, &out)
            }
        }
    }

    mutating func updateOperator(_ op: OperatorReport, now: ModemInstant, _ out: inout [ModemAction]) {
        if let act = op.act, let n = AccessTechnology.name(act: act),
           RATSignal.family(ofTechnology: n) != currentRATFamily || status.accessTechnology == nil {
            // A vendor URC's finer name (`HSPA+` from ^MODE, `FDD LTE` from +QIND) stays
            // while the polled +COPS names the same family (UMTS, LTE).
            status.accessTechnology = n
        }
        if let mccmnc = op.mccmnc {
            let changed = status.networkOperatorMCCMNC != mccmnc
            status.networkOperatorMCCMNC = mccmnc
            if changed { status.networkOperatorName = nil }
            // Ask once per network for the long name, then switch back to numeric for the
            // polls. Once only: a firmware that answers numerically whatever the format would
            // otherwise be asked again after every answer, hundreds of commands a second.
            if changed || status.networkOperatorName == nil, operatorNameAskedFor != mccmnc,
               !queue.contains(text: "AT+COPS=3,0") {
                operatorNameAskedFor = mccmnc
                for (text, purpose) in [("AT+COPS=3,0", Purpose.setup), ("AT+COPS?", .operatorQuery), ("AT+COPS=3,2", .setup)] {
                    enqueue(ATCommand(text, priority: .poll, timeout: configuration.commandTimeout), Tag(purpose: purpose), now: now, &out)
                }
            }
        } else if let name = op.name {
            status.networkOperatorName = name
        } else if op.format == nil {
            // `+COPS: 0`: no operator selected.
            status.networkOperatorMCCMNC = nil
            status.networkOperatorName = nil
        }
    }

    // MARK: - URCs

    mutating func unsolicited(_ line: String, now: ModemInstant, _ out: inout [ModemAction]) {
        switch ModemURC.decode(line, quectelDSCI: dialect.quectelDSCI) {
        case .registration(let r): updateRegistration(r, now: now, &out)
        case .signal(let s):
            updateSignal(s, now: now)
            noteSignalReadings(RATSignal.readings(from: line, currentRAT: currentRATFamily, now: now))
        case .signalReadings(let readings):
            noteSignalReadings(readings.map { var r = $0; r.at = now; return r })
        case .sim(let s):
            noteSIMReport(SIMReport.parse(line), now: now)
            if s == .ready, status.sim == .ready { break }
            simReported(s, detail: line, now: now, &out)
        case .call(let c):
            updateCallTable(c, source: Self.sourceName(line), now: now)
            callURC(c, now: now, &out)
        case .accessTechnology(let t): status.accessTechnology = t
        case .networkTime(let t):
            var state = status.networkTime ?? NetworkTimeState(source: t.source, receivedAt: now)
            state.merge(t, now: now)
            status.networkTime = state
        case .dtmf(let d): out.append(.callEvent(.dtmfReceived(d)))
        case .sms(let indication): smsIndication(indication, now: now, &out)
        case .ussd: ussdReplyReceived(line, now: now, &out)
        case .moduleReady:
            if case .resetting(.modemReboot) = state {
                out.append(.cancelTimer(.recovery))
                enqueue(ATCommand("AT", timeout: configuration.probeTimeout), Tag(purpose: .recoveryProbe), now: now, &out)
            } else if case .operational = state {
                status.lastRecovery = "modem rebooted by itself (RDY); re-initialising"
                pendingReason = "modem rebooted (RDY)"
                startInitialization(now: now, &out)
            }
        case .ignored: break
        case .unknown(let l):
            status.at.noteUnknown(l, now: now)
            out.append(.unknownLine(l))
        }
    }

    mutating func callURC(_ c: CallURC, now: ModemInstant, _ out: inout [ModemAction]) {
        switch c {
        case .ring:
            lastRing = now
            if status.call == nil {
                status.call = CallSnapshot(phase: .ringing, callID: nil, incoming: true, caller: .unknown, since: now)
                pendingReason = "incoming call"
                out.append(.callEvent(.incoming(caller: .unknown)))
            }
            if status.call?.phase == .ringing { out.append(.armTimer(.ringTimeout, after: configuration.ringTimeout)) }
        case .callerID(let caller, _):
            if var call = status.call {
                if call.incoming, call.caller != caller {
                    call.caller = caller
                    status.call = call
                    out.append(.callEvent(.callerIdentified(caller)))
                }
            } else {
                lastRing = now
                status.call = CallSnapshot(phase: .ringing, callID: nil, incoming: true, caller: caller, since: now)
                pendingReason = "incoming call from \(caller.display)"
                out.append(.callEvent(.incoming(caller: caller)))
                out.append(.armTimer(.ringTimeout, after: configuration.ringTimeout))
            }
        case .originated(let id):
            if var call = status.call, !call.incoming {
                // Our own ATD: keep its snapshot (and the gateway's reference).
                call.callID = id ?? call.callID
                status.call = call
            } else {
                status.call = CallSnapshot(phase: .dialing, callID: id, incoming: false, caller: nil, since: now)
            }
            pendingReason = "dialing"
            announceDialing(callID: id, &out)
        case .alerting(let id):
            if var call = status.call { call.phase = .alerting; call.callID = id ?? call.callID; status.call = call }
            else { status.call = CallSnapshot(phase: .alerting, callID: id, incoming: false, caller: nil, since: now) }
            pendingReason = "remote party alerting"
            callControl.alerted = true
            out.append(.callEvent(.alerting(callID: id)))
        case .connected(let id):
            if status.call?.phase == .active { break }
            var call = status.call ?? CallSnapshot(phase: .active, callID: id, incoming: false, caller: nil, since: now)
            call.phase = .active
            call.callID = id ?? call.callID
            call.since = now
            status.call = call
            out.append(.cancelTimer(.ringTimeout))
            pendingReason = "call connected"
            out.append(.callEvent(.connected(callID: id)))
            callBecameActive(now: now, &out)
        case .ended(let id, let duration, let cause):
            if let cause {
                endCall(cause: cause, duration: duration, callID: id, now: now, &out)
            } else {
                endCallAskingCause(fallback: CallEndCause(kind: .normal, text: "call ended"), duration: duration, callID: id, now: now, &out)
            }
        case .listed(let entry):
            out.append(.callEvent(.listed(entry)))
            guard entry.isVoice else { break }
            switch entry.status {
            case .released:
                if let cc = entry.cause {
                    endCall(cause: CallEndCause.fromCCCause(cc), duration: nil, callID: entry.id, now: now, &out)
                } else {
                    endCallAskingCause(fallback: CallEndCause(kind: .normal, text: "call released"), duration: nil,
                                       callID: entry.id, now: now, &out)
                }
            case .incoming, .waiting:
                if status.call == nil {
                    callURC(.callerID(entry.number.map { CallerID.number($0) } ?? .unavailable, numberType: entry.numberType), now: now, &out)
                    status.call?.callID = entry.id
                } else if entry.status == .incoming, let call = status.call, call.incoming, call.phase == .ringing,
                          call.callID == nil || call.callID == entry.id {
                    // RING came first: the ^DSCI / ccinfo row names the call and its caller.
                    status.call?.callID = entry.id
                    lastRing = now
                    if call.caller == .unknown || call.caller == nil, let n = entry.number {
                        callURC(.callerID(.number(n), numberType: entry.numberType), now: now, &out)
                    }
                }
            case .dialing:
                if status.call == nil { callURC(.originated(id: entry.id), now: now, &out) }
            case .alerting:
                if status.call?.phase != .alerting { callURC(.alerting(id: entry.id), now: now, &out) }
            case .active:
                callURC(.connected(id: entry.id), now: now, &out)
            case .held:
                break
            }
        case .missed(let time, let caller):
            if status.call?.phase == .ringing {
                endCall(cause: CallEndCause(kind: .noAnswer, text: "caller hung up before answer"), duration: nil, now: now, &out)
            }
            out.append(.callEvent(.missed(caller: caller, time: time)))
        case .progressResult(let r):
            if callControl.awaitingCause != nil {
                // The release was already seen; +CEER (asked) says why, better than this line.
                callControl.progressWhileAwaitingCause = r
            } else if status.call != nil {
                endCall(cause: progressCause(r), duration: nil, now: now, &out)
            }
        }
    }

    mutating func endCall(cause: CallEndCause, duration: Int?, callID: Int? = nil, now: ModemInstant, _ out: inout [ModemAction]) {
        guard let call = status.call else { return }
        status.call = nil
        lastRing = nil
        let endedID = callID ?? call.callID
        status.lastCallEnd = CallEndRecord(callID: endedID, cause: cause, durationSeconds: duration, at: now)
        removeFromCallTable(id: endedID)
        out.append(.cancelTimer(.ringTimeout))
        callEnded(now: now, &out)
        pendingReason = "call ended: \(cause.text)"
        out.append(.callEvent(.ended(callID: callID ?? call.callID, cause: cause, durationSeconds: duration)))
    }

    // MARK: - Recovery ladder

    mutating func timedOut(_ entry: ATCommandQueue<Tag>.Entry, partial: [String], now: ModemInstant, _ out: inout [ModemAction]) {
        switch entry.tag.purpose {
        case .raw(let rid):
            out.append(.rawCommandFinished(requestID: rid, lines: partial, final: "TIMEOUT"))
        case .recoveryProbe:
            if case .resetting(.atProbe) = state {
                startRung(.modemReboot, reason: "AT probe unanswered after \(entry.command.displayText) timeouts", now: now, &out)
            } else if case .resetting(.modemReboot) = state {
                startRung(.reopenPort, reason: "modem did not answer AT after AT+CFUN=1,1", now: now, &out)
            }
            return
        case .reboot:
            return  // expected: the modem may reboot before answering
        case .dial, .answer, .hangUp, .dtmf, .audioEnable, .audioDisable, .extendedError:
            callCommandTimedOut(entry, now: now, &out)
        case .sms(let step):
            smsTimedOut(entry, step: step, now: now, &out)
        case .ussd(let step):
            ussdCommandFailed(step, reason: "AT+CUSD unanswered (timeout)", now: now, &out)
        default:
            break
        }
        if entry.tag.completesInit {
            // The last init query timed out: init is still done (the next poll asks again),
            // otherwise one slow answer would leave the modem "initializing" for ever.
            initCompleted(now: now, &out)
        }
        switch state {
        case .initializing, .operational:
            let n = queue.statistics.consecutiveTimeouts
            if n >= configuration.timeoutsBeforeRecovery {
                let reason = "\(n) consecutive AT timeouts (last: \(entry.command.displayText))"
                if probeSuccessesWithoutInit >= 2 {
                    startRung(.modemReboot, reason: reason + "; AT probe already succeeded twice without recovery", now: now, &out)
                } else {
                    startRung(.atProbe, reason: reason, now: now, &out)
                }
            }
        default:
            break
        }
    }

    mutating func startRung(_ rung: RecoveryRung, reason: String, now: ModemInstant, _ out: inout [ModemAction]) {
        flushQueue(finalText: "ERROR: aborted by recovery (\(reason))", smsReason: "aborted by recovery: \(reason)", now: now, &out)
        out.append(.cancelTimer(.poll))
        out.append(.cancelTimer(.recovery))
        switch rung {
        case .atProbe:
            state = .resetting(.atProbe)
            status.at.resets += 1
            status.lastRecovery = "rung 1 (AT probe): \(reason)"
            pendingReason = status.lastRecovery
            enqueue(ATCommand("AT", timeout: configuration.probeTimeout), Tag(purpose: .recoveryProbe), now: now, &out)
        case .modemReboot:
            state = .resetting(.modemReboot)
            status.at.resets += 1
            status.lastRecovery = "rung 2 (AT+CFUN=1,1 modem reboot): \(reason)"
            pendingReason = status.lastRecovery
            enqueue(ATCommand("AT+CFUN=1,1", timeout: configuration.commandTimeout), Tag(purpose: .reboot), now: now, &out)
            out.append(.armTimer(.recovery, after: configuration.rebootWait))
        case .reopenPort:
            if portReopens >= configuration.maxPortReopens {
                let why = "recovery ladder exhausted (\(portReopens) port reopens without a working modem): \(reason)"
                state = .failed(reason: why)
                status.lastRecovery = why
                pendingReason = why
                return
            }
            portReopens += 1
            state = .resetting(.reopenPort)
            status.at.resets += 1
            status.lastRecovery = "rung 3 (reopen port, attempt \(portReopens)): \(reason)"
            pendingReason = status.lastRecovery
            out.append(.reopenPort(reason: reason))
        }
    }

    mutating func recoverySucceeded(now: ModemInstant, _ out: inout [ModemAction]) {
        queue.resetConsecutiveTimeouts()
        probeSuccessesWithoutInit += 1
        status.lastRecovery = (status.lastRecovery ?? "recovery") + " -> modem answers AT again; re-initialising"
        pendingReason = "modem answers AT again; re-initialising"
        startInitialization(now: now, &out)
    }

    // MARK: - Display state

    func derivedState() -> ModemState {
        switch state {
        case .notConnected: return .notConnected
        case .failed: return .failed
        case .resetting: return .resetting
        case .initializing: return .initializing
        case .operational:
            switch status.sim {
            case .absent, .failure: return .noSIM
            case .pinRequired, .pukRequired, .locked: return .simLocked
            case .busy, .unknown: return .initializing
            case .ready: break
            }
            if let call = status.call {
                switch call.phase {
                case .ringing: return .ringing
                case .dialing, .alerting: return .dialing
                case .active: return .active
                }
            }
            return status.registration == .home || status.registration == .roaming ? .free : .notRegistered
        }
    }

    /// Recomputes the displayed state; emits `.stateChanged` when it moved.
    mutating func settle(now: ModemInstant, _ out: inout [ModemAction]) {
        syncATStatus()
        let next = derivedState()
        defer { pendingReason = nil }
        guard next != status.state else { return }
        let reason: String
        if case .failed(let why) = state { reason = why } else { reason = pendingReason ?? defaultReason(next) }
        out.append(.stateChanged(from: status.state, to: next, reason: reason))
        status.state = next
        status.since = now
        status.reason = reason
    }

    func defaultReason(_ s: ModemState) -> String {
        switch s {
        case .free: return "registered (\(status.registration.rawValue))"
        case .notRegistered: return "network registration: \(status.registration.rawValue)"
        case .initializing: return "initialising"
        case .noSIM: return "no SIM card"
        case .simLocked: return "SIM locked"
        default: return s.rawValue
        }
    }

    // MARK: - Raw command validation

    /// Longest admin command accepted; V.250 requires at least 40 characters per command
    /// line, modules accept ~556 (enough for AT+CMGS PDUs, which are not raw commands).
    public static let maxRawCommandLength = 512

    static func rawCommandProblem(_ text: String) -> String? {
        if text.isEmpty { return "empty command" }
        if text.utf8.count > maxRawCommandLength { return "command longer than \(maxRawCommandLength) bytes" }
        if !ATFramer.looksLikeEcho(text) { return "command must start with AT" }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "control characters (CR, LF, Ctrl-Z, ESC) are not allowed"
        }
        return nil
    }
}
