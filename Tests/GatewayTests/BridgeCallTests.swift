// Bridged calls end to end: a PJSIP phone (pjsua2, scripts/sip/pj_phone.py) registered as a
// user, simgated in process, and modemsim as the GSM network on real ptys. The audio is
// checked where it comes out: at modemsim (what the gateway wrote to the modem) and in the
// phone's recording; causes and records as an admin sees them (`simgate cdr`).
import ControlModel
import Foundation
import MediaCore
import ModemSimulator
import Testing
@testable import Gateway

struct PhoneCall: Decodable {
    var confirmed: Bool
    var ringing: Bool
    var disconnect_code: Int?
    var disconnect_reason: String?
    var dtmf_received: String
    var rx_packets: Int
    var tx_packets: Int
    var codec: String?
    var recording: String
    var reason_header: String?
    /// The far end's URI as the phone saw it (From of an incoming call).
    var remote: String?
    /// Media started before the answer (a 183 with SDP); where the answer falls in the recording (s).
    var early_media: Bool?
    var answer_offset: Double?
    var progress_sdp: String?
    var answer_sdp: String?
    /// What the gateway's RTCP told the phone: our CNAME, reports about its stream.
    var rtcp_peer_cname: String?
    var rtcp_peer_reports: Int?
    var rtcp_peer_loss: Int?
    var rtcp_peer_jitter_us: Int?
    var rtcp_rtt_us: Int?
}

struct PhoneReport: Decodable {
    var registered: Bool
    var calls: [PhoneCall]
}

/// A pjsua2 phone running in the background until it prints its report.
final class Phone: @unchecked Sendable {  // `task` is set once in `start`, read after
    let task: Task<ProcessResult, Error>
    private init(task: Task<ProcessResult, Error>) { self.task = task }

    static func start(port: Int, directory: String, rtpPort: Int, env: [String: String]) -> Phone {
        var environment = ["GW_PORT": String(port), "SIP_USER": "alice", "SIP_PASS": "secret", "OUT_DIR": directory,
                           "RTP_PORT": String(rtpPort)]
        for (k, v) in env { environment[k] = v }
        let seconds = Double(environment["SECONDS"] ?? "4") ?? 4
        // A phone taking many calls (CALLS_EXPECTED) runs until its STOP_FILE appears.
        let limit = environment["PROCESS_TIMEOUT"].flatMap(Double.init) ?? seconds + 60
        let task = Task {
            try await runProcess("/usr/bin/env", ["python3", "\(SIPPeers.scripts)/pj_phone.py"], environment: environment,
                                 directory: directory, timeout: limit)
        }
        return Phone(task: task)
    }

    func report() async throws -> PhoneReport {
        let result = try await task.value
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let report = try? JSONDecoder().decode(PhoneReport.self, from: Data(last.utf8)) else {
            throw HarnessError(description: "pj_phone gave no report: \(result.stdout.suffix(1500)) \(result.stderr.suffix(1500))")
        }
        return report
    }
}

/// Three consecutive 1 s windows of a recording, ending 200 ms before its end (the end may
/// hold the hang-up), each analysed on its own.
func recordedToneWindows(_ path: String) throws -> [ToneAnalysis] {
    let samples = try recordedSamples(path)
    let end = samples.count - 1600
    return (1...3).compactMap { w in
        let start = end - 8000 * w
        guard start >= 0 else { return nil }
        return FrequencyAnalysis.analyze(Array(samples[start..<(start + 8000)]))
    }
}

extension GatewayHarness {
    static let sipTail = """
        [sip]
        listen = ["udp:127.0.0.1:0"]
        rtp_port_min = 31000
        rtp_port_max = 31999
        default_inbound_user = "alice"

        [[user]]
        name = "alice"
        password = "secret"
        max_concurrent_calls = 20
        """

    static func startWithSIP(modems: [String]) async throws -> (GatewayHarness, Int) {
        let h = try await GatewayHarness.start(modems: modems, tail: sipTail)
        let sip = try #require(h.running.sip)
        let port = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        for m in modems { try await h.waitFor(m, "free") { $0.state == .free } }
        return (h, port)
    }

