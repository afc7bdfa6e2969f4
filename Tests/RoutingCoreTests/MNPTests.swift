import Testing
@testable import RoutingCore

/// БДПН file layouts as documented in numbering.md §5.1 (the real files are licensed and
/// not shipped; the header lines and the sample rows below are quoted from there).
@Suite("MNP: БДПН files and plain lists")
struct MNPTests {
    static let portAll = """
        Number,OwnerId,MNC,Route,RegionCode,PortDate,RowCount
        9000000000,mMEGAFON,02,D2502,25,2016-09-07T12:00:17+03:00,3
        9160000001,mBEELINE,99,D7799,77,2016-09-08T12:00:17+03:00,
        9990044999,mMTS,01,D7801,78,2016-09-09T12:00:17+03:00,
        """
    static let portIncrement = """
        NPId,Number,RecipientId,DonorId,RangeHolderId,OldRoute,NewRoute,OldMNC,NewMNC,RegionCode,PortDate,RowCount
        1000000011129944,9193886341,mMEGAFON,mTELE2,mMTS,D6739,D6702,39,02,67,2017-09-30T23:00:09+03:00,2
        1000000011129945,9160000002,mTELE2,mMTS,mMTS,D7701,D7720,01,20,77,2017-09-30T23:00:10+03:00,
        """
    static let returnIncrement = """
        NPId,Number,OwnerId,RangeHolderId,RangeHolderMNC,OldRoute,NewRoute,RegionCode,PortDate,RowCount
        1000000011129946,9160000001,mBEELINE,mMTS,01,D7799,D7701,77,2017-10-01T10:00:00+03:00,1
        """

    static func base() throws -> NumberingSnapshot {
        var builder = NumberingSnapshotBuilder()
        let header = "АВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН\n"
        // Real rows from DEF-9xx.csv.
        let registry = header + """
            900;0000000;0061999;62000;ООО "Т2 МОБАЙЛ";Краснодарский край;Краснодарский край;7743895280
            916;0000000;9999999;10000000;ПАО "Мобильные ТелеСистемы";г. Москва и Московская область;Город Москва, Московская область;7740000076
            919;3800000;3899999;100000;ПАО "МТС";Смоленская обл.;Смоленская область;7740000076
            999;0000000;0044999;45000;ООО "Скартел";г. Москва и Московская область;Город Москва, Московская область;7701725181
            """
        try builder.addRegistry(NumberingRegistryImporter.parse(text: registry, source: "def"))
        try builder.addPorted(BDPNImporter.parse(portAll, source: "Port_All"))
        return try builder.build(version: NumberingDataVersion(registry: "r1", mnp: "Port_All_201710010000_1299"))
    }

    @Test func portAllParsesAllRows() throws {
        let update = try BDPNImporter.parse(Self.portAll, source: "Port_All")
        #expect(update.kind == .fullSnapshot)
        #expect(update.ported == [
            PortedNumber(number: 79000000000, network: try #require(MCCMNC("25002"))),
            PortedNumber(number: 79160000001, network: try #require(MCCMNC("25099"))),
            PortedNumber(number: 79990044999, network: try #require(MCCMNC("25001"))),
        ])
    }

    @Test func streamingPortAllIntoTheBuilder() throws {
        var builder = NumberingSnapshotBuilder()
        var kinds: [MNPUpdate.Kind] = []
        let lines = Self.portAll.split(separator: "\n")
        try BDPNImporter.parse(lines: lines, source: "Port_All",
                               begin: { kinds.append($0) },
                               ported: { entry throws(NumberingDataError) in
                                   try builder.addPorted(number: entry.number, network: entry.network)
                               },
                               returned: { _ throws(NumberingDataError) in
                                   throw .unknownFileFormat(source: "Port_All", header: "returns")
                               })
        let snapshot = try builder.build(version: NumberingDataVersion(mnp: "stream"))
        #expect(kinds == [.fullSnapshot])
        #expect(snapshot.portedCount == 3)
        #expect(snapshot.lookup(79160000001).network?.compact == "25099")
        // A closure can refuse a file kind.
        #expect(throws: NumberingDataError.self) {
            try BDPNImporter.parse(lines: Self.returnIncrement.split(separator: "\n"), source: "r",
                                   begin: { kind throws(NumberingDataError) in
                                       if kind != .fullSnapshot { throw .unknownFileFormat(source: "r", header: "not Port_All") }
                                   },
                                   ported: { _ in }, returned: { _ in })
        }
    }

