// The simulator's state: all modems and the control socket, confined to one event loop.
import Foundation
import Logging
import NIOCore
import NIOPosix

final class SimulatorEngine {
    let loop: any EventLoop
    let logger: Logger
    let config: SimulatorConfig
    private(set) var order: [String] = []
    private var modems: [String: SimulatedModem] = [:]
    private var controlChannel: (any Channel)?
    private(set) var stopped = false

    init(config: SimulatorConfig, loop: any EventLoop, logger: Logger) {
        self.config = config
        self.loop = loop
        self.logger = logger
        for m in config.modems {
            modems[m.name] = SimulatedModem(config: m, linkDirectory: config.linkDirectory, loop: loop, logger: logger)
            order.append(m.name)
        }
    }

    func modem(_ name: String) throws(SimulatorError) -> SimulatedModem {
        guard !stopped else { throw .stopped }
        guard let m = modems[name] else { throw .unknownModem(name) }
        return m
    }

    /// Plugs every modem in, then opens the control socket.
    func start(bound: NIOLoopBound<SimulatorEngine>) -> EventLoopFuture<Void> {
        var chain = loop.makeSucceededVoidFuture()
        for name in order {
            let m = NIOLoopBound(modems[name]!, eventLoop: loop)  // built from `order`, always present
            chain = chain.flatMap { m.value.plug() }
        }
        guard let path = config.controlSocket else { return chain }
        let parent = (path as NSString).deletingLastPathComponent
        let loop = self.loop
        return chain.flatMap {
            do { if !parent.isEmpty { try makeDirectory(parent) } } catch { return loop.makeFailedFuture(error) }
            return ServerBootstrap(group: loop)
                .serverChannelOption(.backlog, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ControlLineHandler(engine: bound))
                    }
                }
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
                .map { channel in
                    bound.value.controlChannel = channel
                }
        }
    }

    /// Unplugs every modem (removing its links) and removes the control socket.
    func stop() -> EventLoopFuture<Void> {
        guard !stopped else { return loop.makeSucceededVoidFuture() }
        stopped = true
        var futures: [EventLoopFuture<Void>] = []
        if let ch = controlChannel {
            futures.append(ch.close().flatMapErrorThrowing { _ in () })
            controlChannel = nil
        }
        for name in order {
            guard let m = modems[name] else { continue }
            m.cancelTimers()
            if m.isPlugged { futures.append(m.unplug().flatMapErrorThrowing { _ in () }) }
        }
        let path = config.controlSocket
        return EventLoopFuture.andAllComplete(futures, on: loop).map {
            if let path { unlink(path) }
        }
    }

    // MARK: Control protocol

    /// Executes one control line; the reply is `ok[ <payload>]` or `error <why>`.
    func execute(_ line: String) -> EventLoopFuture<String> {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let verb = words.first?.lowercased() else { return loop.makeSucceededFuture("error empty command") }
        do {
            switch verb {
            case "help":
                return reply(ok: ControlCommands.help)
            case "list":
                return reply(ok: order.joined(separator: " "))
            default:
                break
            }
            guard words.count >= 2 else { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
            let m = try modem(words[1])
            let rest = Array(words.dropFirst(2))
            switch verb {
            case "status":
                return reply(ok: try json(m.status()))
            case "commands":
                if rest.first == "reset" { m.commandLog.removeAll(); return reply(ok: "") }
                return reply(ok: try json(m.commandLog))
            case "received":
                if rest.first == "reset" { m.analyzer.reset(); return reply(ok: "") }
                return reply(ok: try json(m.analyzer.reception))
            case "signal":
                guard rest.count == 1, let rssi = Int(rest[0]) else { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
                try m.setSignal(rssi)
            case "register":
                guard rest.count == 1, let state = RegistrationState(rawValue: rest[0].lowercased()) else {
                    throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))")
                }
                m.setRegistration(state)
            case "operator":
                guard rest.count >= 2 else { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
                try m.setOperator(mccmnc: rest[0], longName: rest.dropFirst().joined(separator: " "), shortName: nil)
            case "sim":
                switch rest.first?.lowercased() {
                case "remove": m.removeSIM()
                case "insert": m.insertSIM()
                case "pin": return reply(ok: try json(m.pinStatus))
                case "reject": m.simFault = .rejectCalls
                case "outoforder": m.simFault = .networkOutOfOrder
                case "barred": m.simFault = .barred
                case "normal": m.simFault = .none
                default: throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))")
                }
            case "ussd":
                if let payload = try m.ussdControl(rest) { return reply(ok: payload) }
            case "hang":
                switch rest.first?.lowercased() {
                case "on": m.hung = true
                case "off": m.hung = false
                default: throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))")
                }
            case "garbage":
                guard rest.count == 1, let n = Int(rest[0]) else { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
                guard m.isPlugged else { throw SimulatorError.notPlugged(m.config.name) }
                try m.emitGarbage(n)
            case "unplug":
                return m.unplug().map { "ok" }.flatMapErrorThrowing { "error \($0)" }
            case "replug":
                if rest.count > 1 { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
                return replug(m, linkName: rest.first, linkDirectory: nil).map { "ok" }.flatMapErrorThrowing { "error \($0)" }
            case "reboot":
                guard m.isPlugged else { throw SimulatorError.notPlugged(m.config.name) }
                m.reboot()
            case "call":
                guard rest.count == 1 || rest.count == 2 else { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
                let caller = rest[0].lowercased() == "withheld" ? nil : rest[0]
                var abandon: Double?
                if rest.count == 2 {
                    guard let a = Double(rest[1]), a > 0 else { throw SimulatorError.invalidArgument("abandon seconds must be a positive number") }
                    abandon = a
                }
                try m.ringIn(from: caller, abandonAfter: abandon)
            case "hangup":
                try m.remoteHangup()
            case "continue":
                try m.continueReplay()
            case "sms":
                let command = try SMSControlCommand.parse(line)
                return reply(ok: try json(m.deliverText(from: command.from, text: command.text, faults: command.faults)))
            case "sms-pdu":
                guard rest.count == 1 else { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
                try m.deliverPDU(hex: rest[0])
            case "sms-sent":
                guard rest.isEmpty else { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
                return reply(ok: try json(m.smsSent))
            case "sms-fail":
                guard rest.count == 1 || rest.count == 2, let code = Int(rest[0]), let count = Int(rest.count == 2 ? rest[1] : "1") else {
                    throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))")
                }
                try m.failNextSends(code: code, count: count)
            case "sms-storage":
                guard rest.isEmpty else { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
                return reply(ok: try json(m.smsStorageStatus()))
            case "dtmf":
                guard rest.count == 1 || (rest.count == 2 && ["inband", "urc"].contains(rest[1])) else {
                    throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))")
                }
                try m.pressDigits(rest[0], reportByURC: rest.count == 2 && rest[1] == "urc")
            case "callee":
                guard rest.count >= 2 else { throw SimulatorError.invalidArgument("usage: \(ControlCommands.usage(verb))") }
                // A trailing `noringback` keeps the audio port silent while the callee alerts.
                var words = Array(rest.dropFirst())
                let ringback = words.last?.lowercased() != "noringback"
                if !ringback { words.removeLast() }
                let rule = CalleeRule(pattern: rest[0], behaviour: try ControlCommands.behaviour(words), ringback: ringback)
                m.setCallee(rule)
            default:
                throw SimulatorError.invalidArgument("unknown command '\(verb)' (try 'help')")
            }
            return reply(ok: "")
        } catch {
            return loop.makeSucceededFuture("error \(error)")
        }
    }

    func replug(_ m: SimulatedModem, linkName: String?, linkDirectory: String?) -> EventLoopFuture<Void> {
        guard !m.isPlugged else { return loop.makeFailedFuture(SimulatorError.alreadyPlugged(m.config.name)) }
        if let linkName {
            guard linkName.range(of: "^[A-Za-z0-9_-]{1,32}$", options: .regularExpression) != nil else {
                return loop.makeFailedFuture(SimulatorError.invalidArgument("link name must be 1...32 letters, digits, '-' or '_'"))
            }
            m.linkName = linkName
        }
        if let linkDirectory { m.linkDirectory = linkDirectory }
        return m.plug()
    }

    private func reply(ok payload: String) -> EventLoopFuture<String> {
        loop.makeSucceededFuture(payload.isEmpty ? "ok" : "ok \(payload)")
    }

    private func json(_ value: some Encodable) throws -> String { try ControlCommands.json(value) }
}

