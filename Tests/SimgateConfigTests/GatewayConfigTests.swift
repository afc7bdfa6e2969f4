import Foundation
import TestSupport
import Testing
@testable import SimgateConfig

/// Every problem the config reports, one `file:line: key: message` string each.
func problems(_ text: String) -> [String] {
    do {
        _ = try GatewayConfig.parse(text: text, fileName: "simgate.toml")
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("GatewayConfig: the example and defaults")
struct GatewayConfigExampleTests {
    @Test func exampleFileParses() throws {
        let path = repositoryRoot.appendingPathComponent("examples/simgate.toml").path
        let config = try GatewayConfig.load(path: path)
        #expect(config.daemon == DaemonConfig(stateDirectory: "var/lib/simgate", logLevel: .info))
        #expect(config.control == ControlConfig(socket: "/tmp/simgate/simgated.sock"))
        #expect(config.modemPool == ModemPoolConfig(pollIntervalSeconds: 10, commandTimeoutSeconds: 5, discover: true,
                                                    scan: ["/tmp/simgate/sim/*.at"], recoveryTimeouts: 3))
        #expect(config.modems.map(\.id) == ["huawei1", "quectel1", "simcom1"])
        #expect(config.modems.map(\.dialect) == [.huawei, .quectel, .simcom])
        for modem in config.modems {
            #expect(modem.atPort == "/tmp/simgate/sim/\(modem.id).at")
            #expect(modem.audioPort == "/tmp/simgate/sim/\(modem.id).audio")
            #expect(modem.pin == nil)
        }
        #expect(config.modems.map(\.line) == [56, 62, 68])
        // The demo has Prometheus's listener on, as examples/grafana-dashboard.json expects.
        #expect(config.metrics.listen?.description == "127.0.0.1:9464")
    }

    @Test func emptyFileGivesDefaults() throws {
        let config = try GatewayConfig.parse(text: "# nothing here\n")
        #expect(config == GatewayConfig())
        #expect(config.daemon.stateDirectory == "/var/lib/simgate")
        #expect(config.control.socket == "/run/simgate/simgated.sock")
        #expect(config.modemPool.pollIntervalSeconds == 10)
        #expect(config.modemPool.commandTimeoutSeconds == 5)
        #expect(config.modemPool.discover)
        #expect(config.modemPool.recoveryTimeouts == 3)
        #expect(config.modems.isEmpty)
    }

    @Test func integersAndFloatsBothWorkForSeconds() throws {
        let config = try GatewayConfig.parse(text: "[modems]\npoll_interval = 2.5\ncommand_timeout = 0.5\n")
        #expect(config.modemPool.pollIntervalSeconds == 2.5)
        #expect(config.modemPool.commandTimeoutSeconds == 0.5)
    }

    @Test func tcpListenWithTokenAndPIN() throws {
        let text = """
        [control]
        socket = "/run/s.sock"
        tcp_listen = "[::1]:8088"
        token = "0123456789abcdef0123"

        [[modem]]
        id = "m1"
        at_port = "/dev/ttyUSB2"
        pin = "0042"
        """
        let config = try GatewayConfig.parse(text: text)
        #expect(config.control.tcpListen == ControlConfig.TCPAddress(host: "::1", port: 8088))
        #expect(config.control.token?.exposedValue == "0123456789abcdef0123")
        #expect(config.modems.first?.pin?.exposedValue == "0042")
    }
}

@Suite("GatewayConfig: every problem names file, line and key")
struct GatewayConfigValidationTests {
    @Test func wrongTypeNamesTheValueLine() {
        let text = """
        [[modem]]
        id = "a"
        at_port = "/dev/ttyUSB2"

        [[modem]]
        id = "b"
        at_port = 3
        """
        #expect(problems(text) == ["simgate.toml:7: modem[1].at_port: expected a string, got integer"])
    }

