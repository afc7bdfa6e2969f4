// USSD on the modem state machine, with the replies real modems printed (sources beside
// each; /work/shared/reference/sms-ussd.md 5 and 6).
import Testing
@testable import ModemCore

enum USSDCaptures {
    /// MTS Russia through a ZTE/Huawei stick, UCS2 hex with DCS 72: "Баланс:2220,76р".
    /// obsy/sms_tool issue #4.
    static let mtsBalanceUCS2 = "+CUSD: 0,\"04110430043B0430043D0441003A0032003200320030002C003700360440\",72"
    /// Tele2 Russia through a Huawei E1550, packed 7-bit hex, DCS 15: "OCTATOK 187.24 p."
    /// (Latin look-alike letters). wdoekes/asterisk-chan-dongle issue #38.
    static let tele2BalanceHuaweiHex = "+CUSD: 0,\"CF2135487D2E4131DCCD25A381E02E\",15"
    /// Indonesian operator, unpacked septets as hex under +CSCS="HEX" (gammu issue #513), m=1 menu.
    static let menuUnpackedHex = "+CUSD: 1,\"536973612070756C7361\",0"
    /// ZTE MF286D: UTF-16BE hex under a wrong DCS 7 (obsy/sms_tool issue #13).
    static let zteWrongDCS = "+CUSD: 0,\"00420061006C0061006E00630065\",7"
}

extension ModemHarness {
    var ussdOutcomes: [(Int?, USSDOutcome)] {
        actions.compactMap { if case .ussd(let id, let o) = $0 { return (id, o) } else { return nil } }
    }
    mutating func ussd(_ text: String, continuing: Bool = false, id: Int) {
        apply(machine.requestUSSD(text, continuing: continuing, requestID: id, now: now))
    }
}

@Suite("USSD: one session per modem, menus, cancel, time-outs, vendor encodings")
struct USSDSessionTests {
    @Test("decodes the captured replies in every encoding")
    func capturedReplies() throws {
        let mts = try #require(USSDReply.parse(USSDCaptures.mtsBalanceUCS2))
        #expect(mts.status == 0 && mts.text == "Баланс:2220,76р" && mts.encoding == "UCS2" && mts.dcs == 72)
        let tele2 = try #require(USSDReply.parse(USSDCaptures.tele2BalanceHuaweiHex))
        #expect(tele2.text == "OCTATOK 187.24 p." && tele2.encoding == "GSM7-packed")
        let zte = try #require(USSDReply.parse(USSDCaptures.zteWrongDCS))
        #expect(zte.text == "Balance" && zte.encoding == "UCS2")
        let menu = try #require(USSDReply.parse(USSDCaptures.menuUnpackedHex))
        #expect(menu.sessionOpen && menu.raw == "536973612070756C7361")
        #expect(USSDReply.parse("+CUSD: 4")?.isError == true)
        #expect(USSDReply.parse("+CUSD: 2")?.isError == true)
        #expect(USSDReply.parse("+CUSD: 2,\"Bye\",15")?.isError == false, "m=2 with a text is a final answer")
        #expect(USSDReply.parse("+CUSD: x") == nil)
        // A Huawei in hex mode answering digits only: unpacked when the dialect says so.
        #expect(USSDReply.parse("+CUSD: 0,\"31D90C\",15", packedHex: true)?.text == "123")
        #expect(USSDReply.parse("+CUSD: 0,\"1234\",15")?.text == "1234", "a numeric reply is not guessed to be hex")
    }

