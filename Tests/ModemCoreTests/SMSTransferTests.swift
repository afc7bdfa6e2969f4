// SMS on the modem state machine, with the bytes real modems send (at-dialects.md 1.4, 1.5,
// 2.9, 5.6; sms-ussd.md 1.1, 4) and published PDUs (sources beside each vector).
import Testing
@testable import ModemCore

enum PDUVectors {
    /// SMS-DELIVER, TPDU 50 octets. ModemManager @9a2d5863 src/tests/test-modem-helpers.c.
    static let deliver = "07916163838428F9040B916121021021F700005190514164220A23C4B0BCFD5E8740C4B0BCFD5E83C26E3248196687C9A0301D440DBBC3677918"
    /// SMS-STATUS-REPORT, TPDU 24 octets. ModemManager @9a2d5863 src/tests/test-sms-part-3gpp.c.
    static let statusReport = "07914356060013F1065A098136397339F7219011700463802190117004638030"
    /// SMS-SUBMIT "Hello World!" to +27820001111, no SMSC, TPDU 24 octets. python-gsmmodem
    /// @5c816bae test/test_pdu.py.
    static let submit = "0001000B917228001011F100000CC8329BFD065DDF72363904"

    static func bytes(_ hex: String) -> [UInt8] { PDUHex.decode(hex)! }
}

extension ModemHarness {
    var incomingSMS: [IncomingSMS] {
        actions.compactMap { if case .incomingSMS(let m) = $0 { return m } else { return nil } }
    }
    var submitResults: [SMSSubmitResult] {
        actions.compactMap { if case .smsSubmitFinished(_, let r) = $0 { return r } else { return nil } }
    }
    var rawWrites: [[UInt8]] {
        actions.compactMap { if case .write(let b) = $0 { return b } else { return nil } }
    }
    var unknownLines: [String] {
        actions.compactMap { if case .unknownLine(let l) = $0 { return l } else { return nil } }
    }
    mutating func persisted(_ slot: SMSStorageSlot) { apply(machine.smsPersisted(slot, now: now)) }
    mutating func submit(_ hex: String, id: Int = 1) {
        let tpdu = hex.count / 2 - 1 - Int(hex.prefix(2), radix: 16)!
        apply(machine.submitSMS(pdu: PDUVectors.bytes(hex), tpduLength: tpdu, requestID: id, now: now))
    }
}

func stored(_ hex: String, _ storage: String, _ index: Int, status: Int?, report: Bool = false) -> IncomingSMS {
    .stored(ReceivedSMSPDU(pdu: PDUVectors.bytes(hex), slot: SMSStorageSlot(storage: storage, index: index),
                           status: status, isStatusReport: report))
}

