// One simulated modem: its two ports, its settings, SIM, network and faults. Lives entirely on
// the simulator's event loop (every method runs there), so it needs no locks; the public
// `ModemSimulator` hops onto that loop before touching it.
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Settings an AT command changes and ATZ / power-on restore.
struct ModemSettings {
    var echo = true
    var cmee = 0
    var creg = 0
    var cgreg = 0
    var cereg = 0
    var clip = false
    var crc = false
    /// +COPS format: 0 long, 1 short, 2 numeric.
    var copsFormat = 0
    var charset = "GSM"
    /// Huawei ^CURC: unsolicited ^RSSI and friends (on by default on the dongles).
    var curc = true
    /// Quectel +QINDCFG switches.
    var qindCSQ = false
    var qindCCInfo = false
    var qindAct = false
    var qindRing = true
    /// ^DSCI call status URCs (Quectel style, §3.4).
    var dsci = false
    /// SIMCom AT+AUTOCSQ=1,1: unsolicited +CSQ.
    var autoCSQ = false
    /// SIMCom AT+CLCC=1: push the call list on each change.
    var clccPush = false
    /// Quectel AT+QPCMV: nil off, else the port (0 = USB serial, which is our audio pty).
    var qpcmvPort: Int? = nil
    var urcPort = "usbat"
    /// SIMCom AT+CPCMFRM=1: USB PCM at 16 kHz (640-byte frames) instead of 8 kHz (§4.2).
    var widebandPCM = false
    /// +CNMI, +CSMS, +CPMS (SimulatedSMS.swift).
    var sms = SMSSettings()
    /// AT+CUSD=<n>: 1 presents the network's replies as +CUSD URCs.
    var cusd = 0
    /// Huawei ^USSDMODE: true (1) = packed GSM-7 hex, the dongles' default; false (0) = text.
    var ussdHex = true
}

final class SimulatedModem {
    let config: ModemConfig
    let dialect: VendorDialect
    let loop: any EventLoop
    let logger: Logger

    var linkDirectory: String
    var linkName: String
    var atPath: String { "\(linkDirectory)/\(linkName).at" }
    var audioPath: String { "\(linkDirectory)/\(linkName).audio" }

    // Ports (nil while unplugged).
    var atPort: PseudoTerminal?
    var audioPort: PseudoTerminal?
    var atChannel: (any Channel)?
    var audioChannel: (any Channel)?
    /// Bumped on every plug/unplug so handlers of an old pty are ignored.
    var plugSerial = 0

    var reader = ATLineReader()
    var settings = ModemSettings()
    var sim: SIMCard
    var network: NetworkConfig
    var signal: Int
    var radioOn = true
    /// The last registration stat reported by URC, to emit one only on change.
    var reportedStat = 0
    var callees: [CalleeRule]

    // Faults.
    var hung = false {
        didSet { if oldValue && !hung { flushNetworkQueue(announceFull: false) } }
    }
    var booting = false

    // Calls and audio.
    var call: Call?
    var callSerial = 0
    var tone: ToneGenerator
    /// The far end's signal: the configured one unless a test changed it (`setAudio`).
    var audioSignal: AudioSignal
    var frameBuffer: [UInt8] = []
    var dtmfPlayer = DTMFPlayer()
    var ringback = RingbackGenerator()
    var audioStreaming = false
    /// Rate of the current (or last) audio stream: 8000, or 16000 for SIMCom after AT+CPCMFRM=1.
    var audioRate = AudioFormat.sampleRate
    var audioSerial = 0
    var nextFrameDeadline = NIODeadline.now()
    var framesSent = 0
    var framesDropped = 0
    var analyzer = AudioAnalyzer()
    /// What the gateway wrote during the current (or last) active call.
    var callCapture = CallAudioCapture()
    var dtmfSent: [String] = []
    /// Every AT command line the host wrote, oldest first (the last `commandLogLimit`), with
    /// when it arrived: what a test asks "which commands did the modem see" (`commands <name>`).
    var commandLog: [ATCommandLogEntry] = []
    static let commandLogLimit = 2000
    /// 24.008 cause of the last call end, for AT+CEER.
    var lastEndCause: Int?
    /// Work to do once the final result of the current command line is written
    /// (call-progress URCs follow the OK of ATD, a reset follows the OK of AT+CFUN=1,1).
    var afterReply: [() -> Void] = []

