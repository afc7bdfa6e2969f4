// The daemon's lifecycle: open the database, start the modem pool and the control API,
// tell systemd we are ready, feed its watchdog, and shut down cleanly on SIGTERM/SIGINT.
import ControlModel
import Foundation
import Logging
import NIOCore
import NIOPosix
import SimgateConfig
import Storage

public final class Daemon: Sendable {
    public static let version = "0.1.0"

    let config: GatewayConfig
    let configPath: String
    let logger = Logger(label: "simgated")
    let startedAt = Date()

    public init(config: GatewayConfig, configPath: String) throws {
        self.config = config
        self.configPath = configPath
    }

    public func run() async throws {
        let systemd = SystemdNotifier()
        let group = MultiThreadedEventLoopGroup.singleton

        try FileManager.default.createDirectory(atPath: config.daemon.stateDirectory, withIntermediateDirectories: true)
        let databasePath = (config.daemon.stateDirectory as NSString).appendingPathComponent("simgate.sqlite")
        let storage = try Storage.open(stateDirectory: config.daemon.stateDirectory)
        logger.info("database open", metadata: ["path": "\(databasePath)"])

        let pool = ModemPool(config: config, storage: storage, group: group, logger: logger)
        await pool.start()

        let router = ControlRoutes(pool: pool, status: { [startedAt, configPath] count in
            DaemonStatus(version: Daemon.version, startedAt: startedAt, configPath: configPath, modemCount: count)
        }).route
        var servers: [ControlServer] = []
        servers.append(try await ControlServer.listen(unixSocket: config.control.socket, group: group, router: router))
        logger.info("control API listening", metadata: ["socket": "\(config.control.socket)"])
        if let tcp = config.control.tcpListen, let token = config.control.token {
            servers.append(try await ControlServer.listen(host: tcp.host, port: tcp.port, token: token.exposedValue, group: group, router: router))
            logger.info("control API listening", metadata: ["tcp": "\(tcp)"])
        }

        systemd.ready(status: "\(config.modems.count) modem(s) configured")
        let watchdog: Task<Void, Never>? = systemd.watchdogInterval.map { interval in
            Task {
                while !Task.isCancelled {
                    systemd.watchdog()
                    try? await Task.sleep(for: interval)
                }
            }
        }

        let signal = await ShutdownSignal.wait()
        logger.notice("shutting down", metadata: ["signal": "\(signal)"])
        systemd.stopping()
        watchdog?.cancel()
        for server in servers { await server.close() }
        await pool.stop()
    }
}

/// Waits for SIGTERM or SIGINT without installing a C signal handler.
enum ShutdownSignal {
    static func wait() async -> String {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let queue = DispatchQueue(label: "simgated.signals")
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let sources = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        for await name in stream { return name }
        return "end"
    }
}
