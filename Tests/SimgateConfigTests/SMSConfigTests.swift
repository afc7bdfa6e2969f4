// [sms] and the SMS keys of [[sim]] and [[routing.tariff]]: defaults, values, and errors that
// name the key and line.
import Foundation
import SimgateConfig
import Testing

@Suite("Config: [sms] and SIM SMS limits")
struct SMSConfigTests {
    private func problems(_ text: String) -> [String] {
        do {
            _ = try GatewayConfig.parse(text: text)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func absentSectionGivesTheDocumentedDefaults() throws {
        let sms = try GatewayConfig.parse(text: "").sms
        #expect(sms == SMSConfig())
        #expect(sms.enabled && sms.statusReports)
        #expect(sms.reassemblyTimeoutSeconds == 600 && sms.minIntervalSeconds == 5 && sms.maxAttempts == 5)
        #expect(sms.retryInitialSeconds == 30 && sms.retryMaxSeconds == 600)
        #expect(sms.reportWindowSeconds == 259_200 && sms.validityMinutes == 4320 && sms.deliverTo.isEmpty)
    }

    @Test func everyKeyIsRead() throws {
        let config = try GatewayConfig.parse(text: """
            [[user]]
            name = "100"
            password = "secret-100-pw"

            [sms]
            enabled = false
            reassembly_timeout = 120
            min_interval = 0
            max_attempts = 2
            retry_initial = 5
            retry_max = 50.5
            report_window = 3600
            validity = 60
            status_reports = false
            deliver_to = ["100"]

            [[routing.tariff]]
            name = "t"
            sms_price = 0.5

            [[sim]]
            iccid = "8970100000000000012"
            tariff = "t"
            sms_per_day = 100
            sms_per_month = 1000
            sms_min_interval = 12
            sms_price = 0.25
            """)
        #expect(config.sms == SMSConfig(enabled: false, reassemblyTimeoutSeconds: 120, minIntervalSeconds: 0, maxAttempts: 2,
                                        retryInitialSeconds: 5, retryMaxSeconds: 50.5, reportWindowSeconds: 3600,
                                        validityMinutes: 60, statusReports: false, deliverTo: ["100"]))
        let sim = try #require(config.sims.first)
        #expect(sim.smsPerDay == 100 && sim.smsPerMonth == 1000 && sim.smsMinIntervalSeconds == 12)
        #expect(sim.smsPrice == Decimal(string: "0.25"))
        #expect(config.routing.tariffs.first?.smsPrice == Decimal(string: "0.5"))
    }

