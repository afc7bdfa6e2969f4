// `simgate sip status|registrations|call|bans|unban`: the SIP stack's listeners and trunks,
// who is registered from where, a test call from simgate to any SIP URI, and the sources
// banned for brute force or floods.
import ArgumentParser
import ControlModel
import Foundation

struct SIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sip", abstract: "SIP listeners, trunks, registrations and test calls.",
        subcommands: [SIPStatusCommand.self, SIPRegistrationsCommand.self, SIPCallCommand.self, SIPBansCommand.self,
                      SIPUnbanCommand.self])
}

struct SIPBansCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bans", abstract: "Sources banned for failed authentications or floods ([sip] ban_after_failures).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(SIPRoute.bans, as: SIPBanList.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: SIPView.bans(answer.value, now: context.now))
    }
}

struct SIPUnbanCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "unban", abstract: "Lift the ban on a source address.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The banned IP address, as `simgate sip bans` shows it (e.g. 203.0.113.7 or 2001:db8::1).") var address: String

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).delete(SIPRoute.ban(address), as: ActionResult.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: answer.value.message + "\n")
    }
}

struct SIPStatusCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Listeners, trunk registration state, counters.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(SIPRoute.status, as: SIPStatus.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: SIPView.status(answer.value, now: context.now))
    }
}

struct SIPRegistrationsCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "registrations", abstract: "Who is registered, from where, until when.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(SIPRoute.registrations, as: SIPRegistrationList.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: SIPView.registrations(answer.value, now: context.now))
    }
}

struct SIPCallCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Call a SIP URI from simgate, play a 1 kHz tone, then hang up.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Who to call, e.g. sip:100@192.0.2.10:5060 (or a number with --trunk).") var uri: String
    @Option(help: "Seconds to stay connected after the answer.") var seconds: Double = 5
    @Option(help: "Send through this [[trunk]] with its credentials.") var trunk: String?

    func validate() throws {
        guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be between 0 and 3600") }
    }

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        // The call lasts `seconds` plus setup (up to 32 s of INVITE retransmissions).
        let answer = try await connection.client(context).post(SIPRoute.call, body: SIPCallRequest(to: uri, play: "tone", seconds: seconds, trunk: trunk),
                                                         as: SIPCallResult.self, timeout: seconds + 40)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        let r = answer.value
        var text = "\(r.outcome)"
        if let status = r.finalStatus { text += " (final status \(status))" }
        if let reason = r.reason { text += ": \(reason)" }
        text += "\ncodec \(r.codec ?? "-"), RTP sent \(r.rtpPacketsSent), received \(r.rtpPacketsReceived), \(String(format: "%.1f", r.seconds)) s\n"
        return CommandOutput(text: text)
    }
}

enum SIPView {
    static func status(_ s: SIPStatus, now: Date) -> String {
        var lines: [String] = []
        lines.append("SIP realm \(s.realm), test extension \(s.testExtension)")
        lines.append("Listeners: " + (s.listeners.isEmpty ? "none" : s.listeners.map { "\($0.transport):\($0.host):\($0.port)" }.joined(separator: ", ")))
        lines.append("Active calls \(s.activeCalls), transactions \(s.transactions), TCP connections \(s.tcpConnections)")
        let c = s.counters
        lines.append("Received \(c.messagesReceived), answered \(c.requestsAnswered), malformed answered \(c.malformedRejected) / dropped \(c.malformedDropped), rate-limited \(c.rateLimited), banned dropped \(c.bannedDropped) (bans \(c.bans)), trusted \(c.trustedReceived), TCP refused \(c.tcpConnectionsRefused) / idle-closed \(c.tcpIdleClosed)")
        if s.trunks.isEmpty {
            lines.append("Trunks: none")
        } else {
            lines.append("Trunks:")
            for t in s.trunks {
                var line = "  \(t.name)  \(t.state.rawValue)  \(t.registrar)"
                if let e = t.expiresAt, t.state == .registered { line += "  expires in \(HumanFormat.duration(e.timeIntervalSince(now)))" }
                if let err = t.lastError { line += "  last error: \(err)" }
                if let next = t.nextAttemptAt, t.state != .registered { line += "  retry in \(HumanFormat.duration(max(0, next.timeIntervalSince(now))))" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func bans(_ list: SIPBanList, now: Date) -> String {
        guard !list.bans.isEmpty else { return "No SIP bans.\n" }
        var lines = ["SOURCE  REASON  STRIKES  SINCE  UNTIL  HITS"]
        let time = ISO8601DateFormatter()
        for b in list.bans {
            lines.append("\(b.source)  \(b.reason)  \(b.strikes)  \(time.string(from: b.since)) (\(HumanFormat.age(of: b.since, now: now)) ago)  "
                         + "\(time.string(from: b.until)) (in \(HumanFormat.duration(max(0, b.until.timeIntervalSince(now)))))  \(b.hits)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func registrations(_ list: SIPRegistrationList, now: Date) -> String {
        guard !list.registrations.isEmpty else { return "No SIP registrations.\n" }
        var lines = ["USER  CONTACT  FROM  EXPIRES IN  USER AGENT"]
        for r in list.registrations {
            lines.append("\(r.user)  \(r.contact)  \(r.source)  \(HumanFormat.duration(max(0, r.expiresAt.timeIntervalSince(now))))  \(r.userAgent ?? "-")")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
