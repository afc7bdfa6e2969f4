// `simgated` as a child process, for the tests that kill it (SIGKILL) and start it again on the
// same state directory, and the CLI against it (SMSCrashTests, CrashSafetyTests).
import ControlModel
import Foundation
import SimgateCLI
import Testing

/// A `simgated` child process; killed (SIGKILL) by `kill()`, or at the end by `terminate()`.
final class DaemonProcess: @unchecked Sendable {
    // Set once in `init`, read by the test's own task.
    let process = Process()

    init(config: String, logPath: String) throws {
        process.executableURL = builtProductsDirectory().appendingPathComponent("simgated")
        process.arguments = ["--config", config]
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    func kill(_ signal: Int32) async {
        Foundation.kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}

/// `simgate ARGS` against the daemon listening on `socket`, as an admin runs it.
func daemonCLI(_ socket: String, _ arguments: [String]) async -> CLIOutcome {
    let context = CLIContext(
        environment: ["SIMGATE_SOCKET": socket, "LANG": "C"], now: Date(), timeZone: TimeZone(identifier: "UTC")!,
        terminalWidth: nil, fileExists: { FileManager.default.fileExists(atPath: $0) }, readStandardInput: { [] })
    return await CLIRunner.run(arguments: arguments, context: context)
}

/// Waits (bounded) until the daemon on `socket` lists `modem` as free.
func waitModemFree(_ socket: String, _ modem: String, seconds: Double = 20) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        let outcome = await daemonCLI(socket, ["modems", "--json"])
        if let list = try? ControlJSON.decoder().decode(ModemList.self, from: Data(outcome.standardOutput.utf8)),
           list.modems.contains(where: { $0.id == modem && $0.state == .free }) { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw HarnessError(description: "\(modem) not free after \(seconds) s")
}
