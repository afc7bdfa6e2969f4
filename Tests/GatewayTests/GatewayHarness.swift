// End-to-end fixture: simulated modems on real pseudo-terminals (modemsim, in process),
// the real daemon (config file, SQLite in a temp state dir, control API on a unix socket),
// and the real CLI talking to it. Nothing is mocked; every wait is bounded.
import ControlModel
import Foundation
import Gateway
import ModemSimulator
import SimgateCLI
import SimgateConfig
import Testing

struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

/// The three demo modems: a Huawei and a SIMCom on MTS (250-01), a Quectel on Beeline (250-99).
let demoModems: [(name: String, vendor: String, model: String, imei: String, imsi: String, iccid: String, mccmnc: String, operatorName: String, signal: Int)] = [
    ("huawei1", "huawei", "E1752", "354099000000012", "250010000000001", "8970100000000000012", "25001", "MTS RUS", 20),
    ("quectel1", "quectel", "EC25", "866000000000029", "250990000000002", "8970199000000000025", "25099", "Beeline", 14),
    ("simcom1", "simcom", "SIMCOM_SIM7600E-H", "862000000000031", "250010000000003", "8970100000000000038", "25001", "MTS RUS", 25),
]

/// Extra modems for call tests (failover needs two of a kind); not in the default set.
let spareModems: [(name: String, vendor: String, model: String, imei: String, imsi: String, iccid: String, mccmnc: String, operatorName: String, signal: Int)] = [
    ("huawei2", "huawei", "E1752", "354099000000020", "250010000000004", "8970100000000000046", "25001", "MTS RUS", 18),
    // A Vodafone NZ SIM: its operator answers balance requests by SMS ("BAL" to 777).
    ("vodafone1", "quectel", "EC25", "866000000000052", "530010000000005", "8964010000000000059", "53001", "vodafone NZ", 17),
]

/// Sixteen more Huawei modems for the concurrency test (bulk01 ... bulk16).
let bulkModems: [(name: String, vendor: String, model: String, imei: String, imsi: String, iccid: String, mccmnc: String, operatorName: String, signal: Int)] =
    (1...16).map { i in
        let n = String(format: "%02d", i)
        return ("bulk\(n)", "huawei", "E1752", withLuhn("354099000001\(n)"), "2500100000001\(n)", withLuhn("897010000000000\(n)1"),
                "25001", "MTS RUS", 20)
    }

/// `digits` followed by its Luhn check digit (IMEI, ICCID).
func withLuhn(_ digits: String) -> String {
    var sum = 0
    for (i, c) in digits.reversed().enumerated() {
        var d = Int(String(c)) ?? 0
        if i % 2 == 0 { d *= 2; if d > 9 { d -= 9 } }
        sum += d
    }
    return digits + String((10 - sum % 10) % 10)
}

let allSimulatedModems = demoModems + spareModems + bulkModems

/// The [routing] the end-to-end tests share: Russian numbering (Rossvyaz 9xx ranges), Moscow time.
let moscowRoutingTOML = """
    [routing]
    home_country = "ru"
    time_zone = "Europe/Moscow"
    registry = ["\(numberingData)/rossvyaz/DEF-9xx.csv"]
    """

/// A [[webhook]] posting to a WebhookReceiver on `port`.
/// A fresh directory under /tmp (short: unix socket paths must fit in 108 bytes); the caller
/// removes it.
func scratchDirectory(_ name: String) throws -> String {
    let path = "/tmp/sgt-\(name)-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func webhookTOML(port: Int, secret: String) -> String {
    """
    [[webhook]]
    url = "http://127.0.0.1:\(port)/crm"
    secret = "\(secret)"
    """
}

final class GatewayHarness: @unchecked Sendable {
    // Mutated only from the test's own task, one step at a time.
    let directory: String
    let simulator: ModemSimulator
    private(set) var running: RunningDaemon
    let socket: String
    let configPath: String

    /// Starts modemsim with `modems` (default: the three demo modems) and the daemon with a
    /// config whose `[[modem]]` tables are `configuredModems` (names) and whose scan glob
    /// covers every `*.at` link in the sim directory.
    static func start(
        modems: [String] = demoModems.map(\.name),
        configuredModems: [String]? = nil,
        pollInterval: Double = 1,
        commandTimeout: Double = 1,
        extraModemTOML: String = "",
        extraTOML: String = "",
        controlTOML: String = "",
        tail: String = "",
        replays: [String: String] = [:],
        smsCapacity: Int? = nil,
        simPINs: [String: String] = [:],
        withoutCNUM: Set<String> = []
    ) async throws -> GatewayHarness {
        // Short: a unix socket path must fit in 108 bytes.
        let directory = "/tmp/sgt-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory + "/sim", withIntermediateDirectories: true)
        let simConfig = try SimulatorConfig.load(json: Data(simulatorJSON(directory: directory, modems: modems, replays: replays, smsCapacity: smsCapacity,
                                                                                  simPINs: simPINs, withoutCNUM: withoutCNUM).utf8))
        let simulator = try await ModemSimulator.start(simConfig)

        let configured = configuredModems ?? modems
        var toml = """
            [daemon]
            state_dir = "\(directory)/state"
            log_level = "warning"

            [control]
            socket = "\(directory)/simgated.sock"
            \(controlTOML)

            [modems]
            poll_interval = \(pollInterval)
            command_timeout = \(commandTimeout)
            recovery_timeouts = 3
            discover = true
            scan = ["\(directory)/sim/*.at"]

            \(extraTOML)

            """
        for name in configured {
            let vendor = allSimulatedModems.first { $0.name == name }?.vendor ?? "generic"
            toml += """

                [[modem]]
                id = "\(name)"
                at_port = "\(directory)/sim/\(name).at"
                audio_port = "\(directory)/sim/\(name).audio"
                dialect = "\(vendor)"
                \(extraModemTOML)

                """
        }
        toml += "\n" + tail + "\n"
        let configPath = directory + "/simgate.toml"
        try toml.write(toFile: configPath, atomically: true, encoding: .utf8)
        let running: RunningDaemon
        do {
            running = try await Daemon(config: try GatewayConfig.load(path: configPath), configPath: configPath).start()
        } catch {
            await simulator.stop()  // a start that fails (the tests of bad configs) leaves no modems behind
            throw error
        }
        return GatewayHarness(directory: directory, simulator: simulator, running: running,
                              socket: directory + "/simgated.sock", configPath: configPath)
    }

