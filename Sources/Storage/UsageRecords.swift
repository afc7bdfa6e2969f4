// Usage counters (per SIM: calls and billed seconds per day and per tariff month; per
// caller user and group: per day) and the numbering files an admin imported. Both live in
// the database so they survive restarts; the period arithmetic is the Gateway's (RoutingCore
// `CounterPeriods`), which passes each period's start instant in.
import Foundation
import GRDB

/// Whose usage a counter row holds.
public enum UsageSubject: String, Sendable, Codable, CaseIterable {
    case sim, user, group
}

/// Which period a counter row covers.
public enum UsagePeriod: String, Sendable, Codable, CaseIterable {
    case day, month
}

/// One counter: subject, period, and the period's first instant.
public struct UsageKey: Sendable, Hashable {
    public var subjectKind: UsageSubject
    /// ICCID, user name or group name.
    public var subject: String
    public var period: UsagePeriod
    public var periodStart: Date

    public init(_ subjectKind: UsageSubject, _ subject: String, _ period: UsagePeriod, start: Date) {
        self.subjectKind = subjectKind
        self.subject = subject
        self.period = period
        self.periodStart = start
    }

    /// Whole seconds since 1970: an exact integer key (a REAL or text date could differ in
    /// its last digit between two computations of the same instant).
    var startKey: Int64 { Int64(periodStart.timeIntervalSince1970.rounded(.down)) }
}

/// What one finished call adds to the usage counters: `calls` and `billedSeconds` on every
/// counter in `keys`. A call's charges are written in the transaction that closes its record
/// (`Storage.closeCall(_:charges:)`, `closeInterruptedCalls`), so its minutes count exactly once.
public struct UsageCharge: Sendable, Hashable {
    public var keys: [UsageKey]
    public var calls: Int
    public var billedSeconds: Int

    public init(keys: [UsageKey], calls: Int, billedSeconds: Int) {
        self.keys = keys
        self.calls = calls
        self.billedSeconds = billedSeconds
    }
}

public struct UsageTotals: Sendable, Hashable {
    public var calls: Int
    public var billedSeconds: Int

    public init(calls: Int = 0, billedSeconds: Int = 0) {
        self.calls = calls
        self.billedSeconds = billedSeconds
    }
}

/// A numbering data file imported with `simgate numbering import`, loaded after the
/// config's sources on every (re)load, in import order.
public struct NumberingSourceRecord: Codable, Sendable, Equatable, SnakeCaseColumns, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "numbering_source"

    public var id: Int64?
    /// registry | libphonenumber | bdpn | csv
    public var format: String
    /// Where the daemon keeps its copy (under the state directory).
    public var path: String
    /// The file the admin named.
    public var originalPath: String
    public var importedAt: Date
    public var byteCount: Int64

    public init(id: Int64? = nil, format: String, path: String, originalPath: String, importedAt: Date, byteCount: Int64) {
        self.id = id
        self.format = format
        self.path = path
        self.originalPath = originalPath
        self.importedAt = importedAt
        self.byteCount = byteCount
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

enum UsageMigration {
    static let name = "v3-sim-usage"

    static func migrate(_ db: Database) throws {
        try db.create(table: "usage_counter") { t in
            t.column("subject_kind", .text).notNull()
            t.column("subject", .text).notNull()
            t.column("period", .text).notNull()
            t.column("period_start", .integer).notNull()
            t.column("calls", .integer).notNull().defaults(to: 0)
            t.column("billed_seconds", .integer).notNull().defaults(to: 0)
            t.primaryKey(["subject_kind", "subject", "period", "period_start"])
        }
        try db.create(table: NumberingSourceRecord.databaseTableName) { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("format", .text).notNull()
            t.column("path", .text).notNull()
            t.column("original_path", .text).notNull()
            t.column("imported_at", .datetime).notNull()
            t.column("byte_count", .integer).notNull()
        }
    }
}

extension Storage {
    // MARK: Usage counters

    /// Adds `calls` and `billedSeconds` to every counter in `keys`, in one transaction (a
    /// call's SIM day, SIM month, user day and group day move together or not at all).
    public func addUsage(_ keys: [UsageKey], calls: Int, billedSeconds: Int) async throws {
        try await write { db in try Self.add(UsageCharge(keys: keys, calls: calls, billedSeconds: billedSeconds), db) }
    }

    /// One charge, inside the caller's transaction.
    static func add(_ charge: UsageCharge, _ db: Database) throws {
        for key in charge.keys {
            try db.execute(sql: """
                INSERT INTO usage_counter (subject_kind, subject, period, period_start, calls, billed_seconds)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(subject_kind, subject, period, period_start) DO UPDATE SET
                    calls = calls + excluded.calls,
                    billed_seconds = billed_seconds + excluded.billed_seconds
                """, arguments: [key.subjectKind.rawValue, key.subject, key.period.rawValue, key.startKey,
                                 max(0, charge.calls), max(0, charge.billedSeconds)])
        }
    }

    /// The totals of each counter that has a row, in one read (absent keys: nothing recorded).
    public func usage(_ keys: [UsageKey]) async throws -> [UsageKey: UsageTotals] {
        try await writer.read { db in
            var result: [UsageKey: UsageTotals] = [:]
            for key in keys {
                let row = try Row.fetchOne(db, sql: """
                    SELECT calls, billed_seconds FROM usage_counter
                    WHERE subject_kind = ? AND subject = ? AND period = ? AND period_start = ?
                    """, arguments: [key.subjectKind.rawValue, key.subject, key.period.rawValue, key.startKey])
                if let row { result[key] = UsageTotals(calls: row["calls"], billedSeconds: row["billed_seconds"]) }
            }
            return result
        }
    }

    /// Every counter of one kind and period summed (all subjects, all periods kept): what
    /// the SIMs have used in total, e.g. to check that a call was charged exactly once.
    public func usageTotals(_ subjectKind: UsageSubject, _ period: UsagePeriod) async throws -> UsageTotals {
        try await writer.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(calls), 0) AS calls, COALESCE(SUM(billed_seconds), 0) AS seconds
                FROM usage_counter WHERE subject_kind = ? AND period = ?
                """, arguments: [subjectKind.rawValue, period.rawValue])
            return UsageTotals(calls: row?["calls"] ?? 0, billedSeconds: row?["seconds"] ?? 0)
        }
    }

    /// Deletes counters of periods that started before `cutoff`; returns how many went.
    @discardableResult
    public func pruneUsage(before cutoff: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM usage_counter WHERE period_start < ?",
                           arguments: [Int64(cutoff.timeIntervalSince1970)])
            return db.changesCount
        }
    }

    // MARK: Imported numbering files

    @discardableResult
    public func addNumberingSource(_ source: NumberingSourceRecord) async throws -> NumberingSourceRecord {
        try await write { db in
            var row = source
            try row.insert(db)
            return row
        }
    }

    /// In import order.
    public func numberingSources() async throws -> [NumberingSourceRecord] {
        try await writer.read { db in try NumberingSourceRecord.order(Column("id")).fetchAll(db) }
    }

    public func removeNumberingSource(id: Int64) async throws {
        _ = try await write { db in try NumberingSourceRecord.deleteOne(db, key: id) }
    }
}
