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

        out.section("SIM")
        out.field("State", m.simState)
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
        out.field("Resets", String(m.at.resets))
        out.field("Last OK", ago(m.at.lastOKAt) ?? "never")
        out.field("Last recovery", m.lastRecovery ?? "none")

        out.section("Calls")
        let c = m.calls
        out.field("Total", "\(c.total) (\(c.inbound) in, \(c.outbound) out)")
        out.field("Answered", String(c.answered))
        out.field("ASR", HumanFormat.percent(c.asr))
        out.field("ACD", c.acd.map(HumanFormat.preciseDuration) ?? "-")
        out.field("Billable", HumanFormat.preciseDuration(Double(c.billableSeconds)))

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
