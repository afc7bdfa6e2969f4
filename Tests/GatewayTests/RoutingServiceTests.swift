// The Gateway's routing services against the real numbering data: loading through the
// config, reloads that swap whole snapshots (or keep the old one), imports that persist,
// usage counters in SQLite, and `simgate route explain` / `sims` / `numbering` end to end.
import ControlModel
import Foundation
import Logging
import RoutingCore
import SimgateCLI
import SimgateConfig
import Storage
import Testing

@testable import Gateway

/// `<package root>/../shared/data/numbering`.
let numberingData: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/data/numbering").standardizedFileURL.path

private func temporaryDirectory() throws -> String {
    let path = "/tmp/sgt-routing-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func service(_ toml: String, storage: Storage, directory: String) throws -> NumberingService {
    let config = try GatewayConfig.parse(text: toml)
    let policy = RoutingPolicy(config: config)
    return NumberingService(configSources: policy.sources, mapping: policy.mapping, storage: storage,
                            importDirectory: directory + "/numbering", logger: Logger(label: "test"))
}

/// Header and three rows in the registry's real layout (BOM, semicolons).
private func registryFile(operatorName: String, inn: String, extraLine: String = "") -> String {
    "\u{FEFF}АВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН\n"
        + "900;0000000;0061999;62000;ООО \"Т2 МОБАЙЛ\";Краснодарский край;Краснодарский край;7743895280\n"
        + "916;0000000;9999999;10000000;\(operatorName);г. Москва и Московская область;Город Москва;\(inn)\n"
        + extraLine
}

@Suite("Numbering data service")
struct NumberingServiceTests {
    @Test("the real DEF-9xx registry and libphonenumber carrier files load through [routing] and answer lookups")
    func loadsRealDataThroughConfig() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let numbering = try service("""
            [routing]
            registry = ["\(numberingData)/rossvyaz/DEF-9xx.csv"]
            libphonenumber = ["\(numberingData)/libphonenumber/carrier"]
            """, storage: try Storage.inMemory(), directory: directory)
        #expect(numbering.snapshot.registryRangeCount == 0)

        let result = await numbering.reload(reason: "test")
        #expect(result.ok, "\(result.message)")
        let status = numbering.status
        // Every row of the file (16,630 lines = header + 16,629 ranges).
        #expect(status.registryRanges == 16_629)
        #expect(status.sources.map(\.format) == ["registry", "libphonenumber"])
        #expect(status.sources.map(\.rows) == [16_629, status.carrierPrefixes])
        // en/: 7.txt 1,007 + 380.txt 19 + 375.txt 12 + 49.txt 41 + 44.txt 660.
        #expect(status.carrierPrefixes == 1_007 + 19 + 12 + 41 + 660)
        #expect(status.version.contains("registry DEF-9xx.csv@"))
        #expect(status.version.contains("libphonenumber carrier@"))
        #expect(status.lastError == nil)
        #expect(status.loadedAt != nil)

