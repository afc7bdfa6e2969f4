// modemsim: simulated USB GSM modems on pseudo-terminals, for testing simgated without hardware.
//
//   modemsim run --config examples/modemsim.json     run until SIGINT/SIGTERM
//   modemsim check --config examples/modemsim.json   validate a config and exit
//   modemsim ctl --socket PATH signal huawei1 5      one control command; exit 1 on `error`
//   modemsim replay FILE --link-directory DIR         one modem playing a recorded transcript
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
        subcommands: [Run.self, Check.self, Ctl.self, Replay.self]
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
        return try SimulatorConfig.load(json: resolvingReplayPaths(data, relativeTo: path))
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

/// A modem's `replay` path is relative to the config file's directory, not the working directory.
func resolvingReplayPaths(_ data: Data, relativeTo configPath: String) throws -> Data {
    guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          var modems = object["modems"] as? [[String: Any]] else { return data }
    let base = URL(fileURLWithPath: configPath).deletingLastPathComponent()
    for i in modems.indices {
        if let p = modems[i]["replay"] as? String, !p.hasPrefix("/") {
            modems[i]["replay"] = base.appendingPathComponent(p).path
        }
    }
    object["modems"] = modems
    return try JSONSerialization.data(withJSONObject: object)
}

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a recorded modem transcript into a simulated port (Tests/Fixtures/transcripts/README.md).")

    @Argument(help: "Transcript file.")
    var transcript: String

    @Option(help: "Directory for the <name>.at / <name>.audio links.")
    var linkDirectory = "/tmp/simgate/sim"

    @Option(help: "Modem (link) name.")
    var name = "replay"

    @Option(help: "Vendor profile (default: the transcript's @vendor).")
    var vendor: String?

    @Option(help: "Control socket (status, continue).")
    var controlSocket: String?

    @Flag(help: "Exit when the timeline has played to its end.")
    var exitAtEnd = false

    func run() async throws {
        let parsed: ReplayTranscript
        do { parsed = try ReplayTranscript.load(path: transcript) } catch { throw ValidationError("\(error)") }
        var v: Vendor?
        if let vendor {
            guard let x = Vendor(rawValue: vendor.lowercased()) else { throw ValidationError("unknown vendor '\(vendor)'") }
            v = x
        }
        let modem = ModemConfig.replaying(parsed, name: name, vendor: v)
        let cfg = SimulatorConfig(controlSocket: controlSocket, linkDirectory: linkDirectory, modems: [modem])
        var logger = Logger(label: "modemsim")
        logger.logLevel = .info
        let signals = TerminationSignals()
        let sim = try await ModemSimulator.start(cfg, logger: logger)
        let s = try await sim.status(name)
        print("\(name) replaying \(transcript) (\(parsed.steps.count) steps) at=\(s.atPath) audio=\(s.audioPath)")
        var watcher: Task<Void, Never>?
        if exitAtEnd {
            // The end of the timeline raises SIGTERM on ourselves, so both ways out share the
            // signal handler's clean-up (links removed).
            watcher = Task {
                while !Task.isCancelled {
                    if let r = try? await sim.replayStatus(name), r.finished {
                        print("replay done: \(r.commands.count) command(s), \(r.defaulted.count) default-answered, \(r.timeouts.count) wait(s) timed out")
                        kill(getpid(), SIGTERM)
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        _ = await signals.next()
        watcher?.cancel()
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
            + "hangup <name>; callee <name> <number|prefix*> answer|busy|noanswer|congestion [seconds]; received <name> [reset]; "
            + "sms <name> [--order 3,1,2] [--duplicate N] [--drop N] <from> <text>; sms-pdu <name> <hex>; sms-sent <name>; "
            + "sms-fail <name> <code> [<count>]; sms-storage <name>"
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

