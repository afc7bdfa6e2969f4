// Storage against a real SQLite file in a fresh temporary directory per test.
import ControlModel
import Foundation
import GRDB
import Testing
@testable import Storage

/// A fresh state directory, removed when the test ends.
final class TemporaryStateDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("simgate-storage-\(UUID().uuidString)").path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    var databasePath: String { (path as NSString).appendingPathComponent(StorageDatabase.fileName) }
}

/// Whole seconds: GRDB stores dates with millisecond precision.
let t0 = Date(timeIntervalSince1970: 1_760_000_000)

@Suite("Storage: database file, WAL and migrations")
struct StorageDatabaseTests {
    @Test func freshDirectoryGetsAMigratedWALDatabase() async throws {
        let dir = try TemporaryStateDirectory()
        let storage = try Storage.open(stateDirectory: dir.path + "/nested/state")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/nested/state/simgate.sqlite"))

        // The writer's connection: readers get GRDB's own (longer) busy timeout.
        let busyTimeout = try await storage.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA busy_timeout") }
        let (journalMode, foreignKeys, applied, tables) = try await storage.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
             try StorageMigrations.migrator.appliedIdentifiers(db),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))
        }
        #expect(journalMode == "wal")
        #expect(foreignKeys == 1)
        #expect(busyTimeout == 5000)
        #expect(Set(applied) == Set(StorageMigrations.migrator.migrations))
        #expect(Set(tables).isSuperset(of: ["call_record", "grdb_migrations", "modem", "modem_event", "sim", "sip_registration", "numbering_source", "usage_counter",
                                                   "callback_task", "missed_call", "missed_call_history", "webhook_outbox"]))
    }

    @Test func reopeningAppliesNothingTwiceAndKeepsEverything() async throws {
        let dir = try TemporaryStateDirectory()
        do {
            let storage = try Storage.open(stateDirectory: dir.path)
            try await storage.recordModemIdentified(imei: "861234567890123", id: "huawei1", vendor: "huawei", model: "E1550",
                                                    firmware: "11.608.12.02.00", atPort: "/tmp/simgate/sim/huawei1.at",
                                                    usbPath: "1-1.2", at: t0)
            try await storage.recordSIM(iccid: "8970199140000000001", imsi: "250991234567890", msisdn: "+79161234567",
                                        modemIMEI: "861234567890123", at: t0)
            try await storage.recordEvent(ModemEventRecord(at: t0, modemID: "huawei1", kind: "state", detail: "free: registered home"),
                                          imei: "861234567890123")
        }  // the pool is released here, closing the file

        let reopened = try Storage.open(stateDirectory: dir.path)
        let migrations = try await reopened.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations")
        }
        #expect(migrations == StorageMigrations.migrator.migrations.count)
        #expect(try await reopened.modem(imei: "861234567890123") == ModemRecord(
            imei: "861234567890123", id: "huawei1", vendor: "huawei", model: "E1550", firmware: "11.608.12.02.00",
            atPort: "/tmp/simgate/sim/huawei1.at", usbPath: "1-1.2", firstSeen: t0, lastSeen: t0))
        #expect(try await reopened.sim(iccid: "8970199140000000001") == SIMRecord(
            iccid: "8970199140000000001", imsi: "250991234567890", mccmnc: "25099", msisdn: "+79161234567",
            modemIMEI: "861234567890123", firstSeen: t0, lastSeen: t0))
        #expect(try await reopened.recentEvents(modemID: "huawei1", limit: 10) == [
            ModemEventRecord(at: t0, modemID: "huawei1", kind: "state", detail: "free: registered home"),
        ])
    }

    @Test func inMemoryVariantHasTheSameSchema() async throws {
        let storage = try Storage.inMemory()
        let applied = try await storage.writer.read { db in try StorageMigrations.migrator.appliedIdentifiers(db) }
        #expect(Set(applied) == Set(StorageMigrations.migrator.migrations))
        try await storage.recordModemIdentified(imei: "1", id: "m", at: t0)
        #expect(try await storage.allModems().map(\.imei) == ["1"])
    }
}

