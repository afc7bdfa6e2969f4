// LibphonenumberCarrierImporter: libphonenumber `resources/carrier/<lang>/<cc>.txt`
// (numbering.md §2.1). Rules as the upstream build tool applies them: each line trimmed,
// empty and `#` lines skipped, `prefix|name` split at the first `|`, a line without `|` or
// a duplicate prefix is an error. The prefix includes the country calling code.

/// One `prefix|carrier` line.
public struct CarrierPrefix: Sendable, Hashable {
    /// E.164 prefix digits as an integer (no leading zeros in E.164, so it is unambiguous).
    public let prefix: UInt64
    public let digitCount: Int
    public let carrier: String
    public let line: Int
}

public enum LibphonenumberCarrierImporter {
    /// - Parameter source: a name for error messages ("en/7.txt").
    public static func parse(_ text: String, source: String) throws(NumberingDataError) -> [CarrierPrefix] {
        var result: [CarrierPrefix] = []
        var seen: Set<UInt64> = []
        for (number, raw) in TextLines.numbered(text) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let bar = line.firstIndex(of: "|") else {
                throw .malformedLine(source: source, line: number, reason: "no '|' in \"\(line.prefix(40))\"")
            }
            let digits = line[..<bar]
            let name = String(line[line.index(after: bar)...])
            // Upstream parses the prefix as a Java int: at most 10 digits; E.164 allows 15.
            guard !digits.isEmpty, digits.count <= 15, digits.first != "0",
                  digits.allSatisfy({ $0.isASCII && $0.isNumber }), let prefix = UInt64(digits) else {
                throw .malformedLine(source: source, line: number, reason: "prefix \"\(digits)\" is not a number")
            }
            guard seen.insert(prefix).inserted else {
                throw .duplicatePrefix(source: source, line: number, prefix: String(digits))
            }
            result.append(CarrierPrefix(prefix: prefix, digitCount: digits.count, carrier: name, line: number))
        }
        return result
    }
}

import Foundation
