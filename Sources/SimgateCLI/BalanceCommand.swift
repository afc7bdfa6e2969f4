// `simgate balance [SIM] [--refresh]`: each SIM's money balance as its operator last said it.
import ArgumentParser
import ControlModel
import Foundation

struct BalanceCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance", abstract: "Show SIM balances (from [[sim]] balance_ussd or balance_sms); --refresh asks the operator now.",
        discussion: """
            SIM is an ICCID or the id of the modem holding it. A reply that could not be read as \
            an amount is shown whole: the balance stays the last one read, never 0.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "ICCID or modem id; all SIMs when omitted.") var sim: String?
    @Flag(name: .long, help: "Ask the operator now (a USSD request; up to 30 s).") var refresh = false

    func validate() throws {
        if refresh, sim == nil { throw ValidationError("--refresh needs a SIM (ICCID or modem id): one USSD request at a time") }
    }

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let client = try connection.client(context)
        let balances: [SIMBalanceInfo]
        let body: [UInt8]
        if refresh, let sim {
            // The daemon waits up to 180 s for an operator's reply SMS (balance_sms).
            let answer = try await client.post(ControlRoute.balanceRefresh(pathSegment(sim)), body: Optional<USSDRequestBody>.none,
                                         as: SIMBalanceInfo.self, timeout: 200)
            balances = [answer.value]
            body = answer.body
        } else {
            let answer = try await client.get(ControlRoute.balances, as: SIMBalanceList.self)
            balances = answer.value.balances.filter { b in sim.map { b.iccid == $0 || b.modem == $0 } ?? true }
            if let sim, balances.isEmpty {
                throw CLIFailure("no SIM '\(sim)' with a balance request (try `simgate balance` for all, `simgate sims` for SIMs)")
            }
            body = sim == nil ? answer.body : Array(try ControlJSON.encoder().encode(balances))
        }
        if output.json { return CommandOutput(text: prettyJSON(body)) }
        return CommandOutput(text: Self.render(balances, now: context.now))
    }

    static func render(_ balances: [SIMBalanceInfo], now: Date) -> String {
        guard !balances.isEmpty else { return "No SIM has a balance request ([[sim]] balance_ussd = \"*100#\").\n" }
        var text = ""
        for b in balances {
            let amount = b.amountText ?? "unknown"
            let age = b.readAt.map { " (read \(HumanFormat.age(of: $0, now: now)) ago)" } ?? ""
            text += "\(b.iccid)  \(b.modem ?? "-")  \(amount)\(age)"
            if let min = b.minBalance { text += String(format: "  min %.2f", min) }
            if b.low { text += "  LOW: out of routing" }
            text += "\n"
            if let reply = b.reply { text += "  reply: \(reply.replacingOccurrences(of: "\n", with: " / "))\n" }
            if let error = b.error { text += "  not read: \(error)\n" }
        }
        return text
    }
}