    @Test func everyProblemIsReportedInFileOrder() {
        let text = """
        [daemon]
        log_level = "verbose"
        state_dir = ""

        [control]
        socket = 42

        [modems]
        poll_interval = 0
        command_timeout = 121
        discover = "yes"
        scan = ["/ok/*.at", 7, "relative/*.at"]
        recovery_timeouts = 0.5
        """
        #expect(problems(text) == [
            "simgate.toml:2: daemon.log_level: expected one of trace, debug, info, notice, warning, error, critical, got \"verbose\"",
            "simgate.toml:3: daemon.state_dir: must not be empty",
            "simgate.toml:6: control.socket: expected a string, got integer",
            "simgate.toml:9: modems.poll_interval: must be between 1 and 3600, got 0",
            "simgate.toml:10: modems.command_timeout: must be between 0.5 and 120, got 121",
            "simgate.toml:11: modems.discover: expected a boolean (true or false), got string",
            "simgate.toml:12: modems.scan[1]: expected a string, got integer",
            "simgate.toml:12: modems.scan[2]: expected an absolute path (starting with /), got \"relative/*.at\"",
            "simgate.toml:13: modems.recovery_timeouts: expected an integer, got float",
        ])
    }

    @Test func unknownKeysSuggestTheNearestKnownKey() {
        let text = """
        [daemon]
        stat_dir = "/x"
        loglevel = "info"

        [modems]
        poll-interval = 5
        frobnicate = 1

        [modme]
        x = 1
        """
        #expect(problems(text) == [
            "simgate.toml:2: daemon.stat_dir: unknown key (did you mean \"state_dir\"?)",
            "simgate.toml:3: daemon.loglevel: unknown key (did you mean \"log_level\"?)",
            "simgate.toml:6: modems.poll-interval: unknown key (did you mean \"poll_interval\"?)",
            "simgate.toml:7: modems.frobnicate: unknown key; known keys here: poll_interval, command_timeout, discover, scan, recovery_timeouts",
            "simgate.toml:9: modme: unknown table (did you mean \"modem\"?)",
        ])
    }

    @Test func missingRequiredKeysNameTheTablesLine() {
        let text = """
        [[modem]]
        id = "ok"
        at_port = "/dev/ttyUSB2"

        # the second modem forgot both
        [[modem]]
        dialect = "quectel"
        """
        #expect(problems(text) == [
            "simgate.toml:6: modem[1].id: missing required key",
            "simgate.toml:6: modem[1].at_port: missing required key",
        ])
    }

    @Test func modemFieldsAreValidated() {
        let text = """
        [[modem]]
        id = "Huawei 1"
        at_port = "ttyUSB2"
        audio_port = "/dev/ttyUSB1"
        dialect = "nokia"
        """
        #expect(problems(text) == [
            "simgate.toml:2: modem[0].id: expected 1 to 32 of a-z, 0-9, '_' or '-', got \"Huawei 1\"",
            "simgate.toml:3: modem[0].at_port: expected an absolute path (starting with /), got \"ttyUSB2\"",
            "simgate.toml:5: modem[0].dialect: expected one of huawei, quectel, simcom, generic, got \"nokia\"",
        ])
        let long = String(repeating: "a", count: 33)
        #expect(problems("[[modem]]\nid = \"\(long)\"\nat_port = \"/x\"") == [
            "simgate.toml:2: modem[0].id: expected 1 to 32 of a-z, 0-9, '_' or '-', got \"\(long)\"",
        ])
    }

    @Test func duplicateIDsAndPortsAreRejected() {
        let text = """
        [[modem]]
        id = "m1"
        at_port = "/dev/ttyUSB2"
        audio_port = "/dev/ttyUSB1"

        [[modem]]
        id = "m1"
        at_port = "/dev/ttyUSB1"

        [[modem]]
        id = "m3"
        at_port = "/dev/ttyUSB2"
        """
        #expect(problems(text) == [
            "simgate.toml:7: modem[1].id: duplicate id \"m1\" (already used by modem[0] at line 2)",
            "simgate.toml:8: modem[1].at_port: port \"/dev/ttyUSB1\" is already used by modem[0].audio_port at line 4",
            "simgate.toml:12: modem[2].at_port: port \"/dev/ttyUSB2\" is already used by modem[0].at_port at line 3",
        ])
    }

    @Test func tcpListenNeedsAValidAddressAndAToken() {
        #expect(problems("[control]\ntcp_listen = \"127.0.0.1:8088\"\n") == [
            "simgate.toml:2: control.tcp_listen: a token is required when tcp_listen is set (add token = \"...\" to [control]; operator_token and monitor_token give less)",
        ])
        #expect(problems("[control]\ntcp_listen = \"localhost\"\ntoken = \"0123456789abcdef\"\n") == [
            "simgate.toml:2: control.tcp_listen: expected host:port with a port in 1...65535 (e.g. \"127.0.0.1:8088\"), got \"localhost\"",
        ])
        #expect(problems("[control]\ntcp_listen = \"::1:80\"\ntoken = \"0123456789abcdef\"\n").count == 1)
        #expect(problems("[control]\ntcp_listen = \"0.0.0.0:65536\"\ntoken = \"0123456789abcdef\"\n").count == 1)
    }

    @Test func tokensPerRoleAndTLSAreReadAndChecked() throws {
        let config = try GatewayConfig.parse(text: """
            [control]
            tcp_listen = "0.0.0.0:8443"
            token = "admin-admin-admin-admin"
            operator_token = "operator-operator-operator"
            monitor_token = "monitor-monitor-monitor"
            tls_certificate = "/etc/simgate/control.crt"
            tls_key = "/etc/simgate/control.key"
            """, fileName: "simgate.toml")
        #expect(config.control.role(forToken: "admin-admin-admin-admin") == .admin)
        #expect(config.control.role(forToken: "operator-operator-operator") == .operator)
        #expect(config.control.role(forToken: "monitor-monitor-monitor") == .monitor)
        #expect(config.control.role(forToken: "monitor-monitor-monitorX") == nil)
        #expect(config.control.role(forToken: "") == nil)
        #expect(config.control.tlsCertificate == "/etc/simgate/control.crt" && config.control.tlsKey == "/etc/simgate/control.key")
        #expect(ControlConfig.Role.monitor < .operator && ControlConfig.Role.operator < .admin)
        // A printed config redacts every role's token and reads back the same.
        let printed = config.redactedDescription
        #expect(!printed.contains("operator-operator") && printed.contains("monitor_token = \"<redacted>\""), "\(printed)")

        #expect(problems("""
            [control]
            tcp_listen = "127.0.0.1:8088"
            monitor_token = "same-same-same-same-same"
            operator_token = "same-same-same-same-same"
            tls_certificate = "/etc/simgate/control.crt"
            """) == [
            "simgate.toml:4: control.operator_token: the same token as monitor_token: each role needs its own (a shared one would grant the higher role)",
            "simgate.toml:5: control.tls_certificate: tls_certificate and tls_key go together (a PEM certificate chain and its private key)",
        ])
        #expect(problems("[control]\ntls_key = \"/k\"\ntls_certificate = \"/c\"\n") == [
            "simgate.toml:3: control.tls_certificate: TLS is for the TCP listener: set tcp_listen too (the unix socket needs none)",
        ])
        // A monitor token alone is enough to open the listener.
        #expect(problems("[control]\ntcp_listen = \"127.0.0.1:8088\"\nmonitor_token = \"0123456789abcdef\"\n").isEmpty)
    }

    @Test func secretsAreValidatedWithoutEchoingThem() {
        let text = """
        [control]
        tcp_listen = "127.0.0.1:8088"
        token = "hunter2"

        [[modem]]
        id = "m1"
        at_port = "/dev/ttyUSB2"
        pin = 9876

        [[modem]]
        id = "m2"
        at_port = "/dev/ttyUSB5"
        pin = "98a7"
        """
        let found = problems(text)
        #expect(found == [
            "simgate.toml:3: control.token: too short: use at least 16 characters (e.g. openssl rand -hex 16)",
            "simgate.toml:8: modem[0].pin: expected a string, got integer (write the PIN in quotes so leading zeros survive)",
            "simgate.toml:13: modem[1].pin: expected 4 to 8 digits",
        ])
        for line in found {
            #expect(!line.contains("hunter2") && !line.contains("9876") && !line.contains("98a7"))
        }
    }

    @Test func sectionShapeMistakesGetAHint() {
        #expect(problems("[modem]\nid = \"m\"\nat_port = \"/x\"\n[[daemon]]\n") == [
            "simgate.toml:1: modem: expected an array of tables, got table (write [[modem]] for each entry, not [modem])",
            "simgate.toml:4: daemon: expected a table, got array (write [daemon], not [[daemon]])",
        ])
    }

    @Test func syntaxErrorsKeepTheirColumn() {
        let text = "[daemon]\nstate_dir = \"/x\"\n\n[modems]\npoll_interval 10\n"
        #expect(problems(text) == ["simgate.toml:5:15: expected '=' after key \"poll_interval\", found '1'"])
    }

    @Test func socketPathMustFitSunPath() {
        let long = "/" + String(repeating: "s", count: 107)
        #expect(problems("[control]\nsocket = \"\(long)\"") == [
            "simgate.toml:2: control.socket: unix socket path is 108 bytes, longer than the 107 Linux allows",
        ])
    }

    @Test func typoSuggestionsStayClose() {
        #expect(TableReader.closest(to: "pol_interval", among: ["poll_interval", "scan"]) == "poll_interval")
        #expect(TableReader.closest(to: "zzz", among: ["poll_interval", "scan"]) == nil)
        #expect(TableReader.editDistance("kitten", "sitting") == 3)
    }
}

@Suite("GatewayConfig: secrets and files")
struct GatewayConfigSecretsAndFilesTests {
    static let withSecrets = """
    [control]
    tcp_listen = "127.0.0.1:8088"
    token = "s3cr3t-t0ken-abcdefgh"

    [[modem]]
    id = "m1"
    at_port = "/dev/ttyUSB2"
    pin = "271828"
    """

    @Test func redactedOutputNeverShowsPINOrToken() throws {
        let config = try GatewayConfig.parse(text: Self.withSecrets)
        let renderings = [config.redactedDescription, "\(config)", String(reflecting: config), String(describing: config.modems),
                          { var s = ""; dump(config, to: &s); return s }()]
        for text in renderings {
            #expect(!text.contains("s3cr3t"))
            #expect(!text.contains("271828"))
        }
        #expect(config.redactedDescription.contains("token = \"<redacted>\""))
        #expect(config.redactedDescription.contains("pin = \"<redacted>\""))
    }

    @Test func redactedDescriptionOfASecretFreeConfigReadsBack() throws {
        let path = repositoryRoot.appendingPathComponent("examples/simgate.toml").path
        var config = try GatewayConfig.load(path: path)
        config.daemon.stateDirectory = "/odd \"dir\"\\with\ttab"
        // The example's [[user]] has a password: it reads back as the placeholder.
        var reread = try GatewayConfig.parse(text: config.redactedDescription, acceptingRedactedSecrets: true)
        // Lines differ: the rendering is more compact than the commented example.
        for i in reread.modems.indices { reread.modems[i].line = config.modems[i].line }
        for i in reread.sims.indices { reread.sims[i].line = config.sims[i].line }
        #expect(reread == config.withSecretsRedacted)
    }

    @Test func loadReportsUnusableFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simgate-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        func loadError(_ path: String) -> String {
            do {
                _ = try GatewayConfig.load(path: path)
                return "no error"
            } catch {
                return error.description
            }
        }
        let missing = dir.appendingPathComponent("missing.toml").path
        #expect(loadError(missing) == "\(missing): no such file")
        #expect(loadError(dir.path) == "\(dir.path): is a directory, not a config file")

        let binary = dir.appendingPathComponent("binary.toml")
        try Data([0x61, 0x20, 0x3D, 0x20, 0xFF, 0xFE]).write(to: binary)
        #expect(loadError(binary.path) == "\(binary.path): not valid UTF-8 text")

        let huge = dir.appendingPathComponent("huge.toml")
        try Data(repeating: 0x23, count: GatewayConfig.maximumFileSize + 1).write(to: huge)
        #expect(loadError(huge.path) == "\(huge.path): larger than 1048576 bytes; is this really the config file?")

        let bad = dir.appendingPathComponent("bad.toml")
        try Data("[daemon]\nlog_level = 3\n".utf8).write(to: bad)
        #expect(loadError(bad.path) == "\(bad.path):2: daemon.log_level: expected a string, got integer")
    }
}

@Suite("GatewayConfig: mangled input never crashes")
struct GatewayConfigRobustnessTests {
    /// SplitMix64: a fixed seed makes every run mutate the same way, so a failure reproduces.


    @Test func mutatedExampleYieldsAConfigOrProblemsWithinTheFile() throws {
        let path = repositoryRoot.appendingPathComponent("examples/simgate.toml").path
        let original = Array(try String(contentsOfFile: path, encoding: .utf8).unicodeScalars)
        let alphabet = Array("[]{}\"'=.,#\n\r\\ _-0x9eE+:ütrue".unicodeScalars)
        var rng = SplitMix64(state: 42)
        var rejected = 0
        for _ in 0..<1500 {
            var text = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<text.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: text.remove(at: i)
                case 1: text.insert(alphabet.randomElement(using: &rng)!, at: i)
                default: text[i] = alphabet.randomElement(using: &rng)!
                }
            }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: text)
            let mangled = String(s)
            let lineCount = mangled.split(separator: "\n", omittingEmptySubsequences: false).count
            do {
                _ = try GatewayConfig.parse(text: mangled)
            } catch {
                rejected += 1
                #expect(!error.problems.isEmpty)
                for problem in error.problems {
                    #expect((1...lineCount).contains(problem.line ?? 0), "\(problem)")
                }
            }
        }
        // About 40% of mutations break the file (many land in comments); a mutator that never
        // broke anything would test nothing.
        #expect(rejected > 300)
    }
}
