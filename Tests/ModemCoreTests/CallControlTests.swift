import Testing
@testable import ModemCore

let quectelReplies = merged(commonReplies, [
    "AT+CGMI": ModemHarness.ok("Quectel"),
    "AT+CGMM": ModemHarness.ok("EC25"),
    "AT+CGMR": ModemHarness.ok("Revision: EC25EFAR06A06M4G"),
    "AT+CGSN": ModemHarness.ok("866758041234567"),
    "AT+QCCID": ModemHarness.ok("+QCCID: 89860318740201234567"),
    "AT+QPCMV?": ModemHarness.ok("+QPCMV: 0"),
])

let simcomReplies = merged(commonReplies, [
    "AT+CGMI": ModemHarness.ok("SIMCOM INCORPORATED"),
    "AT+CGMM": ModemHarness.ok("SIMCOM_SIM7600E-H"),
    "AT+CGMR": ModemHarness.ok("+CGMR: LE20B04SIM7600M22"),
    "AT+CGSN": ModemHarness.ok("862000000000031"),
    "AT+CICCID": ModemHarness.ok("+ICCID: 8970100000000000038"),
    "AT+CPCMREG?": ModemHarness.ok("+CPCMREG: 0"),
])

extension ModemHarness {
    static func free(_ dialect: ModemDialect, _ replies: [String: String]) -> ModemHarness {
        var h = ModemHarness(configuration: ModemConfiguration(dialect: dialect), replies: replies)
        h.open()
        h.clearLog()
        return h
    }

    mutating func request(_ r: Result<[ModemAction], CallRequestError>) {
        switch r {
        case .success(let actions): apply(actions)
        case .failure(let e): Issue.record("request refused: \(e)")
        }
    }

    var endCauses: [CallEndCause] {
        callEvents.compactMap { if case .ended(_, let c, _) = $0 { return c } else { return nil } }
    }
}

