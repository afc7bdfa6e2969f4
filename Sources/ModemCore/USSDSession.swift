// USSD (3GPP TS 22.090, 27.007 7.15): `AT+CUSD=1,<str>,15` is answered `OK`, then, once the
// network has answered, by the URC `+CUSD: <m>[,<str>,<dcs>]`. Some modems print the URC
// before the `OK` (python-gsmmodem modem.py:968-980), so the reply is taken whenever it comes.
//
//   <m> 0  no further action: the reply is final (also a network-initiated USSD notify)
//       1  further action required: a menu; the user answers with another AT+CUSD=1
//       2  terminated by the network      3  another local client has responded
//       4  operation not supported        5  network time out
//
// Rules, each for a reason:
// - One session per modem. The network keeps one USSD dialogue per subscriber; a second
//   request while a menu is open would be read as the answer to that menu. Requests wait in
//   a short queue (`ussdQueueLimit`) and start in order when the session ends.
// - Never during a call. A USSD request while a call is being set up, ringing or up makes
//   several modems fail or drop the call (chan_dongle#97: a call dropped while the driver
//   polled; Telit blocks the AT port until the USSD answer). Requests wait until the modem
//   has no call. A call that comes in while a USSD reply is awaited is handled as always:
//   the reply and the call's URCs are independent.
// - A reply that does not come within `ussdReplyTimeout` (30 s: twice python-gsmmodem's 15 s,
//   gammu's 10 s was too short in gammu#292) ends the session with `AT+CUSD=2`, so the
//   modem does not keep a dead dialogue open. A menu left unanswered for `ussdMenuTimeout`
//   is cancelled the same way (networks drop it after about 30 s anyway, then say m=2/5).
// - The text of a reply is decoded as `simgate at decode` decodes it (UCS2 by DCS or by
//   shape, Huawei's packed 7-bit hex, plain text): one decoder for both.

extension ModemStateMachine {
    public static let ussdReplyTimeout: Duration = .seconds(30)
    public static let ussdMenuTimeout: Duration = .seconds(60)
    /// Requests waiting behind the open session or a call. A balance check per SIM and an
    /// admin or two: more than this is a runaway client, refused rather than queued.
    public static let ussdQueueLimit = 8
    /// 22.090: a USSD string is at most 182 characters (160 octets of packed 7-bit).
    public static let ussdMaxLength = 182

    /// Sends a USSD code (`*100#`) or, with `continuing`, the answer to the open menu.
    /// Answered by `.ussd(requestID:_:)` with the reply, a failure, or `.queueFull`.
    public mutating func requestUSSD(_ text: String, continuing: Bool = false, requestID: Int, now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        if let problem = Self.ussdTextProblem(text) {
            out.append(.ussd(requestID: requestID, .failed(problem)))
            return out
        }
        if continuing {
            guard case .menuOpen = ussd.phase else {
                out.append(.ussd(requestID: requestID, .failed("no USSD menu is open on this modem")))
                return out
            }
            out.append(.cancelTimer(.ussd))
            sendUSSD(USSDSessionState.Request(id: requestID, text: text), now: now, &out)
        } else {
            guard ussd.waiting.count < Self.ussdQueueLimit else {
                out.append(.ussd(requestID: requestID, .failed("\(Self.ussdQueueLimit) USSD requests already wait on this modem")))
                return out
            }
            ussd.waiting.append(USSDSessionState.Request(id: requestID, text: text))
            startNextUSSD(now: now, &out)
        }
        settle(now: now, &out)
        return out
    }

    /// Ends the open session (`AT+CUSD=2`) or withdraws a request still waiting. The request
    /// in progress is answered `.cancelled`; `requestID` gets `.cancelled` too.
    public mutating func cancelUSSD(requestID: Int, now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        if let i = ussd.waiting.firstIndex(where: { $0.id == requestID }) {
            ussd.waiting.remove(at: i)
            out.append(.ussd(requestID: requestID, .cancelled))
            return out
        }
        switch ussd.phase {
        case .idle:
            out.append(.ussd(requestID: requestID, .failed("no USSD session is open on this modem")))
            return out
        case .sending(let r), .awaitingReply(let r):
            out.append(.ussd(requestID: r.id, .cancelled))
        case .menuOpen:
            break
        }
        endUSSDSession(cancelling: true, now: now, &out)
        out.append(.ussd(requestID: requestID, .cancelled))
        startNextUSSD(now: now, &out)
        settle(now: now, &out)
        return out
    }

    /// Why `text` cannot be sent, or nil. The string goes between quotes on the AT line.
    static func ussdTextProblem(_ text: String) -> String? {
        if text.isEmpty { return "empty USSD string" }
        if text.count > ussdMaxLength { return "USSD string longer than \(ussdMaxLength) characters" }
        if text.unicodeScalars.contains(where: { $0 == "\"" || $0.value < 0x20 || $0.value == 0x7F }) {
            return "USSD string holds a quote or a control character"
        }
        return nil
    }

