// The inbound call center with a virtual clock: the distributor's actions reach the call
// legs, missed calls land in SQLite, recall and manual callbacks go through the dialer seam,
// and call.* webhooks are queued.
import CallCore
import ControlModel
import Foundation
import SimgateConfig
import Storage
import Synchronization
import TestSupport
import Testing
@testable import Gateway

private let t0 = Date(timeIntervalSince1970: 1_760_000_000)

/// The call bridge as the tests see it: every request is written down, in order.
final class RecordingLegs: InboundCallLegs {
    let log = Mutex<[String]>([])
    var entries: [String] { log.withLock { $0 } }
    func take() -> [String] { log.withLock { l in defer { l = [] }; return l } }
    private func note(_ s: String) { log.withLock { $0.append(s) } }
    func ring(_ callID: String, _ member: InboundMember) async { note("ring \(callID) \(member)") }
    func stopRinging(_ callID: String, _ member: InboundMember) async { note("stop \(callID) \(member)") }
    func answerGSM(_ callID: String) async { note("answer \(callID)") }
    func playHoldMusic(_ callID: String, file: String?) async { note("music \(callID) \(file ?? "default")") }
    func playPrompt(_ callID: String, file: String) async { note("prompt \(callID) \(file)") }
    func connect(_ callID: String, _ member: InboundMember) async { note("connect \(callID) \(member)") }
    func hangUpGSM(_ callID: String) async { note("hangup \(callID)") }
}

/// A dialer that answers each callback with the next scripted outcome.
final class ScriptedDialer: CallbackDialer {
    let outcomes: Mutex<[CallbackOutcome]>
    let requests = Mutex<[CallbackRequest]>([])
    init(_ outcomes: [CallbackOutcome]) { self.outcomes = Mutex(outcomes) }
    func dial(_ request: CallbackRequest) async -> CallbackOutcome {
        requests.withLock { $0.append(request) }
        return outcomes.withLock { $0.isEmpty ? .failed : $0.removeFirst() }
    }
    var dialled: [CallbackRequest] { requests.withLock { $0 } }
}

@Suite("InboundCallCenter: distributor, missed list, recall and webhooks together")
struct InboundCallCenterTests {
    let hook = WebhookConfig(name: "crm", url: "http://127.0.0.1:9/x", host: "127.0.0.1", port: 9, path: "/x",
                             secret: SecretString("0123456789abcdef"))

    func make(recall: RecallConfig? = RecallConfig(delaysSeconds: [60, 300]), outcomes: [CallbackOutcome] = [])
        throws -> (InboundCallCenter, RecordingLegs, ScriptedDialer, MissedCallService, Storage, VirtualClock) {
        let config = InboundConfig(
            webhooks: [hook],
            ringGroups: [RingGroupConfig(name: "day", members: [.user("alice"), .user("bob")], timeoutSeconds: 25)],
            rules: [InboundRuleConfig(sims: ["huawei1"], target: .ringGroup("day"), recall: recall)])
        let storage = try Storage.inMemory()
        let clock = VirtualClock(t0)
        let outbox = WebhookOutbox(webhooks: config.webhooks)
        let missed = MissedCallService(storage: storage, outbox: outbox, clock: clock.function)
        let legs = RecordingLegs(), dialer = ScriptedDialer(outcomes)
        let center = InboundCallCenter(config: config, legs: legs, dialer: dialer, missedCalls: missed, storage: storage,
                                       outbox: outbox, clock: clock.function)
        return (center, legs, dialer, missed, storage, clock)
    }

    func eventTypes(_ storage: Storage) async throws -> [String] {
        try await storage.read { tx in try tx.webhookDeliveries(states: [.pending], limit: 100) }.map(\.eventType)
    }

    /// The timer loop sleeps when there is nothing to do. (It once woke itself after every
    /// tick and spun a whole core while the daemon was idle.)
    @Test func idleTimerLoopSleeps() async throws {
        let (center, _, _, _, _, _) = try make()
        await center.start(idleSeconds: 0.05)
        try await Task.sleep(for: .milliseconds(500))
        let passes = await center.loopPasses
        await center.stop()
        // 0.5 s of 50 ms sleeps is about 10 passes; a spinning loop makes thousands.
        #expect(passes >= 2 && passes <= 40, "\(passes) passes in 0.5 s")
    }

