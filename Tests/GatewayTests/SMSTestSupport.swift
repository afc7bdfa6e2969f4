// What the SMS service tests share: a clock the test moves, a modem played by a submit closure,
// and a service on a real SQLite file in a fresh directory.
import ControlModel
import Foundation
import Logging
import ModemCore
import SMSCore
import SimgateConfig
import Storage
import Synchronization

@testable import Gateway

/// Time moves only when the test says so; `sleep` waits for it (or for cancellation).
final class ManualSMSClock: SMSClock {
    private struct State {
        var now: Date
        var sleepers: [Int: (deadline: Date, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextID = 0
    }
    private let state: Mutex<State>

    init(_ start: Date) { state = Mutex(State(now: start)) }

    func now() -> Date { state.withLock { $0.now } }

    var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Date) async {
        let id = state.withLock { s -> Int in s.nextID += 1; return s.nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if deadline <= s.now || Task.isCancelled { return true }
                    s.sleepers[id] = (deadline, c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    func advance(by seconds: Double) {
        let due = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.now = s.now.addingTimeInterval(seconds)
            let ready = s.sleepers.filter { $0.value.deadline <= s.now }
            for key in ready.keys { s.sleepers.removeValue(forKey: key) }
            return ready.values.map(\.continuation)
        }
        for c in due { c.resume() }
    }
}

/// One AT+CMGS as the fake modem saw it.
struct SubmittedPDU: Sendable {
    var modem: String
    var hex: String
    var tpduLength: Int
    var at: Date
}

/// Plays the modems: records each submit and answers from a per-modem script, else `sent`
/// with the next TP-MR (as a modem increments it per segment).
final class SMSTestModems: Sendable {
    let submitted = Mutex<[SubmittedPDU]>([])
    let scripts = Mutex<[String: [SMSSubmitResult]]>([:])
    let nextMR = Mutex(0)
    /// Runs before a submit answers (the status-report race test uses it).
    let beforeAnswer = Mutex<(@Sendable (String, Int) async -> Void)?>(nil)

    func script(_ modem: String, _ results: [SMSSubmitResult]) { scripts.withLock { $0[modem] = results } }

    func submit(clock: ManualSMSClock) -> SMSService.Submit {
        { modem, pdu, length in
            self.submitted.withLock { $0.append(SubmittedPDU(modem: modem, hex: HexText.string(pdu), tpduLength: length, at: clock.now())) }
            let scripted = self.scripts.withLock { s -> SMSSubmitResult? in
                guard var list = s[modem], !list.isEmpty else { return nil }
                let first = list.removeFirst()
                s[modem] = list
                return first
            }
            let result = scripted ?? .sent(messageReference: self.nextMR.withLock { $0 += 1; return $0 % 256 })
            if case let .sent(mr) = result, let hook = self.beforeAnswer.withLock({ $0 }) { await hook(modem, mr) }
            return result
        }
    }

    var count: Int { submitted.withLock { $0.count } }
    var modems: [String] { submitted.withLock { $0.map(\.modem) } }
}

/// The SIMs the router offers; a test may change them between sends.
final class SMSOptionList: Sendable {
    let list: Mutex<[SMSSIMOption]>
    init(_ options: [SMSSIMOption]) { list = Mutex(options) }
}

let smsT0 = Date(timeIntervalSince1970: 1_740_830_400)   // 2025-03-01 12:00:00 UTC

struct SMSFixture {
    let directory: String
    let storage: Storage
    let clock: ManualSMSClock
    let modems: SMSTestModems
    let options: SMSOptionList
    let service: SMSService

    static let hook = WebhookConfig(name: "crm", url: "http://127.0.0.1:9/x", host: "127.0.0.1", port: 9, path: "/x",
                                    secret: SecretString("0123456789abcdef0123"))

    static func make(_ config: SMSConfig = SMSConfig(minIntervalSeconds: 0), options: [SMSSIMOption],
                     directory: String? = nil, clock: ManualSMSClock? = nil, modems: SMSTestModems? = nil,
                     submitHook: SMSService.SubmitHook? = nil, onInbound: (@Sendable (SMSMessage) -> Void)? = nil) throws -> SMSFixture {
        let directory = directory ?? "/tmp/sgt-sms-\(UInt32.random(in: 0...UInt32.max))"
        let storage = try Storage.open(stateDirectory: directory)
        let clock = clock ?? ManualSMSClock(smsT0)
        let modems = modems ?? SMSTestModems()
        let box = SMSOptionList(options)
        let service = SMSService(
            config: config, storage: storage, outbox: WebhookOutbox(webhooks: [hook]), wakeWebhooks: {},
            timeZone: TimeZone(identifier: "Europe/Moscow")!,
            candidates: { number, _ in
                SMSRoute(number: number.hasPrefix("+") || number.count < 6 ? number : "+" + number, options: box.list.withLock { $0 })
            },
            logger: Logger(label: "sms-test"), clock: clock, submitHook: submitHook, onInbound: onInbound,
            submit: modems.submit(clock: clock))
        return SMSFixture(directory: directory, storage: storage, clock: clock, modems: modems, options: box, service: service)
    }

    func message(_ id: Int64) async throws -> SMSMessage { try await service.message(id: id) }

    /// The sms.* events queued for the webhook, oldest first: (type, state).
    func events() async throws -> [(String, String)] {
        try await storage.read { tx in try tx.webhookDeliveries(states: [.pending], limit: 1000) }
            .sorted { $0.id < $1.id }
            .map { item in
                let body = try JSONSerialization.jsonObject(with: Data(item.body)) as! [String: Any]
                let data = body["data"] as! [String: Any]
                return (item.eventType, data["state"] as! String)
            }
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

extension SMSSIMOption {
    static func sim(_ modem: String, _ iccid: String, onNet: Bool = false, price: Decimal? = nil, perDay: Int? = nil,
                    interval: Double? = nil) -> SMSSIMOption {
        SMSSIMOption(modemID: modem, iccid: iccid, onNet: onNet, price: price, smsPerDay: perDay, minIntervalSeconds: interval)
    }
}

/// An SMS-STATUS-REPORT PDU (SMSC field first) as a modem reads it.
func statusReportPDU(mr: Int, to recipient: String, status: UInt8) -> [UInt8] {
    let time = SMSTimestamp(secondsSince1970: 1_740_830_460, utcOffsetMinutes: 180)
    let report = SMSStatusReport(smsc: SMSAddress("+79168999100"), messageReference: mr, recipient: SMSAddress(recipient),
                                 serviceCentreTime: time, dischargeTime: time, status: DeliveryStatus(raw: status))
    return try! HexText.octets(report.encoded().hex)
}

func received(_ octets: [UInt8]) -> ReceivedSMSPDU {
    ReceivedSMSPDU(pdu: octets, slot: SMSStorageSlot(storage: "SM", index: 0), status: 0, isStatusReport: false)
}