@Suite("Call control: dial, answer, hang up, DTMF, audio switch per vendor")
struct CallControlTests {
    @Test("Huawei: ATD then AT^DDSETEX=2, progress from ^ORIG/^CONF/^CONN, local hang-up")
    func huaweiOutbound() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.request(h.machine.dial(number: "+7 916 123-45-67", callRef: 7, now: h.now))
        #expect(h.written == ["ATD+79161234567;", "AT^DDSETEX=2"])
        #expect(h.machine.status.state == .dialing)
        #expect(h.machine.status.call?.ref == 7)
        h.feed("\r\n^ORIG:1,0\r\n\r\n^CONF:1\r\n")
        #expect(h.machine.status.call?.ref == 7, "^ORIG keeps the gateway's reference")
        h.feed("\r\n^CONN:1,0\r\n")
        #expect(h.machine.status.state == .active)
        #expect(h.callEvents == [.dialing(callID: nil), .alerting(callID: 1), .connected(callID: 1), .audioEnabled])
        h.clearLog()
        h.request(h.machine.hangUp(now: h.now))
        #expect(h.written == ["AT+CHUP"])
        h.feed("\r\n^CEND:1,12,29\r\n")
        #expect(h.endCauses.map(\.kind) == [.localHangup], "one end, from our hang-up")
        #expect(h.machine.status.state == .free)
    }

    @Test("Huawei: busy callee ends with ^CEND cause 17, and the BUSY after it adds nothing")
    func huaweiBusy() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.request(h.machine.dial(number: "89161234567", callRef: 1, now: h.now))
        h.feed("\r\n^ORIG:1,0\r\n\r\n^CEND:1,0,104,17\r\n\r\nBUSY\r\n")
        #expect(h.endCauses.map(\.kind) == [.busy])
        #expect(h.endCauses.first?.ccCause == 17)
        let mapped = CallCause.of(h.endCauses[0])
        #expect(mapped.sipStatus == 486 && !mapped.retryOnNextModem)
        #expect(mapped.reasonHeader == "Q.850;cause=17;text=\"User busy\"")
    }

    @Test("NO CARRIER as the answer to ATD is a network failure: congestion, retried elsewhere")
    func noCarrierBeforeAlerting() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, ["ATD89161234567;": "\r\nNO CARRIER\r\n"]))
        h.request(h.machine.dial(number: "89161234567", callRef: 1, now: h.now))
        #expect(h.endCauses.map(\.kind) == [.congestion])
        #expect(h.endCauses[0].text.contains("before alerting"))
        #expect(CallCause.of(h.endCauses[0]).retryOnNextModem)
        #expect(CallCause.of(h.endCauses[0]).sipStatus == 503)
        #expect(h.machine.status.state == .free)
    }

    @Test("a +CME error refusing ATD is a modem error: retried on the next modem")
    func cmeErrorOnDial() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, ["ATD112;": "\r\n+CME ERROR: 30\r\n"]))
        h.request(h.machine.dial(number: "112", callRef: 1, now: h.now))
        #expect(h.endCauses.map(\.kind) == [.modemError])
        #expect(h.endCauses[0].text.hasPrefix("ATD refused"))
        #expect(CallCause.of(h.endCauses[0]).retryOnNextModem)
    }

    @Test("an unanswered ATD times out as a modem error and the call is hung up to be sure")
    func dialTimeout() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.hung = true
        h.request(h.machine.dial(number: "89161234567", callRef: 1, now: h.now))
        h.advance(.seconds(31))
        #expect(h.endCauses.map(\.kind) == [.modemError])
        // AT^DDSETEX=2 was queued behind ATD and times out first; then the hang-up goes.
        h.advance(.seconds(10))
        #expect(h.written.contains("AT+CHUP"))
        #expect(h.machine.status.call == nil)
    }

    @Test("Quectel: AT+QPCMV=0 and AT+QPCMV=1,0 before ATD; a release without cause asks AT+CEER")
    func quectelCongestionViaCEER() {
        var h = ModemHarness.free(.quectel, merged(quectelReplies, [
            "AT+CEER": ModemHarness.ok("+CEER: No circuit/channel available"),
        ]))
        h.request(h.machine.dial(number: "+4915112345678", callRef: 3, now: h.now))
        #expect(h.written == ["AT+QPCMV=0", "AT+QPCMV=1,0", "ATD+4915112345678;"])
        h.feed("\r\n+QIND: \"ccinfo\",1,0,2,0,0,\"+4915112345678\",145\r\n")
        h.feed("\r\n+QIND: \"ccinfo\",1,0,-1,0,0,\"+4915112345678\",145\r\n\r\nNO CARRIER\r\n")
        #expect(h.written.suffix(2) == ["AT+CEER", "AT+QPCMV=0"])
        #expect(h.endCauses.count == 1)
        #expect(h.endCauses.first?.kind == .congestion)
        #expect(h.endCauses.first?.ccCause == 34)
    }

    @Test("Quectel: connect makes audio flow at once (the switch was on before set-up)")
    func quectelAudioAtConnect() {
        var h = ModemHarness.free(.quectel, quectelReplies)
        h.request(h.machine.dial(number: "+4915112345678", callRef: 3, now: h.now))
        h.feed("\r\n+QIND: \"ccinfo\",1,0,3,0,0,\"+4915112345678\",145\r\n")
        h.feed("\r\n+QIND: \"ccinfo\",1,0,0,0,0,\"+4915112345678\",145\r\n")
        #expect(h.callEvents.suffix(2) == [.connected(callID: 1), .audioEnabled])
    }

    @Test("SIMCom: AT+CPCMREG=1 only once active, retried after the module's first refusal")
    func simcomAudioRetried() {
        var h = ModemHarness.free(.simcom, merged(simcomReplies, ["AT+CPCMREG=1": "\r\n+CME ERROR: 3\r\n"]))
        h.replies["AT+CPCMREG=1"] = ["\r\n+CME ERROR: 3\r\n", ModemHarness.ok()]
        h.request(h.machine.dial(number: "+79161234567", callRef: 9, now: h.now))
        h.feed("\r\n+CLCC: 1,0,2,0,0,\"+79161234567\",145\r\n\r\n+CLCC: 1,0,3,0,0,\"+79161234567\",145\r\n")
        #expect(!h.written.contains("AT+CPCMREG=1"), "never while alerting")
        h.feed("\r\n+CLCC: 1,0,0,0,0,\"+79161234567\",145\r\n\r\nVOICE CALL: BEGIN\r\n")
        #expect(h.written.filter { $0 == "AT+CPCMREG=1" }.count == 1)
        #expect(!h.callEvents.contains(.audioEnabled))
        h.advance(.milliseconds(250))
        #expect(h.written.filter { $0 == "AT+CPCMREG=1" }.count == 2)
        #expect(h.callEvents.last == .audioEnabled)
        h.clearLog()
        h.feed("\r\n+CLCC: 1,0,6,0,0,\"+79161234567\",145\r\n\r\nVOICE CALL: END: 000004\r\n\r\nNO CARRIER\r\n")
        #expect(h.endCauses.map(\.kind) == [.normal], "released after answer: normal clearing, no +CEER")
        #expect(h.written == ["AT+CPCMREG=0"])
    }

    @Test("inbound on Huawei: RING/+CLIP, answer sends ATA then AT^DDSETEX=2")
    func huaweiAnswer() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.feed("\r\nRING\r\n\r\n+CLIP: \"+79031234567\",145,,,,0\r\n")
        #expect(h.machine.status.state == .ringing)
        h.request(h.machine.answer(callRef: 4, now: h.now))
        #expect(h.written == ["ATA", "AT^DDSETEX=2"])
        h.feed("\r\n^CONN:1,0\r\n")
        #expect(h.callEvents.suffix(2) == [.connected(callID: 1), .audioEnabled])
        #expect(h.machine.status.call?.ref == 4)
    }

    @Test("DTMF: Huawei AT^DTMF=<id>,<digit>, no A-D; others AT+VTS")
    func dtmf() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.request(h.machine.dial(number: "0611", callRef: 1, now: h.now))
        h.feed("\r\n^ORIG:1,0\r\n\r\n^CONN:1,0\r\n")
        h.clearLog()
        h.request(h.machine.sendDTMF("5", now: h.now))
        h.request(h.machine.sendDTMF("#", now: h.now))
        #expect(h.written == ["AT^DTMF=1,5", "AT^DTMF=1,#"])
        #expect(h.callEvents == [.dtmfSent(digit: "5", ok: true), .dtmfSent(digit: "#", ok: true)])
        #expect(h.machine.sendDTMF("A", now: h.now) == .failure(.unsupportedDigit("A")))

        var s = ModemHarness.free(.simcom, simcomReplies)
        s.request(s.machine.dial(number: "0611", callRef: 1, now: s.now))
        s.feed("\r\n+CLCC: 1,0,0,0,0,\"0611\",129\r\n")
        s.clearLog()
        s.request(s.machine.sendDTMF("*", now: s.now))
        #expect(s.written == ["AT+VTS=*"])
    }

    @Test("requests the modem cannot take are refused without a command")
    func refusals() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        #expect(h.machine.hangUp(now: h.now) == .failure(.noCall))
        #expect(h.machine.answer(callRef: 1, now: h.now) == .failure(.noCall))
        #expect(h.machine.sendDTMF("1", now: h.now) == .failure(.noCall))
        #expect(h.machine.dial(number: ";;--", callRef: 1, now: h.now) == .failure(.emptyNumber))
        h.request(h.machine.dial(number: "0611", callRef: 1, now: h.now))
        #expect(h.machine.dial(number: "0612", callRef: 2, now: h.now) == .failure(.busy))
        var n = ModemHarness(configuration: ModemConfiguration(dialect: .huawei), replies: merged(huaweiReplies, [
            "AT+CREG?": ModemHarness.ok("+CREG: 2,0"),
        ]))
        n.open()
        #expect(n.machine.dial(number: "0611", callRef: 1, now: n.now) == .failure(.notReady(.notRegistered)))
    }

    @Test("the port closing mid-call ends it as modem-gone, retried elsewhere")
    func unplugged() {
        var h = ModemHarness.free(.huawei, huaweiReplies)
        h.request(h.machine.dial(number: "0611", callRef: 1, now: h.now))
        h.feed("\r\n^ORIG:1,0\r\n\r\n^CONN:1,0\r\n")
        h.apply(h.machine.portClosed(reason: "device gone (EIO)", now: h.now))
        #expect(h.endCauses.map(\.kind) == [.modemGone])
        #expect(h.endCauses[0].text.contains("EIO"))
    }
}

