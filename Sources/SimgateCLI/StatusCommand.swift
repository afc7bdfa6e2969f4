// `simgate status` (and `simgate` alone): one screen of what an admin looks at first: the
// daemon, the modems by state, calls up, missed calls waiting, SIMs out of routing, the
// webhook outbox, and the alerts among them (a modem down or weak, a SIM out of routing,
// failed deliveries), each with the command that says more. A part the daemon does not run
// (no SIP, no routing) is left out, not an error.
import ArgumentParser
import ControlModel
import Foundation

struct StatusCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "status",
                                                    abstract: "One screen: the daemon, modems, calls, missed calls, SIMs out of routing, alerts.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let client = try connection.client(context)
        let answer = try await client.get(ControlRoute.status, as: DaemonStatus.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        var overview = StatusView.Overview()
        overview.storage = answer.value.storage
        overview.modems = (try? await client.get(ControlRoute.modems, as: ModemList.self))?.value.modems
        overview.calls = (try? await client.get(ControlRoute.calls, as: CallList.self))?.value.calls
        overview.missed = (try? await client.get(MissedCallRoute.list + "?status=new", as: MissedCallList.self))?.value.entries
        overview.sims = (try? await client.get(RoutingRoute.sims, as: SIMUsageList.self))?.value.sims
        overview.webhooks = (try? await client.get(WebhookRoute.list, as: WebhookDeliveryList.self))?.value
        return CommandOutput(text: StatusView.render(answer.value, endpoint: client.endpoint.description,
                                                     now: context.now, timeZone: context.timeZone)
                                 + StatusView.render(overview, now: context.now))
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

extension StatusView {
    /// What the other endpoints said; nil where the daemon does not run that part.
    struct Overview {
        var modems: [ModemSnapshot]?
        var calls: [LiveCall]?
        var missed: [MissedCallEntry]?
        var sims: [SIMUsageStatus]?
        var webhooks: WebhookDeliveryList?
        /// The database refuses writes (from the daemon's status).
        var storage: StorageAlert?
    }

    /// A signal this weak (2 bars of 5) drops calls; the modem table marks it too.
    static let weakSignalDBm = -100

    static func render(_ o: Overview, now: Date) -> String {
        var lines: [String] = []
        var alerts: [String] = []
        if let s = o.storage {
            alerts.append("database \(s.kind == .diskFull ? "DISK FULL" : "WRITE ERROR") since \(HumanFormat.age(of: s.since, now: now)) ago, "
                          + "\(s.failedWrites) writes lost: calls go on but are not recorded (free space under the state directory): \(s.error)")
        }
        if let modems = o.modems {
            let byState = Dictionary(grouping: modems, by: \.state.rawValue).mapValues(\.count)
            let states = byState.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            lines.append("Modems     \(modems.count)" + (modems.isEmpty ? "" : " (\(states))"))
            for m in modems {
                let working: Set<ModemStateName> = [.free, .ringing, .dialing, .active]
                if !working.contains(m.state) {
                    alerts.append("\(m.id) \(m.state.rawValue) for \(HumanFormat.age(of: m.stateSince, now: now))"
                                  + (m.stateReason.map { ": \($0)" } ?? "") + "  (simgate modem show \(m.id))")
                } else if let dBm = m.signal.dBm, dBm <= weakSignalDBm {
                    alerts.append("\(m.id) weak signal \(dBm) dBm  (simgate modem show \(m.id))")
                }
            }
        }
        if let calls = o.calls {
            let inbound = calls.filter { $0.direction == "inbound" }.count
            lines.append("Calls up   \(calls.count)" + (calls.isEmpty ? "" : " (\(calls.count - inbound) out, \(inbound) in; simgate calls)"))
        }
        if let missed = o.missed {
            let oldest = missed.map(\.lastAt).min()
            lines.append("Missed     \(missed.count) waiting for a callback"
                         + (oldest.map { ", oldest \(HumanFormat.age(of: $0, now: now)) ago; simgate missed" } ?? ""))
        }
        if let sims = o.sims {
            let out = sims.filter { $0.outOfService != nil }
            lines.append("SIMs       \(sims.count)" + (out.isEmpty ? ", all in routing" : ", \(out.count) out of routing"))
            for s in out {
                alerts.append("SIM …\(s.iccid.suffix(4)) (\(s.modemID ?? "no modem")) out of routing: \(s.outOfService ?? "")  (simgate sims)")
            }
        }
        if let hooks = o.webhooks {
            let failed = hooks.deliveries.filter { $0.state == .failed }.count
            let pending = hooks.deliveries.filter { $0.state == .pending }.count
            lines.append("Webhooks   \(hooks.deliveredCount) delivered, \(pending) pending, \(failed) failed")
            if failed > 0 { alerts.append("\(failed) webhook deliveries failed  (simgate webhooks)") }
        }
        guard !lines.isEmpty else { return "" }
        var text = "\n" + lines.joined(separator: "\n") + "\n"
        text += alerts.isEmpty ? "\nNo alerts.\n" : "\nAlerts\n" + alerts.map { "  ! \($0)\n" }.joined()
        return text
    }
}
