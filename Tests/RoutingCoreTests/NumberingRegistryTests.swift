import Foundation
import Testing
@testable import RoutingCore

@Suite("Минцифры DEF-9xx registry (real file)")
struct NumberingRegistryTests {
    static let source = "rossvyaz/DEF-9xx.csv"

    /// Data lines counted straight from the bytes: LF-separated, no final newline, header first.
    static func dataLineCount(_ data: Data) -> Int {
        let newlines = data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let lines = data.last == 0x0A ? newlines : newlines + 1
        return lines - 1
    }

    @Test func importsEveryRowOfTheRealFile() throws {
        let data = try TestData.data(Self.source)
        let rows = try NumberingRegistryImporter.parse(data, source: Self.source)
        #expect(rows.count == Self.dataLineCount(data))
        #expect(rows.count == 16_629)  // SOURCES.md: 16,629 ranges + header
        // No row lost or merged: every data line yields its own row, in file order.
        #expect(rows.map(\.line) == Array(2...16_630))
        // Capacity measured independently in numbering.md §4.3.
        #expect(rows.reduce(0) { $0 + ($1.last - $1.first + 1) } == 694_490_763)
        #expect(Set(rows.map(\.code)).count == 83)
        #expect(Set(rows.map(\.inn)).count == 73)

        let first = try #require(rows.first)
        #expect(first.code == 900 && first.first == 79000000000 && first.last == 79000061999)
        #expect(first.operatorName == "ООО \"Т2 МОБАЙЛ\"")  // bare quotes kept
        #expect(first.region == "Краснодарский край")
        #expect(first.inn == "7743895280")
        let last = try #require(rows.last)  // the file has no final newline
        #expect(last.first == 79999600000 && last.last == 79999999999 && last.inn == "7701725181")
    }

    /// Built once per process: the tests only read it.
    static let registryOnly = Result { try build(withCarriers: false) }
    static let withCarriers = Result { try build(withCarriers: true) }

    static func snapshot(withCarriers: Bool) throws -> NumberingSnapshot {
        try (withCarriers ? Self.withCarriers : Self.registryOnly).get()
    }

    static func build(withCarriers: Bool) throws -> NumberingSnapshot {
        var builder = NumberingSnapshotBuilder()
        try builder.addRegistry(NumberingRegistryImporter.parse(TestData.data(Self.source), source: Self.source))
        if withCarriers {
            let text = try TestData.text("libphonenumber/carrier/en/7.txt")
            try builder.addCarrierPrefixes(LibphonenumberCarrierImporter.parse(text, source: "en/7.txt"), source: "en/7.txt")
        }
        return try builder.build(version: NumberingDataVersion(registry: "2026-04-20", libphonenumber: "f7e3e88"))
    }

    struct Expectation: Sendable, CustomTestStringConvertible {
        let number: UInt64
        let network: String?
        let name: String
        var testDescription: String { "+\(number)" }
    }

    // Boundaries taken from the file's lines (quoted in the comments).
    static let vectors: [Expectation] = [
        // 900;0000000;0061999;62000;ООО "Т2 МОБАЙЛ";…;7743895280
        .init(number: 79000000000, network: "25020", name: "T2"),
        .init(number: 79000061999, network: "25020", name: "T2"),
        // 916;0000000;9999999;10000000;ПАО "Мобильные ТелеСистемы";…;7740000076
        .init(number: 79160000000, network: "25001", name: "MTS"),
        .init(number: 79169999999, network: "25001", name: "MTS"),
        // 999;0000000;0044999;45000;ООО "Скартел";…;7701725181  then  999;0045000;0099999;ПАО "МЕГАФОН";…;7812014560
        .init(number: 79990044999, network: "25011", name: "Yota"),
        .init(number: 79990045000, network: "25002", name: "MegaFon"),
        .init(number: 79990099999, network: "25002", name: "MegaFon"),
        // 933;7704444;7704444;1;ООО "АСТРАН";…;7717647570: a one-number range of an unmapped ИНН.
        .init(number: 79337704444, network: nil, name: "ООО \"АСТРАН\""),
        // 933;7703471;7704199;729;ООО "ИНТЕРНОД"
        .init(number: 79337704199, network: nil, name: "ООО \"ИНТЕРНОД\""),
        // 949;0000000;0019999;…;9308013351 (ГУП ДНР "РОС", spelled in full in the file)
        .init(number: 79490019999, network: nil,
              name: "ГОСУДАРСТВЕННОЕ УНИТАРНОЕ ПРЕДПРИЯТИЕ ДОНЕЦКОЙ НАРОДНОЙ РЕСПУБЛИКИ «РЕСПУБЛИКАНСКИЙ ОПЕРАТОР СВЯЗИ»"),
    ]

    @Test("first and last numbers of ranges", arguments: vectors)
    func rangeBoundaries(_ v: Expectation) throws {
        let result = try Self.snapshot(withCarriers: false).lookup(v.number)
        #expect(result.source == .registry)
        #expect(result.network?.compact == v.network)
        #expect(result.operator?.name == v.name)
        #expect(result.dataVersion == "registry 2026-04-20, libphonenumber f7e3e88")
    }

