// The missed-call tables and the webhook outbox, through StorageTransaction.
import ControlModel
import Foundation
import GRDB
import Testing
@testable import Storage

@Suite("Storage: missed calls and webhook outbox")
struct MissedCallStorageTests {
    func entry(_ caller: String?, status: MissedCallStatus = .new) -> MissedCallEntry {
        MissedCallEntry(id: 0, caller: caller, sim: "huawei1", line: "+79160000002", firstAt: t0, lastAt: t0.addingTimeInterval(20),
                        waitedSeconds: 20, reason: .rangOut, callCount: 1, status: status)
    }

    @Test func insertFindUpdateAndList() async throws {
        let storage = try Storage.inMemory()
        let stored = try await storage.transaction { tx in try tx.insertMissedCall(self.entry("+79161234567")) }
        #expect(stored.id > 0)
        let open = try await storage.read { tx in try tx.openMissedCall(caller: "+79161234567") }
        #expect(open == stored)
        var closed = stored
        closed.status = .closed
        closed.closedAt = t0.addingTimeInterval(60)
        closed.closedBy = "auto"
        let closedEntry = closed
        try await storage.transaction { tx in try tx.updateMissedCall(closedEntry) }
        #expect(try await storage.read { tx in try tx.openMissedCall(caller: "+79161234567") } == nil)
        #expect(try await storage.read { tx in try tx.missedCalls(status: .closed, since: nil, limit: 10) } == [closed])
        #expect(try await storage.read { tx in try tx.missedCalls(status: .new, since: nil, limit: 10) } == [])
        #expect(try await storage.read { tx in try tx.missedCalls(status: nil, since: t0.addingTimeInterval(21), limit: 10) } == [])
    }

    /// The database itself refuses a second open entry for one caller; withheld callers
    /// (NULL) may have any number; a closed entry does not block a new one.
    @Test func oneOpenEntryPerCallerIsEnforcedBySQLite() async throws {
        let storage = try Storage.inMemory()
        _ = try await storage.transaction { tx in try tx.insertMissedCall(self.entry("+79161234567")) }
        await #expect(throws: DatabaseError.self) {
            _ = try await storage.transaction { tx in try tx.insertMissedCall(self.entry("+79161234567")) }
        }
        _ = try await storage.transaction { tx in try tx.insertMissedCall(self.entry("+79161234567", status: .closed)) }
        _ = try await storage.transaction { tx in try tx.insertMissedCall(self.entry(nil)) }
        _ = try await storage.transaction { tx in try tx.insertMissedCall(self.entry(nil)) }
        #expect(try await storage.read { tx in try tx.missedCalls(status: nil, since: nil, limit: 100) }.count == 4)
    }

    @Test func historyAndCallbackTasks() async throws {
        let storage = try Storage.inMemory()
        let e = try await storage.transaction { tx in try tx.insertMissedCall(self.entry("+79161234567")) }
        let task = try await storage.transaction { tx in
            try tx.appendHistory(missedCallID: e.id, MissedCallHistoryItem(at: t0, kind: "missed", result: "rang-out", detail: "a"))
            try tx.appendHistory(missedCallID: e.id, MissedCallHistoryItem(at: t0.addingTimeInterval(5), kind: "claimed", user: "alice", detail: "b"))
            return try tx.insertCallbackTask(missedCallID: e.id, user: "alice", kind: "manual", at: t0)
        }
        #expect(try await storage.read { tx in try tx.history(missedCallID: e.id) }.map(\.kind) == ["missed", "claimed"])
        #expect(try await storage.read { tx in try tx.callbackTasks(states: [.pending]) } == [task])
        try await storage.transaction { tx in
            try tx.updateCallbackTask(id: task.id, state: .failed, attempts: 3, lastResult: "no-answer", at: t0)
        }
        let after = try #require(try await storage.read { tx in try tx.callbackTask(id: task.id) })
        #expect(after.state == .failed && after.attempts == 3 && after.lastResult == "no-answer")
        #expect(try await storage.read { tx in try tx.callbackTasks(states: [.pending]) } == [])
    }

    @Test func outboxQueuesOncePerWebhookAndEventAndOrdersByDueTime() async throws {
        let storage = try Storage.inMemory()
        @Sendable func item(_ hook: String, _ event: String, at: Date) -> WebhookOutboxItem {
            WebhookOutboxItem(webhook: hook, url: "http://127.0.0.1:1/x", eventID: event, eventType: "call.missed",
                              body: Array("{}".utf8), createdAt: at)
        }
        let added = try await storage.transaction { tx in
            [try tx.enqueueWebhook(item("crm", "e1", at: t0)), try tx.enqueueWebhook(item("crm", "e1", at: t0)),
             try tx.enqueueWebhook(item("bot", "e1", at: t0)), try tx.enqueueWebhook(item("crm", "e2", at: t0.addingTimeInterval(1)))]
        }
        #expect(added == [true, false, true, true])
        let due = try await storage.read { tx in try tx.dueWebhookDeliveries(now: t0, limit: 10) }
        #expect(due.map(\.eventID) == ["e1", "e1"])
        try await storage.transaction { tx in
            try tx.markWebhookAttemptFailed(id: due[0].id, attempts: 1, error: "HTTP 503", nextAttemptAt: t0.addingTimeInterval(30))
            try tx.markWebhookDelivered(id: due[1].id, attempts: 1, at: t0)
        }
        #expect(try await storage.read { tx in try tx.nextWebhookDue() } == t0.addingTimeInterval(1))
        #expect(try await storage.read { tx in try tx.dueWebhookDeliveries(now: t0.addingTimeInterval(29), limit: 10) }.map(\.eventID) == ["e2"])
        try await storage.transaction { tx in
            try tx.markWebhookAttemptFailed(id: due[0].id, attempts: 2, error: "HTTP 503", nextAttemptAt: nil)
        }
        let listed = try await storage.read { tx in try tx.webhookDeliveries(states: [.pending, .failed], limit: 10) }
        #expect(listed.map(\.state) == [.failed, .pending])
        #expect(listed[0].lastError == "HTTP 503" && listed[0].attempts == 2)
        #expect(try await storage.read { tx in try tx.webhookDeliveryCount(state: .delivered) } == 1)
    }
}
