import Foundation
import Testing
@testable import SimgateConfig

@Suite("GatewayConfig: [routing], [[sim]], [[group]]")
struct RoutingConfigTests {
    static let valid = """
        [routing]
        home_country = "ua"
        allow_short_codes = false
        time_zone = "Europe/Kyiv"
        on_net_only = true
        warning_lead = 15
        registry = ["/data/DEF-9xx.csv"]
        libphonenumber = ["/data/carrier/en", "/data/carrier/uk/380.txt"]
        mnp = ["/data/Port_All.csv", "/data/Port_Increment.csv"]
        ported_csv = ["/data/ported.csv"]

        [[routing.operator]]
        name = "Kyivstar"
        mccmnc = "255-03"
        other_mccmnc = ["25502"]
        carrier_names = ["Kyivstar", "Київстар"]

        [[routing.operator]]
        name = "SberMobile"
        mccmnc = "25050"
        inns = ["7736322345"]
        host_mccmnc = "250-20"

        [[routing.tariff]]
        name = "ks-biz"
        on_net = 0
        off_net = 1.2
        per_operator = { "25501" = 0.9, "255-06" = 1 }
        billing_increment = 1

        [[sim]]
        iccid = "8938003990123456789F"
        tariff = "ks-biz"
        off_net = 1.1
        minutes_per_day = 120
        minutes_per_month = 3000
        month_reset_day = 31
        calls_per_day = 300
        max_call_seconds = 1800
        max_concurrent = 1
        groups = ["drivers"]

        [[sim]]
        modem = "quectel1"

        [[group]]
        name = "drivers"
        members = ["alice", "bob"]
        allow = ["+380*"]
        deny = ["premium", "international", "+380900*"]
        calls_per_day = 200
        minutes_per_day = 300

        [[group]]
        name = "office"
        members = ["carol"]
        allow = ["*", "short"]
        """

