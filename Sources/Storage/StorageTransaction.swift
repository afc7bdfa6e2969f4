// One database transaction as the gateway sees it: typed operations on the missed-call list,
// callback tasks and the webhook outbox, so that a change and the events announcing it are
// written together (or not at all) without the gateway importing GRDB.
import ControlModel
import Foundation
import GRDB

public struct StorageTransaction {
    let db: Database

    // MARK: Missed calls

    /// The open (not closed) entry for `caller`, if any. Withheld callers have none.
    public func openMissedCall(caller: String) throws -> MissedCallEntry? {
        try MissedCallRow.filter(Column("caller") == caller && Column("status") != MissedCallStatus.closed.rawValue)
            .fetchOne(db)?.entry
    }

    /// Open entries whose caller ends with `digits` (the national significant number):
    /// "+79161234567" and "89161234567" are one customer.
    public func openMissedCalls(callerEndingWith digits: String) throws -> [MissedCallEntry] {
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return [] }
        return try MissedCallRow.filter(Column("status") != MissedCallStatus.closed.rawValue && Column("caller").like("%" + digits))
            .fetchAll(db).map(\.entry)
    }

    public func missedCall(id: Int64) throws -> MissedCallEntry? {
        try MissedCallRow.fetchOne(db, key: id)?.entry
    }

    /// Inserts `entry` (its `id` is ignored) and returns it with the id assigned.
    public func insertMissedCall(_ entry: MissedCallEntry) throws -> MissedCallEntry {
        var row = MissedCallRow(entry)
        row.id = nil
        try row.insert(db)
        return row.entry
    }

    public func updateMissedCall(_ entry: MissedCallEntry) throws {
        try MissedCallRow(entry).update(db)
    }

    public func appendHistory(missedCallID: Int64, _ item: MissedCallHistoryItem) throws {
        var row = MissedCallHistoryRow(id: nil, missedCallID: missedCallID, at: item.at, kind: item.kind, user: item.user,
                                       result: item.result, detail: item.detail)
        try row.insert(db)
    }

    public func history(missedCallID: Int64) throws -> [MissedCallHistoryItem] {
        try MissedCallHistoryRow.filter(Column("missed_call_id") == missedCallID)
            .order(Column("at"), Column("id")).fetchAll(db).map(\.item)
    }

    /// Newest activity first. `limit` is clamped to 0...10000 so one request cannot pull an
    /// unbounded table into memory.
    public func missedCalls(status: MissedCallStatus?, since: Date?, limit: Int) throws -> [MissedCallEntry] {
        var request = MissedCallRow.all()
        if let status { request = request.filter(Column("status") == status.rawValue) }
        if let since { request = request.filter(Column("last_at") >= since) }
        return try request.order(Column("last_at").desc, Column("id").desc)
            .limit(min(max(limit, 0), 10_000)).fetchAll(db).map(\.entry)
    }

    // MARK: Callback tasks

    public func insertCallbackTask(missedCallID: Int64, user: String, kind: String, at now: Date) throws -> CallbackTaskInfo {
        var row = CallbackTaskRow(id: nil, missedCallID: missedCallID, user: user, kind: kind, state: CallbackTaskInfo.State.pending.rawValue,
                                  attempts: 0, createdAt: now, updatedAt: now, lastResult: nil)
        try row.insert(db)
        return row.info
    }

    public func callbackTask(id: Int64) throws -> CallbackTaskInfo? {
        try CallbackTaskRow.fetchOne(db, key: id)?.info
    }

    public func updateCallbackTask(id: Int64, state: CallbackTaskInfo.State, attempts: Int, lastResult: String?, at now: Date) throws {
        try db.execute(sql: "UPDATE callback_task SET state = ?, attempts = ?, last_result = ?, updated_at = ? WHERE id = ?",
                       arguments: [state.rawValue, attempts, lastResult, now, id])
    }

    /// Tasks in `states`, oldest first.
    public func callbackTasks(states: [CallbackTaskInfo.State], missedCallID: Int64? = nil) throws -> [CallbackTaskInfo] {
        var request = CallbackTaskRow.filter(states.map(\.rawValue).contains(Column("state")))
        if let missedCallID { request = request.filter(Column("missed_call_id") == missedCallID) }
        return try request.order(Column("created_at"), Column("id")).fetchAll(db).map(\.info)
    }

    // MARK: Webhook outbox

    /// Queues one delivery; the same (webhook, event) queued again is ignored. Returns
    /// whether a row was added.
    @discardableResult
    public func enqueueWebhook(_ item: WebhookOutboxItem) throws -> Bool {
        var row = WebhookOutboxRow(item)
        try row.insert(db, onConflict: .ignore)
        return db.changesCount > 0
    }

    /// Pending deliveries due at `now`, oldest first, at most `limit`.
    public func dueWebhookDeliveries(now: Date, limit: Int) throws -> [WebhookOutboxItem] {
        try WebhookOutboxRow.filter(Column("state") == "pending" && Column("next_attempt_at") <= now)
            .order(Column("next_attempt_at"), Column("id")).limit(max(0, limit)).fetchAll(db).map(\.item)
    }

    /// When the next pending delivery falls due (nil: none pending).
    public func nextWebhookDue() throws -> Date? {
        try Date.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM webhook_outbox WHERE state = 'pending'")
    }

    public func markWebhookDelivered(id: Int64, attempts: Int, at now: Date) throws {
        try db.execute(sql: """
            UPDATE webhook_outbox SET state = 'delivered', attempts = ?, delivered_at = ?, next_attempt_at = NULL, last_error = NULL
            WHERE id = ?
            """, arguments: [attempts, now, id])
    }

    /// A failed attempt: retry at `nextAttemptAt`, or give up (state failed) when it is nil.
    public func markWebhookAttemptFailed(id: Int64, attempts: Int, error: String, nextAttemptAt: Date?) throws {
        try db.execute(sql: "UPDATE webhook_outbox SET state = ?, attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                       arguments: [nextAttemptAt == nil ? "failed" : "pending", attempts, error, nextAttemptAt, id])
    }

    public func webhookDeliveries(states: [WebhookDeliveryInfo.State], limit: Int) throws -> [WebhookOutboxItem] {
        try WebhookOutboxRow.filter(states.map(\.rawValue).contains(Column("state")))
            .order(Column("created_at"), Column("id")).limit(min(max(limit, 0), 10_000)).fetchAll(db).map(\.item)
    }

    public func missedCallCount(status: MissedCallStatus) throws -> Int {
        try MissedCallRow.filter(Column("status") == status.rawValue).fetchCount(db)
    }

    public func webhookDeliveryCount(state: WebhookDeliveryInfo.State) throws -> Int {
        try WebhookOutboxRow.filter(Column("state") == state.rawValue).fetchCount(db)
    }
}

extension Storage {
    /// Runs `body` in one write transaction: everything it does is committed together, or
    /// nothing is if it throws.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (StorageTransaction) throws -> T) async throws -> T {
        try await write { db in try body(StorageTransaction(db: db)) }
    }

    /// Runs `body` on a read-only snapshot.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StorageTransaction) throws -> T) async throws -> T {
        try await writer.read { db in try body(StorageTransaction(db: db)) }
    }
}

extension StorageTransaction {
    /// Call attempts (CDR rows) that started in [from, to), oldest first: what reports count.
    public func callRecords(startingFrom from: Date, before to: Date) throws -> [CallDetail] {
        try CallDetail.filter(Column("invite_at") >= from && Column("invite_at") < to)
            .order(Column("invite_at"), Column("id")).fetchAll(db)
    }
}