    // MARK: - Inside the machine

    mutating func startNextUSSD(now: ModemInstant, _ out: inout [ModemAction]) {
        guard case .idle = ussd.phase, !ussd.waiting.isEmpty, status.call == nil,
              case .operational(complete: true) = state, status.sim == .ready else { return }
        sendUSSD(ussd.waiting.removeFirst(), now: now, &out)
    }

    mutating func sendUSSD(_ request: USSDSessionState.Request, now: ModemInstant, _ out: inout [ModemAction]) {
        guard let str = dialect.ussd.encode(request.text) else {
            out.append(.ussd(requestID: request.id, .failed("\(request.text) cannot be written in GSM 7-bit for this modem")))
            if case .menuOpen = ussd.phase { endUSSDSession(cancelling: true, now: now, &out) }
            return
        }
        ussd.phase = .sending(request)
        ussd.earlyReply = nil
        enqueue(ATCommand("AT+CUSD=1,\(str),15", priority: .control, timeout: configuration.commandTimeout),
                Tag(purpose: .ussd(.request(requestID: request.id))), now: now, &out)
    }

    mutating func ussdCommandCompleted(_ step: USSDStep, _ r: ATResponse, now: ModemInstant, _ out: inout [ModemAction]) {
        guard case .request(let id) = step, case .sending(let request) = ussd.phase, request.id == id else { return }
        guard r.final.isSuccess else {
            ussd.phase = .idle
            status.ussd.failed += 1
            out.append(.ussd(requestID: id, .failed("AT+CUSD answered \(r.final.meaning)")))
            startNextUSSD(now: now, &out)
            return
        }
        ussd.phase = .awaitingReply(request)
        // The +CUSD may have arrived before the OK.
        if let early = ussd.earlyReply ?? r.lines.first(where: { $0.hasPrefix("+CUSD") }) {
            ussd.earlyReply = nil
            ussdReplyReceived(early, now: now, &out)
        } else {
            out.append(.armTimer(.ussd, after: Self.ussdReplyTimeout))
        }
    }

    mutating func ussdCommandFailed(_ step: USSDStep, reason: String, now: ModemInstant, _ out: inout [ModemAction]) {
        guard case .request(let id) = step, case .sending(let request) = ussd.phase, request.id == id else { return }
        ussd.phase = .idle
        status.ussd.failed += 1
        out.append(.ussd(requestID: id, .failed(reason)))
    }

    /// A `+CUSD:` line, in a response or as a URC.
    mutating func ussdReplyReceived(_ line: String, now: ModemInstant, _ out: inout [ModemAction]) {
        guard let reply = USSDReply.parse(line, packedHex: dialect.ussd.codeEncoding == .packedGSM7Hex) else {
            status.at.noteUnknown(line, now: now)
            out.append(.unknownLine(line))
            return
        }
        let requestID: Int?
        switch ussd.phase {
        case .sending:
            // Before the OK of AT+CUSD=1: kept until the OK says the request was taken.
            ussd.earlyReply = line
            return
        case .awaitingReply(let r): requestID = r.id
        case .menuOpen, .idle: requestID = nil  // network-initiated, or the network ending the menu
        }
        out.append(.cancelTimer(.ussd))
        status.ussd.lastReplyAt = now
        if reply.status == 1 {
            ussd.phase = .menuOpen
            out.append(.armTimer(.ussd, after: Self.ussdMenuTimeout))
        } else {
            ussd.phase = .idle
        }
        if reply.isError { status.ussd.failed += 1 } else { status.ussd.replies += 1 }
        out.append(.ussd(requestID: requestID, reply.isError && reply.text == nil ? .failed(reply.meaning) : .reply(reply)))
        startNextUSSD(now: now, &out)
    }

    mutating func ussdTimerFired(now: ModemInstant, _ out: inout [ModemAction]) {
        switch ussd.phase {
        case .awaitingReply(let r):
            status.ussd.failed += 1
            out.append(.ussd(requestID: r.id, .failed("no USSD reply within \(Self.ussdReplyTimeout); session cancelled (AT+CUSD=2)")))
            endUSSDSession(cancelling: true, now: now, &out)
        case .menuOpen:
            out.append(.ussd(requestID: nil, .failed("USSD menu left unanswered for \(Self.ussdMenuTimeout); session cancelled (AT+CUSD=2)")))
            endUSSDSession(cancelling: true, now: now, &out)
        case .idle, .sending:
            return
        }
        startNextUSSD(now: now, &out)
    }

