// The missed-call list as the rest of the gateway uses it: every change goes through
// MissedCallBook's rules inside one transaction, together with its history line and the
// webhook events that announce it.
import CallCore
import ControlModel
import Foundation
import Logging
import Storage

public enum MissedCallServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(id: Int64)
    case rule(MissedCallRuleError)

    public var description: String {
        switch self {
        case .notFound(let id): "no missed call \(id) (try `simgate missed`)"
        case .rule(let e): e.description
        }
    }
}

public final class MissedCallService: Sendable {
    let storage: Storage
    let outbox: WebhookOutbox
    let clock: @Sendable () -> Date
    /// Called after a commit that queued webhook deliveries (wakes the delivery worker).
    let onEnqueued: @Sendable () -> Void

    public init(storage: Storage, outbox: WebhookOutbox, clock: @escaping @Sendable () -> Date = Date.init,
                onEnqueued: @escaping @Sendable () -> Void = {}) {
        self.storage = storage; self.outbox = outbox; self.clock = clock; self.onEnqueued = onEnqueued
    }

    /// Records one unanswered inbound call: a new entry, or one more call on the caller's
    /// open entry. Sends call.missed and missed.updated.
    @discardableResult
    public func record(_ call: MissedCall) async throws -> MissedCallEntry {
        let now = clock(), outbox = self.outbox
        let entry = try await storage.transaction { tx in try Self.record(call, outbox: outbox, now: now, in: tx) }
        onEnqueued()
        return entry
    }

    /// `record(_:)` inside the caller's transaction (the start-up close of interrupted calls
    /// lists their callers in the transaction that closes their records). The caller wakes
    /// the webhook worker after the commit (`wakeWebhooks`).
    @discardableResult
    static func record(_ call: MissedCall, outbox: WebhookOutbox, now: Date, in tx: StorageTransaction) throws -> MissedCallEntry {
        let open = try MissedCallBook.callerKey(call.caller).flatMap { try Self.openEntry(for: $0, tx) }
        var entry = MissedCallBook.record(call, into: open)
        if open == nil { entry = try tx.insertMissedCall(entry) } else { try tx.updateMissedCall(entry) }
        try tx.appendHistory(missedCallID: entry.id, MissedCallHistoryItem(
            at: call.endedAt, kind: "missed", result: call.reason.rawValue,
            detail: "\(call.reason.rawValue) after \(Int(call.waitedSeconds.rounded())) s on \(call.sim)"))
        try outbox.enqueue(WebhookEvent.missed(entry, type: .callMissed, at: now), in: tx)
        try outbox.enqueue(WebhookEvent.missed(entry, at: now), in: tx)
        return entry
    }

    /// Wakes the webhook worker (after a commit elsewhere that queued deliveries).
    func wakeWebhooks() { onEnqueued() }

    public func claim(id: Int64, user: String) async throws -> MissedCallEntry {
        try await change(id: id) { entry, now in
            let e = try MissedCallBook.claim(entry, by: user, at: now)
            return (e, e == entry ? nil : MissedCallHistoryItem(at: now, kind: "claimed", user: user, detail: "claimed by \(user)"))
        }
    }

    /// Claims the entry for `user` if needed and creates a pending callback task for the
    /// call bridge (or the recall job) to dial.
    public func requestCallback(id: Int64, user: String, kind: String = "manual") async throws -> (MissedCallEntry, CallbackTaskInfo) {
        let now = clock(), outbox = self.outbox
        let result: (MissedCallEntry, CallbackTaskInfo) = try await storage.transaction { tx in
            guard let entry = try tx.missedCall(id: id) else { throw MissedCallServiceError.notFound(id: id) }
            let updated: MissedCallEntry
            do { updated = try MissedCallBook.requestCallback(entry, by: user, at: now) } catch let e as MissedCallRuleError { throw MissedCallServiceError.rule(e) }
            if updated != entry { try tx.updateMissedCall(updated) }
            let task = try tx.insertCallbackTask(missedCallID: id, user: user, kind: kind, at: now)
            try tx.appendHistory(missedCallID: id, MissedCallHistoryItem(
                at: now, kind: "callback-requested", user: user, detail: "\(kind) callback #\(task.id) for \(user)"))
            if updated != entry { try outbox.enqueue(WebhookEvent.missed(updated, at: now), in: tx) }
            return (updated, task)
        }
        onEnqueued()
        return result
    }

