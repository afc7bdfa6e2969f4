// `simgate missed`: the one list of inbound calls nobody answered, and the three things a
// dispatcher does with an entry: claim it, call the customer back, close it.
import ArgumentParser
import ControlModel
import Foundation

struct MissedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "missed", abstract: "Missed inbound calls: list, claim, call back, close.",
        subcommands: [MissedListCommand.self, MissedClaimCommand.self, MissedCallbackCommand.self, MissedCloseCommand.self,
                      MissedShowCommand.self],
        defaultSubcommand: MissedListCommand.self)
}

struct MissedListCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List missed calls, most recent first.",
        discussion: "--since takes 2025-03-01, 2025-03-01T08:00:00Z, or an age: 90m, 24h, 7d.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp("Only entries in this status: new, claimed, called-back, closed.", valueName: "status"))
    var status: MissedCallStatus?
    @Option(name: .long, help: ArgumentHelp("Only entries with a call since then.", valueName: "time"))
    var since: String?

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        var query: [String] = []
        if let status { query.append("status=\(status.rawValue)") }
        if let since {
            guard let date = TimeArgument.parse(since, now: context.now, timeZone: context.timeZone) else {
                throw CLIFailure(usage: "--since: expected a date (2025-03-01), a time (2025-03-01T08:00:00Z) or an age (90m, 24h, 7d), got \"\(since)\"")
            }
            query.append("since=\(ISO8601DateFormatter().string(from: date))")
        }
        let path = MissedCallRoute.list + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let answer = try await connection.client(context).get(path, as: MissedCallList.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: MissedCallTable.render(answer.value.entries, now: context.now, timeZone: context.timeZone,
                                                          ascii: output.asciiOnly(context), maxWidth: context.tableWidth))
    }
}

struct MissedShowCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One entry with its history.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Entry ID, as `simgate missed` lists it.") var id: Int64

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(MissedCallRoute.entry(id), as: MissedCallEntry.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: MissedCallTable.detail(answer.value, timeZone: context.timeZone))
    }
}

struct MissedClaimCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "claim", abstract: "Take an entry: others see who works on it.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Entry ID.") var id: Int64
    @Option(name: .long, help: ArgumentHelp("The dispatcher taking it.", valueName: "user")) var user: String

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).post(MissedCallRoute.claim(id), body: MissedCallUserRequest(user: user),
                                                          as: MissedCallEntry.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: "missed call \(id) (\(answer.value.caller ?? "withheld")) claimed by \(answer.value.claimedBy ?? user)\n")
    }
}

struct MissedCallbackCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callback", abstract: "Call the customer back: the dispatcher's phone rings first, then the customer's.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Entry ID.") var id: Int64
    @Option(name: .long, help: ArgumentHelp("The dispatcher whose phone rings first.", valueName: "user")) var user: String

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).post(MissedCallRoute.callback(id), body: MissedCallUserRequest(user: user),
                                                          as: MissedCallCallbackAnswer.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        let entry = answer.value.entry
        return CommandOutput(text: "callback #\(answer.value.task.id) queued: \(user)'s phone rings first, then \(entry.caller ?? "?") from \(entry.sim)\n")
    }
}

struct MissedCloseCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "close", abstract: "Close an entry with a note.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Entry ID.") var id: Int64
    @Option(name: .long, help: ArgumentHelp("What was done.", valueName: "text")) var note: String
    @Option(name: .long, help: ArgumentHelp("Who closes it (default: who claimed it).", valueName: "user")) var user: String?

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).post(MissedCallRoute.close(id), body: MissedCallCloseRequest(note: note, user: user),
                                                          as: MissedCallEntry.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: "missed call \(id) closed by \(answer.value.closedBy ?? "-")\n")
    }
}

extension MissedCallStatus: ExpressibleByArgument {}

/// Points in time on the command line.
enum TimeArgument {
    /// `2025-03-01` (local midnight), full ISO 8601, or an age back from `now`: 90m, 24h, 7d.
    static func parse(_ s: String, now: Date, timeZone: TimeZone) -> Date? {
        if let unit = s.last, let n = Double(s.dropLast()), n >= 0, let scale = ["m": 60.0, "h": 3600.0, "d": 86_400.0][String(unit)] {
            return now.addingTimeInterval(-n * scale)
        }
        if let date = ISO8601DateFormatter().date(from: s) { return date }
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, s.count == 10 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = DateComponents(year: parts[0], month: parts[1], day: parts[2])
        guard c.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: c)
    }
}

enum MissedCallTable {
    static func render(_ entries: [MissedCallEntry], now: Date, timeZone: TimeZone, ascii: Bool, maxWidth: Int) -> String {
        guard !entries.isEmpty else { return "no missed calls\n" }
        var table = TextTable(columns: [
            .init("ID", right: true), .init("STATUS"), .init("CALLER", cut: .start), .init("SIM"), .init("CALLS", right: true),
            .init("LAST"), .init("WAITED", right: true), .init("WHY"), .init("WHO"),
        ])
        table.cutMark = ascii ? "~" : "…"
        for e in entries {
            let who = e.status == .closed ? (e.closedBy ?? "") : (e.claimedBy ?? "")
            table.append([[String(e.id)], [e.status.rawValue], [e.caller ?? "withheld"], [e.sim], [String(e.callCount)],
                          [HumanFormat.timestamp(e.lastAt, timeZone: timeZone), HumanFormat.age(of: e.lastAt, now: now)],
                          [HumanFormat.duration(e.waitedSeconds)], [e.reason.rawValue], [who]])
        }
        table.plan = [.rendering(column: 5, index: 1), .cut(columns: [3, 8], width: 8)]
        return table.render(maxWidth: maxWidth)
    }

    static func detail(_ e: MissedCallEntry, timeZone: TimeZone) -> String {
        func t(_ d: Date?) -> String { d.map { HumanFormat.timestamp($0, timeZone: timeZone) } ?? "-" }
        var lines = [
            "missed call \(e.id): \(e.caller ?? "withheld") → \(e.sim)\(e.line.map { " (\($0))" } ?? "")",
            "status:    \(e.status.rawValue)",
            "calls:     \(e.callCount), first \(t(e.firstAt)), last \(t(e.lastAt)), waited \(HumanFormat.duration(e.waitedSeconds))",
            "why:       \(e.reason.rawValue)",
        ]
        if let by = e.claimedBy { lines.append("claimed:   \(by) at \(t(e.claimedAt))") }
        if let by = e.calledBackBy { lines.append("callback:  \(by) at \(t(e.calledBackAt)): \(e.callbackResult ?? "-")") }
        if let by = e.closedBy { lines.append("closed:    \(by) at \(t(e.closedAt)): \(e.note ?? "")") }
        if let history = e.history, !history.isEmpty {
            lines.append("history:")
            for h in history {
                lines.append("  \(t(h.at))  \(h.kind)\(h.user.map { " by \($0)" } ?? "")\(h.result.map { " [\($0)]" } ?? ""): \(h.detail)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