    @Test("Huawei: *100# goes as packed 7-bit hex (AA180C3602), the reply decoded; the others send text")
    func huaweiPackedHexRequest() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, [
            "AT+CUSD=1,\"AA180C3602\",15": "\r\nOK\r\n\r\n" + USSDCaptures.tele2BalanceHuaweiHex + "\r\n",
        ]))
        h.ussd("*100#", id: 1)
        #expect(h.written == ["AT+CUSD=1,\"AA180C3602\",15"])
        guard case .reply(let r)? = h.ussdOutcomes.first?.1 else { Issue.record("no reply"); return }
        #expect(h.ussdOutcomes.first?.0 == 1 && r.text == "OCTATOK 187.24 p.")
        #expect(h.machine.status.ussd.replies == 1)

        var q = ModemHarness.free(.quectel, merged(quectelReplies, [
            "AT+CUSD=1,\"*100#\",15": "\r\nOK\r\n\r\n" + USSDCaptures.mtsBalanceUCS2 + "\r\n",
        ]))
        q.ussd("*100#", id: 2)
        #expect(q.written == ["AT+CUSD=1,\"*100#\",15"])
        guard case .reply(let m)? = q.ussdOutcomes.first?.1 else { Issue.record("no reply"); return }
        #expect(m.text == "Баланс:2220,76р")
    }

    @Test("a +CUSD printed before the OK is the reply (python-gsmmodem saw modems do it)")
    func replyBeforeOK() {
        var h = ModemHarness.free(.quectel, merged(quectelReplies, [
            "AT+CUSD=1,\"*100#\",15": "\r\n" + USSDCaptures.mtsBalanceUCS2 + "\r\n\r\nOK\r\n",
        ]))
        h.ussd("*100#", id: 5)
        #expect(h.ussdOutcomes.count == 1)
        guard case .reply(let m)? = h.ussdOutcomes.first?.1 else { Issue.record("no reply"); return }
        #expect(m.text == "Баланс:2220,76р" && h.timers[.ussd] == nil)
    }

    @Test("a menu (m=1) is continued with the answer, then cancelled with AT+CUSD=2")
    func menuContinuedAndCancelled() {
        var h = ModemHarness.free(.quectel, merged(quectelReplies, [
            "AT+CUSD=1,\"*111#\",15": "\r\nOK\r\n\r\n+CUSD: 1,\"1. Balance\n2. Tariffs\",15\r\n",
            "AT+CUSD=1,\"2\",15": "\r\nOK\r\n\r\n+CUSD: 1,\"Tariffs: 1. Smart 2. Back\",15\r\n",
        ]))
        h.ussd("*111#", id: 1)
        guard case .reply(let menu)? = h.ussdOutcomes.last?.1 else { Issue.record("no menu"); return }
        #expect(menu.sessionOpen && menu.text == "1. Balance\n2. Tariffs")
        #expect(h.timers[.ussd] == h.now + ModemStateMachine.ussdMenuTimeout)

        // A new code while the menu is open waits: it would be read as the menu's answer.
        h.ussd("*100#", id: 9)
        #expect(!h.written.contains("AT+CUSD=1,\"*100#\",15"))

        h.ussd("2", continuing: true, id: 2)
        #expect(h.written.contains("AT+CUSD=1,\"2\",15"))
        guard case .reply(let second)? = h.ussdOutcomes.last?.1 else { Issue.record("no 2nd menu"); return }
        #expect(h.ussdOutcomes.last?.0 == 2 && second.text == "Tariffs: 1. Smart 2. Back")

        h.clearLog()
        h.apply(h.machine.cancelUSSD(requestID: 3, now: h.now))
        #expect(h.written.first == "AT+CUSD=2")
        #expect(h.ussdOutcomes.first.map { $0.0 == 3 && $0.1 == .cancelled } == true)
        // The waiting *100# starts once the menu is gone.
        #expect(h.written.contains("AT+CUSD=1,\"*100#\",15"))
        // Continuing with no menu open is refused, with a reason.
        h.clearLog()
        h.ussd("1", continuing: true, id: 4)
        #expect(h.ussdOutcomes.last?.1 == .failed("no USSD menu is open on this modem"))
    }

    @Test("no reply within 30 s: failed, AT+CUSD=2; an unanswered menu is cancelled after 60 s")
    func timeouts() {
        var h = ModemHarness.free(.quectel, quectelReplies)
        h.ussd("*999#", id: 1)
        #expect(h.written == ["AT+CUSD=1,\"*999#\",15"])
        h.advance(.seconds(29))
        #expect(h.ussdOutcomes.isEmpty)
        h.advance(.seconds(2))
        #expect(h.written.contains("AT+CUSD=2"), "polls may follow the cancel")
        guard case .failed(let why)? = h.ussdOutcomes.first?.1 else { Issue.record("no failure"); return }
        #expect(why.contains("no USSD reply"))

        h.replies["AT+CUSD=1,\"*111#\",15"] = ["\r\nOK\r\n\r\n+CUSD: 1,\"Menu\",15\r\n"]
        h.clearLog()
        h.ussd("*111#", id: 2)
        h.advance(.seconds(61))
        #expect(h.written.contains("AT+CUSD=2"), "polls may follow the cancel")
        #expect(h.ussdOutcomes.last?.0 == nil, "the menu's expiry belongs to nobody waiting")
    }

    @Test("m=4 and m=5 are failures with their meaning; ERROR fails the request; the queue is bounded")
    func errors() {
        var h = ModemHarness.free(.simcom, merged(simcomReplies, [
            "AT+CUSD=1,\"*1#\",15": "\r\nOK\r\n\r\n+CUSD: 4\r\n",
            "AT+CUSD=1,\"*2#\",15": "\r\nOK\r\n\r\n+CUSD: 5\r\n",
            "AT+CUSD=1,\"*3#\",15": "\r\n+CME ERROR: 258\r\n",
        ]))
        h.ussd("*1#", id: 1)
        h.ussd("*2#", id: 2)
        h.ussd("*3#", id: 3)
        let outcomes = h.ussdOutcomes.map(\.1)
        #expect(outcomes.count == 3)
        #expect(outcomes[0] == .failed("operation not supported"))
        #expect(outcomes[1] == .failed("network time out"))
        if case .failed(let why) = outcomes[2] { #expect(why.hasPrefix("AT+CUSD answered")) } else { Issue.record("\(outcomes[2])") }
        #expect(h.machine.status.ussd.failed == 3)

        // Strings that cannot go between quotes on the AT line never reach the modem.
        h.clearLog()
        h.ussd("*100\"#", id: 4)
        h.ussd("", id: 5)
        h.ussd(String(repeating: "1", count: 183), id: 6)
        #expect(h.written.isEmpty && h.ussdOutcomes.count == 3)

        h.hung = true
        h.clearLog()
        for i in 0..<(ModemStateMachine.ussdQueueLimit + 2) { h.ussd("*100#", id: 100 + i) }
        let refused = h.ussdOutcomes.filter { if case .failed(let w) = $0.1 { return w.contains("already wait") } else { return false } }
        #expect(refused.count == 1, "one in flight, \(ModemStateMachine.ussdQueueLimit) waiting, the next refused")
    }

    @Test("never during a call: a request waits for the call to end, then goes")
    func waitsForCall() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, [
            "AT+CUSD=1,\"AA180C3602\",15": "\r\nOK\r\n\r\n" + USSDCaptures.tele2BalanceHuaweiHex + "\r\n",
        ]))
        h.request(h.machine.dial(number: "+79161234567", callRef: 1, now: h.now))
        h.feed("\r\n^ORIG:1,0\r\n\r\n^CONF:1\r\n")
        h.clearLog()
        h.ussd("*100#", id: 1)
        #expect(h.written.isEmpty && h.ussdOutcomes.isEmpty)
        h.feed("\r\n^CEND:1,0,16\r\n")
        #expect(h.written.contains("AT+CUSD=1,\"AA180C3602\",15"))
        #expect(h.ussdOutcomes.count == 1)
    }

    @Test("the port closing fails the request in progress and every waiting one")
    func portClosed() {
        var h = ModemHarness.free(.quectel, quectelReplies)
        h.hung = true
        h.ussd("*100#", id: 1)
        h.ussd("*101#", id: 2)
        h.apply(h.machine.portClosed(reason: "unplugged", now: h.now))
        #expect(h.ussdOutcomes.map(\.0) == [1, 2])
        #expect(h.timers[.ussd] == nil)
    }

    @Test("a network-initiated USSD notify (m=0 with no request) is reported without a request")
    func networkNotify() {
        var h = ModemHarness.free(.quectel, quectelReplies)
        h.feed("\r\n+CUSD: 0,\"Your bonus: 100 min\",15\r\n")
        #expect(h.ussdOutcomes.count == 1 && h.ussdOutcomes[0].0 == nil)
        #expect(h.unknownLines.isEmpty)
    }
}

