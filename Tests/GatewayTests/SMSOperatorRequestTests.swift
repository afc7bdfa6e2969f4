// SMSService.askOperator: a balance-by-SMS request leaves through the SIM asked, and only the
// operator's reply on that SIM ends the wait; a silent operator times out on the clock, a
// refused request ends the wait at once. A refusal of the SIM's subscription (+CMS ERROR 8)
// sends the message through another SIM and is reported to the submit hook (SIM health).
import ControlModel
import Foundation
import ModemCore
import SMSCore
import SimgateConfig
import Storage
import Synchronization
import Testing

@testable import Gateway

private let simA = "8970100000000000011"
private let simB = "8970100000000000022"

/// An inbound SMS-DELIVER from `sender`, as a modem hands it over.
private func deliver(from sender: String, _ text: String) throws -> ReceivedSMSPDU {
    let pdu = SMSDeliver(smsc: SMSAddress("+6421600600"), originator: SMSAddress(sender), protocolIdentifier: 0,
                         dataCoding: .gsm7, serviceCentreTime: SMSTimestamp(secondsSince1970: 1_740_830_400, utcOffsetMinutes: 780),
                         text: text).encoded()
    return received(try HexText.octets(pdu.hex))
}

@Suite("SMS operator requests (balance by SMS)", .serialized)
struct SMSOperatorRequestTests {
    @Test("the reply from 777 on the asking SIM ends the wait; other senders and SIMs do not")
    func replyOnTheAskingSIM() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA), .sim("b", simB)])
        defer { f.remove() }
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let asking = Task { try await f.service.askOperator(iccid: simB, modemID: "b", to: "777", text: "BAL", replyFrom: "777", timeout: 180) }
        try await eventually("request sent") { f.modems.count == 1 }
        #expect(f.modems.modems == ["b"])
        guard case let .submit(submit) = try SMSPDU.decode(hex: f.modems.submitted.withLock { $0[0].hex }) else {
            Issue.record("not a SUBMIT"); return
        }
        #expect(submit.destination.number == "777" && submit.text == "BAL")
        // Not the reply: the right sender on the other SIM, another sender on the right SIM.
        #expect(await f.service.received(modemID: "a", iccid: simA, try deliver(from: "777", "Unused Credit: $1.00")))
        #expect(await f.service.received(modemID: "b", iccid: simB, try deliver(from: "+6421111222", "hi")))
        #expect(await f.service.received(modemID: "b", iccid: simB, try deliver(from: "777", "Unused Credit: $33.59\nExpiry date: 25/03/2003")))
        let exchange = try await asking.value
        #expect(exchange.reply?.text == "Unused Credit: $33.59\nExpiry date: 25/03/2003")
        #expect(exchange.request.peer == "777" && exchange.request.state == .sent && exchange.request.iccid == simB)
        // Every one of them is in the inbox as usual.
        #expect(try await f.service.list(modem: nil, direction: .inbound, since: nil, limit: 10).count == 3)
    }

    @Test("a reply that lands before +CMGS is answered, from a name matched without case")
    func replyBeforeWaiting() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA)])
        defer { f.remove() }
        // The modem answers +CMGS and the operator's SMS lands in the same breath.
        let reply = try deliver(from: "Balance", "Bal 5.00")
        f.modems.beforeAnswer.withLock { $0 = { _, _ in _ = await f.service.received(modemID: "a", iccid: simA, reply) } }
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let exchange = try await f.service.askOperator(iccid: simA, modemID: "a", to: "100", text: "B", replyFrom: "BALANCE", timeout: 60)
        #expect(exchange.reply?.text == "Bal 5.00")
    }

    @Test("no reply: the wait ends on the clock with the request as sent")
    func silentOperatorTimesOut() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA)])
        defer { f.remove() }
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let done = Mutex(false)
        let asking = Task {
            defer { done.withLock { $0 = true } }
            return try await f.service.askOperator(iccid: simA, modemID: "a", to: "777", text: "BAL", replyFrom: "777", timeout: 180)
        }
        try await eventually("request sent") { f.modems.count == 1 }
        try await eventually("waiting on the clock") { f.clock.sleeperCount > 0 }
        f.clock.advance(by: 179)
        try await Task.sleep(for: .milliseconds(100))
        #expect(!done.withLock { $0 })
        f.clock.advance(by: 1)
        let exchange = try await asking.value
        #expect(exchange.reply == nil && exchange.request.state == .sent)
    }

    @Test("a request the network refuses ends the wait at once, with the +CMS meaning")
    func refusedRequestEndsTheWait() async throws {
        let f = try SMSFixture.make(options: [.sim("a", simA)])
        defer { f.remove() }
        f.modems.script("a", [.rejected(cms: 21, text: "")])
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let exchange = try await f.service.askOperator(iccid: simA, modemID: "a", to: "777", text: "BAL", replyFrom: "777", timeout: 180)
        #expect(exchange.reply == nil && exchange.request.state == .failed)
        #expect(exchange.request.lastError == "a: +CMS ERROR: 21 (short message transfer rejected)")
    }

    @Test("SMS disabled: the request throws instead of waiting")
    func disabledThrows() async throws {
        let f = try SMSFixture.make(SMSConfig(enabled: false), options: [.sim("a", simA)])
        defer { f.remove() }
        await #expect(throws: SMSServiceError.disabled) {
            try await f.service.askOperator(iccid: simA, modemID: "a", to: "777", text: "BAL", replyFrom: "777", timeout: 1)
        }
    }

    @Test("+CMS ERROR 8 (barred SIM): the hook hears it, and the message leaves through the other SIM")
    func barredSIMIsReportedAndAvoided() async throws {
        let heard = Mutex<[String]>([])
        let f = try SMSFixture.make(SMSConfig(minIntervalSeconds: 0, retryInitialSeconds: 30),
                                    options: [.sim("a", simA, onNet: true), .sim("b", simB)],
                                    submitHook: { iccid, modem, result in heard.withLock { $0.append("\(modem) \(iccid) \(result)") } })
        defer { f.remove() }
        f.modems.script("a", [.rejected(cms: 8, text: "")])
        await f.service.start()
        defer { Task { await f.service.stop() } }
        let sms = try await f.service.send(SMSSendRequest(to: "+79161234567", text: "pickup at 9"))
        try await eventually("first attempt refused") { try await f.message(sms.id).lastCMS == 8 }
        #expect(try await f.message(sms.id).state == .queued)
        f.clock.advance(by: 30)
        try await eventually("sent on b") { try await f.message(sms.id).state == .sent }
        #expect(f.modems.modems == ["a", "b"])
        #expect(heard.withLock { $0 } == [
            "a \(simA) rejected(cms: 8, text: \"\")", "b \(simB) sent(messageReference: 1)",
        ])
    }
}
