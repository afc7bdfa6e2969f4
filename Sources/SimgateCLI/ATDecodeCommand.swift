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
        commandName: "decode", abstract: "Decode a captured AT log: results, URCs, CME/CMS errors.")

    @Option(name: .long, help: ArgumentHelp("The command the log answers, e.g. 'AT+CREG?'.", valueName: "command"))
    var command: String?

    @Flag(name: .long, help: "Print the decoded lines as JSON.")
    var json = false

    @Argument(help: "The log file; stdin when absent or '-'.")
    var file: String?

    /// A log of a whole day of one modem's traffic is a few MB; 64 MiB means a wrong file.
    static let maxInputBytes = 64 * 1024 * 1024

    func execute(_ context: CLIContext) throws -> CommandOutput {
        let bytes = try readInput(context)
        let decoded: [any Encodable]
        do {
            decoded = try decodeATLog(bytes: bytes, command: command)
        } catch let failure as CLIFailure {
            throw failure
        } catch {
            throw CLIFailure("cannot decode \(file ?? "stdin"): \(error)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(decoded.map(AnyEncodable.init))
            return CommandOutput(text: String(decoding: data, as: UTF8.self) + "\n")
        }
        return CommandOutput(text: decoded.map { describeDecodedLine($0) + "\n" }.joined())
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

// ---------------------------------------------------------------------------------------------
func decodeATLog(bytes: [UInt8], command: String?) throws -> [any Encodable] {
    ATLogDecoder.decode(bytes, command: command)
}

/// One decoded line as text: its own description when it has one, else compact JSON.
func describeDecodedLine(_ line: any Encodable) -> String {
    if let described = line as? any CustomStringConvertible { return described.description }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(AnyEncodable(line)) else { return "\(line)" }
    return String(decoding: data, as: UTF8.self)
}

/// Lets an array of existential Encodables go through JSONEncoder.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