@Suite("Framing a USSD text that spans lines")
struct USSDFramingTests {
    @Test("line ends inside the quoted text stay in the text; a quote that never closes is bounded")
    func multiLineText() {
        var f = ATFramer()
        let frames = f.feed(Array("\r\n+CUSD: 1,\"1. Balance\r\n2. Tariffs\r\n3. Exit\",15\r\n\r\nOK\r\n".utf8))
        #expect(frames == [.line("+CUSD: 1,\"1. Balance\n2. Tariffs\n3. Exit\",15"), .line("OK")])

        var g = ATFramer()
        var text = "\r\n+CUSD: 1,\"never closed\r\n"
        for i in 0..<(ATFramer.maxUSSDTextLines + 3) { text += "line \(i)\r\n" }
        text += "OK\r\n"
        let lines = g.feed(Array(text.utf8))
        #expect(lines.last == .line("OK"), "the result code after the runaway text still arrives")
    }
}

@Suite("SIM PIN refused before")
struct PINRejectedBeforeTests {
    @Test("a PIN refused now is reported once; one refused before is never sent")
    func pinRefused() {
        var now = ModemHarness(configuration: ModemConfiguration(dialect: .quectel, pin: SIMPIN("9999")), replies: merged(quectelReplies, [
            "AT+CPIN?": ModemHarness.ok("+CPIN: SIM PIN"),
            "AT+CPIN=\"9999\"": "\r\n+CME ERROR: 16\r\n",
        ]))
        now.open()
        #expect(now.written.filter { $0.hasPrefix("AT+CPIN=") }.count == 1)
        #expect(now.actions.filter { if case .simPINRejected = $0 { true } else { false } }.count == 1, "reported once, to be kept")

        var config = ModemConfiguration(dialect: .quectel, pin: SIMPIN("9999"))
        config.pinRejectedBefore = "incorrect password, 2026-12-06T05:00:00Z"
        var before = ModemHarness(configuration: config, replies: merged(quectelReplies, ["AT+CPIN?": ModemHarness.ok("+CPIN: SIM PIN")]))
        before.open()
        before.advance(.seconds(60))
        #expect(!before.written.contains { $0.hasPrefix("AT+CPIN=") })
        #expect(before.machine.status.state == .simLocked)
        #expect(before.machine.status.reason.contains("refused before"))
    }
}