    @Test func numbersJustOutsideRangesAreNotInTheRegistry() throws {
        let registryOnly = try Self.snapshot(withCarriers: false)
        // Gaps: 933;…;7704199 is followed by 933;7704444; 901;…;0219999 by 901;0294600.
        for number: UInt64 in [79337704200, 79337704443, 79337704445, 79010220000, 79010294599] {
            #expect(registryOnly.lookup(number).source == .none, "+\(number)")
        }
        #expect(registryOnly.lookup(79010294600).source == .registry)
        // Not a DEF number at all.
        #expect(registryOnly.lookup(74951234567).source == .none)
        // With libphonenumber loaded, a gap falls back to the prefix: 901;…;1316399 is followed
        // by 901;1317000, and en/7.txt has 7901131|Tele2.
        #expect(registryOnly.lookup(79011316400).source == .none)
        let withCarriers = try Self.snapshot(withCarriers: true)
        #expect(withCarriers.lookup(79011316399).source == .registry)
        let fallback = withCarriers.lookup(79011316400)
        #expect(fallback.source == .libphonenumber)
        #expect(fallback.network?.compact == "25020")
    }

    @Test func everySampledRangeAnswersAtBothEndsAndStopsAtItsEdges() throws {
        let data = try TestData.data(Self.source)
        let rows = try NumberingRegistryImporter.parse(data, source: Self.source)
        let snapshot = try Self.snapshot(withCarriers: false)
        // An operator is its ИНН: mapped ones carry the mapping's name, others the first
        // spelling met in the file.
        var firstSpelling: [String: String] = [:]
        for row in rows where firstSpelling[row.inn] == nil { firstSpelling[row.inn] = row.operatorName }
        func expectedName(_ row: RegistryRange) -> String? {
            OperatorMapping.defaults.entry(forINN: row.inn)?.name ?? firstSpelling[row.inn]
        }
        let starts = Dictionary(rows.map { ($0.first, $0) }, uniquingKeysWith: { a, _ in a })
        for row in stride(from: 0, to: rows.count, by: 97).map({ rows[$0] }) {
            for number in [row.first, row.last] {
                let result = snapshot.lookup(number)
                #expect(result.source == .registry)
                #expect(result.operator?.name == expectedName(row), "line \(row.line)")
            }
            // Just after the range: either the next range (starting exactly there) or nothing.
            let after = snapshot.lookup(row.last + 1)
            if let next = starts[row.last + 1] {
                #expect(after.operator?.name == expectedName(next), "after line \(row.line)")
            } else {
                #expect(after.source == .none, "after line \(row.line)")
            }
        }
    }

    @Test func operatorsAreKeyedByINNNotSpelling() throws {
        let snapshot = try Self.snapshot(withCarriers: false)
        // 900;0000000;… "ООО \"Т2 МОБАЙЛ\"" and 900;0100000;… "ООО \"Т2 Мобайл\"": same ИНН, one operator.
        #expect(snapshot.lookup(79000000000).operator == snapshot.lookup(79000100000).operator)
        // Every mapped ИНН collapses to one table entry: no two entries share a network.
        let networks = snapshot.operators.operators.compactMap(\.network)
        #expect(Set(networks).count == networks.count)
    }

    @Test func malformedRowsAreRefusedWithTheirLine() {
        let header = "АВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН\n"
        #expect(throws: NumberingDataError.malformedLine(source: "t", line: 2, reason: "Емкость 5 ≠ До − От + 1 = 10")) {
            try NumberingRegistryImporter.parse(text: header + "900;0000000;0000009;5;X;R;R;1", source: "t")
        }
        #expect(throws: NumberingDataError.malformedLine(source: "t", line: 3, reason: "7 fields, expected 8 (or 6 in the legacy layout)")) {
            try NumberingRegistryImporter.parse(text: header + "900;0000000;0000009;10;X;R;R;1\n900;1;2;2;X;R;1", source: "t")
        }
        #expect(throws: NumberingDataError.self) {
            try NumberingRegistryImporter.parse(text: header + "900;00000x0;0000009;10;X;R;R;1", source: "t")
        }
        // Overlapping rows are refused when the snapshot is built.
        #expect(throws: NumberingDataError.self) {
            var builder = NumberingSnapshotBuilder()
            try builder.addRegistry(NumberingRegistryImporter.parse(
                text: header + "900;0000000;0000009;10;X;R;R;1\n900;0000009;0000019;11;Y;R;R;2", source: "t"))
            _ = try builder.build(version: NumberingDataVersion())
        }
    }

    @Test func legacyLayoutInWindows1251WithQuotedQuotes() throws {
        // The 2014 layout: 6 columns, unpadded От/До, windows-1251, CRLF, `"ТМ ""САТ"`.
        let text = "АВС/ DEF;От;До;Емкость;Оператор;Регион\r\n900;0;99999;100000;Телеком Евразия;Краснодарский край\r\n901;2652047;2652047;1;\"ТМ \"\"САТ\";Пермский край\r\n"
        let data = try #require(text.data(using: .windowsCP1251))
        #expect(String(data: data, encoding: .utf8) == nil)  // really not UTF-8
        let rows = try NumberingRegistryImporter.parse(data, source: "legacy")
        try #require(rows.count == 2)
        #expect(rows[0].first == 79000000000 && rows[0].last == 79000099999 && rows[0].inn == "")
        #expect(rows[0].operatorName == "Телеком Евразия")
        #expect(rows[1].first == 79012652047 && rows[1].operatorName == "ТМ \"САТ")
    }
}
