// What is wrong with a config file: every problem found, each naming file, line and key.

/// One problem in the config file. Printed as `simgate.toml:23: modem[1].at_port: expected a
/// string, got integer`; syntax errors also carry a column (`simgate.toml:12:9: ...`).
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public var fileName: String
    /// 1-based; nil when the file as a whole is at fault (unreadable, too large).
    public var line: Int?
    public var column: Int?
    /// Dotted path of the key, with 0-based indexes for arrays of tables: `modem[1].at_port`.
    public var key: String?
    public var message: String

    public init(fileName: String, line: Int?, column: Int? = nil, key: String?, message: String) {
        self.fileName = fileName
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        var s = fileName
        if let line { s += ":\(line)" }
        if line != nil, let column { s += ":\(column)" }
        s += ": "
        if let key, !key.isEmpty { s += "\(key): " }
        return s + message
    }
}

/// The config file could not be used. Holds all problems found, in file order, so an admin
/// fixes them in one pass instead of one restart per typo.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A secret from the config file (SIM PIN, API token). Its description, debug description and
/// reflection never show the value, so `print(config)`, string interpolation, `dump` and log
/// lines cannot leak it. Read it only where it is used, through `exposedValue`.
public struct SecretString: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let exposedValue: String

    public init(_ value: String) {
        self.exposedValue = value
    }

    /// What every rendering shows instead of the value.
    public static let placeholder = "<redacted>"

    public var description: String { Self.placeholder }
    public var debugDescription: String { Self.placeholder }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
