// The schema, as an ordered list of named migrations. A migration is never edited once
// released: change the schema by appending a new one (`v2-...`), so every existing
// database upgrades the same way. GRDB records applied names in `grdb_migrations`.
import GRDB

public enum StorageMigrations {
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-modems-sims-events") { db in
            // Modems the gateway has identified, keyed by IMEI: the one identity that moves
            // with the hardware when it is plugged into another port.
            try db.create(table: ModemRecord.databaseTableName) { t in
                t.primaryKey("imei", .text)
                t.column("id", .text).notNull()
                t.column("vendor", .text)
                t.column("model", .text)
                t.column("firmware", .text)
                t.column("at_port", .text)
                t.column("usb_path", .text)
                t.column("first_seen", .datetime).notNull()
                t.column("last_seen", .datetime).notNull()
            }
            try db.create(index: "modem_on_id", on: ModemRecord.databaseTableName, columns: ["id"])

            // SIM cards, keyed by ICCID (printed on the card; the IMSI can be re-provisioned).
            try db.create(table: SIMRecord.databaseTableName) { t in
                t.primaryKey("iccid", .text)
                t.column("imsi", .text)
                t.column("mccmnc", .text)
                t.column("msisdn", .text)
                t.column("modem_imei", .text).references(ModemRecord.databaseTableName, column: "imei", onDelete: .setNull)
                t.column("first_seen", .datetime).notNull()
                t.column("last_seen", .datetime).notNull()
            }
            try db.create(index: "sim_on_modem_imei", on: SIMRecord.databaseTableName, columns: ["modem_imei"])

            // What happened to each modem, with why. `imei` is nullable: a modem can fail
            // before it ever answered AT+CGSN.
            try db.create(table: ModemEventRow.databaseTableName) { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("modem_id", .text).notNull()
                t.column("imei", .text)
                t.column("kind", .text).notNull()
                t.column("detail", .text).notNull()
            }
            try db.create(index: "modem_event_on_modem_id_at", on: ModemEventRow.databaseTableName, columns: ["modem_id", "at"])
            try db.create(index: "modem_event_on_at", on: ModemEventRow.databaseTableName, columns: ["at"])
        }
        migrator.registerMigration("v2-calls") { db in
            try CallRecord.createTable(db)
        }
        migrator.registerMigration("v2-sip-registrations") { db in
            // Contacts bound by REGISTER (RFC 3261 §10.3), kept so a restart keeps them until
            // they expire. One row per (user, contact URI); a refresh replaces the row.
            try db.create(table: SIPRegistrationRow.databaseTableName) { t in
                t.column("user", .text).notNull()
                t.column("contact", .text).notNull()
                t.column("source", .text).notNull()
                t.column("user_agent", .text)
                t.column("call_id", .text).notNull()
                t.column("cseq", .integer).notNull()
                t.column("expires_at", .datetime).notNull()
                t.primaryKey(["user", "contact"])
            }
            try db.create(index: "sip_registration_on_expires_at", on: SIPRegistrationRow.databaseTableName, columns: ["expires_at"])
        }
        migrator.registerMigration(UsageMigration.name, migrate: UsageMigration.migrate)
        migrator.registerMigration("v3-missed-calls", migrate: InboundMigrations.createMissedCalls)
        migrator.registerMigration("v3-webhook-outbox", migrate: InboundMigrations.createWebhookOutbox)
        migrator.registerMigration("v4-call-routing") { db in
            try CallRecord.addRoutingColumns(db)
        }
        migrator.registerMigration("v5-call-rtcp") { db in
            try CallRecord.addRTCPColumns(db)
        }
        migrator.registerMigration(SMSMigration.name, migrate: SMSMigration.migrate)
        migrator.registerMigration(SIMCareMigration.name, migrate: SIMCareMigration.migrate)
        migrator.registerMigration(SIMHealthMigration.name, migrate: SIMHealthMigration.migrate)
        migrator.registerMigration("v9-call-alive") { db in
            try CallRecord.addAliveColumn(db)
        }
        return migrator
    }
}
