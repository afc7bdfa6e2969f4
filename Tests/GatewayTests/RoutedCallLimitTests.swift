// Issue 5's limits on real calls: a dispatcher's phone (pjsua2) calls through simgated and
// modemsim. The per-call cap of a SIM ends the call (warning beeps first, then BYE with a
// Reason); a caller's calls per day refuse the next call with 403 and a reason that
// `simgate route explain --user` repeats.
import CallCore
import ControlModel
import Foundation
import MediaCore
import ModemSimulator
import Testing

/// The 16-bit samples of a WAV recording (the phone records 8 kHz mono).
func recordedSamples(_ path: String) throws -> [Int16] {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let wav = try WAVFile.parse(bytes)
    var samples: [Int16] = []
    samples.reserveCapacity(wav.sampleCount)
    var i = wav.dataRange.lowerBound
    while i + 1 < wav.dataRange.upperBound {
        samples.append(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8))
        i += 2
    }
    return samples
}

/// Stretches of a recording where `frequency` (± 5 Hz) dominates with SNR ≥ 20 dB, found with
/// 80 ms windows every 40 ms; returns each stretch's first sample and length in samples.
func toneBursts(_ samples: [Int16], frequency: Double) -> [(start: Int, length: Int)] {
    let window = 640, step = 320
    var bursts: [(start: Int, length: Int)] = []
    var open: (start: Int, end: Int)?
    var at = 0
    while at + window <= samples.count {
        let a = FrequencyAnalysis.analyze(Array(samples[at..<(at + window)]))
        let hit = a.map { abs($0.frequency - frequency) <= 5 && $0.snrDB >= 20 } ?? false
        if hit {
            if let o = open, o.end >= at { open = (o.start, at + window) } else {
                if let o = open { bursts.append((o.start, o.end - o.start)) }
                open = (at, at + window)
            }
        }
        at += step
    }
    if let o = open { bursts.append((o.start, o.end - o.start)) }
    return bursts
}

@Suite("Routed calls: per-call cap and caller limits (pjsua2 phone)", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct RoutedCallLimitTests {
    @Test("a SIM capped at 6 s: the phone hears three 440 Hz beeps, then BYE with Reason at the cap; the CDR says the cap ended it")
    func perCallCap() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"], extraTOML: """
            [routing]
            home_country = "ru"
            time_zone = "Europe/Moscow"
            warning_lead = 3
            registry = ["\(numberingData)/rossvyaz/DEF-9xx.csv"]

            [[sim]]
            modem = "huawei1"
            max_call_seconds = 6
            """, tail: GatewayHarness.sipTail)
        defer { Task { await h.stop() } }
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234567", behaviour: .answer(after: 0.3, dropAfter: nil)))

        let explained = await h.cli(["route", "explain", "+79161234567"]).standardOutput
        #expect(explained.contains("max 6 s, warning at 3 s"), "\(explained)")

        // The phone would hold for 20 s and waits for the far end's BYE: the cap comes first.
        let report = try await Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                           env: ["MODE": "call", "NUMBER": "+79161234567", "SECONDS": "20", "HANGUP": "remote"]).report()
        let c = try #require(report.calls.first)
        #expect(c.confirmed, "\(c)")
        #expect(c.reason_header == "Q.850;cause=16;text=\"per-call limit of 6 s reached\"", "BYE's Reason: \(String(describing: c.reason_header))")

        // What the phone heard: the modem's 1 kHz, then three 440 Hz beeps of ~200 ms, 200 ms apart.
        let samples = try recordedSamples(c.recording)
        let beeps = toneBursts(samples, frequency: 440)
        #expect(beeps.count == 3, "beeps at samples \(beeps) of \(samples.count)")
        for beep in beeps { #expect((1200...2600).contains(beep.length), "a beep of \(beep.length) samples: \(beeps)") }
        if let first = beeps.first {
            // Not at the start: the beeps come 3 s before the cap, after the callee was heard.
            #expect(first.start >= 8000, "first beep at sample \(first.start)")
            #expect(!toneBursts(Array(samples[0..<first.start]), frequency: 1000).isEmpty, "the callee's 1 kHz before the beeps")
        }

        let rows = try await h.closedRecords(count: 1)
        let row = try #require(rows.last)
        #expect(row.answerAt != nil && row.gsmCause == "local-hangup" && row.q850 == 16, "\(row)")
        #expect(row.gsmCauseText == "per-call limit of 6 s reached", "the CDR says why: \(row)")
        #expect((6...7).contains(row.billableSeconds), "ended at the cap: \(row.billableSeconds) s")
        let cdr = await h.cli(["cdr"]).standardOutput
        #expect(cdr.contains("local-hangup (per-call limit of 6 s reached)"), "simgate cdr: \(cdr)")
        try await h.waitFor("huawei1", "free") { $0.state == .free }
    }

    @Test("a caller with calls_per_day = 2: the third call gets 403 with a Reason; route explain --user says why")
    func callerDailyCalls() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"], extraTOML: """
            [routing]
            home_country = "ru"
            time_zone = "Europe/Moscow"
            registry = ["\(numberingData)/rossvyaz/DEF-9xx.csv"]

            [[group]]
            name = "dispatchers"
            members = ["alice"]
            calls_per_day = 2
            """, tail: GatewayHarness.sipTail)
        defer { Task { await h.stop() } }
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234567", behaviour: .answer(after: 0.3, dropAfter: nil)))
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234568", behaviour: .busy(after: 0.3)))

        func call(_ number: String) async throws -> PhoneCall {
            let report = try await Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                               env: ["MODE": "call", "NUMBER": number, "SECONDS": "1"]).report()
            return try #require(report.calls.first)
        }
        // Calls placed count, answered or not: one answered, one busy.
        let first = try await call("+79161234567")
        #expect(first.confirmed, "\(first)")
        _ = try await h.closedRecords(count: 1)
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        let second = try await call("+79161234568")
        #expect(second.disconnect_code == 486, "\(second)")
        _ = try await h.closedRecords(count: 2)
        try await h.waitFor("huawei1", "free") { $0.state == .free }

        let third = try await call("+79161234567")
        #expect(!third.confirmed && third.disconnect_code == 403, "\(third)")
        #expect(third.reason_header == "SIP;cause=403;text=\"group dispatchers: daily calls 2/2 reached\"",
                "\(String(describing: third.reason_header))")
        #expect(try await h.records().count == 2, "the refused call reached no modem")

        let explained = await h.cli(["route", "explain", "+79161234567", "--user", "alice"]).standardOutput
        #expect(explained.contains("Caller:   denied (SIP 403): group dispatchers: daily calls 2/2 reached"), "\(explained)")
        // Someone outside the group is not limited by it.
        let other = await h.cli(["route", "explain", "+79161234567", "--user", "bob"]).standardOutput
        #expect(!other.contains("denied") && other.contains("huawei1"), "\(other)")
    }
}
