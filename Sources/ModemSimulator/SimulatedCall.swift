// The call model of a simulated modem: one voice call at a time (Huawei dongles break with
// more, at-dialects.md §6.8), scripted callee behaviour for outbound calls, RING cadence for
// inbound ones, each vendor's call-progress URCs, and the audio stream while a call is active.
import Foundation
import NIOCore

struct Call {
    enum Direction: String { case outgoing, incoming }
    /// Named after the 27.007 +CLCC <stat> values.
    enum State: String { case dialing, alerting, incoming, active }

    /// Call id as +CLCC reports it. The first voice call is 1 on every simulated vendor.
    let id = 1
    /// Distinguishes this call from earlier ones so their timers do nothing.
    let serial: Int
    let direction: Direction
    var state: State
    /// Digits as dialled or as presented; empty when withheld.
    let number: String
    let startedAt: NIODeadline
    var answeredAt: NIODeadline?
    /// Huawei ^DDSETEX=2 / SIMCom +CPCMREG=1 received for this call.
    var audioEnabled = false
    /// The network plays in-band ringback while this outgoing call alerts.
    var ringback = false

    /// 27.007 type of address: 145 international (+), 129 unknown/national, 128 when empty.
    var typeOfAddress: Int { number.isEmpty ? 128 : number.hasPrefix("+") ? 145 : 129 }

    var clccStat: Int {
        switch state {
        case .active: 0
        case .dialing: 2
        case .alerting: 3
        case .incoming: 4
        }
    }

    /// Quectel ^DSCI stat codes, which are NOT the +CLCC ones (§3.4).
    var dsciStat: Int {
        switch state {
        case .active: 3
        case .dialing: 2
        case .alerting: 7
        case .incoming: 4
        }
    }

    var clccLine: String {
        "+CLCC: \(id),\(direction == .outgoing ? 0 : 1),\(clccStat),0,0,\"\(number)\",\(typeOfAddress)"
    }

    func seconds(until now: NIODeadline) -> Int {
        guard let a = answeredAt else { return 0 }
        return Int((now - a).nanoseconds / 1_000_000_000)
    }
}

/// Why a call ended; decides the URCs and the final line the gateway sees.
enum CallEndReason: Equatable {
    /// ATH / AT+CHUP / AT+QHUP from the gateway.
    case localHangup
    /// The far end hung up (or dropped) a connected call: 24.008 cause 16.
    case remoteHangup
    case busy
    case noAnswer
    case congestion
    /// The network released the set-up with this 24.008 cause (SIMFault).
    case rejected(cause: Int)
    /// An inbound caller gave up before the gateway answered.
    case callerAbandoned
    /// SIM pulled or network lost mid-call.
    case networkLost
    /// Reset or unplug: the port says nothing.
    case silent

    /// 24.008 cause, when the network released the call.
    var cause: Int? {
        switch self {
        case .localHangup, .silent: nil
        case .remoteHangup, .callerAbandoned: 16
        case .busy: 17
        case .noAnswer: 19
        case .congestion: 34
        case .rejected(let cause): cause
        case .networkLost: 41
        }
    }

    /// The result code closing the call on the AT port (§2.4, §3.4).
    var resultCode: String? {
        switch self {
        case .localHangup, .silent: nil
        case .busy: "BUSY"
        case .noAnswer: "NO ANSWER"
        case .remoteHangup, .callerAbandoned, .congestion, .rejected, .networkLost: "NO CARRIER"
        }
    }
}

extension SimulatedModem {
    // MARK: Outbound

    /// ATD<number>; accepted: the call exists and progresses by the callee rules.
    func startOutgoingCall(to number: String) {
        callSerial += 1
        let serial = callSerial
        let rule = callees.first { $0.matches(number) }
        let behaviour = rule?.behaviour ?? .default
        call = Call(serial: serial, direction: .outgoing, state: .dialing, number: number, startedAt: .now())
        call?.ringback = rule?.ringback ?? true
        logger.info("dialling", metadata: ["number": "\(number)", "behaviour": "\(behaviour)"])
        callProgressURCs()
        if let cause = simFault.callCause {
            // The SIM's fault wins over the callee: released before it alerts.
            endLater(serial, 0.1, .rejected(cause: cause))
            return
        }
        // Ring-back starts shortly after origination (^CONF on Huawei).
        schedule(after: 0.1) {
            guard var c = self.call, c.serial == serial, c.state == .dialing else { return }
            c.state = .alerting
            self.call = c
            self.callProgressURCs()
            self.updateAudio()
        }
        switch behaviour {
        case .answer(let after, let dropAfter):
            schedule(after: after) {
                guard let c = self.call, c.serial == serial, c.state != .active else { return }
                self.connect()
                if let d = dropAfter {
                    self.schedule(after: d) {
                        guard let c = self.call, c.serial == serial else { return }
                        self.endCall(c, reason: .remoteHangup)
                    }
                }
            }
        case .busy(let after):
            endLater(serial, after, .busy)
        case .noAnswer(let after):
            endLater(serial, after, .noAnswer)
        case .congestion(let after):
            endLater(serial, after, .congestion)
        }
    }

