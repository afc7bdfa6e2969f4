import Foundation
import Testing
@testable import SimgateConfig

@Suite("GatewayConfig: redactedDescription renders every section")
struct GatewayConfigRenderingTests {
    /// The secrets in `everySection`; none may appear in any rendering.
    static let secrets = ["tok-9f8e7d6c5b4a3921", "73915", "pw-alice-Zq81", "0cc175b9c0f1b6a831c399e269772661",
                          "trunk-pass-Kx77", "hook-secret-0123456789ab"]

    /// Every section, and in each every key set to something other than its default, so a
    /// field the rendering forgets makes the round trip differ.
    static let everySection = """
        [daemon]
        state_dir = "/srv/simgate state"
        log_level = "debug"

        [control]
        socket = "/run/sg.sock"
        tcp_listen = "[::1]:8088"
        token = "tok-9f8e7d6c5b4a3921"

        [modems]
        poll_interval = 2.5
        command_timeout = 7
        discover = false
        scan = ["/tmp/sim/*.at", "/dev/serial/by-id/*"]
        recovery_timeouts = 4

        [[modem]]
        id = "huawei1"
        at_port = "/dev/ttyUSB2"
        audio_port = "/dev/ttyUSB1"
        dialect = "huawei"
        pin = "73915"
        inbound_user = "bob"

        [[modem]]
        id = "sim-2"
        at_port = "/dev/ttyUSB6"

        [sip]
        listen = ["udp:127.0.0.1:0", "tcp:[::1]:5070"]
        realm = "gw.example"
        test_extension = "*99"
        rtp_port_min = 30000
        rtp_port_max = 30100
        answer_delay = 0.5
        max_tcp_connections = 50
        tcp_idle_timeout = 90.5
        rate_limit = 20
        rate_burst = 45.5
        max_transactions = 1024
        default_inbound_user = "alice"
        early_media = false
        digest_algorithms = ["sha256", "md5"]
        trusted = ["127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32"]
        ban_after_failures = 7
        ban_after_rate_limited = 50
        ban_window = 30.5
        ban_time = 120

        [[user]]
        name = "alice"
        password = "pw-alice-Zq81"
        max_concurrent_calls = 3

        [[user]]
        name = "bob"
        ha1 = "0cc175b9c0f1b6a831c399e269772661"

        [[trunk]]
        name = "pbx"
        registrar = "sip:pbx.example.net:5060"
        transport = "tcp"
        username = "gw1"
        password = "trunk-pass-Kx77"
        expires = 300
        outbound = false
        inbound_auth = true

        [[trunk]]
        name = "carrier"
        registrar = "sip:10.0.0.9"
        username = "gw"
        register = false
        inbound_from = ["10.0.0.9", "10.0.0.10"]

        [routing]
        home_country = "kz"
        allow_short_codes = false
        time_zone = "Asia/Almaty"
        on_net_only = true
        warning_lead = 30
        registry = ["/var/lib/simgate/DEF-9xx.csv"]
        libphonenumber = ["/usr/share/libphonenumber/carrier/en"]
        mnp = ["/srv/bdpn/Port_All.csv", "/srv/bdpn/Port_Increment.csv"]
        ported_csv = ["/etc/simgate/ported.csv"]

        [[routing.operator]]
        name = "Beeline KZ"
        mccmnc = "401-01"
        other_mccmnc = ["40177"]
        inns = ["7740000076"]
        bdpn_owner_ids = ["mBEEL"]
        carrier_names = ["Beeline", "Билайн"]
        host_mccmnc = "401-02"

        [[routing.tariff]]
        name = "biz"
        on_net = 0
        off_net = 1.5
        per_operator = { "40102" = 0.9, "401-77" = 2.25 }
        billing_increment = 60
        sms_price = 0.35
        balance_sms = "111"
        balance_sms_text = "11"
        balance_after_minutes = 45

        [[sim]]
        iccid = "8970100000000000012"
        tariff = "biz"
        off_net = 2.1
        billing_increment = 1
        minutes_per_day = 120
        minutes_per_month = 3000
        month_reset_day = 15
        calls_per_day = 300
        max_call_seconds = 1800
        max_concurrent = 2
        groups = ["drivers"]
        sms_per_day = 100
        sms_per_month = 2000
        sms_min_interval = 7.5
        sms_price = 0.2
        balance_ussd = "*100#"
        balance_interval = 3600
        balance_after_minutes = 30
        min_balance = -5.5
        number_sms = "777"
        number_sms_text = "NUM"
        number_sms_reply_from = "Vodafone"

        [[sim]]
        modem = "sim-2"
        balance_sms = "+64777"
        balance_sms_text = "BAL"
        number_ussd = "*111*0887#"
        per_operator = { "40101" = 0.1 }
        groups = []

        [sms]
        enabled = false
        reassembly_timeout = 900
        min_interval = 2.5
        max_attempts = 3
        retry_initial = 10
        retry_max = 120
        report_window = 86400
        validity = 1440
        status_reports = false
        deliver_to = ["alice", "bob"]

        [metrics]
        listen = "127.0.0.1:9464"

        [[group]]
        name = "drivers"
        members = ["alice", "bob"]
        allow = ["+7*", "+77011234567"]
        deny = ["premium", "international"]
        calls_per_day = 200
        minutes_per_day = 300

        [[webhook]]
        name = "crm"
        url = "http://10.0.0.7:8080/simgate/events?src=gw"
        secret = "hook-secret-0123456789ab"
        events = ["call.missed", "missed.updated"]
        timeout = 2.5
        max_attempts = 4
        retry_initial = 0.5
        retry_max = 120

        [[ring_group]]
        name = "day"
        strategy = "sequential"
        members = ["alice", "user:bob", "+79161234567"]
        member_timeout = 10
        timeout = 40
        overflow = "queue:main"

        [[queue]]
        name = "main"
        members = ["alice", "number:89161234567"]
        ring_timeout = 12
        max_wait = 600
        hold_music = "/etc/simgate/hold \\"day\\".wav"
        prompt = "/etc/simgate/please-hold.wav"
        prompt_interval = 45
        overflow = "missed"

        [[inbound]]
        sims = ["huawei1", "8970100000000000012"]
        target = "ring_group:day"
        hours = "mon-fri 09:00-13:00 14:00-18:00, sat 10:00-14:00, sat-mon 22:00-24:00"
        time_zone = "Europe/Moscow"
        after_hours = "user:bob"
        recall = true
        recall_delays = [30, 90.5, 600]

        [[inbound]]
        sims = ["*"]
        target = "number:+79161234567"
        """

