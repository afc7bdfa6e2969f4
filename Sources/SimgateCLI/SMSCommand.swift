// `simgate sms`: send an SMS through the gateway, list and show the inbox/outbox, and decode a
// PDU offline (SMSCore, no daemon).
import ArgumentParser
import ControlModel
import Foundation
import SMSCore

struct SMSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms", abstract: "SMS: send, list, show, decode a PDU.",
        subcommands: [SMSListCommand.self, SMSSendCommand.self, SMSShowCommand.self, SMSDecodeCommand.self],
        defaultSubcommand: SMSListCommand.self)
}

struct SMSSendCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Queue an SMS; the router picks the SIM unless --modem or --sim names one.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp("Recipient number.", valueName: "number")) var to: String
    @Option(name: .long, help: ArgumentHelp("Send through this modem only.", valueName: "name")) var modem: String?
    @Option(name: .long, help: ArgumentHelp("Send through the SIM with this ICCID only.", valueName: "iccid")) var sim: String?
    @Argument(help: "The text (quote it).") var text: String

    func validate() throws {
        if modem != nil, sim != nil { throw ValidationError("give --modem or --sim, not both") }
        if text.isEmpty { throw ValidationError("the text must not be empty") }
    }

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).post(SMSRoute.list, body: SMSSendRequest(to: to, text: text, modem: modem, iccid: sim),
                                                          as: SMSMessage.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        let m = answer.value
        return CommandOutput(text: "sms \(m.id) \(m.state.rawValue): \(m.partsExpected) part\(m.partsExpected == 1 ? "" : "s") to \(m.peer)\n")
    }
}

struct SMSListCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Messages in and out, newest first.",
        discussion: "--since takes 2025-03-01, 2025-03-01T08:00:00Z, or an age: 90m, 24h, 7d.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp("Only this modem (id or ICCID).", valueName: "name")) var modem: String?
    @Option(name: .long, help: ArgumentHelp("Only messages since then.", valueName: "time")) var since: String?
    @Option(name: .long, help: ArgumentHelp("in or out.", valueName: "direction")) var direction: SMSDirection?
    @Option(name: .long, help: ArgumentHelp("At most this many (1-1000).", valueName: "n")) var limit: Int?

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        CommandOutput(text: try await run(context))
    }

    func path(_ context: CLIContext) throws -> String {
        var query: [String] = []
        if let modem { query.append("modem=\(modem.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? modem)") }
        if let direction { query.append("direction=\(direction.rawValue)") }
        if let since {
            guard let date = TimeArgument.parse(since, now: context.now, timeZone: context.timeZone) else {
                throw CLIFailure(usage: "--since: expected a date (2025-03-01), a time (2025-03-01T08:00:00Z) or an age (90m, 24h, 7d), got \"\(since)\"")
            }
            query.append("since=\(ISO8601DateFormatter().string(from: date))")
        }
        if let limit { query.append("limit=\(limit)") }
        return SMSRoute.list + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    private func run(_ context: CLIContext) async throws -> String {
        let answer = try await connection.client(context).get(try path(context), as: SMSList.self)
        if output.json { return prettyJSON(answer.body) }
        return SMSTable.render(answer.value.messages, now: context.now, timeZone: context.timeZone,
                               ascii: output.asciiOnly(context), maxWidth: context.tableWidth)
    }
}

struct SMSShowCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One message with its parts and status reports.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Message ID, as `simgate sms list` shows it.") var id: Int64

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(SMSRoute.message(id), as: SMSMessage.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: SMSTable.detail(answer.value, timeZone: context.timeZone))
    }
}

struct SMSDecodeCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode a PDU as +CMGR/+CMGL/+CMT print it (SMSC field first), offline.")
    @Flag(name: .long, help: "Print the fields as JSON.") var json = false
    @Flag(name: .customLong("no-smsc"), help: "The hex starts at the TPDU (no SMSC field).") var noSMSC = false
    @Argument(help: "The PDU in hex.") var pdu: String

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let decoded: SMSPDU
        do { decoded = try SMSPDU.decode(hex: pdu.trimmingCharacters(in: .whitespacesAndNewlines), includesSMSC: !noSMSC) } catch {
            throw CLIFailure("cannot decode the PDU: \(error)")
        }
        let fields = SMSPDUFields(decoded)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return CommandOutput(text: String(decoding: try encoder.encode(fields), as: UTF8.self) + "\n")
        }
        return CommandOutput(text: fields.textBlock)
    }
}

/// A decoded PDU as flat fields, for the terminal and for JSON.
struct SMSPDUFields: Encodable, Equatable {
    var type: String
    var smsc: String?
    var address: String?
    var addressRole: String?
    var time: String?
    var dischargeTime: String?
    var messageReference: Int?
    var alphabet: String?
    var messageClass: Int?
    var concatenation: String?
    var statusReportRequested: Bool?
    var status: Int?
    var statusMeaning: String?
    var text: String?