    func liveCalls() async throws -> [LiveCall] {
        let outcome = await cli(["calls", "--json"])
        guard outcome.exitCode == 0 else { throw HarnessError(description: "simgate calls failed: \(outcome.standardError)") }
        return try ControlJSON.decoder().decode(CallList.self, from: Data(outcome.standardOutput.utf8)).calls
    }

    /// Waits until `count` live calls are answered; returns them.
    func waitForAnswered(_ count: Int, seconds: Double = 20) async throws -> [LiveCall] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [LiveCall] = []
        while Date() < deadline {
            last = try await liveCalls().filter { $0.state == "answered" }
            if last.count >= count { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(description: "wanted \(count) answered calls, have \(last.count)")
    }

    /// Waits until every record is closed and there are `count`; returns them oldest first.
    func closedRecords(count: Int, seconds: Double = 20) async throws -> [CallDetail] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [CallDetail] = []
        while Date() < deadline {
            last = try await records()
            if last.count >= count, last.allSatisfy({ $0.endAt != nil }) { return last.sorted { $0.inviteAt < $1.inviteAt } }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError(description: "wanted \(count) closed records, have \(last)")
    }

    /// Checks that a tone arrived at modem `name` (the last second modemsim heard).
    func expectToneAtModem(_ name: String, _ context: String) async throws {
        let samples = try await simulator.receivedSamples(name)
        #expect(samples.count >= 4000, "\(context): only \(samples.count) samples reached \(name)")
        let a = try #require(FrequencyAnalysis.analyze(samples), "\(context): no tone at \(name)")
        #expect(abs(a.frequency - 1000) <= 2, "\(context): \(a.frequency) Hz at \(name)")
        #expect(a.snrDB >= 30, "\(context): SNR \(a.snrDB) dB at \(name)")
    }
}

/// The phone's side: the median of three 1 s windows must be 1 kHz ± 2 Hz with SNR ≥ 30 dB.
/// Why the median: pjsua2's conference bridge runs on the null sound device's clock, and when
/// the host is busy (other test suites compiling or running) that clock stalls and inserts the
/// same gap into every recorder of the process at once; one such gap in a window costs a few
/// dB. The gateway's side is checked at modemsim on a plain 1 s window.
func expectToneInRecording(_ call: PhoneCall, _ context: String) throws {
    let windows = try recordedToneWindows(call.recording)
    try #require(windows.count == 3, "\(context): recording too short or silent")
    let f = windows.map(\.frequency).sorted()[1], snr = windows.map(\.snrDB).sorted()[1]
    #expect(abs(f - 1000) <= 2, "\(context): \(windows.map(\.frequency)) Hz at the phone")
    #expect(snr >= 30, "\(context): SNR \(windows.map(\.snrDB)) dB at the phone")
}

@Suite("Bridged SIP ↔ GSM calls (pjsua2 phone, modemsim network)", .serialized, .timeLimit(.minutes(5)),
       .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
struct BridgeCallTests {
    @Test("outbound: the phone's 1 kHz reaches the modem and the modem's reaches the phone (±2 Hz, SNR ≥ 30 dB); phone hangs up; one record")
    func outboundToneBothWays() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        try await h.simulator.resetReceivedAudio("huawei1")
        let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000, env: ["MODE": "call", "NUMBER": "+79161234567", "SECONDS": "4"])
        let answered = try await h.waitForAnswered(1)
        #expect(answered[0].modemID == "huawei1" && answered[0].direction == "outbound")
        try await Task.sleep(for: .milliseconds(2200))
        try await h.expectToneAtModem("huawei1", "outbound")
        let report = try await phone.report()
        #expect(report.registered)
        let call = try #require(report.calls.first)
        #expect(call.confirmed && call.ringing, "\(call)")
        #expect(call.rx_packets > 100 && call.tx_packets > 100, "\(call)")
        try expectToneInRecording(call, "outbound")
        let rows = try await h.closedRecords(count: 1)
        #expect(rows.count == 1)
        let r = rows[0]
        #expect(r.direction == "outbound" && r.sipUser == "alice" && r.modemID == "huawei1")
        #expect(r.calleeDialed == "+79161234567")
        #expect(r.gsmCause == "local-hangup" && r.answerAt != nil && r.billableSeconds >= 3, "\(r)")
        #expect(r.rtpIn > 100 && r.rtpOut > 100 && r.framesIn > 100 && r.framesOut > 100, "\(r)")
        let list = await h.cli(["calls", "--json"])
        let media = try ControlJSON.decoder().decode(CallList.self, from: Data(list.standardOutput.utf8)).media
        // The latency histograms are the daemon's own: this one call's set-up and frames.
        #expect(media?.inviteToDial.samples == 1 && (media?.rtpToPCM.samples ?? 0) > 100, "\(String(describing: media))")
    }

