// `simgate modem show ID`: everything the daemon knows about one modem, grouped the way an
// admin diagnoses it (is it there, is it on the network, is the SIM fine, can it do voice,
// is the AT link healthy, how do its calls go, what happened lately).
import ControlModel
import Foundation

enum ModemDetail {
    static func render(_ m: ModemSnapshot, now: Date, timeZone: TimeZone, ascii: Bool, width: Int = 80) -> String {
        var out = Sections(width: width)
        func ago(_ date: Date?) -> String? {
            date.map { "\(HumanFormat.timestamp($0, timeZone: timeZone)) (\(HumanFormat.age(of: $0, now: now)) ago)" }
        }

        out.title("Modem \(m.id): \(m.state.rawValue) for \(HumanFormat.age(of: m.stateSince, now: now))")
        out.field("Since", ago(m.stateSince))
        out.field("Reason", m.stateReason)

        out.section("Identity")
        out.field("Vendor", m.vendor)
        out.field("Model", m.model)
        out.field("Firmware", m.firmware)
        out.field("IMEI", m.imei)
        out.field("AT port", m.atPort)
        out.field("Audio port", m.audioPort)
        out.field("USB path", m.usbPath)

        out.section("Network")
        out.field("Registration", m.registration)
        out.field("Operator", HumanFormat.operatorLong(m.networkOperator))
        out.field("Access tech", m.accessTechnology)
        out.field("Signal", HumanFormat.signalDetail(m.signal, ascii: ascii))
        if let history = m.signalHistory, history.count > 1, let first = history.first {
            out.field("  history", HumanFormat.sparkline(history.map(\.dBm), ascii: ascii)
                      + " \(HumanFormat.signalRange(history.map(\.dBm), ascii: ascii)), since \(HumanFormat.age(of: first.at, now: now)) ago")
        }
        for r in m.signalReadings ?? [] {
            out.field("  " + r.rat, signalReading(r) + " (\(r.source), \(HumanFormat.age(of: r.at, now: now)) ago)")
        }
        for r in m.registrations ?? [] {
            out.field(registrationLabel(r.domain), registrationText(r))
        }
        if let t = m.networkTime { out.field("Network time", networkTimeText(t, now: now)) }

        out.section("SIM")
        out.field("State", m.simState)
        if let sim = m.sim, let code = sim.code {
            var text = "\(code): \(sim.meaning ?? "")" + (sim.source.map { " (\($0))" } ?? "")
            let retries = [("PIN", sim.pinRetries), ("PUK", sim.pukRetries), ("PIN2", sim.pin2Retries), ("PUK2", sim.puk2Retries)]
                .compactMap { name, n in n.map { "\(name) \($0)" } }
            if !retries.isEmpty { text += "; attempts left: " + retries.joined(separator: ", ") }
            out.field("SIM says", text)
        }
        out.field("Operator", HumanFormat.operatorLong(m.simOperator))
        out.field("IMSI", m.imsi)
        out.field("ICCID", m.iccid)
        out.field("MSISDN", m.msisdn)

        out.section("Voice")
        let capable: String
        switch m.voiceCapable {
        case true?: capable = "yes"
        case false?: capable = "no"
        case nil: capable = "unknown"
        }
        out.field("Capable", capable + (m.voiceReason.map { " (\($0))" } ?? ""))

        out.section("AT link")
        out.field("Queue depth", String(m.at.queueDepth))
        out.field("Sent", String(m.at.commandsSent))
        out.field("Timeouts", String(m.at.timeouts))
        out.field("Errors", String(m.at.errors))
        out.field("Unknown lines", String(m.at.unknownLines))
        for u in m.at.recentUnknownLines ?? [] {
            out.field("", "\(u.count)x \"\(u.line)\" (last \(HumanFormat.age(of: u.lastAt, now: now)) ago)")
        }
        out.field("Resets", String(m.at.resets))
        out.field("Last OK", ago(m.at.lastOKAt) ?? "never")
        out.field("Last recovery", m.lastRecovery ?? "none")

        out.section("Calls")
        let current = m.currentCalls ?? []
        if current.isEmpty { out.field("Now", "none") }
        for call in current {
            var text = "\(call.direction) \(call.state)"
            if let id = call.id { text = "#\(id) " + text }
            if let n = call.number { text += " \(n)" }
            text += " for \(HumanFormat.age(of: call.since, now: now)) (\(call.source))"
            out.field("Now", text)
        }
        if let e = m.lastCallEnd {
            var text = "\(e.cause) (\(e.text))"
            if let cc = e.ccCause { text += ", cause \(cc)" }
            if let v = e.vendorStatus { text += ", end status \(v)" }
            if let d = e.durationSeconds { text += ", \(d) s" }
            out.field("Last end", text + ", \(HumanFormat.age(of: e.at, now: now)) ago")
        }
        let c = m.calls
        out.field("Total", "\(c.total) (\(c.inbound) in, \(c.outbound) out)")
        out.field("Answered", String(c.answered))
        out.field("ASR", HumanFormat.percent(c.asr))
        out.field("ACD", c.acd.map(HumanFormat.preciseDuration) ?? "-")
        out.field("Billable", HumanFormat.preciseDuration(Double(c.billableSeconds)))

        if let sms = m.sms {
            out.section("SMS")
            out.field("Received", String(sms.received))
            out.field("Sent", String(sms.sent))
            out.field("Failed", String(sms.failed))
            var storage = sms.storage ?? "unknown"
            if let used = sms.storageUsed, let total = sms.storageTotal { storage += " \(used)/\(total) used" }
            out.field("Storage", storage)
            out.field("Not yet saved", String(sms.awaitingPersistence))
            out.field("Deleted", String(sms.deleted))
            if sms.unreadable > 0 { out.field("Unreadable", String(sms.unreadable)) }
            if sms.storageFullEvents > 0 { out.field("Storage full", "\(sms.storageFullEvents) times") }
            out.field("Delivery ack", sms.acknowledgesDelivery ? "by the gateway (AT+CNMA)" : "by the modem")
            out.field("Last error", sms.lastError.map { text in ago(sms.lastErrorAt).map { "\(text), \($0)" } ?? text } ?? "none")
        }

        out.section("Recent events")
        if m.recentEvents.isEmpty { out.line("  none") }
        for event in m.recentEvents {
            // "2025-03-01 14:05:09  recovery  text…" with the text wrapped under itself.
            let head = "  \(HumanFormat.timestamp(event.at, timeZone: timeZone))  "
                + event.kind.padding(toLength: max(event.kind.count, 8), withPad: " ", startingAt: 0) + "  "
            out.wrapped(head: head, event.detail)
        }
        return out.text
    }

