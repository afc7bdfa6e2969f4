// One modem, live: owns its AT port channel and timers, feeds bytes and timer firings to
// the sans-IO `ModemStateMachine`, and carries out the actions it returns.
//
// Concurrency: every mutable property is read and written only on `eventLoop`. NIO calls the
// channel handler and scheduled tasks there, and every public entry point hops there first
// (`eventLoop.execute` / `submit`). That confinement is what makes `@unchecked Sendable`
// sound; `assertOnLoop()` checks it in debug builds.
import ControlModel
import Crypto
import Foundation
import Logging
import ModemCore
import NIOCore
import Storage

final class ModemController: @unchecked Sendable {
    /// How long to wait before opening a port again after it closed or could not be opened.
    /// A replugged USB modem needs about a second to re-enumerate; polling every 2 s finds
    /// it quickly without spinning on a port that is gone for good.
    static let reopenDelay: TimeAmount = .seconds(2)
    /// Recent events kept in memory for `simgate modem show` (older ones are in SQLite).
    static let recentEventLimit = 50

    let eventLoop: EventLoop
    let configured: Bool
    private(set) var id: String
    private(set) var atPort: String
    let audioPort: String?
    private var machine: ModemStateMachine
    private var channel: Channel?
    private var opening = false
    private var stopped = false
    private var openError: String?
    private var timers: [ModemTimer: Scheduled<Void>] = [:]
    private var rawRequests: [Int: (promise: EventLoopPromise<RawATResponse>, command: String, started: UInt64)] = [:]
    private var nextRequestID = 1
    private var events: [ModemEventRecord] = []
    private var signalHistory = SignalHistory()
    /// The call layer's listener for the current call (set by `dial`/`answer`, cleared when
    /// the call ends); inbound rings with no listener go to `onIncomingCall`.
    private var callListener: ((CallEvent) -> Void)?
    /// The caller of a ringing call nobody has claimed yet (+CLIP after the first RING).
    private var unclaimedCaller: CallerID?
    private var nextCallRef: UInt64 = 1
    private var lastIdentity = ModemIdentity()
    /// The SIM's own number when AT+CNUM gives none: remembered per ICCID in the sim table
    /// (an earlier run, another modem) or learned by USSD ([[sim]] number_ussd). Only used
    /// while that ICCID is in the modem.
    private var knownNumber: (iccid: String, number: String)?
    private var msisdn: String? {
        let s = machine.status
        if let n = s.identity.msisdn { return n }
        guard let known = knownNumber, known.iccid == s.iccid else { return nil }
        return known.number
    }

    /// A number the operator told for the SIM `iccid` (kept only while that SIM is here).
    func learnNumber(_ number: String, iccid: String) {
        eventLoop.execute { self.knownNumber = (iccid, number) }
    }
    /// False while a discovered modem still has its provisional `new-N` name.
    private var named: Bool

    private let clock: GatewayClock
    private let storage: Storage
    private var logger: Logger
    /// Called (on `eventLoop`) when the modem's identity becomes known or changes.
    var onIdentified: (@Sendable (ModemController, ModemIdentity) -> Void)?
    /// Called (on `eventLoop`) when an inbound call rings and no call owns the modem (given
    /// at init: the pool forwards every modem's rings to the call layer).
    private let onIncomingCall: (@Sendable (ModemController, CallerID) -> Void)?
    /// Passive listeners that see every event of every inbound call, whoever handles it (the
    /// missed-call recorder): unlike the call layer's listener they can never take a call away.
    private var inboundObservers: [@Sendable (ModemController, CallEvent) -> Void] = []
    /// True from an inbound call's first RING until it ends.
    private var inboundCallInProgress = false
    /// Receives every `IncomingSMS` (on `eventLoop`); stored messages stay on the modem until
    /// it calls `smsPersisted`. Given at init, so it is in place before the first scan.
    private let smsHandler: (@Sendable (ModemController, IncomingSMS) -> Void)?
    /// `sendSMS` calls waiting for their `AT+CMGS` to end, by request id.
    private var smsRequests: [Int: EventLoopPromise<SMSSubmitResult>] = [:]
    /// Fingerprint of the configured PIN (`pinFingerprint(modem:pin:)`); set before `start`.
    var pinFingerprint: String?
    /// `ussd`/`cancelUSSD` calls waiting for their answer, by request id.
    private var ussdRequests: [Int: EventLoopPromise<USSDOutcome>] = [:]

