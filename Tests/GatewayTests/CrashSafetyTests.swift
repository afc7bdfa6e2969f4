// Crash safety (issue 15 point 1): `simgated` runs as a real process on real ptys (modemsim,
// in this process, which outlives it like a real modem outlives its host), a real SIP peer
// (pjsua2, scripts/sip/pj_phone.py) calls through it or is rung by it, and the daemon is
// killed with SIGKILL at each stage of a call: outbound ringing, answered, during the
// hang-up; inbound queued in the call center, ringing a user. Then it is started again on
// the same state directory, and what is checked is what an admin would find:
// - the call's record (`simgate cdr`), closed as `interrupted`, with the talk time up to the
//   crash (short by at most one heartbeat, CallManager.heartbeatSeconds);
// - the SIM's usage counters in SQLite: the minutes up to the crash, once (a further restart
//   adds nothing);
// - every unanswered inbound caller in the missed-call list (`simgate missed`);
// - the modem: it kept the call up across the crash, and the restarted daemon asked it
//   AT+CLCC and hung the call up with AT+CHUP (the AT commands modemsim received).
import ControlModel
import Foundation
import ModemSimulator
import Storage
import Testing

/// One modem (huawei1, MTS), a SIP user alice, routing with a 1 s billing step, and a daemon
/// process that the test kills and starts again.
final class CrashRig: @unchecked Sendable {  // used from the test's own task only, one step at a time
    let directory: String
    let socket: String
    let configPath: String
    let simulator: ModemSimulator
    let sipPort: Int
    private(set) var daemon: DaemonProcess?
    private var runs = 0

    static let modem = "huawei1"

    /// `stateDirectory`: where the database lives (default `<directory>/state`).
    let stateDirectory: String

