// The modem control plane end to end: simulated Huawei, Quectel and SIMCom modems on real
// ptys, the daemon driving them, and the CLI reading what it knows. Each test states what an
// admin would see.
import ControlModel
import Foundation
import Testing
@testable import Gateway

@Suite("Modem control plane, end to end", .serialized, .timeLimit(.minutes(2)))
struct ModemControlPlaneTests {
    @Test("each vendor's init: all three modems come up free with the right identity, operator and signal")
    func vendorsInitialise() async throws {
        let h = try await GatewayHarness.start()
        defer { Task { await h.stop() } }
        for m in demoModems {
            let s = try await h.waitFor(m.name, "free") { $0.state == .free }
            #expect(s.vendor == m.vendor)
            #expect(s.imei == m.imei)
            #expect(s.imsi == m.imsi)
            #expect(s.iccid == m.iccid)
            #expect(s.simState == "ready")
            #expect(s.registration == "home")
            #expect(s.networkOperator.mccmnc == m.mccmnc)
            #expect(s.simOperator.mccmnc == m.mccmnc)
            #expect(s.signal.rssi == m.signal)
            #expect(s.signal.dBm == dBm(rssi: m.signal))
            #expect(s.voiceCapable == true, "\(m.name): \(s.voiceReason ?? "no reason")")
            #expect(s.at.timeouts == 0)
        }
        // The table an admin reads: one line per modem, within 80 columns.
        let table = await h.cli(["modems"])
        #expect(table.exitCode == 0)
        let lines = table.standardOutput.split(separator: "\n")
        #expect(lines.count == 4, "\(table.standardOutput)")
        for line in lines { #expect(line.count <= 80, "too wide: \(line)") }
        #expect(table.standardOutput.contains("Beeline"))
        #expect(table.standardOutput.contains("MTS"))
        // The database learnt the modems and SIMs.
        let seen = try await h.running.storage.allModems()
        #expect(Set(seen.map(\.imei)) == Set(demoModems.map(\.imei)))
    }

    @Test("signal change and SIM pull show up within one polling period")
    func signalAndSIMChanges() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"])
        defer { Task { await h.stop() } }
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        try await h.waitFor("quectel1", "free") { $0.state == .free }

        try await h.simulator.setSignal("huawei1", rssi: 5)
        // poll_interval is 1 s: allow one period plus the command round trips.
        let weak = try await h.waitFor("huawei1", seconds: 3, "rssi 5") { $0.signal.rssi == 5 }
        #expect(weak.signal.dBm == -103)
        // The history keeps each step; `modem show` draws it as a sparkline (ASCII under LANG=C).
        try await h.simulator.setSignal("huawei1", rssi: 31)
        let strong = try await h.waitFor("huawei1", seconds: 3, "rssi 31") { $0.signal.rssi == 31 }
        let history = (strong.signalHistory ?? []).map(\.dBm)
        #expect(Array(history.suffix(2)) == [-103, -51], "\(history)")
        let shown = await h.cli(["modem", "show", "huawei1"])
        let line = shown.standardOutput.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("history ") }.map(String.init) ?? ""
        #expect(line.contains(".' ") && line.contains("-103..-51 dBm, since "), "\(shown.standardOutput)")

        try await h.simulator.removeSIM("quectel1")
        let noSIM = try await h.waitFor("quectel1", seconds: 3, "no-sim") { $0.state == .noSIM }
        #expect(noSIM.simState == "absent")
        let events = noSIM.recentEvents.map(\.detail).joined(separator: "\n")
        #expect(events.contains("no-sim"), "\(events)")

