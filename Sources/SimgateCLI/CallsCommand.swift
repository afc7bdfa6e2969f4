// `simgate calls` (live calls), `simgate call dial|show|hangup|dtmf`, `simgate cdr` (records).
import ArgumentParser
import ControlModel
import Foundation

struct CallsCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "calls", abstract: "List live calls.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(ControlRoute.calls, as: CallList.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        guard !answer.value.calls.isEmpty else { return CommandOutput(text: "no live calls\n") }
        var lines = ["ID            DIR  STATE     MODEM       NUMBER            TIME   IN/OUT FRAMES"]
        for c in answer.value.calls {
            let since = c.answeredAt ?? c.startedAt
            lines.append([pad(c.id, 13), pad(c.direction == "inbound" ? "in" : "out", 4), pad(c.state, 9),
                          pad(c.modemID ?? "-", 11), pad(c.number, 17), pad(HumanFormat.duration(context.now.timeIntervalSince(since)), 6),
                          "\(c.framesIn)/\(c.framesOut)"].joined(separator: " "))
        }
        return CommandOutput(text: lines.joined(separator: "\n") + "\n")
    }
}

struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Place a test call, look at one, hang it up, send DTMF.",
        subcommands: [Dial.self, Show.self, HangUp.self, DTMF.self])

    struct Dial: ExecutableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dial",
            abstract: "Dial a number through a modem, with a 1 kHz test tone as the caller.",
            discussion: "What comes back from the far end is measured: see `simgate call show <id>`.")
        @Argument(help: "Number to dial.") var number: String
        @Option(name: .long, help: "Modem to use (default: the first free voice modem).") var modem: String?
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func execute(_ context: CLIContext) async throws -> CommandOutput {
            let answer = try await connection.client(context).post(ControlRoute.calls, body: DialRequest(modem: modem, number: number), as: LiveCall.self)
            if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
            let c = answer.value
            return CommandOutput(text: "\(c.id): dialling \(c.number) on \(c.modemID ?? "?")\n")
        }
    }

    struct Show: ExecutableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One live call, with its audio measurements.")
        @Argument(help: "Call id.") var id: String
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions

        func execute(_ context: CLIContext) async throws -> CommandOutput {
            let answer = try await connection.client(context).get(ControlRoute.call(id), as: LiveCall.self)
            if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
            let c = answer.value
            var text = "\(c.id)  \(c.direction) \(c.number) on \(c.modemID ?? "-")  \(c.state)\n"
            text += "audio     \(c.framesIn) frames in, \(c.framesOut) out, \(c.underruns) underruns\n"
            if let r = c.received {
                text += "received  \(String(format: "%.1f", r.frequency)) Hz, SNR \(String(format: "%.1f", r.snrDB)) dB, \(String(format: "%.1f", r.levelDBFS)) dBFS\n"
            }
            return CommandOutput(text: text)
        }
    }

    struct HangUp: ExecutableCommand {
        static let configuration = CommandConfiguration(commandName: "hangup", abstract: "Hang up a live call.")
        @Argument(help: "Call id.") var id: String
        @OptionGroup var connection: ConnectionOptions

        func execute(_ context: CLIContext) async throws -> CommandOutput {
            let answer = try await connection.client(context).delete(ControlRoute.call(id), as: ActionResult.self)
            return CommandOutput(text: answer.value.message + "\n")
        }
    }

    struct DTMF: ExecutableCommand {
        static let configuration = CommandConfiguration(commandName: "dtmf", abstract: "Send DTMF digits in an answered call.")
        @Argument(help: "Call id.") var id: String
        @Argument(help: "Digits (0-9, *, #).") var digits: String
        @OptionGroup var connection: ConnectionOptions

        struct Body: Codable { var digits: String }

        func execute(_ context: CLIContext) async throws -> CommandOutput {
            let answer = try await connection.client(context).post(ControlRoute.callDTMF(id), body: Body(digits: digits), as: ActionResult.self)
            return CommandOutput(text: answer.value.message + "\n")
        }
    }
}

struct CDRCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "cdr", abstract: "Show recent call records, newest first.")

    @Option(name: .long, help: "At most this many records.") var limit: Int = 20
    @Option(name: .long, help: "Only this modem.") var modem: String?
    @Option(name: .long, help: "Only attempts started at or after this time (ISO 8601, e.g. 2026-01-31T12:00:00Z).") var since: String?
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        guard (1...10_000).contains(limit) else { throw CLIFailure("--limit must be 1-10000") }
        var query = ["limit=\(limit)"]
        if let modem { query.append("modem=\(Self.escape(modem))") }
        if let since {
            guard ISO8601DateFormatter().date(from: since) != nil else { throw CLIFailure("--since must be ISO 8601, e.g. 2026-01-31T12:00:00Z") }
            query.append("since=\(Self.escape(since))")
        }
        let answer = try await connection.client(context).get(ControlRoute.cdr + "?" + query.joined(separator: "&"), as: CDRList.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        guard !answer.value.records.isEmpty else { return CommandOutput(text: "no call records\n") }
        var lines = ["START             DIR MODEM      NUMBER          BILL  SIP CAUSE"]
        for r in answer.value.records {
            lines.append([pad(HumanFormat.timestamp(r.inviteAt, timeZone: context.timeZone), 17),
                          pad(r.direction == "inbound" ? "in" : "out", 3), pad(r.modemID, 10), pad(r.calleeDialed ?? r.caller ?? "-", 15),
                          pad(r.endAt == nil ? "live" : "\(r.billableSeconds)s", 5), pad(r.sipStatus.map(String.init) ?? "-", 3),
                          (r.gsmCause ?? "-") + (r.gsmCauseText.map { " (\($0))" } ?? "")].joined(separator: " "))
        }
        return CommandOutput(text: lines.joined(separator: "\n") + "\n")
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}

private func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? String(s.prefix(width)) : s + String(repeating: " ", count: width - s.count)
}
