// Replay mode: transcripts parse as documented (Tests/Fixtures/transcripts/README.md), and a
// replaying modem delivers the timeline over a real pty in order and with its delays, while
// answering the host's commands from the rules.
import Foundation
import Testing
@testable import ModemSimulator

enum Transcripts {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/transcripts").path

    static func path(_ name: String) -> String { "\(directory)/\(name)" }

    static var all: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    }

    /// A simulator with one modem replaying `transcript`.
    static func withReplay<T>(_ transcript: ReplayTranscript, name: String = "rp",
                              _ body: (ModemSimulator, PortClient) async throws -> T) async throws -> T {
        try await Fixture.withSimulator([ModemConfig.replaying(transcript, name: name)]) { sim, _ in
            let port = try PortClient(path: try await sim.portPaths(name).at)
            return try await body(sim, port)
        }
    }
}

@Suite("Transcript format")
struct TranscriptFormatTests {
    @Test("Every fixture transcript parses and names its source")
    func fixturesParse() throws {
        #expect(Transcripts.all.count >= 4)
        for file in Transcripts.all {
            let t = try ReplayTranscript.load(path: Transcripts.path(file))
            #expect(!t.sources.isEmpty, "\(file) has no @source")
            #expect(t.vendor != nil, "\(file) has no @vendor")
            #expect(t.steps.contains { if case .output = $0 { true } else { false } }, "\(file) plays nothing")
        }
    }

    @Test("Directives, escapes, leading spaces and positional rules")
    func directives() throws {
        let t = try ReplayTranscript.parse("""
            # comment
            @source somewhere
            @vendor Huawei
            @default \\r\\nERROR\\r\\n
            @timeout 1500
            @echo off
            @model E1550
            AT+CSQ -> \\r\\n+CSQ: 14,99\\r\\n\\r\\nOK\\r\\n
            +0 \\r\\n  ^CEND: 1,9,67,16\\r\\n
            +250 \\r\\n+CSQ: 20,99
            < AT+CLIP
            <700 ata
            !pause
            !audio on
            +5 x\\sy\\x01\\\\\\t
              !audio off
            """)
        #expect(t.sources == ["somewhere"])
        #expect(t.vendor == .huawei)
        #expect(t.defaultAnswer == Array("\r\nERROR\r\n".utf8))
        #expect(t.echo == .off)
        #expect(t.steps == [
            .rule(prefix: "AT+CSQ", bytes: Array("\r\n+CSQ: 14,99\r\n\r\nOK\r\n".utf8)),
            // Spaces inside the text are kept: real lines have them.
            .output(delayMS: 0, bytes: Array("\r\n  ^CEND: 1,9,67,16\r\n".utf8)),
            // No terminator: the line stays unterminated on the port.
            .output(delayMS: 250, bytes: Array("\r\n+CSQ: 20,99".utf8)),
            .expect(prefix: "AT+CLIP", timeoutMS: 1500),
            .expect(prefix: "ATA", timeoutMS: 700),
            .pause,
            .audio(true),
            .output(delayMS: 5, bytes: Array("x y".utf8) + [0x01, 0x5C, 0x09]),
            .audio(false),
        ])
    }

    @Test("Errors name the line", arguments: [
        ("+x OK", 1), ("@vendor nokia", 1), ("\n\nAT -> \\q", 3), ("hello", 1), ("<", 1), ("!jump", 1), ("+0 \\x4", 1),
    ])
    func errors(text: String, line: Int) {
        #expect(throws: TranscriptError.self) { try ReplayTranscript.parse(text) }
        do {
            _ = try ReplayTranscript.parse(text)
        } catch {
            #expect(error.line == line)
        }
    }

    @Test("A config's replay path is checked at validation, naming the field")
    func configField() throws {
        let dir = Fixture.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func json(_ replay: String) -> Data {
            Data("""
                {"linkDirectory": "\(dir)", "modems": [{"name": "hw", "vendor": "huawei", "replay": "\(replay)",
                 "identity": {"imei": "354099000000012", "imsi": "250010000000001", "iccid": "8970100000000000012"},
                 "network": {"mccmnc": "25001", "longName": "MTS"}}]}
                """.utf8)
        }
        let ok = try SimulatorConfig.load(json: json(Transcripts.path("huawei-e1550-outgoing-call.txt")))
        #expect(ok.modems[0].replay?.hasSuffix("huawei-e1550-outgoing-call.txt") == true)
        try "+x\n".write(toFile: "\(dir)/bad.txt", atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try SimulatorConfig.load(json: json("\(dir)/bad.txt")) }
        do {
            _ = try SimulatorConfig.load(json: json("\(dir)/missing.txt"))
        } catch {
            #expect(error.field == "modems[0].replay")
        }
    }
}

