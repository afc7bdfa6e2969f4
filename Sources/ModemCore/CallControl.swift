// Call control on the modem: dial, answer, hang up, DTMF, and the vendor's audio switch,
// all at `.call` priority so they wait at most for the one command in flight.
//
// The per-vendor order comes from the dialect (at-dialects.md §2.3, §3.2, §4.2):
//   Quectel  AT+QPCMV=0, AT+QPCMV=1,0 before ATD/ATA (voice over USB must be on before set-up);
//            AT+QPCMV=1,2 instead when the modem's audio is its USB sound card (UAC)
//   Huawei   AT^DDSETEX=2 right after ATD/ATA, per call
//   SIMCom   AT+CPCMREG=1 once the call is active, retried (refused while alerting)
// A dial that fails gets a cause the call layer can act on: BUSY, NO ANSWER, NO CARRIER
// before alerting (network failure = congestion), +CME errors and timeouts (modem error),
// ^CEND / +CLCC causes; a release without a cause before answer asks AT+CEER why.

/// Bookkeeping for the current call's commands; reset when the call ends.
struct CallControlState: Sendable, Equatable {
    /// `.dialing` already told to the call layer (ATD OK or ^ORIG, whichever came first).
    var dialingAnnounced = false
    /// The gateway asked to hang up: the release that follows is ours.
    var hangUpRequested = false
    /// Audio-enable commands answered OK for this call.
    var audioOn = false
    /// Audio-enable attempts made once active (SIMCom retries).
    var audioAttempts = 0
    /// Released without a cause before answer: AT+CEER is asked; this ends the call if it
    /// says nothing useful.
    var awaitingCause: AwaitedRelease?
    /// A NO CARRIER/BUSY that arrived while waiting for +CEER.
    var progressWhileAwaitingCause: ATFinalResult?
    /// The alerting stage was reached (NO CARRIER before it is a network failure).
    var alerted = false

    struct AwaitedRelease: Sendable, Equatable {
        var fallback: CallEndCause
        var duration: Int?
        var callID: Int?
    }
}

/// Why the modem refused a call request at once (no AT command was sent).
public enum CallRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    case notReady(ModemState)
    case busy
    case noCall
    case notRinging
    case unsupportedDigit(Character)
    case emptyNumber

    public var description: String {
        switch self {
        case .notReady(let s): return "modem is \(s.rawValue), not free"
        case .busy: return "modem already has a call"
        case .noCall: return "no call on this modem"
        case .notRinging: return "no ringing inbound call to answer"
        case .unsupportedDigit(let d): return "this modem cannot send DTMF '\(d)'"
        case .emptyNumber: return "nothing to dial after removing characters a dial string cannot hold"
        }
    }
}

extension ModemStateMachine {
    // MARK: - Requests from the call layer

    /// Dials `number` (voice). `callRef` is the gateway's reference, kept in `status.call.ref`.
    /// Progress arrives as `.callEvent`s: dialing, alerting, connected, audioEnabled, ended.
    public mutating func dial(number: String, callRef: UInt64, now: ModemInstant) -> Result<[ModemAction], CallRequestError> {
        guard status.call == nil else { return .failure(.busy) }
        guard status.state == .free else { return .failure(.notReady(status.state)) }
        let dialString = CallCommands.sanitizedDialString(number)
        guard !dialString.filter({ $0.isNumber }).isEmpty else { return .failure(.emptyNumber) }
        var out: [ModemAction] = []
        callControl = CallControlState()
        status.call = CallSnapshot(phase: .dialing, callID: nil, incoming: false, caller: nil, since: now, ref: callRef)
        pendingReason = "dialing \(dialString)"
        let c = dialect.calls
        if c.audioStart == .beforeCallSetup { enqueueAudioEnable(now: now, &out) }
        for line in c.dial(dialString) {
            enqueue(ATCommand(line, priority: .call, timeout: configuration.dialTimeout), Tag(purpose: .dial), now: now, &out)
        }
        if c.audioStart == .afterCallSetup { enqueueAudioEnable(now: now, &out) }
        settle(now: now, &out)
        return .success(out)
    }