    private func endLater(_ serial: Int, _ after: Double, _ reason: CallEndReason) {
        schedule(after: after) {
            guard let c = self.call, c.serial == serial, c.state != .active else { return }
            self.endCall(c, reason: reason)
        }
    }

    // MARK: Inbound

    /// The network presents a call from `caller` (nil = withheld); it rings every
    /// `ringInterval` seconds until answered, rejected, or abandoned after `abandonAfter`.
    func ringIn(from caller: String?, abandonAfter: Double?) throws(SimulatorError) {
        guard isPlugged else { throw .notPlugged(config.name) }
        guard call == nil else { throw .callInProgress(config.name) }
        guard effectiveRegistration.isRegistered else { throw .notRegistered(config.name) }
        if let caller {
            let digits = caller.hasPrefix("+") ? String(caller.dropFirst()) : caller
            guard SimulatorConfig.isDigits(digits, 1...20) else { throw .invalidArgument("caller must be digits with optional '+', or 'withheld'") }
        }
        callSerial += 1
        let serial = callSerial
        call = Call(serial: serial, direction: .incoming, state: .incoming, number: caller ?? "", startedAt: .now())
        callProgressURCs()
        ring(serial)
        if let a = abandonAfter {
            schedule(after: a) {
                guard let c = self.call, c.serial == serial, c.state == .incoming else { return }
                self.endCall(c, reason: .callerAbandoned)
            }
        }
    }

    private func ring(_ serial: Int) {
        guard let c = call, c.serial == serial, c.state == .incoming else { return }
        if settings.crc {
            sendURC("+CRING: VOICE", callRelated: true)
        } else {
            sendURC("RING", callRelated: true)
        }
        if settings.clip {
            // validity 0 = number valid, 1 = withheld by the caller (27.007 +CLIP <CLI validity>).
            let validity = c.number.isEmpty ? 1 : 0
            // Some firmware stops after <type> (27.007 makes the rest optional).
            sendURC(config.quirks.missingOptionalFields
                        ? "+CLIP: \"\(c.number)\",\(c.typeOfAddress)"
                        : "+CLIP: \"\(c.number)\",\(c.typeOfAddress),,,,\(validity)", callRelated: true)
        }
        schedule(after: config.ringInterval) { self.ring(serial) }
    }

    /// ATA: answers the ringing call.
    func answer() -> CommandOutcome {
        guard call?.state == .incoming else { return .final("NO CARRIER") }
        afterReply.append { self.connect() }
        return .ok([])
    }

    // MARK: Common

    /// The call becomes active (far end answered, or we answered).
    func connect() {
        guard var c = call else { return }
        c.state = .active
        c.answeredAt = .now()
        call = c
        callCapture.start()
        callProgressURCs()
        if config.vendor == .simcom { sendURC("VOICE CALL: BEGIN", callRelated: true) }
        // The far end's own signal starts at the answer (a stream already carrying ringback
        // goes on; the tone starts at phase 0). Ringback nobody read is not flushed here: the
        // gateway flushes its port when it opens it, and flushing a tty someone is reading
        // races with that reader (epoll said readable, the read finds nothing).
        tone = ToneGenerator(audioSignal, sampleRate: audioRate)
        updateAudio()
    }

    /// ATH, AT+CHUP, AT+QHUP: ends the call if there is one (OK either way).
    func hangUpLocally() {
        guard let c = call else { return }
        afterReply.append { self.endCall(c, reason: .localHangup) }
    }

    /// `dtmf <name> <digits> [inband|urc]`: the far end presses keys during a connected call.
    /// In-band: the tones go out on the audio port (what a Huawei without ^DDTMF gives);
    /// urc: the vendor's detection report (^DDTMF, +QTONEDET, +RXDTMF) per digit.
    func pressDigits(_ digits: String, reportByURC: Bool) throws(SimulatorError) {
        guard let c = call, c.state == .active else { throw .noCall(config.name) }
        guard !digits.isEmpty, digits.allSatisfy(DTMFPlayer.isDigit) else {
            throw .invalidArgument("digits must be 0-9, *, #, A-D")
        }
        guard reportByURC else {
            dtmfPlayer.enqueue(digits)
            return
        }
        for (i, d) in digits.enumerated() {
            schedule(after: 0.2 * Double(i)) {
                guard self.call?.serial == c.serial else { return }
                switch self.config.vendor {
                case .huawei, .generic: self.sendURC("^DDTMF: \(d)")
                case .quectel: self.sendURC("+QTONEDET: \(d.asciiValue.map(Int.init) ?? 0)")
                case .simcom: self.sendURC("+RXDTMF: \(d)")
                }
            }
        }
    }

