// `simgate at decode [--command 'AT+CREG?'] [FILE]`: explain a captured AT log offline, with
// no daemon: reads FILE (or stdin, or `-`) and prints one decoded line per modem line.
import ArgumentParser
import Foundation
import ModemCore

struct ATCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "at", abstract: "Offline AT tools (no daemon needed).", subcommands: [ATDecodeCommand.self])
}

struct ATDecodeCommand: ExecutableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode a captured AT log: every field of every line, with what it means.",
        discussion: """
            Each modem line becomes one record: its kind (response, final, urc, echo, prompt, \
            garbage, unknown), its name (+CREG, ^DSCI, RING, ...) and its fields (numbers as \
            numbers, codes with their 3GPP or vendor meaning, UCS2 text decoded). A line no \
            decoder knows is printed as unknown with its raw text: nothing is dropped.
            """)

    @Option(name: .long, help: ArgumentHelp("The command the log answers, e.g. 'AT+CREG?'.", valueName: "command"))
    var command: String?

    @Flag(name: .long, help: "Print the decoded lines as JSON.")
    var json = false

    @Flag(name: .long, help: ArgumentHelp("Strings in the log are UCS2 hex (the log starts after AT+CSCS=\"UCS2\").",
                                          discussion: "An AT+CSCS command echoed in the log switches this by itself."))
    var ucs2 = false

    @Argument(help: "The log file; stdin when absent or '-'.")
    var file: String?

    /// A log of a whole day of one modem's traffic is a few MB; 64 MiB means a wrong file.
    static let maxInputBytes = 64 * 1024 * 1024

    func execute(_ context: CLIContext) async throws -> CommandOutput {
        let decoded = ATLogDecoder.decode(try readInput(context), command: command, ucs2: ucs2)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return CommandOutput(text: String(decoding: try encoder.encode(decoded), as: UTF8.self) + "\n")
        }
        return CommandOutput(text: decoded.map { $0.description + "\n" }.joined())
    }

    private func readInput(_ context: CLIContext) throws -> [UInt8] {
        let bytes: [UInt8]
        if let file, file != "-" {
            guard context.fileExists(file) else { throw CLIFailure("cannot read \(file): no such file") }
            if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int,
               size > Self.maxInputBytes {
                throw CLIFailure("\(file) is larger than \(Self.maxInputBytes >> 20) MiB; not an AT log?")
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIFailure("cannot read \(file) (permission denied or not a file)")
            }
            bytes = Array(data)
        } else {
            bytes = try context.readStandardInput()
        }
        if bytes.count > Self.maxInputBytes {
            throw CLIFailure("input is larger than \(Self.maxInputBytes >> 20) MiB; not an AT log?")
        }
        return bytes
    }
}
