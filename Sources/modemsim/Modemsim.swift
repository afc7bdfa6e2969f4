// modemsim: simulated USB GSM modems on pseudo-terminals, for testing simgated without hardware.
//
//   modemsim run --config examples/modemsim.json     run until SIGINT/SIGTERM
//   modemsim check --config examples/modemsim.json   validate a config and exit
//   modemsim ctl --socket PATH signal huawei1 5      one control command; exit 1 on `error`
import ArgumentParser
import Dispatch
import Foundation
import Logging
import ModemSimulator

@main
struct Modemsim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modemsim",
        abstract: "Simulated Huawei/Quectel/SIMCom modems on pseudo-terminals.",
        subcommands: [Run.self, Check.self, Ctl.self]
    )
}

/// Reads and validates a config file; errors name the file and the field.
func loadConfig(_ path: String) throws -> SimulatorConfig {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw ValidationError("cannot read \(path): \(error.localizedDescription)")
    }
    do {
        return try SimulatorConfig.load(json: data)
    } catch {
        throw ValidationError("\(path): \(error)")
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the simulated modems and serve the control socket.")

    @Option(help: "JSON configuration file.")
    var config: String

    @Flag(help: "Log every plug/call event.")
    var verbose = false

    func run() async throws {
        let cfg = try loadConfig(config)
        var logger = Logger(label: "modemsim")
        logger.logLevel = verbose ? .debug : .info
        // Install the handlers before the links exist, so a SIGTERM right after start-up still
        // cleans up.
        let signals = TerminationSignals()
        let sim = try await ModemSimulator.start(cfg, logger: logger)
        for name in try await sim.modemNames() {
            let s = try await sim.status(name)
            print("\(name) \(s.vendor.rawValue) \(s.model) at=\(s.atPath) audio=\(s.audioPath) imei=\(s.imei)")
        }
        if let sock = cfg.controlSocket { print("control socket \(sock)") }
        let signal = await signals.next()
        logger.info("stopping on signal \(signal)")
        await sim.stop()
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a configuration file.")

    @Option(help: "JSON configuration file.")
    var config: String

    func run() throws {
        let cfg = try loadConfig(config)
        print("ok: \(cfg.modems.count) modem(s)")
    }
}

struct Ctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one control command to a running simulator and print the reply.",
        discussion: "Commands: list; status <name>; signal <name> <rssi>; register <name> home|roaming|searching|denied|none; "
            + "operator <name> <mccmnc> <long name>; sim <name> remove|insert; hang <name> on|off; garbage <name> <bytes>; "
            + "unplug <name>; replug <name> [<link name>]; reboot <name>; call <name> <caller|withheld> [<abandon s>]; "
            + "hangup <name>; callee <name> <number|prefix*> answer|busy|noanswer|congestion [seconds]; received <name> [reset]"
    )

    @Option(help: "Control socket of the running simulator.")
    var socket = "/tmp/simgate/sim/control.sock"

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var command: [String] = []

    func run() throws {
        guard !command.isEmpty else { throw ValidationError("missing command (try: modemsim ctl help)") }
        let reply: String
        do {
            reply = try ControlClient.send(command.joined(separator: " "), socketPath: socket)
        } catch {
            FileHandle.standardError.write(Data("modemsim ctl: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(reply)
        if !reply.hasPrefix("ok") { throw ExitCode(1) }
    }
}

/// SIGINT/SIGTERM as an async sequence (the default action is replaced so links get removed).
final class TerminationSignals {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func next() async -> Int32 {
        for await sig in stream {
            for s in sources { s.cancel() }
            return sig
        }
        return 0
    }
}