    @Test("DTMF 0-9*# both ways, each digit once: RFC 4733 → AT^DTMF; in-band and ^DDTMF/+RXDTMF → RFC 4733")
    func dtmfBothWays() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["huawei1", "simcom1"])
        defer { Task { await h.stop() } }
        let digits = "0123456789*#"
        for (modem, byURC) in [("huawei1", false), ("simcom1", true)] {
            let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                    env: ["MODE": "call", "NUMBER": "\(modem)*+79161234567", "SECONDS": "7", "DTMF": digits])
            let answered = try await h.waitForAnswered(1)
            #expect(answered[0].modemID == modem)
            try await Task.sleep(for: .milliseconds(1200))
            try await h.simulator.pressDigits(modem, digits, reportByURC: byURC)
            let report = try await phone.report()
            let call = try #require(report.calls.first)
            var sent: [String] = []
            for _ in 0..<30 {
                sent = try await h.simulator.dtmfSent(modem)
                if sent.count >= digits.count { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(sent == digits.map(String.init), "\(modem): phone → network \(sent)")
            #expect(call.dtmf_received == digits, "\(modem) (\(byURC ? "URC" : "in-band")): network → phone \(call.dtmf_received)")
            _ = try await h.closedRecords(count: modem == "huawei1" ? 1 : 2)
            try await h.waitFor(modem, "free") { $0.state == .free }
        }
    }

    @Test("inbound: RING rings the phone, it answers, audio both ways; hang-up either side, caller abandons, user refuses; one record each")
    func inbound() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["huawei1"])
        defer { Task { await h.stop() } }
        // 1. The phone answers and hangs up.
        var phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000, env: ["MODE": "answer", "SECONDS": "4"])
        try await h.waitForRegistered("alice")
        try await h.simulator.resetReceivedAudio("huawei1")
        try await h.simulator.ringIn("huawei1", from: "+79031112233")
        let answered = try await h.waitForAnswered(1)
        #expect(answered[0].direction == "inbound")
        try await Task.sleep(for: .milliseconds(2200))
        try await h.expectToneAtModem("huawei1", "inbound")
        var report = try await phone.report()
        var call = try #require(report.calls.first)
        #expect(call.confirmed, "\(call)")
        try expectToneInRecording(call, "inbound")
        var rows = try await h.closedRecords(count: 1)
        #expect(rows[0].direction == "inbound" && rows[0].caller == "+79031112233" && rows[0].sipUser == "alice", "\(rows[0])")
        #expect(rows[0].answerAt != nil && rows[0].gsmCause == "local-hangup", "\(rows[0])")
        try await h.waitFor("huawei1", "free") { $0.state == .free }

        // 2. The caller hangs up: the phone gets BYE.
        phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000, env: ["MODE": "answer", "SECONDS": "8", "HANGUP": "remote"])
        try await h.waitForRegistered("alice")
        try await h.simulator.ringIn("huawei1", from: "+79031112233")
        _ = try await h.waitForAnswered(1)
        try await Task.sleep(for: .milliseconds(1000))
        try await h.simulator.remoteHangup("huawei1")
        report = try await phone.report()
        call = try #require(report.calls.first)
        #expect(call.confirmed && call.disconnect_code != nil, "\(call)")
        rows = try await h.closedRecords(count: 2)
        #expect(rows[1].gsmCause == "normal" && rows[1].answerAt != nil, "\(rows[1])")
        try await h.waitFor("huawei1", "free") { $0.state == .free }

        // 3. The caller gives up while the phone rings: CANCEL.
        phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000, env: ["MODE": "answer", "ANSWER_AFTER": "30", "SECONDS": "1", "HANGUP": "remote"])
        try await h.waitForRegistered("alice")
        try await h.simulator.ringIn("huawei1", from: "+79031112233", abandonAfter: 1.5)
        report = try await phone.report()
        call = try #require(report.calls.first)
        #expect(!call.confirmed && call.disconnect_code == 487, "\(call)")
        rows = try await h.closedRecords(count: 3)
        #expect(rows[2].answerAt == nil && rows[2].gsmCause == "normal", "\(rows[2])")
        try await h.waitFor("huawei1", "free") { $0.state == .free }

        // 4. The user refuses (486): the modem hangs up.
        phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000, env: ["MODE": "answer", "ANSWER_CODE": "486", "SECONDS": "1", "HANGUP": "remote"])
        try await h.waitForRegistered("alice")
        try await h.simulator.ringIn("huawei1", from: "+79031112233")
        report = try await phone.report()
        rows = try await h.closedRecords(count: 4)
        #expect(rows[3].answerAt == nil && rows[3].sipStatus == 486 && rows[3].gsmCause == "local-hangup", "\(rows[3])")
        #expect(try await h.records().count == 4)
    }

    @Test("outbound failures: busy, no answer (final, with Reason), congestion fails over, CANCEL while ringing, far end hangs up, modem unplugged")
    func outboundFailures() async throws {
        let (h, port) = try await GatewayHarness.startWithSIP(modems: ["huawei1", "huawei2"])
        defer { Task { await h.stop() } }
        for m in ["huawei1", "huawei2"] {
            try await h.simulator.setCallee(m, CalleeRule(pattern: "+79990000017", behaviour: .busy(after: 0.3)))
            try await h.simulator.setCallee(m, CalleeRule(pattern: "+79990000019", behaviour: .noAnswer(after: 0.3)))
            try await h.simulator.setCallee(m, CalleeRule(pattern: "+79990000099", behaviour: .answer(after: 6, dropAfter: nil)))
            try await h.simulator.setCallee(m, CalleeRule(pattern: "+79990000016", behaviour: .answer(after: 0.3, dropAfter: 1.5)))
        }
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79990000034", behaviour: .congestion(after: 0.2)))
        var expected = 0
        func call(_ env: [String: String]) async throws -> PhoneCall {
            let report = try await Phone.start(port: port, directory: h.directory, rtpPort: 40000, env: env).report()
            return try #require(report.calls.first)
        }
        // Busy and no answer are final, with the mapped status and Reason.
        for (number, status, q850) in [("+79990000017", 486, 17), ("+79990000019", 480, 19)] {
            let c = try await call(["MODE": "call", "NUMBER": "huawei1*\(number)"])
            #expect(c.disconnect_code == status && !c.confirmed, "\(number): \(c)")
            #expect(c.reason_header?.contains("cause=\(q850)") == true, "\(number): \(String(describing: c.reason_header))")
            expected += 1
            let rows = try await h.closedRecords(count: expected)
            #expect(rows.last?.sipStatus == status && rows.last?.q850 == q850, "\(String(describing: rows.last))")
            try await h.waitFor("huawei1", "free") { $0.state == .free }
        }
        // Congestion on huawei1: huawei2 carries the call; the phone only heard ringing.
        var c = try await call(["MODE": "call", "NUMBER": "+79990000034", "SECONDS": "2"])
        #expect(c.confirmed, "\(c)")
        expected += 2
        var rows = try await h.closedRecords(count: expected)
        let attempts = rows.suffix(2).sorted { $0.attempt < $1.attempt }
        #expect(attempts.map(\.modemID) == ["huawei1", "huawei2"] && attempts[0].callID == attempts[1].callID)
        #expect(attempts[0].gsmCause == "congestion" && attempts[0].sipStatus == 503 && attempts[1].answerAt != nil, "\(attempts)")
        for m in ["huawei1", "huawei2"] { try await h.waitFor(m, "free") { $0.state == .free } }
        // CANCEL while ringing → modem hang-up, 487.
        c = try await call(["MODE": "call", "NUMBER": "huawei1*+79990000099", "CANCEL_AFTER": "1.5"])
        #expect(c.disconnect_code == 487 && !c.confirmed, "\(c)")
        expected += 1
        rows = try await h.closedRecords(count: expected)
        #expect(rows.last?.sipStatus == 487 && rows.last?.gsmCause == "local-hangup" && rows.last?.answerAt == nil, "\(String(describing: rows.last))")
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        // The far end hangs up: the phone gets BYE.
        c = try await call(["MODE": "call", "NUMBER": "huawei1*+79990000016", "SECONDS": "8", "HANGUP": "remote"])
        #expect(c.confirmed && c.disconnect_code != nil, "\(c)")
        expected += 1
        rows = try await h.closedRecords(count: expected)
        #expect(rows.last?.gsmCause == "normal" && rows.last?.answerAt != nil, "\(String(describing: rows.last))")
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        // The modem is unplugged mid-call: BYE to the phone, the record says why.
        let phone = Phone.start(port: port, directory: h.directory, rtpPort: 40000,
                                env: ["MODE": "call", "NUMBER": "huawei1*+79161234567", "SECONDS": "10", "HANGUP": "remote"])
        _ = try await h.waitForAnswered(1)
        try await Task.sleep(for: .milliseconds(800))
        try await h.simulator.unplug("huawei1")
        c = try #require(try await phone.report().calls.first)
        #expect(c.confirmed && c.disconnect_code != nil, "\(c)")
        expected += 1
        rows = try await h.closedRecords(count: expected)
        #expect(rows.last?.gsmCause == "modem-gone" && rows.last?.answerAt != nil, "\(String(describing: rows.last))")
        #expect(try await h.records().count == expected)
    }

    @Test("16 simultaneous bridged calls on 16 modems, clean audio both ways")
    func sixteenCalls() async throws {
        let names = bulkModems.map(\.name)
        let (h, port) = try await GatewayHarness.startWithSIP(modems: names)
        defer { Task { await h.stop() } }
        for m in names { try await h.simulator.resetReceivedAudio(m) }
        // This pjsua2 build allows 4 calls per process (PJSUA_MAX_CALLS): 4 phones × 4 calls.
        var phones: [Phone] = []
        for p in 0..<4 {
            let dir = "\(h.directory)/phone\(p)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            phones.append(Phone.start(port: port, directory: dir, rtpPort: 40000 + 200 * p,
                                      env: ["MODE": "call", "NUMBER": "+79161234567", "CALLS": "4", "SECONDS": "6"]))
        }
        let answered: [LiveCall]
        do { answered = try await h.waitForAnswered(16, seconds: 30) } catch {
            let r = try? await phones[0].task.value
            throw HarnessError(description: "\(error); phone: \(r?.stdout.suffix(3000) ?? "") \(r?.stderr.suffix(2000) ?? "")")
        }
        #expect(Set(answered.compactMap(\.modemID)).count == 16)
        try await Task.sleep(for: .milliseconds(2200))
        for m in names { try await h.expectToneAtModem(m, "16 calls") }
        var all: [PhoneCall] = []
        for phone in phones { all += try await phone.report().calls }
        #expect(all.count == 16)
        for (i, c) in all.enumerated() {
            #expect(c.confirmed, "call \(i): \(c)")
            try expectToneInRecording(c, "16 calls, call \(i)")
        }
        let rows = try await h.closedRecords(count: 16, seconds: 30)
        #expect(rows.count == 16 && rows.allSatisfy { $0.answerAt != nil && $0.gsmCause == "local-hangup" })
    }
}
