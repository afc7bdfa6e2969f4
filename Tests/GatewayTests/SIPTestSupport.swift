// Starting simgated in-process with a temporary config and state directory, and running
// the independent SIP peers (sipp, pjsua2) against it, bounded in time.
import ControlModel
import Foundation
import Logging
import NIOCore
import NIOPosix
import SIPCore
import SimgateConfig
import Testing
@testable import Gateway

struct SIPTestDaemon {
    let directory: String
    let running: RunningDaemon
    let sip: SIPService
    let udpPort: Int
    let tcpPort: Int

    static let users = """
        [[user]]
        name = "alice"
        password = "secret"
        max_concurrent_calls = 2

        [[user]]
        name = "bob"
        ha1 = "\(HA1.compute(user: "bob", realm: "simgate", password: "bobpass", algorithm: .md5).storedHex)"
        """

    /// `extra` is appended to the [sip] section; `rtpBase` keeps parallel suites apart.
    static func start(rtpBase: Int, sipExtra: String = "", tail: String = "", directory: String? = nil) async throws -> SIPTestDaemon {
        let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("simgate-sip-\(UUID().uuidString.prefix(8))").path
        let config = try Self.config(directory: dir, rtpBase: rtpBase, sipExtra: sipExtra, tail: tail)
        let running = try await Daemon(config: config, configPath: "\(dir)/sip-test.toml").start()
        let sip = try #require(running.sip)
        let listeners = await sip.boundListeners()
        let udp = try #require(listeners.first { $0.transport == "udp" }).port
        let tcp = try #require(listeners.first { $0.transport == "tcp" }).port
        return SIPTestDaemon(directory: dir, running: running, sip: sip, udpPort: udp, tcpPort: tcp)
    }

    /// The daemon's config (its directory made): `start`'s, and `SIPTestService`'s [sip] and users.
    static func config(directory dir: String, rtpBase: Int, sipExtra: String = "", tail: String = "") throws -> GatewayConfig {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = """
            [daemon]
            state_dir = "\(dir)/state"
            log_level = "warning"

            [control]
            socket = "\(dir)/c.sock"

            [modems]
            discover = false

            [sip]
            listen = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]
            rtp_port_min = \(rtpBase)
            rtp_port_max = \(rtpBase + 99)
            \(sipExtra)

            \(users)
            \(tail)
            """
        return try GatewayConfig.parse(text: text, fileName: "sip-test.toml")
    }

    func stop() async {
        await running.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// SIPTestDaemon's SIP side alone (its [sip] section and users, no daemon), with the test
/// standing in for the layer behind MESSAGE (`textMessages`, given at start as the daemon
/// gives the SMS bridge's).
struct SIPTestService {
    let directory: String
    let sip: SIPService
    let udpPort: Int

    static func start(rtpBase: Int, textMessages: @escaping @Sendable (SIPTextMessage) async -> SIPTextAcceptance) async throws -> SIPTestService {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simgate-sip-\(UUID().uuidString.prefix(8))").path
        let config = try SIPTestDaemon.config(directory: dir, rtpBase: rtpBase)
        var logger = Logger(label: "sip-test")
        logger.logLevel = .warning
        let sip = try await SIPService.start(config: try #require(config.sip), users: config.users, trunks: config.trunks, storage: nil,
                                             group: MultiThreadedEventLoopGroup.singleton, logger: logger, textMessages: textMessages)
        let udp = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        return SIPTestService(directory: dir, sip: sip, udpPort: udp)
    }

    func stop() async {
        await sip.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
}

/// Runs a program with output in files (sipp prints whole screens), killed after `timeout`.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String,
                timeout: Double) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let tag = UUID().uuidString.prefix(6)
    let outPath = "\(directory)/out-\(tag).txt", errPath = "\(directory)/err-\(tag).txt"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
        process.terminationHandler = { _ in c.resume() }
        do { try process.run() } catch { process.terminationHandler = nil; c.resume(throwing: error); return }
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }
    try? out.close()
    try? err.close()
    let timedOut = process.terminationReason == .uncaughtSignal
    return ProcessResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", timedOut: timedOut)
}

enum SIPPeers {
    static let sipp = "/usr/bin/sipp"
    static var sippInstalled: Bool { FileManager.default.isExecutableFile(atPath: sipp) }
    static let pjsua2Importable = pythonCanImport("pjsua2")

    /// python3 can import `module` (scripts/install-deps.sh --test installs the ones tests use).
    static func pythonCanImport(_ module: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import \(module)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// scripts/sip/ in this checkout.
    static var scripts: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/sip").path
    }

    /// sipp against simgate; its message trace goes to `<directory>/sipp-<mediaPort>.log`.
    /// `localIP`: the source address sipp sends from (loopback has all of 127/8).
    static func sippArguments(port: Int, scenario: [String], mediaPort: Int, controlPort: Int, directory: String, extra: [String] = [],
                              localIP: String = "127.0.0.1") -> [String] {
        ["127.0.0.1:\(port)"] + scenario + ["-i", localIP, "-mi", localIP, "-ci", "127.0.0.1", "-mp", String(mediaPort),
                                             "-cp", String(controlPort), "-m", "1", "-nostdin", "-timeout", "30s",
                                             "-recv_timeout", "15000", "-trace_msg",
                                             "-message_file", "\(directory)/sipp-\(mediaPort).log"] + extra
    }
}
