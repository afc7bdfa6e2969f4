// The gateway side of SMS: a durable outbox (queued in SQLite, sent part by part through the
// SIM the router picks, retried with backoff on temporary +CMS errors, matched to status
// reports) and a durable inbox (every PDU a modem hands over is in SQLite before the modem may
// delete it; multipart messages are reassembled there, so parts survive a restart).
//
// Wiring (Daemon.startSMS): the pool hands every modem's PDUs to `received`, and the modem
// deletes one only when `received` returned true; `submit` goes to `ModemPool.sendSMS`;
// SMSSIPBridge carries SIP MESSAGE both ways; SMSRoutes serves /v1/sms. Nothing here calls a
// ModemController, so the tests drive the service with a scripted `submit`.
//
// Concurrency: one actor; one worker task sends (so two parts never race for a SIM) and the
// same loop expires reassemblies. SQLite is the truth: memory holds only the pace of each SIM
// (seeded from the database at start) and the worker's wake-ups.
import ControlModel
import Crypto
import Foundation
import Logging
import ModemCore
import RoutingCore
import SMSCore
import SimgateConfig
import Storage

/// The time, and waiting for it; injectable so tests drive the pace and timeouts.
public protocol SMSClock: Sendable {
    func now() -> Date
    /// Returns at `deadline`, or early when the task is cancelled.
    func sleep(until deadline: Date) async
}

public struct SystemSMSClock: SMSClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else { return }
        try? await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}

public enum SMSServiceError: Error, Equatable, CustomStringConvertible {
    /// A field of the request is wrong; `field` names it.
    case badRequest(field: String, String)
    case disabled
    case notFound(Int64)

    public var description: String {
        switch self {
        case let .badRequest(field, message): "\(field): \(message)"
        case .disabled: "SMS is disabled ([sms] enabled = false)"
        case let .notFound(id): "no SMS \(id) (try `simgate sms list`)"
        }
    }
}

