// One call: the GSM leg (a modem and its audio port) joined to the far side. Until the SIP
// leg is wired in, the far side is a test signal: the bridge plays a 1 kHz tone into the
// modem's audio port and keeps the last second it received, so an admin (or a test) can
// check both directions of a modem's audio with `simgate call dial`.
//
// An outbound call walks its candidate modems: a failure of the modem or the network before
// answer (CallCause.retryOnNextModem) moves to the next one; busy/no answer/rejected end
// the call. Every attempt is one call record, written at start and closed at end.
//
// Concurrency: all state lives on `loop` (modem events and audio hop there);
// `@unchecked Sendable` rests on that confinement.
import ControlModel
import Foundation
import Logging
import MediaCore
import ModemCore
import NIOCore
import Storage

final class CallBridge: @unchecked Sendable {
    enum Phase: String { case dialing, ringing, answered, ended }

    let id: String
    let loop: EventLoop
    let direction: String
    let number: String
    let startedAt = Date()
    private let candidates: [(controller: ModemController, facts: ModemController.CallFacts)]
    private let storage: Storage
    private var logger: Logger
    private let onFinished: @Sendable (CallBridge) -> Void

    private(set) var phase: Phase = .dialing
    private var index = -1
    private var controller: ModemController?
    private var facts: ModemController.CallFacts?
    private var record: CallDetail?
    private var opened: Task<CallDetail?, Never>?
    private var audio: AudioPort?
    private var answeredAt: Date?
    private var hangUpRequested = false
    private var lastCause: CallEndCause?
    private var lateFrames = 0

    // The test signal and what came back (last second, 8 kHz).
    private var tone = ToneGenerator(frequency: 1000, levelDBm0: -10)
    private var received = [Int16](repeating: 0, count: 8000)
    private var receivedNext = 0
    private var receivedCount = 0
    private(set) var dtmfReceived: [String] = []

    init(id: String, direction: String, number: String, candidates: [(controller: ModemController, facts: ModemController.CallFacts)],
         loop: EventLoop, storage: Storage, logger: Logger, onFinished: @escaping @Sendable (CallBridge) -> Void) {
        self.id = id; self.direction = direction; self.number = number; self.candidates = candidates
        self.loop = loop; self.storage = storage; self.onFinished = onFinished
        var logger = logger
        logger[metadataKey: "call"] = "\(id)"
        self.logger = logger
    }

    // MARK: Control (any thread)

    func start() { loop.execute { self.nextAttempt() } }

    func hangUp() {
        loop.execute {
            self.hangUpRequested = true
            self.controller?.hangUp()
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

    func live() -> EventLoopFuture<LiveCall> {
        loop.submit {
            var c = LiveCall(id: self.id, direction: self.direction, state: self.phase.rawValue, modemID: self.facts?.id,
                             number: self.number, startedAt: self.startedAt, answeredAt: self.answeredAt,
                             attempts: self.index + 1, framesIn: self.audio?.framesIn ?? 0,
                             framesOut: self.audio?.framesOut ?? 0, underruns: self.audio?.underruns ?? 0)
            c.cause = self.lastCause?.kind.rawValue
            c.received = self.toneReport()
            return c
        }
    }

    // MARK: Attempts

    private func nextAttempt() {
        index += 1
        guard index < candidates.count else {
            finish()
            return
        }
        let (controller, facts) = candidates[index]
        self.controller = controller
        self.facts = facts
        phase = .dialing
        var r = CallDetail(callID: id, attempt: index + 1, direction: direction, modemID: facts.id, inviteAt: Date())
        r.calleeDialed = number
        r.calleeNormalized = CallCommands.sanitizedDialString(number)
        r.iccid = facts.iccid
        r.operatorMCCMNC = facts.operatorMCCMNC
        r.operatorName = facts.operatorName
        record = r
        let storage = self.storage
        opened = Task { try? await storage.openCall(r) }
        logger.info("dialling", metadata: ["modem": "\(facts.id)", "attempt": "\(index + 1)"])
        controller.dial(number: number) { event in
            self.loop.execute { self.modemEvent(event) }
        }.hop(to: loop).whenComplete { result in
            switch result {
            case .success(.success): break
            case .success(.failure(let e)):
                self.attemptEnded(CallEndCause(kind: .modemError, text: "\(facts.id) refused the call: \(e)"))
            case .failure(let e):
                self.attemptEnded(CallEndCause(kind: .modemError, text: "\(facts.id): \(e)"))
            }
        }
    }

    private func modemEvent(_ event: CallEvent) {
        switch event {
        case .alerting:
            if phase == .dialing {
                phase = .ringing
                record?.ringingAt = Date()
            }
        case .connected:
            guard phase != .answered, phase != .ended else { return }
            phase = .answered
            let now = Date()
            answeredAt = now
            record?.answerAt = now
            if record?.ringingAt == nil { record?.ringingAt = now }
            openAudio()
            if hangUpRequested { controller?.hangUp() }
        case .ended(_, let cause, _):
            attemptEnded(cause)
        case .dtmfReceived(let d):
            dtmfReceived.append(d)
        default:
            break
        }
    }

    private func attemptEnded(_ cause: CallEndCause) {
        guard phase != .ended, record != nil else { return }
        closeAudio()
        guard var r = record else { return }
        let now = Date()
        let mapped = CallCause.of(cause)
        r.endAt = now
        if let a = r.answerAt { r.billableSeconds = max(0, Int(now.timeIntervalSince(a))) }
        r.gsmCause = cause.kind.rawValue
        r.gsmCauseCode = cause.ccCause
        r.gsmCauseText = cause.text
        r.q850 = mapped.q850
        r.sipStatus = r.answerAt == nil ? mapped.sipStatus : nil
        r.lateFrames = lateFrames
        record = nil
        lastCause = cause
        let opened = self.opened
        let storage = self.storage, logger = self.logger
        let closed = r
        Task {
            guard let openedRow = await opened?.value else { return }
            var row = closed
            row.id = openedRow.id
            do { try await storage.closeCall(row) } catch { logger.error("cannot close call record", metadata: ["error": "\(error)"]) }
        }
        logger.info("attempt ended", metadata: ["modem": "\(r.modemID)", "cause": "\(cause.kind.rawValue)", "text": "\(cause.text)"])
        if r.answerAt == nil, !hangUpRequested, mapped.retryOnNextModem, index + 1 < candidates.count {
            nextAttempt()
        } else {
            finish()
        }
    }

    private func finish() {
        guard phase != .ended else { return }
        phase = .ended
        if lastCause == nil { lastCause = CallEndCause(kind: .noService, text: "no modem could take the call") }
        onFinished(self)
    }

    // MARK: Audio

    private func openAudio() {
        guard let path = facts?.audioPort else { return }
        let port = AudioPort(path: path, sampleRate: facts?.audioSampleRate ?? 8000, loop: loop)
        port.source = { [unowned self] out in
            self.tone.fill(out)
            return true
        }
        port.onFrame = { [unowned self] frame in self.store(frame) }
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

    private func closeAudio() {
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