extension SimulatedModem {
    var pinStatus: SIMPINStatus {
        SIMPINStatus(state: sim.state.name, pinTriesLeft: sim.pinTriesLeft, pukTriesLeft: sim.pukTriesLeft, cpinAttempts: cpinAttempts)
    }

    /// `ussd <name> …`: the JSON payload to print, or nil for a plain `ok`.
    func ussdControl(_ words: [String]) throws -> String? {
        let usage = SimulatorError.invalidArgument("usage: \(ControlCommands.usage("ussd"))")
        func seconds(_ s: String, _ range: ClosedRange<Double>) throws(SimulatorError) -> Double {
            guard let d = Double(s), range.contains(d) else { throw .invalidArgument("seconds must be a number \(range.lowerBound)...\(range.upperBound), got '\(s)'") }
            return d
        }
        switch (words.first?.lowercased(), words.count) {
        case ("balance", 1), ("price", 1):
            return try ControlCommands.json(ussdAccount)
        case ("balance", 2), ("price", 2):
            guard let cents = USSDState.parseAmount(words[1]), words[0] == "balance" || cents >= 0 else {
                throw SimulatorError.invalidArgument("amount must look like 12.50, 12,50 or -3 (at most 2 decimals)")
            }
            if words[0].lowercased() == "balance" { ussd.balanceCents = cents } else { ussd.pricePerMinuteCents = cents }
            return try ControlCommands.json(ussdAccount)
        case ("silent", 2):
            switch words[1].lowercased() {
            case "on": ussd.silent = true
            case "off": ussd.silent = false
            default: throw usage
            }
        case ("delay", 2):
            ussd.delay = try seconds(words[1], 0...60)
        case ("timeout", 2):
            ussd.menuTimeout = try seconds(words[1], 0.05...600)
        case ("log", 1):
            return try ControlCommands.json(ussd.log)
        case ("log", 2) where words[1].lowercased() == "reset":
            ussd.log.removeAll()
        default:
            throw usage
        }
        return nil
    }

