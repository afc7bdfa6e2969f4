// The unix-socket control channel, driven with the same client `modemsim ctl` uses.
import Foundation
import Testing
@testable import ModemSimulator

@Suite("Control channel", .serialized)
struct ControlChannelTests {
    @Test("list, status JSON, errors naming the problem, and faults applied over the socket")
    func socket() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei), Fixture.modem("qc", .quectel)], controlSocket: true) { sim, dir in
            let sock = "\(dir)/control.sock"
            let list = try ControlClient.send("list", socketPath: sock)
            #expect(list == "ok hw qc")

            let status = try ControlClient.send("status hw", socketPath: sock)
            #expect(status.hasPrefix("ok {"))
            let decoded = try JSONDecoder().decode(ModemStatus.self, from: Data(status.dropFirst(3).utf8))
            #expect(decoded.imei == "354099000000012")
            #expect(decoded.atPath == "\(dir)/hw.at")

            #expect(try ControlClient.send("signal nope 5", socketPath: sock) == "error unknown modem 'nope'")
            #expect(try ControlClient.send("signal hw 40", socketPath: sock) == "error rssi must be 0...31 or 99")
            #expect(try ControlClient.send("frobnicate hw", socketPath: sock) == "error unknown command 'frobnicate' (try 'help')")
            #expect(try ControlClient.send("register hw", socketPath: sock)
                == "error usage: register <name> home|roaming|searching|denied|none")

            let port = try await Fixture.openAT(sim, "hw")
            #expect(try ControlClient.send("signal hw 3", socketPath: sock) == "ok")
            #expect(port.read(until: "^RSSI:3\r\n") == "\r\n^RSSI:3\r\n")
            #expect(try ControlClient.send("operator hw 25002 MegaFon RUS", socketPath: sock) == "ok")
            #expect(port.command("AT+COPS?") == "\r\n+COPS: 0,0,\"MegaFon RUS\",2\r\n\r\nOK\r\n")
            #expect(try ControlClient.send("callee hw 0700 busy 0", socketPath: sock) == "ok")
            #expect(port.command("ATD0700;", final: "BUSY\r\n").hasSuffix("\r\n^CEND:1,0,104,17\r\n\r\nBUSY\r\n"))
            #expect(try ControlClient.send("callee hw 0700 sing", socketPath: sock).hasPrefix("error usage: callee"))

            #expect(try ControlClient.send("unplug hw", socketPath: sock) == "ok")
            #expect(try ControlClient.send("unplug hw", socketPath: sock) == "error modem 'hw' is unplugged")
            #expect(try ControlClient.send("replug hw hw2", socketPath: sock) == "ok")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/hw2.at"))

            let received = try ControlClient.send("received qc", socketPath: sock)
            #expect(received == #"ok {"bytes":0,"frames":0,"frequency":0,"rmsDBFS":-120,"windowSamples":0}"#)
        }
    }

    @Test("stop removes the links and the control socket")
    func cleanup() async throws {
        let dir = Fixture.tempDirectory()
        let sim = try await ModemSimulator.start(SimulatorConfig(controlSocket: "\(dir)/c.sock", linkDirectory: dir,
                                                                 modems: [Fixture.modem("gn", .generic)]))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/gn.at"))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/c.sock"))
        await sim.stop()
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(left.isEmpty)
        try? FileManager.default.removeItem(atPath: dir)
    }
}
