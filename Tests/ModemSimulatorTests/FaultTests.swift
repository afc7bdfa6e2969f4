// PIN flow, signal and registration changes, SIM pull, hang, garbage, unplug and replug.
import Foundation
import Testing
@testable import ModemSimulator

@Suite("Faults and run-time changes", .serialized)
struct FaultTests {
    @Test("PIN: SIM PIN until the right PIN; wrong PIN gives CME 16; three wrong give SIM PUK")
    func pinFlow() async throws {
        try await Fixture.withSimulator([Fixture.modem("qc", .quectel, pin: "1234")]) { sim, _ in
            let port = try await Fixture.openAT(sim, "qc")
            #expect(port.command("AT+CMEE=1;+CREG=1") == "\r\nOK\r\n")
            #expect(port.command("AT+CPIN?") == "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n")
            #expect(port.command("AT+CIMI", final: "\r\n") == "\r\n+CME ERROR: 11\r\n")
            #expect(port.command("AT+CREG?") == "\r\n+CREG: 1,0\r\n\r\nOK\r\n")
            #expect(port.command("AT+QPINC?") == "\r\n+QPINC: \"SC\",3,10\r\n\r\n+QPINC: \"P2\",3,10\r\n\r\nOK\r\n")
            #expect(port.command("AT+CPIN=\"0000\"", final: "\r\n") == "\r\n+CME ERROR: 16\r\n")
            #expect(port.command("AT+CPIN=\"1234\"", final: "+CREG: 1\r\n") == "\r\nOK\r\n\r\n+CREG: 1\r\n")
            #expect(port.command("AT+CPIN?") == "\r\n+CPIN: READY\r\n\r\nOK\r\n")
            #expect(port.command("AT+CIMI") == "\r\n250010000000001\r\n\r\nOK\r\n")
        }
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei, pin: "1234")]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            _ = port.command("AT+CMEE=1")
            for _ in 0..<3 {
                #expect(port.command("AT+CPIN=\"9999\"", final: "\r\n") == "\r\n+CME ERROR: 16\r\n")
            }
            #expect(port.command("AT+CPIN?") == "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n")
            // Registration follows the PIN; Huawei reports the new service state with ^SRVST.
            #expect(port.command("AT+CPIN=\"12345678\",\"4321\"", final: "^SRVST:2\r\n") == "\r\nOK\r\n\r\n^SRVST:2\r\n")
            #expect(port.command("AT+CPIN?") == "\r\n+CPIN: READY\r\n\r\nOK\r\n")
            #expect(try await sim.status("hw").registration == .home)
        }
    }

    @Test("signal change: Huawei ^RSSI URC, Quectel +QIND csq once enabled, new +CSQ answer")
    func signal() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei), Fixture.modem("qc", .quectel)]) { sim, _ in
            let hw = try await Fixture.openAT(sim, "hw")
            try await sim.setSignal("hw", rssi: 7)
            #expect(hw.read(until: "\r\n^RSSI:7\r\n") == "\r\n^RSSI:7\r\n")
            #expect(hw.command("AT+CSQ") == "\r\n+CSQ: 7,99\r\n\r\nOK\r\n")

            let qc = try await Fixture.openAT(sim, "qc")
            try await sim.setSignal("qc", rssi: 9)          // not enabled yet: no URC
            #expect(qc.command("AT+QINDCFG=\"csq\",1,0") == "\r\nOK\r\n")
            try await sim.setSignal("qc", rssi: 99)
            #expect(qc.read(until: "99,99\r\n") == "\r\n+QIND: \"csq\",99,99\r\n")
            #expect(qc.command("AT+CSQ") == "\r\n+CSQ: 99,99\r\n\r\nOK\r\n")
            await #expect(throws: SimulatorError.invalidArgument("rssi must be 0...31 or 99")) {
                try await sim.setSignal("qc", rssi: 40)
            }
        }
    }

    @Test("registration: +CREG URCs on change with location when n=2; +COPS empty when unregistered")
    func registration() async throws {
        try await Fixture.withSimulator([Fixture.modem("gn", .generic)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "gn")
            #expect(port.command("AT+CREG=2") == "\r\nOK\r\n")
            try await sim.setRegistration("gn", .denied)
            #expect(port.read(until: "+CREG: 3\r\n") == "\r\n+CREG: 3\r\n")
            #expect(port.command("AT+COPS?") == "\r\n+COPS: 0\r\n\r\nOK\r\n")
            try await sim.setOperator("gn", mccmnc: "25002", longName: "MegaFon", shortName: "MF")
            try await sim.setRegistration("gn", .roaming)
            #expect(port.read(until: ",2\r\n") == "\r\n+CREG: 5,\"1A2B\",\"0000C0DE\",2\r\n")
            #expect(port.command("AT+COPS?") == "\r\n+COPS: 0,0,\"MegaFon\",2\r\n\r\nOK\r\n")
        }
    }

    @Test("SIM pull: ^SIMST: 255 and CME 13 on Huawei; +CPIN: NOT READY and CME 10 on Quectel")
    func simPull() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei), Fixture.modem("qc", .quectel)]) { sim, _ in
            let hw = try await Fixture.openAT(sim, "hw")
            _ = hw.command("AT+CMEE=1")
            try await sim.removeSIM("hw")
            #expect(hw.read(until: "^SRVST:0\r\n") == "\r\n^SIMST: 255\r\n\r\n^SRVST:0\r\n")
            #expect(hw.command("AT+CPIN?", final: "\r\n") == "\r\n+CME ERROR: 13\r\n")

            let qc = try await Fixture.openAT(sim, "qc")
            _ = qc.command("AT+CMEE=1")
            try await sim.removeSIM("qc")
            #expect(qc.read(until: "NOT READY\r\n") == "\r\n+CPIN: NOT READY\r\n")
            #expect(qc.command("AT+CPIN?", final: "\r\n") == "\r\n+CME ERROR: 10\r\n")
            #expect(qc.command("ATD+79161234567;", final: "\r\n") == "\r\n+CME ERROR: 10\r\n")
            try await sim.insertSIM("qc")
            #expect(qc.read(until: "READY\r\n") == "\r\n+CPIN: READY\r\n")
            #expect(qc.command("AT+CPIN?") == "\r\n+CPIN: READY\r\n\r\nOK\r\n")
        }
    }

    @Test("hang: commands get no answer (not even echo) until released")
    func hang() async throws {
        try await Fixture.withSimulator([Fixture.modem("sc", .simcom)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "sc", echoOff: false)
            try await sim.setHung("sc", true)
            port.send("AT\r")
            port.pump(for: 0.5)
            #expect(port.take() == "")
            try await sim.setHung("sc", false)
            #expect(port.command("AT") == "AT\r\r\nOK\r\n")
        }
    }

    @Test("garbage: exactly N bytes arrive, and the modem still answers afterwards")
    func garbage() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            try await sim.emitGarbage("hw", count: 300)
            #expect(port.read(count: 300).count == 300)
            port.pump(for: 0.2)
            #expect(port.take() == "")
            #expect(port.command("AT") == "\r\nOK\r\n")
        }
    }

    @Test("unplug ends the client's port with EOF or EIO and removes links; replug restores them, same IMEI")
    func unplugReplug() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, dir in
            let port = try await Fixture.openAT(sim, "hw")
            try await sim.unplug("hw")
            let end = port.waitForEnd(timeout: 3)
            #expect(end == .eof || end == .eio)
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/hw.at"))
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/hw.audio"))
            #expect(try await sim.status("hw").plugged == false)

            try await sim.replug("hw")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/hw.audio"))
            let again = try await Fixture.openAT(sim, "hw")   // power-on again: echo was on
            #expect(again.command("AT+CGSN") == "\r\n354099000000012\r\n\r\nOK\r\n")

            try await sim.unplug("hw")
            try await sim.replug("hw", linkName: "hw-new")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/hw.at"))
            let renamed = try PortClient(path: "\(dir)/hw-new.at")
            #expect(renamed.command("AT+CGSN") == "AT+CGSN\r\r\n354099000000012\r\n\r\nOK\r\n")
        }
    }
}
