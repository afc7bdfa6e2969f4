// SMSService on a real SQLite file: the SIM choice, limits and pace, retries with the +CMS
// meaning, status reports (and the report that beats the `sent` mark), reassembly, dedup of a
// reread PDU, undecodable PDUs, and a restart that resumes the queue. The modem is a submit
// closure; time is a clock the test moves, so no test sleeps for a pace or a backoff.
import ControlModel
import Foundation
import ModemCore
import SMSCore
import SimgateConfig
import Storage
import Testing

@testable import Gateway

private let simA = "8970100000000000011"
private let simB = "8970100000000000022"

@Suite("SMS service", .serialized)
struct SMSServiceTests {
    @Test func sendsThroughTheOnNetSIMAndReportsEachState() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA, price: 0.1), .sim("b", simB, onNet: true, price: 0.5)])
        defer { f.remove() }
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let queued = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "taxi at 18:00"))
        #expect(queued.state == .queued && queued.partsExpected == 1 && queued.encoding == "gsm7")
        try await eventually("sent") { try await f.message(queued.id).state == .sent }
        #expect(f.modems.modems == ["b"])
        let sent = try await f.message(queued.id)
        #expect(sent.iccid == simB && sent.attempts == 1 && sent.partsDone == 1)
        #expect(sent.parts?.first?.messageReference == 1)
        // The PDU is SMSCore's SUBMIT: the recipient, the text, a status report asked for, 3 days validity.
        guard case let .submit(submit) = try SMSPDU.decode(hex: f.modems.submitted.withLock { $0[0].hex }) else {
            Issue.record("not a SUBMIT"); return
        }
        #expect(submit.destination.number == "+79161234567" && submit.text == "taxi at 18:00" && submit.statusReportRequest)
        #expect(submit.validityPeriod == .relative(minutes: 4320))
        #expect(try await f.events().map(\.1) == ["queued", "sending", "sent"])
        #expect(try await f.events().allSatisfy { $0.0 == "sms.status" })
    }

    @Test func aSIMAtItsDailyLimitIsSkippedAndCountersPersist() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA, onNet: true, perDay: 1), .sim("b", simB)])
        defer { f.remove() }
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let first = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "one"))
        try await eventually("first sent") { try await f.message(first.id).state == .sent }
        let second = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "two"))
        try await eventually("second sent") { try await f.message(second.id).state == .sent }
        #expect(f.modems.modems == ["a", "b"])
        let day = SMSService.counterKeys(iccid: simA, at: smsT0, monthResetDay: 1, timeZone: TimeZone(identifier: "Europe/Moscow")!)
        #expect(try await f.storage.read { tx in try tx.smsUsage(day[0]) } == 1)
        #expect(try await f.storage.read { tx in try tx.smsUsage(day[1]) } == 1)
    }

    @Test func theMinimumIntervalIsWaitedForOnTheOnlySIM() async throws {
        let f = try SMSFixture.make(SMSConfig(minIntervalSeconds: 5), options: [.sim("a", simA)])
        defer { f.remove() }
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let first = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "one"))
        let second = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "two"))
        try await eventually("first sent") { try await f.message(first.id).state == .sent }
        // The worker now waits on the clock for the SIM's interval, and sends nothing meanwhile.
        try await eventually("worker waiting") { f.clock.sleeperCount > 0 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(f.modems.count == 1)
        #expect(try await f.message(second.id).state == .queued)
        f.clock.advance(by: 5)
        try await eventually("second sent") { try await f.message(second.id).state == .sent }
        let times = f.modems.submitted.withLock { $0.map(\.at) }
        #expect(times[1].timeIntervalSince(times[0]) >= 5)
    }

    @Test func aTemporaryErrorIsRetriedOnTheNextSIMWithItsMeaningRecorded() async throws {
        let f = try SMSFixture.make(SMSConfig(minIntervalSeconds: 0, retryInitialSeconds: 30),
                                    options: [.sim("a", simA, onNet: true), .sim("b", simB)])
        defer { f.remove() }
        f.modems.script("a", [.rejected(cms: 42, text: "")])
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let sms = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "retry me"))
        try await eventually("first attempt failed") { try await f.message(sms.id).lastCMS == 42 }
        let waiting = try await f.message(sms.id)
        #expect(waiting.state == .queued && waiting.attempts == 1)
        #expect(waiting.lastError == "a: +CMS ERROR: 42 (congestion)")
        #expect(waiting.nextAttemptAt == smsT0.addingTimeInterval(30))
        f.clock.advance(by: 30)
        try await eventually("sent on b") { try await f.message(sms.id).state == .sent }
        #expect(f.modems.modems == ["a", "b"])
        let sent = try await f.message(sms.id)
        #expect(sent.iccid == simB && sent.attempts == 2)
        #expect(try await f.events().map(\.1) == ["queued", "sending", "queued", "sending", "sent"])
    }

    @Test func aLongMessageKeepsItsSIMWhenALaterPartFails() async throws {
        let f = try SMSFixture.make(SMSConfig(minIntervalSeconds: 0, retryInitialSeconds: 30),
                                    options: [.sim("a", simA, onNet: true), .sim("b", simB)])
        defer { f.remove() }
        f.modems.script("a", [.sent(messageReference: 10), .rejected(cms: 332, text: "")])
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let sms = try await f.service.send(SMSSendRequest(to: "+79161234567", text: String(repeating: "x", count: 200)))
        #expect(sms.partsExpected == 2)
        try await eventually("second part failed") { try await f.message(sms.id).lastCMS == 332 }
        #expect(try await f.message(sms.id).parts?.map(\.state) == ["sent", "queued"])
        f.clock.advance(by: 30)
        try await eventually("sent") { try await f.message(sms.id).state == .sent }
        // The recipient's phone joins parts from one sender: both went through a.
        #expect(f.modems.modems == ["a", "a", "a"])
        // Two parts sent: two on the SIM's counters.
        let keys = SMSService.counterKeys(iccid: simA, at: smsT0, monthResetDay: 1, timeZone: TimeZone(identifier: "Europe/Moscow")!)
        #expect(try await f.storage.read { tx in try tx.smsUsage(keys[0]) } == 2)
    }

    @Test func reportsPerPartMakeAPartialMessage() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA)])
        defer { f.remove() }
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let sms = try await f.service.send(SMSSendRequest(to: "+79161234567", text: String(repeating: "y", count: 200)))
        try await eventually("sent") { try await f.message(sms.id).state == .sent }
        let mrs = try await f.message(sms.id).parts?.compactMap(\.messageReference) ?? []
        #expect(mrs == [1, 2])
        // Still trying (0x21): nothing final yet; then delivered, then permanently failed.
        _ = await f.service.received(modemID: "a", iccid: simA, received(statusReportPDU(mr: 1, to: "+79161234567", status: 0x21)))
        #expect(try await f.message(sms.id).state == .sent)
        _ = await f.service.received(modemID: "a", iccid: simA, received(statusReportPDU(mr: 1, to: "+79161234567", status: 0x00)))
        #expect(try await f.message(sms.id).state == .sent)
        // A report for another recipient with the same MR is not this message's.
        _ = await f.service.received(modemID: "a", iccid: simA, received(statusReportPDU(mr: 2, to: "+79990000000", status: 0x00)))
        #expect(try await f.message(sms.id).state == .sent)
        _ = await f.service.received(modemID: "a", iccid: simA, received(statusReportPDU(mr: 2, to: "+79161234567", status: 0x41)))
        let message = try await f.message(sms.id)
        #expect(message.state == .partial)
        #expect(message.parts?.map(\.state) == ["delivered", "failed"])
        #expect(message.reports?.map(\.outcome) == ["pending", "delivered", "failed"])
        #expect(try await f.events().map(\.1).suffix(2) == ["sent", "partial"])
    }

    @Test func aPermanentErrorFailsTheMessageAtOnce() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA), .sim("b", simB)])
        defer { f.remove() }
        f.modems.script("a", [.rejected(cms: 30, text: "")])
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let sms = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "nobody", modem: "a"))
        try await eventually("failed") { try await f.message(sms.id).state == .failed }
        let failed = try await f.message(sms.id)
        #expect(failed.lastCMS == 30 && failed.lastError == "a: +CMS ERROR: 30 (unknown subscriber)")
        #expect(failed.parts?.map(\.state) == ["failed"])
        #expect(f.modems.count == 1)
    }

    @Test func maxAttemptsEndInFailure() async throws {
        let f = try SMSFixture.make(SMSConfig(minIntervalSeconds: 0, maxAttempts: 2, retryInitialSeconds: 10), options: [.sim("a", simA)])
        defer { f.remove() }
        f.modems.script("a", [.failed("no > prompt"), .failed("no > prompt")])
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let sms = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "x"))
        try await eventually("first failure") { try await f.message(sms.id).attempts == 1 }
        f.clock.advance(by: 10)
        try await eventually("failed") { try await f.message(sms.id).state == .failed }
        #expect(try await f.message(sms.id).lastError == "a: no > prompt")
    }

    @Test func aStatusReportMarksThePartDelivered() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA)])
        defer { f.remove() }
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let sms = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "report me"))
        try await eventually("sent") { try await f.message(sms.id).state == .sent }
        // The SMSC writes the recipient back nationally: still the same number.
        #expect(await f.service.received(modemID: "a", iccid: simA, received(statusReportPDU(mr: 1, to: "89161234567", status: 0))))
        let delivered = try await f.message(sms.id)
        #expect(delivered.state == .delivered && delivered.deliveredAt != nil)
        #expect(delivered.parts?.first?.reportMeaning == "received by SME")
        #expect(delivered.reports?.map(\.outcome) == ["delivered"] && delivered.reports?.first?.meaning == "received by SME")
        #expect(try await f.events().map(\.1).last == "delivered")
    }

    @Test func aReportThatArrivesBeforeTheSentMarkIsMatchedWhenItLands() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA)])
        defer { f.remove() }
        let service = f.service
        // The modem layer hands over the report while AT+CMGS is still being answered.
        f.modems.beforeAnswer.withLock { $0 = { _, mr in
            _ = await service.received(modemID: "a", iccid: simA, received(statusReportPDU(mr: mr, to: "+79161234567", status: 0x46)))
        } }
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let sms = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "race"))
        try await eventually("failed by report") { try await f.message(sms.id).state == .failed }
        let failed = try await f.message(sms.id)
        #expect(failed.parts?.first?.error == "status report: validity period expired")
        #expect(failed.reports?.count == 1 && failed.reports?.first?.partNumber == 1)
    }

    @Test func multipartOutOfOrderWithDuplicatesIsOneMessage() async throws {
        let f = try SMSFixture.make(options: [])
        defer { f.remove() }
        let text = String(repeating: "Привет, мир! ", count: 12)   // UCS2, 3 parts
        let time = SMSTimestamp(year: 2025, month: 3, day: 1, hour: 15, minute: 0, second: 0, utcOffsetMinutes: 180)
        let parts = SMSSegmenter.deliver(text, from: SMSAddress("+79161112233"), time: time, reference: 77).map { try! HexText.octets($0.hex) }
        #expect(parts.count == 3)
        // The same part 1 resent by the SMSC with another timestamp: other bytes, same sequence number.
        let resent = SMSSegmenter.deliver(text, from: SMSAddress("+79161112233"), time: SMSTimestamp(secondsSince1970: 1_740_830_999, utcOffsetMinutes: 180),
                                          reference: 77).map { try! HexText.octets($0.hex) }[0]
        for pdu in [parts[2], parts[0], parts[0], resent] {
            #expect(await f.service.received(modemID: "a", iccid: simA, received(pdu)))
        }
        var list = try await f.service.list(modem: nil, direction: .inbound, since: nil, limit: 10)
        #expect(list.count == 1 && list[0].state == .receiving && list[0].partsDone == 2)
        #expect(await f.service.received(modemID: "a", iccid: simA, received(parts[1])))
        list = try await f.service.list(modem: nil, direction: .inbound, since: nil, limit: 10)
        #expect(list.count == 1)
        let message = try await f.message(list[0].id)
        #expect(message.state == .complete && message.text == text && message.peer == "+79161112233")
        #expect(message.parts?.map(\.number) == [1, 2, 3] && message.serviceCentreTime == "2025-03-01T15:00:00+03:00")
        #expect(try await f.events().map(\.0) == ["sms.received"])
    }

    @Test func aMissingPartEndsAsIncompleteAfterTheTimeout() async throws {
        let f = try SMSFixture.make(SMSConfig(reassemblyTimeoutSeconds: 600), options: [])
        defer { f.remove() }
        let text = String(repeating: "a", count: 400)   // GSM-7, 3 parts of 153
        let time = SMSTimestamp(secondsSince1970: 1_740_830_400, utcOffsetMinutes: 0)
        let parts = SMSSegmenter.deliver(text, from: SMSAddress("+79161112233"), time: time, reference: 5).map { try! HexText.octets($0.hex) }
        _ = await f.service.received(modemID: "a", iccid: nil, received(parts[0]))
        _ = await f.service.received(modemID: "a", iccid: nil, received(parts[2]))
        await f.service.expireReassembly()
        #expect(try await f.service.list(modem: "a", direction: .inbound, since: nil, limit: 1)[0].state == .receiving)
        f.clock.advance(by: 600)
        await f.service.expireReassembly()
        let message = try await f.service.list(modem: "a", direction: .inbound, since: nil, limit: 1)[0]
        #expect(message.state == .incomplete && message.partsDone == 2)
        #expect(message.text == String(repeating: "a", count: 153 + 94))
        #expect(message.lastError == "part(s) 2 of 3 missing after 600 s")
    }

    @Test func thePDUReadTwiceIsOneMessage() async throws {
        let f = try SMSFixture.make(options: [])
        defer { f.remove() }
        let pdu = try HexText.octets(SMSSegmenter.deliver("hello", from: SMSAddress("+79161112233"),
                                                          time: SMSTimestamp(secondsSince1970: 1_740_830_400, utcOffsetMinutes: 180),
                                                          reference: 0)[0].hex)
        #expect(await f.service.received(modemID: "a", iccid: simA, received(pdu)))
        // A rescan after a crash, even if the modem now has another id for the same SIM.
        #expect(await f.service.received(modemID: "a-renamed", iccid: simA + "F", received(pdu)))
        let list = try await f.service.list(modem: nil, direction: nil, since: nil, limit: 10)
        #expect(list.count == 1 && list[0].state == .complete && list[0].text == "hello")
    }

    @Test func anUndecodablePDUIsStoredRaw() async throws {
        let f = try SMSFixture.make(options: [])
        defer { f.remove() }
        let garbage: [UInt8] = [0x00, 0x04, 0x0B, 0x91]
        #expect(await f.service.received(modemID: "a", iccid: simA, received(garbage)))
        let list = try await f.service.list(modem: nil, direction: .inbound, since: nil, limit: 10)
        #expect(list.count == 1 && list[0].state == .undecodable)
        #expect(list[0].lastError?.hasPrefix("PDU: octet") == true)
        #expect(try await f.message(list[0].id).parts?.first?.pdu == "00040B91")
    }

    @Test func aRestartResumesTheQueueWithoutResendingSentParts() async throws {
        let directory = "/tmp/sgt-sms-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualSMSClock(smsT0)
        let id: Int64
        do {
            // Before the crash: queued (the worker never ran), then the first part went out and
            // the second was on the wire when the process died.
            let before = try SMSFixture.make(options: [.sim("a", simA)], directory: directory, clock: clock)
            id = try await before.service.send(SMSSendRequest(to: "+79161234567", text: String(repeating: "b", count: 200))).id
            try await before.storage.transaction { tx in
                let parts = try tx.smsParts(messageID: id)
                try tx.updateSMSPart(id: parts[0].id, state: "sent", messageReference: 9, modem: "a", iccid: simA, sentAt: smsT0)
                try tx.updateSMSPart(id: parts[1].id, state: "sending", modem: "a", iccid: simA)
                try tx.updateSMSMessage(id: id, state: .sending, attempts: 1, at: smsT0)
            }
        }
        let after = try SMSFixture.make(options: [.sim("b", simB), .sim("a", simA)], directory: directory, clock: clock)
        await after.service.start()
        defer { Task { await after.service.stop() } }
        try await eventually("sent after restart") { try await after.message(id).state == .sent }
        // Only the second part again, and through the SIM that sent the first.
        #expect(after.modems.modems == ["a"])
        let message = try await after.message(id)
        #expect(message.parts?.map(\.messageReference) == [9, 1])
    }

    @Test func disabledSMSSendsNothingAndLeavesPDUsOnTheSIM() async throws {
        let f = try SMSFixture.make(SMSConfig(enabled: false), options: [.sim("a", simA)])
        defer { f.remove() }
        await #expect(throws: SMSServiceError.disabled) { try await f.service.send(SMSSendRequest(to: "+79161234567", text: "x")) }
        let pdu = try HexText.octets(SMSSegmenter.deliver("hi", from: SMSAddress("+79161112233"),
                                                          time: SMSTimestamp(secondsSince1970: 1_740_830_400, utcOffsetMinutes: 0),
                                                          reference: 0)[0].hex)
        #expect(await f.service.received(modemID: "a", iccid: simA, received(pdu)) == false)
        #expect(try await f.service.list(modem: nil, direction: nil, since: nil, limit: 10).isEmpty)
    }

    @Test func aSilentType0MessageIsAcknowledgedAndNotKept() async throws {
        let f = try SMSFixture.make(options: [])
        defer { f.remove() }
        let ping = SMSDeliver(smsc: SMSAddress("+79168999100"), originator: SMSAddress("+79161112233"), protocolIdentifier: 0x40,
                              dataCoding: .gsm7, serviceCentreTime: SMSTimestamp(secondsSince1970: 1_740_830_400, utcOffsetMinutes: 0),
                              text: "").encoded()
        #expect(await f.service.received(modemID: "a", iccid: simA, received(try HexText.octets(ping.hex))))
        #expect(try await f.service.list(modem: nil, direction: nil, since: nil, limit: 10).isEmpty)
    }

    @Test func badRequestsNameTheField() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA)])
        defer { f.remove() }
        await #expect(throws: SMSServiceError.badRequest(field: "text", "must not be empty")) {
            try await f.service.send(SMSSendRequest(to: "+79161234567", text: ""))
        }
        await #expect(throws: SMSServiceError.badRequest(field: "modem", "no modem or SIM \"zz\" (try `simgate sims`)")) {
            try await f.service.send(SMSSendRequest(to: "+79161234567", text: "x", modem: "zz"))
        }
        await #expect(throws: SMSServiceError.self) { try await f.service.send(SMSSendRequest(to: " ", text: "x")) }
    }
}