@Suite("SMS: set-up, receive, store-then-delete, send")
struct SMSTransferTests {
    @Test("each dialect's set-up runs after init, in order, then the scan; an unsupported CNMI falls back")
    func setupPerDialect() {
        for (dialect, replies) in [(ModemDialect.huawei, huaweiReplies), (.quectel, quectelReplies), (.simcom, simcomReplies)] {
            var h = ModemHarness(configuration: ModemConfiguration(dialect: dialect), replies: replies)
            h.open()
            let expected = dialect.sms.setupCommands + ["AT+CMGL=4"]
            #expect(h.written.filter { expected.contains($0) } == expected, "\(dialect.name): all sent, in order")
            #expect(h.machine.status.state == .free)
        }
        #expect(ModemDialect.huawei.sms.setupCommands == ["AT+CMGF=0", "AT+CPMS=\"SM\",\"SM\",\"SM\"", "AT+CNMI=2,1,0,2,0"])
        #expect(ModemDialect.quectel.sms.setupCommands == ["AT+CMGF=0", "AT+CSMS=1", "AT+CPMS=\"ME\",\"ME\",\"ME\"",
                                                           "AT+QINDCFG=\"smsfull\",1", "AT+CNMI=2,1,0,1,0"])

        // Mode 2 refused (oFono: Huawei firmwares advertise it and then refuse it), PDU mode
        // refused too: the modem still comes up, the failure is only reported.
        var h = ModemHarness(configuration: ModemConfiguration(dialect: .huawei), replies: merged(huaweiReplies, [
            "AT+CNMI=2,1,0,2,0": "\r\n+CMS ERROR: 303\r\n",
            "AT+CMGF=0": "\r\nERROR\r\n",
        ]))
        h.open()
        #expect(h.written.contains("AT+CNMI=1,1,0,2,0"))
        #expect(h.machine.status.state == .free)
        #expect(h.machine.status.sms.lastError?.contains("AT+CMGF=0") == true)
    }

    @Test("+CMTI: \"SM\",3 reads AT+CMGR=3 once; nothing is deleted before smsPersisted, then AT+CMGD=3 once")
    func cmtiReadThenDeleteOnlyWhenPersisted() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, [
            "AT+CMGR=3": "\r\n+CMGR: 0,,50\r\n\(PDUVectors.deliver)\r\n\r\nOK\r\n",
            "AT+CPMS?": ModemHarness.ok("+CPMS: \"SM\",4,20,\"SM\",4,20,\"SM\",4,20"),
        ]))
        h.feed("\r\n+CMTI: \"SM\",3\r\n")
        #expect(h.written == ["AT+CMGR=3"])
        #expect(h.incomingSMS == [stored(PDUVectors.deliver, "SM", 3, status: 0)])
        #expect(h.machine.status.sms.received == 1 && h.machine.status.sms.awaitingPersistence == 1)

        // The same index again before it is persisted (a repeated URC): not read again.
        h.clearLog()
        h.feed("\r\n+CMTI: \"SM\",3\r\n")
        h.advance(.seconds(300))
        #expect(!h.written.contains { $0.hasPrefix("AT+CMGR") || $0.hasPrefix("AT+CMGD") })
        #expect(h.incomingSMS == [])

        h.clearLog()
        h.persisted(SMSStorageSlot(storage: "SM", index: 3))
        #expect(h.written == ["AT+CMGD=3", "AT+CPMS?"])
        #expect(h.machine.status.sms.deleted == 1 && h.machine.status.sms.awaitingPersistence == 0)
        #expect(h.machine.status.sms.storageUsed == 4 && h.machine.status.sms.storageTotal == 20)

        // A second persisted call for the slot, and one for a slot never reported: ignored.
        h.clearLog()
        h.persisted(SMSStorageSlot(storage: "SM", index: 3))
        h.persisted(SMSStorageSlot(storage: "SM", index: 9))
        #expect(h.written == [])

        // A new message in the freed index is a new arrival.
        h.feed("\r\n+CMTI: \"SM\",3\r\n")
        #expect(h.written == ["AT+CMGR=3"])
        #expect(h.machine.status.sms.received == 2)
    }

    @Test("the AT+CMGL=4 scan after init reports every entry once, joins a PDU split by ^BOOT, tells reports apart")
    func scanWithSeveralEntries() {
        // Index 0 listed twice (a firmware repeat); index 2's PDU cut by a ^BOOT URC, as a
        // Huawei K3520/E1750 was captured doing (at-dialects.md 1.4).
        let half = PDUVectors.deliver.count / 2
        let listing = "\r\n+CMGL: 0,1,,50\r\n\(PDUVectors.deliver)\r\n"
            + "\r\n+CMGL: 1,0,,24\r\n\(PDUVectors.statusReport)\r\n"
            + "\r\n+CMGL: 0,1,,50\r\n\(PDUVectors.deliver)\r\n"
            + "+CMGL: 2,0,,50\r\n\(PDUVectors.deliver.prefix(half))\r\n^BOOT:20273899,0,0,0,75\r\n\(PDUVectors.deliver.dropFirst(half))\r\n"
            + "\r\nOK\r\n"
        var h = ModemHarness(configuration: ModemConfiguration(dialect: .huawei), replies: merged(huaweiReplies, ["AT+CMGL=4": listing]))
        h.open()
        let expected = [stored(PDUVectors.deliver, "SM", 0, status: 1),
                        stored(PDUVectors.statusReport, "SM", 1, status: 0, report: true),
                        stored(PDUVectors.deliver, "SM", 2, status: 0)]
        #expect(h.incomingSMS == expected)
        #expect(!h.written.contains { $0.hasPrefix("AT+CMGD") }, "never deleted by itself")
        #expect(h.machine.status.sms.received == 3 && h.machine.status.sms.awaitingPersistence == 3)

        // A rescan reports what is still there again (the gateway may have lost a report),
        // without counting it as received twice.
        h.clearLog()
        h.apply(h.machine.scanSMSStorage(now: h.now))
        #expect(h.written.first == "AT+CMGL=4")
        #expect(h.incomingSMS == expected)
        #expect(h.machine.status.sms.received == 3)

        // Reported twice, persisted twice: one delete, the echo is ignored.
        h.clearLog()
        h.persisted(SMSStorageSlot(storage: "SM", index: 0))
        h.persisted(SMSStorageSlot(storage: "SM", index: 0))
        #expect(h.written.filter { $0.hasPrefix("AT+CMGD") } == ["AT+CMGD=0"])

        // A reconnect scans again and reports what is left.
        h.clearLog()
        h.apply(h.machine.portClosed(reason: "unplugged", now: h.now))
        h.replies["AT+CMGL=4"] = ["\r\n+CMGL: 1,1,,24\r\n\(PDUVectors.statusReport)\r\n\r\nOK\r\n"]
        h.open()
        #expect(h.written.contains("AT+CMGL=4"))
        #expect(h.incomingSMS == [stored(PDUVectors.statusReport, "SM", 1, status: 1, report: true)])
    }

    @Test("+CMT is a two-line URC: one event in any chunking, acknowledged with AT+CNMA under +CSMS=1 only")
    func cmtTwoLineWithCNMA() {
        var h = ModemHarness.free(.quectel, quectelReplies)
        #expect(h.machine.status.sms.acknowledgesDelivery)
        let urc = "\r\n+CMT: ,50\r\n\(PDUVectors.deliver)\r\n"
        let cut = urc.index(urc.startIndex, offsetBy: 30)
        h.feed(String(urc[..<cut]))
        #expect(h.incomingSMS == [] && h.written == [])
        h.feed(String(urc[cut...]))
        let delivered = IncomingSMS.delivered(ReceivedSMSPDU(pdu: PDUVectors.bytes(PDUVectors.deliver), slot: nil, status: nil,
                                                             isStatusReport: false))
        #expect(h.incomingSMS == [delivered])
        #expect(h.written == ["AT+CNMA"])

        // A direct status report (Quectel ds=1).
        h.clearLog()
        h.feed("\r\n+CDS: 24\r\n\(PDUVectors.statusReport)\r\n")
        #expect(h.incomingSMS == [.delivered(ReceivedSMSPDU(pdu: PDUVectors.bytes(PDUVectors.statusReport), slot: nil,
                                                             status: nil, isStatusReport: true))])
        #expect(h.written == ["AT+CNMA"])

        // Huawei runs service 0 (oFono disables +CNMA there): the modem acknowledges itself.
        var hw = ModemHarness.free(.huawei, huaweiReplies)
        #expect(!hw.machine.status.sms.acknowledgesDelivery)
        hw.feed(urc)
        #expect(hw.incomingSMS == [delivered])
        #expect(hw.written == [])
    }

    @Test("garbage: bad hex, a missing PDU line, a wrong length, a broken header: logged as unknown, the queue goes on")
    func garbageNeverStopsTheQueue() {
        var h = ModemHarness.free(.quectel, merged(quectelReplies, [
            // The PDU is one octet short of the 50 the header announces.
            "AT+CMGR=4": "\r\n+CMGR: 0,,50\r\n\(PDUVectors.deliver.dropLast(2))\r\n\r\nOK\r\n",
        ]))
        // Not hex: no message, no acknowledgement (the network will deliver it again).
        h.feed("\r\n+CMT: ,50\r\n07916163838428ZZ040B9161\r\n")
        // The PDU line never came: the +CMTI right after is still handled.
        h.feed("\r\n+CMT: ,50\r\n\r\n+CMTI: \"ME\",4\r\n")
        #expect(h.incomingSMS == [])
        #expect(!h.written.contains("AT+CNMA"))
        #expect(h.written.contains("AT+CMGR=4"))
        #expect(h.machine.status.sms.unreadable == 3)
        #expect(h.unknownLines.count == 3)
        // A broken listing entry and an odd-length PDU line.
        h.clearLog()
        h.replies["AT+CMGL=4"] = ["\r\n+CMGL: x\r\n0791\r\n+CMGL: 5,0,,3\r\n079161638\r\n\r\nOK\r\n"]
        h.apply(h.machine.scanSMSStorage(now: h.now))
        #expect(h.incomingSMS == [])
        #expect(!h.written.contains { $0.hasPrefix("AT+CMGD") })
        // Still answering: a raw command goes through and the modem is free.
        h.clearLog()
        h.apply(h.machine.submitRawCommand("AT+CSQ", requestID: 5, now: h.now))
        #expect(h.actions.contains(.rawCommandFinished(requestID: 5, lines: ["+CSQ: 16,99"], final: "OK")))
        #expect(h.machine.status.state == .free && h.machine.status.at.queueDepth == 0)
    }

    @Test("AT+CMGS: the '> ' prompt without line end, hex and Ctrl-Z, +CMGS: <mr>; +CMS ERROR is a rejection")
    func submitSentAndRejected() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, ["AT+CMGS=24": "\r\n> "]))
        h.submit(PDUVectors.submit, id: 11)
        #expect(h.written == ["AT+CMGS=24"])
        #expect(h.rawWrites.last == Array(PDUVectors.submit.utf8) + [0x1A])
        // The wait now is for the network, not the prompt.
        let commandTimers = h.timers.filter { if case .command = $0.key { return true } else { return false } }
        #expect(commandTimers.values.map { $0 } == [h.now + ModemStateMachine.smsSubmitTimeout])
        h.feed("\r\n+CMGS: 7\r\n\r\nOK\r\n")
        #expect(h.actions.contains(.smsSubmitFinished(requestID: 11, .sent(messageReference: 7))))
        #expect(h.machine.status.sms.sent == 1)

        h.clearLog()
        h.submit(PDUVectors.submit, id: 12)
        h.feed("\r\n+CMS ERROR: 331\r\n")
        #expect(h.submitResults == [.rejected(cms: 331, text: CMSError.code(331).meaning)])
        #expect(h.machine.status.sms.failed == 1)
        #expect(h.machine.status.sms.lastError?.contains("331") == true)

        // No network answer after the PDU: failed after the long timeout, not the short one.
        h.clearLog()
        h.submit(PDUVectors.submit, id: 13)
        h.advance(ModemStateMachine.smsPromptTimeout + .seconds(1))
        #expect(h.submitResults == [])
        h.advance(ModemStateMachine.smsSubmitTimeout)
        #expect(h.submitResults.count == 1)
        if case .failed(let why)? = h.submitResults.first { #expect(why.contains("after the PDU")) } else { Issue.record("not failed") }

        // Refused before any command: a length that does not match the PDU, a modem not up.
        h.clearLog()
        h.apply(h.machine.submitSMS(pdu: PDUVectors.bytes(PDUVectors.submit), tpduLength: 30, requestID: 14, now: h.now))
        #expect(h.written == [] && h.submitResults.count == 1)
        var down = ModemHarness(replies: huaweiReplies)
        down.apply(down.machine.submitSMS(pdu: PDUVectors.bytes(PDUVectors.submit), tpduLength: 24, requestID: 15, now: down.now))
        #expect(down.submitResults == [.failed("modem not ready")])
    }

    @Test("no '> ' prompt within 10 s: ESC leaves text entry, the submit fails, the next command runs")
    func promptTimeoutSendsESC() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, ["AT+CMGS=24": ""]))
        h.submit(PDUVectors.submit, id: 3)
        h.apply(h.machine.submitRawCommand("AT+CSQ", requestID: 4, now: h.now))
        #expect(h.written == ["AT+CMGS=24"], "the raw command waits behind the submit")
        h.advance(ModemStateMachine.smsPromptTimeout)
        let esc = h.rawWrites.firstIndex(of: [0x1B])
        let next = h.rawWrites.firstIndex(of: Array("AT+CSQ\r".utf8))
        #expect(esc != nil && next != nil && esc! < next!, "ESC before the next command line")
        #expect(h.submitResults.count == 1)
        if case .failed(let why)? = h.submitResults.first { #expect(why.contains("prompt")) } else { Issue.record("not failed") }
        #expect(h.actions.contains(.rawCommandFinished(requestID: 4, lines: ["+CSQ: 16,99"], final: "OK")))
    }

    @Test("+CMS ERROR: 322 on a read, ^SMMEMFULL and +QIND \"smsfull\": storageFull and a scan")
    func storageFull() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, ["AT+CMGR=5": "\r\n+CMS ERROR: 322\r\n"]))
        h.feed("\r\n+CMTI: \"SM\",5\r\n")
        #expect(h.incomingSMS == [.storageFull(storage: "SM")])
        #expect(h.written == ["AT+CMGR=5", "AT+CMGL=4", "AT+CPMS?"])
        h.clearLog()
        h.feed("\r\n^SMMEMFULL: \"SM\"\r\n")
        #expect(h.incomingSMS == [.storageFull(storage: "SM")])
        #expect(h.written.first == "AT+CMGL=4")
        #expect(h.machine.status.sms.storageFullEvents == 2)

        var q = ModemHarness.free(.quectel, quectelReplies)
        q.feed("\r\n+QIND: \"smsfull\",\"ME\"\r\n")
        #expect(q.incomingSMS == [.storageFull(storage: "ME")])
        #expect(q.written.first == "AT+CMGL=4")
    }

    @Test("a +CDSI in \"SR\" switches <mem1> for the read and the delete, and the scan switches back")
    func statusReportInOtherStorage() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, [
            "AT+CMGR=2": "\r\n+CMGR: 0,,24\r\n\(PDUVectors.statusReport)\r\n\r\nOK\r\n",
        ]))
        h.feed("\r\n+CDSI: \"SR\",2\r\n")
        #expect(h.written == ["AT+CPMS=\"SR\"", "AT+CMGR=2"])
        #expect(h.incomingSMS == [stored(PDUVectors.statusReport, "SR", 2, status: 0, report: true)])
        h.clearLog()
        h.persisted(SMSStorageSlot(storage: "SR", index: 2))
        #expect(h.written.prefix(1) == ["AT+CMGD=2"], "<mem1> is still SR")
        h.clearLog()
        h.apply(h.machine.scanSMSStorage(now: h.now))
        #expect(h.written.prefix(2) == ["AT+CPMS=\"SM\"", "AT+CMGL=4"])
    }

    @Test("a submit during a call queues like any command; call URCs keep flowing while it waits")
    func submitDuringCall() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, ["AT+CMGS=24": "\r\n> "]))
        h.feed("\r\nRING\r\n\r\n+CLIP: \"+79161234567\",145,,,,0\r\n")
        #expect(h.machine.status.state == .ringing)
        h.submit(PDUVectors.submit, id: 21)
        #expect(h.written.last == "AT+CMGS=24")
        h.feed("\r\n^CEND:1,0,104,16\r\n")
        #expect(h.callEvents.contains { if case .ended = $0 { return true } else { return false } })
        h.feed("\r\n+CMGS: 9\r\n\r\nOK\r\n")
        #expect(h.submitResults == [.sent(messageReference: 9)])
    }

    @Test("the port closing fails every pending submit with the reason")
    func portClosedFailsSubmits() {
        var h = ModemHarness.free(.huawei, merged(huaweiReplies, ["AT+CMGS=24": ""]))
        h.submit(PDUVectors.submit, id: 1)
        h.submit(PDUVectors.submit, id: 2)
        h.apply(h.machine.portClosed(reason: "unplugged", now: h.now))
        #expect(h.submitResults == [.failed("port closed: unplugged"), .failed("port closed: unplugged")])
    }
}