    private init(directory: String, simulator: ModemSimulator, running: RunningDaemon, socket: String, configPath: String) {
        self.directory = directory
        self.simulator = simulator
        self.running = running
        self.socket = socket
        self.configPath = configPath
    }

    func stop() async {
        if daemonRunning { await running.stop() }
        await simulator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private var daemonRunning = true

    /// Stops the daemon only: the simulated modems stay up (and keep receiving SMS).
    func stopDaemon() async {
        guard daemonRunning else { return }
        daemonRunning = false
        await running.stop()
    }

    /// Starts a new daemon on the same config and state directory (after `stopDaemon`).
    func startDaemon() async throws {
        guard !daemonRunning else { return }
        running = try await Daemon(config: try GatewayConfig.load(path: configPath), configPath: configPath).start()
        daemonRunning = true
    }

    /// Runs `simgate ARGS` exactly as an admin would, against this daemon.
    func cli(_ arguments: [String], stdin: [UInt8] = []) async -> CLIOutcome {
        let context = CLIContext(
            environment: ["SIMGATE_SOCKET": socket, "LANG": "C"], now: Date(), timeZone: TimeZone(identifier: "UTC")!,
            terminalWidth: nil, fileExists: { FileManager.default.fileExists(atPath: $0) }, readStandardInput: { stdin })
        return await CLIRunner.run(arguments: arguments, context: context)
    }

    func modems() async throws -> [ModemSnapshot] {
        let outcome = await cli(["modems", "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate modems failed: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(ModemList.self, from: Data(outcome.standardOutput.utf8)).modems
    }

    func modem(_ id: String) async throws -> ModemSnapshot {
        let outcome = await cli(["modem", "show", id, "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate modem show \(id) failed: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(ModemSnapshot.self, from: Data(outcome.standardOutput.utf8))
    }

    /// Polls the API (every 100 ms, at most `seconds`) until `condition` holds for modem `id`.
    @discardableResult
    func waitFor(_ id: String, seconds: Double = 15, _ what: String, _ condition: (ModemSnapshot) -> Bool) async throws -> ModemSnapshot {
        let deadline = Date().addingTimeInterval(seconds)
        var last: ModemSnapshot?
        while Date() < deadline {
            if let snapshot = try? await modem(id) {
                last = snapshot
                if condition(snapshot) { return snapshot }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(description: "\(id): timed out after \(seconds) s waiting for \(what); last: \(last.map { "\($0.state) (\($0.stateReason ?? ""))" } ?? "no answer")")
    }

    /// `replays`: modem name -> transcript path; that modem plays the transcript instead of
    /// simulating its vendor (Tests/Fixtures/transcripts/README.md).
    /// `simPINs`: modem name -> the PIN its simulated SIM asks for.
    static func simulatorJSON(directory: String, modems: [String], replays: [String: String] = [:], smsCapacity: Int? = nil,
                              simPINs: [String: String] = [:], withoutCNUM: Set<String> = []) -> String {
        let entries = allSimulatedModems.filter { modems.contains($0.name) }.map { m in
            """
            {"name": "\(m.name)", "vendor": "\(m.vendor)", "model": "\(m.model)",\(replays[m.name].map { " \"replay\": \"\($0)\"," } ?? "")
             "identity": {"imei": "\(m.imei)", "imsi": "\(m.imsi)", "iccid": "\(m.iccid)", "\(withoutCNUM.contains(m.name) ? "networkNumber" : "msisdn")": "+7916000000\(m.imei.suffix(1))"},
             "network": {"mccmnc": "\(m.mccmnc)", "longName": "\(m.operatorName)", "shortName": "\(m.operatorName)", "registration": "home"},
             "signal": \(m.signal)\(smsCapacity.map { ", \"smsCapacity\": \($0)" } ?? "")\(simPINs[m.name].map { ", \"pin\": \"\($0)\"" } ?? "")}
            """
        }
        return """
            {"controlSocket": "\(directory)/sim/control.sock", "linkDirectory": "\(directory)/sim",
             "modems": [\(entries.joined(separator: ",\n"))]}
            """
    }
}

/// 27.007 +CSQ → dBm: -113 + 2 × rssi.
func dBm(rssi: Int) -> Int { -113 + 2 * rssi }
