import Testing
@testable import ModemCore

/// A Quectel whose voice goes to its USB sound card (UAC, at-dialects.md §3.2): the per-call
/// switch is AT+QPCMV=1,2 (port 2 = USB sound card), after AT+QPCMV=0, before ATD and ATA.
@Suite("Audio transport: Quectel UAC switches voice with AT+QPCMV=1,2")
struct USBAudioClassTests {
    static func uac(_ dialect: ModemDialect, _ replies: [String: String]) -> ModemHarness {
        var configuration = ModemConfiguration(dialect: dialect)
        configuration.audioTransport = .usbAudioClass
        var h = ModemHarness(configuration: configuration, replies: replies)
        h.open()
        h.clearLog()
        return h
    }

    @Test("dial: AT+QPCMV=0, AT+QPCMV=1,2, then ATD; audio flows at connect")
    func dialUAC() {
        var h = Self.uac(.quectel, quectelReplies)
        h.request(h.machine.dial(number: "+4915112345678", callRef: 1, now: h.now))
        #expect(h.written == ["AT+QPCMV=0", "AT+QPCMV=1,2", "ATD+4915112345678;"])
        h.feed("\r\n+QIND: \"ccinfo\",1,0,3,0,0,\"+4915112345678\",145\r\n")
        h.feed("\r\n+QIND: \"ccinfo\",1,0,0,0,0,\"+4915112345678\",145\r\n")
        #expect(h.callEvents.suffix(2) == [.connected(callID: 1), .audioEnabled])
        #expect(!h.written.contains("AT+QPCMV=1,0"))
    }

    @Test("answer: AT+QPCMV=0, AT+QPCMV=1,2, then ATA")
    func answerUAC() {
        var h = Self.uac(.quectel, quectelReplies)
        h.feed("\r\nRING\r\n\r\n+CLIP: \"+79031234567\",145,,,,0\r\n")
        #expect(h.machine.status.state == .ringing)
        h.request(h.machine.answer(callRef: 2, now: h.now))
        #expect(h.written == ["AT+QPCMV=0", "AT+QPCMV=1,2", "ATA"])
    }

    @Test("serial PCM (and no transport configured) keeps AT+QPCMV=1,0")
    func serialKeepsPort0() {
        var configuration = ModemConfiguration(dialect: .quectel)
        configuration.audioTransport = .serialPCM
        var h = ModemHarness(configuration: configuration, replies: quectelReplies)
        h.open()
        h.clearLog()
        h.request(h.machine.dial(number: "0611", callRef: 1, now: h.now))
        #expect(h.written == ["AT+QPCMV=0", "AT+QPCMV=1,0", "ATD0611;"])
        #expect(ModemDialect.quectel.calls.enableAudio(for: nil) == ["AT+QPCMV=0", "AT+QPCMV=1,0"])
    }

    @Test("a family without a UAC mode keeps its own audio switch (Huawei AT^DDSETEX=2 after ATD)")
    func huaweiUnchanged() {
        var h = Self.uac(.huawei, huaweiReplies)
        h.request(h.machine.dial(number: "0611", callRef: 1, now: h.now))
        #expect(h.written == ["ATD0611;", "AT^DDSETEX=2"])
    }

    @Test("a detected (not configured) Quectel also uses the configured transport")
    func detectedDialect() {
        var configuration = ModemConfiguration()
        configuration.audioTransport = .usbAudioClass
        var h = ModemHarness(configuration: configuration, replies: quectelReplies)
        h.open()
        #expect(h.machine.dialect.vendor == .quectel)
        h.clearLog()
        h.request(h.machine.dial(number: "0611", callRef: 1, now: h.now))
        #expect(h.written == ["AT+QPCMV=0", "AT+QPCMV=1,2", "ATD0611;"])
    }
}
