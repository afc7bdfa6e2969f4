// The lookup structures' fast paths against plain references: PortedSet's interpolated
// search inside a block (even, clustered and lopsided blocks, where the guess is far off and
// the search falls back), and RangeTable's bucket index (a span of one country, of several,
// and the edges of every range of the real DEF-9xx file).
import Foundation
import TestSupport
import Testing
@testable import RoutingCore

@Suite("Lookup structures: interpolated block search, range buckets")
struct LookupStructureTests {
    /// SplitMix64: the same numbers every run.


    @Test("every number of clustered, lopsided, full and even blocks answers as a dictionary does")
    func portedSetMatchesAReference() {
        let bits = PortedSet.blockBits
        let block = UInt64(1) << bits
        let base = (UInt64(79_160_000_000) >> bits) << bits
        var expected: [UInt64: OperatorIndex] = [:]
        var g = SplitMix64(state: 5)
        // Block 0: evenly spread, ~80 numbers (the 20M-number case).
        for _ in 0..<80 { expected[base + g.next() % block] = OperatorIndex(g.next() % 7) }
        // Block 1: 300 consecutive numbers at its top end (a ported range; guesses land far below).
        for i in 0..<300 { expected[base + 2 * block - 300 + UInt64(i)] = 3 }
        // Block 2: one number at the bottom, 500 at the top: the guess for the bottom is far off.
        expected[base + 2 * block] = 1
        for i in 0..<500 { expected[base + 3 * block - 1 - UInt64(i)] = 2 }
        // Block 3: every number.
        for i in 0..<block { expected[base + 3 * block + i] = OperatorIndex(i % 5) }
        // Block 5 (after an empty one): a single number.
        expected[base + 5 * block + 2047] = 6
        var builder = PortedSet.Builder()
        for (number, op) in expected { builder.add(number: number, operatorIndex: op) }
        let set = builder.build()
        #expect(set.count == expected.count)
        var wrong: [UInt64] = []
        for number in (base - 2)...(base + 6 * block + 1) where set.lookup(number) != expected[number] {
            wrong.append(number)
        }
        #expect(wrong.isEmpty, "first wrong answers: \(wrong.prefix(10))")
    }

    @Test("ranges of several countries (a wide bucket span) answer as a linear scan does")
    func rangeTableMatchesALinearScan() throws {
        var g = SplitMix64(state: 11)
        var entries: [RangeTable.Entry] = []
        // Russia, Ukraine and Germany, gaps between ranges, some ranges adjacent.
        for base in [UInt64(79_000_000_000), 380_500_000_000, 4_915_000_000_000] {
            var next = base
            for _ in 0..<400 {
                next += g.next() % 3 == 0 ? 0 : g.next() % 5_000_000
                let length = 1 + g.next() % 2_000_000
                entries.append(RangeTable.Entry(first: next, last: next + length - 1, operatorIndex: OperatorIndex(g.next() % 9)))
                next += length
            }
        }
        let table = try RangeTable(entries: entries)
        func linear(_ n: UInt64) -> OperatorIndex? { entries.first { $0.first <= n && n <= $0.last }?.operatorIndex }
        var probes: [UInt64] = [0, 1, 78_999_999_999, 999_999_999_999_999]
        for e in entries { probes += [e.first - 1, e.first, e.first + 1, e.last - 1, e.last, e.last + 1] }
        for _ in 0..<2000 { probes.append(entries[Int(g.next() % UInt64(entries.count))].first + g.next() % 3_000_000) }
        let wrong = probes.filter { table.lookup($0) != linear($0) }
        #expect(wrong.isEmpty, "first wrong answers: \(wrong.prefix(10))")
        #expect(try RangeTable(entries: []).lookup(79_161_234_567) == nil)
        let one = try RangeTable(entries: [RangeTable.Entry(first: 79_161_234_567, last: 79_161_234_567, operatorIndex: 4)])
        #expect(one.lookup(79_161_234_567) == 4 && one.lookup(79_161_234_566) == nil && one.lookup(79_161_234_568) == nil)
    }

    @Test("every range of the real DEF-9xx file answers at both ends, and not one past a gap")
    func everyRealRangeEdge() throws {
        let data = try TestData.data("rossvyaz/DEF-9xx.csv")
        let rows = try NumberingRegistryImporter.parse(data, source: "DEF-9xx.csv")
        var operators = OperatorTable()
        var entries: [RangeTable.Entry] = []
        for row in rows {
            let index = try operators.intern(inn: row.inn, spelling: row.operatorName, mapping: .defaults)
            entries.append(RangeTable.Entry(first: row.first, last: row.last, operatorIndex: index))
        }
        let table = try RangeTable(entries: entries)
        let byStart = Dictionary(entries.map { ($0.first, $0.operatorIndex) }, uniquingKeysWith: { a, _ in a })
        let byEnd = Set(entries.map(\.last))
        var wrong: [String] = []
        for e in entries {
            if table.lookup(e.first) != e.operatorIndex || table.lookup(e.last) != e.operatorIndex { wrong.append("\(e.first)…\(e.last)") }
            if byStart[e.last + 1] == nil, table.lookup(e.last + 1) != nil { wrong.append("after \(e.last)") }
            if !byEnd.contains(e.first - 1), table.lookup(e.first - 1) != nil { wrong.append("before \(e.first)") }
        }
        #expect(rows.count == entries.count && wrong.isEmpty, "\(wrong.prefix(10))")
    }
}
