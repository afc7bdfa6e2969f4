// The effective configuration written back as TOML: every section, defaults filled in, every
// secret (PIN, control token, user password and HA1, trunk password, webhook secret) replaced
// by `SecretString.placeholder`. An admin reads it to see what the daemon will really do
// (which defaults apply, how hours were understood); it is safe to paste into a ticket.
//
// It reads back (`GatewayConfig.parse(text:acceptingRedactedSecrets: true)`) to a config equal
// to `withSecretsRedacted`, apart from the `line` fields (the rendering has its own lines).
// A new field must be written here too: the round-trip test in GatewayConfigRenderingTests
// sets every field and fails on one that is not.
import Foundation

extension GatewayConfig {
    /// The effective configuration as TOML with every secret redacted.
    public var redactedDescription: String {
        var w = TOMLWriter()
        w.table("daemon")
        w.string("state_dir", daemon.stateDirectory)
        w.string("log_level", daemon.logLevel.rawValue)

        w.table("control")
        w.string("socket", control.socket)
        w.string("tcp_listen", control.tcpListen?.description)
        for role in ControlConfig.Role.allCases { w.secret(ControlConfig.tokenKey(role), control.tokens[role]) }
        w.string("tls_certificate", control.tlsCertificate)
        w.string("tls_key", control.tlsKey)

        w.table("modems")
        w.number("poll_interval", modemPool.pollIntervalSeconds)
        w.number("command_timeout", modemPool.commandTimeoutSeconds)
        w.bool("discover", modemPool.discover)
        w.strings("scan", modemPool.scan)
        w.integer("recovery_timeouts", modemPool.recoveryTimeouts)
        for m in modems {
            w.tableArray("modem")
            w.string("id", m.id)
            w.string("at_port", m.atPort)
            w.string("audio_port", m.audioPort)
            w.string("dialect", m.dialect?.rawValue)
            w.secret("pin", m.pin)
            w.string("inbound_user", m.inboundUser)
        }

        if let sip { sip.render(into: &w) }
        for u in users {
            w.tableArray("user")
            w.string("name", u.name)
            w.secret("password", u.password)
            w.secret("ha1", u.ha1)
            w.integer("max_concurrent_calls", u.maxConcurrentCalls)
        }
        for t in trunks {
            w.tableArray("trunk")
            w.string("name", t.name)
            w.string("registrar", t.registrar)
            w.string("transport", t.transport.rawValue)
            w.string("username", t.username)
            w.secret("password", t.password)
            w.integer("expires", t.expires)
            w.bool("register", t.register)
            w.bool("outbound", t.outbound)
            w.strings("inbound_from", t.inboundFrom)
            w.bool("inbound_auth", t.inboundAuth)
        }

        routing.render(into: &w)
        for s in sims { s.render(into: &w) }
        for g in groups {
            w.tableArray("group")
            w.string("name", g.name)
            w.strings("members", g.members)
            w.strings("allow", g.allow)
            w.strings("deny", g.deny)
            w.integer("calls_per_day", g.callsPerDay)
            w.integer("minutes_per_day", g.minutesPerDay)
        }

        inbound.render(into: &w)
        sms.render(into: &w)
        metrics.render(into: &w)
        return w.text
    }

    /// This config with every secret replaced by `SecretString.placeholder`: what reading
    /// `redactedDescription` back gives.
    public var withSecretsRedacted: GatewayConfig {
        func redact(_ s: SecretString?) -> SecretString? { s.map { _ in SecretString(SecretString.placeholder) } }
        var c = self
        c.control.tokens = c.control.tokens.mapValues { redact($0)! }
        for i in c.modems.indices { c.modems[i].pin = redact(c.modems[i].pin) }
        for i in c.users.indices {
            c.users[i].password = redact(c.users[i].password)
            c.users[i].ha1 = redact(c.users[i].ha1)
        }
        for i in c.trunks.indices { c.trunks[i].password = redact(c.trunks[i].password) }
        for i in c.inbound.webhooks.indices { c.inbound.webhooks[i].secret = SecretString(SecretString.placeholder) }
        return c
    }