    init(name: String, inbound: String = "", stateDirectory: String? = nil) async throws {
        directory = try scratchDirectory(name)
        self.stateDirectory = stateDirectory ?? directory + "/state"
        try FileManager.default.createDirectory(atPath: directory + "/sim", withIntermediateDirectories: true)
        simulator = try await ModemSimulator.start(try SimulatorConfig.load(
            json: Data(GatewayHarness.simulatorJSON(directory: directory, modems: [Self.modem]).utf8)))
        socket = directory + "/simgated.sock"
        configPath = directory + "/simgate.toml"
        sipPort = Int.random(in: 25_000...29_999)
        let rtpBase = 33_000 + Int.random(in: 0...9) * 100
        try """
            [daemon]
            state_dir = "\(self.stateDirectory)"
            log_level = "info"

            [control]
            socket = "\(socket)"

            [modems]
            poll_interval = 1
            command_timeout = 2

            [[modem]]
            id = "\(Self.modem)"
            at_port = "\(directory)/sim/\(Self.modem).at"
            audio_port = "\(directory)/sim/\(Self.modem).audio"
            dialect = "huawei"

            [sip]
            listen = ["udp:127.0.0.1:\(sipPort)"]
            rtp_port_min = \(rtpBase)
            rtp_port_max = \(rtpBase + 99)

            [[user]]
            name = "alice"
            password = "secret"

            [[user]]
            name = "bob"
            password = "secret"

            \(moscowRoutingTOML)

            [[sim]]
            modem = "\(Self.modem)"
            billing_increment = 1

            \(inbound)
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Starts a daemon (the next run) and waits until the modem is free.
    func startDaemon() async throws {
        runs += 1
        daemon = try DaemonProcess(config: configPath, logPath: "\(directory)/simgated-\(runs).log")
        try await waitModemFree(socket, Self.modem, seconds: 30)
    }

    /// kill -9, and the modem's AT log starts afresh (what follows is the next daemon's).
    func killDaemon() async throws {
        let d = try #require(daemon)
        await d.kill(SIGKILL)
        #expect(d.process.terminationReason == .uncaughtSignal && d.process.terminationStatus == SIGKILL)
        daemon = nil
        try await simulator.resetCommandLog(Self.modem)
    }

    func stop() async {
        await daemon?.kill(SIGTERM)
        await simulator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func log() -> String {
        (1...max(1, runs)).map { (try? String(contentsOfFile: "\(directory)/simgated-\($0).log", encoding: .utf8)) ?? "" }
            .joined(separator: "\n--- restart ---\n")
    }

    func records() async throws -> [CallDetail] {
        let outcome = await daemonCLI(socket, ["cdr", "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate cdr: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(CDRList.self, from: Data(outcome.standardOutput.utf8)).records.sorted { $0.inviteAt < $1.inviteAt }
    }

    func missed() async throws -> [MissedCallEntry] {
        let outcome = await daemonCLI(socket, ["missed", "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate missed: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(MissedCallList.self, from: Data(outcome.standardOutput.utf8)).entries
    }

    func liveCalls() async throws -> [LiveCall] {
        let outcome = await daemonCLI(socket, ["calls", "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate calls: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(CallList.self, from: Data(outcome.standardOutput.utf8)).calls
    }

    /// The SIM's counters as SQLite holds them: calls and billed seconds over its day rows.
    func simUsage() async throws -> (calls: Int, seconds: Int) {
        let totals = try await Storage.open(stateDirectory: stateDirectory).usageTotals(.sim, .day)
        return (totals.calls, totals.billedSeconds)
    }

    /// The history results of every missed-call entry of `caller` (e.g. "interrupted").
    func missedHistory(caller: String) async throws -> [String] {
        let storage = try Storage.open(stateDirectory: stateDirectory)
        return try await storage.read { tx in
            try tx.missedCalls(status: nil, since: nil, limit: 100).filter { $0.caller == caller }
                .flatMap { try tx.history(missedCallID: $0.id).compactMap(\.result) }
        }
    }

    /// The modem's call as modemsim holds it (nil: none).
    func modemCall() async throws -> CallStatus? { try await simulator.status(Self.modem).call }

    /// After a restart: the daemon asked AT+CLCC and then hung up with AT+CHUP, and the modem
    /// has no call left.
    func expectStrayCallHungUp(_ context: Comment) async throws {
        try await eventually("the modem's call is released after the restart", seconds: 15) { try await self.modemCall() == nil }
        let lines = try await simulator.commandLog(Self.modem).map { $0.line.uppercased() }
        let clcc = try #require(lines.firstIndex(of: "AT+CLCC"), "\(context): no AT+CLCC after the restart: \(lines)")
        #expect(lines[(clcc + 1)...].contains("AT+CHUP"), "\(context): no AT+CHUP after AT+CLCC: \(lines)")
        #expect(!lines[..<clcc].contains { $0.hasPrefix("ATD") || $0 == "ATA" }, "\(context): nothing dialled or answered before: \(lines)")
    }

    /// A pjsua2 phone as alice; it stops (hangs up, reports) when `stopFile` appears.
    func phone(_ env: [String: String], rtpPort: Int) -> (Phone, stopFile: String) {
        let stop = "\(directory)/stop-\(rtpPort)"
        var env = env
        env["STOP_FILE"] = stop
        env["PROCESS_TIMEOUT"] = "120"
        return (Phone.start(port: sipPort, directory: directory, rtpPort: rtpPort, env: env), stop)
    }

    func waitForLiveCall(_ state: String, seconds: Double = 30) async throws -> LiveCall {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let call = try? await liveCalls().first(where: { $0.state == state }) { return call }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(description: "no \(state) call after \(seconds) s; log: \(log().suffix(3000))")
    }
}

@Suite("Crash safety: kill -9 of simgated at each stage of a call, then restart (process, modemsim, pjsua2)",
       .serialized, .timeLimit(.minutes(4)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct CrashSafetyTests {
    static let callee = "+79161234567"  // an MTS number: the router sends it through huawei1

    /// Heartbeat period + 1 s of rounding and scheduling: how far the record's talk time may fall short.
    static let slack = Double(2 + 1)

    @Test("outbound, ringing: the record is interrupted and unanswered, nothing is charged, the ringing call is hung up")
    func outboundRinging() async throws {
        let rig = try await CrashRig(name: "crash-ring")
        defer { Task { await rig.stop() } }
        try await rig.simulator.setCallee(CrashRig.modem, CalleeRule(pattern: "*", behaviour: .noAnswer(after: 120)))
        try await rig.startDaemon()
        let (phone, stop) = rig.phone(["MODE": "call", "NUMBER": Self.callee, "SECONDS": "60"], rtpPort: 41_000)
        _ = try await rig.waitForLiveCall("ringing")
        try await Task.sleep(for: .seconds(1))
        try await rig.killDaemon()
        #expect(try await rig.modemCall()?.state == "alerting", "the network still rings the callee: the modem keeps the call")

        try await rig.startDaemon()
        try await rig.expectStrayCallHungUp("outbound ringing")
        let rows = try await rig.records()
        #expect(rows.count == 1, "\(rows)")
        let row = try #require(rows.first)
        #expect(row.direction == "outbound" && row.gsmCause == "interrupted" && row.answerAt == nil && row.billableSeconds == 0, "\(row)")
        #expect(row.endAt.map { $0 >= row.inviteAt && $0 <= Date() } == true, "\(row)")
        let usage = try await rig.simUsage()
        #expect(usage.calls == 0 && usage.seconds == 0, "an unanswered call costs nothing: \(usage)")
        FileManager.default.createFile(atPath: stop, contents: nil)
        _ = try? await phone.report()
    }

    @Test("outbound, answered: the record has the talk time up to the kill, the SIM's minutes count it once, even after another restart")
    func outboundAnswered() async throws {
        let rig = try await CrashRig(name: "crash-talk")
        defer { Task { await rig.stop() } }
        try await rig.simulator.setCallee(CrashRig.modem, CalleeRule(pattern: "*", behaviour: .answer(after: 1, dropAfter: nil)))
        try await rig.startDaemon()
        let (phone, stop) = rig.phone(["MODE": "call", "NUMBER": Self.callee, "SECONDS": "60"], rtpPort: 41_200)
        let answered = try #require(try await rig.waitForLiveCall("answered").answeredAt)
        try await Task.sleep(for: .seconds(7))
        let killedAt = Date()
        try await rig.killDaemon()
        #expect(try await rig.modemCall()?.state == "active", "the modem keeps the call up when its host dies")

        try await rig.startDaemon()
        try await rig.expectStrayCallHungUp("outbound answered")
        let rows = try await rig.records()
        #expect(rows.count == 1, "\(rows)")
        let row = try #require(rows.first)
        let talk = killedAt.timeIntervalSince(answered)
        #expect(row.gsmCause == "interrupted" && row.answerAt != nil, "\(row)")
        #expect(abs((row.answerAt ?? .distantPast).timeIntervalSince(answered)) < 1, "the answer instant was written when it happened: \(row)")
        #expect(Double(row.billableSeconds) >= talk - Self.slack && Double(row.billableSeconds) <= talk + 1,
                "talk time up to the kill (\(talk) s), not the downtime: \(row.billableSeconds) s")
        let end = try #require(row.endAt)
        #expect(end <= killedAt.addingTimeInterval(1), "closed at its last heartbeat, not at the restart: \(row)")
        // Charged as the tariff bills (talk time rounded up to the 1 s step; the CLI's instants are whole seconds).
        let usage = try await rig.simUsage()
        #expect(usage.calls == 1 && (row.billableSeconds...row.billableSeconds + 1).contains(usage.seconds),
                "the SIM's minutes up to the crash, once: \(usage), record \(row.billableSeconds) s")
        let cdr = await daemonCLI(rig.socket, ["cdr"])
        #expect(cdr.standardOutput.contains("interrupted"), "\(cdr.standardOutput)")

        // Killed again with nothing open: nothing more is closed or charged.
        try await rig.killDaemon()
        try await rig.startDaemon()
        #expect(try await rig.records().count == 1)
        let again = try await rig.simUsage()
        #expect(again.calls == usage.calls && again.seconds == usage.seconds, "not doubled by a second restart: \(again)")
        FileManager.default.createFile(atPath: stop, contents: nil)
        _ = try? await phone.report()
    }

    @Test("outbound, during the hang-up (the phone's BYE in, the modem not yet released): one record, charged once, the call hung up after the restart")
    func duringHangUp() async throws {
        let rig = try await CrashRig(name: "crash-bye")
        defer { Task { await rig.stop() } }
        try await rig.simulator.setCallee(CrashRig.modem, CalleeRule(pattern: "*", behaviour: .answer(after: 1, dropAfter: nil)))
        try await rig.startDaemon()
        let (phone, stop) = rig.phone(["MODE": "call", "NUMBER": Self.callee, "SECONDS": "60"], rtpPort: 41_400)
        let answered = try #require(try await rig.waitForLiveCall("answered").answeredAt)
        try await Task.sleep(for: .seconds(4))
        // The modem stops answering, so the gateway's AT+CHUP for the phone's BYE stays in flight.
        try await rig.simulator.setHung(CrashRig.modem, true)
        let byeAt = Date()
        FileManager.default.createFile(atPath: stop, contents: nil)
        let report = try await phone.report()
        #expect(report.calls.first?.confirmed == true, "\(report)")
        try await Task.sleep(for: .milliseconds(300))
        let killedAt = Date()
        try await rig.killDaemon()
        try await rig.simulator.setHung(CrashRig.modem, false)
        #expect(try await rig.modemCall()?.state == "active", "the hang-up never reached the modem")

        try await rig.startDaemon()
        try await rig.expectStrayCallHungUp("during the hang-up")
        let rows = try await rig.records()
        #expect(rows.count == 1, "\(rows)")
        let row = try #require(rows.first)
        #expect(row.gsmCause == "interrupted" && row.answerAt != nil && row.endAt != nil, "\(row)")
        let talk = byeAt.timeIntervalSince(answered)
        #expect(Double(row.billableSeconds) >= talk - Self.slack && Double(row.billableSeconds) <= killedAt.timeIntervalSince(answered) + 1,
                "talk time up to the hang-up (\(talk) s): \(row.billableSeconds) s")
        let usage = try await rig.simUsage()
        #expect(usage.calls == 1 && (row.billableSeconds...row.billableSeconds + 1).contains(usage.seconds),
                "charged once: \(usage), record \(row.billableSeconds) s")
    }

    @Test("inbound, queued in the call center (modem off hook, music): the caller is in the missed list, the record is interrupted, the modem is hung up")
    func inboundQueued() async throws {
        let rig = try await CrashRig(name: "crash-queue", inbound: """
            [[queue]]
            name = "main"
            members = ["bob"]
            max_wait = 120

            [[inbound]]
            sims = ["*"]
            target = "queue:main"
            """)
        defer { Task { await rig.stop() } }
        try await rig.startDaemon()
        // bob, the queue's only member, is not registered: the queue takes the call (off hook, music).
        try await rig.simulator.ringIn(CrashRig.modem, from: "+79031110005")
        try await eventually("the queue answered the GSM call", seconds: 20) { try await rig.modemCall()?.state == "active" }
        try await Task.sleep(for: .seconds(3))
        try await rig.killDaemon()
        #expect(try await rig.modemCall()?.state == "active", "the caller still hears nothing but an open line")

        try await rig.startDaemon()
        try await rig.expectStrayCallHungUp("inbound queued")
        let rows = try await rig.records()
        #expect(rows.count == 1, "\(rows)")
        let row = try #require(rows.first)
        #expect(row.direction == "inbound" && row.caller == "+79031110005" && row.gsmCause == "interrupted" && row.answerAt == nil, "\(row)")
        let missed = try await rig.missed()
        #expect(missed.count == 1, "\(missed)")
        let entry = try #require(missed.first)
        #expect(entry.caller == "+79031110005" && entry.reason == .interrupted && entry.status == .new && entry.callCount == 1, "\(entry)")
        #expect(entry.waitedSeconds >= 3 - Self.slack, "waited until the crash (short by at most a heartbeat): \(entry)")
        let table = await daemonCLI(rig.socket, ["missed"])
        #expect(table.standardOutput.contains("+79031110005") && table.standardOutput.contains("interrupted"), "\(table.standardOutput)")
        let usage = try await rig.simUsage()
        #expect(usage.calls == 0 && usage.seconds == 0, "inbound calls use no outbound minutes: \(usage)")

        // Another restart lists nobody twice.
        try await rig.killDaemon()
        try await rig.startDaemon()
        #expect(try await rig.missed().map(\.callCount) == [1])
    }

    @Test("inbound, ringing a user's phone: the caller is in the missed list, the record is interrupted, the ringing call is released")
    func inboundRingingUser() async throws {
        let rig = try await CrashRig(name: "crash-inring", inbound: """
            [[ring_group]]
            name = "day"
            members = ["alice"]
            timeout = 120

            [[inbound]]
            sims = ["*"]
            target = "ring_group:day"
            """)
        defer { Task { await rig.stop() } }
        try await rig.startDaemon()
        let (phone, stop) = rig.phone(["MODE": "answer", "SIP_USER": "alice", "ANSWER_AFTER": "100", "WAIT": "100", "SECONDS": "1"],
                                      rtpPort: 41_600)
        let sipStatus = { await daemonCLI(rig.socket, ["sip", "registrations", "--json"]).standardOutput }
        try await eventually("alice registered", seconds: 30) { await sipStatus().contains("alice") }
        try await rig.simulator.ringIn(CrashRig.modem, from: "+79031110006", abandonAfter: 100)
        _ = try await rig.waitForLiveCall("ringing")
        try await Task.sleep(for: .seconds(2))
        try await rig.killDaemon()
        #expect(try await rig.modemCall()?.state == "incoming", "the caller still rings")

        try await rig.startDaemon()
        try await rig.expectStrayCallHungUp("inbound ringing a user")
        let rows = try await rig.records()
        let first = try #require(rows.first)
        #expect(first.direction == "inbound" && first.caller == "+79031110006" && first.gsmCause == "interrupted" && first.answerAt == nil,
                "\(rows)")
        #expect(rows.allSatisfy { $0.answerAt == nil && $0.endAt != nil }, "nobody answered: \(rows)")
        let missed = try await rig.missed()
        #expect(missed.count == 1 && missed.first?.caller == "+79031110006" && missed.first?.status == .new, "\(missed)")
        #expect(try await rig.missedHistory(caller: "+79031110006").contains("interrupted"))
        FileManager.default.createFile(atPath: stop, contents: nil)
        _ = try? await phone.report()
    }
}

