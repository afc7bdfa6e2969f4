// The daemon uses what real modems print (issue 11 point 3), end to end: a scripted modem on
// a raw pty (modemsim does not print these lines) answers the daemon's init, then sends real
// Huawei URCs; `simgate modem show --json` and the human view must show them, the inbound
// call announced by ^DSCI and ended by ^CEND must reach the gateway's call handling (the
// missed-call list), and unknown lines are counted and shown, never fatal.
#if canImport(Glibc)
import Glibc
#endif
import ControlModel
import Foundation
import Testing

/// A pty whose master side answers AT commands from a script and can push URC text.
final class ScriptedPTYModem: @unchecked Sendable {
    let master: Int32
    let slave: Int32
    let slavePath: String
    private let lock = NSLock()
    private var stopped = false
    private var thread: Thread?
    private let answers: [String: [String]]

    init(answers: [String: [String]]) throws {
        var fd: Int32 = -1
        var slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 128)
        guard openpty(&fd, &slave, &name, nil, nil) == 0 else {
            throw HarnessError(description: "cannot open a pty: errno \(errno)")
        }
        master = fd
        // Held open so the master never reads EIO while the daemon reopens its side.
        self.slave = slave
        slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.answers = answers
        var t = termios()
        tcgetattr(slave, &t)
        cfmakeraw(&t)
        tcsetattr(slave, TCSANOW, &t)
    }

    func start() {
        let t = Thread { [self] in run() }
        thread = t
        t.start()
    }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        Thread.sleep(forTimeInterval: 0.2)
        close(master)
        close(slave)
    }

    /// Writes `lines` as URCs (CR LF framed).
    func send(_ lines: [String]) {
        let text = lines.map { "\r\n\($0)\r\n" }.joined()
        write(text)
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { p in _ = Glibc.write(master, p.baseAddress, p.count) }
    }

    private func run() {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            lock.lock(); let done = stopped; lock.unlock()
            if done { return }
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            let n = read(master, &buffer, buffer.count)
            // EIO while the daemon has the slave closed (between reopen attempts): wait.
            guard n > 0 else { Thread.sleep(forTimeInterval: 0.05); continue }
            pending += buffer[0..<n]
            while let cr = pending.firstIndex(of: 0x0D) {
                let command = String(decoding: pending[..<cr], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                pending.removeSubrange(...cr)
                guard !command.isEmpty else { continue }
                let lines = answers[command.uppercased()] ?? []
                write(lines.map { "\r\n\($0)\r\n" }.joined() + "\r\nOK\r\n")
            }
        }
    }
}

@Suite("Modem state from real URCs over the control API", .serialized, .timeLimit(.minutes(2)))
struct ModemURCStateTests {
    static let answers: [String: [String]] = [
        "AT+CGMI": ["huawei"], "AT+CGMM": ["E1550"], "AT+CGMR": ["11.609.18.00.00"],
        "AT+CGSN": ["351234567890123"], "AT+CPIN?": ["+CPIN: READY"], "AT+CIMI": ["250011234567890"],
        "AT+CCID": ["89330000000000000001"], "AT+CSQ": ["+CSQ: 16,99"],
        "AT+CREG?": ["+CREG: 2,1,8BE3,2BAF"], "AT+COPS?": ["+COPS: 0,2,\"25001\",2"],
        "ATI": ["Manufacturer: huawei", "Model: E1550", "Revision: 11.609.18.00.00"],
    ]

