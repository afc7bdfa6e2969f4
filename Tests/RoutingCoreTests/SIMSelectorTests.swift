import Foundation
import Testing
@testable import RoutingCore

@Suite("SIM selection")
struct SIMSelectorTests {
    static let utc = TimeZone(identifier: "UTC") ?? .current
    static let now = Date(timeIntervalSince1970: 1_780_308_000)  // 2026-06-01T10:00:00Z

    static func net(_ text: String) -> MCCMNC? { MCCMNC(text) }

    static func destination(_ network: String?, name: String = "", source: LookupSource = .registry) -> OperatorLookupResult {
        OperatorLookupResult(number: 79161234567, operator: network.map { OperatorInfo(network: net($0), name: name) },
                             source: network == nil ? .none : source, dataVersion: "test")
    }

    static func usage(secondsToday: Int = 0, secondsThisMonth: Int? = nil, callsToday: Int = 0, active: Int = 0,
                      at date: Date = now, resetDay: Int = 1) -> UsageCounters {
        UsageCounters(dayStart: CounterPeriods.dayStart(containing: date, in: utc),
                      monthStart: CounterPeriods.monthStart(containing: date, in: utc, resetDay: resetDay),
                      secondsToday: secondsToday, secondsThisMonth: secondsThisMonth ?? secondsToday,
                      callsToday: callsToday, callsThisMonth: callsToday, activeCalls: active)
    }

    static func sim(_ id: String, _ network: String, onNet: Decimal? = nil, offNet: Decimal? = nil,
                    free: Bool = true, registered: Bool = true, voice: Bool = true, signal: Int? = -70,
                    groups: Set<String>? = nil, limits: SIMLimits = SIMLimits(), usage: UsageCounters = usage()) -> SIMCandidate {
        SIMCandidate(id: id, iccid: "8970101" + id, network: net(network),
                     modem: ModemStatus(isFree: free, isRegistered: registered, isVoiceCapable: voice, signalDBm: signal),
                     allowedGroups: groups, tariff: SIMTariff(onNetPerMinute: onNet, offNetPerMinute: offNet),
                     limits: limits, usage: usage)
    }

    func select(_ destination: OperatorLookupResult, _ sims: [SIMCandidate], group: String? = "dispatch",
                selector: SIMSelector = SIMSelector()) -> SIMSelection {
        selector.select(destination: destination, callerGroup: group, candidates: sims, now: Self.now, timeZone: Self.utc)
    }

    @Test func onNetComesFirstEvenWhenDearer() {
        let plan = select(Self.destination("25001", name: "MTS"), [
            Self.sim("beeline", "25099", onNet: 0.0, offNet: 0.10),
            Self.sim("mts", "25001", onNet: 1.00, offNet: 2.00),
        ])
        #expect(plan.ranked.map(\.id) == ["mts", "beeline"])
        #expect(plan.ranked.map(\.onNet) == [true, false])
        #expect(plan.ranked.map(\.pricePerMinute) == [1.00, 0.10])
    }

    @Test func thenCostThenMinutesTodayThenSignal() {
        let plan = select(Self.destination("25011", name: "Yota"), [
            Self.sim("a", "25001", offNet: 1.5),
            Self.sim("unpriced", "25002"),
            Self.sim("b", "25099", offNet: 0.8),
            Self.sim("c-busy-today", "25020", offNet: 0.8, usage: Self.usage(secondsToday: 600)),
            Self.sim("d-weak", "25020", offNet: 0.8, signal: -101),
            Self.sim("e-strong", "25020", offNet: 0.8, signal: -61),
        ])
        #expect(plan.ranked.map(\.id) == ["e-strong", "b", "d-weak", "c-busy-today", "a", "unpriced"])
        #expect(plan.rejected.isEmpty)
    }

    @Test func unknownDestinationMeansNoSIMIsOnNet() {
        let plan = select(Self.destination(nil), [
            Self.sim("mts", "25001", onNet: 0.1, offNet: 0.9),
            Self.sim("t2", "25020", onNet: 0.1, offNet: 0.5),
        ])
        #expect(plan.ranked.map(\.id) == ["t2", "mts"])
        #expect(plan.ranked.allSatisfy { !$0.onNet })
    }