    /// The newest rule wins, so a test can override a configured one.
    func setCallee(_ rule: CalleeRule) {
        callees.removeAll { $0.pattern == rule.pattern }
        callees.insert(rule, at: 0)
    }

    /// What the far end plays from now on; replaces the configured signal until the next plug.
    func setAudio(_ signal: AudioSignal) {
        audioSignal = signal
        tone = ToneGenerator(signal, sampleRate: audioRate)
    }
}

/// Text of the control protocol (one line in, one line out).
enum ControlCommands {
    static let all: [(String, String)] = [
        ("list", "list"),
        ("status", "status <name>"),
        ("signal", "signal <name> <rssi 0-31|99>"),
        ("register", "register <name> home|roaming|searching|denied|none"),
        ("operator", "operator <name> <mccmnc> <long name>"),
        ("sim", "sim <name> remove|insert|pin|reject|outoforder|barred|normal  (pin: JSON state, pinTriesLeft, pukTriesLeft, cpinAttempts; reject: calls end NO CARRIER cause 21, outoforder: 38, barred: 8 operator barring, normal: no fault)"),
        ("ussd", "ussd <name> balance [<amount, e.g. 12.50 or -3,40>]|price <per started minute>|silent on|off|delay <s>|timeout <menu s>|log [reset]  (balance/price: JSON {balance, pricePerMinute}; log: JSON of every AT+CUSD request with raw str/dcs, decoded, reply)"),
        ("hang", "hang <name> on|off"),
        ("garbage", "garbage <name> <bytes>"),
        ("unplug", "unplug <name>"),
        ("replug", "replug <name> [<new link name>]"),
        ("reboot", "reboot <name>"),
        ("call", "call <name> <caller-number|withheld> [<abandon after s>]"),
        ("hangup", "hangup <name>"),
        ("dtmf", "dtmf <name> <digits> [inband|urc]"),
        ("callee", "callee <name> <number|prefix*> answer [<after s> [<drop after s>]]|busy [<after s>]|noanswer [<after s>]|congestion [<after s>] [noringback]"),
        ("received", "received <name> [reset]"),
        ("commands", "commands <name> [reset]"),
        ("continue", "continue <name>  (resume a replay at !pause)"),
        ("sms", SMSControlCommand.usage),
        ("sms-pdu", "sms-pdu <name> <hex SMS-DELIVER or SMS-STATUS-REPORT, SMSC field first>"),
        ("sms-sent", "sms-sent <name>"),
        ("sms-fail", "sms-fail <name> <+CMS ERROR code> [<count: default 1, 0 clears>]"),
        ("sms-storage", "sms-storage <name>"),
    ]

    static var help: String { all.map(\.1).joined(separator: "; ") }

    /// Replies' JSON: sorted keys, so tests and scripts can compare text.
    static func json(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static func usage(_ verb: String) -> String {
        all.first { $0.0 == verb }?.1 ?? "unknown command '\(verb)' (try 'help')"
    }

    static func behaviour(_ words: [String]) throws(SimulatorError) -> CalleeBehaviour {
        var numbers: [Double] = []
        for w in words.dropFirst() {
            guard let d = Double(w), d >= 0, d <= 3600 else { throw .invalidArgument("seconds must be a number 0...3600, got '\(w)'") }
            numbers.append(d)
        }
        switch words.first?.lowercased() {
        case "answer" where numbers.count <= 2:
            return .answer(after: numbers.first ?? 1, dropAfter: numbers.count == 2 ? numbers[1] : nil)
        case "busy" where numbers.count <= 1:
            return .busy(after: numbers.first ?? 1)
        case "noanswer" where numbers.count <= 1:
            return .noAnswer(after: numbers.first ?? 30)
        case "congestion" where numbers.count <= 1:
            return .congestion(after: numbers.first ?? 0.5)
        default:
            throw .invalidArgument("usage: \(usage("callee"))")
        }
    }
}
