// The service that applies the missed-call list's rules (CallCore.MissedCallBook) in SQLite,
// with the webhook events in the same transaction.
import CallCore
import ControlModel
import Foundation
import SimgateConfig
import Storage
import TestSupport
import Testing
@testable import Gateway

private let t0 = Date(timeIntervalSince1970: 1_760_000_000)
private func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }

private func call(_ caller: String?, at start: Double, waited: Double = 20, reason: MissedCallReason = .rangOut,
                  sim: String = "huawei1") -> MissedCall {
    MissedCall(caller: caller, sim: sim, line: "+79160000002", startedAt: t0.addingTimeInterval(start),
               endedAt: t0.addingTimeInterval(start + waited), reason: reason)
}

@Suite("MissedCallService: the list in SQLite, with events")
struct MissedCallServiceTests {
    let hook = WebhookConfig(name: "crm", url: "http://127.0.0.1:9/x", host: "127.0.0.1", port: 9, path: "/x",
                             secret: SecretString("0123456789abcdef"))

    func make() throws -> (MissedCallService, Storage, VirtualClock) {
        let storage = try Storage.inMemory()
        let clock = VirtualClock(t0.addingTimeInterval(100))
        return (MissedCallService(storage: storage, outbox: WebhookOutbox(webhooks: [hook]), clock: clock.function), storage, clock)
    }

    func queued(_ storage: Storage) async throws -> [WebhookOutboxItem] {
        try await storage.read { tx in try tx.webhookDeliveries(states: [.pending], limit: 100) }
    }

    @Test func oneEntryPerCallerUntilTheyGetThrough() async throws {
        let (service, storage, clock) = try make()
        let a = try await service.record(call("+79161234567", at: 0))
        let b = try await service.record(call("89161234567", at: 60, reason: .callerHungUpRinging))
        let c = try await service.record(call("+79161234567", at: 120, reason: .queueTimeout))
        // The national form the network sometimes presents is the same customer.
        #expect(a.id == b.id && b.id == c.id)
        #expect(c.callCount == 3 && c.caller == "+79161234567")
        let w1 = try await service.record(call(nil, at: 130))
        let w2 = try await service.record(call(nil, at: 140))
        #expect(w1.id != w2.id)

        clock.advance(300)
        let closed = try #require(try await service.customerReached(number: "+7 916 123-45-67", how: "answered inbound call (alice)"))
        #expect(closed.id == a.id && closed.status == .closed && closed.closedBy == "auto")
        #expect(try await service.customerReached(number: "+79161234567", how: "again") == nil)
        let fresh = try await service.record(call("+79161234567", at: 900))
        #expect(fresh.id != a.id && fresh.callCount == 1)

        let detail = try await service.entry(id: a.id)
        #expect(detail.history?.map(\.kind) == ["missed", "missed", "missed", "closed"])
        #expect(detail.history?.map(\.result) == ["rang-out", "caller-hung-up-ringing", "queue-timeout", nil])

        // Every missed call gave call.missed + missed.updated; the close one more missed.updated.
        let events = try await queued(storage)
        #expect(events.filter { $0.eventType == "call.missed" }.count == 6)
        #expect(events.filter { $0.eventType == "missed.updated" }.count == 7)
        #expect(Set(events.map(\.eventID)).count == 13)
        let lastBody = try #require(events.last?.body)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(lastBody)) as? [String: Any])
        #expect(json["type"] as? String == "missed.updated")
        #expect((json["data"] as? [String: Any])?["caller"] as? String == "+79161234567")
    }

    @Test func customerReachedMatchesNationalAndInternationalForms() async throws {
        let (service, _, _) = try make()
        let e = try await service.record(call("+79161234567", at: 0))
        let short = try await service.record(call("0112", at: 0))
        #expect(try await service.customerReached(number: "9161234567000", how: "x") == nil)   // different last 10 digits
        #expect(try await service.customerReached(number: "112", how: "x") == nil)            // short numbers match whole
        let closed = try #require(try await service.customerReached(number: "8 (916) 123-45-67", how: "answered outbound call"))
        #expect(closed.id == e.id)
        #expect(try await service.customerReached(number: "0112", how: "x")?.id == short.id)
        #expect(MissedCallBook.sameCustomer("+380671234567", "0671234567"))
        #expect(!MissedCallBook.sameCustomer("+79161234567", "+79161234568"))
    }

