// `simgate webhooks`: deliveries still waiting for their receiver, and those that gave up.
import ArgumentParser
import ControlModel
import Foundation

struct WebhooksCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Pending and failed webhook deliveries.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(WebhookRoute.list, as: WebhookDeliveryList.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        let list = answer.value
        let pending = list.deliveries.filter { $0.state == .pending }.count
        let failed = list.deliveries.filter { $0.state == .failed }.count
        var text = "\(list.deliveredCount) delivered, \(pending) pending, \(failed) failed\n"
        guard !list.deliveries.isEmpty else { return CommandOutput(text: text) }
        var table = TextTable(columns: [
            .init("ID", right: true), .init("WEBHOOK"), .init("EVENT"), .init("STATE"), .init("TRIES", right: true),
            .init("NEXT"), .init("LAST ERROR"),
        ])
        table.cutMark = output.asciiOnly(context) ? "~" : "…"
        for d in list.deliveries {
            let next = d.state == .pending ? d.nextAttemptAt.map { HumanFormat.timestamp($0, timeZone: context.timeZone) } ?? "-" : "-"
            table.append([[String(d.id)], [d.webhook], [d.eventType], [d.state.rawValue], [String(d.attempts)], [next], [d.lastError ?? ""]])
        }
        table.plan = [.cut(columns: [6], width: 12), .cut(columns: [1], width: 8)]
        text += table.render(maxWidth: context.tableWidth)
        return CommandOutput(text: text)
    }
}
