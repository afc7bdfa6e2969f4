// `simgate ussd MODEM CODE`, `simgate ussd MODEM --reply TEXT`, `simgate ussd MODEM --cancel`:
// a USSD session on one modem, as a user dials it on a phone.
import ArgumentParser
import ControlModel
import Foundation
import SimgateConfig

struct USSDCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ussd", abstract: "Send a USSD code (*100#) through a modem and print the network's answer.",
        discussion: """
            A menu (the network waits for a choice) is answered with --reply; --cancel ends it.
            Examples: `simgate ussd mts-1 '*100#'`, `simgate ussd mts-1 '*111#'` then \
            `simgate ussd mts-1 --reply 1`. Exits 1 when the network or the modem refused.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Modem ID, as `simgate modems` lists it.") var id: String
    @Argument(help: "The USSD code, e.g. '*100#' (quote it: the shell reads # as a comment).") var code: String?
    @Option(name: .long, help: ArgumentHelp("Answer the open menu with this text.", valueName: "text")) var reply: String?
    @Flag(name: .long, help: "End the open USSD session.") var cancel = false

    func validate() throws {
        let given = [code != nil, reply != nil, cancel].filter { $0 }.count
        if given == 0 { throw ValidationError("give a USSD code (e.g. '*100#'), --reply TEXT or --cancel") }
        if given > 1 { throw ValidationError("give only one of: a USSD code, --reply TEXT, --cancel") }
        if let code, !SIMConfig.isUSSDCode(code) {
            throw ValidationError("'\(code)' is not a USSD code: digits, * and #, starting with * or # and ending with # (e.g. '*100#')")
        }
        if let reply, reply.isEmpty || reply.contains(where: { $0 == "\"" || $0.isNewline }) {
            throw ValidationError("--reply must be non-empty text without quotes or line breaks")
        }
    }

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let client = try connection.client(context)
        // The daemon waits up to 30 s for the network, and a request may queue behind another.
        let answer = cancel
            ? try await client.post(ControlRoute.modemUSSDCancel(pathSegment(id)), body: Optional<USSDRequestBody>.none,
                              as: USSDResultInfo.self, timeout: 75)
            : try await client.post(ControlRoute.modemUSSD(pathSegment(id)), body: USSDRequestBody(code: code, reply: reply),
                              as: USSDResultInfo.self, timeout: 75)
        let r = answer.value
        let failed = r.outcome == .failed
        if output.json { return CommandOutput(text: prettyJSON(answer.body), exitCode: failed ? CLIFailure.commandFailed : 0) }
        switch r.outcome {
        case .reply:
            return CommandOutput(text: (r.text ?? "") + "\n")
        case .menu:
            return CommandOutput(text: (r.text ?? "") + "\n",
                                 errorText: "(menu: answer with `simgate ussd \(id) --reply CHOICE`, or --cancel)\n")
        case .cancelled:
            return CommandOutput(text: "USSD session cancelled\n")
        case .failed:
            throw CLIFailure("USSD on \(r.modem): \(r.error ?? "failed")")
        }
    }
}
