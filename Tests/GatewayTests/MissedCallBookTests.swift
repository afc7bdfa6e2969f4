// The missed-call list's rules (pure) and the service that applies them in SQLite with the
// webhook events in the same transaction.
import ControlModel
import Foundation
import SimgateConfig
import Storage
import Testing
@testable import Gateway

private let t0 = Date(timeIntervalSince1970: 1_760_000_000)

private func call(_ caller: String?, at start: Double, waited: Double = 20, reason: MissedCallReason = .rangOut,
                  sim: String = "huawei1") -> MissedCall {
    MissedCall(caller: caller, sim: sim, line: "+79160000002", startedAt: t0.addingTimeInterval(start),
               endedAt: t0.addingTimeInterval(start + waited), reason: reason)
}

@Suite("MissedCallBook: rules of the missed-call list")
struct MissedCallBookTests {
    @Test func callerKeysMatchFormattingAndRejectWithheld() {
        #expect(MissedCallBook.callerKey("+7 (916) 123-45-67") == "+79161234567")
        #expect(MissedCallBook.callerKey(" 89161234567") == "89161234567")
        for withheld in [nil, "", "Restricted", "anonymous", "+", "12+3", "123456789012345678901"] as [String?] {
            #expect(MissedCallBook.callerKey(withheld) == nil, "\(String(describing: withheld))")
        }
    }

    @Test func repeatedCallsFromOneNumberAddToTheOpenEntry() throws {
        let first = MissedCallBook.record(call("+79161234567", at: 0, waited: 25), into: nil)
        #expect(first.callCount == 1 && first.status == .new && first.waitedSeconds == 25)
        var stored = first
        stored.id = 7
        let second = MissedCallBook.record(call("+7 916 123 45 67", at: 300, waited: 40, reason: .callerHungUpQueued, sim: "quectel1"), into: stored)
        #expect(second.id == 7)
        #expect(second.callCount == 2)
        #expect(second.waitedSeconds == 65)
        #expect(second.firstAt == t0 && second.lastAt == t0.addingTimeInterval(340))
        #expect(second.reason == .callerHungUpQueued)
        #expect(second.sim == "quectel1")
    }

    @Test func withheldCallersAndClosedEntriesStartNewEntries() {
        var withheld = MissedCallBook.record(call(nil, at: 0), into: nil)
        withheld.id = 1
        #expect(withheld.caller == nil)
        #expect(MissedCallBook.record(call(nil, at: 60), into: withheld).id == 0)
        var closed = MissedCallBook.record(call("+79161234567", at: 0), into: nil)
        closed.id = 2
        closed.status = .closed
        let fresh = MissedCallBook.record(call("+79161234567", at: 60), into: closed)
        #expect(fresh.id == 0 && fresh.callCount == 1)
    }

    @Test func statusMovesForwardAndOwnershipIsKept() throws {
        var e = MissedCallBook.record(call("+79161234567", at: 0), into: nil)
        e.id = 3
        let claimed = try MissedCallBook.claim(e, by: "alice", at: t0.addingTimeInterval(60))
        #expect(claimed.status == .claimed && claimed.claimedBy == "alice")
        #expect(try MissedCallBook.claim(claimed, by: "alice", at: t0.addingTimeInterval(90)) == claimed)
        #expect(throws: MissedCallRuleError.claimedByOther(id: 3, user: "alice")) {
            try MissedCallBook.claim(claimed, by: "bob", at: t0)
        }
        #expect(throws: MissedCallRuleError.emptyUser) { try MissedCallBook.claim(e, by: "  ", at: t0) }
        let called = MissedCallBook.callbackAttempted(claimed, by: "alice", result: "no-answer", at: t0.addingTimeInterval(120))
        #expect(called.status == .calledBack && called.callbackResult == "no-answer")
        // A callback does not fall back to "claimed" when claimed again.
        #expect(try MissedCallBook.claim(called, by: "alice", at: t0).status == .calledBack)
        let closed = try MissedCallBook.close(called, note: "spoke later by SMS", by: nil, at: t0.addingTimeInterval(200))
        #expect(closed.status == .closed && closed.closedBy == "alice" && closed.note == "spoke later by SMS")
        #expect(throws: MissedCallRuleError.closed(id: 3)) { try MissedCallBook.close(closed, note: "x", by: "bob", at: t0) }
        #expect(throws: MissedCallRuleError.closed(id: 3)) { try MissedCallBook.claim(closed, by: "bob", at: t0) }
        #expect(throws: MissedCallRuleError.noteTooLong(limit: 2000)) {
            try MissedCallBook.close(e, note: String(repeating: "x", count: 2001), by: "bob", at: t0)
        }
        var withheld = MissedCallBook.record(call(nil, at: 0), into: nil)
        withheld.id = 4
        #expect(throws: MissedCallRuleError.withheldCaller(id: 4)) { try MissedCallBook.requestCallback(withheld, by: "bob", at: t0) }
    }

    @Test func customerReachedClosesAutomatically() {
        let e = MissedCallBook.record(call("+79161234567", at: 0), into: nil)
        let closed = MissedCallBook.customerReached(e, how: "answered inbound call by bob", at: t0.addingTimeInterval(600))
        #expect(closed.status == .closed && closed.closedBy == "auto" && closed.note == "answered inbound call by bob")
        #expect(MissedCallBook.customerReached(closed, how: "again", at: t0.addingTimeInterval(700)) == closed)
    }
}

/// A clock tests move by hand.
final class VirtualClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { self.now } }
}

import Synchronization

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
}
