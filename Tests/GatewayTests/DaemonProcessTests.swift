// The `simgated` binary as an admin runs it: a bad config is refused with the file, line and
// key, and a non-zero exit; a good one passes --check-config.
import Foundation
import Testing

/// The directory holding the built executables: next to the test bundle, or `.build/debug`.
func builtProductsDirectory() -> URL {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if FileManager.default.isExecutableFile(atPath: bundleDir.appendingPathComponent("simgated").path) { return bundleDir }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug")
}

/// Runs one of the built programs (bounded: killed after `timeout`).
func runProgram(_ name: String, _ arguments: [String], timeout: Double = 20) async throws -> ProcessResult {
    try await runProcess(builtProductsDirectory().appendingPathComponent(name).path, arguments,
                         directory: NSTemporaryDirectory(), timeout: timeout)
}

@Suite("simgated as a process")
struct DaemonProcessTests {
    @Test("a bad config gives a clear error naming file, line and key, and a non-zero exit")
    func badConfig() async throws {
        let path = NSTemporaryDirectory() + "bad-\(UInt32.random(in: 0...UInt32.max)).toml"
        try """
            [daemon]
            log_levl = "info"

            [modems]
            poll_interval = "often"

            [[modem]]
            id = "m1"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for arguments in [["--check-config", "--config", path], ["--config", path]] {
            let result = try await runProgram("simgated", arguments)
            #expect(result.status == 2)
            #expect(result.stderr.contains("\(path):2: daemon.log_levl: unknown key (did you mean \"log_level\"?)"), "\(result.stderr)")
            #expect(result.stderr.contains("\(path):5: modems.poll_interval:"), "\(result.stderr)")
            #expect(result.stderr.contains("\(path):7: modem[0].at_port: missing required key"), "\(result.stderr)")
        }
    }

    @Test("a missing config file is named, not a crash")
    func missingConfig() async throws {
        let result = try await runProgram("simgated", ["--check-config", "--config", "/nonexistent/simgate.toml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/simgate.toml"))
    }

    @Test("the example config passes --check-config")
    func exampleConfig() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let result = try await runProgram("simgated", ["--check-config", "--config", root.appendingPathComponent("examples/simgate.toml").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("OK (3 modem(s) configured)"))
    }

    @Test("--print-config shows every section with defaults filled in and the passwords redacted")
    func printConfig() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let result = try await runProgram("simgated", ["--print-config", "--config", root.appendingPathComponent("examples/simgate.toml").path])
        #expect(result.status == 0, "\(result.stderr)")
        for section in ["[daemon]", "[control]", "[modems]", "[[modem]]", "[sip]", "[[user]]"] {
            #expect(result.stdout.contains(section), "\(section) missing: \(result.stdout)")
        }
        #expect(result.stdout.contains("password = \"<redacted>\""))
        #expect(!result.stdout.contains("demo-password-1"), "the demo user's password leaked")
    }

    @Test("under swift-service-lifecycle: SIGHUP reloads the numbering data and the daemon stays up; SIGTERM shuts it down cleanly (exit 0, socket removed)")
    func signals() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = "/tmp/sgt-sig-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let socket = dir + "/simgated.sock"
        func writeConfig(logLevel: String = "info", pollInterval: Int = 1, broken: Bool = false) throws {
            try """
                [daemon]
                state_dir = "\(dir)/state"
                log_level = "\(logLevel)"

                [control]
                socket = "\(socket)"

                [modems]
                discover = false
                poll_interval = \(broken ? "\"often\"" : String(pollInterval))

                [routing]
                home_country = "ru"
                registry = ["\(root.path)/data/numbering/rossvyaz/DEF-9xx.csv"]
                """.write(toFile: dir + "/simgate.toml", atomically: true, encoding: .utf8)
        }
        try writeConfig()
        let daemon = Process()
        daemon.executableURL = builtProductsDirectory().appendingPathComponent("simgated")
        daemon.arguments = ["--config", dir + "/simgate.toml"]
        let logPath = dir + "/simgated.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        daemon.standardError = log
        daemon.standardOutput = log
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        func logText() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        try await eventually("the control socket and the first numbering load", seconds: 20) {
            FileManager.default.fileExists(atPath: socket) && logText().contains("reason=start-up")
        }
        kill(daemon.processIdentifier, SIGHUP)
        try await eventually("numbering reloaded on SIGHUP", seconds: 20) { logText().contains("reason=SIGHUP") }
        #expect(daemon.isRunning, "SIGHUP must not stop the daemon: \(logText())")
        #expect(!logText().contains("only a restart applies"), "an unchanged file asks for no restart: \(logText())")
        let status = try await runProgram("simgate", ["status", "--socket", socket, "--json"])
        #expect(status.status == 0 && status.stdout.contains("\"version\""), "\(status.stdout) \(status.stderr)")

        // A quieter log level applies at once; a changed [modems] waits for a restart, and says so.
        try writeConfig(logLevel: "warning", pollInterval: 5)
        kill(daemon.processIdentifier, SIGHUP)
        try await eventually("the reload names what waits for a restart", seconds: 20) {
            logText().contains("config changed where only a restart applies it")
        }
        let lines = logText().split(separator: "\n")
        #expect(lines.contains { $0.contains("log level changed") && $0.contains("level=warning") }, "\(logText())")
        #expect(lines.contains { $0.contains("only a restart applies") && $0.contains("sections=[modems]") }, "\(logText())")
        try await Task.sleep(for: .milliseconds(500))
        #expect(logText().components(separatedBy: "numbering data loaded").count - 1 == 2,
                "at warning, the second SIGHUP's numbering notice is not logged: \(logText())")

        // A broken file changes nothing; the daemon answers on.
        try writeConfig(logLevel: "warning", pollInterval: 5, broken: true)
        kill(daemon.processIdentifier, SIGHUP)
        try await eventually("the broken file is named", seconds: 20) { logText().contains("config file has errors; nothing changed") }
        #expect(logText().contains("modems.poll_interval"), "the error names the key: \(logText())")
        let still = try await runProgram("simgate", ["status", "--socket", socket, "--json"])
        #expect(still.status == 0, "\(still.stderr)")

        // Back to info, which is said at info.
        try writeConfig(logLevel: "info", pollInterval: 5)
        kill(daemon.processIdentifier, SIGHUP)
        try await eventually("back at info", seconds: 20) {
            logText().split(separator: "\n").contains { $0.contains("log level changed") && $0.contains("level=info") }
        }

        kill(daemon.processIdentifier, SIGTERM)
        try await eventually("simgated exits after SIGTERM", seconds: 20) { !daemon.isRunning }
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0, "\(logText())")
        #expect(logText().contains("shutting down"), "\(logText())")
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket file is removed on a clean stop")
    }

    @Test("simgate with no daemon running says so in one line and exits 2")
    func cliWithoutDaemon() async throws {
        let result = try await runProgram("simgate", ["modems", "--socket", "/tmp/no-such-simgated.sock"])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("not running"))
    }
}