    /// Answers the ringing inbound call.
    public mutating func answer(callRef: UInt64, now: ModemInstant) -> Result<[ModemAction], CallRequestError> {
        guard var call = status.call else { return .failure(.noCall) }
        guard call.incoming, call.phase == .ringing else { return .failure(.notRinging) }
        var out: [ModemAction] = []
        call.ref = callRef
        status.call = call
        let c = dialect.calls
        if c.audioStart == .beforeCallSetup { enqueueAudioEnable(now: now, &out) }
        for line in c.answer {
            enqueue(ATCommand(line, priority: .call, timeout: configuration.dialTimeout), Tag(purpose: .answer), now: now, &out)
        }
        if c.audioStart == .afterCallSetup { enqueueAudioEnable(now: now, &out) }
        settle(now: now, &out)
        return .success(out)
    }

    /// Ends the current call (any phase). The `.ended` event carries `local-hangup`.
    public mutating func hangUp(now: ModemInstant) -> Result<[ModemAction], CallRequestError> {
        guard status.call != nil else { return .failure(.noCall) }
        var out: [ModemAction] = []
        callControl.hangUpRequested = true
        // A hang-up while ATD is still waiting would queue behind it; the modem accepts
        // AT+CHUP only after ATD's OK anyway, and the queue sends it right then.
        for line in dialect.calls.hangUp {
            enqueue(ATCommand(line, priority: .call, timeout: configuration.commandTimeout), Tag(purpose: .hangUp), now: now, &out)
        }
        settle(now: now, &out)
        return .success(out)
    }

    /// Sends one DTMF digit in the active call; answered by `.dtmfSent`.
    public mutating func sendDTMF(_ digit: Character, now: ModemInstant) -> Result<[ModemAction], CallRequestError> {
        guard let call = status.call, call.phase == .active else { return .failure(.noCall) }
        guard let line = dialect.calls.dtmf(digit, call.callID) else { return .failure(.unsupportedDigit(digit)) }
        var out: [ModemAction] = []
        enqueue(ATCommand(line, priority: .call, timeout: configuration.commandTimeout), Tag(purpose: .dtmf), now: now, &out)
        settle(now: now, &out)
        return .success(out)
    }

    // MARK: - Internal

    mutating func enqueueAudioEnable(now: ModemInstant, _ out: inout [ModemAction]) {
        let lines = dialect.calls.enableAudio(for: configuration.audioTransport)
        for (i, line) in lines.enumerated() {
            // Only the last line's answer decides (Quectel's AT+QPCMV=0 may say ERROR when
            // nothing was on).
            let purpose: Purpose = i == lines.count - 1 ? .audioEnable : .setup
            enqueue(ATCommand(line, priority: .call, timeout: configuration.commandTimeout), Tag(purpose: purpose), now: now, &out)
        }
    }

    mutating func announceDialing(callID: Int?, _ out: inout [ModemAction]) {
        guard !callControl.dialingAnnounced else { return }
        callControl.dialingAnnounced = true
        out.append(.callEvent(.dialing(callID: callID)))
    }

    /// NO CARRIER before the callee's phone rang is the network failing (chan_dongle calls it
    /// congestion); after alerting it is the network releasing the call.
    func progressCause(_ r: ATFinalResult) -> CallEndCause {
        if r == .noCarrier {
            if callControl.hangUpRequested { return CallEndCause(kind: .localHangup, text: "hung up by the gateway") }
            if let call = status.call, call.phase == .active { return CallEndCause(kind: .normal, text: "NO CARRIER (released)") }
            if callControl.alerted { return CallEndCause(kind: .normal, text: "NO CARRIER after alerting") }
            return CallEndCause(kind: .congestion, text: "NO CARRIER before alerting (network failure)")
        }
        return CallEndCause.fromResult(r)
    }

