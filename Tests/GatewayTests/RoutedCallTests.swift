// Issue 5's end-to-end case: a dispatcher's phone (pjsua2) calls mobile numbers through the
// gateway; the router sends each call through the SIM of the callee's operator, and when
// that SIM is over its daily limit, or busy with another call, the call takes the next SIM.
// The CDRs say which.
import ControlModel
import Foundation
import ModemSimulator
import Testing

@Suite("Routed calls: on-net SIM first, next SIM over the limit (pjsua2 phone)", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct RoutedCallTests {
    @Test("MTS number leaves through the MTS SIM, Beeline number through the Beeline SIM, then huawei1 once Beeline's minute is used")
    func callsFollowTheOperator() async throws {
        // huawei1 holds an MTS SIM (250-01), quectel1 a Beeline SIM (250-99) with one minute a day.
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            [routing]
            home_country = "ru"
            time_zone = "Europe/Moscow"
            registry = ["\(numberingData)/rossvyaz/DEF-9xx.csv"]

            [[sim]]
            modem = "quectel1"
            minutes_per_day = 1
            """, tail: GatewayHarness.sipTail)
        defer { Task { await h.stop() } }
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        for m in ["huawei1", "quectel1"] {
            try await h.waitFor(m, "free") { $0.state == .free }
            for number in ["+79161234567", "+79030123456"] {
                try await h.simulator.setCallee(m, CalleeRule(pattern: number, behaviour: .answer(after: 0.3, dropAfter: nil)))
            }
        }

        func call(_ number: String) async throws -> CallDetail {
            let before = try await h.records().count
            let report = try await Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                               env: ["MODE": "call", "NUMBER": number, "SECONDS": "2"]).report()
            let c = try #require(report.calls.first)
            #expect(c.confirmed, "\(number): \(c)")
            let rows = try await h.closedRecords(count: before + 1)
            for m in ["huawei1", "quectel1"] { try await h.waitFor(m, "free") { $0.state == .free } }
            return try #require(rows.last)
        }

        let mts = try await call("+79161234567")
        #expect(mts.modemID == "huawei1", "MTS callee, MTS SIM: \(mts)")
        #expect(mts.calleeNormalized == "+79161234567" && mts.calleeOperatorMCCMNC == "250-01" && mts.lookupSource == "registry"
                && mts.routeRank == 1, "the CDR says what the router decided: \(mts)")
        let beeline = try await call("+79030123456")
        #expect(beeline.modemID == "quectel1", "Beeline callee, Beeline SIM: \(beeline)")
        #expect(beeline.calleeOperatorMCCMNC == "250-99" && beeline.calleeOperatorName == "Beeline" && beeline.routeRank == 1, "\(beeline)")

        // That answered call used quectel1's one daily minute (billed up to the minute):
        // the router now rejects it, with the reason, and the next Beeline call goes off-net.
        var explained = ""
        for _ in 0..<50 {
            explained = await h.cli(["route", "explain", "+79030123456"]).standardOutput
            if explained.contains("rejected: daily minutes 1/1 reached") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(explained.contains("quectel1  250-99  rejected: daily minutes 1/1 reached"), "\(explained)")
        let overLimit = try await call("+79030123456")
        #expect(overLimit.modemID == "huawei1", "Beeline SIM over its limit, next SIM: \(overLimit)")
        #expect(overLimit.calleeOperatorMCCMNC == "250-99" && overLimit.routeRank == 1, "quectel1 was rejected, so huawei1 ranks first: \(overLimit)")
    }

    @Test("the MTS SIM is busy with a call: the next MTS call leaves through the Beeline SIM, and its CDR says so")
    func busyOnNetSIM() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            [routing]
            home_country = "ru"
            time_zone = "Europe/Moscow"
            registry = ["\(numberingData)/rossvyaz/DEF-9xx.csv"]
            """, tail: GatewayHarness.sipTail)
        defer { Task { await h.stop() } }
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        for m in ["huawei1", "quectel1"] {
            try await h.waitFor(m, "free") { $0.state == .free }
            for number in ["+79161234567", "+79161234568"] {
                try await h.simulator.setCallee(m, CalleeRule(pattern: number, behaviour: .answer(after: 0.3, dropAfter: nil)))
            }
        }
        // A first MTS call holds huawei1 (the MTS SIM) for 8 s.
        let held = Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                               env: ["MODE": "call", "NUMBER": "+79161234567", "SECONDS": "8"])
        let answered = try await h.waitForAnswered(1)
        #expect(answered.first?.modemID == "huawei1", "\(answered)")
        let explained = await h.cli(["route", "explain", "+79161234568"]).standardOutput
        #expect(explained.contains("huawei1  250-01  rejected: modem busy"), "\(explained)")

        // A second MTS call meanwhile: off-net, through quectel1.
        let second = try await Phone.start(port: port, directory: h.directory, rtpPort: 40400,
                                           env: ["MODE": "call", "NUMBER": "+79161234568", "SECONDS": "1"]).report()
        #expect(try #require(second.calls.first).confirmed, "\(second)")
        #expect(try #require(try await held.report().calls.first).confirmed)
        let rows = try await h.closedRecords(count: 2)
        let first = try #require(rows.first { $0.calleeDialed == "+79161234567" })
        let next = try #require(rows.first { $0.calleeDialed == "+79161234568" })
        #expect(first.modemID == "huawei1" && first.routeRank == 1 && first.calleeOperatorMCCMNC == "250-01", "\(first)")
        #expect(next.modemID == "quectel1", "on-net SIM busy, next SIM: \(next)")
        // The CDR: an MTS callee (250-01) carried by the Beeline SIM, the router's second
        // choice (huawei1, busy, keeps first place), on the first attempt.
        #expect(next.calleeOperatorMCCMNC == "250-01" && next.calleeOperatorName == "MTS" && next.lookupSource == "registry"
                && next.routeRank == 2 && next.attempt == 1, "\(next)")
    }
}
