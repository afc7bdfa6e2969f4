// The SMS inbox and outbox: messages, their parts (one PDU each), status reports, and the
// per-SIM SMS counters (a column of usage_counter, so the day/month keys and pruning are the
// calls' own). The rules — what state follows what, when a part is retried, how parts are
// reassembled — are the Gateway's (SMSService and its value types); this file maps rows and
// runs the queries those rules need, inside the caller's transaction.
//
// Durability: every write goes through `Storage.transaction`, i.e. GRDB's writer on a WAL
// database (Database.swift), committed before the call returns. An inbound PDU is reported
// saved only after that commit, and only then deleted from the SIM.
import ControlModel
import Foundation
import GRDB

enum SMSMigration {
    static let name = "v6-sms"

    static func migrate(_ db: Database) throws {
        try db.create(table: "sms_message") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("direction", .text).notNull()              // in | out
            t.column("state", .text).notNull()                  // ControlModel SMSState
            t.column("modem", .text)
            t.column("iccid", .text)
            t.column("peer", .text).notNull()                   // sender (in) or recipient (out)
            t.column("text", .text).notNull()
            t.column("encoding", .text)                         // gsm7 | ucs2 | 8bit
            t.column("parts_expected", .integer).notNull()
            t.column("parts_done", .integer).notNull().defaults(to: 0)
            t.column("created_at", .datetime).notNull()
            // The box's UTC offset when it was created: the local time is shown as it was.
            t.column("created_offset_minutes", .integer).notNull()
            t.column("updated_at", .datetime).notNull()
            t.column("smsc_time", .text)                        // TP-SCTS ISO 8601 with the SMSC's zone
            t.column("last_error", .text)
            t.column("last_cms", .integer)
            t.column("attempts", .integer).notNull().defaults(to: 0)
            t.column("next_attempt_at", .datetime)
            t.column("delivered_at", .datetime)
            t.column("user", .text)
            // Outbound: the modem id or ICCID the sender asked for (no other SIM is tried).
            t.column("requested_sim", .text)
            // Outbound: SIMs that failed it with a temporary error, comma-separated, tried last.
            t.column("excluded_sims", .text)
            // Inbound multipart: "peer|reference|total|sim", the reassembly key.
            t.column("reassembly_key", .text)
        }
        try db.create(index: "sms_message_on_created", on: "sms_message", columns: ["created_at"])
        try db.create(index: "sms_message_due", on: "sms_message", columns: ["direction", "state", "next_attempt_at"])
        try db.create(index: "sms_message_reassembly", on: "sms_message", columns: ["reassembly_key", "state"])

        try db.create(table: "sms_part") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("message_id", .integer).notNull().references("sms_message", onDelete: .cascade)
            t.column("number", .integer).notNull()
            t.column("reference", .integer)
            t.column("state", .text).notNull()
            t.column("pdu_hex", .text).notNull()
            t.column("tpdu_length", .integer)
            t.column("text", .text)
            t.column("mr", .integer)
            t.column("modem", .text)
            t.column("iccid", .text)
            t.column("sent_at", .datetime)
            t.column("delivered_at", .datetime)
            t.column("report_status", .integer)
            t.column("report_meaning", .text)
            t.column("error", .text)
            // Inbound: "in:" + SHA of (ICCID or modem, PDU octets): the same stored PDU read
            // twice (a rescan after a crash) is one part. Outbound: "out:<message>:<number>".
            t.column("dedup_key", .text).notNull().unique()
            t.uniqueKey(["message_id", "number"])
        }
        try db.create(index: "sms_part_on_mr", on: "sms_part", columns: ["mr", "state"])

        try db.create(table: "sms_status_report") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("modem", .text)
            t.column("iccid", .text)
            t.column("mr", .integer).notNull()
            t.column("recipient", .text).notNull()
            t.column("status", .integer).notNull()
            t.column("smsc_time", .text).notNull()
            t.column("discharge_time", .text).notNull()
            t.column("received_at", .datetime).notNull()
            t.column("pdu_hex", .text).notNull()
            t.column("part_id", .integer).references("sms_part", onDelete: .setNull)
            t.column("dedup_key", .text).notNull().unique()
        }
        try db.create(index: "sms_status_report_unmatched", on: "sms_status_report", columns: ["part_id", "mr"])

        // SMS parts per SIM and period beside the calls and minutes.
        try db.alter(table: "usage_counter") { t in
            t.add(column: "sms", .integer).notNull().defaults(to: 0)
        }
    }
}