    mutating func callBecameActive(now: ModemInstant, _ out: inout [ModemAction]) {
        let c = dialect.calls
        switch c.audioStart {
        case .whenActive:
            callControl.audioAttempts = 1
            enqueueAudioEnable(now: now, &out)
        case .beforeCallSetup:
            // The switch was thrown before set-up; PCM flows from the moment of connect.
            if callControl.audioOn { out.append(.callEvent(.audioEnabled)) }
        case .afterCallSetup:
            if callControl.audioOn { out.append(.callEvent(.audioEnabled)) }
        }
    }

    mutating func audioRetryFired(now: ModemInstant, _ out: inout [ModemAction]) {
        guard let call = status.call, call.phase == .active, !callControl.audioOn else { return }
        callControl.audioAttempts += 1
        enqueueAudioEnable(now: now, &out)
    }

    /// A release without a cause before answer: ask AT+CEER before telling the call layer,
    /// because "released" alone cannot tell busy from congestion on SIMCom and Quectel.
    mutating func endCallAskingCause(fallback: CallEndCause, duration: Int?, callID: Int?, now: ModemInstant, _ out: inout [ModemAction]) {
        guard let call = status.call else { return }
        if callControl.hangUpRequested {
            endCall(cause: CallEndCause(kind: .localHangup, text: "hung up by the gateway"), duration: duration, callID: callID, now: now, &out)
            return
        }
        if call.phase == .active || call.incoming {
            endCall(cause: fallback, duration: duration, callID: callID, now: now, &out)
            return
        }
        guard callControl.awaitingCause == nil else { return }
        callControl.awaitingCause = .init(fallback: fallback, duration: duration, callID: callID)
        enqueue(ATCommand("AT+CEER", priority: .call, timeout: configuration.commandTimeout), Tag(purpose: .extendedError), now: now, &out)
    }

    mutating func finishAwaitedRelease(ceer: CallEndCause?, now: ModemInstant, _ out: inout [ModemAction]) {
        guard let awaited = callControl.awaitingCause else { return }
        callControl.awaitingCause = nil
        var cause = ceer ?? awaited.fallback
        if ceer == nil, let r = callControl.progressWhileAwaitingCause {
            cause = progressCause(r)
        }
        endCall(cause: cause, duration: awaited.duration, callID: awaited.callID, now: now, &out)
    }

    /// Cleans up after `endCall` (status.call is already nil).
    mutating func callEnded(now: ModemInstant, _ out: inout [ModemAction]) {
        let audioWasOn = callControl.audioOn
        callControl = CallControlState()
        out.append(.cancelTimer(.audioRetry))
        let off = dialect.calls.disableAudio
        if audioWasOn || dialect.calls.audioStart == .beforeCallSetup, !off.isEmpty, isPortUsable {
            for line in off {
                enqueue(ATCommand(line, priority: .call, timeout: configuration.commandTimeout), Tag(purpose: .audioDisable), now: now, &out)
            }
        }
        // USSD requests held back during the call go now.
        startNextUSSD(now: now, &out)
    }

