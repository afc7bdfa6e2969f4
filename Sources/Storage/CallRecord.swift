// Call detail records: one row per attempt on one modem, written when the attempt starts
// and closed when it ends, so a crash loses nothing (DESIGN.md "Data"): the next start
// closes rows still open as `interrupted`. Per-modem calls/ASR/ACD are computed from these
// rows, so they survive restarts.
//
// How long an interrupted call lasted: while a row is open the daemon writes its answer
// instant (and an inbound caller's number) as soon as it is known (`updateOpenCall`) and, every few seconds, `alive_at`
// (`markOpenCallsAlive`, one UPDATE for every open row). The next start closes the row at
// its last sign of life (the latest of alive_at, answer, ringing, start), so the record's
// duration is the call's up to the crash, short by at most one heartbeat period, and never
// counts the time the daemon was down. A heartbeat per row rather than one per daemon: it
// needs no clamping for calls opened after the last beat, and a row carries its own proof.
// A call's usage charges (minutes against the SIM's limits) are written in the transaction
// that closes its row, the normal way or as interrupted: they count once, whatever dies when.
import ControlModel
import Foundation
import GRDB

/// The `call_record` table, storing ControlModel's `CallDetail` (snake_case columns).
public enum CallRecord {
    public static let tableName = "call_record"

    static func createTable(_ db: Database) throws {
        try db.create(table: tableName) { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("call_id", .text).notNull()
            t.column("attempt", .integer).notNull()
            t.column("direction", .text).notNull()
            t.column("caller", .text)
            t.column("callee_dialed", .text)
            t.column("callee_normalized", .text)
            t.column("sip_user", .text)
            t.column("modem_id", .text).notNull()
            t.column("iccid", .text)
            t.column("operator_mccmnc", .text)
            t.column("operator_name", .text)
            t.column("invite_at", .datetime).notNull()
            t.column("ringing_at", .datetime)
            t.column("answer_at", .datetime)
            t.column("end_at", .datetime)
            t.column("billable_seconds", .integer).notNull().defaults(to: 0)
            t.column("gsm_cause", .text)
            t.column("gsm_cause_code", .integer)
            t.column("gsm_cause_text", .text)
            t.column("sip_status", .integer)
            t.column("q850", .integer)
            t.column("frames_in", .integer).notNull().defaults(to: 0)
            t.column("frames_out", .integer).notNull().defaults(to: 0)
            t.column("rtp_in", .integer).notNull().defaults(to: 0)
            t.column("rtp_out", .integer).notNull().defaults(to: 0)
            t.column("underruns", .integer).notNull().defaults(to: 0)
            t.column("late_frames", .integer).notNull().defaults(to: 0)
            t.column("silent_leg", .text)
        }
        try db.create(index: "call_record_on_invite_at", on: tableName, columns: ["invite_at"])
        try db.create(index: "call_record_on_modem_id", on: tableName, columns: ["modem_id", "invite_at"])
        try db.create(index: "call_record_open", on: tableName, columns: ["end_at"])
    }

    /// v5: RTCP on the SIP leg (issue 4): reports each way, the phone's loss and jitter of our
    /// stream, round trip, and ours of the phone's stream (CallDetail.rtcp*).
    static func addRTCPColumns(_ db: Database) throws {
        try db.alter(table: tableName) { t in
            t.add(column: "rtcp_out", .integer)
            t.add(column: "rtcp_in", .integer)
            t.add(column: "peer_lost", .integer)
            t.add(column: "peer_jitter_milliseconds", .double)
            t.add(column: "round_trip_milliseconds", .double)
            t.add(column: "lost", .integer)
            t.add(column: "jitter_milliseconds", .double)
        }
    }

    /// v9: the last instant the daemon was seen alive with this row open (heartbeat).
    static func addAliveColumn(_ db: Database) throws {
        try db.alter(table: tableName) { t in t.add(column: "alive_at", .datetime) }
    }

    /// v4: what the router decided for an outbound call (issue 5: the CDR records the
    /// callee's operator, the lookup source and the rank of the SIM used).
    static func addRoutingColumns(_ db: Database) throws {
        try db.alter(table: tableName) { t in
            t.add(column: "callee_operator_mccmnc", .text)
            t.add(column: "callee_operator_name", .text)
            t.add(column: "lookup_source", .text)
            t.add(column: "route_rank", .integer)
        }
    }
}