    init(id: String, atPort: String, audioPort: String?, configured: Bool, configuration: ModemConfiguration,
         eventLoop: EventLoop, clock: GatewayClock, storage: Storage, logger: Logger,
         onIncomingCall: (@Sendable (ModemController, CallerID) -> Void)? = nil,
         onSMS: (@Sendable (ModemController, IncomingSMS) -> Void)? = nil) {
        self.id = id
        self.onIncomingCall = onIncomingCall
        self.smsHandler = onSMS
        self.atPort = atPort
        self.audioPort = audioPort
        self.configured = configured
        self.named = configured
        self.eventLoop = eventLoop
        self.clock = clock
        self.storage = storage
        var configuration = configuration
        // `audio_port = "alsa:..."`: the dialect switches voice to the USB sound card.
        configuration.audioTransport = ModemAudioPorts.transport(of: audioPort) ?? configuration.audioTransport
        self.machine = ModemStateMachine(configuration: configuration, now: ModemInstant(nanoseconds: clock.nowNanoseconds()))
        var logger = logger
        logger[metadataKey: "modem"] = "\(id)"
        self.logger = logger
    }

    // MARK: Entry points (any thread)

    func start() {
        eventLoop.execute { self.openPort() }
    }

    func stop() -> EventLoopFuture<Void> {
        eventLoop.submit {
            self.stopped = true
            self.cancelAllTimers()
            self.failRawRequests("daemon stopping")
            self.failSMSRequests("daemon stopping")
            self.failUSSDRequests("daemon stopping")
            return self.channel
        }.flatMap { channel in
            channel?.close() ?? self.eventLoop.makeSucceededVoidFuture()
        }.recover { _ in }
    }

    /// Gives a discovered modem its stable name (the pool decides it from the IMEI), and
    /// only then writes its identity to the database, so a provisional name never lands there.
    func name(_ newID: String) {
        eventLoop.execute {
            if newID != self.id {
                self.record(kind: "identity", detail: "named \(newID) (was \(self.id))")
                self.id = newID
                self.logger[metadataKey: "modem"] = "\(newID)"
            }
            self.named = true
            self.persist(self.lastIdentity)
        }
    }

    func snapshot() -> EventLoopFuture<ModemSnapshot> {
        eventLoop.submit { self.makeSnapshot() }
    }

    var isConnected: EventLoopFuture<Bool> { eventLoop.submit { self.channel != nil } }

    func reset(reason: String) -> EventLoopFuture<ActionResult> {
        eventLoop.submit {
            guard self.channel != nil else {
                return ActionResult(ok: false, message: "\(self.id) is not connected (\(self.openError ?? "port closed"))")
            }
            self.record(kind: "recovery", detail: "reset requested: \(reason)")
            self.perform(self.machine.resetRequested(reason: reason, now: self.now()))
            return ActionResult(ok: true, message: "\(self.id): reset started (\(reason))")
        }
    }

    func rawAT(command: String, timeoutSeconds: Double) -> EventLoopFuture<RawATResponse> {
        eventLoop.flatSubmit {
            guard self.channel != nil else {
                return self.eventLoop.makeFailedFuture(ModemCommandError(message: "\(self.id) is not connected"))
            }
            let requestID = self.nextRequestID
            self.nextRequestID += 1
            let promise = self.eventLoop.makePromise(of: RawATResponse.self)
            self.rawRequests[requestID] = (promise, command, self.clock.nowNanoseconds())
            // The machine has its own (longer) raw-command timeout; the admin's is enforced here.
            let deadline = self.eventLoop.scheduleTask(in: .milliseconds(Int64(timeoutSeconds * 1000))) {
                self.finishRaw(requestID: requestID, lines: [], final: "TIMEOUT")
            }
            promise.futureResult.whenComplete { _ in deadline.cancel() }
            self.perform(self.machine.submitRawCommand(command, requestID: requestID, now: self.now()))
            return promise.futureResult
        }
    }

