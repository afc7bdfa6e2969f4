// A TOML 1.0 parser for configuration files, written for simgate.
//
// Why our own: the one config file is the admin's interface to the gateway, and its errors
// must point at the exact line and column and say what was expected there. Keeping the
// parser small and ours also keeps positions on every key and value, which the typed
// configuration needs for its own validation messages.
//
// Coverage: comments, bare/quoted/dotted keys, [table], [[array.of.tables]], basic and
// literal strings (single- and multi-line, all escapes), integers (decimal, hex, octal,
// binary, underscores), floats (incl. inf/nan), booleans, date-times (validated, kept as
// text), arrays (multi-line, trailing comma, mixed types) and inline tables. Duplicate keys
// and every way of redefining a table that TOML 1.0 forbids are errors.
//
// Limits, each with its reason:
// - `maximumNestingDepth` (32) bounds arrays/inline tables inside one value, and
//   `maximumKeySegments` (32) bounds the parts of one dotted key or header. Parsing values
//   and freezing/comparing the tree recurse, so without these a hostile `[[[[...` line
//   could exhaust the stack; real configs nest three levels at most.
// - The input is bounded by the caller (`GatewayConfig.maximumFileSize`); the parser itself
//   holds one copy of the bytes plus the tree.

public struct TOMLParser {
    public static let maximumNestingDepth = 32
    public static let maximumKeySegments = 32