    /// Scheduled tasks that must not outlive an unplug or stop.
    var timers: [Int: Scheduled<Void>] = [:]
    var nextTimerID = 0

    /// `unterminatedURCs` quirk: the last URC's CR LF has not been written yet.
    var heldTerminator = false

    /// Replay mode: the AT port plays this transcript instead of running the interpreter.
    var replay: ReplayPlayer?

    // SMS (SimulatedSMS.swift). The memories belong to the SIM and the modem, so they survive
    // resets and replugs; only the settings go back to their defaults.
    var smsMemories: [String: SMSStorage]
    /// Set between `> ` and Ctrl-Z/ESC: the AT port is collecting a PDU, not command lines.
    var smsPrompt: SMSPrompt?
    /// What the network holds for the modem, oldest first.
    var smsNetworkQueue: [NetworkSMS] = []
    /// A +CMT/+CDS delivered with +CSMS=1 that AT+CNMA has not acknowledged yet.
    var awaitingAcknowledgement: NetworkSMS?
    var acknowledgementSerial = 0
    /// SMS URCs held back while the prompt is open.
    var heldSMSURCs: [String] = []
    /// Every PDU AT+CMGS received, oldest first.
    var smsSent: [SentSMS] = []
    /// `sms-fail`: the next `count` sends answer `+CMS ERROR: <code>`.
    var smsFailures: (code: Int, count: Int)?
    /// TP-MR the modem gives the next SUBMIT (0...255, wrapping).
    var messageReference = 0
    /// The network's reference for the next concatenated message it delivers.
    var concatenationReference = 0

    /// USSD sessions, the request log and the account calls are billed to (SimulatedUSSD.swift).
    var ussd: USSDState
    /// How the network treats this SIM's calls (`sim <name> reject|outoforder|barred|normal`).
    var simFault: SIMFault
    /// Every AT+CPIN=<code> the modem received. Like the card's retry counters it survives
    /// resets and replugs, so a test can prove a gateway entered a wrong PIN once, ever.
    var cpinAttempts = 0

    init(config: ModemConfig, linkDirectory: String, loop: any EventLoop, logger: Logger) {
        self.config = config
        self.dialect = VendorDialect(vendor: config.vendor)
        self.loop = loop
        var logger = logger
        logger[metadataKey: "modem"] = "\(config.name)"
        self.logger = logger
        self.linkDirectory = linkDirectory
        self.linkName = config.name
        self.sim = SIMCard(pin: config.pin, puk: config.puk)
        self.network = config.network
        self.signal = config.signal
        self.callees = config.callees
        self.ussd = USSDState(config: config)
        self.simFault = config.simFault
        self.tone = ToneGenerator(config.audio)
        self.audioSignal = config.audio
        self.smsMemories = Dictionary(uniqueKeysWithValues: Self.smsMemoryNames.map {
            ($0, SMSStorage(name: $0, capacity: config.smsCapacity, firstIndex: VendorDialect(vendor: config.vendor).smsFirstIndex))
        })
        self.frameBuffer.reserveCapacity(2 * AudioFormat.samplesPerFrame(at: AudioFormat.widebandRate))
        // `validate()` has read the file already; a transcript given in-process wins.
        if let t = config.replayTranscript ?? config.replay.flatMap({ try? ReplayTranscript.load(path: $0) }) {
            self.replay = ReplayPlayer(t)
        }
    }

    var isPlugged: Bool { atChannel != nil }

    // MARK: Plugging

