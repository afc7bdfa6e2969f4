// `simgate report --from --to`: calls in and out, answered, missed share, time to answer,
// callback time; by hour, weekday, SIM and dispatcher.
import ArgumentParser
import ControlModel
import Foundation

struct ReportCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Call statistics for a period, from the call records.",
        discussion: "--from/--to take 2025-03-01 (midnight in --tz), 2025-03-01T08:00:00Z, or an age (7d). --from defaults to today's midnight, --to to now.")

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: ArgumentHelp("Start of the period (included; default: today, from midnight in --tz).", valueName: "time"))
    var from: String?
    @Option(name: .long, help: ArgumentHelp("End of the period (excluded).", valueName: "time")) var to: String?
    @Option(name: .long, help: ArgumentHelp("Time zone for dates, hours and weekdays (default: this machine's).", valueName: "zone"))
    var tz: String?
    @Flag(name: .long, help: "Comma-separated values, one line per bucket.") var csv = false
    @Flag(name: .long, help: "The API's JSON answer.") var json = false
    @Flag(name: .long, help: "Only ASCII in the peak-hours chart (default when the locale is not UTF-8).") var ascii = false

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        guard !(csv && json) else { throw CLIFailure(usage: "choose one of --csv and --json") }
        let zone: TimeZone
        if let tz {
            guard let z = TimeZone(identifier: tz) else { throw CLIFailure(usage: "--tz: unknown time zone \"\(tz)\"") }
            zone = z
        } else {
            zone = context.timeZone
        }
        func time(_ text: String?, option: String, example: String, default value: Date) throws -> Date {
            guard let text else { return value }
            guard let t = TimeArgument.parse(text, now: context.now, timeZone: zone) else {
                throw CLIFailure(usage: "--\(option): expected 2025-03-01, 2025-03-01T08:00:00Z or an age such as \(example), got \"\(text)\"")
            }
            return t
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = try time(from, option: "from", example: "7d", default: calendar.startOfDay(for: context.now))
        let end = try time(to, option: "to", example: "1d", default: context.now)
        guard start < end else { throw CLIFailure(usage: "--from must be before --to") }
        let iso = ISO8601DateFormatter()
        let path = ReportRoute.report + "?from=\(iso.string(from: start))&to=\(iso.string(from: end))&tz=\(pathSegment(tz ?? zone.identifier))"
        let answer = try await connection.client(context).get(path, as: CallReport.self)
        if json { return CommandOutput(text: prettyJSON(answer.body)) }
        if csv { return CommandOutput(text: ReportFormat.csv(answer.value)) }
        return CommandOutput(text: ReportFormat.text(answer.value, timeZone: zone, ascii: ascii || !context.localeIsUTF8))
    }
}
