// The AT command channel: one command in flight, a per-command timeout, priorities, and the
// decision which received line answers the outstanding command and which is unsolicited.
//
// A modem processes one command line at a time and answers it with zero or more information
// lines and one final result; URCs can arrive at any moment in between (at-dialects.md 1.4,
// 6.4). Which information lines belong to the command is decided from the command itself:
// its expected prefixes (`AT+CREG?` expects `+CREG:`, so a `+CREG:` during `AT+CSQ` is a
// URC: the same-prefix ambiguity of section 1.7), or bare lines for commands like `AT+CGSN`.

/// Scheduling class. Higher goes first; within a class, first come first served. A command
/// already written cannot be preempted (the modem offers no way to abort it), so call control
/// waits at most for the one command in flight, never for a queue of health polls.
public enum ATPriority: Int, Comparable, Sendable, Codable {
    case poll = 0
    case control = 1
    case call = 2
    public static func < (a: ATPriority, b: ATPriority) -> Bool { a.rawValue < b.rawValue }
}

/// One command line to send.
public struct ATCommand: Equatable, Sendable {
    /// The command line without the terminating CR, e.g. `AT+CSQ`.
    public var text: String
    public var priority: ATPriority
    /// How long to wait for the final result. ATD/ATA/CHUP/COPS=? can take tens of seconds
    /// (Quectel lists up to 90 s), simple queries answer in milliseconds.
    public var timeout: Duration
    /// Names (`+CSQ`, `^CVOICE`) of information lines that answer this command.
    public var responsePrefixes: [String]
    /// Whether unnamed lines (`861234567890123` for AT+CGSN, `Manufacturer: huawei` for ATI,
    /// a PDU line after +CMGR) belong to the response.
    public var acceptsBareLines: Bool
    /// Whether NO CARRIER/BUSY/NO ANSWER/NO DIALTONE/CONNECT end this command (dial, answer);
    /// for any other command they are call-progress URCs.
    public var acceptsCallProgress: Bool
    /// Text written after the `> ` prompt, followed by Ctrl-Z (AT+CMGS PDU).
    public var promptPayload: String?
    /// For a prompt command: the timeout re-armed once the payload is written. `timeout` then
    /// bounds only the wait for `> ` (a modem that never prompts is found quickly), and this
    /// one the network's answer, which takes far longer (AT+CMGS, SMSSubmission.swift).
    public var timeoutAfterPrompt: Duration?
    /// What logs and status show instead of `text` (AT+CPIN="<pin>" must never be shown).
    public var displayText: String

    public init(
        _ text: String,
        priority: ATPriority = .control,
        timeout: Duration = .seconds(10),
        responsePrefixes: [String]? = nil,
        acceptsBareLines: Bool? = nil,
        promptPayload: String? = nil,
        timeoutAfterPrompt: Duration? = nil,
        displayText: String? = nil
    ) {
        self.text = text
        self.priority = priority
        self.timeout = timeout
        let derived = ATCommand.derive(text)
        self.responsePrefixes = responsePrefixes ?? derived.prefixes
        self.acceptsBareLines = acceptsBareLines ?? derived.bare
        self.acceptsCallProgress = derived.callProgress
        self.promptPayload = promptPayload
        self.timeoutAfterPrompt = timeoutAfterPrompt
        self.displayText = displayText ?? text
    }

    /// Report-mode settings whose set form answers only OK (`AT+CLIP=1`, `AT+CREG=2`).
    static let setAnswersNothing: Set<String> = ["+CLIP", "+COLP", "+CREG", "+CGREG", "+CEREG", "+C5GREG", "+CNMI",
                                                 "+CMEE", "+CRC", "+CSSN", "+CTZR"]

