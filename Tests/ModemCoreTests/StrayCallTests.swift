import Testing
@testable import ModemCore

@Suite("Modem state machine: calls left up by a previous daemon (start-up AT+CLCC)")
struct StrayCallTests {
    @Test("an active call nobody owns is hung up with the dialect's AT+CHUP, and reported once")
    func activeStrayHungUp() {
        var h = ModemHarness(replies: merged(huaweiReplies, ["AT+CLCC": ModemHarness.ok("+CLCC: 1,0,0,0,0,\"+79161234567\",145")]))
        h.open()
        let clcc = h.written.firstIndex(of: "AT+CLCC")
        #expect(clcc == 3, "asked right after the error mode, before anything can take a call: \(h.written)")
        let chup = h.written.firstIndex(of: "AT+CHUP")
        #expect(chup != nil && chup! > clcc!, "\(h.written)")
        let reports = h.actions.compactMap { if case .strayCallsReleased(let c) = $0 { c } else { nil } }
        #expect(reports.count == 1 && reports.first?.first?.status == .active && reports.first?.first?.incoming == false, "\(reports)")
        #expect(h.machine.status.state == .free && h.machine.status.call == nil)
        #expect(h.callEvents.isEmpty, "a stray is nobody's call: no call events: \(h.callEvents)")
    }

    @Test("a still-ringing inbound call of the previous run is released too")
    func ringingStrayHungUp() {
        var h = ModemHarness(replies: merged(huaweiReplies, ["AT+CLCC": ModemHarness.ok("+CLCC: 1,1,4,0,0,\"+79031110006\",145")]))
        h.open()
        #expect(h.written.contains("AT+CHUP"), "\(h.written)")
    }

    @Test("no call listed (or no +CLCC support): nothing is hung up")
    func noStray() {
        var h = ModemHarness(replies: huaweiReplies)
        h.open()
        #expect(!h.written.contains("AT+CHUP"))
        var old = ModemHarness(replies: merged(huaweiReplies, ["AT+CLCC": "\r\nERROR\r\n"]))
        old.open()
        #expect(!old.written.contains("AT+CHUP") && old.machine.status.state == .free)
    }
}
