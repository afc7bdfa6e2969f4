// The daemon's lifecycle: open the database, start the modem pool and the control API,
// tell systemd we are ready, feed its watchdog, and shut down cleanly on SIGTERM/SIGINT
// (swift-service-lifecycle's ServiceGroup owns the signals).
import ControlModel
import Foundation
import Logging
import NIOCore
import NIOSSL
import NIOPosix
import ServiceLifecycle
import UnixSignals
import SimgateConfig
import Storage

public final class Daemon: Sendable {
    public static let version = "0.1.0"

    let config: GatewayConfig
    let configPath: String
    let logger: Logger
    /// `[daemon] log_level`, changed on SIGHUP (ConfigReload.swift).
    let logLevel: LiveLogLevel
    let startedAt = Date()

    public init(config: GatewayConfig, configPath: String) throws {
        self.config = config
        self.configPath = configPath
        let live = LiveLogLevel(Logger.Level(rawValue: config.daemon.logLevel.rawValue) ?? .info)
        logLevel = live
        logger = Logger(label: "simgated") { label in LiveLevelLogHandler(inner: Logger(label: label).handler, live: live) }
    }

    /// Runs until SIGTERM or SIGINT, under swift-service-lifecycle: every part of the gateway
    /// is a service of one group, and the signal shuts them down in the reverse order of
    /// their start (the control API first, then the calls, the modems last); SIGHUP re-reads
    /// the config file (`reload`).
    public func run() async throws {
        // SIGHUP is trapped before anything starts: one that lands while the parts start (the
        // control socket may already answer) waits for the supervisor instead of killing us.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let running = try await start()
        let supervisor = Supervisor(daemon: self, running: running, hangups: hangups)
        // The group shuts down from the last service to the first: the supervisor goes first.
        let group = ServiceGroup(configuration: .init(
            services: running.parts.map { .init(service: $0) } + [.init(service: supervisor)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Tells systemd we are ready, feeds its watchdog, keeps `systemctl status` current and
    /// takes SIGHUP, until the shutdown starts.
    struct Supervisor: Service {
        let daemon: Daemon
        let running: RunningDaemon
        let hangups: UnixSignalsSequence

        func run() async throws {
            let systemd = SystemdNotifier()
            systemd.ready(status: await running.pool.summary())
            await withDiscardingTaskGroup { tasks in
                tasks.addTask {
                    let interval = systemd.watchdogInterval ?? .seconds(10)
                    var lastStatus = ""
                    while !Task.isCancelled {
                        if systemd.watchdogInterval != nil { systemd.watchdog() }
                        let status = await running.pool.summary()
                        if status != lastStatus { systemd.status(status); lastStatus = status }
                        try? await Task.sleep(for: min(interval, .seconds(10)))
                    }
                }
                tasks.addTask {
                    for await _ in hangups {
                        await daemon.reload(running, reason: "SIGHUP")
                    }
                }
                try? await gracefulShutdown()
                tasks.cancelAll()
            }
            daemon.logger.notice("shutting down")
            systemd.stopping()
        }
    }

    /// Reads the config file again: applies the log level and reloads the numbering data;
    /// names, in one warning, the sections that changed but wait for a restart. A file with
    /// errors changes nothing (the numbering data is still re-read: its files may be new).
    func reload(_ running: RunningDaemon, reason: String) async {
        do {
            let file = try GatewayConfig.load(path: configPath)
            let level = Logger.Level(rawValue: file.daemon.logLevel.rawValue) ?? .info
            if level != logLevel.level {
                // Said under the more talkative of the two levels, so the line is not lost.
                let louder = level < logLevel.level
                if louder { logLevel.level = level }
                logger.notice("log level changed", metadata: ["level": "\(level)", "reason": "\(reason)"])
                if !louder { logLevel.level = level }
            }
            let waiting = ConfigReload.sectionsNeedingRestart(running: config, file: file)
            if !waiting.isEmpty {
                logger.warning("config changed where only a restart applies it; running on as started",
                               metadata: ["sections": "\(waiting.joined(separator: "; "))", "reason": "\(reason)"])
            }
        } catch {
            logger.error("config file has errors; nothing changed", metadata: ["path": "\(configPath)", "error": "\(error)", "reason": "\(reason)"])
        }
        await running.routing.numbering.reload(reason: reason)
    }

    /// Opens the database, starts the modems and the control API, and returns at once.
    public func start(group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> RunningDaemon {
        try InboundServices.checkWebhookTrust(config.inbound)
        let storage = try Storage.open(stateDirectory: config.daemon.stateDirectory)
        logger.info("database open", metadata: ["state_dir": "\(config.daemon.stateDirectory)"])
        // A full disk or an I/O error: said once at error (calls go on unrecorded; `simgate
        // status` and simgate_storage_writable show it until a write works again).
        storage.health.onChange { [logger, stateDirectory = config.daemon.stateDirectory] change in
            switch change {
            case .failing(let alert):
                logger.error(alert.kind == .diskFull ? "database disk full: call records, counters and missed calls are NOT being saved"
                                                     : "database write failed: call records, counters and missed calls are NOT being saved",
                             metadata: ["kind": "\(alert.kind.rawValue)", "error": "\(alert.error)", "state_dir": "\(stateDirectory)"])
            case .recovered(let failed):
                logger.notice("database writes work again", metadata: ["failed_writes": "\(failed)"])
            }
        }

        // Every part is built with its collaborators, in dependency order. Where the
        // dependency also points back (the modems and SIP report to the calls and the SMS
        // layer, which call into them; the calls report to the call center, which places its
        // calls through them), the channel is made here first: an unbounded stream whose
        // continuation the producer gets and whose stream the consumer (built later) drains
        // from its start. The pool starts last: every consumer (calls, rings, SMS) drains
        // before the first modem is opened, and what a modem reports at start-up (a ring, the
        // SMS its first storage scan finds) waits in the buffer, never at an empty seat.
        // Rings and INVITEs go to the calls only with [sip] (a ring INVITEs phones).
        let rings = config.sip == nil ? nil : AsyncStream.makeStream(of: ModemPool.Ring.self, bufferingPolicy: .unbounded)
        let modemSMS = AsyncStream.makeStream(of: ModemPool.SMSEvent.self, bufferingPolicy: .unbounded)
        let sipCalls = config.sip == nil ? nil : AsyncStream.makeStream(of: SIPBridgeRequest.self, bufferingPolicy: .unbounded)
        // A MESSAGE waits for the SMS bridge's answer (SMSSIPBridge.TextRequest). SMS disabled:
        // no bridge, so a MESSAGE gets 405 (no such service here) rather than a 202 for a
        // message that would never leave.
        let textRequests = config.sip != nil && config.sms.enabled ? AsyncStream.makeStream(of: SMSSIPBridge.TextRequest.self, bufferingPolicy: .unbounded) : nil
        let pool = ModemPool(config: config, storage: storage, group: group, logger: logger,
                             rings: rings?.continuation, messages: modemSMS.continuation)
        // Every part, in the order it was made: stopped in reverse (the modems last).
        var parts = [GatewayPart("modems") { await pool.stop() }]
        let routing = RoutingService(config: config, storage: storage, pool: pool, logger: logger)
        await routing.numbering.reload(reason: "start-up")

        let metrics = GatewayMetrics()
        var sip: SIPService?
        if let sipConfig = config.sip {
            do {
                sip = try await SIPService.start(config: sipConfig, users: config.users, trunks: config.trunks, storage: storage,
                                                 group: group, logger: logger, metrics: metrics, bridgeCalls: sipCalls?.continuation,
                                                 textMessages: textRequests.map { SMSSIPBridge.textMessageHandler($0.continuation) })
            } catch {
                await GatewayPart.stop(parts)
                throw error
            }
        }
        if let sip { parts.append(GatewayPart("sip") { await sip.stop() }) }
        let inbound = await InboundServices.start(config: config.inbound, storage: storage, pool: pool, logger: logger)
        parts.append(GatewayPart("inbound") { await inbound.stop() })
        // With a [routing] section or [[sim]] rules, outbound calls follow the router, and SIM
        // health (quarantine, the admin's disable), which the router reads, judges the SIMs;
        // without, the first free voice-capable modem takes them.
        let routed = config.routing != RoutingConfig() || !config.sims.isEmpty || !config.groups.isEmpty
        var simHealth: SIMHealthService?
        if routed {
            let h = SIMHealthService(storage: storage, pool: pool, board: routing.care, outbox: inbound.outbox,
                                     wakeWebhooks: { [worker = inbound.webhookWorker] in worker.wake() }, logger: logger)
            await h.start()
            parts.append(GatewayPart("sim-health") { await h.stop() })
            simHealth = h
        }
        var inboundUsers = CallManager.InboundTargets(fallback: config.sip?.defaultInboundUser)
        for m in config.modems { if let u = m.inboundUser { inboundUsers.byModem[m.id] = u } }
        // Ring groups, queues, recall and callbacks need phones to ring: with [sip], the call
        // center takes inbound calls on the SIMs its rules cover, and places callbacks. The
        // calls' reports reach it in order through one stream.
        let centerInputs = sip == nil ? nil : AsyncStream.makeStream(of: CallCenterInput.self, bufferingPolicy: .unbounded)
        let calls = CallManager(
            pool: pool, storage: storage, logger: logger, metrics: metrics, routing: routed ? routing : nil, simHealth: simHealth,
            sip: sip, inbound: inboundUsers, rtpPorts: config.sip.map { $0.rtpPortMin...$0.rtpPortMax } ?? 20_000...20_999,
            sipCalls: sipCalls?.stream, rings: rings?.stream,
            callCenter: centerInputs.map { .init(config: config.inbound, holdAudio: inbound.holdAudio, input: $0.continuation) },
            missedCalls: inbound.missedCalls,
            onAnsweredOutbound: { [missed = inbound.missedCalls] number in
                _ = try? await missed.customerReached(number: number, how: "answered outbound call to \(number)")
            })
        await calls.start()
        var center: InboundCallCenter?
        if let centerInputs {
            center = InboundCallCenter(config: config.inbound, legs: calls, dialer: calls, missedCalls: inbound.missedCalls,
                                       storage: storage, outbox: inbound.outbox, wakeWebhooks: { [worker = inbound.webhookWorker] in worker.wake() },
                                       logger: logger, metrics: metrics, inputs: centerInputs.stream)
        }
        // The calls stop after the center's timers (the center part is stopped first): their
        // hang-ups are still reported, and the center handles every report before the parts
        // below the calls (missed calls, webhooks) stop.
        parts.append(GatewayPart("calls") { [center] in
            await calls.hangUpAll()
            await calls.stopCallCenter()
            await center?.inputsDrained()
        })
        if let c = center {
            let rules = config.inbound
            await inbound.ringRecorder?.leaveToCallCenter { modem in
                guard let s = await pool.snapshot(id: modem) else { return false }
                let ids = [modem, s.iccid, s.msisdn, s.imsi].compactMap { $0 }
                return rules.rules.contains { $0.covers(simIdentifiers: ids) }
            }
            await c.start()
            parts.append(GatewayPart("call-center") { await c.stop() })
        }
        let (sms, stopSMS) = await Daemon.startSMS(config: config, storage: storage, pool: pool, modemSMS: modemSMS.stream, routing: routing,
                                                   inbound: inbound, sip: sip, textRequests: textRequests, simHealth: simHealth,
                                                   logger: logger)
        parts.append(GatewayPart("sms", stop: stopSMS))
        await pool.start()
        // Balance and own-number checks run only for SIMs that say how to ask ([[sim]]
        // balance_ussd / balance_sms, number_ussd / number_sms).
        var balance: BalanceService?
        if config.sims.contains(where: { $0.balanceRequest != nil || $0.numberRequest != nil }) {
            let b = BalanceService(storage: storage, pool: pool, routing: routing, sms: sms, outbox: inbound.outbox,
                                   wakeWebhooks: { [worker = inbound.webhookWorker] in worker.wake() }, logger: logger)
            await b.start()
            parts.append(GatewayPart("balance") { await b.stop() })
            balance = b
        }
        var routes = ControlRoutes(pool: pool, sip: sip, status: { [startedAt, configPath] count in
            DaemonStatus(version: Daemon.version, startedAt: startedAt, configPath: configPath, modemCount: count,
                         storage: storage.health.alert)
        }, calls: calls, routing: routing)
        routes.inbound = InboundRoutes(missed: inbound.missedCalls, storage: storage, callRecords: InboundServices.callRecords(storage))
        routes.sms = SMSRoutes(service: sms)
        routes.balance = balance
        routes.simHealth = simHealth
        let exporter = MetricsExporter(metrics: metrics, pool: pool, sip: sip, routing: routing, storage: storage)
        routes.metrics = exporter
        let router = routes.route
        var servers: [ControlServer] = []
        var metricsAddress: SocketAddress?
        do {
            // The listeners made so far, also when a later one fails.
            defer { parts.append(GatewayPart("control-api") { [servers] in for server in servers { await server.close() } }) }
            servers.append(try await ControlServer.listen(unixSocket: config.control.socket, logger: logger, router: router))
            logger.info("control API listening", metadata: ["socket": "\(config.control.socket)"])
            if let tcp = config.control.tcpListen {
                var tls: TLSConfiguration?
                if let certificate = config.control.tlsCertificate, let key = config.control.tlsKey {
                    tls = try ControlServer.tlsConfiguration(certificate: certificate, key: key)
                } else if !["127.0.0.1", "::1", "localhost"].contains(tcp.host) {
                    logger.warning("control API on TCP without TLS: tokens cross the network in clear text (set [control] tls_certificate and tls_key)",
                                   metadata: ["tcp": "\(tcp)"])
                }
                servers.append(try await ControlServer.listen(host: tcp.host, port: tcp.port, access: ControlAccess(config: config.control),
                                                              tls: tls, logger: logger, router: router))
                logger.info("control API listening", metadata: ["tcp": "\(tcp)", "tls": "\(tls != nil)",
                                                                "roles": "\(config.control.tokens.keys.sorted().map(\.rawValue))"])
            }
            if let address = config.metrics.listen {
                let elsewhere = "only GET /metrics is served here (the control API is on \(config.control.socket))"
                let server = try await ControlServer.listen(host: address.host, port: address.port, access: nil, logger: logger) { request in
                    request.method == .GET && request.path == "/metrics" ? await exporter.response() : .error(.notFound, elsewhere)
                }
                servers.append(server)
                metricsAddress = server.localAddress
                logger.info("metrics listening", metadata: ["tcp": "\(address)"])
            }
        } catch {
            await GatewayPart.stop(parts)
            throw error
        }
        var running = RunningDaemon(pool: pool, parts: parts, storage: storage, calls: calls, sip: sip, routing: routing)
        running.inbound = inbound
        running.callCenter = center
        running.sms = sms
        running.balance = balance
        running.simHealth = simHealth
        running.metricsAddress = metricsAddress
        return running
    }

    /// The SMS service, fed by every modem and, with [sip], by SIP MESSAGE both ways; and
    /// how to stop it. Every PDU a modem hands over (`modemSMS`) is committed before the modem
    /// may delete it: a crash in between leaves it on the SIM, the next scan reads it again,
    /// and `received` dedups it. `textRequests` (nil: SMS disabled) is the channel SIPService
    /// was given for MESSAGE requests; the bridge built here drains it.
    static func startSMS(config: GatewayConfig, storage: Storage, pool: ModemPool, modemSMS: AsyncStream<ModemPool.SMSEvent>, routing: RoutingService,
                         inbound: InboundServices, sip: SIPService?,
                         textRequests: (stream: AsyncStream<SMSSIPBridge.TextRequest>, continuation: AsyncStream<SMSSIPBridge.TextRequest>.Continuation)?,
                         simHealth: SIMHealthService?, logger: Logger) async -> (SMSService, @Sendable () async -> Void) {
        var submitHook: SMSService.SubmitHook?
        if let simHealth {
            submitHook = { iccid, modem, result in await simHealth.smsSubmitted(iccid: iccid, modem: modem, result: result) }
        }
        // The bridge sends through SIP and the service: it is built last, and the service's
        // inbound messages reach it through a stream.
        let bridged = sip != nil && textRequests != nil
        let received = bridged ? AsyncStream.makeStream(of: SMSMessage.self, bufferingPolicy: .unbounded) : nil
        var onInbound: (@Sendable (SMSMessage) -> Void)?
        if let into = received?.continuation { onInbound = { into.yield($0) } }
        let sms = SMSService(
            config: config.sms, storage: storage, outbox: inbound.outbox,
            wakeWebhooks: { [worker = inbound.webhookWorker] in worker.wake() }, timeZone: routing.timeZone,
            candidates: { number, now in await routing.smsRoute(to: number, now: now) },
            logger: logger,
            submitHook: submitHook,
            onInbound: onInbound,
            submit: { modemID, pdu, tpduLength in await pool.sendSMS(id: modemID, pdu: pdu, tpduLength: tpduLength) })
        var bridging: Task<Void, Never>?
        if let sip, let textRequests, let received {
            let bridge = SMSSIPBridge(service: sms, deliverTo: config.sms.deliverTo, logger: logger, inbound: received.stream,
                                      requests: textRequests.stream) { user, from, text in
                (try? await sip.sendTextMessage(toUser: user, from: from, text: text).get()) ?? nil
            }
            bridging = Task { await bridge.run() }
        }
        await sms.start()
        // Drains the modems' messages until the pool, the last part to stop, finishes the
        // stream: as before, a message read after the service stopped is still stored.
        Task {
            for await (modem, event) in modemSMS {
                Task {
                    switch event {
                    case .stored(let pdu), .delivered(let pdu):
                        guard let snapshot = try? await modem.snapshot().get() else { return }
                        if await sms.received(modemID: snapshot.id, iccid: snapshot.iccid, pdu), let slot = pdu.slot {
                            modem.smsPersisted(slot)
                        }
                    case .storageFull:
                        break  // the controller already scans and clears what it stored
                    }
                }
            }
        }
        return (sms, { [bridging] in
            await sms.stop()
            received?.continuation.finish()
            textRequests?.continuation.finish()
            await bridging?.value
        })
    }
}

/// One running part of the gateway as a swift-service-lifecycle service: `Daemon.start`
/// starts it (in dependency order); its `run` waits for the group's graceful shutdown and
/// stops it. The group stops the parts from the last started to the first.
struct GatewayPart: Service {
    let name: String
    let stop: @Sendable () async -> Void

    init(_ name: String, stop: @escaping @Sendable () async -> Void) {
        self.name = name
        self.stop = stop
    }

    func run() async throws {
        try? await gracefulShutdown()
        await stop()
    }

    /// Stops `parts` as the group would: the last started first.
    static func stop(_ parts: [GatewayPart]) async {
        for part in parts.reversed() { await part.stop() }
    }
}

/// A started daemon: its parts, and what the control API and the tests reach.
public struct RunningDaemon: Sendable {
    let pool: ModemPool
    /// In the order they were started (`stop` and the service group end them in reverse).
    let parts: [GatewayPart]
    public let storage: Storage
    let calls: CallManager
    /// nil when the config has no [sip] section.
    public let sip: SIPService?
    /// The call path's routing seam (plan, usage counters) and the numbering data.
    public let routing: RoutingService
    /// The missed-call list and the webhook worker (set by `start`).
    public internal(set) var inbound: InboundServices?
    /// Ring groups, queues, recall and callbacks (nil without [sip]).
    public internal(set) var callCenter: InboundCallCenter?
    /// The SMS inbox and outbox (set by `start`).
    public internal(set) var sms: SMSService?

    /// Balance checks (set by `start` when a [[sim]] says how to ask for its balance or number).
    var balance: BalanceService?
    /// SIM quarantine and the admin's disable (set by `start` when calls follow the router).
    var simHealth: SIMHealthService?
    /// Where `[metrics] listen` is bound (its port, when the config asked for port 0).
    public internal(set) var metricsAddress: SocketAddress?

    /// What SIGTERM does under the service group, for a daemon started without one (tests).
    public func stop() async {
        await GatewayPart.stop(parts)
    }
}
