// simgated: the gateway daemon. Everything it does lives in the Gateway module; this file
// only reads the command line, loads the config and hands over.
import ArgumentParser
import Foundation
import Gateway
import Logging
import SimgateConfig

@main
struct SimgatedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simgated",
        abstract: "SIP/GSM gateway daemon: drives USB GSM modems and serves the control API.")

    @Option(name: .long, help: "Configuration file (TOML).")
    var config = "/etc/simgate/simgate.toml"

    @Flag(name: .long, help: "Validate the configuration file and exit (0 when valid).")
    var checkConfig = false

    @Flag(name: .long, help: "Validate the configuration file, print it with every default filled in and every secret redacted, and exit.")
    var printConfig = false

    @Option(name: .long, help: "Override the configured log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String?

    func run() async throws {
        var gatewayConfig: GatewayConfig
        do {
            gatewayConfig = try GatewayConfig.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("simgated: invalid configuration\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        if checkConfig {
            print("\(config): OK (\(gatewayConfig.modems.count) modem(s) configured)")
            return
        }
        if printConfig {
            print(gatewayConfig.redactedDescription)
            return
        }
        if let logLevel {
            guard let parsed = DaemonConfig.LogLevel(rawValue: logLevel) else {
                throw ValidationError("--log-level: unknown level '\(logLevel)'")
            }
            gatewayConfig.daemon.logLevel = parsed
        }
        let bootLevel = Logger.Level(rawValue: gatewayConfig.daemon.logLevel.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = bootLevel
            return handler
        }
        let daemon = try Daemon(config: gatewayConfig, configPath: config)
        do {
            try await daemon.run()
        } catch {
            FileHandle.standardError.write(Data("simgated: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
