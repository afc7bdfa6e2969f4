// The one error the CLI shows to its user: a single line and an exit status.

/// Exit statuses: 0 success; 1 the daemon (or the command) said no; 2 the daemon could not be
/// reached; 64 bad usage (EX_USAGE, as ArgumentParser uses for its own validation errors).
struct CLIFailure: Error, Equatable, CustomStringConvertible {
    static let commandFailed: Int32 = 1
    static let daemonUnreachable: Int32 = 2
    static let usage: Int32 = 64

    var message: String
    var exitCode: Int32

    init(_ message: String, exitCode: Int32 = CLIFailure.commandFailed) {
        self.message = message
        self.exitCode = exitCode
    }

    init(usage message: String) { self.init(message, exitCode: CLIFailure.usage) }

    var description: String { message }
}