        let snapshot = numbering.snapshot
        let mts = snapshot.lookup(79_161_234_567)
        #expect(mts.operator?.name == "MTS")
        #expect(mts.network == MCCMNC("250-01"))
        #expect(mts.source == .registry)
        // Range edges: 903 000 0000–019 9999 is Beeline (Moscow).
        #expect(snapshot.lookup(79_030_000_000).network == MCCMNC("250-99"))
        #expect(snapshot.lookup(79_030_199_999).network == MCCMNC("250-99"))
        // Ukraine has no registry: libphonenumber's 38067 is Kyivstar.
        let kyivstar = snapshot.lookup(380_671_234_567)
        #expect(kyivstar.source == .libphonenumber)
        #expect(kyivstar.operator?.name == "Kyivstar")
        #expect(snapshot.lookup(4_930_1234_5678).source == .none)
    }

    @Test("a reload swaps the whole snapshot; a bad file keeps the old one and says why")
    func reloadSwapsOrKeeps() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/DEF.csv"
        try registryFile(operatorName: "ПАО \"Мобильные ТелеСистемы\"", inn: "7740000076").write(toFile: file, atomically: true, encoding: .utf8)
        let numbering = try service("[routing]\nregistry = [\"\(file)\"]\n", storage: try Storage.inMemory(), directory: directory)
        #expect(await numbering.reload(reason: "start").ok)
        let first = numbering.snapshot
        #expect(first.lookup(79_161_234_567).network == MCCMNC("250-01"))

        // A broken row: the reload fails, naming the file and line; the old data stays in use.
        try registryFile(operatorName: "ПАО \"ВЫМПЕЛКОМ\"", inn: "7713076301", extraLine: "917;12x;0000001;2;X;Y;Z;1\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let failed = await numbering.reload(reason: "test")
        #expect(!failed.ok)
        #expect(failed.message.contains(file))
        #expect(numbering.snapshot === first)
        #expect(numbering.snapshot.lookup(79_161_234_567).network == MCCMNC("250-01"))
        let error = try #require(numbering.status.lastError)
        #expect(error.contains("DEF.csv:4:"), "line 4 is the bad row: \(error)")

        // Fixed: the new snapshot replaces the old one whole; a reader holding the old one
        // still gets old answers (nothing was mutated under it).
        try registryFile(operatorName: "ПАО \"ВЫМПЕЛКОМ\"", inn: "7713076301").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await numbering.reload(reason: "test").ok)
        #expect(numbering.snapshot !== first)
        #expect(numbering.snapshot.lookup(79_161_234_567).network == MCCMNC("250-99"))
        #expect(first.lookup(79_161_234_567).network == MCCMNC("250-01"))
        #expect(numbering.status.lastError == nil)
    }

    @Test("an imported ported-numbers file overrides the registry and survives a restart; a bad one is refused")
    func importPersists() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let toml = "[routing]\nregistry = [\"\(numberingData)/rossvyaz/DEF-9xx.csv\"]\n"
        let ported = directory + "/ported.csv"
        try "number,mccmnc\n+79161234567,250-99\n".write(toFile: ported, atomically: true, encoding: .utf8)
        do {
            let storage = try Storage.open(stateDirectory: directory + "/state")
            let numbering = try service(toml, storage: storage, directory: directory)
            #expect(await numbering.reload(reason: "start").ok)
            #expect(numbering.snapshot.lookup(79_161_234_567).source == .registry)

            let result = await numbering.importFile(path: ported, format: .csv)
            #expect(result.ok, "\(result.message)")
            let answer = numbering.snapshot.lookup(79_161_234_567)
            #expect(answer.source == .mnp)
            #expect(answer.network == MCCMNC("250-99"))
            #expect(numbering.snapshot.lookup(79_161_234_568).source == .registry)
            #expect(numbering.status.sources.map(\.origin) == ["config", "imported"])

            let bad = directory + "/bad.csv"
            try "number,mccmnc\n+79161234567,MTS\n".write(toFile: bad, atomically: true, encoding: .utf8)
            let refused = await numbering.importFile(path: bad, format: .csv)
            #expect(!refused.ok)
            #expect(refused.message.contains("bad.csv:2:"), "\(refused.message)")
            #expect(numbering.snapshot.lookup(79_161_234_567).source == .mnp)
            #expect(try await storage.numberingSources().count == 1)
            // The original may go: the daemon keeps its own copy.
            try FileManager.default.removeItem(atPath: ported)
        }
        // A restart: a new service over the same database loads the imported file again.
        let numbering = try service(toml, storage: try Storage.open(stateDirectory: directory + "/state"), directory: directory)
        #expect(await numbering.reload(reason: "start").ok)
        #expect(numbering.snapshot.lookup(79_161_234_567).source == .mnp)
        #expect(numbering.status.portedNumbers == 1)
    }
}

@Suite("Usage counters in SQLite")
struct UsageLedgerTests {
    static let moscow = TimeZone(identifier: "Europe/Moscow")!

    /// A local wall-clock time in Moscow (UTC+3, no DST).
    static func moscow(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = moscow
        return calendar.date(from: DateComponents(year: y, month: m, day: d, hour: h, minute: min))!
    }