@Suite("SMS rules: +CMS classes, backoff, SIM choice, message state")
struct SMSRuleTests {
    @Test func cmsCodesAreClassified() {
        for code in [17, 22, 38, 41, 42, 47, 300, 314, 322, 330, 331, 332, 500, 512, 530, 9999] {
            #expect(SMSSubmitError.classify(cms: code) == .temporary, "\(code)")
        }
        for code in [1, 21, 27, 28, 30, 69, 96, 111, 303, 304, 305, 321] {
            #expect(SMSSubmitError.classify(cms: code) == .permanent, "\(code)")
        }
        // Barred or not subscribed: the SIM, not the message.
        for code in [8, 10, 29, 50] {
            #expect(SMSSubmitError.classify(cms: code) == .simRefused, "\(code)")
        }
        #expect(SMSSubmitError.classify(.rejected(cms: 332, text: ""))?.text == "+CMS ERROR: 332 (network timeout)")
        #expect(SMSSubmitError.classify(.rejected(cms: 500, text: "modem words"))?.text == "+CMS ERROR: 500 (modem words)")
        #expect(SMSSubmitError.classify(.sent(messageReference: 1)) == nil)
    }

    @Test func backoffDoublesUpToTheCapAndStopsAtMaxAttempts() {
        let policy = SMSRetryPolicy(maxAttempts: 5, initialSeconds: 30, maxSeconds: 100)
        #expect((1...5).map { policy.delay(afterAttempts: $0) } == [30, 60, 100, 100, nil])
    }

