// Reading typed values out of one TOML table, collecting problems instead of stopping.
//
// Each config section decodes itself with a `TableReader`: it asks for every key it knows
// (which also registers the key as known), validates, and finally calls `finish()`, which
// reports any key nobody asked for as unknown, with a "did you mean" hint. New sections
// ([sip], [[user]], [[trunk]], ...) follow the same pattern in their own file.

/// Collects problems for one file.
final class ConfigDiagnostics {
    let fileName: String
    /// Reading back a rendering (`GatewayConfig.redactedDescription`): secrets hold the
    /// placeholder, which is then taken as-is instead of validated.
    let acceptsRedactedSecrets: Bool
    private(set) var problems: [ConfigProblem] = []

    init(fileName: String, acceptsRedactedSecrets: Bool = false) {
        self.fileName = fileName
        self.acceptsRedactedSecrets = acceptsRedactedSecrets
    }

    func report(line: Int?, column: Int? = nil, key: String?, _ message: String) {
        problems.append(ConfigProblem(fileName: fileName, line: line, column: column, key: key, message: message))
    }

    /// File order, then the order found: reads like a compiler's output.
    var sortedProblems: [ConfigProblem] {
        problems.enumerated().sorted { a, b in
            let la = a.element.line ?? 0, lb = b.element.line ?? 0
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }
}

final class TableReader {
    let table: TOMLTable
    /// Dotted path of this table: "" for the root, "daemon", "modem[1]".
    let path: String
    let diagnostics: ConfigDiagnostics
    private var known: [String] = []

    init(_ table: TOMLTable, path: String, diagnostics: ConfigDiagnostics) {
        self.table = table
        self.path = path
        self.diagnostics = diagnostics
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The line to blame for `key`: its value's line, or the table's own line when absent.
    func line(of key: String) -> Int {
        table[key]?.position.line ?? table.position.line
    }

    func report(_ key: String, _ message: String) {
        diagnostics.report(line: line(of: key), key: keyPath(key), message)
    }

    /// The raw value; registers `key` as known.
    func value(_ key: String) -> TOMLValue? {
        if !known.contains(key) { known.append(key) }
        return table[key]
    }

    func requireValue(_ key: String) -> TOMLValue? {
        guard let v = value(key) else {
            diagnostics.report(line: table.position.line, key: keyPath(key), "missing required key")
            return nil
        }
        return v
    }

    private func mismatch(_ key: String, expected: String, got value: TOMLValue, hint: String = "") {
        diagnostics.report(line: value.position.line, key: keyPath(key), "expected \(expected), got \(value.typeName)\(hint)")
    }

    // MARK: Typed getters: nil when absent or wrong (the problem is already reported).

    /// `validate` returns a message when the string is unacceptable.
    func string(_ key: String, required: Bool = false, typeHint: String = "", validate: (String) -> String? = { _ in nil }) -> String? {
        guard let v = required ? requireValue(key) : value(key) else { return nil }
        guard let s = v.stringValue else {
            mismatch(key, expected: "a string", got: v, hint: typeHint)
            return nil
        }
        if let problem = validate(s) {
            diagnostics.report(line: v.position.line, key: keyPath(key), problem)
            return nil
        }
        return s
    }

    /// A password, PIN, token or key. Its text never appears in a message (`validate` must
    /// not echo it). The placeholder a rendering writes instead of a secret is taken as-is
    /// only when reading a rendering back; in a real file it means a rendering was pasted
    /// as the config, and the daemon must not run with "<redacted>" as its password.
    func secret(_ key: String, required: Bool = false, typeHint: String = "", validate: (String) -> String?) -> SecretString? {
        if let v = table[key], v.stringValue == SecretString.placeholder {
            _ = value(key)
            if diagnostics.acceptsRedactedSecrets { return SecretString(SecretString.placeholder) }
            report(key, "\"\(SecretString.placeholder)\" stands in for a secret in printed configs; write the real value here")
            return nil
        }
        return string(key, required: required, typeHint: typeHint, validate: validate).map(SecretString.init)
    }

    func integer(_ key: String, in range: ClosedRange<Int64>) -> Int64? {
        guard let v = value(key) else { return nil }
        guard let i = v.integerValue else {
            mismatch(key, expected: "an integer", got: v)
            return nil
        }
        guard range.contains(i) else {
            diagnostics.report(line: v.position.line, key: keyPath(key), "must be between \(range.lowerBound) and \(range.upperBound), got \(i)")
            return nil
        }
        return i
    }

    /// A number of seconds or similar: integer or float, within `range`.
    func number(_ key: String, in range: ClosedRange<Double>) -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.doubleValue else {
            mismatch(key, expected: "a number", got: v)
            return nil
        }
        guard range.contains(d) else {
            diagnostics.report(line: v.position.line, key: keyPath(key), "must be between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound)), got \(Self.format(d))")
            return nil
        }
        return d
    }