    /// A TOML basic string that reads back as `s`.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let h = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension SIPConfig {
    func render(into w: inout TOMLWriter) {
        w.table("sip")
        w.strings("listen", listen.map(\.description))
        w.string("realm", realm)
        w.string("test_extension", testExtension)
        w.integer("rtp_port_min", rtpPortMin)
        w.integer("rtp_port_max", rtpPortMax)
        w.number("answer_delay", answerDelaySeconds)
        w.integer("max_tcp_connections", maxTCPConnections)
        w.number("tcp_idle_timeout", tcpIdleTimeoutSeconds)
        w.number("rate_limit", rateLimitPerSource)
        w.number("rate_burst", rateLimitBurst)
        w.integer("max_transactions", maxTransactions)
        w.string("default_inbound_user", defaultInboundUser)
        w.bool("early_media", earlyMedia)
        w.strings("digest_algorithms", digestAlgorithms.map(\.rawValue))
    }
}

extension RoutingConfig {
    func render(into w: inout TOMLWriter) {
        w.table("routing")
        w.string("home_country", homeCountry.rawValue)
        w.bool("allow_short_codes", allowShortCodes)
        w.string("time_zone", timeZone)
        w.bool("on_net_only", onNetOnly)
        w.integer("warning_lead", warningLeadSeconds)
        w.integer("quarantine_after", quarantineAfter)
        w.number("quarantine_cooldown", quarantineCoolDownSeconds)
        w.number("quarantine_max_cooldown", quarantineMaxCoolDownSeconds)
        w.strings("registry", registryFiles)
        w.strings("libphonenumber", libphonenumberPaths)
        w.strings("mnp", mnpFiles)
        w.strings("ported_csv", portedCSVFiles)
        for o in operators {
            w.tableArray("routing.operator")
            w.string("name", o.name)
            w.string("mccmnc", o.mccmnc)
            w.strings("other_mccmnc", o.otherMCCMNCs)
            w.strings("inns", o.inns)
            w.strings("bdpn_owner_ids", o.bdpnOwnerIDs)
            w.strings("carrier_names", o.carrierNames)
            w.string("host_mccmnc", o.hostMCCMNC)
        }
        for t in tariffs {
            w.tableArray("routing.tariff")
            w.string("name", t.name)
            t.prices.render(into: &w)
            w.integer("billing_increment", t.billingIncrementSeconds)
            w.decimal("sms_price", t.smsPrice)
            t.queries.render(into: &w)
        }
    }
}

extension PriceList {
    func render(into w: inout TOMLWriter) {
        w.decimal("on_net", onNet)
        w.decimal("off_net", offNet)
        if !perOperator.isEmpty {
            // Sorted: a dictionary's order would change the output from run to run.
            let entries = perOperator.sorted { $0.key < $1.key }.map { "\(GatewayConfig.quote($0.key)) = \(TOMLWriter.decimal($0.value))" }
            w.raw("per_operator", "{ " + entries.joined(separator: ", ") + " }")
        }
    }
}

extension SIMConfig {
    func render(into w: inout TOMLWriter) {
        w.tableArray("sim")
        w.string("iccid", iccid)
        w.string("modem", modem)
        w.string("tariff", tariff)
        prices.render(into: &w)
        w.integer("billing_increment", billingIncrementSeconds)
        w.integer("minutes_per_day", minutesPerDay)
        w.integer("minutes_per_month", minutesPerMonth)
        w.integer("month_reset_day", monthResetDay)
        w.integer("calls_per_day", callsPerDay)
        w.integer("max_call_seconds", maxCallSeconds)
        w.integer("max_concurrent", maxConcurrentCalls)
        if let groups { w.strings("groups", groups) }
        w.integer("sms_per_day", smsPerDay)
        w.integer("sms_per_month", smsPerMonth)
        if let smsMinIntervalSeconds { w.number("sms_min_interval", smsMinIntervalSeconds) }
        w.decimal("sms_price", smsPrice)
        queries.render(into: &w)
    }
}

