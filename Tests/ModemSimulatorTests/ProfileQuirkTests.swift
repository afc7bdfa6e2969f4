// Real-firmware formats the vendor profiles can show (ModemQuirks) and Huawei ^DSCI, checked
// byte for byte through real ptys against the captures they imitate.
import Testing
@testable import ModemSimulator

@Suite("Profile formats and quirks", .serialized)
struct ProfileQuirkTests {
    static func modem(_ name: String, _ vendor: Vendor, _ quirks: ModemQuirks) -> ModemConfig {
        var m = Fixture.modem(name, vendor)
        m.quirks = quirks
        return m
    }

    @Test("Huawei AT^DSCI=1: Huawei-style ^DSCI (CLCC stat, mpty, quoted number) around RING, ^CONN and ^CEND")
    func huaweiDSCI() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            #expect(port.command("AT^DSCI=1") == "\r\nOK\r\n")
            #expect(port.command("AT^DSCI?") == "\r\n^DSCI: 1\r\n\r\nOK\r\n")
            try await sim.ringIn("hw", from: "+79161234567")
            // (A second RING may already be there on a loaded machine: the interval is 0.2 s.)
            #expect(port.read(until: "RING\r\n").hasPrefix("\r\n^DSCI: 1,1,4,0,0,\"+79161234567\",145,,,0,\"\",0\r\n\r\nRING\r\n"))
            #expect(port.command("ATA", final: "^CONN:1,0\r\n\r\n^DSCI: 1,1,0,0,0,\"+79161234567\",145,,,0,\"\",0\r\n")
                        .hasSuffix("\r\n^CONN:1,0\r\n\r\n^DSCI: 1,1,0,0,0,\"+79161234567\",145,,,0,\"\",0\r\n"))
            try await sim.remoteHangup("hw")
            // Network release: end status 104 with cause 16; ^DSCI 6 carries the cause too.
            let end = port.read(until: "NO CARRIER\r\n")
            #expect(end.hasSuffix(",104,16\r\n\r\n^DSCI: 1,1,6,0,0,\"+79161234567\",145,,16,0,\"\",0\r\n\r\nNO CARRIER\r\n"))
            #expect(end.hasPrefix("\r\n^CEND:1,"))
        }
    }

    @Test("Huawei without ^DSCI=1 sends no ^DSCI (the dongle default)")
    func huaweiNoDSCI() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            try await sim.ringIn("hw", from: "+79161234567")
            #expect(port.read(until: "RING\r\n") == "\r\nRING\r\n")
        }
    }

    @Test("urcInsideResponse: the vendor's signal URC between the echo and the answer (E1550 ^RSSI before E1550)")
    func urcInsideResponse() async throws {
        let q = ModemQuirks(urcInsideResponse: true)
        try await Fixture.withSimulator([Self.modem("hw", .huawei, q), Self.modem("qc", .quectel, q)]) { sim, _ in
            let hw = try await Fixture.openAT(sim, "hw", echoOff: false)
            #expect(hw.command("AT+CGMM") == "AT+CGMM\r\r\n^RSSI:20\r\n\r\nE1752\r\n\r\nOK\r\n")
            // No information lines, no inserted URC.
            #expect(hw.command("AT+CMEE=1") == "AT+CMEE=1\r\r\nOK\r\n")
            let qc = try await Fixture.openAT(sim, "qc")
            // Quectel reports signal only after +QINDCFG="csq",1.
            #expect(qc.command("AT+CSQ") == "\r\n+CSQ: 20,99\r\n\r\nOK\r\n")
            #expect(qc.command("AT+QINDCFG=\"csq\",1,0") == "\r\nOK\r\n")
            #expect(qc.command("AT+CSQ") == "\r\n+QIND: \"csq\",20,99\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n")
        }
    }

    @Test("oddSpacing: Huawei `+CREG: 2,1, 1A2B, 0000C0DE`, `^SYSINFO: `, `^RSSI: n`, `^CEND: `")
    func oddSpacing() async throws {
        try await Fixture.withSimulator([Self.modem("hw", .huawei, ModemQuirks(oddSpacing: true))]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            #expect(port.command("AT+CREG=2;+CREG?") == "\r\n+CREG: 2,1, 1A2B, 0000C0DE\r\n\r\nOK\r\n")
            #expect(port.command("AT^SYSINFO") == "\r\n^SYSINFO: 2,3,0,5,1,,4\r\n\r\nOK\r\n")
            try await sim.setSignal("hw", rssi: 7)
            #expect(port.read(until: "\r\n^RSSI: 7\r\n") == "\r\n^RSSI: 7\r\n")
            try await sim.ringIn("hw", from: "+79161234567")
            _ = port.command("ATA", final: "^CONN:1,0\r\n")
            #expect(port.command("AT+CHUP", final: ",29\r\n").hasSuffix("\r\n^CEND: 1,0,29\r\n"))
        }
    }

    @Test("missingOptionalFields: `^SYSINFO:2,3,0,5,1`, `^CEND` without cc_cause, `+CLIP` with number and type only")
    func missingFields() async throws {
        try await Fixture.withSimulator([Self.modem("hw", .huawei, ModemQuirks(missingOptionalFields: true))]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            #expect(port.command("AT^SYSINFO") == "\r\n^SYSINFO:2,3,0,5,1\r\n\r\nOK\r\n")
            _ = port.command("AT+CLIP=1")
            try await sim.ringIn("hw", from: "+79161234567")
            #expect(port.read(until: "145\r\n") == "\r\nRING\r\n\r\n+CLIP: \"+79161234567\",145\r\n")
            _ = port.command("ATA", final: "^CONN:1,0\r\n")
            try await sim.remoteHangup("hw")
            let end = port.read(until: "NO CARRIER\r\n")
            #expect(end.hasPrefix("\r\n^CEND:1,") && end.hasSuffix(",104\r\n\r\nNO CARRIER\r\n"))
        }
    }

    @Test("unterminatedURCs: a URC's CR LF arrives only with the next output")
    func unterminated() async throws {
        try await Fixture.withSimulator([Self.modem("hw", .huawei, ModemQuirks(unterminatedURCs: true))]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw", echoOff: false)
            // The boot banner's ^SIMST: 1 was left unterminated: its CR LF precedes the echo.
            #expect(port.command("ATE0") == "\r\nATE0\r\r\nOK\r\n")
            try await sim.setSignal("hw", rssi: 9)
            port.pump(for: 0.2)
            #expect(port.take() == "\r\n^RSSI:9")
            // The next answer starts with its own CR LF, which ends the held line.
            #expect(port.command("AT") == "\r\nOK\r\n")
            try await sim.setSignal("hw", rssi: 10)
            try await sim.setSignal("hw", rssi: 11)
            port.pump(for: 0.2)
            #expect(port.take() == "\r\n^RSSI:10\r\n^RSSI:11")
        }
    }
}
