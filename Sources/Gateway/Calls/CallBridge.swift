// One call: the GSM leg (a modem and its audio port) joined to the far side, which is either
// - a SIP leg (`FarEnd.sip`): a user's call out through a modem, or a modem's inbound call
//   ringing a user; media runs through a `MediaBridge` (RTP ↔ PCM on this call's loop), or
// - a test signal (`FarEnd.testTone`, `simgate call dial`): a 1 kHz tone into the modem's
//   audio port, keeping the last second received, so an admin can check a modem's audio.
//
// Outbound calls (a SIP caller's, a test tone, an external member, a callback's customer)
// follow CallCore's CallStateMachine: which candidate next after a failure, 180 or 183, the
// cap, CANCEL at each stage, one record per attempt. CallBridge+Outbound.swift carries out
// what it decides.
// Inbound calls (a modem's ring for one user, or run by the call center) follow CallCore's
// InboundCallStateMachine, carried out by CallBridge+Inbound.swift. Every call is one record
// per attempt, written at start and closed at end.
//
// Concurrency: all state lives on `loop` (modem events and audio hop there);
// `@unchecked Sendable` rests on that confinement.
import CallCore
import ControlModel
import Foundation
import Logging
import MediaCore
import ModemCore
import NIOCore
import SIPCore
import SimgateConfig
import Storage

final class CallBridge: @unchecked Sendable {
    enum Phase: String { case dialing, ringing, answered, ended }
    enum FarEnd {
        case testTone
        /// A user's call out through a modem.
        case sipOutbound(SIPBridgeRequest)
        /// A modem's inbound call ringing `user` (reached through `sip`).
        case sipInbound(user: String, caller: CallerID, sip: SIPService)
        /// A modem's inbound call handed to the call center, which decides whom to ring,
        /// when to queue and whom to connect (CallBridge+CallCenter.swift).
        case callCenter(CallCenterLink)
        /// A callback to a customer: ring the dispatchers first, dial once one answers
        /// (CallBridge+Callback.swift).
        case callback(CallbackLink)
        /// An external number rung for a call-center call, dialled through another SIM; its
        /// audio meets the inbound modem's in a PCMRelay (CallBridge+ExternalMember.swift).
        case externalMember(ExternalMemberLink)
    }

    let id: String
    let loop: EventLoop
    let direction: String
    let number: String
    let startedAt = Date()
    let candidates: [(controller: ModemController, facts: ModemController.CallFacts)]
    let storage: Storage
    var logger: Logger
    let onFinished: @Sendable (CallBridge) -> Void
    /// What a closed attempt's record adds to the usage counters, written with the close
    /// (nil: nothing counts, no [routing]).
    let usageCharges: (@Sendable (CallDetail) -> [UsageCharge])?
    let farEnd: FarEnd
    let rtpPorts: ClosedRange<Int>
    var sipLeg: SIPBridgeLeg?
    var media: MediaBridge?
    /// INVITE received → ATD accepted by the modem, nanoseconds (outbound SIP calls).
    var inviteToDialNanos: Int64?

    /// An outbound call's rules (nil for inbound calls, and for a callback until a
    /// dispatcher answers); CallBridge+Outbound.swift feeds it and carries out its actions.
    var machine: CallStateMachine?
    var machineTimers: [CallTimer: Scheduled<Void>] = [:]
    let outboundActions = ActionQueue<CallAction>()
    /// An inbound call's rules (nil for outbound calls); CallBridge+Inbound.swift feeds it.
    var inbound: InboundCallStateMachine?
    var inboundTimers: [InboundCallTimer: Scheduled<Void>] = [:]
    let inboundActions = ActionQueue<InboundCallAction>()
    /// The caller as the first RING gave it (the record's caller until +CLIP).
    var inboundCallerID: CallerID = .unknown
    var mediaClosed = false
    /// `startedAt` on the call's monotonic clock.
    let startInstant = CallInstant.now

    var phase: Phase = .dialing
    var index = -1
    var controller: ModemController?
    var facts: ModemController.CallFacts?
    var record: CallDetail?
    var opened: Task<CallDetail?, Never>?
    var audio: (any ModemAudioPort)?
    var answeredAt: Date?
    var lastCause: CallEndCause?
    /// Each modem tried, in order, and how its attempt ended: SIM care judges the SIMs by them.
    var attempts: [AttemptResult] = []
    struct AttemptResult: Sendable {
        var modemID: String
        var iccid: String?
        var cause: CallEndCause
        /// The callee's phone rang (the network put the call through) or answered.
        var reachedCallee: Bool
        /// The phone's stream as we received it: packets, lost, interarrival jitter (ms); nil
        /// when the attempt had no RTP.
        var media: (received: Int, lost: Int, jitterMilliseconds: Double)?
    }
    private var lateFrames = 0

