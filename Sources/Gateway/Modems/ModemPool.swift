// Every modem the daemon drives: those named in the config and those it finds (glob scans
// of port paths, and USB devices through udev). It owns the `ModemController`s, names
// discovered modems by identity, and answers the control API.
//
// Identity is the IMEI, not the tty: a modem that comes back on another port (replugged
// into another USB socket, or renumbered after a reset) gets its old name back, and its
// history continues under the same row in the database.
import ControlModel
import Foundation
import Logging
import ModemCore
import NIOCore
import SimgateConfig
import Storage

actor ModemPool {
    /// A ring on a modem that no call owns, for the call layer (`CallManager.incoming`).
    typealias Ring = (modem: ModemController, caller: CallerID)
    /// A message a modem read or was routed, for the SMS layer (`Daemon.startSMS`).
    typealias SMSEvent = (modem: ModemController, event: IncomingSMS)

    /// How often configured scan globs (and udev, when no monitor events arrive) are re-read.
    static let scanInterval: Duration = .seconds(2)

    private let config: GatewayConfig
    private let storage: Storage
    private let group: EventLoopGroup
    private let logger: Logger
    private let clock = GatewayClock()
    private var controllers: [ModemController] = []
    private var scanTask: Task<Void, Never>?
    private var discoveredSerial = 0
    /// Every modem's unclaimed rings and incoming SMS, present and future modems alike. The
    /// assembler (`Daemon.start`) makes both channels before the pool and hands their streams
    /// to the call and SMS layers, which are built later and call into the pool (a cycle
    /// without them); unbounded, so nothing a modem reports before its consumer drains is
    /// lost. `stop` finishes them once every modem is closed. nil: nobody listens.
    private let rings: AsyncStream<Ring>.Continuation?
    private let messages: AsyncStream<SMSEvent>.Continuation?

    init(config: GatewayConfig, storage: Storage, group: EventLoopGroup, logger: Logger,
         rings: AsyncStream<Ring>.Continuation? = nil, messages: AsyncStream<SMSEvent>.Continuation? = nil) {
        self.config = config
        self.storage = storage
        self.group = group
        self.logger = logger
        self.rings = rings
        self.messages = messages
        if let rings { onRing = { modem, caller in rings.yield((modem, caller)) } } else { onRing = nil }
        if let messages { onSMS = { modem, event in messages.yield((modem, event)) } } else { onSMS = nil }
    }

    /// What each controller is given at init: yields into `rings` and `messages`.
    private let onRing: (@Sendable (ModemController, CallerID) -> Void)?
    private let onSMS: (@Sendable (ModemController, IncomingSMS) -> Void)?

    func start() async {
        for modem in config.modems {
            let dialect = modem.dialect.map { ModemDialect.named(ModemVendor(rawValue: $0.rawValue) ?? .generic) }
            // A PIN this modem's SIM refused before is not sent again (SIMPINRecords.swift).
            var rejected: String?
            if let pin = modem.pin?.exposedValue {
                let fingerprint = ModemController.pinFingerprint(modem: modem.id, pin: pin)
                if let r = try? await storage.read({ try $0.pinRejection(modem: modem.id, pinFingerprint: fingerprint) }) {
                    rejected = "\(r.reason), \(ISO8601DateFormatter().string(from: r.rejectedAt))"
                    logger.warning("SIM refused this PIN before: not entering it", metadata: ["modem": "\(modem.id)"])
                }
            }
            add(id: modem.id, atPort: modem.atPort, audioPort: modem.audioPort, configured: true, dialect: dialect,
                pin: modem.pin?.exposedValue, pinRejectedBefore: rejected)
        }
        if !config.modemPool.scan.isEmpty || config.modemPool.discover {
            scanTask = Task { [weak self] in
                while !Task.isCancelled {
                    await self?.scan()
                    try? await Task.sleep(for: ModemPool.scanInterval)
                }
            }
        }
    }

    func stop() async {
        scanTask?.cancel()
        for controller in controllers { try? await controller.stop().get() }
        controllers.removeAll()
        rings?.finish()
        messages?.finish()
    }

    func count() -> Int { controllers.count }

    /// One line for systemd's STATUS=: "3 modems: 2 free, 1 no-sim".
    func summary() async -> String {
        let states = await snapshots().map(\.state.rawValue)
        let counts = Dictionary(states.map { ($0, 1) }, uniquingKeysWith: +).sorted { $0.key < $1.key }
        return "\(states.count) modem(s)" + (counts.isEmpty ? "" : ": " + counts.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
    }

    func snapshots() async -> [ModemSnapshot] {
        var result: [ModemSnapshot] = []
        let stats = (try? await storage.callStatistics()) ?? [:]
        for controller in controllers {
            if var snapshot = try? await controller.snapshot().get() {
                snapshot.calls = stats[snapshot.id] ?? CallStats()
                result.append(snapshot)
            }
        }
        return result.sorted { $0.id < $1.id }
    }

    /// Finds a modem by its name, IMEI or ICCID.
    func snapshot(id: String) async -> ModemSnapshot? {
        guard var snapshot = await find(id)?.snapshot else { return nil }
        snapshot.calls = ((try? await storage.callStatistics()) ?? [:])[snapshot.id] ?? CallStats()
        return snapshot
    }

    // MARK: Calls (CallManager's view of the pool)

    /// Every modem with what the call layer needs, in name order.
    func callCandidates() async -> [(controller: ModemController, facts: ModemController.CallFacts)] {
        var result: [(ModemController, ModemController.CallFacts)] = []
        for controller in controllers {
            if let facts = try? await controller.callFacts().get() { result.append((controller, facts)) }
        }
        return result.sorted { $0.1.id < $1.1.id }
    }

    /// Lets a passive listener see every inbound call's events on every modem, present and
    /// future, without claiming the call (the call layer takes the `rings`).
    func addInboundObserver(_ observer: @escaping @Sendable (ModemController, CallEvent) -> Void) {
        inboundObservers.append(observer)
        for controller in controllers { controller.addInboundObserver(observer) }
    }

    private var inboundObservers: [@Sendable (ModemController, CallEvent) -> Void] = []

    // MARK: SMS (SMSService's view of the pool)

    // Every modem's incoming messages go to `messages`, given at init: a modem scans its
    // storage as soon as it is initialised, and what it reports with nobody listening is only
    // found again at its next scan (reconnect, storage full).

    /// Sends one SMS-SUBMIT through the modem named `id`; `.failed` when there is none.
    func sendSMS(id: String, pdu: [UInt8], tpduLength: Int) async -> SMSSubmitResult {
        guard let (controller, _) = await find(id) else { return .failed("no modem \(id)") }
        return (try? await controller.sendSMS(pdu: pdu, tpduLength: tpduLength).get()) ?? .failed("modem \(id) closed")
    }

    /// A USSD code (or the answer to the open menu) through the modem named `id`; nil when
    /// there is none.
    func ussd(id: String, text: String, continuing: Bool) async -> (modem: String, outcome: USSDOutcome)? {
        guard let (controller, _) = await find(id) else { return nil }
        let outcome = (try? await controller.ussd(text, continuing: continuing).get()) ?? .failed("modem \(id) closed")
        return (controller.id, outcome)
    }

    /// The SIM's own number, told by its operator: kept in the sim table and shown for the modem.
    func learnNumber(id: String, iccid: String, number: String) async {
        guard let (controller, _) = await find(id) else { return }
        controller.learnNumber(number, iccid: iccid)
    }

    func cancelUSSD(id: String) async -> (modem: String, outcome: USSDOutcome)? {
        guard let (controller, _) = await find(id) else { return nil }
        let outcome = (try? await controller.cancelUSSD().get()) ?? .failed("modem \(id) closed")
        return (controller.id, outcome)
    }

    func reset(id: String, reason: String) async -> ActionResult? {
        guard let (controller, _) = await find(id) else { return nil }
        return try? await controller.reset(reason: reason).get()
    }

    func rawAT(id: String, command: String, timeoutSeconds: Double) async -> Result<RawATResponse, ModemCommandError>? {
        guard let (controller, _) = await find(id) else { return nil }
        do {
            return .success(try await controller.rawAT(command: command, timeoutSeconds: timeoutSeconds).get())
        } catch let error as ModemCommandError {
            return .failure(error)
        } catch {
            return .failure(ModemCommandError(message: "\(error)"))
        }
    }

    // MARK: Membership

    private func find(_ key: String) async -> (controller: ModemController, snapshot: ModemSnapshot)? {
        for controller in controllers {
            guard let snapshot = try? await controller.snapshot().get() else { continue }
            if snapshot.id == key || snapshot.imei == key || snapshot.iccid == key { return (controller, snapshot) }
        }
        return nil
    }

    @discardableResult
    private func add(id: String, atPort: String, audioPort: String?, configured: Bool, dialect: ModemDialect?, pin: String?,
                     pinRejectedBefore: String? = nil) -> ModemController {
        var configuration = ModemConfiguration(dialect: dialect, pin: pin.flatMap(SIMPIN.init))
        configuration.pinRejectedBefore = pinRejectedBefore
        configuration.pollInterval = .milliseconds(Int64(config.modemPool.pollIntervalSeconds * 1000))
        configuration.commandTimeout = .milliseconds(Int64(config.modemPool.commandTimeoutSeconds * 1000))
        configuration.timeoutsBeforeRecovery = config.modemPool.recoveryTimeouts
        let controller = ModemController(
            id: id, atPort: atPort, audioPort: audioPort, configured: configured, configuration: configuration,
            eventLoop: group.next(), clock: clock, storage: storage, logger: logger,
            onIncomingCall: onRing, onSMS: onSMS)
        controller.pinFingerprint = pin.map { ModemController.pinFingerprint(modem: id, pin: $0) }
        controller.onIdentified = { [weak self] controller, identity in
            Task { await self?.identified(controller, identity) }
        }
        for observer in inboundObservers { controller.addInboundObserver(observer) }
        controllers.append(controller)
        controller.start()
        logger.info("modem added", metadata: ["modem": "\(id)", "port": "\(atPort)", "configured": "\(configured)"])
        return controller
    }

    /// A modem told us who it is: give a discovered one its stable name, and retire an older
    /// controller of the same modem that lost its port. Runs once per discovered controller
    /// (`settled`), because a modem reports its identity piece by piece during start-up and
    /// the actor may be re-entered at every `await`.
    private func identified(_ controller: ModemController, _ identity: ModemIdentity) async {
        let key = ObjectIdentifier(controller)
        guard let imei = identity.imei, controllers.contains(where: { $0 === controller }), !settled.contains(key) else { return }
        settled.insert(key)
        for other in controllers where other !== controller {
            guard let snapshot = try? await other.snapshot().get(), snapshot.imei == imei else { continue }
            let otherConnected = (try? await other.isConnected.get()) ?? false
            if otherConnected {
                // Two AT-capable ports of one modem: keep the first, drop this one.
                if !controller.configured {
                    logger.info("second port of a known modem ignored", metadata: ["modem": "\(snapshot.id)", "port": "\(controller.atPort)"])
                    await retire(controller, keepPortIgnored: true)
                }
                return
            }
            // The same modem on a new port: the new controller takes over the name.
            logger.notice("modem came back on another port", metadata: ["modem": "\(snapshot.id)", "port": "\(controller.atPort)"])
            await retire(other, keepPortIgnored: false)
            if !controller.configured { controller.name(snapshot.id) }
            return
        }
        guard !controller.configured else { return }
        let known = try? await storage.modem(imei: imei)
        controller.name(known?.id ?? "usb-" + String(imei.suffix(6)))
    }

    /// Controllers whose identity has been dealt with (see `identified`).
    private var settled: Set<ObjectIdentifier> = []

    private var ignoredPorts: Set<String> = []

    private func retire(_ controller: ModemController, keepPortIgnored: Bool) async {
        controllers.removeAll { $0 === controller }
        settled.remove(ObjectIdentifier(controller))
        if keepPortIgnored { ignoredPorts.insert(controller.atPort) }
        try? await controller.stop().get()
    }

    // MARK: Discovery

    /// Full udev enumerations happen on monitor events and at least this often, as a net
    /// for events lost while the daemon was busy (netlink drops when its buffer fills).
    static let udevRescanEvery = 15   // scan intervals = 30 s

    private var udevMonitor: UdevMonitor?
    private var scansSinceUdev = ModemPool.udevRescanEvery   // enumerate on the first scan
    private var udevModems: [DiscoveredPorts] = []

    private func scan() async {
        var found: [DiscoveredPorts] = []
        for pattern in config.modemPool.scan {
            for path in PathGlob.matches(pattern) {
                // modemsim and by-id style links: `<name>.at` has its audio at `<name>.audio`.
                let audio = path.hasSuffix(".at") ? String(path.dropLast(3)) + ".audio" : nil
                found.append(DiscoveredPorts(at: path, audio: audio.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }))
            }
        }
        if config.modemPool.discover {
            if udevMonitor == nil { udevMonitor = try? UdevMonitor() }
            let events = udevMonitor?.receive() ?? []
            scansSinceUdev += 1
            if !events.isEmpty || scansSinceUdev >= Self.udevRescanEvery {
                if !events.isEmpty { logger.info("udev hotplug", metadata: ["events": "\(events.count)"]) }
                udevModems = USBModemDiscovery.modems()
                scansSinceUdev = 0
            }
            found += udevModems
        }
        let owned = Set(controllers.map(\.atPort)).union(controllers.map { PathGlob.resolve($0.atPort) })
        // Ports that vanished: forget the ones never identified (nothing to show for them).
        for controller in controllers where !controller.configured {
            if !FileManager.default.fileExists(atPath: controller.atPort),
               let snapshot = try? await controller.snapshot().get(), snapshot.imei == nil {
                await retire(controller, keepPortIgnored: false)
            }
        }
        ignoredPorts = ignoredPorts.filter { FileManager.default.fileExists(atPath: $0) }
        for ports in found where !owned.contains(ports.at) && !owned.contains(PathGlob.resolve(ports.at)) && !ignoredPorts.contains(ports.at) {
            discoveredSerial += 1
            add(id: "new-\(discoveredSerial)", atPort: ports.at, audioPort: ports.audio, configured: false, dialect: nil, pin: nil)
        }
    }
}