    /// Expected response shape from the command text alone (also used for admin raw commands).
    static func derive(_ text: String) -> (prefixes: [String], bare: Bool, callProgress: Bool) {
        let upper = text.uppercased()
        guard upper.hasPrefix("AT") else { return ([], true, false) }
        let body = upper.dropFirst(2)
        let callProgress = body.hasPrefix("D") || body.hasPrefix("A") && !body.hasPrefix("A/") || body.hasPrefix("O")
        // Commands answered by bare text lines.
        let bareCommands = ["I", "+CGMI", "+CGMM", "+CGMR", "+CGSN", "+GSN", "+GMI", "+GMM", "+GMR",
                            "+CIMI", "+QGMR", "+CCID", "+CMGR", "+CMGL", "+GCAP", "^ICCID", "+CICCID"]
        // The name of the first command in the line: up to `=`, `?`, `;` or end.
        var name = ""
        for ch in body {
            if ch == "=" || ch == "?" || ch == ";" { break }
            name.append(ch)
        }
        var bare = bareCommands.contains(where: { name == $0 || (name.hasPrefix("I") && $0 == "I" && name.count <= 2) })
        var prefixes: [String] = []
        // Setting a report mode (`AT+CLIP=1`, `AT+CREG=2`) answers only OK: a line of that
        // name arriving meanwhile is the URC it enables, not the answer.
        let isSet = body.dropFirst(name.count).hasPrefix("=") && !body.dropFirst(name.count).hasPrefix("=?")
        if isSet && setAnswersNothing.contains(name) {
            // no prefixes: every named line is unsolicited
        } else if name.first == "+" || name.first == "^" || name.first == "$" {
            prefixes.append(name)
            // Vendor spellings of the same answer.
            switch name {
            case "+CICCID": prefixes.append("+ICCID")
            case "+CCID": prefixes.append("+ICCID")
            case "+QCCID": prefixes.append("+QCCID")
            case "+CGSN", "+GSN": prefixes.append("+CGSN")
            default: break
            }
        }
        if name == "I" || (name.hasPrefix("I") && name.count == 2) { prefixes.append("+GCAP") }
        // Firmware that answers AT+CSQ with a bare `19,99`, and AT+COPS=? scans continued on
        // prefix-less lines (`(1,"AT&T",,"310410",0),,(0,1,3),(0,2)`, ModemManager's vectors).
        if name == "+CSQ" || (name == "+COPS" && body.hasSuffix("=?")) { bare = true }
        if body.isEmpty || body == "Z" || body.hasPrefix("E") && name.count <= 2 { bare = false }
        return (prefixes, bare, callProgress)
    }
}

/// The information lines and final result that answered a command.
public struct ATResponse: Equatable, Sendable {
    public var lines: [String]
    public var final: ATFinalResult
    public init(lines: [String], final: ATFinalResult) { self.lines = lines; self.final = final }
}

/// Counters for the health view.
public struct ATChannelStatistics: Equatable, Sendable, Codable {
    public var commandsSent = 0
    public var completed = 0
    /// Commands whose final result was not OK/CONNECT.
    public var errors = 0
    public var timeouts = 0
    /// Timeouts since the last final result of any kind (drives the recovery ladder).
    public var consecutiveTimeouts = 0
    public var unsolicitedLines = 0
    /// Commands dropped because the queue was full or the channel was flushed.
    public var dropped = 0
    public init() {}
}

/// The command queue plus the framer that feeds it. Generic over a caller tag so the owner
/// can remember why it sent each command.
public struct ATCommandQueue<Tag: Sendable>: Sendable {
    public struct Entry: Sendable {
        /// Unique per queue, increasing; names the command's timeout timer.
        public var id: UInt64
        public var command: ATCommand
        public var tag: Tag
        /// The `> ` prompt came and the payload was written: the modem is (or was) sending.
        public var promptWritten = false
    }

    public enum Output: Sendable {
        /// Bytes to write to the AT port.
        case write([UInt8])
        /// Arm (or re-arm) the timeout of command `id`.
        case armTimeout(id: UInt64, after: Duration)
        case cancelTimeout(id: UInt64)
        case completed(Entry, ATResponse)
        case timedOut(Entry, partialLines: [String])
        /// Removed from the queue without being answered (full queue, flush).
        case dropped(Entry)
        /// A line that is not part of the outstanding command's response.
        case unsolicited(String)
        /// A two-line URC (`+CMT: ,<length>` or `+CDS: <length>`, then the PDU line, 27.005
        /// 3.4.1): the header and the line after it, delivered as one event. `body` is nil
        /// when the next line plainly was something else (a final result, another URC).
        case unsolicitedWithBody(header: String, body: String?)
        /// A call-progress result (NO CARRIER, BUSY...) outside a dial/answer command.
        case callProgress(ATFinalResult)
    }

    /// Most commands waiting; beyond it the newest lowest-priority command is dropped. 64 is
    /// several full poll cycles plus init: a modem that is this far behind is being recovered.
    public static var maxPending: Int { 64 }

    public private(set) var framer = ATFramer()
    public private(set) var inFlight: Entry?
    private var pending: [Entry] = []
    private var collected: [String] = []
    /// The header of a two-line URC whose body line has not arrived yet.
    private var pendingURCHeader: String?
    private var nextID: UInt64 = 1
    public private(set) var statistics = ATChannelStatistics()
    /// Incremented by every `flush()`. Outputs returned before a flush that the caller has not
    /// acted on yet (writes, timer arms) are stale once it changes.
    public private(set) var generation: UInt64 = 0

    public init() {}

