@testable import ModemCore

/// A scripted modem on a virtual clock: every command the machine writes is answered at once
/// with the scripted bytes (or not at all when the modem is "hung").
struct ModemHarness {
    var machine: ModemStateMachine
    var now = ModemInstant.zero
    var timers: [ModemTimer: ModemInstant] = [:]
    /// Command lines written, in order (without CR).
    var written: [String] = []
    var actions: [ModemAction] = []
    /// Replies by command text; a list is consumed in order and its last entry repeats.
    var replies: [String: [String]] = [:]
    /// When true, nothing is answered (a wedged modem).
    var hung = false
    /// +COPS format last set with AT+COPS=3,<f>.
    var copsFormat = 0
    var operatorNumeric = "25001"
    var operatorName = "MTS"

    init(configuration: ModemConfiguration = ModemConfiguration(), replies: [String: String]) {
        machine = ModemStateMachine(configuration: configuration)
        self.replies = replies.mapValues { [$0] }
    }

    static func ok(_ lines: String...) -> String {
        lines.map { "\r\n\($0)\r\n" }.joined() + "\r\nOK\r\n"
    }

    mutating func open() { apply(machine.portOpened(now: now)) }

    mutating func feed(_ text: String) { apply(machine.received(Array(text.utf8), now: now)) }

    mutating func apply(_ first: [ModemAction]) {
        var work = first
        while !work.isEmpty {
            let batch = work
            work = []
            for a in batch {
                actions.append(a)
                switch a {
                case .armTimer(let t, let after): timers[t] = now + after
                case .cancelTimer(let t): timers[t] = nil
                case .write(let bytes):
                    guard bytes.last == 0x0D else { continue }
                    let text = String(decoding: bytes.dropLast(), as: UTF8.self)
                    written.append(text)
                    if let reply = answer(text) { work += machine.received(Array(reply.utf8), now: now) }
                default: break
                }
            }
        }
    }

    mutating func answer(_ command: String) -> String? {
        if hung { return nil }
        if command.hasPrefix("AT+COPS=3,") { copsFormat = Int(command.dropFirst(10)) ?? 0; return Self.ok() }
        if command == "AT+COPS?", replies[command] == nil {
            return copsFormat == 2 ? Self.ok("+COPS: 0,2,\"\(operatorNumeric)\",2") : Self.ok("+COPS: 0,0,\"\(operatorName)\",2")
        }
        guard var list = replies[command], !list.isEmpty else { return Self.ok() }
        let r = list.count > 1 ? list.removeFirst() : list[0]
        replies[command] = list
        return r
    }

    /// Advances virtual time, firing due timers in deadline order.
    mutating func advance(_ d: Duration) {
        let end = now + d
        while let (t, at) = timers.filter({ $0.value <= end }).min(by: { $0.value < $1.value }) {
            timers[t] = nil
            now = max(now, at)
            apply(machine.timerFired(t, now: now))
        }
        now = end
    }

    var stateChanges: [ModemState] {
        actions.compactMap { if case .stateChanged(_, let to, _) = $0 { return to } else { return nil } }
    }
    var callEvents: [CallEvent] {
        actions.compactMap { if case .callEvent(let e) = $0 { return e } else { return nil } }
    }
    mutating func clearLog() { written = []; actions = [] }
}

/// Replies common to every family.
let commonReplies: [String: String] = [
    "AT": "AT\r\r\nOK\r\n",  // echo still on
    "ATE0": "ATE0\r\r\nOK\r\n",
    "AT+CPIN?": ModemHarness.ok("+CPIN: READY"),
    "AT+CIMI": ModemHarness.ok("250011234567890"),
    "AT+CSQ": ModemHarness.ok("+CSQ: 16,99"),
    "AT+CREG?": ModemHarness.ok("+CREG: 2,1,8BE3,2BAF"),
]

func merged(_ a: [String: String], _ b: [String: String]) -> [String: String] { a.merging(b) { _, new in new } }

let huaweiReplies = merged(commonReplies, [
    "ATI": ModemHarness.ok("Manufacturer: huawei", "Model: E1550", "Revision: 11.609.18.00.00",
                           "IMEI: 351234567890123", "+GCAP: +CGSM,+DS,+ES"),
    "AT+CGMI": ModemHarness.ok("huawei"),
    "AT+CGMM": ModemHarness.ok("E1550"),
    "AT+CGMR": ModemHarness.ok("11.609.18.00.00"),
    "AT+CGSN": ModemHarness.ok("351234567890123"),
    "AT^ICCID?": ModemHarness.ok("^ICCID: \"983351106111005079F8\""),
    // Glued garbage captured inside a successful AT+CNUM (section 1.4).
    "AT+CNUM": "\r\nERROR+CNUM: \"\",\"+33612345678\",145\r\n\r\nOK\r\n",
    "AT^CVOICE?": ModemHarness.ok("^CVOICE:0,8000,16,20"),
])