    @Test func mvnoHostAndNetworkAliasesCountAsOnNet() throws {
        let megafon = try #require(MCCMNC("25002"))
        let mapping = OperatorMapping.defaults.overriding(with: [
            OperatorMappingEntry(name: "SberMobile", network: try #require(MCCMNC("25050")), hostNetwork: megafon),
        ])
        let plan = select(Self.destination("25002", name: "MegaFon"), [
            Self.sim("mts", "25001", offNet: 0.5),
            Self.sim("sber", "25050", onNet: 0.9, offNet: 0.9),
        ], selector: SIMSelector(mapping: mapping))
        #expect(plan.ranked.map(\.id) == ["sber", "mts"])
        // Kyivstar 255-02 SIM calling a 255-03 number (en/380.txt 067 → 25503).
        let kyivstar = select(Self.destination("25503", name: "Kyivstar"), [
            Self.sim("vodafone", "25501", offNet: 0.1), Self.sim("ks", "25502", onNet: 0.5),
        ])
        #expect(kyivstar.ranked.first?.id == "ks" && kyivstar.ranked.first?.onNet == true)
    }

    @Test func everyLimitRejectsWithItsReason() throws {
        let limits = SIMLimits(minutesPerDay: 120, minutesPerMonth: 3000, callsPerDay: 50, maxConcurrentCalls: 1)
        let plan = select(Self.destination("25001", name: "MTS"), [
            Self.sim("ok", "25001", limits: limits),
            Self.sim("busy", "25001", free: false),
            Self.sim("unregistered", "25001", registered: false),
            Self.sim("data-only", "25001", voice: false),
            Self.sim("other-group", "25001", groups: ["sales"]),
            Self.sim("day-minutes", "25001", limits: limits, usage: Self.usage(secondsToday: 7200)),
            Self.sim("month-minutes", "25001", limits: limits, usage: Self.usage(secondsToday: 60, secondsThisMonth: 180_000)),
            Self.sim("day-calls", "25001", limits: limits, usage: Self.usage(callsToday: 50)),
            Self.sim("in-call", "25001", limits: limits, usage: Self.usage(active: 1)),
            Self.sim("half-minute-left", "25001", limits: limits, usage: Self.usage(secondsToday: 7170)),
            Self.sim("everything", "25001", free: false, registered: false, voice: false),
        ])
        #expect(plan.ranked.map(\.id) == ["ok"])
        let reasons = Dictionary(uniqueKeysWithValues: plan.rejected.map { ($0.id, $0.reasons.map(\.description)) })
        #expect(reasons["busy"] == ["modem busy"])
        #expect(reasons["unregistered"] == ["not registered"])
        #expect(reasons["data-only"] == ["no voice"])
        #expect(reasons["other-group"] == ["group \"dispatch\" not allowed"])
        #expect(reasons["day-minutes"] == ["daily minutes 120/120 reached"])
        #expect(reasons["month-minutes"] == ["monthly minutes 3000/3000 reached"])
        #expect(reasons["day-calls"] == ["daily calls 50/50 reached"])
        #expect(reasons["in-call"] == ["concurrent calls 1/1 reached"])
        #expect(reasons["half-minute-left"] == ["daily minutes 120/120 reached"])
        #expect(reasons["everything"] == ["modem busy", "not registered", "no voice"])
        #expect(plan.rejected.count == 10)
        // Groups: allowed when the caller's group is listed; a caller without a group is not.
        #expect(select(Self.destination("25001"), [Self.sim("s", "25001", groups: ["sales"])], group: "sales").ranked.count == 1)
        #expect(select(Self.destination("25001"), [Self.sim("s", "25001", groups: ["sales"])], group: nil)
                .rejected.first?.reasons == [.groupNotAllowed(group: nil)])
    }

    @Test func yesterdaysUsageDoesNotCountToday() {
        let limits = SIMLimits(minutesPerDay: 120, callsPerDay: 10)
        let yesterday = Self.now.addingTimeInterval(-86_400)
        let plan = select(Self.destination("25001"), [
            Self.sim("s", "25001", limits: limits, usage: Self.usage(secondsToday: 7200, callsToday: 10, at: yesterday)),
        ])
        #expect(plan.ranked.map(\.id) == ["s"])
        #expect(plan.ranked.first?.minutesUsedToday == 0)
        #expect(plan.ranked.first?.maxCallSeconds == 7200)
    }