    // MARK: SMS (the SMS layer's entry points; PDUs are SMSCore's octets, SMSC field first)

    // Who receives this modem's messages is given at init (`onSMS`): each `.stored` one (read
    // after `+CMTI` or by a scan) must be answered with `smsPersisted(slot)` once it is durably
    // saved, or it stays on the modem and is reported again by the next scan.

    /// Sends one SMS-SUBMIT (`pdu` = SMSC field + TPDU, `tpduLength` = TPDU octets). Never
    /// fails the future: every outcome, "modem not ready" and "port closed: …" included, is
    /// an `SMSSubmitResult`.
    func sendSMS(pdu: [UInt8], tpduLength: Int) -> EventLoopFuture<SMSSubmitResult> {
        eventLoop.flatSubmit {
            let requestID = self.nextRequestID
            self.nextRequestID += 1
            let promise = self.eventLoop.makePromise(of: SMSSubmitResult.self)
            self.smsRequests[requestID] = promise
            self.perform(self.machine.submitSMS(pdu: pdu, tpduLength: tpduLength, requestID: requestID, now: self.now()))
            return promise.futureResult
        }
    }

    /// Sends a USSD code, or with `continuing` the answer to the open menu. Never fails the
    /// future: every outcome is a `USSDOutcome` (USSDSession.swift has the rules: one session
    /// per modem, never during a call, 30 s for the network's answer).
    func ussd(_ text: String, continuing: Bool) -> EventLoopFuture<USSDOutcome> {
        eventLoop.flatSubmit {
            let requestID = self.nextRequestID
            self.nextRequestID += 1
            let promise = self.eventLoop.makePromise(of: USSDOutcome.self)
            self.ussdRequests[requestID] = promise
            self.perform(self.machine.requestUSSD(text, continuing: continuing, requestID: requestID, now: self.now()))
            return promise.futureResult
        }
    }

    /// Ends the open USSD session (`AT+CUSD=2`).
    func cancelUSSD() -> EventLoopFuture<USSDOutcome> {
        eventLoop.flatSubmit {
            let requestID = self.nextRequestID
            self.nextRequestID += 1
            let promise = self.eventLoop.makePromise(of: USSDOutcome.self)
            self.ussdRequests[requestID] = promise
            self.perform(self.machine.cancelUSSD(requestID: requestID, now: self.now()))
            return promise.futureResult
        }
    }

    /// The message from `slot` is durably saved: delete it from the modem.
    func smsPersisted(_ slot: SMSStorageSlot) {
        eventLoop.execute { self.perform(self.machine.smsPersisted(slot, now: self.now())) }
    }

    /// Lists the modem's storage again and reports every message in it.
    func scanSMSStorage() {
        eventLoop.execute { self.perform(self.machine.scanSMSStorage(now: self.now())) }
    }

    // MARK: Calls (the call layer's entry points; `listener` runs on `eventLoop`)

    /// What the call layer needs to know about this modem before using it.
    struct CallFacts: Sendable {
        var id: String
        var state: ModemState
        var voiceCapable: Bool
        var audioPort: String?
        var audioSampleRate: Int
        var iccid: String?
        var operatorMCCMNC: String?
        var operatorName: String?
        var msisdn: String?
        var imsi: String?

        /// The names an [[inbound]] rule may use for this SIM: modem id, ICCID, MSISDN, IMSI.
        var simIdentifiers: [String] { [id, iccid, msisdn, imsi].compactMap { $0 } }
    }

    func callFacts() -> EventLoopFuture<CallFacts> {
        eventLoop.submit {
            let s = self.machine.status
            return CallFacts(id: self.id, state: s.state, voiceCapable: s.voice?.capable ?? false, audioPort: self.audioPort,
                             audioSampleRate: self.machine.dialect.calls.audioSampleRate, iccid: s.iccid,
                             operatorMCCMNC: s.networkOperatorMCCMNC,
                             operatorName: s.networkOperatorName ?? OperatorNames.name(mccmnc: s.networkOperatorMCCMNC),
                             msisdn: self.msisdn, imsi: s.identity.imsi)
        }
    }

