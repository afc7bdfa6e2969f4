// `simgate numbering status|reload|import`: the numbering data simgated routes by.
import ArgumentParser
import ControlModel
import Foundation

struct NumberingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "numbering", abstract: "Show, reload or add the numbering data (ranges, prefixes, ported numbers).",
        subcommands: [NumberingStatusCommand.self, NumberingReloadCommand.self, NumberingImportCommand.self])
}

struct NumberingStatusCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "What is loaded: sources, rows, version, memory, load time.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let answer = try await connection.client(context).get(RoutingRoute.numbering, as: NumberingStatus.self)
        if output.json { return CommandOutput(text: prettyJSON(answer.body)) }
        return CommandOutput(text: NumberingStatusText.render(answer.value, ascii: output.asciiOnly(context),
                                                              maxWidth: context.tableWidth, timeZone: context.timeZone))
    }
}

struct NumberingReloadCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Re-read every numbering source (as SIGHUP does); on failure the old data stays.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        var client = try connection.client(context)
        client.timeout = 600   // a full БДПН file takes seconds to minutes
        let answer = try await client.post(RoutingRoute.numberingReload, body: Optional<NumberingImportRequest>.none,
                                     as: NumberingReloadResult.self)
        return NumberingStatusText.result(answer, json: output.json, ascii: output.asciiOnly(context), context: context)
    }
}

struct NumberingImportCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Add a numbering file as a source (copied into the state directory, kept across restarts) and reload.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case registry, libphonenumber, bdpn, csv
    }

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The file (a directory for libphonenumber), as simgated's machine sees it.") var file: String
    @Option(name: .long, help: "registry (Минцифры CSV), libphonenumber (carrier .txt), bdpn (Port_All/increments), csv (number,mccmnc).")
    var format: Format

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        var path = file
        if !path.hasPrefix("/") {
            path = (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        }
        var client = try connection.client(context)
        client.timeout = 600
        let answer = try await client.post(RoutingRoute.numberingImport, body: NumberingImportRequest(format: format.rawValue, path: path),
                                     as: NumberingReloadResult.self)
        return NumberingStatusText.result(answer, json: output.json, ascii: output.asciiOnly(context), context: context)
    }
}

enum NumberingStatusText {
    static func result(_ answer: ControlClient.Answer<NumberingReloadResult>, json: Bool, ascii: Bool, context: CLIContext) -> CommandOutput {
        let code: Int32 = answer.value.ok ? 0 : CLIFailure.commandFailed
        if json { return CommandOutput(text: prettyJSON(answer.body), exitCode: code) }
        guard answer.value.ok else { return CommandOutput(text: "", errorText: "simgate: \(answer.value.message)\n", exitCode: code) }
        return CommandOutput(text: answer.value.message + "\n\n"
                             + render(answer.value.status, ascii: ascii, maxWidth: context.tableWidth, timeZone: context.timeZone))
    }

    static func render(_ status: NumberingStatus, ascii: Bool, maxWidth: Int, timeZone: TimeZone) -> String {
        var lines: [String] = []
        // The version names every file; one line per kind keeps it within 80 columns.
        let kinds = status.version.components(separatedBy: ", ")
        for (i, kind) in kinds.enumerated() { lines.append((i == 0 ? "Version:  " : "          ") + kind) }
        lines.append("Data:     \(status.registryRanges) registry ranges, \(status.carrierPrefixes) carrier prefixes")
        lines.append("          \(status.portedNumbers) ported numbers, \(status.operators) operators")
        lines.append("Memory:   " + String(format: "%.1f MB", Double(status.bytes) / 1_048_576))
        if let loadedAt = status.loadedAt {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = timeZone
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            lines.append("Loaded:   \(formatter.string(from: loadedAt))" + (status.loadMilliseconds.map { String(format: " in %.0f ms", $0) } ?? ""))
        } else {
            lines.append("Loaded:   never (no data: every number routes as unknown)")
        }
        if let error = status.lastError { lines.append("Last reload FAILED (old data kept): \(error)") }
        var text = lines.joined(separator: "\n") + "\n"
        if status.sources.isEmpty {
            return text + "No sources: add some under [routing] or with `simgate numbering import`.\n"
        }
        var table = TextTable(columns: [
            .init("FORMAT"), .init("ORIGIN"), .init("ROWS", right: true), .init("PATH", min: 12, cut: .start),
        ])
        table.cutMark = ascii ? "~" : "…"
        for source in status.sources {
            table.append([[source.format], [source.origin], [String(source.rows)], [source.path]])
        }
        text += "\n" + table.render(maxWidth: maxWidth)
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }
}
