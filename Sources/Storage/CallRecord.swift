// Call detail records: one row per attempt on one modem, written when the attempt starts
// and closed when it ends, so a crash loses nothing (DESIGN.md "Data"): the next start
// closes rows still open as `interrupted`. Per-modem calls/ASR/ACD are computed from these
// rows, so they survive restarts.
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
        try await writer.write { db in
            var row = record
            row.id = nil
            try row.insert(db)
            return row
        }
    }

    /// Writes the final state of an attempt (its `id` must come from `openCall`).
    public func closeCall(_ record: CallDetail) async throws {
        try await writer.write { db in try record.update(db) }
    }

    /// At start-up: rows left open by a daemon that died are closed as `interrupted`.
    @discardableResult
    public func closeInterruptedCalls(at now: Date) async throws -> Int {
        try await writer.write { db in
            let open = try CallDetail.filter(Column("end_at") == nil).fetchAll(db)
            for var row in open {
                row.endAt = now
                row.gsmCause = "interrupted"
                row.gsmCauseText = "the daemon stopped during the call"
                if let answered = row.answerAt { row.billableSeconds = max(0, Int(now.timeIntervalSince(answered))) }
                try row.update(db)
            }
            return open.count
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
