// TextLines: the line splitting every importer shares. LF or CRLF, a final line without
// a newline still counts, and line numbers are 1-based as an editor shows them.

import Foundation

enum TextLines {
    /// Each line with its 1-based number, "\r" removed from CRLF ends.
    static func numbered(_ text: some StringProtocol) -> [(number: Int, text: Substring)] {
        var result: [(number: Int, text: Substring)] = []
        var number = 0
        // "\r\n" is one Character (grapheme) in Swift, so split on both, never on "\n" alone.
        for line in Substring(text).split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            result.append((number, line))
        }
        // "a\n" splits into ["a", ""]: the empty tail is not a line.
        if let last = result.last, last.text.isEmpty { result.removeLast() }
        return result
    }

    /// Decodes a data file: UTF-8 with or without BOM, else windows-1251 (the pre-2019
    /// rossvyaz.ru files; numbering.md §4.2 "sniff the encoding").
    static func decode(_ data: Data, source: String) throws(NumberingDataError) -> String {
        if data.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard let text = String(data: data.dropFirst(3), encoding: .utf8) else {
                throw .undecodableText(source: source)
            }
            return text
        }
        if let text = String(data: data, encoding: .utf8) { return text }
        if let text = String(data: data, encoding: .windowsCP1251) { return text }
        throw .undecodableText(source: source)
    }
}
