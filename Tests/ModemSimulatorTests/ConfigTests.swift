import Foundation
import Testing
@testable import ModemSimulator

@Suite("Simulator configuration")
struct ConfigTests {
    @Test("the shipped example loads: three modems, the documented link dir and socket")
    func exampleLoads() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/modemsim.json")
        let config = try SimulatorConfig.load(json: try Data(contentsOf: url))
        #expect(config.modems.map(\.name) == ["huawei1", "quectel1", "simcom1"])
        #expect(config.modems.map(\.vendor) == [.huawei, .quectel, .simcom])
        #expect(config.linkDirectory == "/tmp/simgate/sim")
        #expect(config.controlSocket == "/tmp/simgate/sim/control.sock")
        #expect(config.modems.map(\.network.mccmnc) == ["25001", "25099", "25002"])
        #expect(config.modems.map(\.signal) == [20, 14, 25])
    }

    @Test("an IMEI with a wrong Luhn digit is rejected, naming the field")
    func badIMEI() {
        var m = Fixture.modem("m1", .huawei)
        m.identity.imei = "354099000000013"
        let config = SimulatorConfig(linkDirectory: "/tmp/x", modems: [m])
        #expect(throws: ConfigError(field: "modems[0].identity.imei", reason: "must be 15 digits with a valid Luhn check digit")) {
            try config.validate()
        }
    }

    @Test("a missing or unknown vendor names the field")
    func missingVendor() {
        let json = #"{"linkDirectory":"/tmp/x","modems":[{"name":"a","identity":{"imei":"354099000000012","imsi":"250010000000001","iccid":"8970100000000000012"},"network":{"mccmnc":"25001","longName":"MTS"}}]}"#
        #expect(throws: ConfigError(field: "modems[0].vendor", reason: "is missing")) {
            try SimulatorConfig.load(json: Data(json.utf8))
        }
        let bad = json.replacingOccurrences(of: #""name":"a","#, with: #""name":"a","vendor":"nokia","#)
        do {
            _ = try SimulatorConfig.load(json: Data(bad.utf8))
            Issue.record("an unknown vendor was accepted")
        } catch {
            #expect(error.field == "modems[0].vendor")
        }
    }

    @Test("smsCapacity and smsReportDelay: defaults 30 and 1 s, read from JSON, out of range names the field")
    func smsSettings() throws {
        let json = #"{"linkDirectory":"/tmp/x","modems":[{"name":"a","vendor":"huawei","identity":{"imei":"354099000000012","imsi":"250010000000001","iccid":"8970100000000000012"},"network":{"mccmnc":"25001","longName":"MTS"}}]}"#
        let defaults = try SimulatorConfig.load(json: Data(json.utf8)).modems[0]
        #expect(defaults.smsCapacity == 30)
        #expect(defaults.smsReportDelay == 1)
        let set = json.replacingOccurrences(of: #""name":"a","#, with: #""name":"a","smsCapacity":5,"smsReportDelay":0.5,"#)
        let m = try SimulatorConfig.load(json: Data(set.utf8)).modems[0]
        #expect(m.smsCapacity == 5)
        #expect(m.smsReportDelay == 0.5)
        let zero = json.replacingOccurrences(of: #""name":"a","#, with: #""name":"a","smsCapacity":0,"#)
        #expect(throws: ConfigError(field: "modems[0].smsCapacity", reason: "must be 1...255")) {
            try SimulatorConfig.load(json: Data(zero.utf8))
        }
    }

    @Test("USSD, account and SIM fault fields: defaults, read from JSON (decimal money exact), out of range names the field")
    func ussdSettings() throws {
        let json = #"{"linkDirectory":"/tmp/x","modems":[{"name":"a","vendor":"huawei","identity":{"imei":"354099000000012","imsi":"250010000000001","iccid":"8970100000000000012"},"network":{"mccmnc":"25001","longName":"MTS"}}]}"#
        let d = try SimulatorConfig.load(json: Data(json.utf8)).modems[0]
        #expect(USSDState.cents(d.balance) == 10000 && USSDState.cents(d.pricePerMinute) == 150)
        #expect(d.ussdDelay == 0.3 && d.ussdMenuTimeout == 20 && !d.ussdSilent && d.simFault == .none)
        let set = json.replacingOccurrences(of: #""name":"a","#, with: #""name":"a","balance":2220.76,"pricePerMinute":0.1,"ussdDelay":0,"ussdMenuTimeout":5,"ussdSilent":true,"simFault":"barred","#)
        let m = try SimulatorConfig.load(json: Data(set.utf8)).modems[0]
        #expect(USSDState.cents(m.balance) == 222076 && USSDState.cents(m.pricePerMinute) == 10)
        #expect(m.ussdDelay == 0 && m.ussdMenuTimeout == 5 && m.ussdSilent && m.simFault == .barred)
        let bad = json.replacingOccurrences(of: #""name":"a","#, with: #""name":"a","ussdMenuTimeout":0,"#)
        #expect(throws: ConfigError(field: "modems[0].ussdMenuTimeout", reason: "must be 0.05...600")) {
            try SimulatorConfig.load(json: Data(bad.utf8))
        }
        #expect(USSDState.parseAmount("-3,4") == -340 && USSDState.parseAmount("1.999") == nil)
        #expect(USSDState.text(-1250) == "-12.50" && USSDState.text(5) == "0.05")
    }

    @Test("duplicate names and out-of-range signal are rejected")
    func duplicatesAndSignal() {
        let a = Fixture.modem("m1", .huawei)
        #expect(throws: ConfigError(field: "modems[1].name", reason: "duplicate modem name 'm1'")) {
            try SimulatorConfig(linkDirectory: "/tmp/x", modems: [a, a]).validate()
        }
        var b = a
        b.signal = 32
        #expect(throws: ConfigError(field: "modems[0].signal", reason: "must be 0...31 or 99")) {
            try SimulatorConfig(linkDirectory: "/tmp/x", modems: [b]).validate()
        }
    }

    @Test("Luhn check: 3GPP example IMEI 49015420323751-8")
    func luhn() {
        #expect(luhnValid("490154203237518"))
        #expect(!luhnValid("490154203237519"))
    }
}