    func dial(number: String, listener: @escaping @Sendable (CallEvent) -> Void) -> EventLoopFuture<Result<Void, CallRequestError>> {
        eventLoop.submit {
            let ref = self.nextCallRef
            self.nextCallRef += 1
            switch self.machine.dial(number: number, callRef: ref, now: self.now()) {
            case .success(let actions):
                self.callListener = listener
                self.record(kind: "call", detail: "dialing \(CallCommands.sanitizedDialString(number))")
                self.perform(actions)
                return .success(())
            case .failure(let e):
                return .failure(e)
            }
        }
    }

    func answer(listener: @escaping @Sendable (CallEvent) -> Void) -> EventLoopFuture<Result<Void, CallRequestError>> {
        eventLoop.submit {
            let ref = self.nextCallRef
            self.nextCallRef += 1
            switch self.machine.answer(callRef: ref, now: self.now()) {
            case .success(let actions):
                self.callListener = listener
                self.record(kind: "call", detail: "answering")
                self.perform(actions)
                return .success(())
            case .failure(let e):
                return .failure(e)
            }
        }
    }

    func addInboundObserver(_ observer: @escaping @Sendable (ModemController, CallEvent) -> Void) {
        eventLoop.execute { self.inboundObservers.append(observer) }
    }

    /// Takes the events of a ringing inbound call without answering it yet. Called from
    /// `onIncomingCall` (on the loop), the listener is set at once, so a +CLIP parsed from
    /// the same read as the RING is not lost.
    func claimIncoming(listener: @escaping @Sendable (CallEvent) -> Void) {
        // On the loop (called from a call listener) it must take effect before the next
        // event of the same read, or a +CLIP right after the RING is lost.
        if eventLoop.inEventLoop { install(listener) } else { eventLoop.execute { self.install(listener) } }
    }

    private func install(_ listener: @escaping @Sendable (CallEvent) -> Void) {
        callListener = listener
        // +CLIP that came after the first RING but before the claim.
        if let caller = unclaimedCaller { listener(.callerIdentified(caller)) }
    }

    func hangUp() {
        eventLoop.execute {
            if case .success(let actions) = self.machine.hangUp(now: self.now()) { self.perform(actions) }
        }
    }

    func sendDTMF(_ digit: Character) -> EventLoopFuture<Result<Void, CallRequestError>> {
        eventLoop.submit {
            switch self.machine.sendDTMF(digit, now: self.now()) {
            case .success(let actions): self.perform(actions); return .success(())
            case .failure(let e): return .failure(e)
            }
        }
    }

    // MARK: Port

    private func openPort() {
        assertOnLoop()
        guard !stopped, channel == nil, !opening else { return }
        let fd: Int32
        do {
            fd = try SerialPort.open(path: atPort)
        } catch {
            let text = "\(error)"
            if openError != text {
                logger.info("AT port unavailable", metadata: ["port": "\(atPort)", "error": "\(text)"])
                openError = text
            }
            scheduleReopen()
            return
        }
        opening = true
        let handler: @Sendable () -> ChannelHandler = {
            SerialBytesHandler(
                onBytes: { buffer in self.received(buffer) },
                onClose: { reason in self.portClosed(reason: reason) })
        }
        SerialPort.channel(fd: fd, on: eventLoop, handler: handler).whenComplete { result in
            self.opening = false
            switch result {
            case .success(let channel):
                if self.stopped { channel.close(promise: nil); return }
                self.channel = channel
                self.openError = nil
                self.logger.info("AT port open", metadata: ["port": "\(self.atPort)"])
                self.record(kind: "port", detail: "opened \(self.atPort)")
                self.perform(self.machine.portOpened(now: self.now()))
            case .failure(let error):
                self.openError = "\(error)"
                self.scheduleReopen()
            }
        }
    }

    private func scheduleReopen() {
        guard !stopped else { return }
        eventLoop.scheduleTask(in: Self.reopenDelay) { self.openPort() }
    }

    private func received(_ buffer: ByteBuffer) {
        assertOnLoop()
        perform(machine.received(buffer.readableBytesView, now: now()))
    }