    @Test func answeredCallClosesTheCallersOpenEntryAndPublishesCallEvents() async throws {
        let (center, legs, _, missed, storage, clock) = try make()
        let earlier = try await missed.record(MissedCall(caller: "+79161234567", sim: "huawei1", startedAt: t0.addingTimeInterval(-600),
                                                          endedAt: t0.addingTimeInterval(-580), reason: .rangOut))
        #expect(await center.incomingCall("c1", caller: "+79161234567", sim: "huawei1"))
        #expect(await center.incomingCall("c2", caller: "+79161234567", sim: "quectel1") == false)   // no rule: the bridge's default
        #expect(legs.take() == ["ring c1 user:alice", "ring c1 user:bob"])
        clock.advance(6)
        await center.memberAnswered("c1", member: .user("bob"))
        #expect(legs.take() == ["stop c1 user:alice", "answer c1", "connect c1 user:bob"])
        let closed = try await missed.entry(id: earlier.id)
        #expect(closed.status == .closed && closed.closedBy == "auto" && closed.note == "answered inbound call (user:bob)")
        clock.advance(120)
        await center.callEnded("c1")
        #expect(try await eventTypes(storage) == ["call.missed", "missed.updated", "call.ringing", "call.answered", "missed.updated", "call.ended"])
    }

    @Test func rangOutIsRecordedThenRecalledOnScheduleUntilTheCustomerIsReached() async throws {
        let (center, legs, dialer, missed, _, clock) = try make(outcomes: [.customerNoAnswer, .connected])
        _ = await center.incomingCall("c1", caller: "+79161234567", sim: "huawei1", line: "+79160000002")
        #expect(await center.nextDeadline == t0.addingTimeInterval(25))
        clock.advance(25)
        await center.tick()
        #expect(legs.take() == ["ring c1 user:alice", "ring c1 user:bob", "stop c1 user:alice", "stop c1 user:bob", "hangup c1"])
        let entry = try #require(try await missed.list(status: nil, since: nil).first)
        #expect(entry.reason == .rangOut && entry.waitedSeconds == 25 && entry.line == "+79160000002")
        #expect(await center.recallsScheduled == 1)
        #expect(await center.nextDeadline == t0.addingTimeInterval(25 + 60))

        clock.advance(60)
        await center.tick()
        await center.waitForCallbacks()
        #expect(dialer.dialled.map(\.customer) == ["+79161234567"])
        #expect(dialer.dialled.first?.preferredSIM == "huawei1" && dialer.dialled.first?.user == "ring_group:day")
        #expect(await center.nextDeadline == t0.addingTimeInterval(25 + 300))
        clock.advance(240)
        await center.tick()
        await center.waitForCallbacks()
        #expect(dialer.dialled.count == 2)
        #expect(await center.recallsScheduled == 0)
        let after = try await missed.entry(id: entry.id)
        #expect(after.history?.filter { $0.kind == "recall" }.map(\.result) == ["no-answer", "connected"])
        #expect(after.callbackResult == "connected" && after.status == .calledBack)
    }

    @Test func aCustomerWhoGetsThroughCancelsTheRecall() async throws {
        let (center, legs, dialer, _, _, clock) = try make()
        _ = await center.incomingCall("c1", caller: "+79161234567", sim: "huawei1")
        await center.callerHungUp("c1")
        #expect(await center.recallsScheduled == 1)
        clock.advance(30)
        _ = await center.incomingCall("c2", caller: "+79161234567", sim: "huawei1")
        await center.memberAnswered("c2", member: .user("alice"))
        #expect(await center.recallsScheduled == 0)
        clock.advance(600)
        await center.tick()
        await center.waitForCallbacks()
        #expect(dialer.dialled.isEmpty)
        #expect(legs.entries.contains("connect c2 user:alice"))
    }

    @Test func manualCallbacksAreDialledOnceAndRecorded() async throws {
        let (center, _, dialer, missed, _, _) = try make(recall: nil, outcomes: [.customerBusy])
        let entry = try await missed.record(MissedCall(caller: "+79161234567", sim: "quectel1", startedAt: t0, endedAt: t0, reason: .allBusy))
        _ = try await missed.requestCallback(id: entry.id, user: "alice")
        await center.tick()
        await center.tick()
        await center.waitForCallbacks()
        await center.tick()
        await center.waitForCallbacks()
        #expect(dialer.dialled == [CallbackRequest(taskID: 1, missedCallID: entry.id, user: "alice", customer: "+79161234567",
                                                   preferredSIM: "quectel1")])
        let after = try await missed.entry(id: entry.id)
        #expect(after.callbackResult == "busy" && after.calledBackBy == "alice")
        #expect(try await missed.pendingCallbacks().isEmpty)
    }
}