    @Test func claimCallbackAndCloseWithTasks() async throws {
        let (service, storage, clock) = try make()
        let e = try await service.record(call("+79161234567", at: 0))
        let claimed = try await service.claim(id: e.id, user: "alice")
        #expect(claimed.status == .claimed)
        await #expect(throws: MissedCallServiceError.rule(.claimedByOther(id: e.id, user: "alice"))) {
            try await service.requestCallback(id: e.id, user: "bob")
        }
        await #expect(throws: MissedCallServiceError.notFound(id: 999)) { try await service.claim(id: 999, user: "alice") }
        clock.advance(30)
        let (_, task) = try await service.requestCallback(id: e.id, user: "alice")
        #expect(task.state == .pending && task.user == "alice" && task.kind == "manual")
        #expect(try await service.pendingCallbacks() == [task])
        let afterTry = try #require(try await service.recordCallbackAttempt(taskID: task.id, outcome: .customerBusy, final: false))
        #expect(afterTry.status == .calledBack && afterTry.callbackResult == "busy")
        #expect(try await service.pendingCallbacks().map(\.attempts) == [1])
        // The customer calls in and is answered: the entry closes and the callback is cancelled.
        _ = try await service.customerReached(number: "+79161234567", how: "answered inbound call (bob)")
        #expect(try await service.pendingCallbacks() == [])
        await #expect(throws: MissedCallServiceError.rule(.closed(id: e.id))) { try await service.close(id: e.id, note: "x", user: nil) }
        let history = try await service.entry(id: e.id).history ?? []
        #expect(history.map(\.kind) == ["missed", "claimed", "callback-requested", "callback", "closed"])
        // No-op claims write no event: 2 (missed) + claim + callback + close.
        #expect(try await queued(storage).count == 5)
    }

    /// The scheduler, the missed-call list and a dialer that fails twice then connects:
    /// each attempt lands in the entry's history.
    @Test func everyAttemptIsRecordedOnTheEntry() async throws {
        let storage = try Storage.inMemory()
        let clock = VirtualClock(t0)
        let service = MissedCallService(storage: storage, outbox: WebhookOutbox(webhooks: []), clock: clock.function)
        let entry = try await service.record(MissedCall(caller: "+79161234567", sim: "huawei1", startedAt: t0.addingTimeInterval(-20),
                                                         endedAt: t0, reason: .rangOut))
        var scheduler = RecallScheduler()
        scheduler.add(RecallScheduler.Plan(missedCallID: entry.id, customer: "+79161234567", dispatchers: .ringGroup("day"),
                                           sim: "huawei1", missedAt: t0, delaysSeconds: [60, 300, 900]), now: t0)
        let outcomes: [CallbackOutcome] = [.dispatcherNoAnswer, .customerBusy, .connected]
        var started: [Date] = []
        var final: [RecallScheduler.Action] = []
        while let due = scheduler.nextDeadline {
            clock.advance(due.timeIntervalSince(clock.now))
            for case .startAttempt(let p, let attempt) in scheduler.tick(now: clock.now) {
                started.append(clock.now)
                let (_, task) = try await service.requestCallback(id: p.missedCallID, user: "recall", kind: "recall")
                clock.advance(40)
                let outcome = outcomes[attempt - 1]
                try await service.recordCallbackAttempt(taskID: task.id, outcome: outcome, final: true)
                final += scheduler.attemptFinished(p.missedCallID, outcome: outcome, now: clock.now)
            }
        }
        #expect(started == [at(60), at(300), at(900)])
        #expect(final == [.succeeded(missedCallID: entry.id, attempts: 3)])
        let history = try await service.entry(id: entry.id).history ?? []
        #expect(history.filter { $0.kind == "recall" }.map(\.result) == ["dispatcher-no-answer", "busy", "connected"])
        #expect(try await service.entry(id: entry.id).callbackResult == "connected")
    }
}