    /// `hangup <name>`: the far end releases the call.
    func remoteHangup() throws(SimulatorError) {
        guard let c = call else { throw .noCall(config.name) }
        endCall(c, reason: c.direction == .incoming && c.state == .incoming ? .callerAbandoned : .remoteHangup)
    }

    func endCall(_ c: Call, reason: CallEndReason) {
        guard call?.serial == c.serial else { return }
        call = nil
        callCapture.stop()
        updateAudio()
        lastEndCause = reason.cause
        let now = NIODeadline.now()
        billCall(c, endedAt: now)
        guard reason != .silent else { return }
        let duration = c.seconds(until: now)
        switch config.vendor {
        case .huawei:
            // ^CEND:<id>,<duration>,<end_status>[,<cc_cause>]: 29 = client end; 104 = network
            // end, with the 24.008 cause (§2.4).
            // Quirks: `^CEND: 1,9,67,16` with a space (at-dialects §2.4), and firmware that leaves
            // the optional cc_cause out.
            let head = config.quirks.oddSpacing ? "^CEND: " : "^CEND:"
            if let cause = reason.cause, !config.quirks.missingOptionalFields {
                sendURC("\(head)\(c.id),\(duration),104,\(cause)")
            } else {
                sendURC("\(head)\(c.id),\(duration),\(reason.cause == nil ? 29 : 104)")
            }
            if settings.dsci { sendURC(huaweiDSCI(c, stat: 6, cause: reason.cause)) }
        case .quectel:
            if settings.qindCCInfo {
                let dir = c.direction == .outgoing ? 0 : 1
                sendURC("+QIND: \"ccinfo\",\(c.id),\(dir),-1,0,0,\"\(c.number)\",\(c.typeOfAddress)")
            }
            if settings.dsci {
                let dir = c.direction == .outgoing ? 0 : 1
                sendURC("^DSCI: \(c.id),\(dir),6,0,\(c.number),\(c.typeOfAddress)")
            }
        case .simcom:
            if settings.clccPush {
                let dir = c.direction == .outgoing ? 0 : 1
                sendURC("+CLCC: \(c.id),\(dir),6,0,0,\"\(c.number)\",\(c.typeOfAddress)")
            }
            if c.state == .active {
                sendURC("VOICE CALL: END: " + String(format: "%06d", duration), callRelated: true)
            }
        case .generic:
            break
        }
        if let code = reason.resultCode { sendURC(code, callRelated: true) }
        if config.vendor == .simcom && reason == .callerAbandoned {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.dateFormat = "hh:mma"
            sendURC("MISSED_CALL: \(f.string(from: Date())) \(c.number)", callRelated: true)
        }
        logger.info("call ended", metadata: ["reason": "\(reason)", "seconds": "\(duration)"])
    }

    /// Huawei-style ^DSCI after AT^DSCI=1: +CLCC stat codes (6 = ended) with mpty and a quoted
    /// number, then service type, cause, transaction id and subaddress, as in
    /// `^DSCI: 1,1,4,0,0,"13693607335",161,,,0,"",0` / `^DSCI: 1,1,6,0,0,"13693607335",161,,16,0,"",0`
    /// (at-dialects.md §3.4; the lines of Tests/Fixtures/transcripts/huawei-e1550-boot-register-inbound-call.txt).
    func huaweiDSCI(_ c: Call, stat: Int, cause: Int?) -> String {
        let dir = c.direction == .outgoing ? 0 : 1
        return "^DSCI: \(c.id),\(dir),\(stat),0,0,\"\(c.number)\",\(c.typeOfAddress),,\(cause.map(String.init) ?? ""),0,\"\",0"
    }