    @Test func chooserRanksLimitsAndPaces() {
        let chooser = SMSSIMChooser(defaultMinIntervalSeconds: 5)
        let a = SMSSIMOption.sim("a", simA, price: 0.2), b = SMSSIMOption.sim("b", simB, price: 0.1)
        let on = SMSSIMOption.sim("c", "8970100000000000033", onNet: true, price: 0.9)
        #expect(chooser.choose(options: [a, b, on], usage: [:], requested: nil, pinned: nil, excluded: [], now: smsT0)
            == .send(on, at: smsT0))
        #expect(chooser.choose(options: [a, b], usage: [:], requested: nil, pinned: nil, excluded: [], now: smsT0) == .send(b, at: smsT0))
        // b inside its interval: a, ready, goes first; both pacing: wait for the earlier.
        let pacing = [simB: SMSSIMUsage(lastSentAt: smsT0.addingTimeInterval(-2))]
        #expect(chooser.choose(options: [a, b], usage: pacing, requested: nil, pinned: nil, excluded: [], now: smsT0) == .send(a, at: smsT0))
        #expect(chooser.choose(options: [b], usage: pacing, requested: nil, pinned: nil, excluded: [], now: smsT0)
            == .send(b, at: smsT0.addingTimeInterval(3)))
        // Excluded after a temporary failure: last resort only.
        #expect(chooser.choose(options: [a, b], usage: [:], requested: nil, pinned: nil, excluded: [simB], now: smsT0) == .send(a, at: smsT0))
        #expect(chooser.choose(options: [b], usage: [:], requested: nil, pinned: nil, excluded: [simB], now: smsT0) == .send(b, at: smsT0))
        // Named or pinned: that SIM or nothing.
        #expect(chooser.choose(options: [a, b], usage: [:], requested: "a", pinned: nil, excluded: [], now: smsT0) == .send(a, at: smsT0))
        #expect(chooser.choose(options: [a, b], usage: [:], requested: simA + "F", pinned: nil, excluded: [], now: smsT0) == .send(a, at: smsT0))
        var limited = a
        limited.smsPerMonth = 10
        #expect(chooser.choose(options: [limited], usage: [simA: SMSSIMUsage(today: 3, thisMonth: 10)], requested: nil, pinned: nil,
                               excluded: [], now: smsT0) == .unavailable("a: monthly SMS 10/10 reached"))
        #expect(chooser.choose(options: [a], usage: [:], requested: nil, pinned: simB, excluded: [], now: smsT0)
            == .unavailable("the SIM \(simB) that sent the first parts is not in any modem"))
    }

    @Test func messageStateFollowsItsParts() {
        #expect(SMSOutboundState.of(parts: ["queued", "queued"]) == .queued)
        #expect(SMSOutboundState.of(parts: ["sent", "sending"]) == .sending)
        #expect(SMSOutboundState.of(parts: ["sent", "delivered"]) == .sent)
        #expect(SMSOutboundState.of(parts: ["delivered", "delivered"]) == .delivered)
        #expect(SMSOutboundState.of(parts: ["delivered", "failed"]) == .partial)
        #expect(SMSOutboundState.of(parts: ["failed", "failed"]) == .failed)
        #expect(SMSOutboundState.of(parts: ["sent", "failed"]) == .partial)
    }
}
