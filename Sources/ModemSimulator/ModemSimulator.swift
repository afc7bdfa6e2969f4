// ModemSimulator: simulated USB GSM modems (Huawei, Quectel, SIMCom, generic 27.007) on
// pseudo-terminals, for testing the gateway without hardware. See DESIGN.md ("Tests").
//
// Every modem runs on one private event-loop thread; this type is the thread-safe handle.
// Each method hops onto that loop, so the same operations are available in-process (tests)
// and over the control socket (`modemsim ctl`).
import Foundation
import Logging
import NIOCore
import NIOPosix

public final class ModemSimulator: Sendable {
    public let config: SimulatorConfig
    private let group: MultiThreadedEventLoopGroup
    private let loop: any EventLoop
    private let engine: NIOLoopBound<SimulatorEngine>

    private init(config: SimulatorConfig, group: MultiThreadedEventLoopGroup, loop: any EventLoop, engine: NIOLoopBound<SimulatorEngine>) {
        self.config = config; self.group = group; self.loop = loop; self.engine = engine
    }

    /// Validates the config, creates every modem's ptys and links, and opens the control socket.
    /// Without a logger only warnings are logged (in-process tests stay quiet).
    public static func start(_ config: SimulatorConfig, logger: Logger? = nil) async throws -> ModemSimulator {
        try config.validate()
        let logger = logger ?? {
            var l = Logger(label: "modemsim")
            l.logLevel = .warning
            return l
        }()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        do {
            let engine = try await loop.submit {
                NIOLoopBound(SimulatorEngine(config: config, loop: loop, logger: logger), eventLoop: loop)
            }.get()
            let sim = ModemSimulator(config: config, group: group, loop: loop, engine: engine)
            do {
                try await loop.flatSubmit { engine.value.start(bound: engine) }.get()
            } catch {
                await sim.stop()
                throw error
            }
            return sim
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Unplugs every modem, removes links and control socket, and ends the loop thread.
    public func stop() async {
        let engine = self.engine
        _ = try? await loop.flatSubmit { engine.value.stop() }.get()
        try? await group.shutdownGracefully()
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (SimulatorEngine) throws -> T) async throws -> T {
        let engine = self.engine
        return try await loop.submit { try body(engine.value) }.get()
    }

    private func runFuture(_ body: @escaping @Sendable (SimulatorEngine) -> EventLoopFuture<Void>) async throws {
        let engine = self.engine
        try await loop.flatSubmit { body(engine.value) }.get()
    }

    /// Executes one control-protocol line (`signal huawei1 5`) and returns its reply line.
    public func execute(_ controlLine: String) async -> String {
        let engine = self.engine
        return (try? await loop.flatSubmit { engine.value.execute(controlLine) }.get()) ?? "error simulator stopped"
    }

    public func modemNames() async throws -> [String] { try await run { $0.order } }

    public func status(_ name: String) async throws -> ModemStatus { try await run { try $0.modem(name).status() } }

    /// Paths the gateway opens: `<linkDirectory>/<link name>.at` and `.audio`.
    public func portPaths(_ name: String) async throws -> (at: String, audio: String) {
        let s = try await status(name)
        return (s.atPath, s.audioPath)
    }

    public func setSignal(_ name: String, rssi: Int) async throws {
        try await run { try $0.modem(name).setSignal(rssi) }
    }

    public func setRegistration(_ name: String, _ state: RegistrationState) async throws {
        try await run { try $0.modem(name).setRegistration(state) }
    }

    public func setOperator(_ name: String, mccmnc: String, longName: String, shortName: String? = nil) async throws {
        try await run { try $0.modem(name).setOperator(mccmnc: mccmnc, longName: longName, shortName: shortName) }
    }

    public func removeSIM(_ name: String) async throws { try await run { try $0.modem(name).removeSIM() } }
    public func insertSIM(_ name: String) async throws { try await run { try $0.modem(name).insertSIM() } }

    /// A hung modem reads and ignores everything written to its AT port.
    public func setHung(_ name: String, _ hung: Bool) async throws { try await run { try $0.modem(name).hung = hung } }

    /// Writes `count` random bytes to the AT port.
    public func emitGarbage(_ name: String, count: Int) async throws {
        try await run { e in
            let m = try e.modem(name)
            guard m.isPlugged else { throw SimulatorError.notPlugged(name) }
            try m.emitGarbage(count)
        }
    }

    /// Closes both ptys and removes their links: the gateway's reads end with EIO or EOF.
    public func unplug(_ name: String) async throws {
        try await runFuture { e in
            do { return try e.modem(name).unplug() } catch { return e.loop.makeFailedFuture(error) }
        }
    }

    /// New ptys, same identity; links under the same names unless new ones are given.
    public func replug(_ name: String, linkName: String? = nil, linkDirectory: String? = nil) async throws {
        try await runFuture { e in
            do { return e.replug(try e.modem(name), linkName: linkName, linkDirectory: linkDirectory) } catch {
                return e.loop.makeFailedFuture(error)
            }
        }
    }

    /// Like AT+CFUN=1,1: silent for `rebootSeconds`, then the boot URCs.
    public func reboot(_ name: String) async throws {
        try await run { e in
            let m = try e.modem(name)
            guard m.isPlugged else { throw SimulatorError.notPlugged(name) }
            m.reboot()
        }
    }

    /// An inbound call from `caller` (nil = withheld) that rings until answered or ended.
    public func ringIn(_ name: String, from caller: String?, abandonAfter: Double? = nil) async throws {
        try await run { try $0.modem(name).ringIn(from: caller, abandonAfter: abandonAfter) }
    }

    /// The far end presses `digits` during a connected call: in-band tones, or the vendor's URC.
    public func pressDigits(_ name: String, _ digits: String, reportByURC: Bool = false) async throws {
        try await run { try $0.modem(name).pressDigits(digits, reportByURC: reportByURC) }
    }

    /// The far end hangs up (or an inbound caller gives up).
    public func remoteHangup(_ name: String) async throws { try await run { try $0.modem(name).remoteHangup() } }

    /// How the far end behaves when `rule.pattern` is dialled; newest rule first.
    public func setCallee(_ name: String, _ rule: CalleeRule) async throws {
        try await run { try $0.modem(name).setCallee(rule) }
    }

    /// What the modem measured on the audio the gateway wrote to its audio port.
    public func receivedAudio(_ name: String) async throws -> AudioReception {
        try await run { try $0.modem(name).analyzer.reception }
    }

    /// The rate of the modem's audio stream: 8000, or 16000 (SIMCom after AT+CPCMFRM=1).
    public func audioSampleRate(_ name: String) async throws -> Int { try await run { try $0.modem(name).audioRate } }

    /// The last second of audio the gateway wrote to the modem's audio port, oldest first.
    public func receivedSamples(_ name: String) async throws -> [Int16] { try await run { try $0.modem(name).analyzer.samples } }

    /// DTMF digits the gateway sent in calls (AT+VTS / AT^DTMF), oldest first.
    /// The AT command lines modem `name` received, oldest first (the control verb `commands`).
    public func commandLog(_ name: String) async throws -> [ATCommandLogEntry] { try await run { try $0.modem(name).commandLog } }
    public func resetCommandLog(_ name: String) async throws { try await run { try $0.modem(name).commandLog.removeAll() } }

    public func dtmfSent(_ name: String) async throws -> [String] { try await run { try $0.modem(name).dtmfSent } }

    /// Everything the gateway wrote to the audio port from the moment the current (or last)
    /// call became active to its end, in the port's own rate and format (s16le samples).
    public func callAudio(_ name: String) async throws -> [Int16] { try await run { try $0.modem(name).callCapture.samples } }

    /// What the far end plays toward the gateway from now on (the next frame, this call too).
    public func setAudio(_ name: String, _ signal: AudioSignal) async throws {
        try await run { try $0.modem(name).setAudio(signal) }
    }

    /// Where a replaying modem's transcript is (throws for a modem not in replay mode).
    public func replayStatus(_ name: String) async throws -> ReplayStatus { try await run { try $0.modem(name).replayStatus() } }

    /// Resumes a replay stopped at a `!pause` step.
    public func continueReplay(_ name: String) async throws { try await run { try $0.modem(name).continueReplay() } }

    /// Polls until the replay has run every step (or `timeout` seconds pass) and returns its
    /// status either way, so a test can assert on what was played and asked.
    public func waitForReplay(_ name: String, timeout: Double) async throws -> ReplayStatus {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            let s = try await replayStatus(name)
            if s.finished || ContinuousClock.now >= deadline { return s }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Starts a simulator with one modem, `name`, that replays the transcript at `path`; its
    /// ports are `<linkDirectory>/<name>.at` and `.audio`.
    public static func replay(transcriptAt path: String, name: String = "replay", linkDirectory: String,
                              vendor: Vendor? = nil, logger: Logger? = nil) async throws -> ModemSimulator {
        let transcript = try ReplayTranscript.load(path: path)
        let modem = ModemConfig.replaying(transcript, name: name, vendor: vendor)
        return try await start(SimulatorConfig(linkDirectory: linkDirectory, modems: [modem]), logger: logger)
    }

    public func resetReceivedAudio(_ name: String) async throws { try await run { try $0.modem(name).analyzer.reset() } }

    // MARK: SMS (the same operations as the `sms…` control commands)

    /// The network delivers `text` from `from` (number or alphanumeric sender), split into
    /// parts as a real network would (GSM 7-bit or UCS2 by content), with optional part faults.
    @discardableResult
    public func deliverSMS(_ name: String, from: String, text: String, faults: SMSPartFaults = SMSPartFaults()) async throws -> SMSDeliveryReceipt {
        try await run { try $0.modem(name).deliverText(from: from, text: text, faults: faults) }
    }

    /// The network delivers a raw SMS-DELIVER or SMS-STATUS-REPORT (hex, SMSC field first).
    public func deliverSMSPDU(_ name: String, hex: String) async throws {
        try await run { try $0.modem(name).deliverPDU(hex: hex) }
    }

    /// Every PDU the modem received with AT+CMGS, decoded, oldest first.
    public func sentSMS(_ name: String) async throws -> [SentSMS] { try await run { try $0.modem(name).smsSent } }

    /// Polls until at least `count` PDUs were sent (or `timeout` seconds pass); returns them either way.
    public func waitForSentSMS(_ name: String, count: Int, timeout: Double) async throws -> [SentSMS] {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            let sent = try await sentSMS(name)
            if sent.count >= count || ContinuousClock.now >= deadline { return sent }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The next `count` AT+CMGS sends answer `+CMS ERROR: <cmsError>` (0 clears).
    public func failSMS(_ name: String, cmsError: Int, count: Int = 1) async throws {
        try await run { try $0.modem(name).failNextSends(code: cmsError, count: count) }
    }

    // MARK: USSD, account and SIM faults (the same operations as the `ussd` and `sim` commands)

    /// Every AT+CUSD request the modem received, oldest first, with the reply it got.
    public func ussdRequests(_ name: String) async throws -> [USSDRequest] { try await run { try $0.modem(name).ussd.log } }

    /// The SIM's balance and price per started minute, as "100.00".
    public func account(_ name: String) async throws -> USSDAccount { try await run { try $0.modem(name).ussdAccount } }

    /// Sets the SIM's balance (rounded to the hundredth).
    public func setBalance(_ name: String, _ amount: Decimal) async throws {
        try await run { try $0.modem(name).ussd.balanceCents = USSDState.cents(amount) }
    }

    /// The network stops (true) or resumes answering USSD requests.
    public func setUSSDSilent(_ name: String, _ silent: Bool) async throws { try await run { try $0.modem(name).ussd.silent = silent } }

    /// How the network treats the SIM's calls from now on.
    public func setSIMFault(_ name: String, _ fault: SIMFault) async throws { try await run { try $0.modem(name).simFault = fault } }

    /// The PIN state, retry counters and the AT+CPIN=<code> count (kept across replugs).
    public func pinStatus(_ name: String) async throws -> SIMPINStatus { try await run { try $0.modem(name).pinStatus } }

    /// What the modem's memories hold, and what the network still holds for it.
    public func smsStorage(_ name: String) async throws -> SMSStorageStatus { try await run { try $0.modem(name).smsStorageStatus() } }
}