    // Inbound and callback calls ring several phones at once (forked INVITEs sharing this
    // call's RTP port, CallBridge+Members.swift); the one connected becomes `sipLeg`.
    var memberLegs: [InboundMember: SIPBridgeLeg] = [:]
    var memberAudio: [InboundMember: NegotiatedAudio] = [:]
    /// A callback's dispatchers still ringing, and the one who answered (an inbound call's
    /// are its machine's).
    var ringingMembers: Set<InboundMember> = []
    var connectedMember: InboundMember?
    /// What the GSM side hears instead of the phone: queue music, or a phone's hold.
    var holdPlayer: HoldPlayer?
    var mediaOpening: EventLoopFuture<MediaBridge>?
    /// External members being dialled for this call, and the relay of each.
    var externalLegs: [InboundMember: (bridge: CallBridge, relay: PCMRelay)] = [:]
    /// Modem-to-modem audio: the relay and which side of it this call's modem is.
    var relay: (relay: PCMRelay, side: PCMRelay.Side)?

    // The test signal and what came back (last second, 8 kHz).
    private var tone = ToneGenerator(frequency: 1000, levelDBm0: -10)
    private var received = [Int16](repeating: 0, count: 8000)
    private var receivedNext = 0
    private var receivedCount = 0
    var dtmfReceived: [String] = []
    /// Digits the phone sent (RFC 4733) and we passed to the modem.
    private(set) var dtmfToModem: [String] = []

    /// What the router decided, written into each attempt's record (nil without [routing]).
    struct RouteFacts: Sendable {
        var calleeNormalized: String?
        var operatorMCCMNC: String?
        var operatorName: String?
        var lookupSource: String
        /// Modem id → its place in the router's order (1 = first choice).
        var rank: [String: Int]
        /// Modem id → the per-call cap of its SIM for this call (none: no cap).
        var caps: [String: CallCap] = [:]
    }
    let route: RouteFacts?
    /// The SIP user who placed an outbound call (their minutes count when it ends).
    var sipUser: String? {
        if case .sipOutbound(let request) = farEnd { return request.user }
        return nil
    }
    init(id: String, direction: String, number: String, candidates: [(controller: ModemController, facts: ModemController.CallFacts)],
         loop: EventLoop, storage: Storage, latency: MediaLatencyTotals, logger: Logger,
         usageCharges: (@Sendable (CallDetail) -> [UsageCharge])? = nil, farEnd: FarEnd = .testTone, rtpPorts: ClosedRange<Int> = 20_000...20_999,
         route: RouteFacts? = nil, onFinished: @escaping @Sendable (CallBridge) -> Void) {
        self.usageCharges = usageCharges
        self.id = id; self.direction = direction; self.number = number; self.candidates = candidates; self.route = route
        self.loop = loop; self.storage = storage; self.latency = latency; self.onFinished = onFinished; self.farEnd = farEnd; self.rtpPorts = rtpPorts
        var logger = logger
        logger[metadataKey: "call"] = "\(id)"
        self.logger = logger
    }

    // MARK: Control (any thread)

    func start() {
        loop.execute {
            switch self.farEnd {
            case .testTone:
                self.startMachine()
            case .sipOutbound(let request):
                self.sipLeg = request.leg
                request.leg.attach { event in self.loop.execute { self.outboundSIPEvent(event) } }
                self.startMachine()
            case .sipInbound(let user, let caller, _): self.startInbound(.user(user), caller: caller)
            case .callCenter(let link): self.startInbound(.callCenter, caller: link.caller)
            case .callback(let link): self.startCallback(link)
            case .externalMember(let link):
                self.relay = (link.relay, .b)
                self.startMachine()
            }
        }
    }

    // MARK: SIP far end

    func attachMedia(_ media: MediaBridge) {
        self.media = media
        media.onDigit = { [weak self] digit in
            // RFC 4733 from the phone → AT^DTMF / AT+VTS, once per event.
            guard let self, self.phase == .answered, let controller = self.controller else { return }
            self.dtmfToModem.append(String(digit))
            _ = controller.sendDTMF(digit)
        }
    }

    /// The phone put the call on hold or resumed it: the GSM side hears hold music
    /// meanwhile (MediaBridge.setHold).
    func sipHoldChanged(_ on: Bool) {
        guard phase != .ended, machine?.isSIPSideOpen ?? true, let media else { return }
        media.setHold(on)
        logger.info(on ? "SIP side holds the call: music to the GSM side" : "SIP side resumed the call")
    }