    @Test func mnpEntryOverridesTheRange() throws {
        let snapshot = try Self.base()
        let ported = snapshot.lookup(79160000001)
        #expect(ported.source == .mnp)
        #expect(ported.network?.compact == "25099")
        #expect(ported.operator?.name == "Beeline")
        #expect(ported.dataVersion == "registry r1, mnp Port_All_201710010000_1299")
        // Neighbours stay with the range holder.
        #expect(snapshot.lookup(79160000000).source == .registry)
        #expect(snapshot.lookup(79160000000).network?.compact == "25001")
        #expect(snapshot.lookup(79160000002).network?.compact == "25001")
        // Range edges can be ported too.
        #expect(snapshot.lookup(79000000000).network?.compact == "25002")
        #expect(snapshot.lookup(79990044999).network?.compact == "25001")
        #expect(snapshot.portedCount == 3)
    }

    @Test func portIncrementAddsAndReturnIncrementRemoves() throws {
        let base = try Self.base()
        let increment = try BDPNImporter.parse(Self.portIncrement, source: "Port_Increment")
        #expect(increment.kind == .portIncrement)
        let afterPorts = try base.applying(increment, mnpVersion: "inc-16932")
        // 9193886341: registry MTS (919;3800000;3899999), now MegaFon (NewMNC 02).
        #expect(base.lookup(79193886341).network?.compact == "25001")
        #expect(afterPorts.lookup(79193886341).source == .mnp)
        #expect(afterPorts.lookup(79193886341).network?.compact == "25002")
        #expect(afterPorts.lookup(79160000002).network?.compact == "25020")
        #expect(afterPorts.version.mnp == "inc-16932")
        // The old snapshot is unchanged (immutable; the Gateway swaps references).
        #expect(base.lookup(79160000002).network?.compact == "25001")

        let returns = try BDPNImporter.parse(Self.returnIncrement, source: "Return_Increment")
        #expect(returns.kind == .returnIncrement && returns.returned == [79160000001])
        let afterReturn = try afterPorts.applying(returns, mnpVersion: "ret-1")
        // Back to the range holder: the registry answers again.
        #expect(afterReturn.lookup(79160000001).source == .registry)
        #expect(afterReturn.lookup(79160000001).network?.compact == "25001")
        #expect(afterReturn.lookup(79193886341).network?.compact == "25002")

        // Compaction merges the overlay without changing any answer.
        let compacted = afterReturn.compactingOverlay()
        for number: UInt64 in [79160000001, 79160000002, 79193886341, 79000000000, 79990044999, 79160000000] {
            #expect(compacted.lookup(number) == afterReturn.lookup(number), "+\(number)")
        }
        #expect(compacted.portedCount == 4)
    }

    @Test func fullFileReplacesEverything() throws {
        let afterPorts = try Self.base().applying(
            BDPNImporter.parse(Self.portIncrement, source: "inc"), mnpVersion: "inc")
        let fresh = try afterPorts.applying(
            PortedNumbersCSVImporter.parse("number,mccmnc\n+79160000005,250-20\n", source: "plain"), mnpVersion: "plain")
        #expect(fresh.lookup(79160000005).network?.compact == "25020")
        #expect(fresh.lookup(79160000001).source == .registry)
        #expect(fresh.lookup(79193886341).source == .registry)
    }