    @Test("counters survive reopening the database and reset at the day and tariff-month boundaries")
    func persistAndReset() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let iccid = "8970100000000000012"
        let resetDay = 15
        do {
            let ledger = UsageLedger(storage: try Storage.open(stateDirectory: directory), timeZone: Self.moscow)
            try await ledger.recordCallStart(iccid: iccid, user: "alice", group: "drivers", monthResetDay: resetDay,
                                             at: Self.moscow(2025, 3, 14, 23, 50))
            #expect(await ledger.activeCalls(iccid: iccid) == 1)
            try await ledger.recordCallEnd(iccid: iccid, user: "alice", group: "drivers", billedSeconds: 180,
                                           monthResetDay: resetDay, at: Self.moscow(2025, 3, 14, 23, 53))
            #expect(await ledger.activeCalls(iccid: iccid) == 0)
        }
        // Reopened: same day.
        let ledger = UsageLedger(storage: try Storage.open(stateDirectory: directory), timeZone: Self.moscow)
        let sameDay = try await ledger.simUsage(iccid: iccid + "F", monthResetDay: resetDay, at: Self.moscow(2025, 3, 14, 23, 59))
        #expect(sameDay.callsToday == 1)
        #expect(sameDay.secondsToday == 180)
        #expect(sameDay.minutesToday == 3)
        #expect(sameDay.secondsThisMonth == 180)
        #expect(sameDay.monthStart == Self.moscow(2025, 2, 15, 0, 0))
        let caller = try await ledger.callerUsage(user: "alice", at: Self.moscow(2025, 3, 14, 23, 59))
        #expect(caller.callsToday == 1)
        #expect(caller.secondsToday == 180)

        // Midnight in Moscow (21:00 UTC) is the 15th: a new day and, with reset day 15, a new month.
        let nextDay = try await ledger.simUsage(iccid: iccid, monthResetDay: resetDay, at: Self.moscow(2025, 3, 15, 0, 0))
        #expect(nextDay.callsToday == 0)
        #expect(nextDay.secondsToday == 0)
        #expect(nextDay.secondsThisMonth == 0)
        // With reset day 1 the same call is still in this month, but not in today.
        try await ledger.recordCallEnd(iccid: "8970199000000000025", user: nil, group: nil, billedSeconds: 60,
                                       monthResetDay: 1, at: Self.moscow(2025, 3, 14, 12, 0))
        let monthly = try await ledger.simUsage(iccid: "8970199000000000025", monthResetDay: 1, at: Self.moscow(2025, 3, 15, 0, 1))
        #expect(monthly.secondsToday == 0)
        #expect(monthly.secondsThisMonth == 60)
        let april = try await ledger.simUsage(iccid: "8970199000000000025", monthResetDay: 1, at: Self.moscow(2025, 4, 1, 0, 0))
        #expect(april.secondsThisMonth == 0)
        #expect(try await ledger.callerUsage(user: "alice", at: Self.moscow(2025, 3, 15, 0, 0)).callsToday == 0)
    }
}

@Suite("Routing end to end", .serialized, .timeLimit(.minutes(2)))
struct RoutingEndToEndTests {
    @Test("route explain puts the callee's operator's SIM first; a SIM over its daily limit is rejected; sims shows both")
    func explainAndSims() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            [routing]
            home_country = "ru"
            time_zone = "Europe/Moscow"
            registry = ["\(numberingData)/rossvyaz/DEF-9xx.csv"]
            libphonenumber = ["\(numberingData)/libphonenumber/carrier"]