    public var pendingCount: Int { pending.count }
    /// Commands waiting plus the one in flight.
    public var depth: Int { pending.count + (inFlight == nil ? 0 : 1) }
    public var pendingCommands: [ATCommand] { pending.map(\.command) }

    /// Queues a command; starts it at once when the channel is idle.
    public mutating func enqueue(_ command: ATCommand, tag: Tag) -> [Output] {
        var out: [Output] = []
        let entry = Entry(id: nextID, command: command, tag: tag)
        nextID += 1
        if pending.count >= Self.maxPending {
            // Evict the newest entry of the lowest priority, if it is lower than the new one.
            let lowest = pending.map(\.command.priority).min() ?? .call
            if lowest < command.priority, let idx = pending.lastIndex(where: { $0.command.priority == lowest }) {
                out.append(.dropped(pending.remove(at: idx)))
                statistics.dropped += 1
            } else {
                statistics.dropped += 1
                out.append(.dropped(entry))
                return out
            }
        }
        pending.append(entry)
        startNextIfIdle(&out)
        return out
    }

    /// Whether a command with this text is waiting or in flight (to avoid piling up polls).
    public func contains(text: String) -> Bool {
        inFlight?.command.text == text || pending.contains(where: { $0.command.text == text })
    }

    /// Feeds bytes from the port.
    public mutating func receive<Bytes: Sequence>(_ bytes: Bytes) -> [Output] where Bytes.Element == UInt8 {
        var out: [Output] = []
        for frame in framer.feed(bytes) {
            handle(frame, &out)
        }
        return out
    }

    /// The timeout of command `id` expired. Stale ids (already answered) are ignored.
    public mutating func timeoutFired(id: UInt64) -> [Output] {
        guard let entry = inFlight, entry.id == id else { return [] }
        var out: [Output] = []
        statistics.timeouts += 1
        statistics.consecutiveTimeouts += 1
        inFlight = nil
        framer.expectingPrompt = false
        if entry.command.promptPayload != nil {
            // ESC ends text entry without sending (27.005 3.5.1): a modem left waiting for the
            // PDU would read the next command lines as PDU text (chan_dongle BUGS: only ESC
            // recovers a Huawei stuck in the prompt). In command mode the byte is ignored.
            out.append(.write([0x1B]))
        }
        let partial = collected
        collected = []
        out.append(.timedOut(entry, partialLines: partial))
        startNextIfIdle(&out)
        return out
    }

    /// Drops everything (port closed, recovery). Returns the dropped entries, in-flight first.
    public mutating func flush() -> [Output] {
        var out: [Output] = []
        if let e = inFlight {
            out.append(.cancelTimeout(id: e.id))
            out.append(.dropped(e))
        }
        for e in pending { out.append(.dropped(e)) }
        statistics.dropped += out.count { if case .dropped = $0 { return true } else { return false } }
        inFlight = nil
        pending = []
        collected = []
        pendingURCHeader = nil
        framer.reset()
        generation &+= 1
        return out
    }

    /// Starts counting timeouts afresh (after a recovery step succeeded).
    public mutating func resetConsecutiveTimeouts() { statistics.consecutiveTimeouts = 0 }

    // MARK: - Routing

    /// Which role a line plays given the outstanding command (section 1.7).
    public enum LineRole: Equatable, Sendable {
        case final(ATFinalResult)
        case response
        case unsolicited
        case callProgress(ATFinalResult)
    }

    public static func classify(_ line: String, outstanding: ATCommand?) -> LineRole {
        if let final = ATFinalResult.parse(line) {
            if final.isCallProgress {
                if let cmd = outstanding, cmd.acceptsCallProgress { return .final(final) }
                return .callProgress(final)
            }
            // A final result with nothing outstanding is noise (late answer after a timeout);
            // report it as unsolicited so it is counted, not fatal.
            return outstanding == nil ? .unsolicited : .final(final)
        }
        guard let cmd = outstanding else { return .unsolicited }
        let info = ATInformationLine(line)
        if let name = info.name {
            if cmd.responsePrefixes.contains(name) { return .response }
            // Raw admin commands without a known prefix take anything that is not a known URC.
            if cmd.responsePrefixes.isEmpty && cmd.acceptsBareLines && !URCNames.isKnownUnsolicited(name) {
                return .response
            }
            return .unsolicited
        }
        if cmd.acceptsBareLines && !URCNames.isKnownBareURC(line) { return .response }
        return .unsolicited
    }