/// A new message to insert (parts given separately).
public struct SMSMessageDraft: Sendable {
    public var direction: SMSDirection
    public var state: SMSState
    public var modem: String?
    public var iccid: String?
    public var peer: String
    public var text: String
    public var encoding: String?
    public var partsExpected: Int
    public var partsDone: Int
    public var createdAt: Date
    public var createdOffsetMinutes: Int
    public var serviceCentreTime: String?
    public var lastError: String?
    public var nextAttemptAt: Date?
    public var user: String?
    public var requestedSIM: String?
    public var reassemblyKey: String?

    public init(direction: SMSDirection, state: SMSState, modem: String? = nil, iccid: String? = nil, peer: String, text: String,
                encoding: String?, partsExpected: Int, partsDone: Int = 0, createdAt: Date, createdOffsetMinutes: Int,
                serviceCentreTime: String? = nil, lastError: String? = nil, nextAttemptAt: Date? = nil, user: String? = nil,
                requestedSIM: String? = nil, reassemblyKey: String? = nil) {
        self.direction = direction; self.state = state; self.modem = modem; self.iccid = iccid; self.peer = peer
        self.text = text; self.encoding = encoding; self.partsExpected = partsExpected; self.partsDone = partsDone
        self.createdAt = createdAt; self.createdOffsetMinutes = createdOffsetMinutes
        self.serviceCentreTime = serviceCentreTime; self.lastError = lastError; self.nextAttemptAt = nextAttemptAt
        self.user = user; self.requestedSIM = requestedSIM; self.reassemblyKey = reassemblyKey
    }
}

/// One stored part, as the Gateway's rules read and change it.
public struct SMSPartRecord: Sendable, Equatable {
    public var id: Int64
    public var messageID: Int64
    public var number: Int
    public var reference: Int?
    public var state: String
    public var pduHex: String
    public var tpduLength: Int?
    public var text: String?
    public var messageReference: Int?
    public var modem: String?
    public var iccid: String?
    public var sentAt: Date?
    public var deliveredAt: Date?
    public var reportStatus: Int?
    public var reportMeaning: String?
    public var error: String?
    public var dedupKey: String

    public init(id: Int64 = 0, messageID: Int64 = 0, number: Int, reference: Int? = nil, state: String, pduHex: String,
                tpduLength: Int? = nil, text: String? = nil, dedupKey: String) {
        self.id = id; self.messageID = messageID; self.number = number; self.reference = reference; self.state = state
        self.pduHex = pduHex; self.tpduLength = tpduLength; self.text = text; self.dedupKey = dedupKey
    }

    init(row: Row) {
        id = row["id"]; messageID = row["message_id"]; number = row["number"]; reference = row["reference"]
        state = row["state"]; pduHex = row["pdu_hex"]; tpduLength = row["tpdu_length"]; text = row["text"]
        messageReference = row["mr"]; modem = row["modem"]; iccid = row["iccid"]; sentAt = row["sent_at"]
        deliveredAt = row["delivered_at"]; reportStatus = row["report_status"]; reportMeaning = row["report_meaning"]
        error = row["error"]; dedupKey = row["dedup_key"]
    }

    public var info: SMSPartInfo {
        SMSPartInfo(number: number, reference: reference, state: state, pdu: pduHex, messageReference: messageReference,
                    modem: modem, iccid: iccid, sentAt: sentAt, deliveredAt: deliveredAt, reportStatus: reportStatus,
                    reportMeaning: reportMeaning, text: text, error: error)
    }
}

/// A stored message's columns the rules need beyond the API view.
public struct SMSMessageRecord: Sendable, Equatable {
    public var message: SMSMessage
    public var requestedSIM: String?
    public var excludedSIMs: [String]
    public var reassemblyKey: String?
    public var createdOffsetMinutes: Int
}

public struct SMSStatusReportDraft: Sendable {
    public var modem: String?
    public var iccid: String?
    public var messageReference: Int
    public var recipient: String
    public var status: Int
    public var serviceCentreTime: String
    public var dischargeTime: String
    public var receivedAt: Date
    public var pduHex: String
    public var dedupKey: String

    public init(modem: String?, iccid: String?, messageReference: Int, recipient: String, status: Int,
                serviceCentreTime: String, dischargeTime: String, receivedAt: Date, pduHex: String, dedupKey: String) {
        self.modem = modem; self.iccid = iccid; self.messageReference = messageReference; self.recipient = recipient
        self.status = status; self.serviceCentreTime = serviceCentreTime; self.dischargeTime = dischargeTime
        self.receivedAt = receivedAt; self.pduHex = pduHex; self.dedupKey = dedupKey
    }
}

