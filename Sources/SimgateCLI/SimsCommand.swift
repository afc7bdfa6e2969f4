// `simgate sims`: each SIM, its operator, and its usage against its limits.
import ArgumentParser
import ControlModel
import Foundation

struct SimsCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sims", abstract: "List SIMs: modem, operator, minutes today and this period against limits, calls, ASR/ACD.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "Full ICCIDs and names, whatever the width.")
    var wide = false

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(RoutingRoute.sims, as: SIMUsageList.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: SIMUsageTable.render(answer.value, ascii: output.asciiOnly(context),
                                                        maxWidth: wide ? nil : context.tableWidth))
    }
}

enum SIMUsageTable {
    static func render(_ list: SIMUsageList, ascii: Bool, maxWidth: Int?) -> String {
        guard !list.sims.isEmpty else { return "No SIMs: no modem has a SIM read yet, and no [[sim]] names an ICCID.\n" }
        // BALANCE appears only once some SIM has been checked: a box without
        // balance_ussd keeps the 80-column table it had.
        let showBalance = list.sims.contains { $0.balance != nil }
        var columns: [TextTable.Column] = [
            .init("ICCID", min: 8, cut: .start), .init("MODEM", min: 5), .init("OPERATOR", min: 6), .init("STATE", min: 5),
            .init("TODAY", right: true), .init("PERIOD", right: true), .init("CALLS", right: true),
            .init("ASR", right: true), .init("ACD", right: true), .init("SMS", right: true),
        ]
        if showBalance { columns.append(.init("BALANCE", right: true)) }
        var table = TextTable(columns: columns)
        table.cutMark = ascii ? "~" : "…"
        for sim in list.sims {
            let network = sim.mccmnc.map { " " + $0 } ?? ""
            let name = sim.operatorName ?? (sim.mccmnc == nil ? "-" : "")
            var cells: [[String]] = [
                [sim.iccid, String(sim.iccid.suffix(8))],
                [sim.modemID ?? "-"],
                [name + network, name.isEmpty ? (sim.mccmnc ?? "-") : name],
                [sim.state],
                [usage(sim.minutesToday, sim.minutesPerDay)],
                [usage(sim.minutesThisPeriod, sim.minutesPerMonth)],
                [usage(sim.callsToday, sim.callsPerDay)],
                [sim.asr.map { String(format: "%.0f%%", $0) } ?? "-"],
                [sim.acd.map { String(format: "%.0fs", $0) } ?? "-"],
                [smsUsage(sim)],
            ]
            if showBalance { cells.append([balance(sim, now: list.generatedAt)]) }
            table.append(cells)
        }
        table.plan = [.rendering(column: 0, index: 1), .rendering(column: 2, index: 1), .cut(columns: [1, 2], width: 8)]
        var text = table.render(maxWidth: maxWidth)
        if !text.hasSuffix("\n") { text += "\n" }
        text += "TODAY/PERIOD: minutes used/limit; CALLS: calls today/limit.\n"
            + "SMS: parts sent today/limit, this period/limit.\n"
        if showBalance { text += "BALANCE: last amount read, and how long ago; ! below min_balance.\n" }
        let out = list.sims.filter { $0.outOfService != nil }
        if !out.isEmpty {
            text += "\nOut of routing:\n"
            for sim in out { text += "  \(sim.iccid) (\(sim.modemID ?? "absent")): \(sim.outOfService!)\n" }
        }
        return text
    }

    /// "2220.76 RUB 5m", "? 2m" when the last reply could not be read, "-" when never checked.
    static func balance(_ sim: SIMUsageStatus, now: Date) -> String {
        guard let b = sim.balance else { return "-" }
        let mark = b.low ? "!" : ""
        guard let amount = b.amountText else { return "? " + HumanFormat.age(of: b.checkedAt, now: now) }
        return mark + amount + " " + HumanFormat.age(of: b.readAt, now: now)
    }

    /// "3/100 40/2000", "3 40" without limits, "-" from a daemon that does not count SMS.
    static func smsUsage(_ sim: SIMUsageStatus) -> String {
        guard let today = sim.smsToday else { return "-" }
        let month = sim.smsThisPeriod.map { " " + usage($0, sim.smsPerMonth) } ?? ""
        return usage(today, sim.smsPerDay) + month
    }

    static func usage(_ used: Int, _ limit: Int?) -> String {
        limit.map { "\(used)/\($0)" } ?? "\(used)"
    }
}
