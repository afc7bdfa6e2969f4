// Ring groups and queues, driven with a virtual clock: every action the bridge would carry
// out is checked, in order.
@testable import CallCore
import ControlModel
import Foundation
import SimgateConfig
import TestSupport
import Testing

private let t0 = Date(timeIntervalSince1970: 1_760_000_000)   // Thu 2025-10-09 08:53:20 UTC
private func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }
private let alice = InboundMember.user("alice"), bob = InboundMember.user("bob"), carol = InboundMember.user("carol")
private let boss = InboundMember.number("+79160000009")

private typealias A = InboundDistributor.Action

private func config(strategy: RingGroupConfig.Strategy = .parallel, members: [InboundMember] = [alice, bob, carol],
                    overflow: InboundTarget? = nil, rule: InboundRuleConfig? = nil, queue: QueueConfig? = nil,
                    extraGroups: [RingGroupConfig] = []) -> InboundConfig {
    InboundConfig(
        ringGroups: [RingGroupConfig(name: "day", strategy: strategy, members: members, memberTimeoutSeconds: 10, timeoutSeconds: 25,
                                     overflow: overflow)] + extraGroups,
        queues: queue.map { [$0] } ?? [],
        rules: [rule ?? InboundRuleConfig(sims: ["huawei1"], target: .ringGroup("day"))])
}

private func missed(_ actions: [A]) -> [MissedCall] {
    actions.compactMap { if case .recordMissed(let m, _) = $0 { return m } else { return nil } }
}