    init(_ pdu: SMSPDU) {
        switch pdu {
        case .deliver(let d):
            type = "SMS-DELIVER"; smsc = d.smsc?.number; address = d.originator.number; addressRole = "from"
            time = d.serviceCentreTime.iso8601; alphabet = d.dataCoding.alphabet.rawValue; messageClass = d.dataCoding.messageClass
            concatenation = d.header?.concatenation.map { "part \($0.sequence)/\($0.total), reference \($0.reference)" }
            text = d.text
        case .submit(let s):
            type = "SMS-SUBMIT"; smsc = s.smsc?.number; address = s.destination.number; addressRole = "to"
            messageReference = s.messageReference; alphabet = s.dataCoding.alphabet.rawValue; messageClass = s.dataCoding.messageClass
            concatenation = s.header?.concatenation.map { "part \($0.sequence)/\($0.total), reference \($0.reference)" }
            statusReportRequested = s.statusReportRequest; text = s.text
        case .statusReport(let r):
            type = "SMS-STATUS-REPORT"; smsc = r.smsc?.number; address = r.recipient.number; addressRole = "recipient"
            time = r.serviceCentreTime.iso8601; dischargeTime = r.dischargeTime.iso8601; messageReference = r.messageReference
            status = Int(r.status.raw); statusMeaning = "\(r.status.outcome.rawValue): \(r.status.meaning)"
        }
    }

    /// "field: value" lines, the absent ones left out.
    var textLines: [String] {
        var lines = ["type:      \(type)"]
        func add(_ name: String, _ value: String?) { if let value { lines.append(name.padding(toLength: 11, withPad: " ", startingAt: 0) + value) } }
        add("smsc:", smsc)
        add("\(addressRole ?? "address"):", address)
        add("time:", time)
        add("discharge:", dischargeTime)
        add("mr:", messageReference.map(String.init))
        add("alphabet:", alphabet)
        add("class:", messageClass.map(String.init))
        add("part:", concatenation)
        add("report:", statusReportRequested.map { $0 ? "requested" : "not requested" })
        add("status:", status.map { String(format: "0x%02X ", $0) + (statusMeaning ?? "") })
        add("text:", text)
        return lines
    }

    var textBlock: String { textLines.joined(separator: "\n") + "\n" }
}

extension SMSDirection: ExpressibleByArgument {}

enum SMSTable {
    static func render(_ messages: [SMSMessage], now: Date, timeZone: TimeZone, ascii: Bool, maxWidth: Int) -> String {
        guard !messages.isEmpty else { return "no SMS\n" }
        var table = TextTable(columns: [
            .init("ID", right: true), .init("DIR"), .init("STATE"), .init("PEER", cut: .start), .init("MODEM"),
            .init("PARTS", right: true), .init("TIME"), .init("TEXT", min: 8),
        ])
        table.cutMark = ascii ? "~" : "…"
        for m in messages {
            let flat = m.text.replacingOccurrences(of: "\n", with: " ")
            table.append([[String(m.id)], [m.direction.rawValue], [m.state.rawValue], [m.peer.isEmpty ? "-" : m.peer],
                          [m.modem ?? "-"], ["\(m.partsDone)/\(m.partsExpected)"],
                          [HumanFormat.timestamp(m.createdAt, timeZone: timeZone), HumanFormat.age(of: m.createdAt, now: now)],
                          [flat.isEmpty ? "-" : flat]])
        }
        table.plan = [.rendering(column: 6, index: 1), .cut(columns: [7, 3], width: 8)]
        return table.render(maxWidth: maxWidth)
    }

    static func detail(_ m: SMSMessage, timeZone: TimeZone) -> String {
        var lines = [
            "sms \(m.id): \(m.direction == .inbound ? "from" : "to") \(m.peer.isEmpty ? "-" : m.peer)",
            "state:     \(m.state.rawValue)",
            "created:   \(m.createdLocal)",
            "via:       \(m.modem ?? "-")\(m.iccid.map { " (SIM \($0))" } ?? "")",
            "parts:     \(m.partsDone)/\(m.partsExpected)\(m.encoding.map { ", \($0)" } ?? "")",
        ]
        if let t = m.serviceCentreTime { lines.append("smsc time: \(t)") }
        if m.direction == .outbound { lines.append("attempts:  \(m.attempts)") }
        if let e = m.lastError { lines.append("error:     \(e)") }
        if let d = m.deliveredAt { lines.append("delivered: \(HumanFormat.timestamp(d, timeZone: timeZone))") }
        lines.append("text:      \(m.text)")
        for p in m.parts ?? [] {
            var line = "  part \(p.number): \(p.state)"
            if let mr = p.messageReference { line += ", mr \(mr)" }
            if let meaning = p.reportMeaning { line += ", report: \(meaning)" }
            if let e = p.error { line += ", \(e)" }
            lines.append(line)
        }
        for r in m.reports ?? [] {
            lines.append("  report mr \(r.messageReference) part \(r.partNumber.map(String.init) ?? "-"): \(r.outcome) (\(r.meaning)) at \(r.dischargeTime)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
