import Foundation
import Testing
@testable import RoutingCore

@Suite("Default operator mapping against the MCC-MNC list (real data)")
struct MCCMNCListTests {
    struct Record: Decodable {
        let mcc: String
        let mnc: String
        let brand: String?
        let status: String?
    }

    @Test func everyDefaultNetworkIsAnOperationalEntry() throws {
        let records = try JSONDecoder().decode(
            [Record].self, from: TestData.data("mccmnc/pbakondy-mcc-mnc-list/mcc-mnc-list.json"))
        #expect(records.count == 3094)  // SOURCES.md
        var byNetwork: [MCCMNC: Record] = [:]
        for record in records {
            if let network = MCCMNC(record.mcc + record.mnc) { byNetwork[network] = record }
        }
        for entry in OperatorMapping.defaults.entries {
            for network in [entry.network] + entry.otherNetworks {
                let record = byNetwork[network]
                #expect(record != nil, "\(entry.name) \(network) is not in the list")
                #expect(record?.status == "Operational", "\(entry.name) \(network): \(record?.status ?? "-")")
            }
        }
        // Spot checks of the brand behind the defaults (numbering.md §8).
        #expect(byNetwork[try #require(MCCMNC("25001"))]?.brand == "MTS")
        #expect(byNetwork[try #require(MCCMNC("25011"))]?.brand == "Yota")
        #expect(byNetwork[try #require(MCCMNC("25050"))]?.brand == "SberMobile")
        #expect(byNetwork[try #require(MCCMNC("25503"))]?.brand == "Kyivstar")
        #expect(byNetwork[try #require(MCCMNC("25704"))]?.brand == "life:)")
    }
}