    /// `line` says where an entry stood in its file; the rendering has its own lines.
    static func withoutLines(_ c: GatewayConfig) -> GatewayConfig {
        var c = c
        for i in c.modems.indices { c.modems[i].line = nil }
        for i in c.sims.indices { c.sims[i].line = nil }
        return c
    }

    @Test func everySectionReadsBackEqualWithSecretsRedacted() throws {
        let config = try GatewayConfig.parse(text: Self.everySection)
        // The fixture really sets what the comparison relies on.
        #expect(config.sip != nil && config.users.count == 2 && config.trunks.count == 2)
        #expect(config.routing.operators.count == 1 && config.routing.tariffs.count == 1)
        #expect(config.sims.count == 2 && config.groups.count == 1)
        #expect(config.inbound.webhooks.count == 1 && config.inbound.ringGroups.count == 1)
        #expect(config.inbound.queues.count == 1 && config.inbound.rules.count == 2)

        let text = config.redactedDescription
        let reread = try GatewayConfig.parse(text: text, fileName: "rendered.toml", acceptingRedactedSecrets: true)
        #expect(Self.withoutLines(reread) == Self.withoutLines(config.withSecretsRedacted), "\(text)")
        // And the rendering of what was read back is the same text: it is a fixed point.
        #expect(reread.redactedDescription == text)
    }

