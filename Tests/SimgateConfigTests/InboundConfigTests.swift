import Foundation
import Testing
@testable import SimgateConfig

@Suite("Config: [[webhook]], [[ring_group]], [[queue]], [[inbound]]")
struct InboundConfigTests {
    @Test func fullExampleParses() throws {
        let config = try GatewayConfig.parse(text: """
            [[webhook]]
            name = "crm"
            url = "http://10.0.0.7:8080/simgate/events?src=gw"
            secret = "0123456789abcdef0123"
            events = ["call.missed", "missed.updated"]
            max_attempts = 5
            retry_initial = 0.5
            retry_max = 60

            [[ring_group]]
            name = "day"
            strategy = "sequential"
            members = ["alice", "user:bob", "+79161234567"]
            member_timeout = 10
            timeout = 20
            overflow = "queue:main"

            [[queue]]
            name = "main"
            members = ["alice", "bob"]
            max_wait = 120
            prompt = "/etc/simgate/please-hold.wav"
            overflow = "user:manager"

            [[inbound]]
            sims = ["huawei1"]
            target = "ring_group:day"
            hours = "mon-fri 09:00-18:00, sat 10:00-14:00"
            time_zone = "Europe/Moscow"
            after_hours = "number:+79160000000"
            recall = true
            recall_delays = [60, 300, 900]
            """)
        let hook = try #require(config.inbound.webhooks.first)
        #expect(hook.host == "10.0.0.7" && hook.port == 8080 && hook.path == "/simgate/events?src=gw")
        #expect(hook.wants("call.missed") && !hook.wants("call.ringing"))
        #expect(hook.maxAttempts == 5 && hook.retryInitialSeconds == 0.5)
        #expect("\(hook.secret)" == "<redacted>")
        #expect(!config.redactedDescription.contains("0123456789abcdef0123"))
        let group = try #require(config.inbound.ringGroup("day"))
        #expect(group.strategy == .sequential)
        #expect(group.members == [.user("alice"), .user("bob"), .number("+79161234567")])
        #expect(group.overflow == .queue("main"))
        #expect(config.inbound.queue("main")?.overflow == .user("manager"))
        #expect(config.inbound.queue("main")?.ringTimeoutSeconds == 15)
        let rule = try #require(config.inbound.rule(forSIM: ["huawei1", "8970100000000000012"]))
        #expect(rule.target == .ringGroup("day"))
        #expect(rule.afterHours == .number("+79160000000"))
        #expect(rule.recall == RecallConfig(delaysSeconds: [60, 300, 900]))
        #expect(rule.hours?.intervals.count == 6)
        #expect(rule.hours?.intervals.last == WeeklySchedule.Interval(weekday: 6, startMinute: 600, endMinute: 840))
        #expect(config.inbound.rule(forSIM: ["quectel1"]) == nil)
    }

