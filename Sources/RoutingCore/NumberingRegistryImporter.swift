// NumberingRegistryImporter: the Russian numbering registry (Минцифры, formerly Россвязь)
// `DEF-9xx.csv` / `ABC-*.csv` (numbering.md §4.2).
//
// Quirks handled, all seen in the real files:
// - UTF-8 with BOM (current) or windows-1251 (legacy); LF or CRLF; no final newline.
// - The header's "АВС" is Cyrillic: the header is recognised by position (its От column is
//   not a number), never by string equality.
// - Not RFC 4180: `ООО "Т2 МОБАЙЛ"` has bare quotes. Split on `;` literally; strip quotes only
//   from a field that starts and ends with `"`, collapsing `""`.
// - 8 columns now (with Территория ГАР and ИНН), 6 in the legacy layout; От/До zero-padded
//   to 7 digits now, unpadded before.
// - Емкость must equal До − От + 1 (true for every current row): a mismatch means a
//   mis-split row, which is an error rather than a silently wrong range.

import Foundation

/// One registry row: a block of numbers held by one operator.
public struct RegistryRange: Sendable, Hashable {
    /// The ABC/DEF code (900…999 for mobile).
    public let code: Int
    /// First and last E.164 numbers of the block (7 + code + 7-digit number).
    public let first: UInt64
    public let last: UInt64
    public let operatorName: String
    public let region: String
    /// Operator tax id; empty in the legacy layout.
    public let inn: String
    public let line: Int
}

public enum NumberingRegistryImporter {
    /// Parses the whole file; throws at the first row that is not a valid range.
    public static func parse(_ data: Data, source: String) throws(NumberingDataError) -> [RegistryRange] {
        try parse(text: TextLines.decode(data, source: source), source: source)
    }

    public static func parse(text: String, source: String) throws(NumberingDataError) -> [RegistryRange] {
        var result: [RegistryRange] = []
        for (number, line) in TextLines.numbered(text) {
            if line.isEmpty { continue }
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            // Header: first line whose От column is not numeric.
            if number == 1, fields.count > 1, Int(fields[1].trimmingCharacters(in: .whitespaces)) == nil { continue }
            guard fields.count == 8 || fields.count == 6 else {
                throw .malformedLine(source: source, line: number, reason: "\(fields.count) fields, expected 8 (or 6 in the legacy layout)")
            }
            func integer(_ index: Int, _ name: String, maxDigits: Int) throws(NumberingDataError) -> Int {
                let text = fields[index].trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty, text.count <= maxDigits, text.allSatisfy({ $0.isASCII && $0.isNumber }),
                      let value = Int(text) else {
                    throw .malformedLine(source: source, line: number, reason: "\(name) \"\(text)\" is not a number")
                }
                return value
            }
            let code = try integer(0, "code", maxDigits: 3)
            let from = try integer(1, "От", maxDigits: 7)
            let to = try integer(2, "До", maxDigits: 7)
            let capacity = try integer(3, "Емкость", maxDigits: 8)
            guard code >= 100 else {
                throw .malformedLine(source: source, line: number, reason: "code \(code) is not 3 digits")
            }
            guard from <= to else {
                throw .malformedLine(source: source, line: number, reason: "От \(from) > До \(to)")
            }
            guard capacity == to - from + 1 else {
                throw .malformedLine(source: source, line: number, reason: "Емкость \(capacity) ≠ До − От + 1 = \(to - from + 1)")
            }
            let base = UInt64(70_000_000_000) + UInt64(code) * 10_000_000
            result.append(RegistryRange(
                code: code, first: base + UInt64(from), last: base + UInt64(to),
                operatorName: unquote(fields[4]), region: unquote(fields[5]),
                inn: fields.count == 8 ? fields[7].trimmingCharacters(in: .whitespaces) : "",
                line: number))
        }
        return result
    }

    /// `"ТМ ""САТ"` → `ТМ "САТ`; `ООО "Т2 МОБАЙЛ"` stays as it is.
    static func unquote(_ field: Substring) -> String {
        let trimmed = field.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return trimmed }
        return String(trimmed.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }
}