@Suite("Storage: modems and SIMs")
struct StorageRecordTests {
    @Test func reidentificationKeepsFirstSeenAndFollowsThePort() async throws {
        let dir = try TemporaryStateDirectory()
        let storage = try Storage.open(stateDirectory: dir.path)
        let first = try await storage.recordModemIdentified(imei: "867223020000001", id: "quectel1", vendor: "Quectel",
                                                            model: "EC25", firmware: "EC25EFAR06A06M4G", atPort: "/dev/ttyUSB2",
                                                            usbPath: "1-1.3", at: t0)
        #expect(first.firstSeen == t0 && first.lastSeen == t0)

        // Unplugged and plugged into another port an hour later; the firmware read failed this time.
        let later = t0.addingTimeInterval(3600)
        let second = try await storage.recordModemIdentified(imei: "867223020000001", id: "usb-000001", vendor: "Quectel",
                                                             model: "EC25", firmware: nil, atPort: "/dev/ttyUSB6",
                                                             usbPath: "1-1.4", at: later)
        #expect(second == ModemRecord(imei: "867223020000001", id: "usb-000001", vendor: "Quectel", model: "EC25",
                                      firmware: "EC25EFAR06A06M4G", atPort: "/dev/ttyUSB6", usbPath: "1-1.4",
                                      firstSeen: t0, lastSeen: later))
        #expect(try await storage.allModems().count == 1)

        // A late write carrying an older timestamp cannot move last_seen backwards.
        let stale = try await storage.recordModemIdentified(imei: "867223020000001", id: "usb-000001", at: t0.addingTimeInterval(60))
        #expect(stale.lastSeen == later && stale.firstSeen == t0)
    }

    @Test func allModemsListsMostRecentlySeenFirst() async throws {
        let storage = try Storage.inMemory()
        try await storage.recordModemIdentified(imei: "111", id: "a", at: t0)
        try await storage.recordModemIdentified(imei: "222", id: "b", at: t0.addingTimeInterval(10))
        try await storage.recordModemIdentified(imei: "333", id: "c", at: t0.addingTimeInterval(5))
        #expect(try await storage.allModems().map(\.id) == ["b", "c", "a"])
        #expect(try await storage.modem(imei: "999") == nil)
    }

    @Test func simMovesBetweenModemsAndKeepsWhatItKnew() async throws {
        let storage = try Storage.inMemory()
        try await storage.recordModemIdentified(imei: "111", id: "huawei1", at: t0)
        try await storage.recordModemIdentified(imei: "222", id: "simcom1", at: t0)
        try await storage.recordSIM(iccid: "8938003992111111111", imsi: "255030123456789", msisdn: "+380501234567",
                                    modemIMEI: "111", at: t0)
        // Moved to another modem; AT+CNUM gave nothing this time.
        let moved = try await storage.recordSIM(iccid: "8938003992111111111", imsi: "255030123456789", msisdn: nil,
                                                modemIMEI: "222", at: t0.addingTimeInterval(600))
        #expect(moved == SIMRecord(iccid: "8938003992111111111", imsi: "255030123456789", mccmnc: "25503",
                                   msisdn: "+380501234567", modemIMEI: "222", firstSeen: t0, lastSeen: t0.addingTimeInterval(600)))
        #expect(try await storage.sim(iccid: "0000") == nil)
    }

    @Test func simInAnUnknownModemIsRejectedByTheForeignKey() async throws {
        let storage = try Storage.inMemory()
        await #expect(throws: DatabaseError.self) {
            try await storage.recordSIM(iccid: "89001", imsi: "250011234567890", modemIMEI: "never-identified", at: t0)
        }
        #expect(try await storage.sim(iccid: "89001") == nil)
    }

    @Test func explicitMCCMNCWinsOverTheIMSIGuess() async throws {
        let storage = try Storage.inMemory()
        let sim = try await storage.recordSIM(iccid: "8901", imsi: "405025123456789", mccmnc: "405025", at: t0)
        #expect(sim.mccmnc == "405025")
    }

    @Test(arguments: [
        ("250991234567890", "25099"),    // Russia: 2-digit MNC
        ("255030123456789", "25503"),    // Ukraine
        ("310260123456789", "310260"),   // USA (T-Mobile): 3-digit MNC
        ("302720123456789", "302720"),   // Canada (Rogers)
        ("26201123456789", "26201"),     // Germany, 14-digit IMSI
    ])
    func homeNetworkFromIMSI(_ imsi: String, _ expected: String) {
        #expect(HomeNetwork.mccmnc(fromIMSI: imsi) == expected)
    }

    @Test func malformedIMSIsGiveNoOperator() {
        #expect(HomeNetwork.mccmnc(fromIMSI: "") == nil)
        #expect(HomeNetwork.mccmnc(fromIMSI: "25099") == nil)
        #expect(HomeNetwork.mccmnc(fromIMSI: "2509912345678901") == nil)
        #expect(HomeNetwork.mccmnc(fromIMSI: "25099123456789X") == nil)
    }
}