@Suite("Replay over a pty", .serialized)
struct ReplayTests {
    @Test("Timeline bytes arrive in order and not before their delay; rules and default answer the host")
    func timelineAndRules() async throws {
        let t = try ReplayTranscript.parse("""
            AT+CGMM -> \\r\\nE1550\\r\\n\\r\\nOK\\r\\n
            AT+CGMM? -> \\r\\nlonger prefix\\r\\n\\r\\nOK\\r\\n
            < AT+GO
            +0 \\r\\nOK\\r\\n
            +300 \\r\\nFIRST\\r\\n
            +300 \\r\\nSECOND\\r\\n
            AT+CGMM -> \\r\\nreplaced\\r\\n\\r\\nOK\\r\\n
            +0 \\r\\nTHIRD
            """)
        try await Transcripts.withReplay(t) { sim, port in
            // Echo is on after power-on (auto), off after ATE0.
            #expect(port.command("AT") == "AT\r\r\nOK\r\n")
            #expect(port.command("ATE0") == "ATE0\r\r\nOK\r\n")
            #expect(port.command("AT+CGMM") == "\r\nE1550\r\n\r\nOK\r\n")
            #expect(port.command("at+cgmm?") == "\r\nlonger prefix\r\n\r\nOK\r\n")
            #expect(port.command("AT+CMEE=1") == "\r\nOK\r\n")
            // Nothing of the timeline before the awaited command.
            #expect(port.read(until: "FIRST", timeout: 0.4) == "")
            let sent = Date()
            #expect(port.command("AT+GO") == "\r\nOK\r\n")
            #expect(port.read(until: "FIRST\r\n", timeout: 2) == "\r\nFIRST\r\n")
            let first = Date().timeIntervalSince(sent)
            var rest = port.read(until: "SECOND\r\n", timeout: 2)
            let second = Date().timeIntervalSince(sent)
            #expect(first >= 0.28)
            #expect(second - first >= 0.25)
            // The last line has no terminator and is delivered as is (right after SECOND).
            if !rest.hasSuffix("THIRD") { rest += port.read(until: "THIRD", timeout: 1) }
            #expect(rest == "\r\nSECOND\r\n\r\nTHIRD")
            // The rule defined later in the file replaced the first once the timeline got there.
            #expect(port.command("AT+CGMM") == "\r\nreplaced\r\n\r\nOK\r\n")
            let s = try await sim.replayStatus("rp")
            #expect(s.finished)
            #expect(s.commands == ["AT", "ATE0", "AT+CGMM", "at+cgmm?", "AT+CMEE=1", "AT+GO", "AT+CGMM"])
            #expect(s.defaulted == ["AT", "ATE0", "AT+CMEE=1"])
            #expect(s.timeouts.isEmpty)
            let status = try await sim.status("rp")
            #expect(status.replay == s)
        }
    }

    @Test("A wait that times out is recorded and the timeline goes on; !pause holds until continued")
    func timeoutAndPause() async throws {
        let t = try ReplayTranscript.parse("""
            @echo off
            <200 ATA
            +0 \\r\\nAFTER-TIMEOUT\\r\\n
            !pause
            +0 \\r\\nRESUMED\\r\\n
            """)
        try await Transcripts.withReplay(t) { sim, port in
            #expect(port.read(until: "AFTER-TIMEOUT\r\n", timeout: 2) == "\r\nAFTER-TIMEOUT\r\n")
            var s = try await sim.replayStatus("rp")
            #expect(s.timeouts == ["ATA"])
            #expect(s.paused && !s.finished)
            #expect(port.read(until: "RESUMED", timeout: 0.3) == "")
            try await sim.continueReplay("rp")
            #expect(port.read(until: "RESUMED\r\n", timeout: 2) == "\r\nRESUMED\r\n")
            s = try await sim.waitForReplay("rp", timeout: 2)
            #expect(s.finished && !s.paused)
            await #expect(throws: SimulatorError.self) { try await sim.continueReplay("rp") }
            // Echo off: the command comes back without its echo.
            #expect(port.command("AT") == "\r\nOK\r\n")
        }
    }