    @Test func validSectionsParse() throws {
        let config = try GatewayConfig.parse(text: Self.valid)
        let r = config.routing
        #expect(r.homeCountry == .ua)
        #expect(!r.allowShortCodes)
        #expect(r.timeZone == "Europe/Kyiv")
        #expect(r.resolvedTimeZone.identifier == "Europe/Kyiv")
        #expect(r.onNetOnly)
        #expect(r.warningLeadSeconds == 15)
        #expect(r.registryFiles == ["/data/DEF-9xx.csv"])
        #expect(r.libphonenumberPaths == ["/data/carrier/en", "/data/carrier/uk/380.txt"])
        #expect(r.mnpFiles == ["/data/Port_All.csv", "/data/Port_Increment.csv"])
        #expect(r.portedCSVFiles == ["/data/ported.csv"])
        #expect(r.operators == [
            OperatorConfig(name: "Kyivstar", mccmnc: "255-03", otherMCCMNCs: ["25502"], carrierNames: ["Kyivstar", "Київстар"]),
            OperatorConfig(name: "SberMobile", mccmnc: "25050", inns: ["7736322345"], hostMCCMNC: "250-20"),
        ])
        #expect(r.tariffs == [TariffConfig(
            name: "ks-biz", prices: PriceList(onNet: 0, offNet: Decimal(string: "1.2"), perOperator: ["25501": Decimal(string: "0.9")!, "25506": 1]),
            billingIncrementSeconds: 1)])
        #expect(config.sims.count == 2)
        let sim = config.sims[0]
        #expect(sim.iccid == "8938003990123456789F")
        #expect(sim.tariff == "ks-biz")
        #expect(sim.prices.offNet == Decimal(string: "1.1"))
        #expect(sim.prices.onNet == nil)
        #expect(sim.minutesPerDay == 120)
        #expect(sim.minutesPerMonth == 3000)
        #expect(sim.monthResetDay == 31)
        #expect(sim.callsPerDay == 300)
        #expect(sim.maxCallSeconds == 1800)
        #expect(sim.maxConcurrentCalls == 1)
        #expect(sim.groups == ["drivers"])
        #expect(sim.line == 31)
        #expect(config.sims[1] == SIMConfig(modem: "quectel1", line: 43))
        #expect(config.groups == [
            CallerGroupConfig(name: "drivers", members: ["alice", "bob"], allow: ["+380*"],
                              deny: ["premium", "international", "+380900*"], callsPerDay: 200, minutesPerDay: 300),
            CallerGroupConfig(name: "office", members: ["carol"], allow: ["*", "short"]),
        ])
    }

    @Test func defaultsWithoutSections() throws {
        let config = try GatewayConfig.parse(text: "")
        #expect(config.routing == RoutingConfig())
        #expect(config.routing.homeCountry == .ru)
        #expect(config.routing.allowShortCodes)
        #expect(config.routing.timeZone == nil)
        #expect(config.routing.resolvedTimeZone == TimeZone.current)
        #expect(config.sims.isEmpty)
        #expect(config.groups.isEmpty)
        #expect(SIMConfig().monthResetDay == 1)
        #expect(SIMConfig().maxConcurrentCalls == 1)
    }

    @Test func quarantineKeys() throws {
        let config = try GatewayConfig.parse(text: """
            [routing]
            quarantine_after = 5
            quarantine_cooldown = 120
            quarantine_max_cooldown = 7200
            """)
        #expect(config.routing.quarantineAfter == 5 && config.routing.quarantineCoolDownSeconds == 120
                && config.routing.quarantineMaxCoolDownSeconds == 7200)
        #expect(RoutingConfig().quarantineAfter == 3 && RoutingConfig().quarantineCoolDownSeconds == 600)
        #expect(problems("""
            [routing]
            quarantine_after = -1
            quarantine_cooldown = 0
            """) == [
            "simgate.toml:2: routing.quarantine_after: must be between 0 and 100, got -1",
            "simgate.toml:3: routing.quarantine_cooldown: must be between 1 and 604800, got 0",
        ])
        #expect(problems("""
            [routing]
            quarantine_cooldown = 3600
            quarantine_max_cooldown = 60
            """) == ["simgate.toml:3: routing.quarantine_max_cooldown: quarantine_max_cooldown (60 s) is shorter than quarantine_cooldown (3600 s)"])
    }

    @Test func routingErrorsNameTheirLines() {
        let text = """
            [routing]
            home_country = "de"
            time_zone = "Mars/Olympus"
            registry = ["DEF-9xx.csv"]
            warning_lead = 500
            mnp = "/data/Port_All.csv"
            libphonenumbr = ["/x"]

            [[routing.operator]]
            mccmnc = "2501"
            inns = ["77400000"]

            [[routing.operator]]
            name = "MTS again"
            mccmnc = "25001"

            [[routing.operator]]
            name = "MTS twice"
            mccmnc = "250-01"

            [[routing.tariff]]
            name = "t"
            on_net = -1
            per_operator = { "2509" = 1, "25099" = "cheap" }
            billing_increment = 120

            [[routing.tariff]]
            name = "t"
            """
        #expect(problems(text) == [
            "simgate.toml:2: routing.home_country: expected one of ru, kz, ua, by, got \"de\"",
            "simgate.toml:3: routing.time_zone: unknown time zone \"Mars/Olympus\" (expected an IANA name such as \"Europe/Moscow\")",
            "simgate.toml:4: routing.registry[0]: expected an absolute path (starting with /), got \"DEF-9xx.csv\"",
            "simgate.toml:5: routing.warning_lead: must be between 0 and 120, got 500",
            "simgate.toml:6: routing.mnp: expected an array of strings, got string",
            "simgate.toml:7: routing.libphonenumbr: unknown key (did you mean \"libphonenumber\"?)",
            "simgate.toml:9: routing.operator[0].name: missing required key",
            "simgate.toml:10: routing.operator[0].mccmnc: expected an MCC-MNC such as \"250-01\" or \"25001\", got \"2501\"",
            "simgate.toml:11: routing.operator[0].inns[0]: expected an ИНН of 10 or 12 digits, got \"77400000\"",
            "simgate.toml:19: routing.operator[2].mccmnc: duplicate mccmnc \"25001\" (already used by routing.operator[1] at line 15)",
            "simgate.toml:23: routing.tariff[0].on_net: must be between 0 and 1000000, got -1",
            "simgate.toml:24: routing.tariff[0].per_operator.2509: expected an MCC-MNC such as \"25099\" or \"250-99\", got \"2509\"",
            "simgate.toml:24: routing.tariff[0].per_operator.25099: expected a price between 0 and 1000000, got string",
            "simgate.toml:25: routing.tariff[0].billing_increment: must be between 1 and 60, got 120",
            "simgate.toml:28: routing.tariff[1].name: duplicate name \"t\" (already used by routing.tariff[0] at line 22)",
        ])
    }

    @Test func simAndGroupErrorsNameTheirLines() {
        let text = """
            [[routing.tariff]]
            name = "known"

            [[sim]]
            minutes_per_day = 10

            [[sim]]
            iccid = "8970100000000000012"
            modem = "huawei1"

            [[sim]]
            iccid = "12345"
            tariff = "unknown"
            month_reset_day = 32
            max_concurrent = 0
            groups = ["drivers", "nobody"]
            minutes_per_dya = 5

            [[sim]]
            iccid = "8970100000000000012"

            [[group]]
            name = "drivers"
            members = ["alice"]
            deny = ["premium", "+7 800", "00*"]

            [[group]]
            name = "Night Shift"
            members = ["alice"]

            [[group]]
            name = "drivers"
            """
        #expect(problems(text) == [
            "simgate.toml:4: sim[0]: needs iccid or modem, to say which SIM this is",
            "simgate.toml:9: sim[1].modem: give iccid or modem, not both (the ICCID follows the card, the modem id the slot)",
            "simgate.toml:12: sim[2].iccid: expected 18 to 20 digits (as AT+CCID prints), got \"12345\"",
            "simgate.toml:13: sim[2].tariff: no tariff named \"unknown\" (known: known)",
            "simgate.toml:14: sim[2].month_reset_day: must be between 1 and 31, got 32",
            "simgate.toml:15: sim[2].max_concurrent: must be between 1 and 8, got 0",
            "simgate.toml:16: sim[2].groups[1]: no [[group]] named \"nobody\"",
            "simgate.toml:17: sim[2].minutes_per_dya: unknown key (did you mean \"minutes_per_day\"?)",
            "simgate.toml:20: sim[3].iccid: duplicate iccid \"8970100000000000012\" (already used by sim[1] at line 8)",
            "simgate.toml:25: group[0].deny[1]: expected +DIGITS, +DIGITS*, *, international, premium or short, got \"+7 800\"",
            "simgate.toml:25: group[0].deny[2]: expected +DIGITS, +DIGITS*, *, international, premium or short, got \"00*\"",
            "simgate.toml:28: group[1].name: expected 1 to 32 of a-z, 0-9, '_' or '-', got \"Night Shift\"",
            "simgate.toml:29: group[1].members[0]: \"alice\" is already a member of group \"drivers\" (line 24); a user belongs to one group",
            "simgate.toml:32: group[2].name: duplicate name \"drivers\" (already used by group[0] at line 23)",
        ])
    }
}