@Suite("Storage: modem events")
struct StorageEventTests {
    @Test func recentEventsAreNewestFirstPerModemAndLimited() async throws {
        let dir = try TemporaryStateDirectory()
        let storage = try Storage.open(stateDirectory: dir.path)
        let events = [
            ModemEventRecord(at: t0, modemID: "huawei1", kind: "state", detail: "initializing: port opened"),
            ModemEventRecord(at: t0.addingTimeInterval(2), modemID: "huawei1", kind: "state", detail: "free: registered home"),
            ModemEventRecord(at: t0.addingTimeInterval(3), modemID: "simcom1", kind: "fault", detail: "no-sim: +CME ERROR: 10"),
            ModemEventRecord(at: t0.addingTimeInterval(30), modemID: "huawei1", kind: "recovery", detail: "AT+CFUN=1,1 after 3 timeouts"),
            // Same second as the previous one: insertion order breaks the tie.
            ModemEventRecord(at: t0.addingTimeInterval(30), modemID: "huawei1", kind: "state", detail: "resetting: recovery ladder step 2"),
        ]
        var ids: [Int64] = []
        for e in events {
            ids.append(try await storage.recordEvent(e, imei: e.modemID == "huawei1" ? "861234567890123" : nil))
        }
        #expect(ids == [1, 2, 3, 4, 5])
        #expect(try await storage.recentEvents(modemID: "huawei1", limit: 3) == [events[4], events[3], events[1]])
        #expect(try await storage.recentEvents(modemID: "simcom1", limit: 10) == [events[2]])
        #expect(try await storage.recentEvents(modemID: "huawei1", limit: 0) == [])
        #expect(try await storage.recentEvents(modemID: "nobody", limit: 5) == [])

        let imeis = try await storage.writer.read { db in
            try String?.fetchAll(db, sql: "SELECT imei FROM modem_event ORDER BY id")
        }
        #expect(imeis == ["861234567890123", "861234567890123", nil, "861234567890123", "861234567890123"])
    }

    @Test func pruneDeletesOnlyEventsOlderThanTheCutoff() async throws {
        let storage = try Storage.inMemory()
        let day: TimeInterval = 86_400
        let now = t0.addingTimeInterval(40 * day)
        let old = ModemEventRecord(at: now.addingTimeInterval(-31 * day), modemID: "m", kind: "state", detail: "old")
        let edge = ModemEventRecord(at: now.addingTimeInterval(-30 * day), modemID: "m", kind: "state", detail: "exactly 30 days")
        let recent = ModemEventRecord(at: now.addingTimeInterval(-1 * day), modemID: "m", kind: "state", detail: "yesterday")
        for e in [old, edge, recent] { try await storage.recordEvent(e, imei: nil) }

        #expect(try await storage.pruneEvents(olderThanDays: 30, now: now) == 1)
        #expect(try await storage.recentEvents(modemID: "m", limit: 10) == [recent, edge])
        #expect(try await storage.pruneEvents(olderThanDays: 30, now: now) == 0)
    }

    @Test func concurrentWritersAllLand() async throws {
        let dir = try TemporaryStateDirectory()
        let storage = try Storage.open(stateDirectory: dir.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for modem in 0..<4 {
                group.addTask {
                    for i in 0..<25 {
                        try await storage.recordEvent(ModemEventRecord(at: t0.addingTimeInterval(Double(i)), modemID: "m\(modem)",
                                                                       kind: "state", detail: "step \(i)"), imei: nil)
                    }
                }
            }
            try await group.waitForAll()
        }
        for modem in 0..<4 {
            let recent = try await storage.recentEvents(modemID: "m\(modem)", limit: 100)
            #expect(recent.map(\.detail) == (0..<25).reversed().map { "step \($0)" })
        }
    }
}