    func hangUp() {
        loop.execute {
            if self.machine != nil {
                self.feed { $0.hangUpRequested(now: $1) }
            } else if self.inbound != nil {
                self.feedInbound { $0.hangUpRequested(now: $1) }
            } else if case .callback = self.farEnd {
                self.callbackEnded()
            }
        }
    }

    func sendDTMF(_ digits: String) -> EventLoopFuture<String?> {
        loop.flatSubmit {
            guard let controller = self.controller, self.phase == .answered else {
                return self.loop.makeSucceededFuture("call is not answered")
            }
            let futures = digits.map { controller.sendDTMF($0) }
            return EventLoopFuture.whenAllComplete(futures, on: self.loop).map { results in
                for r in results { if case .success(.failure(let e)) = r { return e.description } }
                return nil
            }
        }
    }

    /// The call manager's latency totals: this call's setup time and, at its end, its media.
    let latency: MediaLatencyTotals

    /// This call's media latencies so far (nil without a SIP far end).
    func mediaLatencies() -> EventLoopFuture<(LatencyHistogram, LatencyHistogram)?> {
        loop.submit { self.media.map { ($0.rtpToPCM, $0.pcmToRTP) } }
    }

    func live() -> EventLoopFuture<LiveCall> {
        loop.submit {
            var c = LiveCall(id: self.id, direction: self.direction, state: self.phase.rawValue, modemID: self.facts?.id,
                             number: self.number, startedAt: self.startedAt, answeredAt: self.answeredAt,
                             attempts: self.index + 1, framesIn: self.audio?.framesIn ?? 0,
                             framesOut: self.audio?.framesOut ?? 0, underruns: self.audio?.underruns ?? 0)
            c.cause = self.lastCause?.kind.rawValue
            c.received = self.toneReport()
            c.rtcp = self.media?.rtcpReport
            return c
        }
    }

    /// Closes an attempt's record with its cause and media counters, and keeps the attempt
    /// for SIM care.
    func closeRecord(_ closing: CallDetail, cause: CallEndCause) {
        var r = closing
        r.gsmCause = cause.kind.rawValue
        r.gsmCauseCode = cause.ccCause
        r.gsmCauseText = cause.text
        r.lateFrames = lateFrames
        if let media {
            r.rtpIn = media.rtpIn
            r.rtpOut = media.rtpOut
            recordRTCP(media, into: &r)
        }
        record = nil
        let received = media.map { m in (received: m.rtpIn, lost: m.rtcpReport.lost, jitterMilliseconds: m.rtcpReport.jitterMilliseconds) }
        attempts.append(AttemptResult(modemID: r.modemID, iccid: r.iccid, cause: cause,
                                      reachedCallee: r.answerAt != nil || r.ringingAt != nil, media: received))
        let opened = self.opened
        let storage = self.storage, logger = self.logger, charges = self.usageCharges
        let closed = r
        Task {
            guard let openedRow = await opened?.value else { return }
            var row = closed
            row.id = openedRow.id
            do {
                try await storage.closeCall(row, charges: charges?(row) ?? [])
            } catch {
                logger.error("cannot close call record", metadata: ["error": "\(error)", "call": "\(row.callID)"])
            }
        }
        logger.info("attempt ended", metadata: ["modem": "\(r.modemID)", "cause": "\(cause.kind.rawValue)", "text": "\(cause.text)"])
    }

    /// The attempt was answered: its row says so at once (a crash later closes it with the
    /// talk time up to the crash, and charges it, CallRecord.swift).
    func persistAnswer(_ at: Date) {
        record?.answerAt = at
        updateOpenRecord(answerAt: at)
    }

    /// An inbound caller's number (+CLIP after the first RING): into the open row at once, so a
    /// crash still lists the caller as missed by number.
    func persistCaller(_ number: String) {
        record?.caller = number
        updateOpenRecord(caller: number)
    }

