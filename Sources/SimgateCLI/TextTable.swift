// A plain-text table that fits a terminal width by shrinking the columns that can lose
// characters least harmfully (operator names before modem IDs, never the numbers).

struct TextTable {
    enum Cut {
        /// Keep the start, mark the cut at the end: `Vodaf…`.
        case end
        /// Keep the end, mark the cut at the start: `…3456` (serial numbers, paths).
        case start
    }

    struct Column {
        var header: String
        /// Never shrunk below this many characters.
        var minWidth: Int
        /// Lower numbers shrink first; columns with the same number shrink together.
        var shrinkOrder: Int = 0
        var cut: Cut = .end
        var alignRight = false

        init(_ header: String, min minWidth: Int? = nil, shrinkOrder: Int = 9, cut: Cut = .end, right: Bool = false) {
            self.header = header
            self.minWidth = minWidth ?? header.count
            self.shrinkOrder = shrinkOrder
            self.cut = cut
            self.alignRight = right
        }
    }

    var columns: [Column]
    var rows: [[String]] = []
    /// The text that marks a cut: "…" on UTF-8 terminals, "~" in ASCII mode.
    var cutMark: String = "…"

    /// Lines of the table; with `maxWidth` every line is at most that many characters
    /// (unless the columns' minimum widths alone exceed it). Trailing spaces are trimmed.
    func render(maxWidth: Int?) -> String {
        var widths = columns.indices.map { i in
            rows.reduce(columns[i].header.count) { max($0, i < $1.count ? $1[i].count : 0) }
        }
        if let maxWidth { shrink(&widths, to: maxWidth) }
        var lines: [String] = []
        lines.append(line(columns.map(\.header), widths: widths))
        for row in rows { lines.append(line(row, widths: widths)) }
        return lines.joined(separator: "\n") + "\n"
    }

    private func shrink(_ widths: inout [Int], to maxWidth: Int) {
        let gaps = max(columns.count - 1, 0)
        var total = widths.reduce(0, +) + gaps
        for order in Set(columns.map(\.shrinkOrder)).sorted() where total > maxWidth {
            let group = columns.indices.filter { columns[$0].shrinkOrder == order }
            while total > maxWidth {
                // Shave the widest shrinkable column of this group, one character at a time,
                // so two operator names end up cut to similar lengths.
                guard let widest = group.filter({ widths[$0] > columns[$0].minWidth })
                    .max(by: { widths[$0] < widths[$1] }) else { break }
                widths[widest] -= 1
                total -= 1
            }
        }
    }

    private func line(_ cells: [String], widths: [Int]) -> String {
        var out = ""
        for (i, width) in widths.enumerated() {
            let cell = fit(i < cells.count ? cells[i] : "", width: width, cut: columns[i].cut)
            let pad = String(repeating: " ", count: width - cell.count)
            if i > 0 { out += " " }
            out += columns[i].alignRight ? pad + cell : cell + pad
        }
        while out.last == " " { out.removeLast() }
        return out
    }

    private func fit(_ text: String, width: Int, cut: Cut) -> String {
        guard text.count > width else { return text }
        guard width > cutMark.count else { return String(text.prefix(width)) }
        let keep = width - cutMark.count
        switch cut {
        case .end: return String(text.prefix(keep)) + cutMark
        case .start: return cutMark + String(text.suffix(keep))
        }
    }
}