@Suite("Call causes: +CEER text and the SIP table")
struct CallCauseTests {
    @Test func ceerTexts() {
        #expect(ModemStateMachine.parseCEER("+CEER: User busy")?.kind == .busy)
        #expect(ModemStateMachine.parseCEER("+CEER: No answer from user (user alerted)")?.ccCause == 19)
        #expect(ModemStateMachine.parseCEER("+CEER: No circuit/channel available")?.ccCause == 34)
        #expect(ModemStateMachine.parseCEER("+CEER: Normal call clearing")?.kind == .normal)
        #expect(ModemStateMachine.parseCEER("+CEER: CC cause: 42")?.ccCause == 42)
        #expect(ModemStateMachine.parseCEER("+CEER: No cause information available") == nil)
        #expect(ModemStateMachine.parseCEER("garbage") == nil)
    }

    @Test func sipTable() {
        let rows: [(CallEndCause, Int, Int, Bool)] = [
            (CallEndCause.fromCCCause(17), 486, 17, false),
            (CallEndCause.fromCCCause(19), 480, 19, false),
            (CallEndCause.fromCCCause(21), 603, 21, false),
            (CallEndCause.fromCCCause(1), 404, 1, false),
            (CallEndCause.fromCCCause(34), 503, 34, true),
            (CallEndCause.fromCCCause(27), 502, 27, true),
            (CallEndCause.fromResult(.noAnswer), 480, 19, false),
            (CallEndCause.fromHuaweiEndStatus(21), 503, 38, true),
            (CallEndCause(kind: .modemError, text: "ATD unanswered"), 503, 41, true),
            (CallEndCause(kind: .localHangup, text: "cancel"), 487, 16, false),
        ]
        for (cause, sip, q850, retry) in rows {
            let m = CallCause.of(cause)
            #expect(m.sipStatus == sip && m.q850 == q850 && m.retryOnNextModem == retry, "\(cause.text)")
        }
        #expect(CallCause.releaseCause(sipStatus: 486) == 17)
        #expect(CallCause.releaseCause(sipStatus: 603) == 21)
        #expect(CallCause.releaseCause(sipStatus: 503) == 41)
    }
}