    /// Whether `line` can be the body of a two-line URC: not a final result, not a named line,
    /// not a bare URC. Whether it is valid hex is for the SMS layer to judge.
    static func isURCBody(_ line: String) -> Bool {
        ATFinalResult.parse(line) == nil && ATInformationLine(line).name == nil && !URCNames.isKnownBareURC(line)
    }

    private mutating func handle(_ frame: ATFrame, _ out: inout [Output]) {
        if let header = pendingURCHeader {
            pendingURCHeader = nil
            if case .line(let line) = frame, Self.isURCBody(line) {
                out.append(.unsolicitedWithBody(header: header, body: line))
                return
            }
            // The body never came (a garbled or cut URC): report the header alone, then
            // handle this frame as usual, so nothing that follows is swallowed.
            out.append(.unsolicitedWithBody(header: header, body: nil))
        }
        switch frame {
        case .echo:
            return  // echo carries nothing; ATE0 turns it off early
        case .prompt:
            guard var entry = inFlight, let payload = entry.command.promptPayload else { return }
            out.append(.write(Array(payload.utf8) + [0x1A]))
            entry.promptWritten = true
            inFlight = entry
            if let after = entry.command.timeoutAfterPrompt {
                out.append(.armTimeout(id: entry.id, after: after))
            }
        case .line(let line):
            switch Self.classify(line, outstanding: inFlight?.command) {
            case .final(let result):
                guard let entry = inFlight else { return }
                inFlight = nil
                framer.expectingPrompt = false
                statistics.completed += 1
                statistics.consecutiveTimeouts = 0
                if !result.isSuccess { statistics.errors += 1 }
                let lines = collected
                collected = []
                out.append(.cancelTimeout(id: entry.id))
                out.append(.completed(entry, ATResponse(lines: lines, final: result)))
                startNextIfIdle(&out)
            case .response:
                // Bounded like the framer: a response longer than this is a runaway device.
                if collected.count < 512 { collected.append(line) }
            case .unsolicited:
                statistics.unsolicitedLines += 1
                if let name = ATInformationLine(line).name, URCNames.withBody.contains(name) {
                    pendingURCHeader = line
                } else {
                    out.append(.unsolicited(line))
                }
            case .callProgress(let result):
                statistics.unsolicitedLines += 1
                out.append(.callProgress(result))
            }
        }
    }

    private mutating func startNextIfIdle(_ out: inout [Output]) {
        guard inFlight == nil, !pending.isEmpty else { return }
        var best = 0
        for i in pending.indices where pending[i].command.priority > pending[best].command.priority { best = i }
        let entry = pending.remove(at: best)
        inFlight = entry
        collected = []
        framer.expectingPrompt = entry.command.promptPayload != nil
        statistics.commandsSent += 1
        out.append(.write(Array(entry.command.text.utf8) + [0x0D]))
        out.append(.armTimeout(id: entry.id, after: entry.command.timeout))
    }
}

/// Names of lines known to arrive unsolicited, so a raw admin command does not swallow them.
enum URCNames {
    static let named: Set<String> = [
        "+CRING", "+CLIP", "+CCWA", "+CMTI", "+CMT", "+CDS", "+CDSI", "+CBM", "+CUSD", "+CIEV",
        "+CSSI", "+CSSU", "+QIND", "+QTONEDET", "+RXDTMF", "+DTMF", "+CNSMOD", "+CTZV", "+CTZE",
        "^RSSI", "^HCSQ", "^BOOT", "^MODE", "^SRVST", "^SIMST", "^ORIG", "^CONF", "^CONN", "^CEND",
        "^DSFLOWRPT", "^SMMEMFULL", "^DDTMF", "^DSCI", "^STIN", "^EONS", "^NWTIME", "^CSNR", "^ACTIVEBAND",
        "^RFSWITCH", "^NDISSTAT", "*PSNWID", "*PSUTTZ", "^TIME", "+CTZEU",
    ]
    static func isKnownUnsolicited(_ name: String) -> Bool { named.contains(name) }

    /// URCs followed by one body line: SMS-DELIVER and status report routed to the TE, and
    /// cell broadcast (27.005 3.4.1: `+CMT`, `+CDS`, `+CBM`).
    static let withBody: Set<String> = ["+CMT", "+CDS", "+CBM"]

    /// Unnamed URCs: RING, SIMCom/Quectel boot and call notices.
    static func isKnownBareURC(_ line: String) -> Bool {
        if ["RING", "RDY", "PB DONE", "SMS DONE", "POWERED DOWN", "Call Ready", "SMS Ready",
            "NORMAL POWER DOWN", "REMOTE CALL END"].contains(line) { return true }
        return line.hasPrefix("VOICE CALL:") || line.hasPrefix("MISSED_CALL:") || line.hasPrefix("DST:")
    }
}