    @Test func callCapAndWarningTone() {
        let plan = select(Self.destination("25001"), [
            Self.sim("capped", "25001", limits: SIMLimits(maxCallSeconds: 900)),
            Self.sim("last-minutes", "25001", limits: SIMLimits(minutesPerDay: 120, maxCallSeconds: 900),
                     usage: Self.usage(secondsToday: 117 * 60)),
            Self.sim("free", "25001"),
        ], selector: SIMSelector(policy: SelectionPolicy(warningLeadSeconds: 15)))
        let byID = Dictionary(uniqueKeysWithValues: plan.ranked.map { ($0.id, $0) })
        #expect(byID["capped"]?.maxCallSeconds == 900 && byID["capped"]?.warningAtSecond == 885)
        #expect(byID["last-minutes"]?.maxCallSeconds == 180 && byID["last-minutes"]?.warningAtSecond == 165)
        #expect(byID["free"]?.maxCallSeconds == nil && byID["free"]?.warningAtSecond == nil)
    }

    @Test("a busy SIM is rejected but keeps its place in the preference order; an unfit one does not")
    func busySIMKeepsItsPlace() {
        let plan = select(Self.destination("25001", name: "MTS"), [
            Self.sim("beeline", "25099", offNet: 0.5),
            Self.sim("mts-busy", "25001", onNet: 0, free: false),
            Self.sim("mts-full", "25001", onNet: 0, limits: SIMLimits(maxConcurrentCalls: 1), usage: Self.usage(active: 1)),
            Self.sim("mts-over", "25001", onNet: 0, limits: SIMLimits(callsPerDay: 3), usage: Self.usage(callsToday: 3)),
            Self.sim("mts-busy-unregistered", "25001", onNet: 0, free: false, registered: false),
            Self.sim("tele2", "25020", offNet: 0.9),
        ])
        #expect(plan.ranked.map(\.id) == ["beeline", "tele2"])
        #expect(plan.preferenceOrder == ["mts-busy", "mts-full", "beeline", "tele2"])
        #expect(plan.preferenceRank(of: "beeline") == 3 && plan.preferenceRank(of: "mts-over") == nil)
        #expect(plan.rejected.map(\.id) == ["mts-busy", "mts-full", "mts-over", "mts-busy-unregistered"])
    }

    @Test func onNetOnlyPolicy() {
        let plan = select(Self.destination("25001"), [Self.sim("mts", "25001"), Self.sim("t2", "25020")],
                          selector: SIMSelector(policy: SelectionPolicy(onNetOnly: true)))
        #expect(plan.ranked.map(\.id) == ["mts"])
        #expect(plan.rejected.first?.reasons == [.offNet])
    }