    /// Opens both ptys, hands their masters to NIO and points the symlinks at them.
    func plug() -> EventLoopFuture<Void> {
        guard atPort == nil else { return loop.makeFailedFuture(SimulatorError.alreadyPlugged(config.name)) }
        let at: PseudoTerminal
        let audio: PseudoTerminal
        do {
            try makeDirectory(linkDirectory)
            at = try PseudoTerminal.open(linkPath: atPath)
            do {
                audio = try PseudoTerminal.open(linkPath: audioPath)
            } catch {
                at.removeLink(); close(at.masterFD); at.closeSlave()
                throw error
            }
        } catch {
            return loop.makeFailedFuture(error)
        }
        atPort = at
        audioPort = audio
        plugSerial += 1
        let serial = plugSerial
        let bound = NIOLoopBound(self, eventLoop: loop)
        let atFuture = Self.bootstrap(fd: at.masterFD, loop: loop, modem: bound, port: .at, serial: serial)
        let audioFuture = Self.bootstrap(fd: audio.masterFD, loop: loop, modem: bound, port: .audio, serial: serial)
        return atFuture.and(audioFuture).assumeIsolated().map { channels in
            self.atChannel = channels.0
            self.audioChannel = channels.1
            self.powerOn(announce: true)
            self.logger.info("plugged", metadata: ["at": "\(self.atPath)", "audio": "\(self.audioPath)"])
        }.nonisolated()
    }