    func bool(_ key: String) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.boolValue else {
            mismatch(key, expected: "a boolean (true or false)", got: v)
            return nil
        }
        return b
    }

    func stringArray(_ key: String, validate: (String) -> String? = { _ in nil }) -> [String]? {
        guard let v = value(key) else { return nil }
        guard let items = v.arrayValue else {
            mismatch(key, expected: "an array of strings", got: v)
            return nil
        }
        var out: [String] = []
        var ok = true
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue else {
                diagnostics.report(line: item.position.line, key: "\(keyPath(key))[\(i)]", "expected a string, got \(item.typeName)")
                ok = false
                continue
            }
            if let problem = validate(s) {
                diagnostics.report(line: item.position.line, key: "\(keyPath(key))[\(i)]", problem)
                ok = false
                continue
            }
            out.append(s)
        }
        return ok ? out : nil
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, required: Bool = false) -> E? where E.RawValue == String {
        let choices = E.allCases.map(\.rawValue)
        guard let s = string(key, required: required, validate: { s in
            E(rawValue: s) == nil ? "expected one of \(choices.joined(separator: ", ")), got \"\(s)\"" : nil
        }) else { return nil }
        return E(rawValue: s)
    }

    /// A `[section]`; `[[section]]` by mistake gets a hint.
    func table(_ key: String) -> TOMLTable? {
        guard let v = value(key) else { return nil }
        guard let t = v.tableValue else {
            let hint = v.arrayValue != nil ? " (write [\(key)], not [[\(key)]])" : ""
            mismatch(key, expected: "a table", got: v, hint: hint)
            return nil
        }
        return t
    }

    /// A `[[section]]` list; `[section]` by mistake gets a hint.
    func tableArray(_ key: String) -> [TOMLTable]? {
        guard let v = value(key) else { return nil }
        let tables = v.arrayValue?.compactMap(\.tableValue)
        guard let tables, tables.count == v.arrayValue?.count else {
            let hint = v.tableValue != nil ? " (write [[\(key)]] for each entry, not [\(key)])" : ""
            mismatch(key, expected: "an array of tables", got: v, hint: hint)
            return nil
        }
        return tables
    }

    /// Reports every key that no getter asked for.
    func finish() {
        for entry in table.entries where !known.contains(entry.key) {
            let what = entry.value.tableValue != nil || entry.value.arrayValue?.first?.tableValue != nil ? "unknown table" : "unknown key"
            var message = what
            if let suggestion = Self.closest(to: entry.key, among: known) {
                message += " (did you mean \"\(suggestion)\"?)"
            } else if !known.isEmpty {
                message += "; known keys here: \(known.joined(separator: ", "))"
            }
            diagnostics.report(line: entry.keyPosition.line, key: keyPath(entry.key), message)
        }
    }

    // MARK: Helpers

    /// The known key nearest to a misspelt one, if it is close enough to be a typo:
    /// edit distance at most 1 for short keys, 2 up to 8 letters, 3 beyond.
    static func closest(to key: String, among candidates: [String]) -> String? {
        let k = key.lowercased().replacingDashes()
        let allowed = k.count <= 3 ? 1 : (k.count <= 8 ? 2 : 3)
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(k, c.lowercased().replacingDashes())
            if d <= allowed, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions, and swaps
    /// of two neighbouring letters (the commonest typo: "modme" is one step from "modem").
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}

extension String {
    /// `poll-interval` is the same typo distance from `poll_interval` as any other letter; make it zero.
    fileprivate func replacingDashes() -> String {
        String(unicodeScalars.map { $0 == "-" ? "_" : Character($0) })
    }
}

// MARK: - Shared validators

enum Validate {
    /// Paths to device ports must be absolute: a relative path would depend on the daemon's
    /// working directory, which systemd sets to `/`.
    static func absolutePath(_ s: String) -> String? {
        s.hasPrefix("/") ? nil : "expected an absolute path (starting with /), got \"\(s)\""
    }

    static func nonEmpty(_ s: String) -> String? {
        s.isEmpty ? "must not be empty" : nil
    }
}