    private func updateOpenRecord(answerAt: Date? = nil, caller: String? = nil) {
        let opened = self.opened, storage = self.storage, logger = self.logger
        Task {
            guard let id = await opened?.value?.id else { return }
            do { try await storage.updateOpenCall(id: id, answerAt: answerAt, caller: caller) } catch {
                logger.error("cannot update an open call record", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: RTCP

    /// What RTCP said on this attempt, into its record (nothing when no report went either way).
    private func recordRTCP(_ media: MediaBridge, into r: inout CallDetail) {
        let rtcp = media.rtcpReport
        guard rtcp.reportsSent > 0 || rtcp.reportsReceived > 0 else { return }
        r.rtcpOut = rtcp.reportsSent
        r.rtcpIn = rtcp.reportsReceived
        r.peerLost = rtcp.peerCumulativeLost
        r.peerJitterMilliseconds = rtcp.peerJitterMilliseconds
        r.roundTripMilliseconds = rtcp.roundTripMilliseconds
        r.lost = rtcp.lost
        r.jitterMilliseconds = rtcp.jitterMilliseconds
    }

    // MARK: Audio

    /// `sendingRTP` false: a queued caller's modem is off hook before anyone answers, no RTP yet.
    func openAudio(sendingRTP: Bool = true) {
        guard let path = facts?.audioPort else { return }
        let port = ModemAudioPorts.make(audioPort: path, sampleRate: facts?.audioSampleRate ?? 8000, loop: loop)
        if case .testTone = farEnd {
            port.source = { [unowned self] out in
                self.tone.fill(out)
                return true
            }
            port.onFrame = { [unowned self] frame in self.store(frame) }
        } else {
            if let media {
                media.reset()
                media.sending = sendingRTP
            }
            port.source = { [unowned self] out in self.fillTowardModem(out) }
            port.onFrame = { [unowned self] frame in
                self.media?.modemFrame(frame)
                if let (relay, side) = self.relay { relay.push(from: side, frame) }
            }
        }
        port.onClosed = { [weak self] reason in
            self?.logger.notice("audio port closed", metadata: ["reason": "\(reason)"])
            self?.closeAudio()
        }
        audio = port
        tone.restart()
        receivedCount = 0
        port.open().hop(to: loop).whenComplete { result in
            switch result {
            case .success:
                guard self.audio === port else { port.close(); return }
                AudioPacer.on(self.loop).add(port) { [weak self] late in self?.lateFrames += late }
            case .failure(let error):
                self.logger.warning("cannot open audio port", metadata: ["port": "\(path)", "error": "\(error)"])
                if self.audio === port { self.audio = nil }
            }
        }
    }

    /// The next 20 ms toward the modem: hold music or a prompt while one plays, else the
    /// phone's audio from the jitter buffer (false: nothing, the port writes silence).
    private func fillTowardModem(_ out: UnsafeMutableBufferPointer<Int16>) -> Bool {
        if holdPlayer != nil {
            holdPlayer?.fill(out)
            return true
        }
        if let (relay, side) = relay { return relay.pull(for: side, into: out) }
        return media?.fillModemFrame(out) ?? false
    }

    func closeAudio() {
        guard let port = audio else { return }
        audio = nil
        AudioPacer.on(loop).remove(port)
        record?.framesIn = port.framesIn
        record?.framesOut = port.framesOut
        record?.underruns = port.underruns
        if record?.answerAt != nil, port.framesIn == 0 { record?.silentLeg = "modem" }
        port.close()
    }

    private func store(_ frame: UnsafeBufferPointer<Int16>) {
        for s in frame {
            received[receivedNext] = s
            receivedNext = (receivedNext + 1) % received.count
        }
        receivedCount = min(receivedCount + frame.count, received.count)
    }

    private func toneReport() -> ToneReport? {
        guard receivedCount >= 800 else { return nil }
        var samples: [Int16] = []
        samples.reserveCapacity(receivedCount)
        let start = receivedCount < received.count ? 0 : receivedNext
        for k in 0..<receivedCount { samples.append(received[(start + k) % received.count]) }
        let level = samples.withUnsafeBufferPointer { PCMFrame.levelDBFS($0) }
        guard let a = FrequencyAnalysis.analyze(samples) else {
            return ToneReport(frequency: 0, snrDB: 0, levelDBFS: level.isFinite ? level : -120, samples: samples.count)
        }
        return ToneReport(frequency: a.frequency, snrDB: a.snrDB, levelDBFS: level.isFinite ? level : -120, samples: samples.count)
    }
}

/// A machine's actions, carried out in order, one batch at a time: an event that comes back
/// synchronously while a batch runs (a dial refused at once, a leg that fails at once) is
/// queued behind it, so the order the machine decided holds. Confined to the call's loop.
final class ActionQueue<Action> {
    private var queued: [Action] = []
    private var running = false

    func run(_ actions: [Action], _ perform: (Action) -> Void) {
        queued += actions
        guard !running else { return }
        running = true
        while !queued.isEmpty { perform(queued.removeFirst()) }
        running = false
    }
}
