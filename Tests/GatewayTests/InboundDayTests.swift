// A busy stretch of a dispatch office, live: customers call four SIMs at once (modemsim),
// two dispatchers' phones (pjsua2) answer, refuse or are busy, callers give up while ringing,
// one modem is unplugged mid-ring now and then, and a queue with a short maximum wait
// catches the overflow. The promise checked is the product's: every call ends either
// answered by a person or as exactly one entry in the missed-call list, and `simgate report`
// says what the call records say. (The 1,000-call day runs against the distributor with a
// virtual clock in InboundDistributorTests and CallReportTests; this is the same promise
// through real sockets, ptys and phones.)
import CallCore
import ControlModel
import Foundation
import TestSupport
import Testing
@testable import Gateway

@Suite("A live stretch of inbound calls: answered or missed, never lost", .serialized, .timeLimit(.minutes(6)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct InboundDayTests {
    enum Behaviour { case waits, abandonsRinging, modemFault }

    /// `INBOUND_DAY_CALLS` and `INBOUND_DAY_MODEMS` (4 to 18) make it a longer day when run by
    /// hand (e.g. 1000 calls on 16 SIMs); CI runs the default 36 calls on 4.
    static let calls = ProcessInfo.processInfo.environment["INBOUND_DAY_CALLS"].flatMap(Int.init) ?? 36
    static let modemCount = min(18, max(4, ProcessInfo.processInfo.environment["INBOUND_DAY_MODEMS"].flatMap(Int.init) ?? 4))

    @Test("a stretch of calls on several SIMs with refusals, abandons and modem faults: each answered or missed once; the report equals the records")
    func liveStretch() async throws {
        let modems = Array((["huawei1", "huawei2"] + bulkModems.map(\.name)).prefix(Self.modemCount))
        let total = Self.calls
        let (h, port) = try await GatewayHarness.startCallCenter(modems: modems, rules: """
            [[queue]]
            name = "main"
            members = ["alice", "bob"]
            ring_timeout = 4
            max_wait = 6

            [[inbound]]
            sims = ["*"]
            target = "queue:main"
            """)
        defer { Task { await h.stop() } }
        var rng = SplitMix64(seed: 2026)
        // About one answer in five is a refusal (486): the queue offers the call to the other.
        func codes() -> String { (0..<80).map { _ in rng.next() % 5 == 0 ? "486" : "200" }.joined(separator: ",") }
        let stop = h.directory + "/stop-phones"
        let common = ["ANSWER_AFTER": "1", "SECONDS": "2", "CALLS_EXPECTED": "200", "WAIT": "200", "PROCESS_TIMEOUT": "360",
                      "STOP_FILE": stop]
        let alice = h.dispatcher("alice", port: port, rtpBase: 40000, common.merging(["ANSWER_CODES": codes()]) { $1 })
        let bob = h.dispatcher("bob", port: port, rtpBase: 40200, common.merging(["ANSWER_CODES": codes()]) { $1 })
        try await h.waitForRegistered("alice", "bob")

        // Calls dealt to the SIMs in turn, one after another per SIM; the SIMs in parallel.
        var plan: [String: [(caller: String, behaviour: Behaviour)]] = [:]
        var n = 0
        for round in 0... {
            for modem in modems where n < total {
                n += 1
                let r = rng.next() % 10
                let behaviour: Behaviour = modem == "bulk02" && round % 3 == 1 ? .modemFault : (r < 2 ? .abandonsRinging : .waits)
                plan[modem, default: []].append((String(format: "+7903300%04d", n), behaviour))
            }
            if n >= total { break }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for modem in modems {
                let calls = plan[modem] ?? []
                group.addTask {
                    for call in calls {
                        _ = try await h.waitFor(modem, seconds: 30, "free for the next call") { $0.state == .free }
                        switch call.behaviour {
                        case .waits:
                            try await h.simulator.ringIn(modem, from: call.caller)
                        case .abandonsRinging:
                            try await h.simulator.ringIn(modem, from: call.caller, abandonAfter: 1.5)
                        case .modemFault:
                            try await h.simulator.ringIn(modem, from: call.caller)
                            try await Task.sleep(for: .milliseconds(700))
                            try await h.simulator.unplug(modem)
                            try await Task.sleep(for: .milliseconds(500))
                            try await h.simulator.replug(modem)
                        }
                        try await Task.sleep(for: .milliseconds(300))
                        _ = try await h.waitFor(modem, seconds: 30, "the call over") { $0.state != .ringing && $0.state != .active }
                    }
                }
            }
            try await group.waitForAll()
        }
        FileManager.default.createFile(atPath: stop, contents: nil)
        let callers = Set(plan.values.flatMap { $0.map(\.caller) })
        #expect(callers.count == total)

        // Every call: one closed inbound record.
        var rows: [CallDetail] = []
        try await eventually("every record closed", seconds: 30) {
            rows = try await h.running.storage.callRecords(limit: 10_000).filter { $0.direction == "inbound" }
            return rows.count >= total && rows.allSatisfy { $0.endAt != nil }
        }
        #expect(rows.count == total && Set(rows.compactMap(\.caller)) == callers, "\(rows.count) inbound records")
        let answered = Set(rows.filter { $0.answerAt != nil }.compactMap(\.caller))
        // Every unanswered call: exactly one missed entry, of one call (each caller called once).
        let entries = try await #require(h.running.inbound?.missedCalls).list(status: nil, since: nil, limit: 10_000)
        let missed = Set(entries.compactMap(\.caller))
        #expect(entries.allSatisfy { $0.callCount == 1 }, "\(entries.filter { $0.callCount != 1 })")
        #expect(entries.count == missed.count)
        #expect(answered.isDisjoint(with: missed), "answered and missed: \(answered.intersection(missed))")
        #expect(answered.union(missed) == callers, "lost: \(callers.subtracting(answered).subtracting(missed).sorted())")
        #expect(!answered.isEmpty && !missed.isEmpty, "the stretch had both outcomes: \(answered.count) answered")
        #expect(entries.contains { $0.reason == .modemFault } || rows.contains { $0.gsmCause == "modem-gone" && $0.answerAt != nil },
                "an unplugged modem's call is accounted for")
        let answeredBy = Dictionary(grouping: rows.filter { $0.answerAt != nil }, by: { $0.sipUser ?? "-" }).mapValues(\.count)
        #expect(Set(answeredBy.keys).isSubset(of: ["alice", "bob"]), "\(answeredBy)")

        // The report's numbers are the records' numbers.
        let outcome = await h.cli(["report", "--from", "1d", "--tz", "UTC", "--json"])
        #expect(outcome.exitCode == 0, "\(outcome.standardError)")
        let report = try ControlJSON.decoder().decode(CallReport.self, from: Data(outcome.standardOutput.utf8))
        #expect(report.total.callsIn == total && report.total.answeredIn == answered.count
                && report.total.missedIn == total - answered.count, "\(report.total)")
        print("inbound day: \(total) calls on \(modems.count) SIMs, \(answered.count) answered "
              + "(alice \(answeredBy["alice"] ?? 0), bob \(answeredBy["bob"] ?? 0)), \(missed.count) missed: "
              + Dictionary(grouping: entries, by: \.reason.rawValue).mapValues(\.count).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", "))
        for user in ["alice", "bob"] {
            let bucket = report.byDispatcher.first { $0.key == user }
            #expect((bucket?.answeredIn ?? 0) == (answeredBy[user] ?? 0), "\(user): \(String(describing: bucket))")
        }
        _ = try? await alice.report()
        _ = try? await bob.report()
    }
}