        try await h.simulator.insertSIM("quectel1")
        try await h.waitFor("quectel1", seconds: 10, "free again after SIM insert") { $0.state == .free }
    }

    @Test("a modem that stops answering is detected and recovered by the ladder, with the reason recorded")
    func hungModemRecovers() async throws {
        let h = try await GatewayHarness.start(modems: ["simcom1"])
        defer { Task { await h.stop() } }
        try await h.waitFor("simcom1", "free") { $0.state == .free }

        try await h.simulator.setHung("simcom1", true)
        let resetting = try await h.waitFor("simcom1", seconds: 10, "resetting") { $0.state == .resetting }
        #expect(resetting.stateReason?.contains("timeouts") == true, "\(resetting.stateReason ?? "")")
        #expect(resetting.at.timeouts >= 3)

        try await h.simulator.setHung("simcom1", false)
        let back = try await h.waitFor("simcom1", seconds: 15, "free after recovery") { $0.state == .free }
        #expect(back.at.resets >= 1)
        #expect(back.lastRecovery != nil)
        let history = back.recentEvents.filter { $0.kind == "state" }.map(\.detail)
        #expect(history.contains { $0.contains("resetting") && $0.contains("timeouts") }, "\(history)")
        // The recovery is in the database too, not only in memory.
        let stored = try await h.running.storage.recentEvents(modemID: "simcom1", limit: 100)
        #expect(stored.contains { $0.detail.contains("timeouts") })
    }

    @Test("unplug shows not-connected; replug brings the same modem back, also on another port")
    func unplugAndReplug() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        let first = try await h.waitFor("huawei1", "free") { $0.state == .free }
        let firstSeen = try await h.running.storage.modem(imei: first.imei ?? "")?.firstSeen

        try await h.simulator.unplug("huawei1")
        let gone = try await h.waitFor("huawei1", seconds: 5, "not-connected") { $0.state == .notConnected }
        #expect(gone.recentEvents.contains { $0.kind == "port" && $0.detail.contains("closed") })

        try await h.simulator.replug("huawei1")
        try await h.waitFor("huawei1", seconds: 10, "free after replug") { $0.state == .free }

        // Now on a port with another name (another USB socket): found by the scan glob,
        // identified by IMEI, and shown under its old name.
        try await h.simulator.unplug("huawei1")
        try await h.waitFor("huawei1", seconds: 5, "not-connected") { $0.state == .notConnected }
        try await h.simulator.replug("huawei1", linkName: "moved")
        let moved = try await h.waitFor("huawei1", seconds: 15, "free on the new port") {
            $0.state == .free && $0.atPort?.hasSuffix("moved.at") == true
        }
        #expect(moved.imei == first.imei)
        let all = try await h.modems()
        #expect(all.map(\.id) == ["huawei1"], "the same modem must not appear twice: \(all.map(\.id))")
        let record = try await h.running.storage.modem(imei: first.imei ?? "")
        #expect(record?.firstSeen == firstSeen)
    }

    @Test("random bytes from the modem never crash or wedge the daemon")
    func garbageFromModem() async throws {
        let h = try await GatewayHarness.start(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        for _ in 0..<5 { try await h.simulator.emitGarbage("huawei1", count: 20_000) }
        // Still answering: a raw command goes through and returns the modem's real answer.
        var answered = false
        for _ in 0..<20 where !answered {
            let out = await h.cli(["modem", "at", "huawei1", "AT+CGSN"])
            answered = out.exitCode == 0 && out.standardOutput.contains("354099000000012")
            if !answered { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(answered)
        let s = try await h.waitFor("huawei1", seconds: 10, "free") { $0.state == .free }
        #expect(s.at.unknownLines > 0 || s.at.errors >= 0)
    }

    @Test("raw AT and reset from the CLI")
    func rawATAndReset() async throws {
        let h = try await GatewayHarness.start(modems: ["quectel1"])
        defer { Task { await h.stop() } }
        try await h.waitFor("quectel1", "free") { $0.state == .free }
        let csq = await h.cli(["modem", "at", "quectel1", "AT+CSQ"])
        #expect(csq.exitCode == 0)
        #expect(csq.standardOutput.contains("+CSQ: 14,99"), "\(csq.standardOutput)")
        let bad = await h.cli(["modem", "at", "quectel1", "AT+NOSUCH"])
        #expect(bad.exitCode == 1)
        let unknown = await h.cli(["modem", "show", "nosuch"])
        #expect(unknown.exitCode == 1)
        #expect(unknown.standardError.contains("nosuch"))
        // By IMEI works as well as by name.
        let byIMEI = try await h.modem("866000000000029")
        #expect(byIMEI.id == "quectel1")

        let reset = await h.cli(["modem", "reset", "quectel1"])
        #expect(reset.exitCode == 0, "\(reset.standardError)")
        let after = try await h.waitFor("quectel1", seconds: 15, "recovered after reset") {
            $0.state == .free && $0.at.resets >= 1
        }
        #expect(after.recentEvents.contains { $0.detail.contains("admin request") })
    }
}

@Suite("signal history")
struct SignalHistoryTests {
    @Test("a sample per change and one a minute while steady, at most 60, oldest dropped")
    func sampling() {
        var history = SignalHistory()
        let t0 = Date(timeIntervalSince1970: 1_760_000_000)
        history.observe(-85, at: t0)
        history.observe(-85, at: t0.addingTimeInterval(30))   // steady, under a minute: no sample
        history.observe(-91, at: t0.addingTimeInterval(31))   // changed
        history.observe(-91, at: t0.addingTimeInterval(91))   // a minute steady
        history.observe(nil, at: t0.addingTimeInterval(92))   // lost
        #expect(history.samples.map(\.dBm) == [-85, -91, -91, nil])
        for i in 0..<100 { history.observe(-60 - i % 2, at: t0.addingTimeInterval(100 + Double(i))) }
        #expect(history.samples.count == SignalHistory.capacity)
        #expect(history.samples.last?.dBm == -61)
    }
}