public struct SMSStoredReport: Sendable, Equatable {
    public var id: Int64
    public var draft: SMSStatusReportDraft
    public var partID: Int64?

    public static func == (a: SMSStoredReport, b: SMSStoredReport) -> Bool { a.id == b.id && a.partID == b.partID }
}

extension SMSStatusReportDraft: Equatable {}

extension StorageTransaction {
    // MARK: Messages

    public func insertSMSMessage(_ m: SMSMessageDraft) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO sms_message (direction, state, modem, iccid, peer, text, encoding, parts_expected, parts_done,
                created_at, created_offset_minutes, updated_at, smsc_time, last_error, next_attempt_at, user, requested_sim,
                reassembly_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [m.direction.rawValue, m.state.rawValue, m.modem, m.iccid, m.peer, m.text, m.encoding,
                             m.partsExpected, m.partsDone, m.createdAt, m.createdOffsetMinutes, m.createdAt,
                             m.serviceCentreTime, m.lastError, m.nextAttemptAt, m.user, m.requestedSIM, m.reassemblyKey])
        return db.lastInsertedRowID
    }

    /// Inserts a part; false (and nothing written) when a part with its dedup key exists.
    @discardableResult
    public func insertSMSPart(_ p: SMSPartRecord, messageID: Int64, modem: String? = nil, iccid: String? = nil) throws -> Bool {
        try db.execute(sql: """
            INSERT INTO sms_part (message_id, number, reference, state, pdu_hex, tpdu_length, text, modem, iccid, error, dedup_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """, arguments: [messageID, p.number, p.reference, p.state, p.pduHex, p.tpduLength, p.text, modem, iccid,
                             p.error, p.dedupKey])
        return db.changesCount > 0
    }

    public func smsPartExists(dedupKey: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM sms_part WHERE dedup_key = ?)", arguments: [dedupKey]) ?? false
    }

    public func smsMessage(id: Int64, withParts: Bool = true) throws -> SMSMessageRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sms_message WHERE id = ?", arguments: [id]) else { return nil }
        var record = Self.messageRecord(row)
        if withParts {
            record.message.parts = try smsParts(messageID: id).map(\.info)
            record.message.reports = try smsReports(messageID: id)
        }
        return record
    }

    public func smsParts(messageID: Int64) throws -> [SMSPartRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM sms_part WHERE message_id = ? ORDER BY number", arguments: [messageID])
            .map(SMSPartRecord.init(row:))
    }

    /// Newest first. `modem` matches the modem id or the ICCID.
    public func smsMessages(modem: String?, direction: SMSDirection?, since: Date?, limit: Int) throws -> [SMSMessage] {
        var sql = "SELECT * FROM sms_message WHERE 1"
        var args: [any DatabaseValueConvertible] = []
        if let modem { sql += " AND (modem = ? OR iccid = ?)"; args += [modem, modem] }
        if let direction { sql += " AND direction = ?"; args.append(direction.rawValue) }
        if let since { sql += " AND created_at >= ?"; args.append(since) }
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        args.append(max(0, limit))
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { Self.messageRecord($0).message }
    }

    /// Outbound messages in `states`, oldest due first (nil next attempt = due now).
    public func smsOutboundMessages(states: [SMSState]) throws -> [SMSMessageRecord] {
        let marks = states.map { _ in "?" }.joined(separator: ",")
        return try Row.fetchAll(db, sql: """
            SELECT * FROM sms_message WHERE direction = 'out' AND state IN (\(marks))
            ORDER BY COALESCE(next_attempt_at, created_at), id
            """, arguments: StatementArguments(states.map(\.rawValue))).map(Self.messageRecord)
    }

    /// Inbound messages still waiting for parts.
    public func smsReceivingMessages() throws -> [SMSMessageRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM sms_message WHERE direction = 'in' AND state = 'receiving' ORDER BY created_at, id")
            .map(Self.messageRecord)
    }

    public func smsReceivingMessage(reassemblyKey: String) throws -> SMSMessageRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM sms_message WHERE reassembly_key = ? AND state = 'receiving' ORDER BY id DESC LIMIT 1",
                         arguments: [reassemblyKey]).map(Self.messageRecord)
    }

    /// Sets the columns given (nil arguments leave a column alone unless listed in `clearing`).
    public func updateSMSMessage(id: Int64, state: SMSState? = nil, modem: String? = nil, iccid: String? = nil,
                                 text: String? = nil, partsDone: Int? = nil, lastError: String? = nil, lastCMS: Int? = nil,
                                 attempts: Int? = nil, nextAttemptAt: Date? = nil, deliveredAt: Date? = nil,
                                 excludedSIMs: [String]? = nil, clearing: Set<String> = [], at now: Date) throws {
        var sets = ["updated_at = ?"]
        var args: [(any DatabaseValueConvertible)?] = [now]
        func set(_ column: String, _ value: (any DatabaseValueConvertible)?) {
            if let value { sets.append("\(column) = ?"); args.append(value) } else if clearing.contains(column) { sets.append("\(column) = NULL") }
        }
        set("state", state?.rawValue); set("modem", modem); set("iccid", iccid); set("text", text)
        set("parts_done", partsDone); set("last_error", lastError); set("last_cms", lastCMS); set("attempts", attempts)
        set("next_attempt_at", nextAttemptAt); set("delivered_at", deliveredAt)
        set("excluded_sims", excludedSIMs.map { $0.joined(separator: ",") })
        args.append(id)
        try db.execute(sql: "UPDATE sms_message SET \(sets.joined(separator: ", ")) WHERE id = ?", arguments: StatementArguments(args))
    }

    // MARK: Parts

    public func updateSMSPart(id: Int64, state: String? = nil, messageReference: Int? = nil, modem: String? = nil,
                              iccid: String? = nil, sentAt: Date? = nil, deliveredAt: Date? = nil, reportStatus: Int? = nil,
                              reportMeaning: String? = nil, error: String? = nil, clearing: Set<String> = []) throws {
        var sets: [String] = []
        var args: [(any DatabaseValueConvertible)?] = []
        func set(_ column: String, _ value: (any DatabaseValueConvertible)?) {
            if let value { sets.append("\(column) = ?"); args.append(value) } else if clearing.contains(column) { sets.append("\(column) = NULL") }
        }
        set("state", state); set("mr", messageReference); set("modem", modem); set("iccid", iccid); set("sent_at", sentAt)
        set("delivered_at", deliveredAt); set("report_status", reportStatus); set("report_meaning", reportMeaning)
        set("error", error)
        guard !sets.isEmpty else { return }
        args.append(id)
        try db.execute(sql: "UPDATE sms_part SET \(sets.joined(separator: ", ")) WHERE id = ?", arguments: StatementArguments(args))
    }

    /// Outbound parts in state `sent` with TP-MR `mr`, sent through the SIM (ICCID, else
    /// modem) since `since`, oldest first: the candidates a status report can be for.
    public func smsSentParts(messageReference mr: Int, iccid: String?, modem: String?, since: Date) throws -> [(part: SMSPartRecord, peer: String)] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT p.*, m.peer AS peer FROM sms_part p JOIN sms_message m ON m.id = p.message_id
            WHERE m.direction = 'out' AND p.mr = ? AND p.state = 'sent' AND p.sent_at >= ?
              AND ((? IS NOT NULL AND p.iccid = ?) OR (? IS NULL AND p.modem = ?))
            ORDER BY p.sent_at, p.id
            """, arguments: [mr, since, iccid, iccid, iccid, modem])
        return rows.map { (SMSPartRecord(row: $0), $0["peer"]) }
    }

    /// When the SIM last sent a part (for its minimum interval after a restart).
    public func smsLastSent(iccid: String) throws -> Date? {
        try Date.fetchOne(db, sql: "SELECT MAX(sent_at) FROM sms_part WHERE iccid = ?", arguments: [iccid])
    }

    // MARK: Status reports

    /// Stores a report; nil when one with its dedup key exists (the same report read twice).
    public func insertSMSStatusReport(_ r: SMSStatusReportDraft, partID: Int64?) throws -> Int64? {
        try db.execute(sql: """
            INSERT INTO sms_status_report (modem, iccid, mr, recipient, status, smsc_time, discharge_time, received_at, pdu_hex,
                part_id, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """, arguments: [r.modem, r.iccid, r.messageReference, r.recipient, r.status, r.serviceCentreTime, r.dischargeTime,
                             r.receivedAt, r.pduHex, partID, r.dedupKey])
        return db.changesCount > 0 ? db.lastInsertedRowID : nil
    }

    public func setSMSStatusReportPart(reportID: Int64, partID: Int64) throws {
        try db.execute(sql: "UPDATE sms_status_report SET part_id = ? WHERE id = ?", arguments: [partID, reportID])
    }

    /// Reports not matched to a part, with TP-MR `mr`, received since `since`, oldest first.
    public func unmatchedSMSStatusReports(messageReference mr: Int, since: Date) throws -> [SMSStoredReport] {
        try Row.fetchAll(db, sql: """
            SELECT * FROM sms_status_report WHERE part_id IS NULL AND mr = ? AND received_at >= ? ORDER BY received_at, id
            """, arguments: [mr, since]).map(Self.report)
    }

    func smsReports(messageID: Int64) throws -> [SMSStatusReportInfo] {
        try Row.fetchAll(db, sql: """
            SELECT r.*, p.number AS part_number FROM sms_status_report r JOIN sms_part p ON p.id = r.part_id
            WHERE p.message_id = ? ORDER BY r.received_at, r.id
            """, arguments: [messageID]).map { row in
                let stored = Self.report(row)
                return Self.reportInfo(stored.draft, partNumber: row["part_number"])
            }
    }

    public static func reportInfo(_ d: SMSStatusReportDraft, partNumber: Int?) -> SMSStatusReportInfo {
        let outcome: String
        switch d.status {
        case 0x00...0x1F: outcome = "delivered"
        case 0x20...0x3F: outcome = "pending"
        default: outcome = "failed"
        }
        return SMSStatusReportInfo(messageReference: d.messageReference, recipient: d.recipient, status: d.status,
                                   meaning: "", outcome: outcome, serviceCentreTime: d.serviceCentreTime,
                                   dischargeTime: d.dischargeTime, receivedAt: d.receivedAt, modem: d.modem, partNumber: partNumber)
    }

    // MARK: Counters

    /// Adds `parts` SMS to every counter in `keys` (a SIM's day and month), in this transaction.
    public func addSMSUsage(_ keys: [UsageKey], parts: Int) throws {
        for key in keys {
            try db.execute(sql: """
                INSERT INTO usage_counter (subject_kind, subject, period, period_start, sms) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(subject_kind, subject, period, period_start) DO UPDATE SET sms = sms + excluded.sms
                """, arguments: [key.subjectKind.rawValue, key.subject, key.period.rawValue, key.startKey, max(0, parts)])
        }
    }

    public func smsUsage(_ key: UsageKey) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT sms FROM usage_counter WHERE subject_kind = ? AND subject = ? AND period = ? AND period_start = ?
            """, arguments: [key.subjectKind.rawValue, key.subject, key.period.rawValue, key.startKey]) ?? 0
    }

    // MARK: Rows

    static func messageRecord(_ row: Row) -> SMSMessageRecord {
        let created: Date = row["created_at"]
        let offset: Int = row["created_offset_minutes"]
        let message = SMSMessage(
            id: row["id"], direction: SMSDirection(rawValue: row["direction"]) ?? .inbound,
            state: SMSState(rawValue: row["state"]) ?? .failed, modem: row["modem"], iccid: row["iccid"], peer: row["peer"],
            text: row["text"], encoding: row["encoding"], partsExpected: row["parts_expected"], partsDone: row["parts_done"],
            createdAt: created, createdLocal: localTime(created, offsetMinutes: offset), updatedAt: row["updated_at"],
            serviceCentreTime: row["smsc_time"], lastError: row["last_error"], lastCMS: row["last_cms"],
            attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"], deliveredAt: row["delivered_at"], user: row["user"])
        let excluded: String? = row["excluded_sims"]
        return SMSMessageRecord(message: message, requestedSIM: row["requested_sim"],
                                excludedSIMs: excluded.map { $0.split(separator: ",").map(String.init) } ?? [],
                                reassemblyKey: row["reassembly_key"], createdOffsetMinutes: offset)
    }

    static func report(_ row: Row) -> SMSStoredReport {
        SMSStoredReport(id: row["id"], draft: SMSStatusReportDraft(
            modem: row["modem"], iccid: row["iccid"], messageReference: row["mr"], recipient: row["recipient"],
            status: row["status"], serviceCentreTime: row["smsc_time"], dischargeTime: row["discharge_time"],
            receivedAt: row["received_at"], pduHex: row["pdu_hex"], dedupKey: row["dedup_key"]), partID: row["part_id"])
    }

    /// "2025-03-01T15:00:00+03:00": the instant in the zone offset it was recorded with.
    public static func localTime(_ date: Date, offsetMinutes: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: offsetMinutes * 60) ?? TimeZone(secondsFromGMT: 0)!
        return formatter.string(from: date)
    }
}
