// `simgate route explain NUMBER [--user U]`: how simgated would route a call, and why.
import ArgumentParser
import ControlModel
import Foundation
import RoutingCore

struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route", abstract: "Ask the router how it would send a call.", subcommands: [RouteExplainCommand.self])
}

struct RouteExplainCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "The normalized number, its operator and where that came from, every SIM accepted or rejected and why, the order.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The number as a phone would dial it: +79161234567, 8 916 123-45-67, 0671234567, 112.") var number: String
    @Option(name: .long, help: ArgumentHelp("Explain for this SIP user (applies the user's group rules and SIM groups).", valueName: "user"))
    var user: String?

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        var path = RoutingRoute.explain + "?number=" + queryValue(number)
        if let user { path += "&user=" + queryValue(user) }
        let answer = try await connection.client(context).get(path, as: RoutePlan.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        var text = answer.value.explanation.text + "\n"
        if let refusal = answer.value.refusal, answer.value.explanation.normalizationError == nil,
           answer.value.explanation.callerDenial == nil {
            text += "Result:   refused (SIP \(refusal.sipStatus)): \(refusal)\n"
        }
        return CommandOutput(text: text)
    }
}

/// A query parameter value: everything but unreserved characters percent-encoded ("+" too,
/// which a form decoder would read as a space).
func queryValue(_ value: String) -> String {
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
}
