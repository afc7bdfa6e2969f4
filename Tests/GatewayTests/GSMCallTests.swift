// Calls on the GSM leg end to end: the daemon dials through simulated modems on real ptys,
// plays a 1 kHz tone into the modem's audio port and measures what comes back; modemsim
// measures what it got. Causes, failover and call records are checked as an admin sees
// them: through `simgate call`, `simgate cdr` and `simgate modems`.
import ControlModel
import Foundation
import MediaCore
import ModemSimulator
import Testing

extension GatewayHarness {
    func dial(_ number: String, modem: String? = nil) async throws -> LiveCall {
        var args = ["call", "dial", number, "--json"]
        if let modem { args += ["--modem", modem] }
        let outcome = await cli(args)
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate call dial failed: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(LiveCall.self, from: Data(outcome.standardOutput.utf8))
    }

    func liveCall(_ id: String) async -> LiveCall? {
        let outcome = await cli(["call", "show", id, "--json"])
        guard outcome.exitCode == 0 else { return nil }
        return try? ControlJSON.decoder().decode(LiveCall.self, from: Data(outcome.standardOutput.utf8))
    }

    func records(_ extra: [String] = []) async throws -> [CallDetail] {
        let outcome = await cli(["cdr", "--json", "--limit", "100"] + extra)
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate cdr failed: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(CDRList.self, from: Data(outcome.standardOutput.utf8)).records
    }

    /// Waits until call `id` has `attempts` closed records; returns them, first attempt first.
    func closedRecords(of id: String, attempts: Int = 1, seconds: Double = 15) async throws -> [CallDetail] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [CallDetail] = []
        while Date() < deadline {
            last = try await records().filter { $0.callID == id }.sorted { $0.attempt < $1.attempt }
            if last.count == attempts, last.allSatisfy({ $0.endAt != nil }) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(description: "call \(id): wanted \(attempts) closed record(s), have \(last)")
    }

