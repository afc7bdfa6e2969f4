// `simgate modem show|reset|at ID`: one modem in detail, and the two levers an admin pulls.
import ArgumentParser
import ControlModel
import Foundation

struct ModemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modem", abstract: "Inspect or act on one modem.",
        discussion: "`simgate modem NAME` is `simgate modem show NAME`.",
        subcommands: [ModemShowCommand.self, ModemResetCommand.self, ModemATCommand.self],
        defaultSubcommand: ModemShowCommand.self)
}

struct ModemShowCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Everything known about one modem.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Modem ID, as `simgate modems` lists it.") var id: String

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(ControlRoute.modem(pathSegment(id)), as: ModemSnapshot.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: ModemDetail.render(answer.value, now: context.now, timeZone: context.timeZone,
                                                      ascii: output.asciiOnly(context)))
    }
}

struct ModemResetCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset", abstract: "Ask the daemon to run the modem's recovery ladder now.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Modem ID.") var id: String

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).post(
            ControlRoute.modemReset(pathSegment(id)), body: Optional<RawATRequest>.none, as: ActionResult.self)
        if output.json {
            return CommandOutput(text: prettyJSON(answer.body), exitCode: answer.value.ok ? 0 : CLIFailure.commandFailed)
        }
        guard answer.value.ok else { throw CLIFailure(answer.value.message) }
        return CommandOutput(text: answer.value.message + "\n")
    }
}

struct ModemATCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "at", abstract: "Send one raw AT command to a modem and print its answer.",
        discussion: "Exits 1 unless the modem's final result is OK.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Modem ID.") var id: String
    @Argument(help: "The command, e.g. 'AT+CSQ'.") var command: String
    @Option(name: .long, help: ArgumentHelp("Seconds the modem may take to answer.", valueName: "seconds"))
    var timeout: Double?

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= 600) {
            throw ValidationError("--timeout must be between 0 and 600 seconds")
        }
        if command.isEmpty { throw ValidationError("the AT command is empty") }
        if command.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw ValidationError("the AT command must be one line (no CR or LF)")
        }
    }

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let request = RawATRequest(command: command, timeoutSeconds: timeout)
        // The HTTP wait covers the modem's own timeout plus the daemon's queueing.
        let answer = try await connection.client(context).post(
            ControlRoute.modemAT(pathSegment(id)), body: request, as: RawATResponse.self, timeout: timeout ?? 30)
        let exitCode = ATFinal.isOK(answer.value.final) ? 0 : CLIFailure.commandFailed
        if output.json { return CommandOutput(text: prettyJSON(answer.body), exitCode: exitCode) }
        var text = answer.value.lines.map { $0 + "\n" }.joined()
        text += answer.value.final + "\n"
        let elapsed = String(format: "%.0f ms", answer.value.elapsedMilliseconds)
        return CommandOutput(text: text, errorText: exitCode == 0 ? "" : "simgate: \(answer.value.command): \(answer.value.final) after \(elapsed)\n",
                             exitCode: exitCode)
    }
}

enum ATFinal {
    /// The final result codes that mean success (V.250 §5.7): OK, and CONNECT for data calls.
    static func isOK(_ final: String) -> Bool {
        let f = final.trimmingCharacters(in: .whitespaces)
        return f == "OK" || f == "CONNECT" || f.hasPrefix("CONNECT ")
    }
}