    @Test("A host that asks sooner than the captured one gets the timeline's output at once, in order")
    func catchUp() async throws {
        let t = try ReplayTranscript.parse("""
            @echo off
            +5000 \\r\\n^RSSI:15\\r\\n
            AT+CLCC -> \\r\\nOK\\r\\n
            < AT+COPS?
            +0 \\r\\n+COPS: 0,2,"25507",2\\r\\n\\r\\nOK\\r\\n
            +100 \\r\\nRING\\r\\n
            """)
        try await Transcripts.withReplay(t) { sim, port in
            let sent = Date()
            #expect(port.command("AT+COPS?") == "\r\n^RSSI:15\r\n\r\n+COPS: 0,2,\"25507\",2\r\n\r\nOK\r\n")
            #expect(Date().timeIntervalSince(sent) < 2)
            // The rule the skipped part defined is in force.
            #expect(port.command("AT+CLCC") == "\r\nOK\r\n")
            #expect(port.read(until: "RING\r\n", timeout: 1) == "\r\nRING\r\n")
            let s = try await sim.waitForReplay("rp", timeout: 1)
            #expect(s.finished && s.timeouts.isEmpty && s.defaulted.isEmpty)
        }
    }

    @Test("A modem not in replay mode has no replay status")
    func notReplaying() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            await #expect(throws: SimulatorError.self) { try await sim.replayStatus("hw") }
            let status = try await sim.status("hw")
            #expect(status.replay == nil)
        }
    }

    @Test("!audio on streams 20 ms PCM frames on the audio port until !audio off")
    func audio() async throws {
        let t = try ReplayTranscript.parse("""
            < ATA
            +0 \\r\\nOK\\r\\n
            !audio on
            +400 \\r\\n^CEND:1,0,104,31\\r\\n
            !audio off
            """)
        try await Transcripts.withReplay(t) { sim, port in
            let audio = try PortClient(path: try await sim.portPaths("rp").audio)
            #expect(port.command("ATA").hasSuffix("\r\nOK\r\n"))
            let frames = audio.read(count: 320 * 5, timeout: 2)
            #expect(frames.count == 320 * 5)
            #expect(frames.contains { $0 != 0 })  // the configured tone, not silence
            _ = port.read(until: "^CEND", timeout: 2)
            try await Task.sleep(for: .milliseconds(100))
            audio.pump(for: 0.1)
            _ = audio.take()
            audio.pump(for: 0.3)
            #expect(audio.take().isEmpty)
        }
    }

    /// The daemon's Huawei init, in its order (ModemStateMachine: probe, identity, SIM stage).
    static let daemonHuaweiInit = [
        "AT", "ATE0", "AT+CMEE=1", "AT+CGMI", "AT+CGMM", "AT+CGMR", "AT+CGSN", "AT+CPIN?", "AT+CIMI", "AT^ICCID?",
        "AT+CNUM", "AT+CLIP=1", "AT+CRC=1", "AT^CURC=1", "AT+CCWA=0,0,1", "AT^CVOICE?", "AT+CREG=2", "AT+COPS=3,2",
        "AT+CSQ", "AT+CREG?", "AT+COPS?",
    ]

    static func resumeWhenPaused(_ sim: ModemSimulator, _ name: String) async throws {
        for _ in 0..<200 {
            if try await sim.replayStatus(name).paused { return try await sim.continueReplay(name) }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("replay of \(name) never reached its pause")
    }

    @Test("The Huawei capture boots, registers and delivers an inbound call to a host that answers")
    func huaweiInboundCall() async throws {
        let t = try ReplayTranscript.load(path: Transcripts.path("huawei-e1550-boot-register-inbound-call.txt"))
        try await Transcripts.withReplay(t, name: "hw") { sim, port in
            var answers: [String: String] = [:]
            // The capture's idle ^RSSI may land between any two answers; it is not part of them.
            for c in Self.daemonHuaweiInit { answers[c] = port.command(c).replacingOccurrences(of: "\r\n^RSSI:15\r\n", with: "") }
            #expect(answers["AT"] == "AT\r\r\nOK\r\n")
            #expect(answers["AT+CGMI"] == "\r\nhuawei\r\n\r\nOK\r\n")
            #expect(answers["AT+CGMM"] == "\r\nE1550\r\n\r\nOK\r\n")
            #expect(answers["AT+CPIN?"] == "\r\n+CPIN: READY\r\n\r\nOK\r\n")
            #expect(answers["AT+CIMI"] == "\r\n255071013516311\r\n\r\nOK\r\n")
            #expect(answers["AT^CVOICE?"] == "\r\n^CVOICE:0,8000,16,20\r\n\r\nOK\r\n")
            #expect(answers["AT+CREG?"] == "\r\n+CREG: 2,1,8BE3,2BAF\r\n\r\nOK\r\n")
            #expect(answers["AT+COPS?"]?.hasSuffix("\r\n+COPS: 0,2,\"25507\",2\r\n\r\nOK\r\n") == true)
            #expect(port.command("AT+CLCC") == "\r\nOK\r\n")
            // The transcript holds the call at its `!pause` until the test is ready for it.
            try await Self.resumeWhenPaused(sim, "hw")

            let ring = port.read(until: "^DSCI: 1,1,4,0,0,\"+1234567890\",145,,,0,\"\",0\r\n", timeout: 5)
            #expect(ring.hasSuffix("\r\n+CRING: VOICE\r\n\r\n+CLIP: \"+1234567890\",145,,,,0\r\n\r\n^DSCI: 1,1,4,0,0,\"+1234567890\",145,,,0,\"\",0\r\n"))
            #expect(port.command("AT+CLCC") == "\r\n+CLCC: 1,1,4,0,0,\"+1234567890\",145\r\n\r\nOK\r\n")
            #expect(port.command("ATA").hasSuffix("\r\nOK\r\n"))
            #expect(port.read(until: "^CONN:1,0\r\n", timeout: 3).hasSuffix("\r\n^CONN:1,0\r\n"))
            #expect(port.command("AT^DDSETEX=2") == "\r\nOK\r\n")
            #expect(port.command("AT+CLCC") == "\r\n+CLCC: 1,1,0,0,0,\"+1234567890\",145\r\n\r\nOK\r\n")
            let end = port.read(until: "NO CARRIER\r\n", timeout: 12)
            #expect(end.hasSuffix("\r\n^CEND: 1,9,67,16\r\n\r\n^DSCI: 1,1,6,0,0,\"+1234567890\",145,,16,0,\"\",0\r\n\r\nNO CARRIER\r\n"))
            #expect(port.command("AT+CLCC") == "\r\nOK\r\n")
            let s = try await sim.waitForReplay("hw", timeout: 3)
            #expect(s.finished)
            #expect(s.timeouts.isEmpty)
            // What the capture could not answer got OK, so the init never stalled.
            #expect(s.defaulted.contains("AT+CLIP=1") && s.defaulted.contains("AT^ICCID?"))
        }
    }

    @Test("The E1550 outgoing-call capture: a ^RSSI inside the AT+CGMM response, then ^ORIG ^CONF ^CONN ^CEND")
    func huaweiOutgoingCall() async throws {
        let t = try ReplayTranscript.load(path: Transcripts.path("huawei-e1550-outgoing-call.txt"))
        try await Transcripts.withReplay(t, name: "hw") { sim, port in
            // The unsolicited ^RSSI the trace opens with.
            #expect(port.read(until: "^RSSI:15\r\n", timeout: 1) == "\r\n^RSSI:15\r\n")
            #expect(port.command("AT+CGMM") == "AT+CGMM\r\r\n^RSSI:15\r\n\r\nE1550\r\n\r\nOK\r\n")
            #expect(port.command("ATE0") == "ATE0\r\r\nOK\r\n")
            #expect(port.command("AT+CGMM") == "\r\nE1550\r\n\r\nOK\r\n")
            #expect(port.command("AT^CPBR=1,50", final: "\r\n") == "\r\n+CME ERROR: 22\r\n")
            #expect(port.command("ATD+380972763224;") == "\r\nOK\r\n")
            let call = port.read(until: "^CEND:1,0,104,31\r\n", timeout: 10)
            let order = ["^ORIG:1,0", "^CONF:1", "^CONN:1,0", "^CEND:1,0,104,31"].map { call.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil })
            #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
            let done = try await sim.waitForReplay("hw", timeout: 3)
            #expect(done.finished)
        }
    }

    @Test("SIMCom capture keeps the CR CR LF framing of call URCs")
    func simcomFraming() async throws {
        let t = try ReplayTranscript.load(path: Transcripts.path("simcom-voice-call-urcs.txt"))
        try await Transcripts.withReplay(t, name: "sc") { _, port in
            #expect(port.read(until: "VOICE\r\r\n", timeout: 3) == "\r\r\n+CRING: VOICE\r\r\n")
            _ = port.command("ATE0")
            _ = port.command("ATA")
            #expect(port.read(until: "000041\r\n", timeout: 8).contains("\r\r\n+RXDTMF: 8\r\r\n"))
        }
    }
}