    /// Records how one attempt of a callback task went (the bridge or the recall job calls this).
    @discardableResult
    public func recordCallbackAttempt(taskID: Int64, outcome: CallbackOutcome, final: Bool) async throws -> MissedCallEntry? {
        let now = clock(), outbox = self.outbox
        let entry: MissedCallEntry? = try await storage.transaction { tx in
            guard let task = try tx.callbackTask(id: taskID) else { return nil }
            let state: CallbackTaskInfo.State = outcome.reachedCustomer ? .succeeded : (final ? .failed : .pending)
            try tx.updateCallbackTask(id: taskID, state: state, attempts: task.attempts + 1, lastResult: outcome.rawValue, at: now)
            guard let entry = try tx.missedCall(id: task.missedCallID) else { return nil }
            let updated = MissedCallBook.callbackAttempted(entry, by: task.user, result: outcome.rawValue, at: now)
            try tx.appendHistory(missedCallID: entry.id, MissedCallHistoryItem(
                at: now, kind: task.kind == "recall" ? "recall" : "callback", user: task.user, result: outcome.rawValue,
                detail: "attempt \(task.attempts + 1) of \(task.kind) callback #\(taskID): \(outcome.rawValue)"))
            if updated != entry {
                try tx.updateMissedCall(updated)
                try outbox.enqueue(WebhookEvent.missed(updated, at: now), in: tx)
            }
            return updated
        }
        onEnqueued()
        return entry
    }

    public func close(id: Int64, note: String, user: String?) async throws -> MissedCallEntry {
        try await change(id: id) { entry, now in
            let e = try MissedCallBook.close(entry, note: note, by: user, at: now)
            return (e, MissedCallHistoryItem(at: now, kind: "closed", user: e.closedBy, detail: note))
        }
    }

    /// The customer at `number` got through (answered inbound call, or answered outbound call
    /// to them): their open entry, if any, closes (matched across national and international
    /// formats, see MissedCallBook.sameCustomer). Returns the closed entry.
    @discardableResult
    public func customerReached(number: String, how: String) async throws -> MissedCallEntry? {
        guard let key = MissedCallBook.callerKey(number) else { return nil }
        let now = clock(), outbox = self.outbox
        let entry: MissedCallEntry? = try await storage.transaction { tx in
            guard let open = try Self.openEntry(for: key, tx) else { return nil }
            let closed = MissedCallBook.customerReached(open, how: how, at: now)
            try tx.updateMissedCall(closed)
            for task in try tx.callbackTasks(states: [.pending], missedCallID: open.id) {
                try tx.updateCallbackTask(id: task.id, state: .cancelled, attempts: task.attempts, lastResult: "customer reached", at: now)
            }
            try tx.appendHistory(missedCallID: open.id, MissedCallHistoryItem(at: now, kind: "closed", user: "auto", detail: how))
            try outbox.enqueue(WebhookEvent.missed(closed, at: now), in: tx)
            return closed
        }
        if entry != nil { onEnqueued() }
        return entry
    }

    /// The customer's open entry: the exact number first, else the same number in another
    /// format (MissedCallBook.sameCustomer).
    static func openEntry(for key: String, _ tx: StorageTransaction) throws -> MissedCallEntry? {
        if let exact = try tx.openMissedCall(caller: key) { return exact }
        return try tx.openMissedCalls(callerEndingWith: MissedCallBook.matchingSuffix(key))
            .first { $0.caller.map { MissedCallBook.sameCustomer($0, key) } ?? false }
    }

    public func list(status: MissedCallStatus?, since: Date?, limit: Int = 500) async throws -> [MissedCallEntry] {
        try await storage.read { tx in try tx.missedCalls(status: status, since: since, limit: limit) }
    }

    /// One entry with its history.
    public func entry(id: Int64) async throws -> MissedCallEntry {
        try await storage.read { tx in
            guard var e = try tx.missedCall(id: id) else { throw MissedCallServiceError.notFound(id: id) }
            e.history = try tx.history(missedCallID: id)
            return e
        }
    }

    public func pendingCallbacks() async throws -> [CallbackTaskInfo] {
        try await storage.read { tx in try tx.callbackTasks(states: [.pending]) }
    }

    /// Loads, applies `rule`, stores, writes the history line and missed.updated, in one go.
    private func change(id: Int64, _ rule: @escaping @Sendable (MissedCallEntry, Date) throws -> (MissedCallEntry, MissedCallHistoryItem?)) async throws -> MissedCallEntry {
        let now = clock(), outbox = self.outbox
        let (entry, changed): (MissedCallEntry, Bool) = try await storage.transaction { tx in
            guard let entry = try tx.missedCall(id: id) else { throw MissedCallServiceError.notFound(id: id) }
            let (updated, history): (MissedCallEntry, MissedCallHistoryItem?)
            do { (updated, history) = try rule(entry, now) } catch let e as MissedCallRuleError { throw MissedCallServiceError.rule(e) }
            guard updated != entry else { return (entry, false) }
            try tx.updateMissedCall(updated)
            if let history { try tx.appendHistory(missedCallID: id, history) }
            try outbox.enqueue(WebhookEvent.missed(updated, at: now), in: tx)
            return (updated, true)
        }
        if changed { onEnqueued() }
        return entry
    }
}
