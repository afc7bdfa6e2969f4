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
        // Each section renders itself beside where it is read (its own file).
        daemon.render(into: &w)
        control.render(into: &w)
        modemPool.render(into: &w)
        for m in modems { m.render(into: &w) }
        if let sip { sip.render(into: &w) }
        for u in users { u.render(into: &w) }
        for t in trunks { t.render(into: &w) }
        routing.render(into: &w)
        for s in sims { s.render(into: &w) }
        for g in groups { g.render(into: &w) }
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
