// `simgate modems`: the health table of every modem.
import ArgumentParser
import ControlModel
import Foundation

struct ModemsCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modems", abstract: "List modems: state, signal, network, SIM, AT health, calls.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "Full IMEI, ICCID and names, whatever the width.")
    var wide = false

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(ControlRoute.modems, as: ModemList.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        let text = ModemTable.render(answer.value, now: context.now, ascii: output.asciiOnly(context),
                                     maxWidth: wide ? nil : context.tableWidth)
        return CommandOutput(text: text)
    }
}