            [[sim]]
            modem = "quectel1"
            minutes_per_day = 1
            """)
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1", "quectel1"])

        let mts = await h.cli(["route", "explain", "+7 916 123-45-67"])
        #expect(mts.exitCode == 0, "\(mts.standardError)")
        let mtsText = mts.standardOutput
        #expect(mtsText.contains("Number:   +7 916 123-45-67 → +79161234567"), "\(mtsText)")
        #expect(mtsText.contains("Operator: MTS (250-01), source registry, data registry DEF-9xx.csv@"), "\(mtsText)")
        #expect(mtsText.contains("huawei1  250-01  accepted #1: on-net"), "\(mtsText)")
        #expect(mtsText.contains("quectel1  250-99  accepted #2: off-net"), "\(mtsText)")
        #expect(mtsText.contains("Order:    huawei1, quectel1"), "\(mtsText)")

        let beeline = await h.cli(["route", "explain", "8 (903) 012-34-56"])
        #expect(beeline.standardOutput.contains("Operator: Beeline (250-99), source registry"), "\(beeline.standardOutput)")
        #expect(beeline.standardOutput.contains("quectel1  250-99  accepted #1: on-net"), "\(beeline.standardOutput)")
        #expect(beeline.standardOutput.contains("Order:    quectel1, huawei1"), "\(beeline.standardOutput)")

        let json = await h.cli(["route", "explain", "+79161234567", "--json"])
        let plan = try ControlJSON.decoder().decode(RoutePlan.self, from: Data(json.standardOutput.utf8))
        #expect(plan.refusal == nil)
        #expect(plan.candidates.map(\.id) == ["huawei1", "quectel1"])
        #expect(plan.candidates.first?.onNet == true)
        #expect(plan.explanation.selection?.destination.source == .registry)

        // The call path's seam: a one-minute call on the Beeline SIM uses its daily minute.
        let quectelICCID = try #require(demoModems.first { $0.name == "quectel1" }?.iccid)
        try await h.running.routing.recordCallStart(iccid: quectelICCID, user: nil, at: Date())
        try await h.running.routing.recordCallEnd(
            iccid: quectelICCID, user: nil, billedSeconds: h.running.routing.billedSeconds(iccid: quectelICCID, callSeconds: 42), at: Date())
        let limited = await h.cli(["route", "explain", "89030123456"])
        #expect(limited.standardOutput.contains("quectel1  250-99  rejected: daily minutes 1/1 reached"), "\(limited.standardOutput)")
        #expect(limited.standardOutput.contains("Order:    huawei1"), "\(limited.standardOutput)")
        let direct = await h.running.routing.plan(dialled: "+79030123456", user: nil, now: Date())
        #expect(direct.candidates.map(\.id) == ["huawei1"])
        // An SMS reads the number as a call does: the callee's operator's SIM is the on-net one,
        // and minute limits do not apply to SMS (quectel1 is still offered).
        let smsRoute = await h.running.routing.smsRoute(to: "89161234567", now: Date())
        #expect(smsRoute.number == "+79161234567")
        #expect(smsRoute.options.map(\.modemID).sorted() == ["huawei1", "quectel1"])
        #expect(smsRoute.options.filter(\.onNet).map(\.modemID) == ["huawei1"])

        let sims = await h.cli(["sims"])
        #expect(sims.exitCode == 0, "\(sims.standardError)")
        let lines = sims.standardOutput.split(separator: "\n")
        for line in lines { #expect(line.count <= 80, "too wide: \(line)") }
        let huaweiLine = try #require(lines.first { $0.contains("huawei1") }, "\(sims.standardOutput)")
        let quectelLine = try #require(lines.first { $0.contains("quectel1") }, "\(sims.standardOutput)")
        #expect(huaweiLine.contains("MTS"))
        #expect(quectelLine.contains("Beeline"))
        #expect(quectelLine.contains("1/1"), "minutes today against the limit: \(quectelLine)")
        let list = try ControlJSON.decoder().decode(SIMUsageList.self, from: Data(await h.cli(["sims", "--json"]).standardOutput.utf8))
        #expect(list.sims.map(\.operatorName) == ["MTS", "Beeline"])
        #expect(list.sims.map(\.mccmnc) == ["250-01", "250-99"])
        #expect(list.sims.last?.callsToday == 1)
        #expect(list.sims.last?.minutesToday == 1)
        #expect(list.sims.last?.minutesPerDay == 1)
        #expect(list.sims.map(\.smsToday) == [0, 0])

        let status = await h.cli(["numbering", "status"])
        #expect(status.standardOutput.contains("16629 registry ranges"), "\(status.standardOutput)")
        for line in status.standardOutput.split(separator: "\n") { #expect(line.count <= 80, "too wide: \(line)") }
        let reload = await h.cli(["numbering", "reload", "--json"])
        #expect(reload.exitCode == 0)
        #expect(try ControlJSON.decoder().decode(NumberingReloadResult.self, from: Data(reload.standardOutput.utf8)).ok)
    }
}

extension GatewayHarness {
    /// Polls (every 100 ms, at most 15 s) until every named modem is free.
    func waitUntilFree(_ ids: [String]) async throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let outcome = await cli(["modems", "--json"])
            if let list = try? ControlJSON.decoder().decode(ModemList.self, from: Data(outcome.standardOutput.utf8)),
               ids.allSatisfy({ id in list.modems.contains { $0.id == id && $0.state == .free } }) {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(description: "timed out after 15 s waiting for \(ids) to be free")
    }
}

@Suite("Routing policy from the config")
struct RoutingPolicyTests {
    static let config = """
        [routing]
        home_country = "ru"
        time_zone = "Europe/Moscow"