    /// Parses a whole document; the root table's position is 1:1.
    public static func parse(_ text: String, fileName: String = "<input>") throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(text: text, fileName: fileName)
        return try parser.parseDocument()
    }

    private let bytes: [UInt8]
    private let fileName: String
    private var index = 0
    private var line = 1
    private var lineStart = 0

    private init(text: String, fileName: String) {
        self.bytes = Array(text.utf8)
        self.fileName = fileName
    }

    // MARK: Document

    private mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        let root = TableNode(origin: .root, position: SourcePosition(line: 1, column: 1))
        var current = root
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {  // a UTF-8 byte order mark some editors write
            index = 3
            lineStart = 3
        }
        while true {
            skipWhitespace()
            guard let c = peek() else { break }
            switch c {
            case Byte.lf, Byte.cr:
                try consumeNewline()
            case Byte.hash:
                try skipComment()
            case Byte.lbracket:
                current = try parseTableHeader(root: root)
                try expectEndOfLine(after: "table header")
            default:
                try parseKeyValue(into: current)
                try expectEndOfLine(after: "value")
            }
        }
        return root.freeze()
    }

    private mutating func expectEndOfLine(after what: String) throws(TOMLError) {
        skipWhitespace()
        if peek() == Byte.hash { try skipComment() }
        guard let c = peek() else { return }
        guard c == Byte.lf || c == Byte.cr else {
            throw error("expected end of line after \(what), found \(describeCurrent())")
        }
        try consumeNewline()
    }

    // MARK: Key/value pairs and tables

    private mutating func parseKeyValue(into table: TableNode) throws(TOMLError) {
        let key = try parseKey()
        skipWhitespace()
        guard peek() == Byte.equals else {
            throw error("expected '=' after key \(Self.quoted(key)), found \(describeCurrent())")
        }
        index += 1
        skipWhitespace()
        let value = try parseValue(depth: 1)
        try insert(value, at: key, into: table)
    }

    /// Adds `value` under a possibly dotted key, creating the intermediate tables. Dotted keys
    /// may only walk through tables that dotted keys created: TOML forbids reopening a
    /// table defined by a [header], an inline table, or an array of tables this way.
    private func insert(_ value: TOMLValue, at key: [KeySegment], into table: TableNode) throws(TOMLError) {
        var node = table
        for segment in key.dropLast() {
            switch node.slots[segment.name] {
            case nil:
                let child = TableNode(origin: .dotted, position: segment.position)
                node.add(segment.name, .table(child, keyPosition: segment.position))
                node = child
            case .table(let child, _) where child.origin == .dotted:
                node = child
            case .table(let child, _):
                throw error("cannot add keys to table \"\(segment.name)\" with a dotted key: it is defined by a table header at line \(child.position.line)", at: segment.position)
            case .tableArray(_, let first):
                throw error("cannot add keys to array of tables \"\(segment.name)\" (line \(first.line)) with a dotted key", at: segment.position)
            case .value(let existing, _):
                throw error(Self.alreadyDefined(segment.name, existing), at: segment.position)
            }
        }
        guard let last = key.last else { return }
        if let existing = node.slots[last.name] {
            throw error("duplicate key \"\(last.name)\": already defined at line \(existing.keyPosition.line)", at: last.position)
        }
        node.add(last.name, .value(value, keyPosition: last.position))
    }

    /// `[a.b]` or `[[a.b]]`: returns the table that following key/value pairs go into.
    private mutating func parseTableHeader(root: TableNode) throws(TOMLError) -> TableNode {
        let headerPosition = position()
        index += 1
        let isArray = peek() == Byte.lbracket
        if isArray { index += 1 }
        let key = try parseKey()
        guard peek() == Byte.rbracket else {
            throw error("expected '\(isArray ? "]]" : "]")' to close the table header, found \(describeCurrent())")
        }
        index += 1
        if isArray {
            guard peek() == Byte.rbracket else {
                throw error("expected ']]' to close the array-of-tables header, found \(describeCurrent())")
            }
            index += 1
        }

        var node = root
        for segment in key.dropLast() {
            switch node.slots[segment.name] {
            case nil:
                let child = TableNode(origin: .implicit, position: headerPosition)
                node.add(segment.name, .table(child, keyPosition: segment.position))
                node = child
            case .table(let child, _):
                node = child
            case .tableArray(let elements, _):
                // A header below an array of tables extends its most recent element.
                guard let lastElement = elements.last else { throw error("internal: empty array of tables", at: segment.position) }
                node = lastElement
            case .value(let existing, _):
                throw error(Self.alreadyDefined(segment.name, existing), at: segment.position)
            }
        }
        guard let last = key.last else { throw error("expected a key in the table header", at: headerPosition) }
        let name = Self.display(key)
        let existing = node.slots[last.name]
        if isArray {
            switch existing {
            case nil:
                let element = TableNode(origin: .arrayElement, position: headerPosition)
                node.add(last.name, .tableArray([element], keyPosition: last.position))
                return element
            case .tableArray(var elements, let keyPosition):
                let element = TableNode(origin: .arrayElement, position: headerPosition)
                elements.append(element)
                node.slots[last.name] = .tableArray(elements, keyPosition: keyPosition)
                return element
            case .table(let child, _):
                throw error("cannot define array of tables [[\(name)]]: \"\(last.name)\" is already a table (line \(child.position.line))", at: last.position)
            case .value(let value, _):
                throw error(Self.alreadyDefined(last.name, value), at: last.position)
            }
        } else {
            switch existing {
            case nil:
                let child = TableNode(origin: .header, position: headerPosition)
                node.add(last.name, .table(child, keyPosition: last.position))
                return child
            case .table(let child, _) where child.origin == .implicit:
                // Defined implicitly by an earlier [name.sub] header: this is its one definition.
                child.origin = .header
                child.position = headerPosition
                return child
            case .table(let child, _) where child.origin == .dotted:
                throw error("table [\(name)] is already defined by dotted keys at line \(child.position.line)", at: headerPosition)
            case .table(let child, _):
                throw error("table [\(name)] is defined twice (first at line \(child.position.line))", at: headerPosition)
            case .tableArray(_, let keyPosition):
                throw error("cannot define table [\(name)]: it is already an array of tables (line \(keyPosition.line))", at: headerPosition)
            case .value(let value, _):
                throw error(Self.alreadyDefined(last.name, value), at: last.position)
            }
        }
    }

    private static func alreadyDefined(_ name: String, _ value: TOMLValue) -> String {
        if case .table = value.kind {
            return "inline table \"\(name)\" (line \(value.position.line)) cannot be extended"
        }
        return "key \"\(name)\" is already defined as \(value.typeName) at line \(value.position.line)"
    }

    // MARK: Keys

    private struct KeySegment {
        var name: String
        var position: SourcePosition
    }

    /// A simple or dotted key, with whitespace allowed around the dots.
    private mutating func parseKey() throws(TOMLError) -> [KeySegment] {
        var segments: [KeySegment] = []
        while true {
            skipWhitespace()
            let start = position()
            let name = try parseSimpleKey()
            segments.append(KeySegment(name: name, position: start))
            guard segments.count <= Self.maximumKeySegments else {
                throw error("key has more than \(Self.maximumKeySegments) dotted parts", at: start)
            }
            skipWhitespace()
            guard peek() == Byte.dot else { return segments }
            index += 1
        }
    }

    private mutating func parseSimpleKey() throws(TOMLError) -> String {
        guard let c = peek() else { throw error("expected a key, found end of file") }
        if c == Byte.quote || c == Byte.apostrophe {
            if peek(1) == c && peek(2) == c {
                throw error("multi-line strings cannot be used as keys")
            }
            return c == Byte.quote ? try parseBasicString() : try parseLiteralString()
        }
        let start = index
        while let b = peek(), Byte.isBareKey(b) { index += 1 }
        guard index > start else { throw error("expected a key, found \(describeCurrent())") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// For messages: `"poll_interval"`, `"a.\\"b c\\""`.
    private static func quoted(_ key: [KeySegment]) -> String {
        "\"" + display(key).replacing("\"", with: "\\\"") + "\""
    }

    private static func display(_ key: [KeySegment]) -> String {
        key.map { segment in
            let bare = !segment.name.isEmpty && segment.name.utf8.allSatisfy(Byte.isBareKey)
            return bare ? segment.name : "\"\(segment.name)\""
        }.joined(separator: ".")
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws(TOMLError) -> TOMLValue {
        let start = position()
        guard let c = peek() else { throw error("expected a value, found end of file") }
        switch c {
        case Byte.quote:
            let s = (peek(1) == Byte.quote && peek(2) == Byte.quote) ? try parseMultilineBasicString() : try parseBasicString()
            return TOMLValue(.string(s), at: start)
        case Byte.apostrophe:
            let s = (peek(1) == Byte.apostrophe && peek(2) == Byte.apostrophe) ? try parseMultilineLiteralString() : try parseLiteralString()
            return TOMLValue(.string(s), at: start)
        case Byte.lbracket:
            try checkDepth(depth)
            return TOMLValue(.array(try parseArray(depth: depth)), at: start)
        case Byte.lbrace:
            try checkDepth(depth)
            return TOMLValue(.table(try parseInlineTable(depth: depth, start: start)), at: start)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if matchKeyword("true") { return TOMLValue(.boolean(true), at: start) }
            if matchKeyword("false") { return TOMLValue(.boolean(false), at: start) }
            throw error("expected a value, found \(describeToken())")
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "i"), UInt8(ascii: "n"):
            return TOMLValue(try parseNumberOrDateTime(), at: start)
        default:
            throw error("expected a value, found \(describeCurrent())")
        }
    }

    private func checkDepth(_ depth: Int) throws(TOMLError) {
        guard depth <= Self.maximumNestingDepth else {
            throw error("arrays and inline tables nested more than \(Self.maximumNestingDepth) levels deep")
        }
    }

    private mutating func matchKeyword(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard bytes.count - index >= w.count, Array(bytes[index..<index + w.count]) == w else { return false }
        if let next = peek(w.count), Byte.isBareKey(next) { return false }  // "trueish"
        index += w.count
        return true
    }

    private mutating func parseArray(depth: Int) throws(TOMLError) -> [TOMLValue] {
        index += 1  // [
        var items: [TOMLValue] = []
        while true {
            try skipWhitespaceNewlinesAndComments()
            if peek() == Byte.rbracket {
                index += 1
                return items
            }
            items.append(try parseValue(depth: depth + 1))
            try skipWhitespaceNewlinesAndComments()
            switch peek() {
            case Byte.comma:
                index += 1
            case Byte.rbracket:
                index += 1
                return items
            default:
                throw error("expected ',' or ']' in array, found \(describeCurrent())")
            }
        }
    }

    /// `{ a = 1, b.c = 2 }`: one line, no trailing comma (TOML 1.0), sealed once closed.
    private mutating func parseInlineTable(depth: Int, start: SourcePosition) throws(TOMLError) -> TOMLTable {
        index += 1  // {
        let node = TableNode(origin: .inline, position: start)
        skipWhitespace()
        if peek() == Byte.rbrace {
            index += 1
            return node.freeze()
        }
        while true {
            skipWhitespace()
            if peek() == Byte.rbrace {
                throw error("trailing comma is not allowed in an inline table")
            }
            let key = try parseKey()
            skipWhitespace()
            guard peek() == Byte.equals else {
                throw error("expected '=' after key \(Self.quoted(key)), found \(describeCurrent())")
            }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            try insert(value, at: key, into: node)
            skipWhitespace()
            switch peek() {
            case Byte.comma:
                index += 1
            case Byte.rbrace:
                index += 1
                return node.freeze()
            case Byte.lf, Byte.cr:
                throw error("inline table must be on one line: expected ',' or '}', found end of line")
            default:
                throw error("expected ',' or '}' in inline table, found \(describeCurrent())")
            }
        }
    }

    // MARK: Strings

    private mutating func parseBasicString() throws(TOMLError) -> String {
        let open = position()
        index += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw error("unterminated string starting at \(open)") }
            switch c {
            case Byte.quote:
                index += 1
                return String(decoding: out, as: UTF8.self)
            case Byte.backslash:
                try parseEscape(into: &out)
            case Byte.lf, Byte.cr:
                throw error("unterminated string starting at \(open): newline before the closing '\"' (use \"\"\" for multi-line strings)")
            default:
                try checkStringCharacter(c)
                out.append(c)
                index += 1
            }
        }
    }

    private mutating func parseLiteralString() throws(TOMLError) -> String {
        let open = position()
        index += 1
        let start = index
        while true {
            guard let c = peek() else { throw error("unterminated string starting at \(open)") }
            if c == Byte.apostrophe {
                let s = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return s
            }
            if c == Byte.lf || c == Byte.cr {
                throw error("unterminated string starting at \(open): newline before the closing \"'\" (use ''' for multi-line strings)")
            }
            try checkStringCharacter(c)
            index += 1
        }
    }

    private mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        let open = position()
        index += 3
        try skipNewlineAfterOpeningDelimiter()
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw error("unterminated multi-line string starting at \(open)") }
            switch c {
            case Byte.quote:
                if try closeMultiline(quote: Byte.quote, into: &out) { return String(decoding: out, as: UTF8.self) }
            case Byte.backslash:
                if isLineEndingBackslash() {
                    // "line ending backslash": drop the newline and all whitespace after it.
                    index += 1
                    skipWhitespace()
                    try consumeNewline()
                    try skipWhitespaceAndNewlines()
                } else {
                    try parseEscape(into: &out)
                }
            case Byte.lf, Byte.cr:
                try consumeNewline()
                out.append(Byte.lf)
            default:
                try checkStringCharacter(c)
                out.append(c)
                index += 1
            }
        }
    }

    private mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        let open = position()
        index += 3
        try skipNewlineAfterOpeningDelimiter()
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw error("unterminated multi-line string starting at \(open)") }
            switch c {
            case Byte.apostrophe:
                if try closeMultiline(quote: Byte.apostrophe, into: &out) { return String(decoding: out, as: UTF8.self) }
            case Byte.lf, Byte.cr:
                try consumeNewline()
                out.append(Byte.lf)
            default:
                try checkStringCharacter(c)
                out.append(c)
                index += 1
            }
        }
    }

    private mutating func skipNewlineAfterOpeningDelimiter() throws(TOMLError) {
        if peek() == Byte.lf || peek() == Byte.cr { try consumeNewline() }
    }

    /// At a run of quotes inside a multi-line string: three close it, and up to two more
    /// just before the closing three belong to the content (`"""a"""""` is `a""`).
    private mutating func closeMultiline(quote: UInt8, into out: inout [UInt8]) throws(TOMLError) -> Bool {
        var run = 0
        while peek(run) == quote { run += 1 }
        if run < 3 {
            out.append(contentsOf: repeatElement(quote, count: run))
            index += run
            return false
        }
        guard run <= 5 else {
            throw error("too many quotes: at most two may precede the closing delimiter", at: position(offset: 5))
        }
        out.append(contentsOf: repeatElement(quote, count: run - 3))
        index += run
        return true
    }

    private func isLineEndingBackslash() -> Bool {
        var i = index + 1
        while i < bytes.count, bytes[i] == Byte.space || bytes[i] == Byte.tab { i += 1 }
        return i < bytes.count && (bytes[i] == Byte.lf || bytes[i] == Byte.cr)
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(TOMLError) {
        let escapeStart = position()
        index += 1  // backslash
        guard let c = peek() else { throw error("unterminated escape sequence at end of file") }
        index += 1
        switch c {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case Byte.quote: out.append(Byte.quote)
        case Byte.backslash: out.append(Byte.backslash)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = c == UInt8(ascii: "u") ? 4 : 8
            var scalarValue: UInt32 = 0
            for _ in 0..<count {
                guard let h = peek(), let digit = Byte.hexValue(h) else {
                    throw error("escape \\\(Character(Unicode.Scalar(c))) needs exactly \(count) hex digits", at: escapeStart)
                }
                scalarValue = scalarValue << 4 | UInt32(digit)
                index += 1
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw error("escape \\\(Character(Unicode.Scalar(c))) names U+\(String(scalarValue, radix: 16, uppercase: true)), which is not a Unicode scalar value", at: escapeStart)
            }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error("invalid escape sequence \\\(describeByte(c)) (valid: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)", at: escapeStart)
        }
    }

    /// Control characters other than tab must be escaped in strings (and cannot appear in literal ones).
    private func checkStringCharacter(_ c: UInt8) throws(TOMLError) {
        if (c < 0x20 && c != Byte.tab) || c == 0x7F {
            throw error("control character U+\(Byte.hex4(c)) is not allowed in a string; escape it")
        }
    }

    // MARK: Numbers and date-times

    private mutating func parseNumberOrDateTime() throws(TOMLError) -> TOMLValue.Kind {
        let start = index
        let startPosition = position()
        while let b = peek(), Byte.isNumberToken(b) { index += 1 }
        // A date-time may separate date and time with one space: `1979-05-27 07:32:00Z`.
        if index - start == 10, peek() == Byte.space, let next = peek(1), Byte.isDigit(next),
           DateTimeText.hasDateShape(bytes[start..<index]) {
            index += 1
            while let b = peek(), Byte.isNumberToken(b) { index += 1 }
        }
        let token = bytes[start..<index]
        let text = String(decoding: token, as: UTF8.self)
        if token.contains(Byte.colon) || DateTimeText.hasDateShape(token.prefix(10)) {
            guard DateTimeText.isValid(token) else {
                throw error("invalid date-time \"\(text)\" (RFC 3339, e.g. 1979-05-27T07:32:00Z, 1979-05-27 or 07:32:00)", at: startPosition)
            }
            return .datetime(text)
        }
        switch NumberText.parse(token) {
        case .integer(let i): return .integer(i)
        case .float(let d): return .float(d)
        case .invalid(let why): throw error("invalid number \"\(text)\": \(why)", at: startPosition)
        }
    }

    // MARK: Whitespace, comments and newlines

    private mutating func skipWhitespace() {
        while let c = peek(), c == Byte.space || c == Byte.tab { index += 1 }
    }

    private mutating func skipWhitespaceAndNewlines() throws(TOMLError) {
        while let c = peek() {
            if c == Byte.space || c == Byte.tab {
                index += 1
            } else if c == Byte.lf || c == Byte.cr {
                try consumeNewline()
            } else {
                return
            }
        }
    }

    private mutating func skipWhitespaceNewlinesAndComments() throws(TOMLError) {
        while true {
            try skipWhitespaceAndNewlines()
            guard peek() == Byte.hash else { return }
            try skipComment()
        }
    }

    /// From '#' to the end of the line, which is left for the caller to consume.
    private mutating func skipComment() throws(TOMLError) {
        index += 1
        while let c = peek(), c != Byte.lf, c != Byte.cr {
            if (c < 0x20 && c != Byte.tab) || c == 0x7F {
                throw error("control character U+\(Byte.hex4(c)) is not allowed in a comment")
            }
            index += 1
        }
    }

    private mutating func consumeNewline() throws(TOMLError) {
        if peek() == Byte.cr {
            guard peek(1) == Byte.lf else { throw error("carriage return must be followed by a line feed") }
            index += 1
        }
        guard peek() == Byte.lf else { return }
        index += 1
        line += 1
        lineStart = index
    }

    // MARK: Positions and errors

    private func peek(_ offset: Int = 0) -> UInt8? {
        let i = index + offset
        return i < bytes.count ? bytes[i] : nil
    }

    private func position(offset: Int = 0) -> SourcePosition {
        let end = min(index + offset, bytes.count)
        var column = 1
        var i = lineStart
        while i < end {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }  // count scalars, not UTF-8 continuation bytes
            i += 1
        }
        return SourcePosition(line: line, column: column)
    }

    private func error(_ message: String, at position: SourcePosition? = nil) -> TOMLError {
        TOMLError(fileName: fileName, position: position ?? self.position(), message: message)
    }

    private func describeCurrent() -> String {
        guard let c = peek() else { return "end of file" }
        if c == Byte.lf || c == Byte.cr { return "end of line" }
        return describeByte(c)
    }

    /// The bare word at the cursor, for "found 'yes'" style messages.
    private func describeToken() -> String {
        var end = index
        while end < bytes.count, Byte.isBareKey(bytes[end]), end - index < 32 { end += 1 }
        return end > index ? "'\(String(decoding: bytes[index..<end], as: UTF8.self))'" : describeCurrent()
    }

    private func describeByte(_ c: UInt8) -> String {
        if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        if c == Byte.space { return "' '" }
        if c < 0x80 { return "U+\(Byte.hex4(c))" }
        // Non-ASCII: show the whole character that starts here.
        var end = index + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80, end - index < 4 { end += 1 }
        return "'\(String(decoding: bytes[index..<end], as: UTF8.self))'"
    }
}

