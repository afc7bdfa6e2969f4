// The parsed TOML document: values and tables that remember where they came from.
//
// Every value and every key carries its source position so the typed configuration can
// name the exact line when it rejects something ("simgate.toml:23: modem[1].at_port: ...").

/// A 1-based line and column in the source text. Columns count Unicode scalars, so an
/// editor's cursor column matches for any text that is not full of combining marks.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// One TOML value with the position of its first character.
public struct TOMLValue: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        /// Offset/local date-times, local dates and local times, kept as written: the
        /// configuration has no date fields yet, and keeping the text loses nothing.
        case datetime(String)
        /// A static array, or an array of tables (`[[name]]`), whose elements are `.table`.
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var kind: Kind
    public var position: SourcePosition

    public init(_ kind: Kind, at position: SourcePosition) {
        self.kind = kind
        self.position = position
    }

    /// The TOML type name, as used in error messages ("expected a string, got integer").
    public var typeName: String {
        switch kind {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .datetime: "datetime"
        case .array: "array"
        case .table: "table"
        }
    }

    public var stringValue: String? {
        if case .string(let s) = kind { return s }
        return nil
    }

    public var integerValue: Int64? {
        if case .integer(let i) = kind { return i }
        return nil
    }

    /// Integers are accepted where a float is wanted (`timeout = 5` means 5.0).
    public var doubleValue: Double? {
        switch kind {
        case .float(let d): d
        case .integer(let i): Double(i)
        default: nil
        }
    }

    public var boolValue: Bool? {
        if case .boolean(let b) = kind { return b }
        return nil
    }

    public var arrayValue: [TOMLValue]? {
        if case .array(let a) = kind { return a }
        return nil
    }

    public var tableValue: TOMLTable? {
        if case .table(let t) = kind { return t }
        return nil
    }
}

/// A TOML table: its entries in source order, each with the key's own position.
public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var keyPosition: SourcePosition
        public var value: TOMLValue

        public init(key: String, keyPosition: SourcePosition, value: TOMLValue) {
            self.key = key
            self.keyPosition = keyPosition
            self.value = value
        }
    }

    /// Entries in the order they first appeared in the file.
    public var entries: [Entry]
    /// Where the table was defined: its `[header]`, its `{` for an inline table, the first
    /// dotted key that created it, or 1:1 for the document root.
    public var position: SourcePosition

    public init(entries: [Entry] = [], position: SourcePosition) {
        self.entries = entries
        self.position = position
    }

    public var keys: [String] { entries.map(\.key) }

    public func entry(_ key: String) -> Entry? {
        entries.first { $0.key == key }
    }

    public subscript(key: String) -> TOMLValue? {
        entry(key)?.value
    }
}

/// A TOML syntax error: where it is and what was expected there.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var fileName: String
    public var position: SourcePosition
    public var message: String

    public init(fileName: String, position: SourcePosition, message: String) {
        self.fileName = fileName
        self.position = position
        self.message = message
    }

    /// `simgate.toml:12:9: expected '=' after key "poll_interval"`
    public var description: String { "\(fileName):\(position.line):\(position.column): \(message)" }
}
