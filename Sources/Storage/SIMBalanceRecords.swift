// SIM balances: every check of a SIM's money balance (a USSD or SMS reply), kept as history.
// A reply the parser could not read is stored too, whole, with `amount_minor` NULL: an
// unreadable reply is never a balance of 0.
import ControlModel
import Foundation
import GRDB

enum SIMCareMigration {
    static let name = "v7-sim-care"

    static func migrate(_ db: Database) throws {
        try db.create(table: "sim_balance_check") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("iccid", .text).notNull()
            t.column("modem", .text)
            t.column("checked_at", .datetime).notNull()
            t.column("request", .text).notNull()        // "*100#"
            t.column("amount_minor", .integer)          // 2 decimals: 2220,76 → 222076; NULL when unread
            t.column("currency", .text)
            t.column("reply", .text)                    // the operator's text, whole
            t.column("error", .text)                    // why there is no amount
        }
        try db.create(index: "sim_balance_check_by_sim", on: "sim_balance_check", columns: ["iccid", "checked_at"])
        // A configured PIN the SIM refused (SIMPINRecords.swift): never the PIN itself, only a
        // fingerprint of modem id and PIN, so a changed PIN in the config is tried once.
        try db.create(table: "sim_pin_rejection") { t in
            t.column("modem", .text).notNull()
            t.column("pin_fingerprint", .text).notNull()
            t.column("rejected_at", .datetime).notNull()
            t.column("reason", .text).notNull()
            t.primaryKey(["modem", "pin_fingerprint"])
        }
    }
}

/// One balance check, as stored.
public struct SIMBalanceCheck: Sendable, Equatable, Codable {
    public var id: Int64?
    public var iccid: String
    public var modem: String?
    public var checkedAt: Date
    public var request: String
    public var amountMinor: Int64?
    public var currency: String?
    public var reply: String?
    public var error: String?

    public init(id: Int64? = nil, iccid: String, modem: String?, checkedAt: Date, request: String, amountMinor: Int64?,
                currency: String?, reply: String?, error: String?) {
        self.id = id; self.iccid = iccid; self.modem = modem; self.checkedAt = checkedAt; self.request = request
        self.amountMinor = amountMinor; self.currency = currency; self.reply = reply; self.error = error
    }

    init(row: Row) {
        self.init(id: row["id"], iccid: row["iccid"], modem: row["modem"], checkedAt: row["checked_at"], request: row["request"],
                  amountMinor: row["amount_minor"], currency: row["currency"], reply: row["reply"], error: row["error"])
    }
}

extension StorageTransaction {
    /// History bounded per SIM: the newest `keepPerSIM` checks stay (a check every hour for a
    /// year is 8,760 rows per SIM; older ones tell nothing the report needs).
    public static let balanceChecksKeptPerSIM = 5000

    @discardableResult
    public func insertBalanceCheck(_ c: SIMBalanceCheck) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO sim_balance_check (iccid, modem, checked_at, request, amount_minor, currency, reply, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [c.iccid, c.modem, c.checkedAt, c.request, c.amountMinor, c.currency, c.reply, c.error])
        let id = db.lastInsertedRowID
        try db.execute(sql: """
            DELETE FROM sim_balance_check WHERE iccid = ? AND id NOT IN
                (SELECT id FROM sim_balance_check WHERE iccid = ? ORDER BY id DESC LIMIT ?)
            """, arguments: [c.iccid, c.iccid, Self.balanceChecksKeptPerSIM])
        return id
    }

    /// The newest check of `iccid`, read or not.
    public func latestBalanceCheck(iccid: String) throws -> SIMBalanceCheck? {
        try Row.fetchOne(db, sql: "SELECT * FROM sim_balance_check WHERE iccid = ? ORDER BY id DESC LIMIT 1",
                         arguments: [iccid]).map(SIMBalanceCheck.init(row:))
    }

    /// The newest check of `iccid` that read an amount.
    public func latestBalance(iccid: String) throws -> SIMBalanceCheck? {
        try Row.fetchOne(db, sql: """
            SELECT * FROM sim_balance_check WHERE iccid = ? AND amount_minor IS NOT NULL ORDER BY id DESC LIMIT 1
            """, arguments: [iccid]).map(SIMBalanceCheck.init(row:))
    }

    /// Newest first, at most `limit` (clamped to 1...1000).
    public func balanceHistory(iccid: String, limit: Int) throws -> [SIMBalanceCheck] {
        try Row.fetchAll(db, sql: "SELECT * FROM sim_balance_check WHERE iccid = ? ORDER BY id DESC LIMIT ?",
                         arguments: [iccid, min(max(limit, 1), 1000)]).map(SIMBalanceCheck.init(row:))
    }
}
