// A plain-text table that fits a terminal width by degrading in a planned order.
//
// Each cell may come in several renderings, widest first (`861234567123456`, `3456`). The table
// starts with the widest, and while a line is too long it applies the next `Step` of its plan:
// switch a column to a narrower rendering, or cut a column's text down to a width with a mark.
// When the plan is exhausted, every column is cut (widest first) down to its minimum.

struct TextTable {
    enum Cut {
        /// Keep the start, mark the cut at the end: `Vodaf…`.
        case end
        /// Keep the end, mark the cut at the start: `…3456` (serial numbers, paths).
        case start
    }

    struct Column {
        var header: String
        /// Never cut below this many characters (defaults to the header's width).
        var minWidth: Int
        var cut: Cut
        var alignRight: Bool

        init(_ header: String, min minWidth: Int? = nil, cut: Cut = .end, right: Bool = false) {
            self.header = header
            self.minWidth = minWidth ?? header.count
            self.cut = cut
            self.alignRight = right
        }
    }

    enum Step {
        /// Use rendering `index` (0 = widest) of every cell in `column`.
        case rendering(column: Int, index: Int)
        /// Cut the named columns down to `width` (never below their minimum), widest first.
        case cut(columns: [Int], width: Int)
    }

    var columns: [Column]
    /// rows[r][c] = the renderings of one cell, widest first (at least one).
    var rows: [[[String]]] = []
    var plan: [Step] = []
    /// The text that marks a cut: "…" on UTF-8 terminals, "~" in ASCII mode.
    var cutMark: String = "…"

    mutating func append(_ cells: [[String]]) { rows.append(cells) }

    /// The table as lines; with `maxWidth` every line is at most that wide, unless the
    /// columns' minimum widths alone exceed it. Trailing spaces are trimmed.
    func render(maxWidth: Int?) -> String {
        var layout = Layout(table: self)
        if let maxWidth {
            for step in plan where layout.total > maxWidth { layout.apply(step, to: maxWidth) }
            if layout.total > maxWidth { layout.apply(.cut(columns: Array(columns.indices), width: 0), to: maxWidth) }
        }
        var lines = [line(columns.map(\.header), layout)]
        for row in rows {
            lines.append(line(columns.indices.map { c in
                let variants = c < row.count ? row[c] : [""]
                return variants[min(layout.rendering[c], variants.count - 1)]
            }, layout))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private struct Layout {
        let table: TextTable
        var rendering: [Int]
        var cutWidth: [Int?]

        init(table: TextTable) {
            self.table = table
            rendering = Array(repeating: 0, count: table.columns.count)
            cutWidth = Array(repeating: nil, count: table.columns.count)
        }

        func naturalWidth(_ c: Int) -> Int {
            table.rows.reduce(table.columns[c].header.count) { widest, row in
                guard c < row.count, let cell = row[c][safe: rendering[c]] ?? row[c].last else { return widest }
                return max(widest, cell.count)
            }
        }

        func width(_ c: Int) -> Int { min(naturalWidth(c), cutWidth[c] ?? .max) }

        var total: Int { table.columns.indices.reduce(max(table.columns.count - 1, 0)) { $0 + width($1) } }

        mutating func apply(_ step: Step, to maxWidth: Int) {
            switch step {
            case .rendering(let column, let index):
                rendering[column] = max(rendering[column], index)
            case .cut(let columns, let target):
                var over = total - maxWidth
                while over > 0 {
                    let shrinkable = columns.filter { width($0) > max(target, table.columns[$0].minWidth) }
                    guard let widest = shrinkable.max(by: { width($0) < width($1) }) else { return }
                    cutWidth[widest] = width(widest) - 1
                    over -= 1
                }
            }
        }
    }

    private func line(_ cells: [String], _ layout: Layout) -> String {
        var out = ""
        for c in columns.indices {
            let width = layout.width(c)
            let cell = fit(cells[c], width: width, cut: columns[c].cut)
            let pad = String(repeating: " ", count: max(0, width - cell.count))
            if c > 0 { out += " " }
            out += columns[c].alignRight ? pad + cell : cell + pad
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

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
