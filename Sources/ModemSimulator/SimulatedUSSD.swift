// USSD as a real modem and network do it (27.007 §7.15, sms-ussd.md §5-§6): AT+CUSD answers OK
// at once and the network's reply comes later as a +CUSD URC; one session at a time, menus
// (m=1) continued by the next AT+CUSD=1 or cancelled by AT+CUSD=2, a menu left unanswered
// ends with +CUSD: 5. Encodings follow the vendor: a Huawei in its default mode reads and
// writes packed GSM-7 as hex (SMSCore.GSM7), the others plain text in the TE charset, and
// anything that is not GSM-7 goes out as UCS2 hex with dcs 72 (SMSCore.UCS2).
import Foundation
import NIOCore
import SMSCore

/// One AT+CUSD request as the modem received it (`ussd <name> log`).
public struct USSDRequest: Codable, Sendable, Equatable {
    public var n: Int
    /// <str> exactly as written: packed GSM-7 hex for a Huawei in its default mode.
    public var str: String
    public var dcs: Int?
    /// What the network read: the service code or menu choice; nil when it could not
    /// decode <str> (text sent to a Huawei in hex mode).
    public var decoded: String?
    /// A reply to an open menu rather than a new session.
    public var continuation: Bool
    /// The +CUSD URC the request got; nil while pending, for a silent network, or with n=0.
    public var reply: String?
}

/// A modem's USSD and account state. It belongs to the SIM and the network, so it survives
/// resets and replugs (only the open session ends).
struct USSDState {
    /// The SIM's account, in hundredths (kopecks / cents): exact for decimal money.
    var balanceCents: Int
    var pricePerMinuteCents: Int
    /// Seconds between the OK of AT+CUSD and the network's URC.
    var delay: Double
    /// Seconds a menu waits for the user's choice before the network gives up (+CUSD: 5).
    var menuTimeout: Double
    /// The network never answers: the gateway must time out and send AT+CUSD=2.
    var silent: Bool
    var log: [USSDRequest] = []
    /// The open session: `menu` nil while a request waits for the network.
    var session: (menu: USSDMenu?, serial: Int)?
    var serial = 0

    init(config: ModemConfig) {
        balanceCents = Self.cents(config.balance)
        pricePerMinuteCents = Self.cents(config.pricePerMinute)
        delay = config.ussdDelay
        menuTimeout = config.ussdMenuTimeout
        silent = config.ussdSilent
    }

    static func cents(_ d: Decimal) -> Int {
        var scaled = d * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        return NSDecimalNumber(decimal: rounded).intValue
    }

    /// "100.00", "-12.50": what `ussd <name> balance` and status print.
    static func text(_ cents: Int) -> String {
        (cents < 0 ? "-" : "") + USSDOperator.amount(cents, separator: ".")
    }