    @Test("^HCSQ, +CEREG, ^MODE, ^NWTIME, ^SIMST-free SIM, ^DSCI/^CEND and unknown lines show in `simgate modem show`")
    func urcsShowInSnapshot() async throws {
        let pty = try ScriptedPTYModem(answers: Self.answers)
        pty.start()
        defer { pty.stop() }
        let h = try await GatewayHarness.start(modems: [], configuredModems: ["raw1"])
        defer { Task { await h.stop() } }
        // The configured port is `<dir>/sim/raw1.at`: point it at the pty (the daemon retries).
        try FileManager.default.createSymbolicLink(atPath: h.directory + "/sim/raw1.at", withDestinationPath: pty.slavePath)
        try await h.waitFor("raw1", seconds: 20, "free") { $0.state == .free }

        pty.send([
            "^HCSQ:\"LTE\",45,50,120,20",
            "+CEREG: 1,\"00C1\",\"0A1B2C3D\",7",
            "^MODE:5,9",
            "^NWTIME: 14/08/05,04:00:21+40,00",
            "+WEIRD: 1,2",
            "+WEIRD: 1,2",
        ])
        let s = try await h.waitFor("raw1", seconds: 5, "URC state") { $0.networkTime != nil && ($0.at.unknownLines) >= 2 }
        let lte = s.signalReadings?.first { $0.rat == "LTE" }
        #expect(lte?.rsrpDBm == -91 && lte?.rssiDBm == -76 && lte?.sinrDB == 3.8 && lte?.rsrqDB == -10 && lte?.source == "^HCSQ")
        let eps = s.registrations?.first { $0.domain == "eps" }
        #expect(eps?.stat == 1 && eps?.lac == "00C1" && eps?.lacValue == 193 && eps?.ciValue == 0x0A1B2C3D && eps?.actName == "LTE")
        let cs = s.registrations?.first { $0.domain == "cs" }
        #expect(cs?.lac == "8BE3" && cs?.ci == "2BAF" && cs?.statMeaning == "registered, home network")
        #expect(s.accessTechnology == "HSPA+")
        #expect(s.networkTime?.time == "2014-08-05T04:00:21+10:00" && s.networkTime?.zone == "+10:00" && s.networkTime?.dst == 0)
        #expect(s.sim?.state == "ready" && s.sim?.code == "READY" && s.sim?.source == "+CPIN")
        #expect(s.at.unknownLines == 2)
        // This modem answers +COPS numerically whatever the format: the long name is asked
        // once, not after every answer (that looped at hundreds of commands a second).
        #expect(s.at.commandsSent < 60, "\(s.at.commandsSent) commands sent")
        #expect(s.at.recentUnknownLines?.map(\.line) == ["+WEIRD: 1,2"] && s.at.recentUnknownLines?.first?.count == 2)

        // The JSON an admin reads (`simgate modem NAME --json`, as the issue spells it) carries these keys.
        let json = await h.cli(["modem", "raw1", "--json"]).standardOutput
        for key in ["\"signalReadings\"", "\"rsrpDBm\"", "\"registrations\"", "\"statMeaning\"", "\"ciValue\"",
                    "\"networkTime\"", "\"zoneQuarterHours\"", "\"recentUnknownLines\"", "\"sim\""] {
            #expect(json.contains(key), "missing \(key)")
        }

        // Inbound call announced by ^DSCI only (no RING), then ^CEND: ringing with the caller.
        pty.send(["^DSCI: 1,1,4,0,+79161234567,145"])
        let ringing = try await h.waitFor("raw1", seconds: 5, "ringing") { $0.state == .ringing }
        #expect(ringing.currentCalls?.count == 1)
        let call = ringing.currentCalls?.first
        #expect(call?.id == 1 && call?.direction == "incoming" && call?.state == "incoming" && call?.number == "+79161234567")
        #expect(call?.source == "^DSCI")
        let human = await h.cli(["modem", "show", "raw1"]).standardOutput
        #expect(human.contains("#1 incoming incoming +79161234567"), "\(human)")
        #expect(human.contains("EPS (+CEREG)") && human.contains("rsrp -91 dBm") && human.contains("2014-08-05T04:00:21+10:00"), "\(human)")
        #expect(human.contains("2x \"+WEIRD: 1,2\""), "\(human)")
        for line in human.split(separator: "\n") { #expect(line.count <= 80, "too wide: \(line)") }
        if ProcessInfo.processInfo.environment["SIMGATE_SHOW_DETAIL"] != nil { print(human) }

        pty.send(["^CEND:1,0,104,16"])
        let ended = try await h.waitFor("raw1", seconds: 5, "free after ^CEND") { $0.state == .free }
        #expect(ended.currentCalls?.isEmpty == true)
        #expect(ended.lastCallEnd?.callID == 1 && ended.lastCallEnd?.ccCause == 16 && ended.lastCallEnd?.vendorStatus == 104)
        #expect(ended.lastCallEnd?.cause == "normal")
        #expect(ended.recentEvents.contains { $0.kind == "call" && $0.detail.contains("incoming from +79161234567") })
        // The gateway's call handling saw an inbound call that rang out: a missed call.
        let missed = try #require(h.running.inbound?.missedCalls)
        try await eventually("missed call from the ^DSCI caller", seconds: 10) {
            try await missed.list(status: nil, since: nil).first?.caller == "+79161234567"
        }
    }
}