    @Test func everySectionHasItsHeader() throws {
        let text = try GatewayConfig.parse(text: Self.everySection).redactedDescription
        for header in ["[daemon]", "[control]", "[modems]", "[[modem]]", "[sip]", "[[user]]", "[[trunk]]", "[routing]",
                       "[[routing.operator]]", "[[routing.tariff]]", "[[sim]]", "[[group]]", "[[webhook]]",
                       "[[ring_group]]", "[[queue]]", "[[inbound]]", "[sms]", "[metrics]"] {
            #expect(text.split(separator: "\n").contains(Substring(header)), "missing \(header)")
        }
        // Secrets that are set show as set; the hours read as they were meant.
        #expect(text.contains("token = \"<redacted>\""))
        #expect(text.contains("pin = \"<redacted>\""))
        #expect(text.contains("ha1 = \"<redacted>\""))
        #expect(text.contains("secret = \"<redacted>\""))
        #expect(text.contains("hours = \"mon-fri 09:00-13:00, mon-fri 14:00-18:00, sat 10:00-14:00, sat-sun 22:00-24:00, mon 22:00-24:00\""))
        #expect(text.contains("per_operator = { \"40102\" = 0.9, \"40177\" = 2.25 }"))
    }

    @Test func noSecretAppearsInAnyRendering() throws {
        let config = try GatewayConfig.parse(text: Self.everySection)
        // The fixture does hold them (else the check below proves nothing).
        #expect(config.control.token?.exposedValue == Self.secrets[0])
        #expect(config.modems[0].pin?.exposedValue == Self.secrets[1])
        #expect(config.users.map { $0.password?.exposedValue ?? $0.ha1?.exposedValue } == [Self.secrets[2], Self.secrets[3]])
        #expect(config.trunks[0].password?.exposedValue == Self.secrets[4])
        #expect(config.inbound.webhooks[0].secret.exposedValue == Self.secrets[5])
        let renderings = [config.redactedDescription, "\(config)", String(reflecting: config),
                          { var s = ""; dump(config, to: &s); return s }()]
        for text in renderings {
            for secret in Self.secrets {
                #expect(!text.contains(secret), "\(secret) leaked")
            }
        }
    }

    @Test func aPastedRenderingIsRefusedAsARealConfig() throws {
        let text = try GatewayConfig.parse(text: Self.everySection).redactedDescription
        let found = problems(text)
        for key in ["control.token", "modem[0].pin", "user[0].password", "user[1].ha1", "trunk[0].password", "webhook[0].secret"] {
            #expect(found.contains { $0.contains(": \(key): \"<redacted>\" stands in for a secret") }, "\(key): \(found)")
        }
        // One message per secret; the only others follow from the users those refused.
        #expect(found.filter { $0.contains("stands in for a secret") }.count == 6, "\(found)")
        #expect(found.allSatisfy { $0.contains("stands in for a secret") || $0.contains("no [[user]] named") }, "\(found)")
    }

    @Test func absentOptionalSectionsStayAbsent() throws {
        let config = try GatewayConfig.parse(text: "[[modem]]\nid = \"m1\"\nat_port = \"/dev/ttyUSB0\"\n")
        let text = config.redactedDescription
        #expect(!text.contains("[sip]") && !text.contains("token") && !text.contains("pin"))
        #expect(try GatewayConfig.parse(text: text).sip == nil)
        #expect(Self.withoutLines(try GatewayConfig.parse(text: text)) == Self.withoutLines(config))
    }

    @Test func hoursRenderInTheSyntaxTheyAreReadIn() throws {
        for (written, rendered) in [("mon-fri 09:00-18:00, sat 10:00-14:00", "mon-fri 09:00-18:00, sat 10:00-14:00"),
                                    ("daily 08:00-20:00", "mon-sun 08:00-20:00"),
                                    ("fri-mon 00:00-06:30", "fri-sun 00:00-06:30, mon 00:00-06:30")] {
            let schedule = try WeeklySchedule.parse(written).get()
            #expect(schedule.description == rendered)
            #expect(try WeeklySchedule.parse(schedule.description).get() == schedule)
        }
    }
}