    @Test func plainCSVList() throws {
        let update = try PortedNumbersCSVImporter.parse("""
            number,mccmnc
            # from the HLR service
            +380671234567,25501

            79161234567,250-99
            """, source: "plain")
        #expect(update.ported.map(\.number) == [380671234567, 79161234567])
        #expect(update.ported.map(\.network.compact) == ["25501", "25099"])
        #expect(throws: NumberingDataError.malformedLine(source: "p", line: 1, reason: "\"7916x\" is not an E.164 number")) {
            try PortedNumbersCSVImporter.parse("7916x,25001", source: "p")
        }
        #expect(throws: NumberingDataError.malformedLine(source: "p", line: 1, reason: "\"2501\" is not an MCC-MNC")) {
            try PortedNumbersCSVImporter.parse("79161234567,2501", source: "p")
        }
    }

    @Test func truncatedOrUnknownFilesAreRefused() {
        let truncated = """
            Number,OwnerId,MNC,Route,RegionCode,PortDate,RowCount
            9000000000,mMEGAFON,02,D2502,25,2016-09-07T12:00:17+03:00,7504433
            """
        #expect(throws: NumberingDataError.malformedLine(source: "p", line: 2, reason: "RowCount says 7504433 rows, the file has 1 (truncated?)")) {
            try BDPNImporter.parse(truncated, source: "p")
        }
        #expect(throws: NumberingDataError.self) {
            try BDPNImporter.parse("Foo,Bar\n1,2\n", source: "p")
        }
        #expect(throws: NumberingDataError.malformedLine(source: "p", line: 2, reason: "Number \"900000000\" is not 10 digits")) {
            try BDPNImporter.parse("Number,OwnerId,MNC,Route,RegionCode,PortDate,RowCount\n900000000,mMTS,01,D7701,77,x,1", source: "p")
        }
    }

    @Test func portedSetHandlesDenseAndSparseNumbers() {
        var builder = PortedSet.Builder()
        // Dense block, block edges (low 16 bits 0 and 65535), other countries, a duplicate.
        var expected: [UInt64: OperatorIndex] = [:]
        for i in 0..<5000 { expected[79160000000 + UInt64(i * 7)] = OperatorIndex(i % 5) }
        let bits = PortedSet.blockBits
        let edge: UInt64 = (UInt64(79160000000) >> bits + 3) << bits
        let blockEnd: UInt64 = edge | PortedSet.lowMask
        expected[edge] = 9                              // first number of a block
        expected[blockEnd] = 8                          // last number of the same block
        expected[blockEnd + 2] = 7                      // next block
        expected[380671234567] = 4
        expected[4930123456] = 3
        for (number, op) in expected { builder.add(number: number, operatorIndex: op) }
        builder.add(number: 380671234567, operatorIndex: 2)  // duplicate; higher index kept
        let set = builder.build()
        #expect(set.count == expected.count)
        for (number, op) in expected { #expect(set.lookup(number) == op, "+\(number)") }
        let absent: [UInt64] = [79160000001, 79160035006, 380671234566, 380671234568, 1, 999_999_999_999_999,
                                edge - 1, edge + 1, blockEnd + 1]
        for number in absent {
            #expect(set.lookup(number) == nil, "+\(number)")
        }
    }
}

@Suite("MCC-MNC and IMSI")
struct MCCMNCTests {
    @Test func parsesForms() throws {
        let mts = try #require(MCCMNC("25001"))
        #expect(MCCMNC("250-01") == mts && MCCMNC("250 01") == mts)
        #expect(mts.description == "250-01" && mts.compact == "25001")
        #expect(MCCMNC("310-410")?.mncDigits == 3)
        #expect(MCCMNC("2500") == nil && MCCMNC("25a01") == nil && MCCMNC("10001") == nil)
    }

    @Test func simOperatorFromIMSI() throws {
        // 2-digit MNC countries: MTS RU, Kyivstar.
        #expect(MCCMNC(imsi: "250011234567890")?.compact == "25001")
        #expect(MCCMNC(imsi: "255031234567890")?.compact == "25503")
        // North America uses 3-digit MNCs.
        #expect(MCCMNC(imsi: "310410123456789")?.compact == "310410")
        #expect(MCCMNC(imsi: "310410123456789", mncDigits: 2)?.compact == "31041")
        #expect(MCCMNC(imsi: "25001") == nil && MCCMNC(imsi: "25001x234567890") == nil)
        // The mapping resolves aliases for on-net pricing: Kyivstar 255-02 prices as 255-03.
        let mapping = OperatorMapping.defaults
        #expect(mapping.network(forIMSI: "255021234567890")?.compact == "25502")
        #expect(mapping.pricingNetwork(of: try #require(MCCMNC("25502"))).compact == "25503")
    }

    @Test func configOverridesDefaults() throws {
        let sber = try #require(MCCMNC("25050"))
        let megafon = try #require(MCCMNC("25002"))
        let mapping = OperatorMapping.defaults.overriding(with: [
            OperatorMappingEntry(name: "СберМобайл", network: sber, inns: ["7736264044"], hostNetwork: megafon),
            OperatorMappingEntry(name: "Т-Мобайл", network: try #require(MCCMNC("25062")), inns: ["7743200179"]),
        ])
        #expect(mapping.entry(forINN: "7736264044")?.name == "СберМобайл")
        #expect(mapping.pricingNetwork(of: sber) == megafon)
        #expect(mapping.entry(forINN: "7743200179")?.network.compact == "25062")
        #expect(mapping.entry(forINN: "7740000076")?.name == "MTS")
        #expect(OperatorMapping.defaults.entry(forINN: "7743200179") == nil)
    }
}