public actor SMSService {
    public typealias Submit = @Sendable (_ modemID: String, _ pdu: [UInt8], _ tpduLength: Int) async -> SMSSubmitResult
    public typealias Router = @Sendable (_ number: String, _ now: Date) async -> SMSRoute

    /// 255 parts: the most an 8-bit concatenation reference can number (23.040 §9.2.3.24.1).
    public static let maxParts = 255
    /// TP-PID of a "Short Message Type 0" (23.040 §9.2.3.9).
    static let shortMessageType0: UInt8 = 0x40
    /// A status report may land before the worker has written the part's `sent` mark (the
    /// modem answers +CMGS and the network's report can follow within a second). A report up to
    /// this long before the send is still matched when the mark lands.
    public static let reportRaceSlackSeconds: Double = 120
    /// When nothing is due, the worker still looks once a minute: a safety net for a wake-up
    /// lost to a crash of a caller, never the normal path.
    static let idleRecheckSeconds: Double = 60
    /// After the database refused a write: long enough not to spin, short enough that a
    /// freed disk or a released lock resumes sending within seconds.
    static let storageRetrySeconds: Double = 5

    let config: SMSConfig
    let storage: Storage
    let outbox: WebhookOutbox
    let wakeWebhooks: @Sendable () -> Void
    let timeZone: TimeZone
    let candidates: Router
    let submit: Submit
    let clock: any SMSClock
    let logger: Logger
    let chooser: SMSSIMChooser
    let retry: SMSRetryPolicy

    private var lastSent: [String: Date] = [:]
    private var worker: Task<Void, Never>?
    private var timers: [Task<Void, Never>] = []
    private var wake: AsyncStream<Void>.Continuation?
    private var stopped = false
    /// Told every inbound message once it is complete (or given up as incomplete), after it
    /// is committed: the SIP bridge, built after this service and sending through it, drains
    /// the stream this yields into (`Daemon.startSMS`) and forwards them to `[sms] deliver_to`.
    private let onInbound: (@Sendable (SMSMessage) -> Void)?
    /// Operator requests (`askOperator`) waiting for their reply SMS, oldest first.
    private var replyWaiters: [ReplyWaiter] = []
    public typealias SubmitHook = @Sendable (_ iccid: String, _ modemID: String, _ result: SMSSubmitResult) async -> Void
    /// Told the result of every AT+CMGS: SIM health counts the network's refusals.
    private let submitHook: SubmitHook?

    public init(config: SMSConfig, storage: Storage, outbox: WebhookOutbox, wakeWebhooks: @escaping @Sendable () -> Void,
                timeZone: TimeZone, candidates: @escaping Router, logger: Logger, clock: any SMSClock = SystemSMSClock(),
                submitHook: SubmitHook? = nil, onInbound: (@Sendable (SMSMessage) -> Void)? = nil, submit: @escaping Submit) {
        self.submitHook = submitHook
        self.onInbound = onInbound
        self.config = config
        self.storage = storage
        self.outbox = outbox
        self.wakeWebhooks = wakeWebhooks
        self.timeZone = timeZone
        self.candidates = candidates
        self.submit = submit
        self.clock = clock
        self.logger = logger
        chooser = SMSSIMChooser(defaultMinIntervalSeconds: config.minIntervalSeconds)
        retry = SMSRetryPolicy(maxAttempts: config.maxAttempts, initialSeconds: config.retryInitialSeconds,
                               maxSeconds: config.retryMaxSeconds)
    }

    // MARK: Lifecycle

    /// Requeues what a crash left half-sent, then starts the worker.
    public func start() async {
        // Disabled: nothing is sent; queued messages wait in SQLite for a config that enables SMS.
        guard worker == nil, config.enabled else { return }
        stopped = false
        let now = clock.now()
        do {
            try await storage.transaction { tx in
                // A part left `sending` may or may not have reached the network: AT+CMGS had no
                // answer we recorded. Sending it again risks a duplicate; not sending risks a loss,
                // and a lost SMS is the worse of the two for a dispatcher. Parts marked `sent` stay.
                for record in try tx.smsOutboundMessages(states: [.sending]) {
                    for part in try tx.smsParts(messageID: record.message.id) where part.state == "sending" {
                        try tx.updateSMSPart(id: part.id, state: "queued")
                    }
                    try tx.updateSMSMessage(id: record.message.id, state: .queued, nextAttemptAt: now, at: now)
                }
            }
        } catch {
            logger.error("SMS: cannot requeue interrupted sends", metadata: ["error": "\(error)"])
        }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wake = continuation
        worker = Task { await self.run(stream) }
    }

    public func stop() async {
        stopped = true
        wake?.finish()
        wake = nil
        for timer in timers { timer.cancel() }
        timers = []
        for waiter in replyWaiters { waiter.timeout?.cancel(); waiter.continuation?.resume(returning: nil) }
        replyWaiters = []
        let running = worker
        worker = nil
        running?.cancel()
        await running?.value
    }

    /// Wakes the worker (new work, or a test that moved its clock).
    public func poke() { wake?.yield() }

    private func run(_ stream: AsyncStream<Void>) async {
        var iterator = stream.makeAsyncIterator()
        while !stopped, !Task.isCancelled {
            await expireReassembly()
            let next = await sendDue()
            if stopped { break }
            let now = clock.now()
            var deadline = now.addingTimeInterval(Self.idleRecheckSeconds)
            if let next { deadline = min(deadline, next) }
            if let reassembly = await nextReassemblyDeadline() { deadline = min(deadline, reassembly) }
            // Past due only when the database just refused the expiry: wait a second, don't spin.
            arm(max(deadline, now.addingTimeInterval(1)))
            guard await iterator.next() != nil else { break }
        }
    }

    private func arm(_ deadline: Date) {
        timers.removeAll { $0.isCancelled }
        let clock = self.clock
        timers.append(Task { [weak self] in
            await clock.sleep(until: deadline)
            guard !Task.isCancelled else { return }
            await self?.poke()
        })
        if timers.count > 16 { timers.removeFirst().cancel() }
    }

    // MARK: Sending

    /// Queues `request`; the worker sends it. Throws `SMSServiceError.badRequest` naming the field.
    public func send(_ request: SMSSendRequest) async throws -> SMSMessage {
        guard config.enabled else { throw SMSServiceError.disabled }
        let to = request.to.trimmingCharacters(in: .whitespaces)
        guard !to.isEmpty else { throw SMSServiceError.badRequest(field: "to", "must be a phone number") }
        guard !request.text.isEmpty else { throw SMSServiceError.badRequest(field: "text", "must not be empty") }
        if request.modem != nil, request.iccid != nil {
            throw SMSServiceError.badRequest(field: "modem", "give modem or iccid, not both")
        }
        let now = clock.now()
        let route = await candidates(to, now)
        guard let number = route.number else {
            throw SMSServiceError.badRequest(field: "to", "not a number simgate can send to: \(route.error ?? to)")
        }
        let requested = request.modem ?? request.iccid
        if let requested, !route.options.contains(where: { $0.modemID == requested || SMSSIMChooser.sameICCID($0.iccid, requested) }) {
            throw SMSServiceError.badRequest(field: request.modem != nil ? "modem" : "iccid",
                                             "no modem or SIM \"\(requested)\" (try `simgate sims`)")
        }
        let plan = SMSSegmenter.plan(request.text)
        guard plan.parts.count <= Self.maxParts else {
            throw SMSServiceError.badRequest(field: "text", "needs \(plan.parts.count) SMS parts, at most \(Self.maxParts)")
        }
        let offset = timeZone.secondsFromGMT(for: now) / 60
        let statusReports = config.statusReports
        let validity = config.validityMinutes
        let outbox = self.outbox
        let message = try await storage.transaction { tx -> SMSMessage in
            let id = try tx.insertSMSMessage(SMSMessageDraft(
                direction: .outbound, state: .queued, peer: number, text: request.text, encoding: plan.alphabet.rawValue,
                partsExpected: plan.parts.count, createdAt: now, createdOffsetMinutes: offset, nextAttemptAt: now,
                user: request.user, requestedSIM: requested))
            // The concatenation reference only has to differ between this SIM's recent long
            // messages to one recipient; the row id modulo 256 does.
            let reference = Int(id % 256)
            let pdus = SMSSegmenter.submit(request.text, to: SMSAddress(number), reference: reference, statusReport: statusReports,
                                           validity: .relative(minutes: validity))
            for (index, pdu) in pdus.enumerated() {
                try tx.insertSMSPart(SMSPartRecord(number: index + 1, reference: pdus.count > 1 ? reference : nil, state: "queued",
                                                   pduHex: pdu.hex, tpduLength: pdu.tpduLength, text: plan.parts[index],
                                                   dedupKey: "out:\(id):\(index + 1)"), messageID: id)
            }
            let stored = try tx.smsMessage(id: id, withParts: false)!.message
            try outbox.enqueue(WebhookEvent(type: .smsStatus, occurredAt: now, data: stored), in: tx)
            return stored
        }
        logger.debug("SMS queued", metadata: ["sms": "\(message.id)", "to": "\(number)", "parts": "\(plan.parts.count)"])
        wakeWebhooks()
        poke()
        return message
    }

    /// Sends every message that is due; returns when the next one will be.
    private func sendDue() async -> Date? {
        while !stopped {
            let now = clock.now()
            let pending: [SMSMessageRecord]
            do { pending = try await storage.read { tx in try tx.smsOutboundMessages(states: [.queued, .sending]) } } catch {
                // A read cut short by `stop()` is the shutdown, not a database fault.
                if stopped || error is CancellationError { return nil }
                logger.error("SMS: cannot read the outbox", metadata: ["error": "\(error)"])
                return now.addingTimeInterval(Self.idleRecheckSeconds)
            }
            guard let due = pending.first(where: { ($0.message.nextAttemptAt ?? .distantPast) <= now }) else {
                return pending.compactMap(\.message.nextAttemptAt).min()
            }
            // A storage failure mid-attempt leaves the message due: look again later instead of
            // spinning on a database that refuses writes.
            guard await attempt(due) else { return clock.now().addingTimeInterval(Self.storageRetrySeconds) }
        }
        return nil
    }

    /// One try at one message: every remaining part through one SIM, stopping at the first
    /// failure. False when the database failed (the message stays as it was).
    @discardableResult
    private func attempt(_ record: SMSMessageRecord) async -> Bool {
        let id = record.message.id
        do {
            let parts = try await storage.read { tx in try tx.smsParts(messageID: id) }
            let remaining = parts.filter { $0.state == "queued" || $0.state == "sending" }
            guard !remaining.isEmpty else { try await settleOutbound(id: id); return true }
            let pinned = parts.first { $0.state != "queued" && $0.state != "sending" && $0.iccid != nil }?.iccid
            let now = clock.now()
            let route = await candidates(record.message.peer, now)
            let usage = try await usageOf(route.options, at: now)
            let choice = chooser.choose(options: route.options, usage: usage, requested: record.requestedSIM, pinned: pinned,
                                        excluded: Set(record.excludedSIMs.map(SMSSIMChooser.canonical)), now: now)
            guard case let .send(sim, readyAt) = choice else {
                if case let .unavailable(reason) = choice {
                    try await failAttempt(record, sim: nil, klass: .temporary, cms: nil, text: "no SIM may send it: \(reason)")
                }
                return true
            }
            if readyAt > now { await clock.sleep(until: readyAt) }
            var attempts = record.message.attempts + 1
            for part in remaining {
                if stopped { return true }
                if let last = lastSent[SMSSIMChooser.canonical(sim.iccid)] {
                    let ready = chooser.readyAt(sim, SMSSIMUsage(lastSentAt: last))
                    if ready > clock.now() { await clock.sleep(until: ready) }
                    if stopped { return true }   // stop() cut the wait short: the part stays queued
                }
                let started = clock.now()
                let outbox = self.outbox
                let markAttempts = attempts
                try await storage.transaction { tx in
                    try tx.updateSMSPart(id: part.id, state: "sending", modem: sim.modemID, iccid: sim.iccid)
                    let before = try tx.smsMessage(id: id, withParts: false)!.message
                    try tx.updateSMSMessage(id: id, state: .sending, modem: sim.modemID, iccid: sim.iccid, attempts: markAttempts,
                                            at: started)
                    if before.state != .sending {
                        let after = try tx.smsMessage(id: id, withParts: false)!.message
                        try outbox.enqueue(WebhookEvent(type: .smsStatus, occurredAt: started, data: after), in: tx)
                    }
                }
                attempts = markAttempts   // one attempt per try of the message, not per part
                wakeWebhooks()
                let octets = (try? HexText.octets(part.pduHex)) ?? []
                let result = await submit(sim.modemID, octets, part.tpduLength ?? max(0, octets.count - 1))
                let finished = clock.now()
                await submitHook?(sim.iccid, sim.modemID, result)
                if case let .sent(mr) = result {
                    lastSent[SMSSIMChooser.canonical(sim.iccid)] = finished
                    try await markSent(messageID: id, part: part, sim: sim, mr: mr, at: finished)
                    continue
                }
                lastSent[SMSSIMChooser.canonical(sim.iccid)] = finished
                var (klass, cms, text) = SMSSubmitError.classify(result)!
                // Refused for this SIM's subscription: another SIM may send it, unless earlier
                // parts went through this one (a long message is joined per sender).
                if klass == .simRefused { klass = pinned == nil ? .temporary : .permanent }
                try await failAttempt(record, partID: part.id, sim: pinned == nil ? sim : nil, klass: klass, cms: cms,
                                      text: "\(sim.modemID): \(text)", attempts: attempts)
                return true
            }
            try await settleOutbound(id: id)
            return true
        } catch {
            logger.error("SMS: send failed on storage", metadata: ["sms": "\(id)", "error": "\(error)"])
            return false
        }
    }

    private func usageOf(_ options: [SMSSIMOption], at now: Date) async throws -> [String: SMSSIMUsage] {
        let zone = timeZone
        var result: [String: SMSSIMUsage] = [:]
        for option in options {
            let iccid = SMSSIMChooser.canonical(option.iccid)
            let keys = Self.counterKeys(iccid: iccid, at: now, monthResetDay: option.monthResetDay, timeZone: zone)
            let (today, month, last) = try await storage.read { tx in
                (try tx.smsUsage(keys[0]), try tx.smsUsage(keys[1]), try tx.smsLastSent(iccid: option.iccid))
            }
            result[iccid] = SMSSIMUsage(today: today, thisMonth: month, lastSentAt: lastSent[iccid] ?? last)
        }
        return result
    }

    static func counterKeys(iccid: String, at now: Date, monthResetDay: Int, timeZone: TimeZone) -> [UsageKey] {
        let iccid = RoutingPolicy.canonicalICCID(iccid)
        return [UsageKey(.sim, iccid, .day, start: CounterPeriods.dayStart(containing: now, in: timeZone)),
                UsageKey(.sim, iccid, .month, start: CounterPeriods.monthStart(containing: now, in: timeZone, resetDay: monthResetDay))]
    }

    /// The network took the part: MR, `sent`, the SIM's counters, and any status report that
    /// arrived before this mark, in one transaction.
    private func markSent(messageID id: Int64, part: SMSPartRecord, sim: SMSSIMOption, mr: Int, at now: Date) async throws {
        let keys = Self.counterKeys(iccid: sim.iccid, at: now, monthResetDay: sim.monthResetDay, timeZone: timeZone)
        let slack = Self.reportRaceSlackSeconds
        try await storage.transaction { tx in
            try tx.updateSMSPart(id: part.id, state: "sent", messageReference: mr, modem: sim.modemID, iccid: sim.iccid, sentAt: now,
                                 clearing: ["error"])
            try tx.addSMSUsage(keys, parts: 1)
            let done = try tx.smsParts(messageID: id).filter { $0.state != "queued" && $0.state != "sending" }.count
            try tx.updateSMSMessage(id: id, partsDone: done, at: now)
            // The race: a report for this MR that came in before we wrote `sent`.
            let message = try tx.smsMessage(id: id, withParts: false)!.message
            for report in try tx.unmatchedSMSStatusReports(messageReference: mr, since: now.addingTimeInterval(-slack))
            where Self.sameSIM(report.draft, iccid: sim.iccid, modem: sim.modemID) && Self.samePeer(report.draft.recipient, message.peer) {
                try tx.setSMSStatusReportPart(reportID: report.id, partID: part.id)
                try Self.apply(report.draft, toPart: part.id, in: tx)
                break
            }
        }
    }

    /// A failed try: temporary → back in the queue with backoff (another SIM next time when the
    /// message is not pinned to this one), or failed once max_attempts are spent; permanent → failed.
    private func failAttempt(_ record: SMSMessageRecord, partID: Int64? = nil, sim: SMSSIMOption?, klass: SMSSubmitErrorClass,
                             cms: Int?, text: String, attempts: Int? = nil) async throws {
        let id = record.message.id
        let now = clock.now()
        let attempts = attempts ?? record.message.attempts + 1
        let delay = klass == .temporary ? retry.delay(afterAttempts: attempts) : nil
        var excluded = record.excludedSIMs
        if let sim, !excluded.contains(SMSSIMChooser.canonical(sim.iccid)) { excluded.append(SMSSIMChooser.canonical(sim.iccid)) }
        if let delay {
            logger.info("SMS send failed, will retry", metadata: ["sms": "\(id)", "error": "\(text)", "retry_in": "\(Int(delay))s"])
        } else {
            logger.warning("SMS failed", metadata: ["sms": "\(id)", "error": "\(text)"])
        }
        let outbox = self.outbox
        let excludedNow = excluded
        try await storage.transaction { tx in
            if let partID { try tx.updateSMSPart(id: partID, state: delay == nil ? "failed" : "queued", error: text) }
            if let delay {
                try tx.updateSMSMessage(id: id, state: .queued, lastError: text, lastCMS: cms, attempts: attempts,
                                        nextAttemptAt: now.addingTimeInterval(delay), excludedSIMs: excludedNow,
                                        clearing: cms == nil ? ["last_cms"] : [], at: now)
            } else {
                for part in try tx.smsParts(messageID: id) where part.state == "queued" || part.state == "sending" {
                    try tx.updateSMSPart(id: part.id, state: "failed", error: text)
                }
                try tx.updateSMSMessage(id: id, lastError: text, lastCMS: cms, attempts: attempts,
                                        clearing: Set(["next_attempt_at"] + (cms == nil ? ["last_cms"] : [])), at: now)
                try Self.settle(id: id, in: tx, outbox: outbox, at: now, force: true)
                return
            }
            let after = try tx.smsMessage(id: id, withParts: false)!.message
            try outbox.enqueue(WebhookEvent(type: .smsStatus, occurredAt: now, data: after), in: tx)
        }
        if delay == nil { resolveWaiter { $0.requestID == id } }
        wakeWebhooks()
    }

    private func settleOutbound(id: Int64) async throws {
        let outbox = self.outbox
        let now = clock.now()
        try await storage.transaction { tx in try Self.settle(id: id, in: tx, outbox: outbox, at: now) }
        wakeWebhooks()
    }

    /// The message's state from its parts' (sent when all are out, delivered/failed/partial
    /// when every part has its final word); an sms.status event when it changed.
    static func settle(id: Int64, in tx: StorageTransaction, outbox: WebhookOutbox, at now: Date, force: Bool = false) throws {
        guard let before = try tx.smsMessage(id: id, withParts: false)?.message else { return }
        let states = try tx.smsParts(messageID: id).map(\.state)
        let state = SMSOutboundState.of(parts: states)
        guard let state, state != before.state || force else { return }
        let delivered = state == .delivered ? now : nil
        try tx.updateSMSMessage(id: id, state: state, partsDone: states.filter { $0 == "sent" || $0 == "delivered" }.count,
                                deliveredAt: delivered, clearing: state.isFinal || state == .sent ? ["next_attempt_at"] : [], at: now)
        if state != before.state {
            let after = try tx.smsMessage(id: id, withParts: false)!.message
            try outbox.enqueue(WebhookEvent(type: .smsStatus, occurredAt: now, data: after), in: tx)
        }
    }

    // MARK: Receiving

    /// A PDU from a modem. True once it is durably in SQLite (then the caller deletes it from
    /// the SIM); false only when the database refused the write (the PDU stays on the SIM and
    /// the next scan brings it again). Idempotent: the same PDU from the same SIM is one part.
    public func received(modemID: String, iccid: String?, _ pdu: ReceivedSMSPDU) async -> Bool {
        // Disabled means the gateway takes no SMS: they stay on the SIM, where the admin can
        // read them, rather than being stored somewhere nobody looks.
        guard config.enabled else { return false }
        let now = clock.now()
        let simKey = iccid.map(SMSSIMChooser.canonical) ?? "modem:\(modemID)"
        let hex = HexText.string(pdu.pdu)
        let dedup = "in:" + Self.digest(simKey + "|" + hex)
        let offset = timeZone.secondsFromGMT(for: now) / 60
        do {
            let decoded: SMSPDU
            do { decoded = try SMSPDU.decode(octets: pdu.pdu) } catch {
                logger.warning("SMS: undecodable PDU stored raw", metadata: ["modem": "\(modemID)", "error": "\(error)"])
                return try await storeRaw(modemID: modemID, iccid: iccid, hex: hex, dedup: dedup, error: "PDU: \(error)",
                                          now: now, offset: offset)
            }
            switch decoded {
            case .statusReport(let report):
                return try await receivedReport(report, modemID: modemID, iccid: iccid, hex: hex, dedup: dedup, now: now)
            case .submit:
                return try await storeRaw(modemID: modemID, iccid: iccid, hex: hex, dedup: dedup,
                                          error: "an SMS-SUBMIT in the modem's storage (written by a TE), not a received message",
                                          now: now, offset: offset)
            case .deliver(let deliver) where deliver.protocolIdentifier == Self.shortMessageType0:
                // 23.040 §9.2.3.9: "Short Message Type 0" is a silent ping the ME acknowledges
                // and discards; it is nobody's message, so nothing is kept.
                logger.debug("SMS: type 0 (silent) message discarded", metadata: ["modem": "\(modemID)"])
                return true
            case .deliver(let deliver):
                return try await receivedDeliver(deliver, modemID: modemID, iccid: iccid, simKey: simKey, hex: hex, dedup: dedup,
                                                 now: now, offset: offset)
            }
        } catch {
            logger.error("SMS: cannot store a received PDU; it stays on the SIM", metadata: ["modem": "\(modemID)", "error": "\(error)"])
            return false
        }
    }

    private func storeRaw(modemID: String, iccid: String?, hex: String, dedup: String, error: String, now: Date, offset: Int) async throws -> Bool {
        let outbox = self.outbox
        try await storage.transaction { tx in
            guard try !tx.smsPartExists(dedupKey: dedup) else { return }
            let id = try tx.insertSMSMessage(SMSMessageDraft(
                direction: .inbound, state: .undecodable, modem: modemID, iccid: iccid, peer: "", text: "", encoding: nil,
                partsExpected: 1, partsDone: 1, createdAt: now, createdOffsetMinutes: offset, lastError: error))
            try tx.insertSMSPart(SMSPartRecord(number: 1, state: "received", pduHex: hex, dedupKey: dedup), messageID: id,
                                 modem: modemID, iccid: iccid)
            try tx.updateSMSPart(id: try tx.smsParts(messageID: id)[0].id, error: error)
            let stored = try tx.smsMessage(id: id, withParts: false)!.message
            try outbox.enqueue(WebhookEvent(type: .smsReceived, occurredAt: now, data: stored), in: tx)
        }
        wakeWebhooks()
        return true
    }

    private func receivedDeliver(_ d: SMSDeliver, modemID: String, iccid: String?, simKey: String, hex: String, dedup: String,
                                 now: Date, offset: Int) async throws -> Bool {
        let outbox = self.outbox
        let sender = d.originator.number
        let concatenation = d.header?.concatenation.flatMap { $0.total > 1 ? $0 : nil }
        let key = concatenation.map { "\(sender)|\($0.reference)|\($0.total)|\(simKey)" }
        let (completed, opened) = try await storage.transaction { tx -> (SMSMessage?, Bool) in
            guard try !tx.smsPartExists(dedupKey: dedup) else { return (nil, false) }   // read twice: already ours
            let part = SMSPartRecord(number: concatenation?.sequence ?? 1, reference: concatenation?.reference, state: "received",
                                     pduHex: hex, text: d.text, dedupKey: dedup)
            guard let concatenation, let key else {
                let id = try tx.insertSMSMessage(SMSMessageDraft(
                    direction: .inbound, state: .complete, modem: modemID, iccid: iccid, peer: sender, text: d.text,
                    encoding: d.dataCoding.alphabet.rawValue, partsExpected: 1, partsDone: 1, createdAt: now,
                    createdOffsetMinutes: offset, serviceCentreTime: d.serviceCentreTime.iso8601))
                try tx.insertSMSPart(part, messageID: id, modem: modemID, iccid: iccid)
                let stored = try tx.smsMessage(id: id, withParts: false)!.message
                try outbox.enqueue(WebhookEvent(type: .smsReceived, occurredAt: now, data: stored), in: tx)
                return (stored, false)
            }
            let id: Int64
            var opened = false
            if let open = try tx.smsReceivingMessage(reassemblyKey: key) {
                id = open.message.id
            } else {
                opened = true
                id = try tx.insertSMSMessage(SMSMessageDraft(
                    direction: .inbound, state: .receiving, modem: modemID, iccid: iccid, peer: sender, text: "",
                    encoding: d.dataCoding.alphabet.rawValue, partsExpected: concatenation.total, partsDone: 0, createdAt: now,
                    createdOffsetMinutes: offset, serviceCentreTime: d.serviceCentreTime.iso8601, reassemblyKey: key))
            }
            // The same part again under another PDU (the SMSC resent it): the first copy stays.
            guard try tx.insertSMSPart(part, messageID: id, modem: modemID, iccid: iccid) else { return (nil, false) }
            let joined = try Self.join(tx.smsParts(messageID: id))
            let count = try tx.smsParts(messageID: id).count
            if joined.missing.isEmpty {
                try tx.updateSMSMessage(id: id, state: .complete, text: joined.text, partsDone: count, at: now)
                let stored = try tx.smsMessage(id: id, withParts: false)!.message
                try outbox.enqueue(WebhookEvent(type: .smsReceived, occurredAt: now, data: stored), in: tx)
                return (stored, false)
            }
            try tx.updateSMSMessage(id: id, text: joined.text, partsDone: count, at: now)
            return (nil, opened)
        }
        if let completed { delivered(completed) }
        // A new reassembly: the worker arms its timeout now rather than at its next idle look.
        if opened { poke() }
        return true
    }

    /// The parts' texts in sequence order (SMSConcatenator), decoding each stored PDU again.
    static func join(_ parts: [SMSPartRecord]) -> SMSConcatenator.Joined {
        let delivers = parts.compactMap { part -> SMSDeliver? in
            guard case let .deliver(d)? = try? SMSPDU.decode(hex: part.pduHex) else { return nil }
            return d
        }
        return SMSConcatenator.join(delivers)
    }

    private func delivered(_ message: SMSMessage) {
        wakeWebhooks()
        answerWaiter(with: message)
        onInbound?(message)
    }

    /// Multipart messages older than `[sms] reassembly_timeout`: stored as incomplete with the
    /// text of the parts present (a partial text beats none; the missing parts are named).
    public func expireReassembly() async {
        let now = clock.now()
        let timeout = config.reassemblyTimeoutSeconds
        let outbox = self.outbox
        do {
            let expired = try await storage.transaction { tx -> [SMSMessage] in
                var done: [SMSMessage] = []
                for record in try tx.smsReceivingMessages() where record.message.createdAt.addingTimeInterval(timeout) <= now {
                    let parts = try tx.smsParts(messageID: record.message.id)
                    let joined = Self.join(parts)
                    let missing = joined.missing.map(String.init).joined(separator: ", ")
                    try tx.updateSMSMessage(id: record.message.id, state: .incomplete, text: joined.text, partsDone: parts.count,
                                            lastError: "part(s) \(missing) of \(record.message.partsExpected) missing after \(Int(timeout)) s",
                                            at: now)
                    let stored = try tx.smsMessage(id: record.message.id, withParts: false)!.message
                    try outbox.enqueue(WebhookEvent(type: .smsReceived, occurredAt: now, data: stored), in: tx)
                    done.append(stored)
                }
                return done
            }
            for message in expired { delivered(message) }
        } catch {
            logger.error("SMS: cannot expire reassemblies", metadata: ["error": "\(error)"])
        }
    }

    private func nextReassemblyDeadline() async -> Date? {
        let timeout = config.reassemblyTimeoutSeconds
        return (try? await storage.read { tx in try tx.smsReceivingMessages().map(\.message.createdAt).min() })?
            .flatMap { $0 }.map { $0.addingTimeInterval(timeout) }
    }

    // MARK: Status reports

    private func receivedReport(_ r: SMSStatusReport, modemID: String, iccid: String?, hex: String, dedup: String,
                                now: Date) async throws -> Bool {
        let draft = SMSStatusReportDraft(
            modem: modemID, iccid: iccid, messageReference: r.messageReference, recipient: r.recipient.number,
            status: Int(r.status.raw), serviceCentreTime: r.serviceCentreTime.iso8601, dischargeTime: r.dischargeTime.iso8601,
            receivedAt: now, pduHex: hex, dedupKey: dedup)
        let window = config.reportWindowSeconds
        let outbox = self.outbox
        let matched = try await storage.transaction { tx -> Bool in
            // 2N's rule for a wrapped MR: the oldest sent part with this MR and recipient.
            let candidates = try tx.smsSentParts(messageReference: r.messageReference, iccid: iccid, modem: modemID,
                                                 since: now.addingTimeInterval(-window))
            let match = candidates.first { Self.samePeer(r.recipient.number, $0.peer) }?.part
            guard let reportID = try tx.insertSMSStatusReport(draft, partID: match?.id) else { return true }
            _ = reportID
            guard let match else { return false }
            try Self.apply(draft, toPart: match.id, in: tx)
            try Self.settle(id: match.messageID, in: tx, outbox: outbox, at: now)
            return true
        }
        if !matched {
            logger.debug("SMS status report kept until its part is marked sent", metadata: ["mr": "\(r.messageReference)"])
        }
        wakeWebhooks()
        return true
    }

    /// A report's verdict on its part: delivered, failed (with the meaning), or still pending.
    static func apply(_ report: SMSStatusReportDraft, toPart partID: Int64, in tx: StorageTransaction) throws {
        let status = DeliveryStatus(raw: UInt8(clamping: report.status))
        switch status.outcome {
        case .delivered:
            try tx.updateSMSPart(id: partID, state: "delivered", deliveredAt: report.receivedAt, reportStatus: report.status,
                                 reportMeaning: status.meaning)
        case .failed:
            try tx.updateSMSPart(id: partID, state: "failed", reportStatus: report.status, reportMeaning: status.meaning,
                                 error: "status report: \(status.meaning)")
        case .pending:
            try tx.updateSMSPart(id: partID, reportStatus: report.status, reportMeaning: status.meaning)
        }
    }

    static func sameSIM(_ r: SMSStatusReportDraft, iccid: String, modem: String) -> Bool {
        if let reportICCID = r.iccid { return SMSSIMChooser.sameICCID(reportICCID, iccid) }
        return r.modem == modem
    }

    /// The recipient as the SMSC writes it back may be national ("89161234567") where we sent
    /// international ("+79161234567"): the last 10 digits (a national significant number in
    /// most plans) decide; shorter numbers must match whole.
    static func samePeer(_ a: String, _ b: String) -> Bool {
        let x = a.filter(\.isNumber), y = b.filter(\.isNumber)
        if x.count < 10 || y.count < 10 { return x == y }
        return x.suffix(10) == y.suffix(10)
    }

    static func digest(_ s: String) -> String {
        SHA256.hash(data: Array(s.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Operator requests

    /// One `askOperator` call: which SIM asked whom, and where its reply goes.
    private struct ReplyWaiter {
        let id: UUID
        let iccid: String
        let modemID: String
        let replyFrom: String
        /// The request SMS, once queued.
        var requestID: Int64?
        var reply: SMSMessage?
        /// The request failed for good: no reply will come.
        var requestFailed = false
        var continuation: CheckedContinuation<SMSMessage?, Never>?
        var timeout: Task<Void, Never>?
    }

    /// What came of `askOperator`: the request as it stands, and the operator's reply.
    public struct OperatorExchange: Sendable {
        public var request: SMSMessage
        public var reply: SMSMessage?
    }

    /// Texts `text` to `to` through the SIM `iccid` (an operator's balance or number service)
    /// and waits up to `timeout` seconds for the SMS its operator sends back from `replyFrom`.
    /// The request goes through the outbox like any SMS (limits, pace, retries, history); the
    /// reply is stored and forwarded like any inbound SMS too. `reply` is nil when none came in
    /// time or the request failed (its `state` and `lastError` say). Throws what `send` throws.
    public func askOperator(iccid: String, modemID: String, to: String, text: String, replyFrom: String,
                            timeout: Double) async throws -> OperatorExchange {
        let id = UUID()
        // Registered before the request leaves: a fast operator answers within a second, and
        // the reply may land while `send` still writes the outbox.
        replyWaiters.append(ReplyWaiter(id: id, iccid: SMSSIMChooser.canonical(iccid), modemID: modemID, replyFrom: replyFrom))
        let request: SMSMessage
        do {
            request = try await send(SMSSendRequest(to: to, text: text, iccid: iccid, user: "simgate"))
        } catch {
            replyWaiters.removeAll { $0.id == id }
            throw error
        }
        let clock = self.clock
        let deadline = clock.now().addingTimeInterval(timeout)
        let reply = await withCheckedContinuation { (continuation: CheckedContinuation<SMSMessage?, Never>) in
            guard let index = replyWaiters.firstIndex(where: { $0.id == id }) else { return continuation.resume(returning: nil) }
            if replyWaiters[index].reply != nil || replyWaiters[index].requestFailed {
                return continuation.resume(returning: replyWaiters.remove(at: index).reply)
            }
            replyWaiters[index].requestID = request.id
            replyWaiters[index].continuation = continuation
            replyWaiters[index].timeout = Task { [weak self] in
                await clock.sleep(until: deadline)
                guard !Task.isCancelled else { return }
                await self?.resolveWaiter { $0.id == id }
            }
        }
        let latest = (try? await storage.read { tx in try tx.smsMessage(id: request.id, withParts: false) })??.message
        return OperatorExchange(request: latest ?? request, reply: reply)
    }

    /// Ends the first matching wait with `reply` (nil: timed out, or the request failed).
    private func resolveWaiter(with reply: SMSMessage? = nil, where matches: (ReplyWaiter) -> Bool) {
        guard let index = replyWaiters.firstIndex(where: matches) else { return }
        guard replyWaiters[index].continuation != nil else {
            // `askOperator` has not started waiting yet: it takes the outcome when it does.
            if let reply { replyWaiters[index].reply = reply } else { replyWaiters[index].requestFailed = true }
            return
        }
        let waiter = replyWaiters.remove(at: index)
        waiter.timeout?.cancel()
        waiter.continuation?.resume(returning: reply)
    }

    /// Hands an inbound message to the oldest request waiting for it: same SIM, sender as asked.
    private func answerWaiter(with message: SMSMessage) {
        resolveWaiter(with: message) { w in
            w.reply == nil && !w.requestFailed && Self.sameSender(message.peer, w.replyFrom)
                && (message.iccid.map { SMSSIMChooser.canonical($0) == w.iccid } ?? (message.modem == w.modemID))
        }
    }

    /// A numeric sender as `samePeer`; a name ("Vodafone") case-insensitively.
    static func sameSender(_ a: String, _ b: String) -> Bool {
        let numeric = { (s: String) in !s.isEmpty && s.allSatisfy { $0.isNumber || $0 == "+" } }
        if numeric(a), numeric(b) { return samePeer(a, b) }
        return a.caseInsensitiveCompare(b) == .orderedSame
    }

    // MARK: Reading

    public func message(id: Int64) async throws -> SMSMessage {
        guard var message = try await storage.read({ tx in try tx.smsMessage(id: id) })?.message else {
            throw SMSServiceError.notFound(id)
        }
        message.reports = message.reports?.map { report in
            var r = report
            r.meaning = DeliveryStatus(raw: UInt8(clamping: r.status)).meaning
            return r
        }
        return message
    }

    public func list(modem: String?, direction: SMSDirection?, since: Date?, limit: Int) async throws -> [SMSMessage] {
        try await storage.read { tx in try tx.smsMessages(modem: modem, direction: direction, since: since, limit: limit) }
    }
}

/// An outbound message's state from its parts' states.
public enum SMSOutboundState {
    public static func of(parts: [String]) -> SMSState? {
        guard !parts.isEmpty else { return nil }
        let final = parts.allSatisfy { $0 == "delivered" || $0 == "failed" }
        if final {
            if parts.allSatisfy({ $0 == "delivered" }) { return .delivered }
            if parts.allSatisfy({ $0 == "failed" }) { return .failed }
            return .partial
        }
        if parts.contains("failed") && !parts.contains("queued") && !parts.contains("sending") {
            return parts.contains("delivered") || parts.contains("sent") ? .partial : .failed
        }
        if parts.allSatisfy({ $0 == "sent" || $0 == "delivered" }) { return .sent }
        if parts.contains("sending") { return .sending }
        return .queued
    }
}