    func waitForCall(_ id: String, seconds: Double = 10, _ what: String, _ condition: (LiveCall) -> Bool) async throws -> LiveCall {
        let deadline = Date().addingTimeInterval(seconds)
        var last: LiveCall?
        while Date() < deadline {
            if let c = await liveCall(id) {
                last = c
                if condition(c) { return c }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(description: "call \(id): timed out waiting for \(what); last: \(String(describing: last))")
    }
}

@Suite("GSM calls end to end (modemsim on ptys)", .serialized, .timeLimit(.minutes(3)))
struct GSMCallTests {
    @Test("a 1 kHz tone crosses each vendor's audio port both ways, clean (±2 Hz, SNR ≥ 30 dB); hang-up leaves one CDR")
    func toneBothWaysEveryVendor() async throws {
        let h = try await GatewayHarness.start()
        defer { Task { await h.stop() } }
        var calls: [(modem: String, call: LiveCall)] = []
        for m in demoModems {
            try await h.waitFor(m.name, "free") { $0.state == .free }
            try await h.simulator.resetReceivedAudio(m.name)
            calls.append((m.name, try await h.dial("+7916555000\(m.imei.suffix(1))", modem: m.name)))
        }
        for (modem, call) in calls {
            #expect(call.modemID == modem)
            // 1.5 s of audio after answer: the analysis windows hold one full second.
            let answered = try await h.waitForCall(call.id, "answered") { $0.state == "answered" }
            #expect(answered.answeredAt != nil)
        }
        try await Task.sleep(for: .milliseconds(1600))
        for (modem, call) in calls {
            // Gateway → modem: what modemsim received.
            let samples = try await h.simulator.receivedSamples(modem)
            #expect(samples.count >= 4000, "\(modem): only \(samples.count) samples reached the modem")
            // SIMCom runs its port at 16 kHz (AT+CPCMFRM=1): analyse at the port's rate.
            let rate = Double(try await h.simulator.audioSampleRate(modem))
            let atModem = try #require(FrequencyAnalysis.analyze(samples, sampleRate: rate), "\(modem): no tone at the modem")
            #expect(abs(atModem.frequency - 1000) <= 2, "\(modem): \(atModem.frequency) Hz at the modem")
            #expect(atModem.snrDB >= 30, "\(modem): SNR \(atModem.snrDB) dB at the modem")
            // Modem → gateway: what the call measured.
            let live = try #require(await h.liveCall(call.id))
            let back = try #require(live.received, "\(modem): gateway received nothing")
            #expect(abs(back.frequency - 1000) <= 2, "\(modem): \(back.frequency) Hz at the gateway")
            #expect(back.snrDB >= 30, "\(modem): SNR \(back.snrDB) dB at the gateway")
            #expect(live.framesIn >= 50 && live.framesOut >= 50, "\(modem): \(live.framesIn)/\(live.framesOut) frames")
        }
        // `simgate calls` lists the three.
        let table = await h.cli(["calls"])
        #expect(table.exitCode == 0)
        for (_, call) in calls { #expect(table.standardOutput.contains(call.id), "\(table.standardOutput)") }

        for (_, call) in calls { #expect(await h.cli(["call", "hangup", call.id]).exitCode == 0) }
        for (modem, call) in calls {
            let rows = try await h.closedRecords(of: call.id)
            let r = rows[0]
            #expect(r.modemID == modem && r.direction == "outbound")
            #expect(r.gsmCause == "local-hangup", "\(modem): \(r.gsmCause ?? "-") \(r.gsmCauseText ?? "")")
            #expect(r.answerAt != nil && r.ringingAt != nil && r.billableSeconds >= 1)
            #expect(r.framesIn >= 50 && r.framesOut >= 50 && r.silentLeg == nil)
            #expect(r.iccid == demoModems.first { $0.name == modem }?.iccid)
            #expect(r.operatorMCCMNC == demoModems.first { $0.name == modem }?.mccmnc)
            try await h.waitFor(modem, "free after the call") { $0.state == .free }
        }
        // Per-modem counters come from the records.
        for s in try await h.modemsOffPool() {
            #expect(s.calls.total == 1 && s.calls.answered == 1 && s.calls.outbound == 1, "\(s.id): \(s.calls)")
        }
    }

    @Test("busy, no answer and congestion end with their cause, SIP status and one record each")
    func failureCauses() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "simcom1"])
        defer { Task { await h.stop() } }
        let cases: [(number: String, behaviour: CalleeBehaviour, cause: String, sip: Int, q850: Int)] = [
            ("+79990000017", .busy(after: 0.3), "busy", 486, 17),
            ("+79990000019", .noAnswer(after: 0.3), "no-answer", 480, 19),
            ("+79990000034", .congestion(after: 0.3), "congestion", 503, 34),
        ]
        for modem in ["huawei1", "simcom1"] {
            try await h.waitFor(modem, "free") { $0.state == .free }
            for c in cases { try await h.simulator.setCallee(modem, CalleeRule(pattern: c.number, behaviour: c.behaviour)) }
            for c in cases {
                let call = try await h.dial(c.number, modem: modem)
                let rows = try await h.closedRecords(of: call.id)
                #expect(rows.count == 1)
                let r = rows[0]
                #expect(r.gsmCause == c.cause, "\(modem) \(c.number): \(r.gsmCause ?? "-") (\(r.gsmCauseText ?? ""))")
                #expect(r.sipStatus == c.sip && r.q850 == c.q850, "\(modem) \(c.number): SIP \(r.sipStatus ?? 0) Q.850 \(r.q850 ?? 0)")
                #expect(r.answerAt == nil && r.billableSeconds == 0)
                try await h.waitFor(modem, "free") { $0.state == .free }
            }
        }
        let stats = try await h.modemsOffPool().first { $0.id == "huawei1" }?.calls ?? CallStats()
        #expect(stats.total == 3 && stats.answered == 0 && stats.asr == 0)
    }

    @Test("congestion on the first modem fails over to the second; both attempts recorded")
    func congestionFailsOver() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "huawei2"])
        defer { Task { await h.stop() } }
        for m in ["huawei1", "huawei2"] { try await h.waitFor(m, "free") { $0.state == .free } }
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+7999*", behaviour: .congestion(after: 0.2)))
        let call = try await h.dial("+79995550101")
        #expect(call.modemID == "huawei1")
        let answered = try await h.waitForCall(call.id, "answered on huawei2") { $0.state == "answered" }
        #expect(answered.modemID == "huawei2" && answered.attempts == 2)
        #expect(await h.cli(["call", "hangup", call.id]).exitCode == 0)
        let rows = try await h.closedRecords(of: call.id, attempts: 2)
        #expect(rows.map(\.modemID) == ["huawei1", "huawei2"])
        #expect(rows[0].gsmCause == "congestion" && rows[0].sipStatus == 503 && rows[0].answerAt == nil)
        #expect(rows[1].gsmCause == "local-hangup" && rows[1].answerAt != nil)
    }

    @Test("a modem unplugged mid-call ends the call; the record says why")
    func unpluggedMidCall() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        let call = try await h.dial("+79161234567")
        _ = try await h.waitForCall(call.id, "answered") { $0.state == "answered" && $0.framesIn > 10 }
        try await h.simulator.unplug("huawei1")
        let rows = try await h.closedRecords(of: call.id)
        #expect(rows[0].gsmCause == "modem-gone", "\(rows[0].gsmCause ?? "-")")
        #expect(rows[0].gsmCauseText?.contains("AT port closed") == true, "\(rows[0].gsmCauseText ?? "")")
        #expect(rows[0].answerAt != nil && rows[0].framesIn > 10)
        #expect(await h.liveCall(call.id) == nil)
    }

    @Test("DTMF 0-9*# reaches the far end once each (AT^DTMF on Huawei, AT+VTS on SIMCom)")
    func dtmfToNetwork() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "simcom1"])
        defer { Task { await h.stop() } }
        for modem in ["huawei1", "simcom1"] {
            try await h.waitFor(modem, "free") { $0.state == .free }
            let call = try await h.dial("+79161234567", modem: modem)
            _ = try await h.waitForCall(call.id, "answered") { $0.state == "answered" }
            let sent = await h.cli(["call", "dtmf", call.id, "0123456789*#"])
            #expect(sent.exitCode == 0, "\(sent.standardError) \(sent.standardOutput)")
            // The API answers once the digits are queued; each is one AT command on the port.
            var got: [String] = []
            for _ in 0..<50 {
                got = try await h.simulator.dtmfSent(modem)
                if got.count >= 12 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(got == "0123456789*#".map(String.init), "\(modem): \(got)")
            #expect(await h.cli(["call", "hangup", call.id]).exitCode == 0)
            _ = try await h.closedRecords(of: call.id)
        }
    }

    @Test("a named modem that is not free refuses the call with a reason")
    func refusedWhenNotFree() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        try await h.simulator.removeSIM("huawei1")
        try await h.waitFor("huawei1", "no-sim") { $0.state == .noSIM }
        let outcome = await h.cli(["call", "dial", "+79161234567", "--modem", "huawei1"])
        #expect(outcome.exitCode == 1)
        #expect(outcome.standardError.contains("no-sim"), "\(outcome.standardError)")
        #expect(try await h.records().isEmpty)
    }
}

extension GatewayHarness {
    func modemsOffPool() async throws -> [ModemSnapshot] {
        let outcome = await cli(["modems", "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate modems failed: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(ModemList.self, from: Data(outcome.standardOutput.utf8)).modems
    }
}