    @Test func badValuesNameTheKeyAndLine() {
        #expect(problems("""
            [sms]
            enabled = "yes"
            reassembly_timeout = 1
            min_interval = -1
            max_attempts = 0
            validity = 2
            deliver_to = ["no one"]
            retry_initial = 60
            retry_max = 30
            bogus = 1
            """) == [
                "simgate.toml:2: sms.enabled: expected a boolean (true or false), got string",
                "simgate.toml:3: sms.reassembly_timeout: must be between 10 and 86400, got 1",
                "simgate.toml:4: sms.min_interval: must be between 0 and 3600, got -1",
                "simgate.toml:5: sms.max_attempts: must be between 1 and 100, got 0",
                "simgate.toml:6: sms.validity: must be between 5 and 635040, got 2",
                "simgate.toml:7: sms.deliver_to[0]: expected a SIP user name, got \"no one\"",
                "simgate.toml:9: sms.retry_max: must be at least retry_initial (60)",
                "simgate.toml:10: sms.bogus: unknown key; known keys here: enabled, reassembly_timeout, min_interval, max_attempts, retry_initial, retry_max, report_window, validity, status_reports, deliver_to",
            ])
    }

    @Test func deliverToMustNameAUser() {
        #expect(problems("""
            [sms]
            deliver_to = ["200"]
            """) == ["simgate.toml:2: sms.deliver_to[0]: no [[user]] named \"200\""])
    }

    @Test func balanceKeys() throws {
        let config = try GatewayConfig.parse(text: """
            [[sim]]
            modem = "m1"
            balance_ussd = "*102#"
            balance_after_minutes = 20
            min_balance = 10.5

            [[sim]]
            modem = "m2"
            """)
        #expect(config.sims[0].balanceUSSD == "*102#" && config.sims[0].balanceAfterMinutes == 20)
        #expect(config.sims[0].minBalance == Decimal(string: "10.5"))
        #expect(config.sims[0].balanceIntervalSeconds == SIMConfig.defaultBalanceInterval)
        #expect(config.sims[1].balanceUSSD == nil)
        #expect(problems("""
            [[sim]]
            modem = "m1"
            balance_ussd = "100"
            balance_interval = 1

            [[sim]]
            modem = "m2"
            min_balance = 5
            """) == [
                "simgate.toml:3: sim[0].balance_ussd: expected a USSD code like \"*100#\" (starts with * or #, digits and *, ends with #), got \"100\"",
                "simgate.toml:4: sim[0].balance_interval: must be between 5 and 604800, got 1",
                "simgate.toml:8: sim[1].min_balance: min_balance needs balance_ussd or balance_sms (on the SIM or its tariff): without a balance request the balance is never known",
            ])
    }

    @Test("balance and own number asked by SMS: Vodafone NZ's \"BAL\" to 777")
    func smsRequests() throws {
        let config = try GatewayConfig.parse(text: """
            [[sim]]
            modem = "m1"
            balance_sms = "777"
            balance_sms_text = "BAL"
            min_balance = 5
            number_sms = "+6421000"
            number_sms_text = "NUMBER"
            number_sms_reply_from = "Vodafone"
            """)
        let sim = config.sims[0]
        #expect(sim.balanceRequest == .sms(.init(to: "777", text: "BAL", replyFrom: "777")))
        #expect(sim.numberRequest == .sms(.init(to: "+6421000", text: "NUMBER", replyFrom: "Vodafone")))
        #expect(sim.balanceRequest?.description == "SMS \"BAL\" → 777")
        #expect(sim.minBalance == 5)
        // What `simgate config` renders reads back the same.
        let again = try GatewayConfig.parse(text: config.redactedDescription, acceptingRedactedSecrets: true)
        #expect(again.sims[0].balanceRequest == sim.balanceRequest && again.sims[0].numberRequest == sim.numberRequest)
    }

    @Test("a tariff's balance request and minimum serve every SIM of it; a SIM's own keys win, a way of asking taken whole")
    func tariffQueries() throws {
        let config = try GatewayConfig.parse(text: """
            [[routing.tariff]]
            name = "mts-prepaid"
            balance_ussd = "*100#"
            balance_interval = 3600
            min_balance = 20
            number_ussd = "*111*0887#"

            [[sim]]
            modem = "m1"
            tariff = "mts-prepaid"

            [[sim]]
            modem = "m2"
            tariff = "mts-prepaid"
            balance_sms = "111"
            balance_sms_text = "11"
            min_balance = 5

            [[sim]]
            modem = "m3"
            """)
        #expect(config.sims[0].balanceRequest == .ussd("*100#") && config.sims[0].minBalance == 20)
        #expect(config.sims[0].balanceIntervalSeconds == 3600 && config.sims[0].numberRequest == .ussd("*111*0887#"))
        #expect(config.sims[1].balanceRequest == .sms(.init(to: "111", text: "11")) && config.sims[1].balanceUSSD == nil)
        #expect(config.sims[1].minBalance == 5 && config.sims[1].balanceIntervalSeconds == 3600)
        #expect(config.sims[2].balanceRequest == nil && config.sims[2].balanceIntervalSeconds == SIMConfig.defaultBalanceInterval)
        let again = try GatewayConfig.parse(text: config.redactedDescription, acceptingRedactedSecrets: true)
        #expect(again.sims.map(\.queries) == config.sims.map(\.queries))
        // A minimum from the tariff with no request anywhere is named at the SIM's tariff key.
        #expect(problems("""
            [[routing.tariff]]
            name = "t"
            min_balance = 20

            [[sim]]
            modem = "m1"
            tariff = "t"
            """) == ["simgate.toml:7: sim[0].tariff: min_balance needs balance_ussd or balance_sms (on the SIM or its tariff): without a balance request the balance is never known"])
    }

    @Test("an SMS request names its number, its text and one way of asking")
    func smsRequestProblems() {
        #expect(problems("""
            [[sim]]
            modem = "m1"
            balance_ussd = "*100#"
            balance_sms = "7 7 7"
            balance_sms_text = ""
            number_sms_text = "NUM"
            number_sms_reply_from = "a sender far too long"
            """) == [
                "simgate.toml:4: sim[0].balance_sms: expected the number the request is texted to, like \"777\", got \"7 7 7\"",
                "simgate.toml:4: sim[0].balance_sms: give balance_ussd or balance_sms, not both: the operator is asked one way",
                "simgate.toml:5: sim[0].balance_sms_text: must be the text to send, like \"BAL\"",
                "simgate.toml:6: sim[0].number_sms_text: needs number_sms: the number the request is texted to",
                "simgate.toml:7: sim[0].number_sms_reply_from: expected the reply's sender: a number or a name of at most 11 letters and digits, got \"a sender far too long\"",
                "simgate.toml:7: sim[0].number_sms_reply_from: needs number_sms: the number the request is texted to",
            ])
    }

    @Test func simLimitsAreRangeChecked() {
        #expect(problems("""
            [[sim]]
            modem = "m1"
            sms_per_day = -3
            sms_min_interval = "fast"
            sms_price = -1
            """) == [
                "simgate.toml:3: sim[0].sms_per_day: must be between 0 and 1000000, got -3",
                "simgate.toml:4: sim[0].sms_min_interval: expected a number, got string",
                "simgate.toml:5: sim[0].sms_price: must be between 0 and 1000000, got -1",
            ])
    }
}