    @Test func badWebhooksAreRefusedWithLines() {
        #expect(problems("""
            [[webhook]]
            url = "http://crm.example.com/hook"
            ca_file = "/etc/simgate/ca.pem"
            secret = "short"
            events = ["call.rang"]
            """) == [
            "simgate.toml:3: webhook[0].ca_file: only an https url uses ca_file",
            "simgate.toml:4: webhook[0].secret: too short: use at least 16 characters (e.g. openssl rand -hex 16)",
            "simgate.toml:5: webhook[0].events[0]: unknown event \"call.rang\"; known: call.ringing, call.answered, call.ended, call.missed, missed.updated, sms.received, sms.status",
        ])
        #expect(problems("[[webhook]]\nurl = \"ftp://x/y\"\nsecret = \"0123456789abcdef\"\n")
            == ["simgate.toml:2: webhook[0].url: unsupported scheme \"ftp\" (expected http[s]://host[:port]/path)"])
        #expect(problems("[[webhook]]\nurl = \"https://x/\"\nca_file = \"ca.pem\"\nsecret = \"0123456789abcdef\"\n")
            == ["simgate.toml:3: webhook[0].ca_file: must be an absolute path"])
        #expect(problems("[[webhook]]\nurl = \"http://x/\"\n") == ["simgate.toml:1: webhook[0].secret: missing required key"])
    }

    @Test func httpsWebhookDefaultsTo443AndKeepsItsCA() throws {
        let config = try GatewayConfig.parse(text: """
            [[webhook]]
            url = "https://crm.example.com/simgate?key=1"
            ca_file = "/etc/simgate/crm-ca.pem"
            secret = "0123456789abcdef"
            """)
        let hook = try #require(config.inbound.webhooks.first)
        #expect(hook.tls && hook.host == "crm.example.com" && hook.port == 443 && hook.path == "/simgate?key=1")
        #expect(hook.caFile == "/etc/simgate/crm-ca.pem")
        #expect(config.redactedDescription.contains("ca_file = \"/etc/simgate/crm-ca.pem\""))
    }

    @Test func referencesMustExistAndNamesBeUnique() {
        #expect(problems("""
            [[ring_group]]
            name = "day"
            members = ["alice"]
            overflow = "ring_group:night"

            [[ring_group]]
            name = "day"
            members = ["bob"]

            [[inbound]]
            sims = ["*"]
            target = "queue:main"
            after_hours = "voicemail"
            """) == [
            "simgate.toml:4: ring_group[0].overflow: no [[ring_group]] named \"night\"; defined: day, day",
            "simgate.toml:7: ring_group[1].name: duplicate ring_group name \"day\" (already used by ring_group[0])",
            "simgate.toml:12: inbound[0].target: no [[queue]] named \"main\"",
            "simgate.toml:13: inbound[0].after_hours: expected user:NAME, ring_group:NAME, queue:NAME, number:+NUMBER or missed, got \"voicemail\"",
            "simgate.toml:13: inbound[0].after_hours: has no effect without hours",
        ])
    }

    @Test func hoursAreCheckedPrecisely() {
        #expect(problems("[[inbound]]\nsims = [\"*\"]\ntarget = \"missed\"\nhours = \"mon-fri 18:00-09:00\"\n")
            == ["simgate.toml:4: inbound[0].hours: \"18:00-09:00\": the end must be after the start; split overnight hours at 24:00 (e.g. \"mon 22:00-24:00, tue 00:00-06:00\")"])
        #expect(problems("[[inbound]]\nsims = [\"*\"]\ntarget = \"missed\"\nhours = \"weekdays 09:00-18:00\"\n")
            == ["simgate.toml:4: inbound[0].hours: \"weekdays\": days are mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, or daily"])
        #expect(problems("[[inbound]]\nsims = [\"*\"]\ntarget = \"missed\"\ntime_zone = \"Mars/Olympus\"\n")
            == ["simgate.toml:4: inbound[0].time_zone: unknown time zone \"Mars/Olympus\" (use an IANA name such as Europe/Moscow)"])
        // Wrapping day ranges and 24:00.
        let fri = try? WeeklySchedule.parse("fri-mon 20:00-24:00").get()
        #expect(fri?.intervals.map(\.weekday) == [5, 6, 7, 1])
        #expect(fri?.intervals.first?.endMinute == 1440)
        #expect(problems("[[inbound]]\nsims = [\"*\"]\ntarget = \"missed\"\nrecall_delays = [300, 60]\n") == [
            "simgate.toml:4: inbound[0].recall_delays: expected 1 to 20 increasing numbers of seconds between 1 and 604800, e.g. [60, 300, 900]",
            "simgate.toml:4: inbound[0].recall_delays: has no effect unless recall = true",
        ])
    }

    @Test func membersAndTargetsParse() {
        #expect(InboundMember.parse("number:+380671234567") == .number("+380671234567"))
        #expect(InboundMember.parse("89161234567") == .number("89161234567"))
        #expect(InboundMember.parse("a b") == nil)
        #expect(InboundTarget.parse("number:alice") == nil)
        #expect(InboundTarget.parse("ring_group:") == nil)
        #expect(InboundTarget.parse("missed") == .missed)
        #expect(problems("[[queue]]\nname = \"q\"\nmembers = []\n") == ["simgate.toml:3: queue[0].members: must name at least one member"])
    }
}