@Suite("InboundDistributor: ring groups")
struct RingGroupTests {
    @Test func parallelRingsEveryFreeMemberAndStopsTheOthersWhenOneAnswers() {
        var d = InboundDistributor(config: config())
        d.memberBusy(carol)
        #expect(d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0)
            == [.ring("c1", alice), .ring("c1", bob)])
        #expect(!d.isFree(alice) && !d.isFree(bob))
        #expect(d.memberAnswered("c1", member: bob, now: at(4)) == [.stopRinging("c1", alice), .answerGSM("c1"), .connect("c1", bob)])
        #expect(d.isFree(alice) && !d.isFree(bob))
        #expect(d.nextDeadline == nil)
        #expect(d.tick(now: at(100)) == [])
        // A late answer from alice after bob took it: stop her phone, nothing else.
        #expect(d.memberAnswered("c1", member: alice, now: at(5)) == [.stopRinging("c1", alice)])
        #expect(d.callEnded("c1", now: at(60)) == [])
        #expect(d.isFree(bob) && d.activeCallCount == 0)
    }

    @Test func sequentialMovesOnAfterEachMemberTimeoutThenOverflows() {
        var d = InboundDistributor(config: config(strategy: .sequential, members: [alice, bob], overflow: .number("+79160000009")))
        #expect(d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0) == [.ring("c1", alice)])
        #expect(d.nextDeadline == at(10))
        #expect(d.tick(now: at(9.9)) == [])
        #expect(d.tick(now: at(10)) == [.stopRinging("c1", alice), .ring("c1", bob)])
        // Bob declines (486): straight back to alice, the list cycles.
        #expect(d.memberDeclined("c1", member: bob, now: at(12)) == [.ring("c1", alice)])
        // Alice rings out again; bob refused this call, so he is not rung again: alice's third turn.
        #expect(d.nextDeadline == at(22))
        #expect(d.tick(now: at(22)) == [.stopRinging("c1", alice), .ring("c1", alice)])
        // The group timeout (25 s) cuts it short and overflows to the boss's mobile.
        #expect(d.nextDeadline == at(25))
        #expect(d.tick(now: at(25)) == [.stopRinging("c1", alice), .ring("c1", boss)])
        #expect(d.memberAnswered("c1", member: boss, now: at(31)) == [.answerGSM("c1"), .connect("c1", boss)])
    }

    /// A sequential group whose members all refuse (or are not registered) overflows at once
    /// instead of ringing the same phones again in a loop until the group timeout.
    @Test func sequentialGroupWhoseMembersAllRefuseOverflowsAtOnce() {
        var d = InboundDistributor(config: config(strategy: .sequential, members: [alice, bob], overflow: .user("carol")))
        #expect(d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0) == [.ring("c1", alice)])
        #expect(d.memberDeclined("c1", member: alice, now: at(0.1)) == [.ring("c1", bob)])
        #expect(d.memberDeclined("c1", member: bob, now: at(0.2)) == [.ring("c1", carol)])
    }

    @Test func groupTimeoutWithoutOverflowIsOneMissedCallRangOut() {
        var d = InboundDistributor(config: config())
        _ = d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], line: "+79160000002", now: t0)
        let actions = d.tick(now: at(30))
        #expect(actions.prefix(4) == [.stopRinging("c1", alice), .stopRinging("c1", bob), .stopRinging("c1", carol), .hangUpGSM("c1")])
        #expect(missed(actions) == [MissedCall(caller: "+79161234567", sim: "huawei1", line: "+79160000002", startedAt: t0,
                                               endedAt: at(25), reason: .rangOut)])
        #expect(actions.count == 5)
        #expect(d.activeCallCount == 0 && d.tick(now: at(100)) == [])
    }

    @Test func overflowToAReserveGroupThenMissed() {
        let reserve = RingGroupConfig(name: "reserve", members: [boss], timeoutSeconds: 15)
        var d = InboundDistributor(config: config(members: [alice], overflow: .ringGroup("reserve"), extraGroups: [reserve]))
        _ = d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0)
        #expect(d.tick(now: at(25)) == [.stopRinging("c1", alice), .ring("c1", boss)])
        let actions = d.tick(now: at(40))
        #expect(actions.prefix(2) == [.stopRinging("c1", boss), .hangUpGSM("c1")])
        #expect(missed(actions).map(\.reason) == [.rangOut])
        #expect(missed(actions).first?.waitedSeconds == 40)
    }

    @Test func everyMemberBusyGoesStraightToOverflowOrMissedAllBusy() {
        var d = InboundDistributor(config: config(members: [alice, bob]))
        d.memberBusy(alice)
        d.memberBusy(bob)
        let actions = d.incomingCall("c1", caller: nil, sim: "huawei1", simIdentifiers: [], now: t0)
        #expect(actions.first == .hangUpGSM("c1"))
        #expect(missed(actions) == [MissedCall(caller: nil, sim: "huawei1", startedAt: t0, endedAt: t0, reason: .allBusy)])
    }

    @Test func callerHangsUpWhileRingingExactlyOneMissedEntry() {
        var d = InboundDistributor(config: config())
        _ = d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0)
        let actions = d.callerHungUp("c1", now: at(7))
        #expect(actions.prefix(3) == [.stopRinging("c1", alice), .stopRinging("c1", bob), .stopRinging("c1", carol)])
        #expect(!actions.contains(.hangUpGSM("c1")))   // the caller is already gone
        #expect(missed(actions).map(\.reason) == [.callerHungUpRinging])
        #expect(missed(actions).first?.waitedSeconds == 7)
        #expect(d.callerHungUp("c1", now: at(8)) == [])
        #expect(d.tick(now: at(100)) == [])
    }

    @Test func modemFaultWhileRingingIsMissedWithThatReason() {
        var d = InboundDistributor(config: config(members: [alice]))
        _ = d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0)
        let actions = d.modemFailed("c1", now: at(3))
        #expect(actions.first == .stopRinging("c1", alice))
        #expect(missed(actions).map(\.reason) == [.modemFault])
        #expect(d.isFree(alice))
    }

    @Test func overflowCyclesEndAsMissed() {
        let a = RingGroupConfig(name: "a", members: [alice], timeoutSeconds: 5, overflow: .ringGroup("b"))
        let b = RingGroupConfig(name: "b", members: [bob], timeoutSeconds: 5, overflow: .ringGroup("a"))
        var d = InboundDistributor(config: InboundConfig(ringGroups: [a, b], rules: [InboundRuleConfig(sims: ["*"], target: .ringGroup("a"))]))
        _ = d.incomingCall("c1", caller: "+79161234567", sim: "any", simIdentifiers: [], now: t0)
        var all: [A] = []
        for s in stride(from: 5.0, through: 100, by: 5) { all += d.tick(now: at(s)) }
        #expect(missed(all).count == 1)
        #expect(missed(all).first?.endedAt == at(Double(InboundDistributor.maximumTargetHops) * 5))
        #expect(d.activeCallCount == 0)
    }

    @Test func simsWithoutARuleAreLeftToTheBridge() {
        var d = InboundDistributor(config: config())
        #expect(d.incomingCall("c1", caller: "+79161234567", sim: "quectel1", simIdentifiers: ["8970199000000000025"], now: t0) == [])
        #expect(d.activeCallCount == 0)
        #expect(d.incomingCall("c2", caller: "+79161234567", sim: "x", simIdentifiers: ["huawei1"], now: t0).count == 3)
    }
}