    /// The vendor's call-state URCs for the current state of the call.
    func callProgressURCs() {
        guard let c = call else { return }
        let dir = c.direction == .outgoing ? 0 : 1
        switch config.vendor {
        case .huawei:
            switch c.state {
            case .dialing: sendURC("^ORIG:\(c.id),0")
            case .alerting: sendURC("^CONF:\(c.id)")
            case .active: sendURC("^CONN:\(c.id),0")
            case .incoming: break
            }
            if settings.dsci { sendURC(huaweiDSCI(c, stat: c.clccStat, cause: nil)) }
        case .quectel:
            if settings.qindCCInfo {
                sendURC("+QIND: \"ccinfo\",\(c.id),\(dir),\(c.clccStat),0,0,\"\(c.number)\",\(c.typeOfAddress)")
            }
            if settings.dsci {
                sendURC("^DSCI: \(c.id),\(dir),\(c.dsciStat),0,\(c.number),\(c.typeOfAddress)")
            }
        case .simcom:
            if settings.clccPush { sendURC(c.clccLine) }
        case .generic:
            break
        }
    }

    // MARK: Audio

    /// Whether the vendor routes call audio to the audio port right now.
    var audioRouted: Bool {
        if let r = replay { return r.audio }
        guard let c = call else { return false }
        // Early media: the network's ringback reaches the port while an outgoing call alerts,
        // on modems whose PCM is already on (Huawei after ^DDSETEX=2, Quectel's QPCMV;
        // SIMCom refuses +CPCMREG=1 before the answer, so it stays silent).
        let early = c.state == .alerting && c.direction == .outgoing && c.ringback
        guard c.state == .active || early else { return false }
        switch config.vendor {
        case .huawei, .simcom: return c.audioEnabled
        case .quectel: return settings.qpcmvPort == 0
        case .generic: return true
        }
    }

    func updateAudio() {
        let want = audioRouted
        if want && !audioStreaming {
            audioStreaming = true
            audioSerial += 1
            // The PCM mode is fixed for the stream (SIMCom: AT+CPCMFRM before +CPCMREG=1).
            audioRate = config.vendor == .simcom && settings.widebandPCM ? AudioFormat.widebandRate : AudioFormat.sampleRate
            analyzer.setRate(audioRate)
            dtmfPlayer.sampleRate = audioRate
            tone = ToneGenerator(audioSignal, sampleRate: audioRate)
            ringback = RingbackGenerator(sampleRate: audioRate)
            // Nothing is written while no stream runs, and at most two early frames wait
            // unread (sendFrame), so the stream starts with the call as a real modem's does.
            nextFrameDeadline = .now()
            audioTick(audioSerial)
        } else if !want && audioStreaming {
            stopAudio()
        }
    }

    func stopAudio() {
        audioStreaming = false
        audioSerial += 1
    }

    /// Writes every frame whose 20 ms slot has come, then sleeps until the next slot. Slots
    /// are multiples of 20 ms from the stream start on the monotonic clock, so the rate stays
    /// 50 frames/s however late each wake-up is.
    private func audioTick(_ serial: Int) {
        guard serial == audioSerial, audioStreaming else { return }
        let now = NIODeadline.now()
        let slot = TimeAmount.nanoseconds(AudioFormat.frameNanoseconds)
        var sent = 0
        while nextFrameDeadline <= now && sent < 5 {
            sendFrame()
            nextFrameDeadline = nextFrameDeadline + slot
            sent += 1
        }
        // Stalled for more than 100 ms (loaded machine): skip the lost slots instead of
        // bursting them, as a real modem's clock would.
        if nextFrameDeadline <= now { nextFrameDeadline = now + slot }
        loop.assumeIsolated().scheduleTask(deadline: nextFrameDeadline) { [weak self] in
            self?.audioTick(serial)
        }
    }

    /// Ringback before the answer may have no reader (a gateway without early media opens
    /// the port at the answer). A modem's USB endpoint does not hold audio nobody reads: with
    /// two frames unread, further ringback frames are dropped. Without this the pty's 4 KiB
    /// would fill and NIO would queue stale ringback that reaches the gateway after the answer.
    static let maxUnreadEarlyFrames = 2

    private func sendFrame() {
        if call?.state != .active, let pty = audioPort,
           pty.unreadOutput() >= Self.maxUnreadEarlyFrames * 2 * AudioFormat.samplesPerFrame(at: audioRate) {
            framesDropped += 1
            return
        }
        guard let ch = audioChannel, ch.isWritable else {
            // Nobody reads the port and the pty plus NIO's buffer are full: drop, never queue
            // without bound.
            framesDropped += 1
            return
        }
        if dtmfPlayer.isActive {
            dtmfPlayer.nextFrame(into: &frameBuffer)
        } else if call?.state == .alerting {
            ringback.nextFrame(into: &frameBuffer)
        } else {
            tone.nextFrame(into: &frameBuffer)
        }
        ch.writeAndFlush(ch.allocator.buffer(bytes: frameBuffer), promise: nil)
        framesSent += 1
    }
}