extension InboundConfig {
    func render(into w: inout TOMLWriter) {
        for h in webhooks {
            w.tableArray("webhook")
            w.string("name", h.name)
            w.string("url", h.url)
            w.string("ca_file", h.caFile)
            w.secret("secret", h.secret)
            if !h.events.isEmpty { w.strings("events", h.events) }
            w.number("timeout", h.timeoutSeconds)
            w.integer("max_attempts", h.maxAttempts)
            w.number("retry_initial", h.retryInitialSeconds)
            w.number("retry_max", h.retryMaxSeconds)
        }
        for g in ringGroups {
            w.tableArray("ring_group")
            w.string("name", g.name)
            w.string("strategy", g.strategy.rawValue)
            w.strings("members", g.members.map(\.description))
            w.number("member_timeout", g.memberTimeoutSeconds)
            w.number("timeout", g.timeoutSeconds)
            w.string("overflow", g.overflow?.description)
        }
        for q in queues {
            w.tableArray("queue")
            w.string("name", q.name)
            w.strings("members", q.members.map(\.description))
            w.number("ring_timeout", q.ringTimeoutSeconds)
            w.number("max_wait", q.maxWaitSeconds)
            w.string("hold_music", q.holdMusic)
            w.string("prompt", q.prompt)
            w.number("prompt_interval", q.promptIntervalSeconds)
            w.string("overflow", q.overflow?.description)
        }
        for rule in rules {
            w.tableArray("inbound")
            w.strings("sims", rule.sims)
            w.string("target", rule.target.description)
            w.string("hours", rule.hours?.description)
            w.string("time_zone", rule.timeZone)
            w.string("after_hours", rule.afterHours?.description)
            if let recall = rule.recall {
                w.bool("recall", true)
                w.raw("recall_delays", "[" + recall.delaysSeconds.map(TableReader.format).joined(separator: ", ") + "]")
            }
        }
    }
}

extension WeeklySchedule: CustomStringConvertible {
    /// The hours in the syntax `parse` reads, giving back the same intervals in the same
    /// order: runs of consecutive days with the same hours become `mon-fri 09:00-18:00`.
    public var description: String {
        func time(_ minutes: Int) -> String {
            let h = minutes / 60, m = minutes % 60
            return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
        }
        var parts: [String] = []
        var i = intervals.startIndex
        while i < intervals.endIndex {
            let first = intervals[i]
            var last = i
            while last + 1 < intervals.endIndex, intervals[last + 1].weekday == intervals[last].weekday + 1,
                  intervals[last + 1].startMinute == first.startMinute, intervals[last + 1].endMinute == first.endMinute {
                last += 1
            }
            // Weekdays outside 1...7 cannot come from `parse`; print them as numbers rather than trap.
            func day(_ d: Int) -> String { (1...7).contains(d) ? Self.dayNames[d - 1] : "day\(d)" }
            let days = last == i ? day(first.weekday) : "\(day(first.weekday))-\(day(intervals[last].weekday))"
            parts.append("\(days) \(time(first.startMinute))-\(time(first.endMinute))")
            i = last + 1
        }
        return parts.joined(separator: ", ")
    }
}

/// Lines of TOML, section by section. Optional values that are nil are left out, so the
/// reader's default (the same nil) applies.
struct TOMLWriter {
    private var lines: [String] = []

    var text: String { lines.joined(separator: "\n") + "\n" }

    mutating func table(_ name: String) { header("[\(name)]") }
    mutating func tableArray(_ name: String) { header("[[\(name)]]") }

    private mutating func header(_ h: String) {
        if !lines.isEmpty { lines.append("") }
        lines.append(h)
    }

    mutating func raw(_ key: String, _ value: String) { lines.append("\(key) = \(value)") }

    mutating func string(_ key: String, _ value: String?) {
        if let value { raw(key, GatewayConfig.quote(value)) }
    }

    mutating func strings(_ key: String, _ values: [String]) {
        raw(key, "[" + values.map(GatewayConfig.quote).joined(separator: ", ") + "]")
    }

    mutating func integer(_ key: String, _ value: Int?) {
        if let value { raw(key, String(value)) }
    }

    mutating func number(_ key: String, _ value: Double) { raw(key, TableReader.format(value)) }

    mutating func bool(_ key: String, _ value: Bool) { raw(key, value ? "true" : "false") }

    mutating func decimal(_ key: String, _ value: Decimal?) {
        if let value { raw(key, Self.decimal(value)) }
    }

    /// Present secrets show as the placeholder (so the reader sees one is set); absent ones are left out.
    mutating func secret(_ key: String, _ value: SecretString?) {
        if value != nil { raw(key, GatewayConfig.quote(SecretString.placeholder)) }
    }

    /// A price as written: `Decimal`'s description is plain digits with a `.` (never a
    /// locale's comma, never an exponent), which TOML reads as an integer or a float.
    static func decimal(_ d: Decimal) -> String { d.description }
}