    private func portClosed(reason: String) {
        assertOnLoop()
        channel = nil
        cancelAllTimers()
        failRawRequests("port closed: \(reason)")
        logger.notice("AT port closed", metadata: ["port": "\(atPort)", "reason": "\(reason)"])
        record(kind: "port", detail: "closed: \(reason)")
        perform(machine.portClosed(reason: reason, now: now()))
        // The machine failed every queued submit; anything it did not know of fails here.
        failSMSRequests("port closed: \(reason)")
        failUSSDRequests("port closed: \(reason)")
        scheduleReopen()
    }

    // MARK: Actions

    private func perform(_ actions: [ModemAction]) {
        defer { signalHistory.observe(machine.status.signal?.dBm, at: clock.date(atNanoseconds: clock.nowNanoseconds())) }
        for action in actions {
            switch action {
            case .write(let bytes):
                if logger.logLevel <= .trace {
                    logger.trace("AT >", metadata: ["bytes": "\(ModemStateMachine.loggable(bytes))"])
                }
                guard let channel else { continue }
                var buffer = channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                channel.writeAndFlush(buffer, promise: nil)
            case .armTimer(let timer, let after):
                timers[timer]?.cancel()
                let (seconds, attoseconds) = after.components
                let nanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
                timers[timer] = eventLoop.scheduleTask(in: .nanoseconds(max(0, nanos))) {
                    self.timers[timer] = nil
                    guard !self.stopped else { return }
                    self.perform(self.machine.timerFired(timer, now: self.now()))
                }
            case .cancelTimer(let timer):
                timers.removeValue(forKey: timer)?.cancel()
            case .reopenPort(let reason):
                logger.warning("reopening AT port", metadata: ["reason": "\(reason)"])
                record(kind: "recovery", detail: "reopen port: \(reason)")
                channel?.close(promise: nil)   // channelInactive → portClosed → reopen
            case .stateChanged(let from, let to, let reason):
                let level: Logger.Level = [.failed, .noSIM, .simLocked].contains(to) ? .warning : .info
                logger.log(level: level, "state \(from.rawValue) → \(to.rawValue)", metadata: ["reason": "\(reason)"])
                record(kind: "state", detail: "\(from.rawValue) → \(to.rawValue): \(reason)")
            case .identified(let identity):
                identified(identity)
            case .callEvent(let event):
                callEvent(event)
            case .rawCommandFinished(let requestID, let lines, let final):
                finishRaw(requestID: requestID, lines: lines, final: final)
            case .unknownLine(let line):
                logger.debug("unknown line from modem", metadata: ["line": "\(line.prefix(120))"])
            case .incomingSMS(let message):
                incomingSMS(message)
            case .smsSubmitFinished(let requestID, let result):
                finishSMS(requestID: requestID, result)
            case .ussd(let requestID, let outcome):
                finishUSSD(requestID: requestID, outcome)
            case .simPINRejected(let reason):
                pinRejected(reason: reason)
            case .strayCallsReleased(let calls):
                let list = calls.map { "\($0.id) \($0.incoming ? "in" : "out") \($0.status.rawValue)" }.joined(separator: ", ")
                logger.notice("hung up calls left up by a previous run", metadata: ["calls": "\(list)"])
                record(kind: "call", detail: "hung up \(calls.count) call(s) nobody owns (left up by a previous run): \(list)")
            }
        }
    }

    private func identified(_ identity: ModemIdentity) {
        if named { persist(identity) }
        if identity.iccid != lastIdentity.iccid {
            if let old = lastIdentity.iccid, let new = identity.iccid {
                record(kind: "sim", detail: "SIM changed: \(old) → \(new)")
            } else if let new = identity.iccid {
                record(kind: "sim", detail: "SIM \(new)")
            }
        }
        lastIdentity = identity
        onIdentified?(self, identity)
    }

