// The v6-sms schema against a real SQLite file: tables, the dedup keys that make a reread
// PDU one part, status reports kept unmatched, SMS counters beside the call counters, and
// all of it surviving a reopen (a daemon restart).
import ControlModel
import Foundation
import GRDB
import Testing
@testable import Storage

@Suite("Storage: SMS messages, parts, status reports, counters")
struct SMSStorageTests {
    @Test func migrationCreatesTheTablesAndTheSMSCounterColumn() async throws {
        let dir = try TemporaryStateDirectory()
        let storage = try Storage.open(stateDirectory: dir.path)
        let (tables, columns, applied) = try await storage.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
             try db.columns(in: "usage_counter").map(\.name),
             try StorageMigrations.migrator.appliedIdentifiers(db))
        }
        #expect(Set(tables).isSuperset(of: ["sms_message", "sms_part", "sms_status_report"]))
        #expect(columns.contains("sms"))
        #expect(applied.contains("v6-sms"))
    }

    @Test func messagesPartsAndReportsSurviveReopening() async throws {
        let dir = try TemporaryStateDirectory()
        let key = UsageKey(.sim, "8970199140000000001", .day, start: t0)
        let messageID: Int64
        do {
            let storage = try Storage.open(stateDirectory: dir.path)
            messageID = try await storage.transaction { tx in
                let id = try tx.insertSMSMessage(SMSMessageDraft(
                    direction: .outbound, state: .queued, peer: "+79161234567", text: "hello", encoding: "gsm7",
                    partsExpected: 1, createdAt: t0, createdOffsetMinutes: 180, nextAttemptAt: t0))
                #expect(try tx.insertSMSPart(SMSPartRecord(number: 1, state: "queued", pduHex: "0011", tpduLength: 1,
                                                           text: "hello", dedupKey: "out:\(id):1"), messageID: id))
                // The same dedup key again: refused, nothing written.
                #expect(try !tx.insertSMSPart(SMSPartRecord(number: 2, state: "queued", pduHex: "0011", dedupKey: "out:\(id):1"),
                                              messageID: id))
                let part = try tx.smsParts(messageID: id)[0]
                try tx.updateSMSPart(id: part.id, state: "sent", messageReference: 42, modem: "huawei1",
                                     iccid: "8970199140000000001", sentAt: t0)
                try tx.addSMSUsage([key], parts: 1)
                try tx.addSMSUsage([key], parts: 2)
                let report = SMSStatusReportDraft(modem: "huawei1", iccid: "8970199140000000001", messageReference: 42,
                                                  recipient: "+79161234567", status: 0, serviceCentreTime: "2025-10-09T12:00:00+03:00",
                                                  dischargeTime: "2025-10-09T12:00:05+03:00", receivedAt: t0, pduHex: "06", dedupKey: "r1")
                #expect(try tx.insertSMSStatusReport(report, partID: nil) != nil)
                #expect(try tx.insertSMSStatusReport(report, partID: nil) == nil)   // read twice: one report
                return id
            }
        }
        let storage = try Storage.open(stateDirectory: dir.path)
        try await storage.read { tx in
            let record = try #require(try tx.smsMessage(id: messageID))
            #expect(record.message.createdLocal == "2025-10-09T11:53:20+03:00")
            #expect(record.message.parts?.count == 1 && record.message.parts?[0].messageReference == 42)
            #expect(try tx.smsSentParts(messageReference: 42, iccid: "8970199140000000001", modem: "huawei1",
                                        since: t0.addingTimeInterval(-60)).map(\.peer) == ["+79161234567"])
            #expect(try tx.unmatchedSMSStatusReports(messageReference: 42, since: t0.addingTimeInterval(-1)).count == 1)
            #expect(try tx.smsUsage(key) == 3)
            #expect(try tx.smsLastSent(iccid: "8970199140000000001") == t0)
            #expect(try tx.smsMessages(modem: nil, direction: .outbound, since: nil, limit: 10).map(\.id) == [messageID])
            #expect(try tx.smsMessages(modem: nil, direction: .inbound, since: nil, limit: 10).isEmpty)
        }
        // The SMS column does not disturb the call counters of the same key.
        try await storage.addUsage([key], calls: 1, billedSeconds: 60)
        #expect(try await storage.usage([key])[key] == UsageTotals(calls: 1, billedSeconds: 60))
        #expect(try await storage.read { tx in try tx.smsUsage(key) } == 3)
    }
}
