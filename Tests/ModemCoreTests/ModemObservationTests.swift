// The modem's state as URCs describe it (issue 11 point 3): real lines fed to the state
// machine, and what `simgate modem show` then has to show. Lines are from
// /work/shared/reference/at-dialects.md, ModemManager's tests (^NWTIME, ^SYSINFOEX, +CESQ)
// and SIM800 logs in public projects (*PSUTTZ, +CTZV, DST).
import Testing
@testable import ModemCore

@Suite("Modem state from URCs: calls")
struct ObservedCallTests {
    @Test("Huawei inbound by ^DSCI alone, ended by ^CEND: incoming with the caller, then ended with cause 16")
    func huaweiDSCIThenCEND() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.feed("\r\n^DSCI: 1,1,4,0,+79161234567,145\r\n")
        let row = CallListEntry(id: 1, incoming: true, status: .incoming, mode: 0, multiparty: false,
                                number: "+79161234567", numberType: 145, cause: nil)
        #expect(h.callEvents == [.listed(row), .incoming(caller: .number("+79161234567"))])
        #expect(h.machine.status.state == .ringing)
        #expect(h.machine.status.call?.callID == 1)
        #expect(h.machine.status.calls == [ModemCallEntry(id: 1, incoming: true, status: .incoming, number: "+79161234567",
                                                          numberType: 145, mode: 0, multiparty: false, source: "^DSCI", since: h.now)])
        h.now = h.now + .seconds(4)
        h.feed("\r\n^CEND:1,0,104,16\r\n")
        var cause = CallEndCause.fromCCCause(16)
        cause.vendorStatus = 104
        #expect(h.callEvents.last == .ended(callID: 1, cause: cause, durationSeconds: 0))
        #expect(h.machine.status.state == .free)
        #expect(h.machine.status.calls.isEmpty)
        #expect(h.machine.status.lastCallEnd == CallEndRecord(callID: 1, cause: cause, durationSeconds: 0, at: h.now))
    }

    @Test("RING first, then ^DSCI names the call and its caller; ^DSCI stat 6 ends it")
    func ringThenDSCI() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.feed("\r\nRING\r\n")
        #expect(h.machine.status.calls.map(\.id) == [nil])
        h.feed("\r\n^DSCI: 1,1,4,0,+79161234567,145\r\n")
        #expect(h.callEvents.count == 3)
        #expect(h.callEvents.first == .incoming(caller: .unknown))
        #expect(h.callEvents.last == .callerIdentified(.number("+79161234567")))
        #expect(h.machine.status.call?.callID == 1)
        #expect(h.machine.status.calls.count == 1)
        #expect(h.machine.status.calls.first?.id == 1 && h.machine.status.calls.first?.number == "+79161234567")
        h.feed("\r\n^DSCI: 1,1,6,0,+79161234567,145\r\n")
        if case .ended(1, let c, nil)? = h.callEvents.last { #expect(c.kind == .normal) } else { Issue.record("no end: \(h.callEvents)") }
        #expect(h.machine.status.state == .free && h.machine.status.calls.isEmpty)
    }

    @Test("the Huawei-style ^DSCI with mpty and cause (at-dialects 3.4) still reads as +CLCC codes")
    func dsciWithMptyAndCause() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.feed("\r\n^DSCI: 1,1,4,0,0,\"+79161234567\",145\r\n")
        #expect(h.callEvents.last == .incoming(caller: .number("+79161234567")))
        h.feed("\r\n^DSCI: 1,1,6,0,0,\"+79161234567\",145,,19\r\n")
        if case .ended(1, let c, nil)? = h.callEvents.last { #expect(c.kind == .noAnswer && c.ccCause == 19) }
        else { Issue.record("no end: \(h.callEvents)") }
    }

    @Test("Quectel ^DSCI uses its own codes: 4 incoming, 6 ended")
    func quectelDSCI() {
        var h = ModemHarness.free(.quectel, quectelReplies)
        h.feed("\r\n^DSCI: 1,1,4,0,+79161234567,145\r\n")
        #expect(h.callEvents.last == .incoming(caller: .number("+79161234567")))
        #expect(h.machine.status.state == .ringing)
        h.feed("\r\n^DSCI: 1,1,6,0,+79161234567,145\r\n")
        if case .ended(1, _, _)? = h.callEvents.last {} else { Issue.record("no end: \(h.callEvents)") }
        #expect(h.machine.status.state == .free && h.machine.status.calls.isEmpty)
    }

    @Test("SIMCom inbound: RING/+CLIP, answered, VOICE CALL: BEGIN connects, VOICE CALL: END: 000042 ends after 42 s")
    func simcomVoiceCall() {
        var h = ModemHarness.free(.simcom, simcomReplies)
        h.feed("\r\nRING\r\n\r\n+CLIP: \"+447700900123\",145,,,,0\r\n")
        #expect(h.machine.status.calls.count == 1)
        #expect(h.machine.status.calls.first?.number == "+447700900123" && h.machine.status.calls.first?.incoming == true)
        h.request(h.machine.answer(callRef: 3, now: h.now))
        h.feed("\r\nVOICE CALL: BEGIN\r\n")
        #expect(h.callEvents.contains(.connected(callID: nil)))
        #expect(h.machine.status.state == .active)
        #expect(h.machine.status.calls.first?.status == .active && h.machine.status.calls.first?.source == "VOICE CALL")
        h.feed("\r\nVOICE CALL: END: 000042\r\n")
        if case .ended(_, _, 42)? = h.callEvents.last {} else { Issue.record("no end: \(h.callEvents)") }
        #expect(h.machine.status.state == .free && h.machine.status.calls.isEmpty)
        #expect(h.machine.status.lastCallEnd?.durationSeconds == 42)
    }

    @Test("Huawei outgoing: ^ORIG, ^CONF, ^CONN move the call table; ^CEND empties it")
    func huaweiOutgoingTable() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.feed("\r\n^ORIG:1,0\r\n")
        #expect(h.machine.status.calls.map(\.status) == [.dialing])
        h.feed("\r\n^CONF:1\r\n")
        #expect(h.machine.status.calls.map(\.status) == [.alerting])
        h.feed("\r\n^CONN:1,0\r\n")
        #expect(h.machine.status.calls.map(\.status) == [.active])
        #expect(h.machine.status.calls.first?.incoming == false && h.machine.status.calls.first?.id == 1)
        h.feed("\r\n^CEND:1,82,29\r\n")
        #expect(h.machine.status.calls.isEmpty)
        #expect(h.machine.status.lastCallEnd?.cause.kind == .localHangup && h.machine.status.lastCallEnd?.durationSeconds == 82)
    }
}

