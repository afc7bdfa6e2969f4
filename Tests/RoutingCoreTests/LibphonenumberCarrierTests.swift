import Testing
@testable import RoutingCore

@Suite("libphonenumber carrier files (real data)")
struct LibphonenumberCarrierTests {
    static func snapshot(_ files: [String]) throws -> NumberingSnapshot {
        var builder = NumberingSnapshotBuilder()
        for file in files {
            let rows = try LibphonenumberCarrierImporter.parse(TestData.text("libphonenumber/carrier/\(file)"), source: file)
            try builder.addCarrierPrefixes(rows, source: file)
        }
        return try builder.build(version: NumberingDataVersion(libphonenumber: "f7e3e88"))
    }

    @Test func rowCountsMatchTheFiles() throws {
        // SOURCES.md: 1,007 rows in 7.txt, 19 in 380.txt, 12 in 375.txt.
        #expect(try LibphonenumberCarrierImporter.parse(TestData.text("libphonenumber/carrier/en/7.txt"), source: "7").count == 1007)
        #expect(try LibphonenumberCarrierImporter.parse(TestData.text("libphonenumber/carrier/en/380.txt"), source: "380").count == 19)
        #expect(try LibphonenumberCarrierImporter.parse(TestData.text("libphonenumber/carrier/uk/380.txt"), source: "380").count == 19)
        #expect(try LibphonenumberCarrierImporter.parse(TestData.text("libphonenumber/carrier/en/375.txt"), source: "375").count == 12)
    }

    // en/380.txt: 38050|Vodafone, 38066|Vodafone, 38095|Vodafone, 38099|Vodafone, 38067|Kyivstar …
    static let ukrainianNumbers: [(UInt64, String, String)] = [
        (380501234567, "25501", "Vodafone UA"), (380661234567, "25501", "Vodafone UA"),
        (380951234567, "25501", "Vodafone UA"), (380991234567, "25501", "Vodafone UA"),
        (380751234567, "25501", "Vodafone UA"),
        (380671234567, "25503", "Kyivstar"), (380681234567, "25503", "Kyivstar"),
        (380961234567, "25503", "Kyivstar"), (380971234567, "25503", "Kyivstar"),
        (380981234567, "25503", "Kyivstar"), (380391234567, "25503", "Kyivstar"),
        (380631234567, "25506", "lifecell"), (380731234567, "25506", "lifecell"),
        (380931234567, "25506", "lifecell"),
        (380911234567, "25507", "3Mob"), (380921234567, "25521", "PEOPLEnet"),
        (380941234567, "25504", "Intertelecom"),
    ]

    @Test("Ukrainian mobile codes resolve to their MCC-MNC", arguments: ukrainianNumbers)
    func ukraine(_ number: UInt64, _ network: String, _ name: String) throws {
        for file in ["en/380.txt", "uk/380.txt"] {
            let result = try Self.snapshot([file]).lookup(number)
            #expect(result.source == .libphonenumber, "\(file)")
            #expect(result.network?.compact == network, "\(file)")
            #expect(result.operator?.name == name, "\(file)")
        }
    }

    @Test func ukrainianNumbersOutsideTheMobileCodes() throws {
        let snapshot = try Self.snapshot(["en/380.txt"])
        // Kyiv fixed line: no carrier prefix.
        #expect(snapshot.lookup(380441234567).source == .none)
        // 38079|J&Y has no MCC-MNC in the mapping: named, but no network.
        let jy = snapshot.lookup(380791234567)
        #expect(jy.source == .libphonenumber && jy.operator?.name == "J&Y" && jy.network == nil)
    }

    @Test func belarusLongestPrefixWins() throws {
        let snapshot = try Self.snapshot(["en/375.txt"])
        // 375291|Velcom, 375292|MTS, 37525|life:), 37533|MTS, 37544|Velcom.
        #expect(snapshot.lookup(375291234567).network?.compact == "25701")
        #expect(snapshot.lookup(375292234567).network?.compact == "25702")
        #expect(snapshot.lookup(375251234567).network?.compact == "25704")
        #expect(snapshot.lookup(375331234567).network?.compact == "25702")
        #expect(snapshot.lookup(375441234567).network?.compact == "25701")
        // 375294|Belcel: named, no MCC-MNC known.
        #expect(snapshot.lookup(375294234567).operator?.name == "Belcel")
    }

    @Test func sameCarrierNameMapsPerCountry() throws {
        // 7.txt holds both RU and KZ: "Tele2" is 250-20 under +79 and 401-77 under +77
        // (7707|Tele2), "Beeline" 250-99 vs 401-01 (7705|Beeline).
        let snapshot = try Self.snapshot(["en/7.txt", "en/375.txt"])
        #expect(snapshot.lookup(77071234567).network?.compact == "40177")
        #expect(snapshot.lookup(77051234567).network?.compact == "40101")
        #expect(snapshot.lookup(77011234567).network?.compact == "40102")  // 7701|Kcell/Activ
        #expect(snapshot.lookup(79000012345).network?.compact == "25020")  // 79000|Tele2
        #expect(snapshot.lookup(79001971234).network?.compact == "25035")  // 7900197|Motiv (longest prefix)
        #expect(snapshot.lookup(375331234567).network?.compact == "25702")  // "MTS" in Belarus
    }

    @Test func malformedCarrierFilesAreRefused() {
        #expect(throws: NumberingDataError.malformedLine(source: "x", line: 2, reason: "no '|' in \"38050 Vodafone\"")) {
            try LibphonenumberCarrierImporter.parse("# c\n38050 Vodafone\n", source: "x")
        }
        #expect(throws: NumberingDataError.duplicatePrefix(source: "x", line: 3, prefix: "38050")) {
            try LibphonenumberCarrierImporter.parse("38050|Vodafone\n\n38050|Kyivstar\n", source: "x")
        }
        #expect(throws: NumberingDataError.self) {
            try LibphonenumberCarrierImporter.parse("38O50|Vodafone\n", source: "x")
        }
        // Name keeps everything after the first '|'.
        #expect((try? LibphonenumberCarrierImporter.parse("  38050|A|B  \n", source: "x"))?.first?.carrier == "A|B")
    }
}