        [[routing.operator]]
        name = "MTS"
        mccmnc = "250-01"
        inns = ["7740000076"]
        carrier_names = ["MTS"]
        bdpn_owner_ids = ["mMTS"]

        [[routing.tariff]]
        name = "biz"
        on_net = 0
        off_net = 2
        per_operator = { "25099" = 1.5 }
        billing_increment = 1

        [[sim]]
        iccid = "8970100000000000012F"
        tariff = "biz"
        per_operator = { "25099" = 1.25 }
        minutes_per_day = 100
        month_reset_day = 20
        groups = ["drivers"]

        [[sim]]
        modem = "quectel1"
        off_net = 3

        [[group]]
        name = "drivers"
        members = ["alice"]
        deny = ["international", "premium"]
        """

    @Test("tariffs merge with SIM prices, limits and groups apply, caller rules refuse with 403")
    func policy() throws {
        let policy = RoutingPolicy(config: try GatewayConfig.parse(text: Self.config))
        #expect(policy.timeZone.identifier == "Europe/Moscow")
        // By ICCID (with or without the F filler), else by the modem holding it.
        let sim = try #require(policy.simConfig(iccid: "8970100000000000012", modem: "quectel1"))
        #expect(sim.minutesPerDay == 100)
        #expect(policy.tariff(sim) == SIMTariff(onNetPerMinute: 0, offNetPerMinute: 2, perNetwork: ["25099": Decimal(string: "1.25")!]))
        #expect(policy.limits(sim) == SIMLimits(minutesPerDay: 100, monthResetDay: 20, billingIncrementSeconds: 1))
        let bySlot = try #require(policy.simConfig(iccid: "8970199000000000025", modem: "quectel1"))
        #expect(policy.tariff(bySlot) == SIMTariff(offNetPerMinute: 3))
        #expect(policy.limits(bySlot).billingIncrementSeconds == 60)
        #expect(policy.group(of: "alice") == "drivers")
        #expect(policy.group(of: "bob") == nil)

        let now = UsageLedgerTests.moscow(2025, 3, 14, 12, 0)
        let usage = UsageCounters(now: now, timeZone: policy.timeZone, monthResetDay: 1)
        let idle = ModemStatus(isFree: true, isRegistered: true, isVoiceCapable: true, signalDBm: -70)
        let candidates = [
            SIMCandidate(id: "huawei1", iccid: "8970100000000000012", network: MCCMNC("250-01"), modem: idle,
                         allowedGroups: ["drivers"], tariff: policy.tariff(sim), limits: policy.limits(sim), usage: usage),
            SIMCandidate(id: "quectel1", iccid: "8970199000000000025", network: MCCMNC("250-99"), modem: idle,
                         tariff: policy.tariff(bySlot), limits: policy.limits(bySlot), usage: usage),
        ]
        let refused = policy.planner.plan(dialled: "+4930123456", user: "alice", group: policy.group(of: "alice"),
                                          callerUsage: usage, numbering: .empty(mapping: policy.mapping),
                                          candidates: candidates, now: now, timeZone: policy.timeZone)
        #expect(refused.refusal?.sipStatus == 403)
        #expect(refused.explanation.text.contains("group drivers: number matches denied pattern international"))
        // No numbering data: operator unknown, so the cheaper off-net price wins; bob's group
        // may not use the drivers' SIM.
        let bob = policy.planner.plan(dialled: "89161234567", user: "bob", group: nil, callerUsage: usage,
                                      numbering: .empty(mapping: policy.mapping), candidates: candidates, now: now,
                                      timeZone: policy.timeZone)
        #expect(bob.candidates.map(\.id) == ["quectel1"])
        #expect(bob.explanation.text.contains("huawei1  250-01  rejected: group (none) not allowed"))
        let alice = policy.planner.plan(dialled: "89161234567", user: "alice", group: "drivers", callerUsage: usage,
                                        numbering: .empty(mapping: policy.mapping), candidates: candidates, now: now,
                                        timeZone: policy.timeZone)
        #expect(alice.candidates.map(\.id) == ["huawei1", "quectel1"])
    }
}
