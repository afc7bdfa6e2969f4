// `simgate sim disable|enable SIM`: the admin takes a SIM out of routing, or puts it back
// (which also ends a quarantine and forgets its strikes). Kept across restarts.
import ArgumentParser
import ControlModel
import Foundation

struct SIMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim", abstract: "Take a SIM out of routing or put it back.",
        subcommands: [SIMDisableCommand.self, SIMEnableCommand.self])
}

struct SIMDisableCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Take a SIM out of routing until `simgate sim enable` (survives restarts).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "ICCID, or the id of the modem holding the SIM.") var sim: String
    @Option(name: .long, help: "Why (shown in `simgate sims`).") var reason: String?

    func validate() throws {
        if let reason, reason.count > 200 { throw ValidationError("--reason is at most 200 characters, got \(reason.count)") }
    }

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).post(SIMCareRoutes.disable(pathSegment(sim)), body: SIMDisableRequest(reason: reason),
                                                         as: SIMCareInfo.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: SIMCareFormat.line(answer.value))
    }
}

struct SIMEnableCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable", abstract: "Put a SIM back into routing (ends a quarantine, forgets its strikes).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "ICCID, or the id of the modem holding the SIM.") var sim: String

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).post(SIMCareRoutes.enable(pathSegment(sim)), body: Optional<SIMDisableRequest>.none,
                                                         as: SIMCareInfo.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: SIMCareFormat.line(answer.value))
    }
}

enum SIMCareFormat {
    static func line(_ info: SIMCareInfo) -> String {
        "\(info.iccid) (\(info.modem ?? "in no modem")): \(info.state)" + (info.outOfService.map { ", out of routing: \($0)" } ?? ", in routing") + "\n"
    }
}
