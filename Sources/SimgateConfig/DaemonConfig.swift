// [daemon]: where the daemon keeps its state and how much it logs.

public struct DaemonConfig: Sendable, Equatable {
    /// Severity names as swift-log spells them, so the daemon maps them one to one.
    public enum LogLevel: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// Directory of the SQLite database (created if missing). A relative path resolves
    /// against the daemon's working directory, as the demo's `var/lib/simgate` does.
    public var stateDirectory: String
    public var logLevel: LogLevel

    public static let defaultStateDirectory = "/var/lib/simgate"

    public init(stateDirectory: String = DaemonConfig.defaultStateDirectory, logLevel: LogLevel = .info) {
        self.stateDirectory = stateDirectory
        self.logLevel = logLevel
    }

    init(reading r: TableReader) {
        self.init()
        if let dir = r.string("state_dir", validate: Validate.nonEmpty) { stateDirectory = dir }
        if let level = r.enumeration("log_level", LogLevel.self) { logLevel = level }
        r.finish()
    }
}

extension DaemonConfig {
    func render(into w: inout TOMLWriter) {
        w.table("daemon")
        w.string("state_dir", stateDirectory)
        w.string("log_level", logLevel.rawValue)
    }
}
