// The missed-call list's rules: who is one entry, when a repeat call joins it, what may be
// done to it in which state.
@testable import CallCore
import ControlModel
import Foundation
import SimgateConfig
import Testing

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