    private static func bootstrap(fd: CInt, loop: any EventLoop, modem: NIOLoopBound<SimulatedModem>,
                                  port: PortHandler.Port, serial: Int) -> EventLoopFuture<any Channel> {
        NIOPipeBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PortHandler(modem: modem, port: port, serial: serial))
                }
            }
            .takingOwnershipOfDescriptor(inputOutput: fd)
    }

    /// Closes both ptys (the gateway's next read gets EIO or EOF) and removes the symlinks.
    func unplug() -> EventLoopFuture<Void> {
        guard let at = atPort, let audio = audioPort else {
            return loop.makeFailedFuture(SimulatorError.notPlugged(config.name))
        }
        plugSerial += 1
        cancelTimers()
        if let c = call { billCall(c, endedAt: .now()) }
        call = nil
        ussd.session = nil
        stopAudio()
        booting = false
        at.removeLink()
        audio.removeLink()
        atPort = nil
        audioPort = nil
        let channels = [atChannel, audioChannel].compactMap { $0 }
        atChannel = nil
        audioChannel = nil
        let closes = channels.map { ch in ch.close().flatMapErrorThrowing { _ in () } }
        return EventLoopFuture.andAllComplete(closes, on: loop).assumeIsolated().map {
            // The masters are closed now; dropping our slave releases the pty pair.
            at.closeSlave()
            audio.closeSlave()
            self.logger.info("unplugged")
        }.nonisolated()
    }

    // MARK: Power

    /// Power-on or reset: settings back to the profile, SIM asks for its PIN, boot banner.
    func powerOn(announce: Bool) {
        settings = ModemSettings()
        reader = ATLineReader()
        sim.powerOn()
        radioOn = true
        reportedStat = effectiveRegistration.stat
        booting = false
        if replay != nil {
            // A replaying modem's boot banner is the transcript's first steps.
            if announce { startReplay() }
            return
        }
        if announce {
            for line in dialect.bootURCs(sim: sim.state) { sendURC(line) }
        }
        smsPrompt = nil
        heldSMSURCs.removeAll()
        ussd.session = nil
        if let unacked = awaitingAcknowledgement {
            smsNetworkQueue.insert(unacked, at: 0)
            awaitingAcknowledgement = nil
        }
        // Back on the network: the service centre delivers what it held (stored silently, as
        // +CNMI is 0,0,0,0,0 again).
        flushNetworkQueue(announceFull: false)
    }

    var sms: SMSSettings {
        get { settings.sms }
        set { settings.sms = newValue }
    }

    /// AT+CFUN=1,1 or `reboot`: silent for `rebootSeconds`, then the boot banner.
    func reboot() {
        if let c = call { endCall(c, reason: .silent) }
        booting = true
        schedule(after: config.rebootSeconds) { [serial = plugSerial] in
            guard self.plugSerial == serial, self.booting else { return }
            self.powerOn(announce: true)
        }
    }

    // MARK: Input from the ports

    func received(_ buffer: ByteBuffer, port: PortHandler.Port, serial: Int) {
        guard serial == plugSerial else { return }
        switch port {
        case .audio:
            buffer.withUnsafeReadableBytes {
                analyzer.feed($0)
                callCapture.feed($0)
            }
        case .at:
            // A hung or rebooting modem reads and drops everything.
            if hung || booting { return }
            if replay != nil {
                let events = buffer.withUnsafeReadableBytes { reader.feed($0) }
                for case .line(let line) in events { handleReplayCommand(line) }
                return
            }
            // After AT+CMGS=<n> the bytes up to Ctrl-Z/ESC are a PDU, so lines are cut at each
            // CR and the prompt takes over as soon as a line opens it.
            var rest = ArraySlice(buffer.readableBytesView)
            while !rest.isEmpty {
                if smsPrompt != nil {
                    rest = rest.dropFirst(feedSMSPrompt(rest))
                    continue
                }
                let end = rest.firstIndex(of: 0x0D).map { $0 + 1 } ?? rest.endIndex
                for event in reader.feed(rest[..<end]) {
                    switch event {
                    case .line(let line): handleCommandLine(line)
                    case .overflow: sendFinal("ERROR")
                    }
                }
                rest = rest[end...]
                if hung || booting { return }
            }
        }
    }

    // MARK: Output to the AT port

    func write(_ text: String) {
        guard let ch = atChannel else { return }
        var text = text
        if heldTerminator {
            // The held-back end of the last URC goes out first, unless the new output opens
            // with its own line break.
            heldTerminator = false
            // (Bytes, not Characters: "\r\n" is one Character and would not match "\r".)
            if let first = text.utf8.first, first != 0x0D && first != 0x0A { text = "\r\n" + text }
        }
        var buf = ch.allocator.buffer(capacity: text.utf8.count)
        buf.writeString(text)
        ch.writeAndFlush(buf, promise: nil)
    }

    func writeBytes(_ bytes: [UInt8]) {
        guard let ch = atChannel else { return }
        ch.writeAndFlush(ch.allocator.buffer(bytes: bytes), promise: nil)
    }

    /// A final result, V.250 verbose framing.
    func sendFinal(_ text: String) { write("\r\n\(text)\r\n") }

    /// An unsolicited result code. SIMCom frames call-related ones with CR CR LF.
    func sendURC(_ text: String, callRelated: Bool = false) {
        if config.quirks.unterminatedURCs {
            // The CR LF stays back until the next output: the reader sees an unterminated line.
            write(callRelated && dialect.callURCsUseDoubleCR ? "\r\r\n\(text)" : "\r\n\(text)")
            heldTerminator = true
        } else if callRelated && dialect.callURCsUseDoubleCR {
            write("\r\r\n\(text)\r\r\n")
        } else {
            write("\r\n\(text)\r\n")
        }
    }

    // MARK: Timers

    /// Runs `body` on the loop after `seconds`, unless the modem is unplugged or stopped first.
    func schedule(after seconds: Double, _ body: @escaping () -> Void) {
        let id = nextTimerID
        nextTimerID += 1
        let delay = TimeAmount.nanoseconds(Int64(max(0, seconds) * 1e9))
        let task = loop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self else { return }
            self.timers[id] = nil
            body()
        }
        timers[id] = task
    }

    func cancelTimers() {
        for (_, t) in timers { t.cancel() }
        timers.removeAll()
        audioSerial += 1
    }

    // MARK: Network state

    /// What the modem is registered as, given radio, SIM and the configured network.
    var effectiveRegistration: RegistrationState {
        guard radioOn, sim.state == .ready else { return .none }
        return network.registration
    }

    /// Emits +CREG/+CGREG/+CEREG URCs if the registration changed and they are enabled.
    func refreshRegistration() {
        // Registered again (PIN entered, radio on, SIM back): the network delivers what it held.
        defer { flushNetworkQueue(announceFull: false) }
        let reg = effectiveRegistration
        guard reg.stat != reportedStat else { return }
        reportedStat = reg.stat
        if settings.creg > 0 { sendURC(registrationLine("+CREG", n: settings.creg, solicited: false)) }
        if settings.cgreg > 0 { sendURC(registrationLine("+CGREG", n: settings.cgreg, solicited: false)) }
        if settings.cereg > 0 { sendURC(registrationLine("+CEREG", n: settings.cereg, solicited: false)) }
        if config.vendor == .huawei && settings.curc {
            // ^SRVST: 2 valid service, 0 none (§2.6).
            sendURC("^SRVST:\(reg.isRegistered ? 2 : 0)")
        }
    }

    /// `+CREG: [<n>,]<stat>[,<lac>,<ci>[,<AcT>]]` (§1.7: the solicited form carries <n>).
    func registrationLine(_ prefix: String, n: Int, solicited: Bool) -> String {
        let reg = effectiveRegistration
        var stat = reg.stat
        // +CEREG reports the LTE registration: a modem camped on 2G/3G is not EPS-registered.
        if prefix == "+CEREG" && network.accessTechnology != .lte && reg.isRegistered { stat = 0 }
        var fields: [String] = solicited ? ["\(n)", "\(stat)"] : ["\(stat)"]
        if n >= 2 && (stat == 1 || stat == 5) {
            if dialect.quotesLocation {
                fields += ["\"\(network.lac)\"", "\"\(network.cellId)\"", "\(network.accessTechnology.act)"]
            } else {
                // Quirk: `+CREG: 2,5, 1607, 14DB` (a Huawei capture, at-dialects §2.6).
                let sp = config.quirks.oddSpacing ? " " : ""
                fields += [sp + network.lac, sp + network.cellId]
            }
        }
        return "\(prefix): " + fields.joined(separator: ",")
    }

    // MARK: Faults and run-time changes

    func setSignal(_ rssi: Int) throws(SimulatorError) {
        guard (0...31).contains(rssi) || rssi == 99 else { throw .invalidArgument("rssi must be 0...31 or 99") }
        signal = rssi
        if let urc = signalURC { sendURC(urc) }
    }

    /// The vendor's unsolicited signal report, when the host has it enabled: Huawei `^RSSI:<n>`
    /// (after ^CURC=1, default on), Quectel `+QIND: "csq",<rssi>,<ber>` (QINDCFG "csq"), SIMCom
    /// `+CSQ` (AT+AUTOCSQ=1,1).
    var signalURC: String? {
        switch config.vendor {
        case .huawei where settings.curc: config.quirks.oddSpacing ? "^RSSI: \(signal)" : "^RSSI:\(signal)"
        case .quectel where settings.qindCSQ: "+QIND: \"csq\",\(signal),99"
        case .simcom where settings.autoCSQ: "+CSQ: \(signal),99"
        default: nil
        }
    }

    func setRegistration(_ state: RegistrationState) {
        network.registration = state
        refreshRegistration()
        if !effectiveRegistration.isRegistered, let c = call { endCall(c, reason: .networkLost) }
    }

    func setOperator(mccmnc: String, longName: String, shortName: String?) throws(SimulatorError) {
        guard SimulatorConfig.isDigits(mccmnc, 5...6) else { throw .invalidArgument("mccmnc must be 5 or 6 digits") }
        guard !longName.isEmpty, !longName.contains("\"") else { throw .invalidArgument("operator name must be non-empty without '\"'") }
        network.mccmnc = mccmnc
        network.longName = longName
        network.shortName = shortName
    }

    func removeSIM() {
        guard sim.inserted else { return }
        sim.remove()
        if let c = call { endCall(c, reason: .networkLost) }
        switch config.vendor {
        case .huawei: sendURC("^SIMST: 255")
        case .quectel, .simcom: sendURC("+CPIN: NOT READY")
        case .generic: break
        }
        refreshRegistration()
    }

    func insertSIM() {
        guard !sim.inserted else { return }
        sim.insert()
        switch config.vendor {
        case .huawei: sendURC("^SIMST: 1")
        case .quectel, .simcom: sendURC("+CPIN: \(sim.cpinCode)")
        case .generic: break
        }
        refreshRegistration()
    }

    func emitGarbage(_ count: Int) throws(SimulatorError) {
        guard (1...65536).contains(count) else { throw .invalidArgument("byte count must be 1...65536") }
        var rng = SystemRandomNumberGenerator()
        writeBytes((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    func status() -> ModemStatus {
        ModemStatus(
            name: config.name, vendor: config.vendor, model: config.effectiveModel,
            atPath: atPath, audioPath: audioPath, plugged: isPlugged, hung: hung, booting: booting,
            echo: settings.echo, imei: config.identity.imei, imsi: config.identity.imsi, iccid: config.identity.iccid,
            sim: sim.state.name, registration: effectiveRegistration, configuredRegistration: network.registration,
            operatorMCCMNC: network.mccmnc, operatorName: network.longName, accessTechnology: network.accessTechnology,
            signal: signal,
            call: call.map { CallStatus(direction: $0.direction.rawValue, state: $0.state.rawValue, number: $0.number, audio: audioStreaming) },
            dtmfSent: dtmfSent, audioFramesSent: framesSent, audioFramesDropped: framesDropped,
            audioReceived: analyzer.reception, replay: replay?.status,
            pinTriesLeft: sim.pinTriesLeft, pukTriesLeft: sim.pukTriesLeft, cpinAttempts: cpinAttempts,
            simFault: simFault, balance: USSDState.text(ussd.balanceCents))
    }
}

extension SIMCard.State {
    var name: String {
        switch self {
        case .absent: "absent"
        case .pinRequired: "pin"
        case .pukRequired: "puk"
        case .ready: "ready"
        }
    }
}

/// A snapshot of one simulated modem, as `status <name>` prints it.
public struct ModemStatus: Codable, Sendable, Equatable {
    public var name: String
    public var vendor: Vendor
    public var model: String
    public var atPath: String
    public var audioPath: String
    public var plugged: Bool
    public var hung: Bool
    public var booting: Bool
    public var echo: Bool
    public var imei: String
    public var imsi: String
    public var iccid: String
    /// ready, pin, puk, absent
    public var sim: String
    public var registration: RegistrationState
    public var configuredRegistration: RegistrationState
    public var operatorMCCMNC: String
    public var operatorName: String
    public var accessTechnology: AccessTechnology
    public var signal: Int
    public var call: CallStatus?
    public var dtmfSent: [String]
    public var audioFramesSent: Int
    public var audioFramesDropped: Int
    public var audioReceived: AudioReception
    /// Where the transcript is, for a modem in replay mode.
    public var replay: ReplayStatus?
    /// The card's retry counters and how many AT+CPIN=<code> it was given since the simulator started.
    public var pinTriesLeft: Int
    public var pukTriesLeft: Int
    public var cpinAttempts: Int
    public var simFault: SIMFault
    /// The SIM's account, "100.00" / "-12.50".
    public var balance: String
}

/// `sim <name> pin`: what a gateway did to the card's PIN.
public struct SIMPINStatus: Codable, Sendable, Equatable {
    /// ready, pin, puk, absent
    public var state: String
    public var pinTriesLeft: Int
    public var pukTriesLeft: Int
    public var cpinAttempts: Int
}

public struct CallStatus: Codable, Sendable, Equatable {
    /// outgoing, incoming
    public var direction: String
    /// dialing, alerting, incoming, active
    public var state: String
    public var number: String
    /// Whether the audio port is streaming frames for this call.
    public var audio: Bool
}

/// Moves bytes between a pty master and its modem.
final class PortHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    enum Port { case at, audio }

    let modem: NIOLoopBound<SimulatedModem>
    let port: Port
    let serial: Int

    init(modem: NIOLoopBound<SimulatedModem>, port: Port, serial: Int) {
        self.modem = modem; self.port = port; self.serial = serial
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        modem.value.received(unwrapInboundIn(data), port: port, serial: serial)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // EIO on a pty master means the slave side is gone; it cannot happen while we hold the
        // slave open, so any error here ends this port.
        modem.value.logger.debug("port error", metadata: ["port": "\(port)", "error": "\(error)"])
        context.close(promise: nil)
    }
}
