// Call progress as each vendor reports it, through real ptys.
import Testing
@testable import ModemSimulator

@Suite("Calls", .serialized)
struct CallTests {
    @Test("inbound call: RING and +CLIP repeat until ATA; Huawei ^CONN; +CLCC shows it active")
    func inboundHuawei() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            #expect(port.command("AT+CLIP=1") == "\r\nOK\r\n")
            try await sim.ringIn("hw", from: "+79161234567")
            let ring = "\r\nRING\r\n\r\n+CLIP: \"+79161234567\",145,,,,0\r\n"
            // ringInterval is 0.2 s in the fixture: two indications arrive.
            #expect(port.read(until: ring + ring) == ring + ring)
            #expect(port.command("AT+CLCC") == "\r\n+CLCC: 1,1,4,0,0,\"+79161234567\",145\r\n\r\nOK\r\n")
            #expect(port.command("ATA", final: "^CONN:1,0\r\n") == "\r\nOK\r\n\r\n^CONN:1,0\r\n")
            port.pump(for: 0.5)
            #expect(port.take() == "")  // no more RING once answered
            #expect(port.command("AT+CLCC") == "\r\n+CLCC: 1,1,0,0,0,\"+79161234567\",145\r\n\r\nOK\r\n")
            #expect(port.command("AT+CHUP", final: "29\r\n") == "\r\nOK\r\n\r\n^CEND:1,0,29\r\n")
            #expect(port.command("AT+CLCC") == "\r\nOK\r\n")
        }
    }

    @Test("withheld caller: +CLIP with empty number, type 128, validity 1")
    func withheld() async throws {
        try await Fixture.withSimulator([Fixture.modem("gn", .generic)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "gn")
            _ = port.command("AT+CLIP=1;+CRC=1")
            try await sim.ringIn("gn", from: nil)
            #expect(port.read(until: ",,,,1\r\n") == "\r\n+CRING: VOICE\r\n\r\n+CLIP: \"\",128,,,,1\r\n")
            try await sim.remoteHangup("gn")
            #expect(port.read(until: "NO CARRIER\r\n").hasSuffix("\r\nNO CARRIER\r\n"))
        }
    }

    @Test("SIMCom frames call URCs with CR CR LF; VOICE CALL: BEGIN/END; missed call")
    func simcomCall() async throws {
        try await Fixture.withSimulator([Fixture.modem("sc", .simcom)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "sc")
            _ = port.command("AT+CLIP=1")
            try await sim.ringIn("sc", from: "+79161234567")
            #expect(port.read(until: "0\r\r\n") == "\r\r\nRING\r\r\n\r\r\n+CLIP: \"+79161234567\",145,,,,0\r\r\n")
            #expect(port.command("ATA", final: "BEGIN\r\r\n") == "\r\nOK\r\n\r\r\nVOICE CALL: BEGIN\r\r\n")
            try await sim.remoteHangup("sc")
            #expect(port.read(until: "NO CARRIER\r\r\n") == "\r\r\nVOICE CALL: END: 000000\r\r\n\r\r\nNO CARRIER\r\r\n")

            try await sim.ringIn("sc", from: "89161234567", abandonAfter: 0.1)
            let missed = port.read(until: " 89161234567\r\r\n")
            #expect(missed.contains("\r\r\nNO CARRIER\r\r\n\r\r\nMISSED_CALL: "))
            #expect(missed.hasSuffix("M 89161234567\r\r\n"))
        }
    }

    @Test("ATD to a busy number: OK, ^ORIG, ^CONF, ^CEND with cause 17, BUSY")
    func dialBusy() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            try await sim.setCallee("hw", CalleeRule(pattern: "+7999*", behaviour: .busy(after: 0.3)))
            #expect(port.command("ATD+79990000001;", final: "BUSY\r\n")
                == "\r\nOK\r\n\r\n^ORIG:1,0\r\n\r\n^CONF:1\r\n\r\n^CEND:1,0,104,17\r\n\r\nBUSY\r\n")
            #expect(port.command("AT+CEER") == "\r\n+CEER: User busy\r\n\r\nOK\r\n")
        }
    }

    @Test("Quectel outbound: ccinfo and ^DSCI use their own stat codes; congestion gives NO CARRIER")
    func quectelProgress() async throws {
        try await Fixture.withSimulator([Fixture.modem("qc", .quectel)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "qc")
            _ = port.command("AT+QINDCFG=\"ccinfo\",1,0;^DSCI=1")
            try await sim.setCallee("qc", CalleeRule(pattern: "0611", behaviour: .answer(after: 0.3, dropAfter: 0.2)))
            let answered = port.command("ATD0611;", final: "NO CARRIER\r\n")
            #expect(answered == "\r\nOK\r\n"
                + "\r\n+QIND: \"ccinfo\",1,0,2,0,0,\"0611\",129\r\n\r\n^DSCI: 1,0,2,0,0611,129\r\n"
                + "\r\n+QIND: \"ccinfo\",1,0,3,0,0,\"0611\",129\r\n\r\n^DSCI: 1,0,7,0,0611,129\r\n"
                + "\r\n+QIND: \"ccinfo\",1,0,0,0,0,\"0611\",129\r\n\r\n^DSCI: 1,0,3,0,0611,129\r\n"
                + "\r\n+QIND: \"ccinfo\",1,0,-1,0,0,\"0611\",129\r\n\r\n^DSCI: 1,0,6,0,0611,129\r\n"
                + "\r\nNO CARRIER\r\n")
            try await sim.setCallee("qc", CalleeRule(pattern: "0612", behaviour: .congestion(after: 0)))
            let congested = port.command("ATD0612;", final: "NO CARRIER\r\n")
            #expect(congested.hasPrefix("\r\nOK\r\n"))
            #expect(congested.hasSuffix("\r\n^DSCI: 1,0,6,0,0612,129\r\n\r\nNO CARRIER\r\n"))
        }
    }

    @Test("dialling without registration or with a call up is refused; DTMF needs an active call")
    func refusals() async throws {
        try await Fixture.withSimulator([Fixture.modem("gn", .generic)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "gn")
            _ = port.command("AT+CMEE=1")
            #expect(port.command("AT+VTS=5", final: "\r\n") == "\r\n+CME ERROR: 3\r\n")
            try await sim.setRegistration("gn", .searching)
            #expect(port.command("ATD112;", final: "\r\n") == "\r\nNO CARRIER\r\n")
            try await sim.setRegistration("gn", .home)
            try await sim.setCallee("gn", CalleeRule(pattern: "*", behaviour: .answer(after: 0, dropAfter: nil)))
            #expect(port.command("ATD112;") == "\r\nOK\r\n")
            #expect(port.command("ATD113;", final: "\r\n") == "\r\n+CME ERROR: 3\r\n")
            port.pump(for: 0.2)
            _ = port.take()
            #expect(port.command("AT+VTS=5;+VTS=\"#\"") == "\r\nOK\r\n")
            #expect(try await sim.status("gn").dtmfSent == ["5", "#"])
            await #expect(throws: SimulatorError.callInProgress("gn")) { try await sim.ringIn("gn", from: "+7916") }
        }
    }
}