    mutating func endUSSDSession(cancelling: Bool, now: ModemInstant, _ out: inout [ModemAction]) {
        ussd.phase = .idle
        ussd.earlyReply = nil
        out.append(.cancelTimer(.ussd))
        if cancelling, isPortUsable {
            enqueue(ATCommand("AT+CUSD=2", priority: .control, timeout: configuration.commandTimeout),
                    Tag(purpose: .ussd(.cancel)), now: now, &out)
        }
    }

    /// The port closed or the modem is re-initialised: every request fails, none is left waiting.
    mutating func failAllUSSD(reason: String, _ out: inout [ModemAction]) {
        switch ussd.phase {
        case .sending(let r), .awaitingReply(let r): out.append(.ussd(requestID: r.id, .failed(reason)))
        case .menuOpen, .idle: break
        }
        for r in ussd.waiting { out.append(.ussd(requestID: r.id, .failed(reason))) }
        ussd = USSDSessionState()
        out.append(.cancelTimer(.ussd))
    }
}

/// Why a USSD command was sent.
enum USSDStep: Sendable, Equatable {
    case request(requestID: Int)
    case cancel
}

/// The session's bookkeeping: where the dialogue is, and who waits for it.
struct USSDSessionState: Sendable {
    struct Request: Sendable, Equatable {
        var id: Int
        var text: String
    }
    enum Phase: Sendable, Equatable {
        case idle
        /// AT+CUSD=1 written, its OK not yet read.
        case sending(Request)
        /// OK read; the network's +CUSD not yet.
        case awaitingReply(Request)
        /// The network asked for an answer (m=1); nobody waits on the machine for it.
        case menuOpen
    }
    var phase: Phase = .idle
    var waiting: [Request] = []
    /// A +CUSD that came before the OK of its AT+CUSD=1.
    var earlyReply: String?
}

/// What a USSD request came to.
public enum USSDOutcome: Equatable, Sendable {
    /// The network's answer: final (m=0), a menu (m=1, `sessionOpen`), or the network
    /// ending the dialogue with a text (m=2).
    case reply(USSDReply)
    case failed(String)
    case cancelled
}

/// One `+CUSD: <m>[,<str>,<dcs>]`, decoded.
public struct USSDReply: Equatable, Sendable, Codable {
    public var status: Int
    /// The text, decoded (UCS2 hex, packed 7-bit hex, or as given); nil when the line had none.
    public var text: String?
    /// `<str>` as the modem printed it.
    public var raw: String?
    public var dcs: Int?
    /// "UCS2", "GSM7-packed" or "text".
    public var encoding: String?

    public init(status: Int, text: String?, raw: String?, dcs: Int?, encoding: String?) {
        self.status = status; self.text = text; self.raw = raw; self.dcs = dcs; self.encoding = encoding
    }

    /// m=1: the network waits for an answer.
    public var sessionOpen: Bool { status == 1 }
    /// m=3, 4, 5: no answer from the service (m=2 with a text is a final answer).
    public var isError: Bool { status >= 3 || (status == 2 && text == nil) }

    public var meaning: String {
        switch status {
        case 0: "no further action required"
        case 1: "further user action required"
        case 2: "USSD terminated by the network"
        case 3: "another local client has responded"
        case 4: "operation not supported"
        case 5: "network time out"
        default: "unknown status \(status)"
        }
    }

    /// Reads the line with the AT decoder's +CUSD rules (MessagingLines.cusd). `packedHex`:
    /// the modem is known to answer in packed 7-bit hex (Huawei), so hex made of digits only
    /// is unpacked too (the decoder alone leaves it, as it could be a plain numeric reply).
    public static func parse(_ line: String, packedHex: Bool = false) -> USSDReply? {
        let info = ATInformationLine(line)
        guard info.name == "+CUSD", let f = MessagingLines.cusd(info, ATDecodingContext()),
              let m = f["m"]?.intValue else { return nil }
        let raw = f["strHex"]?.stringValue ?? f["str"]?.stringValue
        var text = f["str"]?.stringValue
        var encoding: String? = text == nil ? nil : "text"
        if f["strEncoding"]?.stringValue == "UCS2" { encoding = "UCS2" }
        if let unpacked = f["strGSM7"]?.stringValue
            ?? (packedHex && encoding == "text" ? text.flatMap(USSDPackedText.unpackHex) : nil) {
            text = unpacked
            encoding = "GSM7-packed"
        }
        return USSDReply(status: m, text: text, raw: raw, dcs: f["dcs"]?.intValue, encoding: encoding)
    }
}

/// USSD counters for `simgate modem show`.
public struct USSDStatus: Equatable, Sendable, Codable {
    public var replies = 0
    public var failed = 0
    public var lastReplyAt: ModemInstant?
    public init() {}
}
