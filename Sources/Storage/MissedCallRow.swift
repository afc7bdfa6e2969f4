// The stored form of the missed-call list (ControlModel's MissedCallEntry), its history, and
// the callback tasks created from it. The rules (what a new missed call does to an open
// entry, which status moves are allowed) live in Gateway's MissedCallBook; this file only
// maps rows and runs the queries those rules need.
import ControlModel
import Foundation
import GRDB

struct MissedCallRow: Codable, SnakeCaseColumns, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "missed_call"

    var id: Int64?
    var caller: String?
    var sim: String
    var line: String?
    var firstAt: Date
    var lastAt: Date
    var waitedSeconds: Double
    var reason: String
    var callCount: Int
    var status: String
    var claimedBy: String?
    var claimedAt: Date?
    var calledBackBy: String?
    var calledBackAt: Date?
    var callbackResult: String?
    var closedAt: Date?
    var closedBy: String?
    var note: String?

    init(_ e: MissedCallEntry) {
        id = e.id > 0 ? e.id : nil
        caller = e.caller; sim = e.sim; line = e.line; firstAt = e.firstAt; lastAt = e.lastAt
        waitedSeconds = e.waitedSeconds; reason = e.reason.rawValue; callCount = e.callCount; status = e.status.rawValue
        claimedBy = e.claimedBy; claimedAt = e.claimedAt; calledBackBy = e.calledBackBy; calledBackAt = e.calledBackAt
        callbackResult = e.callbackResult; closedAt = e.closedAt; closedBy = e.closedBy; note = e.note
    }

    /// Rows written by a newer version with a reason or status this one does not know read
    /// as the nearest meaning instead of failing the whole list.
    var entry: MissedCallEntry {
        var e = MissedCallEntry(id: id ?? 0, caller: caller, sim: sim, line: line, firstAt: firstAt, lastAt: lastAt,
                                waitedSeconds: waitedSeconds, reason: MissedCallReason(rawValue: reason) ?? .rangOut,
                                callCount: callCount, status: MissedCallStatus(rawValue: status) ?? .new)
        e.claimedBy = claimedBy; e.claimedAt = claimedAt; e.calledBackBy = calledBackBy; e.calledBackAt = calledBackAt
        e.callbackResult = callbackResult; e.closedAt = closedAt; e.closedBy = closedBy; e.note = note
        return e
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct MissedCallHistoryRow: Codable, SnakeCaseColumns, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "missed_call_history"
    var id: Int64?
    var missedCallID: Int64
    var at: Date
    var kind: String
    var user: String?
    var result: String?
    var detail: String

    var item: MissedCallHistoryItem { MissedCallHistoryItem(at: at, kind: kind, user: user, result: result, detail: detail) }
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct CallbackTaskRow: Codable, SnakeCaseColumns, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "callback_task"
    var id: Int64?
    var missedCallID: Int64
    var user: String
    var kind: String
    var state: String
    var attempts: Int
    var createdAt: Date
    var updatedAt: Date
    var lastResult: String?

    var info: CallbackTaskInfo {
        CallbackTaskInfo(id: id ?? 0, missedCallID: missedCallID, user: user, kind: kind,
                         state: CallbackTaskInfo.State(rawValue: state) ?? .failed, attempts: attempts,
                         createdAt: createdAt, lastResult: lastResult)
    }
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One HTTP delivery of one event to one webhook. The body is stored as sent, so a retry
/// sends the same bytes (and the same signature) as the first attempt.
public struct WebhookOutboxItem: Sendable, Equatable {
    public var id: Int64
    public var webhook: String
    public var url: String
    public var eventID: String
    public var eventType: String
    public var body: [UInt8]
    public var createdAt: Date
    public var state: WebhookDeliveryInfo.State
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?

    public init(webhook: String, url: String, eventID: String, eventType: String, body: [UInt8], createdAt: Date) {
        self.id = 0; self.webhook = webhook; self.url = url; self.eventID = eventID; self.eventType = eventType
        self.body = body; self.createdAt = createdAt; self.state = .pending; self.attempts = 0; self.nextAttemptAt = createdAt
    }

    public var info: WebhookDeliveryInfo {
        WebhookDeliveryInfo(id: id, webhook: webhook, url: url, eventID: eventID, eventType: eventType, state: state,
                            attempts: attempts, createdAt: createdAt, nextAttemptAt: nextAttemptAt, lastError: lastError)
    }
}

struct WebhookOutboxRow: Codable, SnakeCaseColumns, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "webhook_outbox"
    var id: Int64?
    var webhook: String
    var url: String
    var eventID: String
    var eventType: String
    var body: Data
    var createdAt: Date
    var state: String
    var attempts: Int
    var nextAttemptAt: Date?
    var lastError: String?
    var deliveredAt: Date?

    init(_ item: WebhookOutboxItem) {
        id = nil; webhook = item.webhook; url = item.url; eventID = item.eventID; eventType = item.eventType
        body = Data(item.body); createdAt = item.createdAt; state = item.state.rawValue; attempts = item.attempts
        nextAttemptAt = item.nextAttemptAt; lastError = item.lastError; deliveredAt = nil
    }

    var item: WebhookOutboxItem {
        var i = WebhookOutboxItem(webhook: webhook, url: url, eventID: eventID, eventType: eventType, body: Array(body), createdAt: createdAt)
        i.id = id ?? 0; i.state = WebhookDeliveryInfo.State(rawValue: state) ?? .failed; i.attempts = attempts
        i.nextAttemptAt = nextAttemptAt; i.lastError = lastError
        return i
    }
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

enum InboundMigrations {
    /// `v2-missed-calls`: the missed-call list, its history, callback tasks.
    static func createMissedCalls(_ db: Database) throws {
        try db.create(table: MissedCallRow.databaseTableName) { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("caller", .text)                 // NULL: caller ID withheld
            t.column("sim", .text).notNull()
            t.column("line", .text)
            t.column("first_at", .datetime).notNull()
            t.column("last_at", .datetime).notNull()
            t.column("waited_seconds", .double).notNull()
            t.column("reason", .text).notNull()
            t.column("call_count", .integer).notNull()
            t.column("status", .text).notNull()
            t.column("claimed_by", .text)
            t.column("claimed_at", .datetime)
            t.column("called_back_by", .text)
            t.column("called_back_at", .datetime)
            t.column("callback_result", .text)
            t.column("closed_at", .datetime)
            t.column("closed_by", .text)
            t.column("note", .text)
        }
        // "One open entry per caller" is the list's central promise; the database keeps it
        // even if two writers race. Withheld callers (NULL) cannot be told apart, so each of
        // their calls is its own entry (NULLs never collide in a unique index).
        try db.execute(sql: "CREATE UNIQUE INDEX missed_call_open_caller ON missed_call(caller) WHERE status != 'closed'")
        try db.create(index: "missed_call_on_last_at", on: MissedCallRow.databaseTableName, columns: ["last_at"])

        try db.create(table: MissedCallHistoryRow.databaseTableName) { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("missed_call_id", .integer).notNull().references(MissedCallRow.databaseTableName, onDelete: .cascade)
            t.column("at", .datetime).notNull()
            t.column("kind", .text).notNull()
            t.column("user", .text)
            t.column("result", .text)
            t.column("detail", .text).notNull()
        }
        try db.create(index: "missed_call_history_on_entry", on: MissedCallHistoryRow.databaseTableName, columns: ["missed_call_id"])

        try db.create(table: CallbackTaskRow.databaseTableName) { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("missed_call_id", .integer).notNull().references(MissedCallRow.databaseTableName, onDelete: .cascade)
            t.column("user", .text).notNull()
            t.column("kind", .text).notNull()
            t.column("state", .text).notNull()
            t.column("attempts", .integer).notNull()
            t.column("created_at", .datetime).notNull()
            t.column("updated_at", .datetime).notNull()
            t.column("last_result", .text)
        }
        try db.create(index: "callback_task_on_state", on: CallbackTaskRow.databaseTableName, columns: ["state"])
    }

    /// `v2-webhook-outbox`: every event to deliver, per webhook, until delivered or failed.
    static func createWebhookOutbox(_ db: Database) throws {
        try db.create(table: WebhookOutboxRow.databaseTableName) { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("webhook", .text).notNull()
            t.column("url", .text).notNull()
            t.column("event_id", .text).notNull()
            t.column("event_type", .text).notNull()
            t.column("body", .blob).notNull()
            t.column("created_at", .datetime).notNull()
            t.column("state", .text).notNull()
            t.column("attempts", .integer).notNull()
            t.column("next_attempt_at", .datetime)
            t.column("last_error", .text)
            t.column("delivered_at", .datetime)
            // An event goes to one webhook once: enqueueing it twice is a no-op, not a duplicate POST.
            t.uniqueKey(["webhook", "event_id"])
        }
        try db.create(index: "webhook_outbox_due", on: WebhookOutboxRow.databaseTableName, columns: ["state", "next_attempt_at"])
    }
}