@Suite("Modem state from URCs: signal, registration, SIM, time, unknown lines")
struct ObservedStateTests {
    @Test("signal per RAT: ^HCSQ LTE and WCDMA, an unsolicited +CSQ on the current RAT, +CESQ and +QCSQ")
    func signalPerRAT() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        // The init +CSQ came before the RAT was known.
        #expect(h.machine.status.signalReadings.map(\.rat) == ["unknown"])
        #expect(h.machine.status.signalReadings.first?.rssi == 16 && h.machine.status.signalReadings.first?.rssiDBm == -81)
        h.now = h.now + .seconds(2)
        h.feed("\r\n^HCSQ:\"LTE\",45,50,120,20\r\n")
        h.feed("\r\n^HCSQ: \"WCDMA\",30,30,58\r\n")
        let lte = h.machine.status.signalReadings.first { $0.rat == "LTE" }
        #expect(lte?.rssiDBm == -76 && lte?.rsrpDBm == -91 && lte?.sinrDB == 3.8 && lte?.rsrqDB == -10)
        #expect(lte?.source == "^HCSQ" && lte?.at == h.now)
        var wcdma = h.machine.status.signalReadings.first { $0.rat == "WCDMA" }
        #expect(wcdma?.rssiDBm == -91 && wcdma?.rscpDBm == -91 && wcdma?.ecioDB == -3.5)
        // Access technology is UMTS (from +COPS): a bare +CSQ updates WCDMA's rssi and keeps its rscp.
        h.feed("\r\n+CSQ: 20,99\r\n")
        wcdma = h.machine.status.signalReadings.first { $0.rat == "WCDMA" }
        #expect(wcdma?.rssi == 20 && wcdma?.rssiDBm == -73 && wcdma?.ber == nil && wcdma?.rscpDBm == -91 && wcdma?.source == "+CSQ")
        #expect(h.machine.status.signalReadings.map(\.rat) == ["LTE", "WCDMA"])
        // +CESQ (27.007 8.69): only E-UTRA known here.
        h.feed("\r\n+CESQ: 99,99,255,255,20,80\r\n")
        let cesq = h.machine.status.signalReadings.first { $0.rat == "LTE" }
        #expect(cesq?.rsrqDB == -10 && cesq?.rsrpDBm == -61 && cesq?.rssiDBm == nil && cesq?.source == "+CESQ")
        h.feed("\r\n+QCSQ: \"LTE\",-52,-81,195,-10\r\n")
        let q = h.machine.status.signalReadings.first { $0.rat == "LTE" }
        #expect(q?.rssiDBm == -52 && q?.rsrpDBm == -81 && q?.sinrDB == 19 && q?.rsrqDB == -10)
        #expect(h.machine.status.at.unknownLines == 0)
    }

    @Test("registration per domain with cell and RAT: +CREG, +CGREG, +CEREG URCs")
    func registrationPerDomain() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        // From the init's `+CREG: 2,1,8BE3,2BAF`.
        let cs = h.machine.status.registrations.first
        #expect(cs?.domain == "cs" && cs?.stat == 1 && cs?.statMeaning == "registered, home network")
        #expect(cs?.lac == "8BE3" && cs?.lacValue == 0x8BE3 && cs?.ci == "2BAF" && cs?.ciValue == 0x2BAF)
        h.feed("\r\n+CEREG: 1,\"00C1\",\"0A1B2C3D\",7\r\n")
        h.feed("\r\n+CGREG: 5,\"8BE3\",\"2BAF\",2\r\n")
        h.feed("\r\n+CREG: 1,\"1A2B\",\"00C4D5E6\",7\r\n")
        let r = h.machine.status.registrations
        #expect(r.map(\.domain) == ["cs", "ps", "eps"])
        #expect(r[0].lac == "1A2B" && r[0].lacValue == 6699 && r[0].ci == "00C4D5E6" && r[0].ciValue == 12_899_814)
        #expect(r[0].act == 7 && r[0].actName == "LTE")
        #expect(r[1].stat == 5 && r[1].statMeaning == "registered, roaming" && r[1].actName == "UMTS")
        #expect(r[2].lac == "00C1" && r[2].lacValue == 193 && r[2].ciValue == 0x0A1B2C3D && r[2].actName == "LTE")
        // `+CREG: 1` (n=1) keeps the cell last named; losing registration drops it.
        h.feed("\r\n+CREG: 1\r\n")
        #expect(h.machine.status.registrations[0].ci == "00C4D5E6")
        h.feed("\r\n+CREG: 2\r\n")
        #expect(h.machine.status.registrations[0].stat == 2 && h.machine.status.registrations[0].ci == nil)
        #expect(h.machine.status.registrations[0].statMeaning == "not registered, searching")
    }

    @Test("access technology from ^MODE (contradicting submode ignored), ^SYSINFOEX, +CNSMOD, +QIND act")
    func accessTechnology() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.feed("\r\n^MODE:5,9\r\n")
        #expect(h.machine.status.accessTechnology == "HSPA+")
        h.feed("\r\n^MODE: 3,4\r\n")
        #expect(h.machine.status.accessTechnology == "GSM")
        h.feed("\r\n^SYSINFOEX:2,3,0,1,,3,\"WCDMA\",41,\"WCDMA\"\r\n")
        #expect(h.machine.status.accessTechnology == "WCDMA")
        h.feed("\r\n+CNSMOD: 8\r\n")
        #expect(h.machine.status.accessTechnology == "LTE")
        h.feed("\r\n+QIND: \"act\",\"HSPA+\"\r\n")
        #expect(h.machine.status.accessTechnology == "HSPA+")
        #expect(h.machine.status.at.unknownLines == 0)
    }

    @Test("SIM: ^SIMST 255 is absent with its meaning; ^CPIN gives the retry counters")
    func simReports() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        #expect(h.machine.status.simReport?.code == "READY" && h.machine.status.simReport?.source == "+CPIN")
        h.feed("\r\n^SIMST: 255,1\r\n")
        #expect(h.machine.status.sim == .absent && h.machine.status.state == .noSIM)
        #expect(h.machine.status.simReport?.code == "255" && h.machine.status.simReport?.meaning.hasPrefix("no SIM card") == true)
        h.feed("\r\n^CPIN: SIM PIN,3,10,3,10,3\r\n")
        #expect(h.machine.status.sim == .pinRequired && h.machine.status.state == .simLocked)
        let r = h.machine.status.simReport
        #expect(r?.code == "SIM PIN" && r?.meaning == "waiting for the SIM PIN")
        #expect(r?.pinRetries == 3 && r?.pukRetries == 10 && r?.pin2Retries == 3 && r?.puk2Retries == 10)
        h.feed("\r\n+CPIN: SIM PIN\r\n")
        #expect(h.machine.status.simReport?.pinRetries == 3, "same code: ^CPIN's counters still hold")
        #expect(SIMReport.parse("+CPIN: PH-NET PIN")?.meaning == "waiting for the network personalisation password")
    }

    @Test("network time: ^NWTIME, +CTZV zone only, *PSUTTZ, DST, +QLTS, +CTZE")
    func networkTime() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.feed("\r\n^NWTIME: 14/08/05,04:00:21+40,00\r\n")
        var t = h.machine.status.networkTime
        #expect(t?.time?.isoText == "2014-08-05T04:00:21+10:00" && t?.zoneQuarterHours == 40 && t?.dst == 0)
        #expect(t?.source == "^NWTIME" && t?.receivedAt == h.now)
        h.now = h.now + .seconds(1)
        h.feed("\r\n+CTZV: +28,0\r\n")
        t = h.machine.status.networkTime
        #expect(t?.zoneQuarterHours == 28 && t?.source == "+CTZV" && t?.time?.isoText == "2014-08-05T04:00:21+10:00")
        #expect(t?.timeReceivedAt == .zero && t?.receivedAt == h.now)
        h.feed("\r\n*PSUTTZ: 2017,1,22,21,7,29,\"+4\",0\r\n\r\nDST: 1\r\n")
        t = h.machine.status.networkTime
        #expect(t?.time?.isoText == "2017-01-22T21:07:29+01:00" && t?.dst == 1 && t?.source == "DST")
        h.feed("\r\n+QLTS: \"2019/12/12,10:49:42+32,0\"\r\n")
        #expect(h.machine.status.networkTime?.time?.isoText == "2019-12-12T10:49:42+08:00")
        #expect(h.machine.status.at.unknownLines == 0)
        // Parser edge cases: the zone-less *PSUTTZ some SIM800s print, an empty zone, +CTZE, garbage.
        #expect(NetworkTimeReport.parse("*PSUTTZ: 2022,9,14,4,55,1")?.isoText == "2022-09-14T04:55:01")
        #expect(NetworkTimeReport.parse("*PSUTTZ: 2025,04,01,15,12,10,\"\",1")?.dst == 1)
        let ctze = NetworkTimeReport.parse("+CTZE: \"+32\",0,\"2019/12/12,10:49:42\"")
        #expect(ctze?.isoText == "2019-12-12T10:49:42+08:00" && ctze?.dst == 0)
        #expect(NetworkTimeReport.parse("+CTZV: -14")?.zoneText == "-03:30")
        #expect(NetworkTimeReport.parse("^NWTIME: 99/99/99,99:99:99+99,xx") == nil)
        #expect(NetworkTimeReport.parse("+CTZV:") == nil)
    }

    @Test("unknown lines: counted, the last distinct ones kept with their counts, never fatal")
    func unknownLines() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.feed("\r\n+WEIRD: 1,2\r\n\r\nHELLO\r\n")
        h.now = h.now + .seconds(3)
        h.feed("\r\n+WEIRD: 1,2\r\n")
        let at = h.machine.status.at
        #expect(at.unknownLines == 3)
        #expect(at.recentUnknownLines.map(\.line) == ["HELLO", "+WEIRD: 1,2"])
        #expect(at.recentUnknownLines.last?.count == 2 && at.recentUnknownLines.last?.firstAt == .zero)
        #expect(at.recentUnknownLines.last?.lastAt == h.now)
        for i in 0..<20 { h.feed("\r\n+ODD\(i): x\r\n") }
        #expect(h.machine.status.at.recentUnknownLines.count == ATStatus.recentUnknownLimit)
        #expect(h.machine.status.at.recentUnknownLines.last?.line == "+ODD19: x")
        h.feed("\r\n+LONG: " + String(repeating: "x", count: 1000) + "\r\n")
        #expect(h.machine.status.at.recentUnknownLines.last?.line.count == ATStatus.unknownLineMaxLength)
        #expect(h.machine.status.at.unknownLines == 24)
        #expect(h.machine.status.state == .free)
    }
}

@Suite("Modem state machine: operator name")
struct OperatorNameOnceTests {
    @Test("a modem answering +COPS numerically whatever the format is asked for the long name once per network")
    func numericOnlyOperator() {
        var h = ModemHarness(replies: merged(huaweiReplies, ["AT+COPS?": ModemHarness.ok("+COPS: 0,2,\"25001\",2")]))
        h.open()
        #expect(h.machine.status.state == .free)
        #expect(h.written.filter { $0 == "AT+COPS=3,0" }.count == 1)
        #expect(h.machine.commandInFlight == nil && h.machine.pendingCommands.isEmpty)
        h.clearLog()
        h.advance(.seconds(30))  // one poll: no new name round for the same network
        #expect(h.written == ["AT+CSQ", "AT+CREG?", "AT+COPS?"])
        // Another network: asked again.
        h.replies["AT+COPS?"] = [ModemHarness.ok("+COPS: 0,2,\"25099\",2")]
        h.clearLog()
        h.advance(.seconds(30))
        #expect(h.written.filter { $0 == "AT+COPS=3,0" }.count == 1)
    }
}