    /// "12.50", "12,50", "-3": the amount a control command gives.
    static func parseAmount(_ s: String) -> Int? {
        let t = s.replacingOccurrences(of: ",", with: ".")
        guard t.range(of: #"^-?[0-9]{1,9}(\.[0-9]{1,2})?$"#, options: .regularExpression) != nil,
              let d = Decimal(string: t, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        return cents(d)
    }
}

/// What `ussd <name> balance` reports.
public struct USSDAccount: Codable, Sendable, Equatable {
    public var balance: String
    public var pricePerMinute: String
}

extension SimulatedModem {
    /// The USSD commands; nil for any other command.
    func executeUSSD(_ cmd: ATCommand) -> CommandOutcome? {
        let args = cmd.arguments
        switch (cmd.name, cmd.form) {
        case ("+CUSD", .read):
            return .ok(["+CUSD: \(settings.cusd)"])
        case ("+CUSD", .test):
            return .ok(["+CUSD: (0-2)"])
        case ("+CUSD", .set):
            return ussdRequest(args)
        case ("^USSDMODE", .set) where config.vendor == .huawei:
            // 0: text USSD ("non-transparent"), 1: packed GSM-7 hex, the dongles' default
            // (oFono picks its hex driver on `^USSDMODE: 1`, sms-ussd.md §5).
            guard let v = Int(args.first ?? ""), (0...1).contains(v) else { return .error(.incorrectParameters) }
            settings.ussdHex = v == 1
            return .ok([])
        case ("^USSDMODE", .read) where config.vendor == .huawei:
            return .ok(["^USSDMODE: \(settings.ussdHex ? 1 : 0)"])
        case ("^USSDMODE", .test) where config.vendor == .huawei:
            return .ok(["^USSDMODE: (0-1)"])
        default:
            return nil
        }
    }

    /// Whether this modem reads and writes <str> as packed GSM-7 hex.
    var ussdHexMode: Bool { config.vendor == .huawei && settings.ussdHex }

    /// AT+CUSD=<n>[,<str>[,<dcs>]].
    private func ussdRequest(_ args: [String]) -> CommandOutcome {
        guard let n = Int(args.first ?? ""), (0...2).contains(n) else { return .error(.incorrectParameters) }
        if n == 2 {
            // Cancel: the session ends without a URC; a reply still on its way is dropped.
            // Logged, so a test sees the gateway end a session it gave up on.
            ussd.log.append(USSDRequest(n: 2, str: "", dcs: nil, decoded: nil, continuation: ussd.session != nil, reply: nil))
            ussd.session = nil
            return .ok([])
        }
        settings.cusd = n
        guard args.count >= 2, !args[1].isEmpty else { return .ok([]) }
        var dcs: Int?
        if args.count >= 3, !args[2].isEmpty {
            guard let d = Int(args[2]), (0...255).contains(d) else { return .error(.incorrectParameters) }
            dcs = d
        }
        // A SIM that is absent or locked: the firmware refuses the command itself with the SIM
        // error, as it does every network-bound command (27.007 §9.2; what simError gives ATD).
        if let e = simError() { return .error(e) }
        // One request at a time (ModemManager queues them, sms-ussd.md §6): a second one while
        // the network has not answered the first is refused.
        if let s = ussd.session, s.menu == nil { return .error(.operationNotAllowed) }
        let str = args[1]
        let decoded = decodeUSSD(str, dcs: dcs)
        let menu = ussd.session?.menu
        ussd.log.append(USSDRequest(n: n, str: str, dcs: dcs, decoded: decoded, continuation: menu != nil, reply: nil))
        let index = ussd.log.count - 1
        guard effectiveRegistration.isRegistered else {
            // No network to send it to: OK, then the ME's own "operation not supported"
            // (SIM800 manual v1.09 p.109 prints +CUSD: 4 when USSD cannot be done).
            ussd.session = nil
            afterReply.append { self.presentUSSD(index, "+CUSD: 4") }
            return .ok([])
        }
        ussd.serial += 1
        let serial = ussd.serial
        ussd.session = (menu: nil, serial: serial)
        guard !ussd.silent else { return .ok([]) }
        schedule(after: ussd.delay) {
            guard self.ussd.session?.serial == serial else { return }  // cancelled meanwhile
            let op = USSDOperator.forNetwork(self.network.mccmnc)
            let node: USSDNode = if let decoded {
                menu.map { op.answer(choice: decoded, in: $0) } ?? op.answer(decoded)
            } else {
                // Text written to a Huawei in hex mode reaches the network as garbage; the real
                // answer is "Nepravilnyi nomer uslugi" ("wrong service number", chan_dongle#38,
                // hex CE325C1E…), not +CUSD: 4.
                .text("Nepravilnyi nomer uslugi")
            }
            self.answerUSSD(node, op: op, index: index, serial: serial)
        }
        return .ok([])
    }

    private func answerUSSD(_ node: USSDNode, op: USSDOperator, index: Int, serial: Int) {
        switch node {
        case .menu(let m):
            ussd.session = (menu: m, serial: serial)
            presentUSSD(index, ussdURC(1, m.text))
            schedule(after: ussd.menuTimeout) {
                guard let s = self.ussd.session, s.serial == serial, s.menu != nil else { return }
                self.ussd.session = nil
                self.presentUSSD(nil, "+CUSD: 5")
            }
        case .text(let t):
            ussd.session = nil
            presentUSSD(index, ussdURC(0, t))
        case .balance:
            ussd.session = nil
            presentUSSD(index, ussdURC(0, op.formatBalance(ussd.balanceCents)))
        case .ownNumber:
            ussd.session = nil
            let number = config.identity.networkNumber ?? config.identity.msisdn
            presentUSSD(index, ussdURC(0, number.map(op.formatNumber) ?? op.unknownRequest))
        }
    }

    /// Logs the reply and prints it unless AT+CUSD=0 turned presentation off.
    private func presentUSSD(_ index: Int?, _ line: String) {
        if let index, ussd.log.indices.contains(index) { ussd.log[index].reply = line }
        if settings.cusd == 1 { sendURC(line) }
    }

    func ussdURC(_ m: Int, _ text: String) -> String {
        let (str, dcs) = encodeUSSD(text)
        return "+CUSD: \(m),\"\(str)\",\(dcs)"
    }

    /// The network's text as this modem prints it: (<str>, <dcs>).
    func encodeUSSD(_ text: String) -> (String, Int) {
        let ucs2 = HexText.string(UCS2.encode(text))
        guard var septets = GSM7.septets(text) else { return (ucs2, 72) }  // Cyrillic: UCS2, dcs 72 (MTS capture)
        if ussdHexMode {
            // 7 spare bits at the end would read as '@': 23.038 §6.1.2.3.1 pads them with CR
            // (the chan_dongle test vector "OCTATOK 0.51 p." ends with one).
            if septets.count % 8 == 7 { septets.append(0x0D) }
            return (HexText.string(GSM7.pack(septets)), 15)
        }
        // Text mode: GSM-7 text in the TE charset, UCS2 hex after AT+CSCS="UCS2".
        return (settings.charset == "UCS2" ? ucs2 : text, 15)
    }

    /// <str> as the network reads it; nil when a hex-mode Huawei was given something else.
    func decodeUSSD(_ str: String, dcs: Int?) -> String? {
        if ussdHexMode {
            guard let octets = try? HexText.octets(str), !octets.isEmpty else { return nil }
            if dcs == 72 { return UCS2.decode(octets) }
            var septets = GSM7.unpack(octets, count: octets.count * 8 / 7)
            // A last octet with 7 spare bits holds a CR pad or a zero '@': not part of the code.
            if septets.count % 8 == 0, let last = septets.last, last == 0x0D || last == 0 { septets.removeLast() }
            return GSM7.string(septets)
        }
        if settings.charset == "UCS2" {
            guard let octets = try? HexText.octets(str), octets.count % 2 == 0 else { return nil }
            return UCS2.decode(octets)
        }
        return str
    }

    // MARK: Billing

    /// An answered outgoing call costs `pricePerMinute` per started minute, charged when it
    /// ends (prepaid networks bill at release).
    func billCall(_ c: Call, endedAt now: NIODeadline) {
        guard c.direction == .outgoing, let answered = c.answeredAt else { return }
        ussd.balanceCents -= Self.startedMinutes((now - answered).nanoseconds) * ussd.pricePerMinuteCents
    }

    /// 0.2 s → 1, 60 s → 1, 60.5 s → 2: every answered call pays its first minute.
    static func startedMinutes(_ nanoseconds: Int64) -> Int {
        Int((max(1, nanoseconds) + 59_999_999_999) / 60_000_000_000)
    }

    var ussdAccount: USSDAccount {
        USSDAccount(balance: USSDState.text(ussd.balanceCents), pricePerMinute: USSDState.text(ussd.pricePerMinuteCents))
    }
}