@Suite("InboundDistributor: queue, hours")
struct QueueTests {
    let queue = QueueConfig(name: "main", members: [alice, bob], ringTimeoutSeconds: 10, maxWaitSeconds: 120,
                            holdMusic: "/etc/simgate/hold.wav", prompt: "/etc/simgate/wait.wav", promptIntervalSeconds: 30)

    @Test func allBusyQueuesWithMusicAndConnectsWhenAMemberFrees() {
        var d = InboundDistributor(config: config(members: [alice, bob], overflow: .queue("main"), queue: queue))
        d.memberBusy(alice)
        d.memberBusy(bob)
        #expect(d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0)
            == [.answerGSM("c1"), .playHoldMusic("c1", file: "/etc/simgate/hold.wav")])
        #expect(d.waiting(in: "main") == ["c1"])
        #expect(d.tick(now: at(30)) == [.playPrompt("c1", file: "/etc/simgate/wait.wav")])
        #expect(d.tick(now: at(59)) == [])
        #expect(d.tick(now: at(60)) == [.playPrompt("c1", file: "/etc/simgate/wait.wav")])
        // Bob hangs up his other call: the queued caller's offer rings him.
        #expect(d.memberFree(bob, now: at(61)) == [.ring("c1", bob)])
        #expect(d.memberAnswered("c1", member: bob, now: at(64)) == [.connect("c1", bob)])   // already off hook
        #expect(d.waiting(in: "main") == [])
        #expect(d.tick(now: at(500)) == [])
    }

    /// A member whose phone refuses or cannot be reached (not registered) is left out for one
    /// ring timeout: offering the call again at once would loop (refuse, offer, refuse...).
    @Test func refusedOfferIsNotRepeatedUntilTheRingTimeoutPasses() {
        var d = InboundDistributor(config: config(rule: InboundRuleConfig(sims: ["*"], target: .queue("main")),
                                                  queue: QueueConfig(name: "main", members: [alice], ringTimeoutSeconds: 15, maxWaitSeconds: 120)))
        #expect(d.incomingCall("c1", caller: "+79161111111", sim: "huawei1", simIdentifiers: [], now: t0) == [.ring("c1", alice)])
        #expect(d.memberDeclined("c1", member: alice, now: at(1)) == [.answerGSM("c1"), .playHoldMusic("c1", file: nil)])
        #expect(d.nextDeadline == at(16))
        #expect(d.tick(now: at(15.9)) == [])
        #expect(d.tick(now: at(16)) == [.ring("c1", alice)])
        #expect(d.memberAnswered("c1", member: alice, now: at(18)) == [.connect("c1", alice)])
    }

    @Test func longestWaitingCallerGoesFirst() {
        var d = InboundDistributor(config: config(rule: InboundRuleConfig(sims: ["*"], target: .queue("main")), queue: queue))
        d.memberBusy(alice)
        d.memberBusy(bob)
        _ = d.incomingCall("c1", caller: "+79161111111", sim: "huawei1", simIdentifiers: [], now: t0)
        _ = d.incomingCall("c2", caller: "+79162222222", sim: "huawei1", simIdentifiers: [], now: at(5))
        _ = d.incomingCall("c3", caller: "+79163333333", sim: "huawei1", simIdentifiers: [], now: at(7))
        #expect(d.waiting(in: "main") == ["c1", "c2", "c3"])
        #expect(d.memberFree(alice, now: at(20)) == [.ring("c1", alice)])
        #expect(d.memberFree(bob, now: at(21)) == [.ring("c2", bob)])
        // Alice lets it ring out: c1 is still first in line and she is the only free member.
        #expect(d.tick(now: at(30)) == [.stopRinging("c1", alice), .ring("c1", alice), .playPrompt("c1", file: "/etc/simgate/wait.wav")])
        #expect(d.memberAnswered("c2", member: bob, now: at(31)) == [.connect("c2", bob)])
        #expect(d.callEnded("c2", now: at(90)) == [.ring("c3", bob)])
    }

    @Test func freeMemberIsRungBeforeAnsweringAndMusicOnlyWhenTheOfferLapses() {
        var d = InboundDistributor(config: config(rule: InboundRuleConfig(sims: ["*"], target: .queue("main")), queue: queue))
        d.memberBusy(bob)
        #expect(d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0) == [.ring("c1", alice)])
        // Alice lets it ring: the caller is answered and hears music while she is offered it again.
        #expect(d.tick(now: at(10)) == [.stopRinging("c1", alice), .answerGSM("c1"), .playHoldMusic("c1", file: "/etc/simgate/hold.wav"),
                                        .ring("c1", alice)])
        #expect(d.memberFree(bob, now: at(12)) == [])   // c1's offer is still ringing alice
        #expect(d.memberAnswered("c1", member: alice, now: at(14)) == [.connect("c1", alice)])
    }

    @Test func callerHangsUpWhileQueuedOneMissedEntry() {
        var d = InboundDistributor(config: config(rule: InboundRuleConfig(sims: ["*"], target: .queue("main")), queue: queue))
        d.memberBusy(alice)
        d.memberBusy(bob)
        _ = d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0)
        let actions = d.callerHungUp("c1", now: at(45))
        #expect(actions == [.recordMissed(MissedCall(caller: "+79161234567", sim: "huawei1", startedAt: t0, endedAt: at(45),
                                                     reason: .callerHungUpQueued), ruleIndex: 0)])
        #expect(d.tick(now: at(1000)) == [])
    }

    @Test func maxWaitOverflowsOrEndsMissedQueueTimeout() {
        var overflowQueue = queue
        overflowQueue.overflow = .user("manager")
        var d = InboundDistributor(config: config(rule: InboundRuleConfig(sims: ["*"], target: .queue("main")), queue: overflowQueue))
        d.memberBusy(alice)
        d.memberBusy(bob)
        _ = d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0)
        _ = d.tick(now: at(119))
        #expect(d.tick(now: at(120)) == [.ring("c1", .user("manager"))])
        let end = d.tick(now: at(150))
        #expect(end.prefix(2) == [.stopRinging("c1", .user("manager")), .hangUpGSM("c1")])
        #expect(missed(end).map(\.reason) == [.rangOut])

        var plain = InboundDistributor(config: config(rule: InboundRuleConfig(sims: ["*"], target: .queue("main")), queue: queue))
        plain.memberBusy(alice)
        plain.memberBusy(bob)
        _ = plain.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0)
        let timeout = plain.tick(now: at(120))
        #expect(timeout.contains(.hangUpGSM("c1")))
        #expect(missed(timeout).map(\.reason) == [.queueTimeout])
        #expect(missed(timeout).first?.waitedSeconds == 120)
    }

    @Test func afterHoursTargetOrMissedAfterHours() throws {
        // Mon-Fri 09:00-18:00 Moscow (UTC+3). t0 is Thursday 08:53 UTC = 11:53 Moscow: open.
        let hours = try WeeklySchedule.parse("mon-fri 09:00-18:00").get()
        let rule = InboundRuleConfig(sims: ["*"], target: .ringGroup("day"), hours: hours, timeZone: "Europe/Moscow",
                                     afterHours: .user("night"))
        var d = InboundDistributor(config: config(members: [alice], rule: rule))
        #expect(d.incomingCall("c1", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: t0) == [.ring("c1", alice)])
        let evening = at(8 * 3600)   // 19:53 Moscow
        #expect(d.incomingCall("c2", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: evening) == [.ring("c2", .user("night"))])
        var closed = InboundDistributor(config: config(members: [alice], rule: InboundRuleConfig(
            sims: ["*"], target: .ringGroup("day"), hours: hours, timeZone: "Europe/Moscow")))
        let actions = closed.incomingCall("c3", caller: "+79161234567", sim: "huawei1", simIdentifiers: [], now: evening)
        #expect(missed(actions).map(\.reason) == [.afterHours])
    }

    /// A scripted day: 1,000 calls with random answers, declines, hang-ups, modem faults and
    /// busy agents. Every call ends connected or with exactly one missed record; nobody rings
    /// for two calls at once or while busy.
    @Test func scriptedDayEveryCallEndsAnsweredOrMissedOnce() {
        var rng = SplitMix64(seed: 20251009)
        let members = [alice, bob, carol, boss]
        let reserve = RingGroupConfig(name: "reserve", strategy: .sequential, members: [carol, boss], memberTimeoutSeconds: 8,
                                      timeoutSeconds: 20, overflow: .queue("main"))
        var q = queue
        q.members = members
        let cfg = InboundConfig(
            ringGroups: [RingGroupConfig(name: "day", members: [alice, bob], timeoutSeconds: 15, overflow: .ringGroup("reserve")), reserve],
            queues: [q], rules: [InboundRuleConfig(sims: ["*"], target: .ringGroup("day"))])
        var d = InboundDistributor(config: cfg)
        var ringing: [InboundMember: String] = [:]
        var connected: [String: InboundMember] = [:]
        var missedCount: [String: Int] = [:]
        var answeredCalls = Set<String>()
        var busy = Set<InboundMember>()
        var now = t0
        var violations: [String] = []

        func apply(_ actions: [A]) {
            for a in actions {
                switch a {
                case .ring(let c, let m):
                    if let other = ringing[m] { violations.append("\(m) rung for \(c) while ringing for \(other)") }
                    if busy.contains(m) || connected.values.contains(m) { violations.append("\(m) rung for \(c) while busy") }
                    ringing[m] = c
                case .stopRinging(let c, let m): if ringing[m] == c { ringing[m] = nil }
                case .connect(let c, let m):
                    if ringing[m] == c { ringing[m] = nil }
                    connected[c] = m
                    answeredCalls.insert(c)
                case .recordMissed(let m, _): missedCount[m.caller ?? "?", default: 0] += 1
                default: break
                }
            }
        }

        for i in 0..<1000 {
            now = now.addingTimeInterval(Double(rng.next() % 40))
            apply(d.tick(now: now))
            let id = "call\(i)"
            apply(d.incomingCall(id, caller: id, sim: "huawei1", simIdentifiers: [], now: now))
            // Random things happen to calls in flight.
            for (m, c) in ringing.sorted(by: { $0.value < $1.value }) {
                switch rng.next() % 10 {
                case 0, 1, 2: apply(d.memberAnswered(c, member: m, now: now))
                case 3:
                    ringing[m] = nil   // their phone stopped by itself (486 / reject)
                    apply(d.memberDeclined(c, member: m, now: now))
                default: break
                }
            }
            for (c, _) in connected.sorted(by: { $0.key < $1.key }) where rng.next() % 3 == 0 {
                connected[c] = nil
                apply(d.callEnded(c, now: now))
            }
            if rng.next() % 17 == 0 {
                let c = "call\(Int(rng.next() % UInt64(i + 1)))"
                connected[c] = nil
                apply(d.callerHungUp(c, now: now))
            }
            if rng.next() % 53 == 0 {
                let c = "call\(Int(rng.next() % UInt64(i + 1)))"
                connected[c] = nil
                apply(d.modemFailed(c, now: now))
            }
            let m = members[Int(rng.next() % 4)]
            if busy.contains(m) { busy.remove(m); apply(d.memberFree(m, now: now)) }
            else if !connected.values.contains(m), ringing[m] == nil, rng.next() % 4 == 0 { busy.insert(m); d.memberBusy(m) }
        }
        // Let the day run out: every remaining timer fires, connected calls end.
        for _ in 0..<400 {
            now = now.addingTimeInterval(5)
            for (c, _) in connected.sorted(by: { $0.key < $1.key }) { connected[c] = nil; apply(d.callEnded(c, now: now)) }
            for m in busy { apply(d.memberFree(m, now: now)) }
            busy = []
            apply(d.tick(now: now))
        }
        #expect(violations.isEmpty, "\(violations.prefix(5))")
        #expect(d.activeCallCount == 0)
        var unaccounted = 0, doubled = 0
        for i in 0..<1000 {
            let id = "call\(i)"
            let m = missedCount[id, default: 0]
            if m > 1 { doubled += 1 }
            if m == 0 && !answeredCalls.contains(id) { unaccounted += 1 }
            if m == 1 && answeredCalls.contains(id) { doubled += 1 }
        }
        #expect(unaccounted == 0)
        #expect(doubled == 0)
        #expect(answeredCalls.count > 100 && missedCount.count > 100, "answered \(answeredCalls.count), missed \(missedCount.count)")
    }
}