    @Test func explanationRendersEveryDecision() throws {
        var builder = NumberingSnapshotBuilder()
        try builder.addRegistry(NumberingRegistryImporter.parse(text: """
            АВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН
            916;0000000;9999999;10000000;ПАО "Мобильные ТелеСистемы";г. Москва и Московская область;Город Москва, Московская область;7740000076
            """, source: "def"))
        let snapshot = try builder.build(version: NumberingDataVersion(registry: "2026-04-20"))
        let input = "8 (916) 123-45-67"
        let normalization = NumberNormalizer(config: NormalizerConfig(homeCountry: .ru)).normalize(input)
        let number = try normalization.get()
        let limits = SIMLimits(minutesPerDay: 120, maxCallSeconds: 3600)
        let selection = select(snapshot.lookup(number), [
            Self.sim("sim1", "25099", onNet: 0.2, offNet: 1.2, signal: -85),
            Self.sim("sim2", "25001", onNet: 0.5, offNet: 1.5, signal: -71, limits: limits, usage: Self.usage(secondsToday: 720)),
            Self.sim("sim3", "25001", onNet: 0.5, limits: limits, usage: Self.usage(secondsToday: 7200)),
            Self.sim("sim4", "25020", registered: false),
        ])
        let explanation = RouteExplanation(input: input, normalization: normalization, selection: selection)
        #expect(explanation.order == ["sim2", "sim1"])
        #expect(explanation.text == """
            Number:   8 (916) 123-45-67 → +79161234567 (trunk-prefix, removed "8", RU)
            Operator: MTS (250-01), source registry, data registry 2026-04-20
            SIMs:
              sim2  250-01  accepted #1: on-net, 0.5/min, 12 min today, -71 dBm, max 3600 s, warning at 3590 s
              sim1  250-99  accepted #2: off-net, 1.2/min, 0 min today, -85 dBm
              sim3  250-01  rejected: daily minutes 120/120 reached
              sim4  250-20  rejected: not registered
            Order:    sim2, sim1
            """)
        // --json round-trips.
        let json = try JSONEncoder().encode(explanation)
        #expect(try JSONDecoder().decode(RouteExplanation.self, from: json) == explanation)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect((object["normalized"] as? [String: Any])?["digits"] as? String == "79161234567")

        let refused = RouteExplanation(input: "12-34", normalization: NumberNormalizer(
            config: NormalizerConfig(homeCountry: .ru, allowShortCodes: false)).normalize("12-34"), selection: nil)
        #expect(refused.text == "Number:   12-34 → refused (SIP 484): short code \"12-34\" is not allowed")
        #expect(refused.order.isEmpty)
    }
}

@Suite("Caller policy")
struct CallerPolicyTests {
    static let normalizer = NumberNormalizer(config: NormalizerConfig(homeCountry: .ru))
    static let now = Date(timeIntervalSince1970: 1_780_308_000)
    static let utc = TimeZone(identifier: "UTC") ?? .current

    static func number(_ text: String) throws -> NormalizedNumber { try normalizer.normalize(text).get() }

    static func usage(calls: Int = 0, seconds: Int = 0) -> UsageCounters {
        UsageCounters(dayStart: CounterPeriods.dayStart(containing: now, in: utc), monthStart: now,
                      secondsToday: seconds, secondsThisMonth: seconds, callsToday: calls, callsThisMonth: calls, activeCalls: 0)
    }

    static let policy = CallerPolicy(
        homeCountry: .ru,
        users: [
            "alice": CallerRules(deny: [NumberPattern("+79161234567")].compactMap { $0 }, maxCallsPerDay: 100),
            "night": CallerRules(allow: [NumberPattern("+7800*")].compactMap { $0 }),
        ],
        groups: [
            "dispatch": CallerRules(
                allow: ["+7*", "short"].compactMap(NumberPattern.init),
                deny: ["international", "premium"].compactMap(NumberPattern.init),
                maxCallsPerDay: 200, maxMinutesPerDay: 600),
        ])

    @Test func patternsParse() {
        #expect(NumberPattern("+7*") == .prefix("7"))
        #expect(NumberPattern("+7800*") == .prefix("7800"))
        #expect(NumberPattern("+79161234567") == .exact("79161234567"))
        #expect(NumberPattern("*") == .prefix(""))
        #expect(NumberPattern("Premium") == .numberClass(.premiumRate))
        #expect(NumberPattern("7*") == nil && NumberPattern("+7x*") == nil && NumberPattern("+") == nil)
    }

    @Test func allowsAndDenies() throws {
        let p = Self.policy
        #expect(p.check(user: "bob", group: "dispatch", number: try Self.number("8 916 000 00 00"), usage: Self.usage()) == nil)
        #expect(p.check(user: "bob", group: "dispatch", number: try Self.number("112"), usage: Self.usage()) == nil)
        // Premium: +7 809 (numbering.md, libphonenumber premiumRate 80[39]).
        let premium = p.check(user: "bob", group: "dispatch", number: try Self.number("8 809 123 45 67"), usage: Self.usage())
        #expect(premium?.reason == .deniedPattern("premium") && premium?.sipStatus == 403)
        #expect(premium?.description == "group dispatch: number matches denied pattern premium")
        // Kazakhstan shares +7 but is international from Russia.
        #expect(p.check(user: "bob", group: "dispatch", number: try Self.number("8 701 123 45 67"), usage: Self.usage())?.reason
                == .deniedPattern("international"))
        #expect(p.check(user: "bob", group: "dispatch", number: try Self.number("810 49 30 1234567"), usage: Self.usage())?.reason
                == .deniedPattern("international"))
        // User rules apply on top of the group's.
        let alice = p.check(user: "alice", group: "dispatch", number: try Self.number("+79161234567"), usage: Self.usage())
        #expect(alice?.rules == "user alice" && alice?.reason == .deniedPattern("+79161234567"))
        #expect(p.check(user: "night", group: nil, number: try Self.number("8 800 555 35 35"), usage: Self.usage()) == nil)
        #expect(p.check(user: "night", group: nil, number: try Self.number("8 916 000 00 00"), usage: Self.usage())?.reason
                == .notInAllowList)
        // Nobody configured: allowed, unless rules for everyone say otherwise.
        #expect(p.check(user: "x", group: nil, number: try Self.number("+380671234567"), usage: Self.usage()) == nil)
        var closed = p
        closed.everyone = CallerRules(deny: [.numberClass(.premiumRate)], maxCallsPerDay: 500)
        #expect(closed.check(user: "x", group: nil, number: try Self.number("8 803 123 45 67"), usage: Self.usage())?.rules == "everyone")
        #expect(closed.check(user: "x", group: nil, number: try Self.number("+380671234567"), usage: Self.usage()) == nil)
    }

    @Test func dailyLimits() throws {
        let p = Self.policy
        let number = try Self.number("8 916 000 00 00")
        #expect(p.check(user: "bob", group: "dispatch", number: number, usage: Self.usage(calls: 199)) == nil)
        #expect(p.check(user: "bob", group: "dispatch", number: number, usage: Self.usage(calls: 200))?.reason
                == .dailyCallsReached(used: 200, limit: 200))
        #expect(p.check(user: "bob", group: "dispatch", number: number, usage: Self.usage(seconds: 36_000))?.description
                == "group dispatch: daily minutes 600/600 reached")
        #expect(p.check(user: "alice", group: "dispatch", number: number, usage: Self.usage(calls: 100))?.rules == "user alice")
    }

    @Test func premiumClassesPerCountry() throws {
        for (text, premium) in [("+78031234567", true), ("+78091234567", true), ("+78001234567", false),
                                ("+3809002123456", true), ("+380501234567", false),
                                ("+3758101234567", true), ("+3759021234567", true), ("+375291234567", false)] {
            let number = try Self.number(text)
            #expect(NumberPattern.numberClass(.premiumRate).matches(number, home: .ru) == premium, "\(text)")
        }
    }
}

@Suite("Route planner")
struct RoutePlannerTests {
    static let utc = TimeZone(identifier: "UTC") ?? .current
    static let now = Date(timeIntervalSince1970: 1_780_308_000)

    static func planner() -> RoutePlanner {
        RoutePlanner(
            normalizer: NumberNormalizer(config: NormalizerConfig(homeCountry: .ua)),
            callerPolicy: CallerPolicy(homeCountry: .ua, groups: [
                "drivers": CallerRules(deny: ["international"].compactMap(NumberPattern.init)),
            ]),
            selector: SIMSelector())
    }

    static func numbering() throws -> NumberingSnapshot {
        var builder = NumberingSnapshotBuilder()
        let file = "en/380.txt"
        try builder.addCarrierPrefixes(
            LibphonenumberCarrierImporter.parse(TestData.text("libphonenumber/carrier/\(file)"), source: file), source: file)
        return try builder.build(version: NumberingDataVersion(libphonenumber: "f7e3e88"))
    }

    static func sims() -> [SIMCandidate] {
        let usage = UsageCounters(now: now, timeZone: utc, monthResetDay: 1)
        let modem = ModemStatus(isFree: true, isRegistered: true, isVoiceCapable: true, signalDBm: -80)
        let mapping = OperatorMapping.defaults
        return [
            SIMCandidate(id: "vf", iccid: "1", network: mapping.network(forIMSI: "255011234567890"), modem: modem,
                         tariff: SIMTariff(onNetPerMinute: 0, offNetPerMinute: 1), usage: usage),
            SIMCandidate(id: "ks", iccid: "2", network: mapping.network(forIMSI: "255031234567890"), modem: modem,
                         tariff: SIMTariff(onNetPerMinute: 0, offNetPerMinute: 1), usage: usage),
        ]
    }

    @Test func endToEndDecisions() throws {
        let planner = Self.planner()
        let numbering = try Self.numbering()
        let usage = UsageCounters(now: Self.now, timeZone: Self.utc, monthResetDay: 1)
        func plan(_ dialled: String, sims: [SIMCandidate] = Self.sims()) -> RoutePlan {
            planner.plan(dialled: dialled, user: "u", group: "drivers", callerUsage: usage, numbering: numbering,
                         candidates: sims, now: Self.now, timeZone: Self.utc)
        }
        // DESIGN.md's example: INVITE sip:0671234567@gw → Kyivstar → the Kyivstar SIM first.
        let kyivstar = plan("0671234567")
        #expect(kyivstar.refusal == nil)
        #expect(kyivstar.candidates.map(\.id) == ["ks", "vf"])
        #expect(kyivstar.explanation.selection?.destination.network?.compact == "25503")
        #expect(plan("099 123 45 67").candidates.first?.id == "vf")

        #expect(plan("067 12").refusal?.sipStatus == 484)
        let abroad = plan("00 7 916 123 45 67")
        #expect(abroad.refusal?.sipStatus == 403)
        #expect(abroad.explanation.text.contains("Caller:   denied (SIP 403): group drivers: number matches denied pattern international"))
        #expect(plan("0671234567", sims: []).refusal == .noSIMAvailable)
    }
}