    static func signalReading(_ r: SignalReadingInfo) -> String {
        var parts: [String] = []
        if let v = r.rssiDBm { parts.append("rssi \(v) dBm") }
        if let v = r.rssi { parts.append("csq \(v)") }
        if let v = r.ber { parts.append("ber \(v)") }
        if let v = r.rscpDBm { parts.append("rscp \(v) dBm") }
        if let v = r.ecioDB { parts.append("ecio \(decibels(v)) dB") }
        if let v = r.rsrpDBm { parts.append("rsrp \(v) dBm") }
        if let v = r.rsrqDB { parts.append("rsrq \(decibels(v)) dB") }
        if let v = r.sinrDB { parts.append("sinr \(decibels(v)) dB") }
        return parts.isEmpty ? "no values" : parts.joined(separator: ", ")
    }

    static func decibels(_ v: Double) -> String { String(format: "%.1f", v) }

    static func registrationLabel(_ domain: String) -> String {
        switch domain {
        case "cs": return "CS (+CREG)"
        case "ps": return "PS (+CGREG)"
        case "eps": return "EPS (+CEREG)"
        case "5gs": return "5GS (+C5GREG)"
        default: return domain
        }
    }

    static func registrationText(_ r: RegistrationInfo) -> String {
        var text = "\(r.stat) \(r.statMeaning)"
        let areaName = r.domain == "cs" || r.domain == "ps" ? "lac" : "tac"
        if let lac = r.lac { text += ", \(areaName) \(lac)" + (r.lacValue.map { " (\($0))" } ?? "") }
        if let ci = r.ci { text += ", ci \(ci)" + (r.ciValue.map { " (\($0))" } ?? "") }
        if let name = r.actName { text += ", \(name)" } else if let act = r.act { text += ", act \(act)" }
        return text
    }

    static func networkTimeText(_ t: NetworkTimeInfo, now: Date) -> String {
        var parts: [String] = []
        if let time = t.time { parts.append(time) }
        else if let zone = t.zone { parts.append("zone \(zone)") }
        if let q = t.zoneQuarterHours, t.time != nil { parts.append("zone \(q) quarter hours") }
        if let dst = t.dst { parts.append("dst \(dst)") }
        parts.append("from \(t.source), \(HumanFormat.age(of: t.receivedAt, now: now)) ago")
        return parts.joined(separator: ", ")
    }

    /// Accumulates `Label  value` lines, wrapping long values so no line passes `width`.
    struct Sections {
        var width: Int
        var text = ""
        static let labelWidth = 15

        mutating func title(_ s: String) { wrapped(head: "", s) }
        mutating func section(_ name: String) { text += "\n\(name)\n" }
        mutating func line(_ s: String) { text += s + "\n" }

        mutating func field(_ label: String, _ value: String?) {
            let head = "  " + label.padding(toLength: Sections.labelWidth, withPad: " ", startingAt: 0)
            wrapped(head: head, value ?? "-")
        }

        /// `head` then `body`, continuation lines indented under the body's first character.
        mutating func wrapped(head: String, _ body: String) {
            let lines = wrap(body, width: max(width - head.count, 20))
            let indent = String(repeating: " ", count: head.count)
            for (i, l) in lines.enumerated() { line((i == 0 ? head : indent) + l) }
        }
    }

    /// Greedy word wrap; words longer than `width` are split hard. Always returns one line at least.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        let flat = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        for word in flat.split(separator: " ") {
            var word = Substring(word)
            while word.count > width {
                if !current.isEmpty { lines.append(current); current = "" }
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            if current.isEmpty { current = String(word) }
            else if current.count + 1 + word.count <= width { current += " " + word }
            else { lines.append(current); current = String(word) }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