    private func persist(_ identity: ModemIdentity) {
        let status = machine.status
        if let imei = identity.imei {
            let id = self.id, port = atPort, now = Date()
            let vendor = status.vendor?.rawValue, model = status.model, firmware = status.firmware
            let mccmnc = status.simOperatorMCCMNC
            // One task, modem first: the SIM row refers to the modem row.
            Task { [storage, logger] in
                do {
                    _ = try await storage.recordModemIdentified(imei: imei, id: id, vendor: vendor, model: model,
                                                                firmware: firmware, atPort: port, at: now)
                    if let iccid = identity.iccid {
                        let stored = try await storage.recordSIM(iccid: iccid, imsi: identity.imsi, mccmnc: mccmnc,
                                                                 msisdn: identity.msisdn, modemIMEI: imei, at: now)
                        if identity.msisdn == nil, let number = stored.msisdn { self.learnNumber(number, iccid: iccid) }
                    }
                } catch {
                    logger.error("cannot record modem identity", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Call counters live in the call records (Storage), not here: they survive restarts.
    private func callEvent(_ event: CallEvent) {
        switch event {
        case .incoming(let caller):
            record(kind: "call", detail: "incoming from \(caller.display)")
        case .connected:
            record(kind: "call", detail: "connected")
        case .ended(_, let cause, _):
            record(kind: "call", detail: "ended: \(cause.kind.rawValue) (\(cause.text))")
        case .missed(let caller, _):
            record(kind: "call", detail: "missed call from \(caller.display)")
        case .callerIdentified, .alerting, .listed, .dtmfReceived, .dialing, .audioEnabled, .dtmfSent:
            break
        }
        if case .incoming = event { inboundCallInProgress = true }
        if inboundCallInProgress {
            for observer in inboundObservers { observer(self, event) }
            if case .ended = event { inboundCallInProgress = false }
        }
        if let listener = callListener {
            listener(event)
        } else if case .incoming(let caller) = event {
            unclaimedCaller = nil
            onIncomingCall?(self, caller)
        } else if case .callerIdentified(let caller) = event {
            unclaimedCaller = caller
        }
        if case .ended = event { callListener = nil; unclaimedCaller = nil }
    }

    private func incomingSMS(_ message: IncomingSMS) {
        switch message {
        case .stored(let pdu):
            logger.debug("SMS stored on modem", metadata: ["slot": "\(pdu.slot.map(\.description) ?? "-")",
                                                           "report": "\(pdu.isStatusReport)"])
        case .delivered(let pdu):
            logger.debug("SMS routed to us", metadata: ["report": "\(pdu.isStatusReport)", "octets": "\(pdu.pdu.count)"])
        case .storageFull(let storage):
            logger.notice("SMS storage full; reading it out", metadata: ["storage": "\(storage)"])
            record(kind: "sms", detail: "storage \(storage) full; scanning it")
        }
        if let smsHandler {
            smsHandler(self, message)
        } else if case .delivered = message {
            // Routed messages exist nowhere else: without a handler this one is gone.
            logger.warning("SMS delivered but no SMS handler is set; it is lost")
        }
    }

    private func finishSMS(requestID: Int, _ result: SMSSubmitResult) {
        switch result {
        case .sent(let mr):
            logger.debug("SMS sent", metadata: ["mr": "\(mr)"])
        case .rejected(let code, let text):
            logger.info("SMS refused by the modem or network", metadata: ["cms": "\(code)", "text": "\(text)"])
        case .failed(let why):
            logger.info("SMS send failed", metadata: ["reason": "\(why)"])
        }
        smsRequests.removeValue(forKey: requestID)?.succeed(result)
    }

    private func finishUSSD(requestID: Int?, _ outcome: USSDOutcome) {
        guard let requestID else {
            // The network's own: a USSD notify, or a menu that ended with nobody waiting.
            logger.info("USSD from the network", metadata: ["outcome": "\(outcome)"])
            record(kind: "ussd", detail: "from the network: \(outcome)")
            return
        }
        if case .failed(let why) = outcome { logger.info("USSD failed", metadata: ["reason": "\(why)"]) }
        ussdRequests.removeValue(forKey: requestID)?.succeed(outcome)
    }

    /// A fingerprint that tells one configured PIN from another without storing it: SHA-256 of
    /// modem id and PIN. (Four digits are easy to brute-force from it; the database holds
    /// nothing that would not already be in simgate.toml, which holds the PIN itself.)
    static func pinFingerprint(modem: String, pin: String) -> String {
        SHA256.hash(data: Array("simgate-pin:\(modem):\(pin)".utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    private func pinRejected(reason: String) {
        logger.error("SIM refused the configured PIN: it will not be entered again, also after a restart",
                     metadata: ["modem": "\(id)", "reason": "\(reason)"])
        record(kind: "sim", detail: "PIN refused (\(reason)); not retried")
        guard let fingerprint = pinFingerprint else { return }
        let rejection = SIMPINRejection(modem: id, pinFingerprint: fingerprint, rejectedAt: Date(), reason: reason)
        let storage = self.storage, logger = self.logger
        Task {
            do { try await storage.transaction { try $0.recordPINRejection(rejection) } } catch {
                logger.error("cannot record the PIN rejection", metadata: ["error": "\(error)"])
            }
        }
    }

    private func failUSSDRequests(_ why: String) {
        let pending = ussdRequests
        ussdRequests.removeAll()
        for (_, promise) in pending { promise.succeed(.failed(why)) }
    }

    private func failSMSRequests(_ why: String) {
        let pending = smsRequests
        smsRequests.removeAll()
        for (_, promise) in pending { promise.succeed(.failed(why)) }
    }

    private func finishRaw(requestID: Int, lines: [String], final: String) {
        guard let request = rawRequests.removeValue(forKey: requestID) else { return }
        let elapsed = Double(clock.nowNanoseconds() - request.started) / 1e6
        request.promise.succeed(RawATResponse(command: request.command, lines: lines, final: final, elapsedMilliseconds: elapsed))
    }

    private func failRawRequests(_ why: String) {
        let pending = rawRequests
        rawRequests.removeAll()
        for (_, request) in pending { request.promise.fail(ModemCommandError(message: why)) }
    }

    private func cancelAllTimers() {
        for (_, timer) in timers { timer.cancel() }
        timers.removeAll()
    }

    // MARK: Helpers

    private func now() -> ModemInstant { ModemInstant(nanoseconds: clock.nowNanoseconds()) }

    private func record(kind: String, detail: String) {
        let event = ModemEventRecord(at: Date(), modemID: id, kind: kind, detail: detail)
        events.append(event)
        if events.count > Self.recentEventLimit { events.removeFirst(events.count - Self.recentEventLimit) }
        let imei = machine.status.imei
        Task { [storage] in _ = try? await storage.recordEvent(event, imei: imei) }
    }

    private func assertOnLoop() {
        eventLoop.assertInEventLoop()
    }

    private func date(_ instant: ModemInstant) -> Date { clock.date(atNanoseconds: instant.nanoseconds) }

    private func makeSnapshot() -> ModemSnapshot {
        let status = machine.status
        var s = ModemSnapshot(
            id: id,
            state: ModemStateName(rawValue: status.state.rawValue) ?? .failed,
            stateSince: clock.date(atNanoseconds: status.since.nanoseconds))
        s.stateReason = (status.state == .notConnected ? openError : nil) ?? status.reason
        s.vendor = status.vendor?.rawValue
        s.model = status.model
        s.firmware = status.firmware
        s.atPort = atPort
        s.audioPort = audioPort
        s.imei = status.imei
        s.imsi = status.imsi
        s.iccid = status.iccid
        s.msisdn = msisdn
        s.simState = status.sim.rawValue
        if let signal = status.signal {
            s.signal = SignalInfo(rssi: signal.rssi, dBm: signal.dBm, bars: signal.bars, detail: signal.detail)
        }
        s.signalHistory = signalHistory.samples.map { SignalSample(at: $0.at, dBm: $0.dBm) }
        s.registration = status.registration.rawValue
        s.accessTechnology = status.accessTechnology
        s.networkOperator = OperatorInfo(mccmnc: status.networkOperatorMCCMNC, name: status.networkOperatorName)
        s.simOperator = OperatorInfo(mccmnc: status.simOperatorMCCMNC, name: OperatorNames.name(mccmnc: status.simOperatorMCCMNC))
        if s.networkOperator.name == nil { s.networkOperator.name = OperatorNames.name(mccmnc: status.networkOperatorMCCMNC) }
        s.voiceCapable = status.voice?.capable
        s.voiceReason = status.voice?.reason
        var at = ATStats()
        at.queueDepth = status.at.queueDepth
        at.commandsSent = status.at.commandsSent
        at.timeouts = status.at.timeouts
        at.errors = status.at.errors
        at.unknownLines = status.at.unknownLines
        at.resets = status.at.resets
        at.lastOKAt = status.at.lastOKAt.map(date)
        at.recentUnknownLines = status.at.recentUnknownLines.map {
            UnknownLineInfo(line: $0.line, count: $0.count, firstAt: date($0.firstAt), lastAt: date($0.lastAt))
        }
        s.at = at
        s.signalReadings = status.signalReadings.map { r in
            var i = SignalReadingInfo(rat: r.rat, source: r.source, at: date(r.at))
            i.rssi = r.rssi; i.ber = r.ber; i.rssiDBm = r.rssiDBm; i.rscpDBm = r.rscpDBm; i.ecioDB = r.ecioDB
            i.rsrpDBm = r.rsrpDBm; i.rsrqDB = r.rsrqDB; i.sinrDB = r.sinrDB
            return i
        }
        s.registrations = status.registrations.map { r in
            var i = RegistrationInfo(domain: r.domain, source: r.source, stat: r.stat, statMeaning: r.statMeaning, at: date(r.at))
            i.lac = r.lac; i.lacValue = r.lacValue; i.ci = r.ci; i.ciValue = r.ciValue; i.act = r.act; i.actName = r.actName
            return i
        }
        var sim = SIMInfo(state: status.sim.rawValue)
        if let r = status.simReport {
            sim.code = r.code; sim.meaning = r.meaning; sim.source = r.source
            sim.pinRetries = r.pinRetries; sim.pukRetries = r.pukRetries; sim.pin2Retries = r.pin2Retries; sim.puk2Retries = r.puk2Retries
            sim.reportedAt = status.simReportAt.map(date)
        }
        s.sim = sim
        if let t = status.networkTime {
            var i = NetworkTimeInfo(source: t.source, receivedAt: date(t.receivedAt))
            if let full = t.time {
                i.time = full.isoText
                i.year = full.year; i.month = full.month; i.day = full.day
                i.hour = full.hour; i.minute = full.minute; i.second = full.second
            }
            i.zoneQuarterHours = t.zoneQuarterHours
            var zoneOnly = NetworkTimeReport(source: t.source)
            zoneOnly.zoneQuarterHours = t.zoneQuarterHours
            i.zone = zoneOnly.zoneText
            i.dst = t.dst
            i.timeReceivedAt = t.timeReceivedAt.map(date)
            s.networkTime = i
        }
        s.currentCalls = status.calls.map { c in
            var i = ModemCallInfo(id: c.id, direction: c.incoming ? "incoming" : "outgoing", state: c.status.rawValue,
                                  source: c.source, since: date(c.since))
            i.number = c.number; i.numberType = c.numberType; i.mode = c.mode; i.multiparty = c.multiparty
            return i
        }
        if let e = status.lastCallEnd {
            var i = CallEndInfo(callID: e.callID, cause: e.cause.kind.rawValue, text: e.cause.text, at: date(e.at))
            i.ccCause = e.cause.ccCause; i.vendorStatus = e.cause.vendorStatus; i.durationSeconds = e.durationSeconds
            s.lastCallEnd = i
        }
        s.lastRecovery = status.lastRecovery
        let sms = status.sms
        var info = SMSInfo(received: sms.received, sent: sms.sent, failed: sms.failed, deleted: sms.deleted,
                           awaitingPersistence: sms.awaitingPersistence, unreadable: sms.unreadable,
                           storageFullEvents: sms.storageFullEvents, acknowledgesDelivery: sms.acknowledgesDelivery)
        info.storage = sms.storage
        info.storageUsed = sms.storageUsed
        info.storageTotal = sms.storageTotal
        info.lastError = sms.lastError
        info.lastErrorAt = sms.lastErrorAt.map(date)
        s.sms = info
        s.recentEvents = events
        return s
    }
}
