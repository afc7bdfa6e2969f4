// `simgate status`: is the daemon up, since when, with which config and how many modems.
import ArgumentParser
import ControlModel
import Foundation

struct StatusCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's status.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) throws -> CommandOutput {
        let client = try connection.client(context)
        let answer = try client.get(ControlRoute.status, as: DaemonStatus.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: StatusView.render(answer.value, endpoint: client.endpoint.description,
                                                     now: context.now, timeZone: context.timeZone))
    }
}

enum StatusView {
    static func render(_ s: DaemonStatus, endpoint: String, now: Date, timeZone: TimeZone) -> String {
        var out = ModemDetail.Sections(width: 80)
        out.title("simgated \(s.version): up \(HumanFormat.duration(now.timeIntervalSince(s.startedAt)))")
        out.field("Started", HumanFormat.timestamp(s.startedAt, timeZone: timeZone))
        out.field("Config", s.configPath)
        out.field("Modems", String(s.modemCount))
        out.field("Control API", endpoint)
        return out.text
    }
}