@Suite("Storage: usage counters and imported numbering files")
struct UsageStorageTests {
    @Test func countersAddUpPerKeyAndSurviveReopening() async throws {
        let dir = try TemporaryStateDirectory()
        let day = UsageKey(.sim, "8970100000000000012", .day, start: t0)
        let month = UsageKey(.sim, "8970100000000000012", .month, start: t0.addingTimeInterval(-86_400 * 10))
        let user = UsageKey(.user, "alice", .day, start: t0)
        do {
            let storage = try Storage.open(stateDirectory: dir.path)
            try await storage.addUsage([day, month, user], calls: 1, billedSeconds: 0)
            try await storage.addUsage([day, month, user], calls: 0, billedSeconds: 120)
            try await storage.addUsage([day], calls: 1, billedSeconds: 60)
            let source = try await storage.addNumberingSource(NumberingSourceRecord(
                format: "csv", path: "/var/lib/simgate/numbering/1-csv-ported.csv", originalPath: "/tmp/ported.csv",
                importedAt: t0, byteCount: 42))
            #expect(source.id != nil)
        }
        let storage = try Storage.open(stateDirectory: dir.path)
        let totals = try await storage.usage([day, month, user, UsageKey(.sim, "8970100000000000012", .day, start: t0.addingTimeInterval(86_400))])
        #expect(totals[day] == UsageTotals(calls: 2, billedSeconds: 180))
        #expect(totals[month] == UsageTotals(calls: 1, billedSeconds: 120))
        #expect(totals[user] == UsageTotals(calls: 1, billedSeconds: 120))
        #expect(totals.count == 3, "the next day has no row yet")
        #expect(try await storage.numberingSources().map(\.originalPath) == ["/tmp/ported.csv"])
        #expect(try await storage.pruneUsage(before: t0) == 1)
        #expect(try await storage.usage([month]).isEmpty)
    }
}

@Suite("Call records")
struct CallRecordTests {
    func record(_ call: String, modem: String, at: Date, answered: Bool) -> CallDetail {
        var r = CallDetail(callID: call, attempt: 1, direction: "outbound", modemID: modem, inviteAt: at)
        r.calleeDialed = "+79161234567"
        if answered { r.answerAt = at.addingTimeInterval(5) }
        return r
    }

    @Test("an attempt is written at start, closed at end, and feeds per-modem ASR/ACD")
    func openCloseStats() async throws {
        let storage = try Storage.inMemory()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var a = try await storage.openCall(record("c1", modem: "huawei1", at: t0, answered: true))
        #expect(a.id != nil)
        // Open rows do not count yet.
        #expect(try await storage.callStatistics()["huawei1"] == nil)
        a.endAt = t0.addingTimeInterval(65)
        a.billableSeconds = 60
        a.gsmCause = "normal"
        try await storage.closeCall(a)
        var b = try await storage.openCall(record("c2", modem: "huawei1", at: t0.addingTimeInterval(100), answered: false))
        b.endAt = t0.addingTimeInterval(110)
        b.gsmCause = "busy"
        b.sipStatus = 486
        try await storage.closeCall(b)
        let stats = try #require(try await storage.callStatistics()["huawei1"])
        #expect(stats.total == 2 && stats.answered == 1 && stats.outbound == 2 && stats.billableSeconds == 60)
        #expect(stats.asr == 50 && stats.acd == 60)
        let rows = try await storage.callRecords(limit: 10)
        #expect(rows.map(\.callID) == ["c2", "c1"])
        #expect(rows[0].sipStatus == 486 && rows[0].gsmCause == "busy")
        #expect(try await storage.callRecords(modem: "quectel1").isEmpty)
        #expect(try await storage.callRecords(since: t0.addingTimeInterval(50)).map(\.callID) == ["c2"])
    }

    @Test("a restart closes rows left open as interrupted at their last heartbeat, charging their usage once")
    func interrupted() async throws {
        let storage = try Storage.inMemory()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let open = try await storage.openCall(record("c1", modem: "simcom1", at: t0, answered: false))
        try await storage.updateOpenCall(id: try #require(open.id), answerAt: t0.addingTimeInterval(5), ringingAt: t0.addingTimeInterval(2))
        // A second row that never saw a heartbeat ends where its last known instant is.
        _ = try await storage.openCall(record("c2", modem: "huawei1", at: t0.addingTimeInterval(1), answered: false))
        #expect(try await storage.markOpenCallsAlive(at: t0.addingTimeInterval(20)) == 2)
        let key = UsageKey(.sim, "8970100000000000038", .day, start: t0)
        let closed = try await storage.closeInterruptedCalls(charges: { row in
            row.answerAt == nil ? [] : [UsageCharge(keys: [key], calls: 1, billedSeconds: row.billableSeconds)]
        })
        #expect(closed.count == 2)
        let row = try #require(try await storage.callRecords().first { $0.callID == "c1" })
        #expect(row.gsmCause == "interrupted" && row.endAt == t0.addingTimeInterval(20) && row.billableSeconds == 15, "\(row)")
        #expect(row.answerAt == t0.addingTimeInterval(5) && row.ringingAt == t0.addingTimeInterval(2))
        #expect(try await storage.usage([key])[key] == UsageTotals(calls: 1, billedSeconds: 15))
        #expect(try await storage.closeInterruptedCalls().isEmpty)
        #expect(try await storage.usage([key])[key] == UsageTotals(calls: 1, billedSeconds: 15), "a second start charges nothing again")
    }
}