// MARK: - Tree under construction

/// A table while the document is being read. Reference type because headers and dotted
/// keys reach into tables created earlier; frozen into value types at the end.
private final class TableNode {
    /// How the table came to exist, which decides how it may be extended later.
    enum Origin {
        case root
        case implicit       // a parent named by a header ([a.b] makes a): may get its own [a] once
        case header         // [a]
        case dotted         // a.b = 1 makes a: extendable only by dotted keys in the same section
        case inline         // { ... }: sealed once closed
        case arrayElement   // one [[a]]
    }

    enum Slot {
        case value(TOMLValue, keyPosition: SourcePosition)
        case table(TableNode, keyPosition: SourcePosition)
        case tableArray([TableNode], keyPosition: SourcePosition)

        var keyPosition: SourcePosition {
            switch self {
            case .value(_, let p), .table(_, let p), .tableArray(_, let p): p
            }
        }
    }

    var origin: Origin
    var position: SourcePosition
    var order: [String] = []
    var slots: [String: Slot] = [:]

    init(origin: Origin, position: SourcePosition) {
        self.origin = origin
        self.position = position
    }

    func add(_ key: String, _ slot: Slot) {
        order.append(key)
        slots[key] = slot
    }

    /// Depth is bounded by `maximumKeySegments` per header/key plus `maximumNestingDepth`.
    func freeze() -> TOMLTable {
        var entries: [TOMLTable.Entry] = []
        entries.reserveCapacity(order.count)
        for key in order {
            guard let slot = slots[key] else { continue }
            let value: TOMLValue
            switch slot {
            case .value(let v, _):
                value = v
            case .table(let node, _):
                value = TOMLValue(.table(node.freeze()), at: node.position)
            case .tableArray(let nodes, let keyPosition):
                let elements = nodes.map { TOMLValue(.table($0.freeze()), at: $0.position) }
                value = TOMLValue(.array(elements), at: nodes.first?.position ?? keyPosition)
            }
            entries.append(TOMLTable.Entry(key: key, keyPosition: slot.keyPosition, value: value))
        }
        return TOMLTable(entries: entries, position: position)
    }
}

// MARK: - Bytes

enum Byte {
    static let tab = UInt8(ascii: "\t")
    static let lf = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let hash = UInt8(ascii: "#")
    static let comma = UInt8(ascii: ",")
    static let dot = UInt8(ascii: ".")
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let backslash = UInt8(ascii: "\\")
    static let lbracket = UInt8(ascii: "[")
    static let rbracket = UInt8(ascii: "]")
    static let lbrace = UInt8(ascii: "{")
    static let rbrace = UInt8(ascii: "}")
    static let underscore = UInt8(ascii: "_")

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func isBareKey(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == underscore || c == UInt8(ascii: "-")
    }

    /// Characters that can appear in a number or date-time token.
    static func isNumberToken(_ c: UInt8) -> Bool {
        isBareKey(c) || c == UInt8(ascii: "+") || c == dot || c == colon
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    static func hex4(_ c: UInt8) -> String {
        let h = String(c, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - h.count) + h
    }
}