    mutating func callCommandCompleted(_ entry: ATCommandQueue<Tag>.Entry, _ r: ATResponse, now: ModemInstant, _ out: inout [ModemAction]) {
        switch entry.tag.purpose {
        case .dial:
            guard let call = status.call, !call.incoming else { return }
            if r.final.isSuccess {
                announceDialing(callID: call.callID, &out)
            } else {
                endCall(cause: Self.commandFailureCause(r.final, command: "ATD", progress: progressCause), duration: nil, now: now, &out)
            }
        case .answer:
            guard let call = status.call, call.incoming else { return }
            if !r.final.isSuccess {
                endCall(cause: Self.commandFailureCause(r.final, command: "ATA", progress: progressCause), duration: nil, now: now, &out)
            }
        case .hangUp:
            // Whatever the modem says, the call is over for us; URCs that follow find no call.
            if status.call != nil, callControl.awaitingCause == nil {
                endCall(cause: CallEndCause(kind: .localHangup, text: "hung up by the gateway"), duration: nil, now: now, &out)
            }
        case .dtmf:
            let digit = entry.command.text.last ?? "?"
            out.append(.callEvent(.dtmfSent(digit: digit, ok: r.final.isSuccess)))
        case .audioEnable:
            guard let call = status.call else { return }
            if r.final.isSuccess {
                callControl.audioOn = true
                if call.phase == .active { out.append(.callEvent(.audioEnabled)) }
            } else if dialect.calls.audioStart == .whenActive, call.phase == .active,
                      callControl.audioAttempts < configuration.audioRetries {
                out.append(.armTimer(.audioRetry, after: configuration.audioRetryInterval))
            }
        case .audioDisable:
            break
        case .extendedError:
            let line = r.lines.first(where: { $0.hasPrefix("+CEER") })
            finishAwaitedRelease(ceer: line.flatMap(Self.parseCEER), now: now, &out)
        default:
            break
        }
    }

    mutating func callCommandTimedOut(_ entry: ATCommandQueue<Tag>.Entry, now: ModemInstant, _ out: inout [ModemAction]) {
        switch entry.tag.purpose {
        case .dial, .answer:
            guard status.call != nil else { return }
            let name = entry.tag.purpose == .dial ? "ATD" : "ATA"
            endCall(cause: CallEndCause(kind: .modemError, text: "\(name) unanswered after \(entry.command.timeout)"), duration: nil, now: now, &out)
            // The modem may still set the call up later: make sure it does not.
            for line in dialect.calls.hangUp {
                enqueue(ATCommand(line, priority: .call, timeout: configuration.commandTimeout), Tag(purpose: .hangUp), now: now, &out)
            }
        case .hangUp:
            if status.call != nil, callControl.awaitingCause == nil {
                endCall(cause: CallEndCause(kind: .modemError, text: "AT+CHUP unanswered; call assumed gone"), duration: nil, now: now, &out)
            }
        case .dtmf:
            out.append(.callEvent(.dtmfSent(digit: entry.command.text.last ?? "?", ok: false)))
        case .extendedError:
            finishAwaitedRelease(ceer: nil, now: now, &out)
        case .audioEnable:
            if let call = status.call, call.phase == .active, dialect.calls.audioStart == .whenActive,
               callControl.audioAttempts < configuration.audioRetries {
                out.append(.armTimer(.audioRetry, after: configuration.audioRetryInterval))
            }
        default:
            break
        }
    }

    /// The cause of a refused ATD/ATA.
    static func commandFailureCause(_ final: ATFinalResult, command: String,
                                    progress: (ATFinalResult) -> CallEndCause) -> CallEndCause {
        if final.isCallProgress { return progress(final) }
        return CallEndCause(kind: .modemError, text: "\(command) refused: \(final.meaning)")
    }

    /// `+CEER: <text>`: the 24.008 cause names modules print (the number when they print one).
    public static func parseCEER(_ line: String) -> CallEndCause? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let text = line[line.index(after: colon)...].lowercased().trimmingCharacters()
        let table: [(String, Int)] = [
            ("unassigned", 1), ("no route", 3), ("normal call clearing", 16), ("user busy", 17),
            ("no user responding", 18), ("no answer", 19), ("call rejected", 21), ("number changed", 22),
            ("destination out of order", 27), ("invalid number format", 28), ("normal, unspecified", 31),
            ("normal unspecified", 31), ("no circuit", 34), ("network out of order", 38),
            ("temporary failure", 41), ("congestion", 42),
        ]
        for (needle, cause) in table where text.contains(needle) { return CallEndCause.fromCCCause(cause) }
        // `Cause 34`, `CC cause: 34`: the last number on the line.
        let digits = text.split(whereSeparator: { !$0.isNumber }).last.flatMap { Int($0) }
        if let n = digits, (1...127).contains(n) { return CallEndCause.fromCCCause(n) }
        return nil
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