extension CallDetail: SnakeCaseColumns, MutablePersistableRecord {
    public static var databaseTableName: String { CallRecord.tableName }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Storage {
    /// An attempt started: inserts its row and returns it with its id.
    public func openCall(_ record: CallDetail) async throws -> CallDetail {
        try await write { db in
            var row = record
            row.id = nil
            try row.insert(db)
            return row
        }
    }

    /// Writes the final state of an attempt (its `id` must come from `openCall`) and, in the
    /// same transaction, what it adds to the usage counters.
    public func closeCall(_ record: CallDetail, charges: [UsageCharge] = []) async throws {
        try await write { db in
            try record.update(db)
            for charge in charges { try Self.add(charge, db) }
        }
    }

    /// What an open attempt learnt (its answer, its ringing, the caller's number from +CLIP):
    /// written at once, so a crash later still knows it. Nil fields stay as they are; a closed
    /// row is not touched.
    public func updateOpenCall(id: Int64, answerAt: Date? = nil, ringingAt: Date? = nil, caller: String? = nil) async throws {
        try await write { db in
            try db.execute(sql: """
                UPDATE call_record SET answer_at = COALESCE(?, answer_at), ringing_at = COALESCE(?, ringing_at),
                                       caller = COALESCE(?, caller)
                WHERE id = ? AND end_at IS NULL
                """, arguments: [answerAt, ringingAt, caller, id])
        }
    }

    /// The heartbeat: every open row was alive at `now`. Returns how many rows it touched.
    @discardableResult
    public func markOpenCallsAlive(at now: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: "UPDATE call_record SET alive_at = ? WHERE end_at IS NULL", arguments: [now])
            return db.changesCount
        }
    }

    /// At start-up: rows left open by a daemon that died are closed as `interrupted`, each at
    /// its last sign of life (see the top of this file), with `charges(row)` added to the usage
    /// counters and `then(tx, closed)` run (the missed-call list), all in one transaction.
    /// Returns the rows closed.
    @discardableResult
    public func closeInterruptedCalls(charges: @escaping @Sendable (CallDetail) -> [UsageCharge] = { _ in [] },
                                      then: @escaping @Sendable (StorageTransaction, [CallDetail]) throws -> Void = { _, _ in })
        async throws -> [CallDetail] {
        try await write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM call_record WHERE end_at IS NULL ORDER BY id")
            var closed: [CallDetail] = []
            for raw in rows {
                var row = try CallDetail(row: raw)
                let alive: Date? = raw["alive_at"]
                let lastSeen = [alive, row.answerAt, row.ringingAt, row.inviteAt].compactMap { $0 }.max() ?? row.inviteAt
                row.endAt = lastSeen
                row.gsmCause = "interrupted"
                row.gsmCauseText = "the daemon stopped during the call"
                if let answered = row.answerAt { row.billableSeconds = max(0, Int(lastSeen.timeIntervalSince(answered))) }
                try row.update(db)
                for charge in charges(row) { try Self.add(charge, db) }
                closed.append(row)
            }
            try then(StorageTransaction(db: db), closed)
            return closed
        }
    }

    /// Newest first; `modem` filters on the modem name, `since` on the attempt start.
    public func callRecords(limit: Int = 100, modem: String? = nil, since: Date? = nil) async throws -> [CallDetail] {
        let limit = min(max(1, limit), 10_000)
        return try await writer.read { db in
            var request = CallDetail.all()
            if let modem { request = request.filter(Column("modem_id") == modem) }
            if let since { request = request.filter(Column("invite_at") >= since) }
            return try request.order(Column("invite_at").desc, Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// Per-modem call counters from the closed records: attempts, answered, direction
    /// split and billable seconds (ASR/ACD follow from these).
    public func callStatistics() async throws -> [String: CallStats] {
        try await writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT modem_id,
                       COUNT(*) AS total,
                       SUM(CASE WHEN answer_at IS NOT NULL THEN 1 ELSE 0 END) AS answered,
                       SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END) AS inbound,
                       SUM(CASE WHEN direction = 'outbound' THEN 1 ELSE 0 END) AS outbound,
                       SUM(billable_seconds) AS billable
                FROM call_record WHERE end_at IS NOT NULL GROUP BY modem_id
                """)
            var result: [String: CallStats] = [:]
            for row in rows {
                var s = CallStats()
                s.total = row["total"]
                s.answered = row["answered"]
                s.inbound = row["inbound"]
                s.outbound = row["outbound"]
                s.billableSeconds = row["billable"] ?? 0
                let id: String = row["modem_id"]
                result[id] = s
            }
            return result
        }
    }
}
