// No inbound GSM call may vanish. Calls on SIMs an [[inbound]] rule covers are the call
// center's (it records its own missed calls and webhooks); every other ring (a modem's
// `inbound_user`, or nobody at all) is watched here: when it ends without having been
// answered, it is written to the missed-call list (caller or withheld, the modem/SIM it rang
// on, how long it rang, why), with call.ringing and call.ended webhooks around it.
import CallCore
import ControlModel
import Foundation
import Logging
import ModemCore
import Storage

actor InboundRingRecorder {
    private struct Ringing {
        var modem: String
        var caller: CallerID
        var startedAt: Date
        var answered = false
    }

    private enum Report: Sendable {
        case incoming(key: Int, modem: String, caller: CallerID, at: Date)
        case event(key: Int, CallEvent, at: Date)
    }

    private let missedCalls: MissedCallService
    private let publish: @Sendable (WebhookEventType, CallEventData, Date) async -> Void
    private let lineOf: @Sendable (String) async -> String?
    private let logger: Logger
    private var ringing: [Int: Ringing] = [:]
    /// Rings and their events, in the order the modems' event loops saw them.
    private let reports: AsyncStream<Report>
    private let continuation: AsyncStream<Report>.Continuation
    private var consumer: Task<Void, Never>?
    private let keys = Counter()
    /// Whether the call center takes the calls of a modem (then this recorder leaves them be).
    private var callCenterCovers: (@Sendable (String) async -> Bool)?

    func leaveToCallCenter(_ covers: @escaping @Sendable (_ modem: String) async -> Bool) {
        callCenterCovers = covers
    }

    init(missedCalls: MissedCallService, logger: Logger, lineOf: @escaping @Sendable (String) async -> String? = { _ in nil },
         publish: @escaping @Sendable (WebhookEventType, CallEventData, Date) async -> Void) {
        self.missedCalls = missedCalls; self.logger = logger; self.lineOf = lineOf; self.publish = publish
        (reports, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
    }

    /// Starts listening to `pool`'s inbound rings (present and future modems).
    func attach(to pool: ModemPool) async {
        let continuation = self.continuation, keys = self.keys
        // Observes (never claims): the call layer may answer the same call and ring phones.
        await pool.addInboundObserver { controller, event in
            // On the modem's event loop, in the order the modem reported them.
            if case .incoming(let caller) = event {
                let key = keys.start(ObjectIdentifier(controller))
                continuation.yield(.incoming(key: key, modem: controller.id, caller: caller, at: Date()))
            } else if let key = keys.current(ObjectIdentifier(controller)) {
                continuation.yield(.event(key: key, event, at: Date()))
            }
        }
        consumer = Task { [weak self] in
            guard let stream = await self?.reports else { return }
            for await report in stream { await self?.handle(report) }
        }
    }

    func stop() {
        continuation.finish()
        consumer?.cancel()
    }

    private func handle(_ report: Report) async {
        switch report {
        case .incoming(let key, let modem, let caller, let at):
            if let covers = callCenterCovers, await covers(modem) { return }
            ringing[key] = Ringing(modem: modem, caller: caller, startedAt: at)
            await publish(.callRinging, CallEventData(callID: "in-\(key)", direction: "inbound", caller: Self.number(caller), sim: modem), at)
        case .event(let key, let event, let at):
            guard var call = ringing[key] else { return }
            switch event {
            case .callerIdentified(let caller):
                call.caller = caller
                ringing[key] = call
            case .connected:
                call.answered = true
                ringing[key] = call
            case .ended(_, let cause, _):
                ringing[key] = nil
                await ended(key, call, cause: cause, at: at)
            default:
                break
            }
        }
    }

    private func ended(_ key: Int, _ call: Ringing, cause: CallEndCause, at: Date) async {
        let number = Self.number(call.caller)
        await publish(.callEnded, CallEventData(callID: "in-\(key)", direction: "inbound", caller: number, sim: call.modem,
                                                reason: cause.kind.rawValue, durationSeconds: at.timeIntervalSince(call.startedAt)), at)
        guard !call.answered else { return }
        let reason: MissedCallReason = [.modemGone, .modemError].contains(cause.kind) ? .modemFault : .callerHungUpRinging
        let missed = MissedCall(caller: number, sim: call.modem, line: await lineOf(call.modem), startedAt: call.startedAt,
                                endedAt: at, reason: reason)
        do {
            try await missedCalls.record(missed)
        } catch {
            logger.critical("missed call NOT recorded", metadata: ["caller": "\(call.caller.display)", "modem": "\(call.modem)",
                                                                   "error": "\(error)"])
        }
    }

    static func number(_ caller: CallerID) -> String? {
        if case .number(let n) = caller { return n }
        return nil
    }
}

/// Ids for rings, taken on the modems' event loops.
/// Numbers inbound calls, and remembers each modem's current one.
private final class Counter: Sendable {
    private let state = Mutex<(last: Int, current: [ObjectIdentifier: Int])>((0, [:]))
    func start(_ modem: ObjectIdentifier) -> Int {
        state.withLock { $0.last += 1; $0.current[modem] = $0.last; return $0.last }
    }
    func current(_ modem: ObjectIdentifier) -> Int? { state.withLock { $0.current[modem] } }
}

import Synchronization
