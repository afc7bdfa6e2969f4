// `simgate`: the admin's view of a running simgated, over its control API.
//
// Every command is an `ExecutableCommand`: it takes a `CLIContext` (environment, clock, time
// zone, terminal, stdin) and returns the text and exit status. The `simgate` program and the
// tests both go through `CLIRunner.run(arguments:context:)`, so tests see exactly what a user
// would.
import ArgumentParser
import ControlModel
import Foundation

public struct SimgateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "simgate",
        abstract: "Watch and steer a running simgated.",
        discussion: """
            Talks to simgated's control API on its unix socket: --socket, else $SIMGATE_SOCKET, \
            else /run/simgate/simgated.sock or /tmp/simgate/simgated.sock. Over TCP: --url \
            http://host:port or https://host:port with --token (or $SIMGATE_TOKEN), and --cacert \
            (or $SIMGATE_CACERT) when the daemon's certificate is its own.
            Exit status: 0 ok, 1 the daemon or the command refused, 2 simgated not reachable.
            """,
        subcommands: [StatusCommand.self, ModemsCommand.self, ModemCommand.self, ATCommand.self, CallsCommand.self, CallCommand.self, CDRCommand.self,
                      SIPCommand.self, RouteCommand.self, SimsCommand.self, SIMCommand.self, NumberingCommand.self,
                      MissedCommand.self, WebhooksCommand.self, ReportCommand.self, SMSCommand.self, USSDCommand.self, BalanceCommand.self],
        // `simgate` alone: the one-screen status.
        defaultSubcommand: StatusCommand.self
    )
    public init() {}
}

/// What a command run produced.
public struct CLIOutcome: Sendable, Equatable {
    public var exitCode: Int32
    public var standardOutput: String
    public var standardError: String
}

/// Everything a command may learn about the world, injected so tests control it.
public struct CLIContext: Sendable {
    public var environment: [String: String]
    public var now: Date
    public var timeZone: TimeZone
    /// Columns of the terminal on stdout; nil when stdout is not a terminal (tables use 80).
    public var terminalWidth: Int?
    public var fileExists: @Sendable (String) -> Bool
    public var readStandardInput: @Sendable () throws -> [UInt8]
    /// The run's one HTTP client, made on the first request; `CLIRunner.run` shuts it down.
    let transport = ControlTransport()

    public init(
        environment: [String: String], now: Date, timeZone: TimeZone, terminalWidth: Int? = nil,
        fileExists: @escaping @Sendable (String) -> Bool,
        readStandardInput: @escaping @Sendable () throws -> [UInt8] = { [] }
    ) {
        self.environment = environment
        self.now = now
        self.timeZone = timeZone
        self.terminalWidth = terminalWidth
        self.fileExists = fileExists
        self.readStandardInput = readStandardInput
    }

    public static func live() -> CLIContext {
        CLIContext(
            environment: ProcessInfo.processInfo.environment, now: Date(), timeZone: .current,
            terminalWidth: Terminal.columns(),
            fileExists: { FileManager.default.fileExists(atPath: $0) },
            readStandardInput: { Array(FileHandle.standardInput.readDataToEndOfFile()) }
        )
    }

    /// Tables fit 80 columns, or the terminal if it is wider.
    var tableWidth: Int { max(80, terminalWidth ?? 80) }

    /// Box-drawing bars and "…" only when the locale says UTF-8 (LC_ALL > LC_CTYPE > LANG).
    var localeIsUTF8: Bool {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { self.environment[$0] }.first { !$0.isEmpty }
        guard let locale else { return false }
        let lower = locale.lowercased()
        return lower.contains("utf-8") || lower.contains("utf8")
    }
}

public enum CLIRunner {
    /// Parses and runs one command line (without the program name) against `context`.
    public static func run(arguments: [String], context: CLIContext) async -> CLIOutcome {
        let outcome = await outcome(arguments: arguments, context: context)
        await context.transport.shutdown()
        return outcome
    }

    /// The `simgate` program: runs the process's own command line and exits with its status.
    public static func main() async -> Never {
        let result = await run(arguments: Array(CommandLine.arguments.dropFirst()), context: .live())
        FileHandle.standardOutput.write(Data(result.standardOutput.utf8))
        FileHandle.standardError.write(Data(result.standardError.utf8))
        exit(result.exitCode)
    }

    private static func outcome(arguments: [String], context: CLIContext) async -> CLIOutcome {
        do {
            let command = try SimgateCommand.parseAsRoot(arguments)
            guard let executable = command as? any ExecutableCommand else {
                // A group without a subcommand: ArgumentParser would print its help.
                return CLIOutcome(exitCode: 0, standardOutput: SimgateCommand.helpMessage(for: type(of: command)) + "\n",
                                  standardError: "")
            }
            let output = try await executable.execute(context)
            return CLIOutcome(exitCode: output.exitCode, standardOutput: output.text, standardError: output.errorText)
        } catch let failure as CLIFailure {
            return CLIOutcome(exitCode: failure.exitCode, standardOutput: "", standardError: "simgate: \(failure.message)\n")
        } catch {
            let code = SimgateCommand.exitCode(for: error).rawValue
            let message = SimgateCommand.fullMessage(for: error) + "\n"
            return code == 0
                ? CLIOutcome(exitCode: 0, standardOutput: message, standardError: "")
                : CLIOutcome(exitCode: code, standardOutput: "", standardError: message)
        }
    }
}

/// What a command prints and how it exits.
struct CommandOutput: Equatable {
    var text: String
    var errorText: String = ""
    var exitCode: Int32 = 0
}

protocol ExecutableCommand: ParsableCommand {
    func execute(_ context: CLIContext) async throws -> CommandOutput
}

// MARK: - Options shared by the commands that talk to the daemon

struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("simgated's unix socket.", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Reach simgated over TCP instead, e.g. https://10.0.0.5:8443.", valueName: "url"))
    var url: String?

    @Option(name: .long, help: ArgumentHelp("Bearer token for --url (default $SIMGATE_TOKEN).", valueName: "token"))
    var token: String?

    @Option(name: .long, help: ArgumentHelp("PEM certificate(s) to trust for an https --url (default $SIMGATE_CACERT).",
                                            valueName: "file"),
            completion: .file(extensions: ["pem", "crt"]))
    var cacert: String?

    func client(_ context: CLIContext) throws -> ControlClient {
        let endpoint = try DaemonEndpoint.resolve(
            socket: socket, url: url, token: token, caFile: cacert,
            environment: context.environment, fileExists: context.fileExists)
        return ControlClient(endpoint: endpoint, transport: context.transport)
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the API's JSON answer, pretty-printed.")
    var json = false

    @Flag(name: .long, help: "Only ASCII: bars as 3/5, cuts as ~ (default when the locale is not UTF-8).")
    var ascii = false

    func asciiOnly(_ context: CLIContext) -> Bool { ascii || !context.localeIsUTF8 }
}

/// The API's JSON, pretty-printed with sorted keys. It is re-serialised from the raw body, not
/// from the decoded model, so fields this CLI does not know yet still show.
func prettyJSON(_ body: [UInt8]) -> String {
    guard let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
          let data = try? JSONSerialization.data(
              withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
    else { return String(decoding: body, as: UTF8.self) + "\n" }
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// A path segment for a modem ID: IDs come from config keys, so encode anything odd.
func pathSegment(_ id: String) -> String {
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
}

enum Terminal {
    /// The width of the terminal on stdout, or nil when stdout is not a terminal.
    static func columns() -> Int? {
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
