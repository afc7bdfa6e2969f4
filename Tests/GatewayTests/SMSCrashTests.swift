// No SMS is lost to a crash: `simgated` runs as a real process, a message arrives (+CMTI), and
// the process is killed with SIGKILL before it could read the message into SQLite (modemsim
// stops answering right after the indication, so the kill lands in exactly that window). At
// the next start the gateway finds the message on the SIM, stores it once, and only then
// deletes it from the SIM.
import ControlModel
import Foundation
import ModemSimulator
import SimgateCLI
import Storage
import Testing

@Suite("SMS survives kill -9 between +CMTI and the database write (simgated process)", .serialized, .timeLimit(.minutes(2)))
struct SMSCrashTests {
    @Test("killed after +CMTI, before the PDU was read: the next start stores the message once and then empties the SIM")
    func killBetweenIndicationAndStore() async throws {
        let directory = "/tmp/sgk-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory + "/sim", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let simulator = try await ModemSimulator.start(try SimulatorConfig.load(
            json: Data(GatewayHarness.simulatorJSON(directory: directory, modems: ["huawei1"]).utf8)))
        defer { Task { await simulator.stop() } }
        let socket = directory + "/simgated.sock"
        let config = directory + "/simgate.toml"
        try """
            [daemon]
            state_dir = "\(directory)/state"
            log_level = "warning"

            [control]
            socket = "\(socket)"

            [modems]
            poll_interval = 1
            command_timeout = 2

            [[modem]]
            id = "huawei1"
            at_port = "\(directory)/sim/huawei1.at"
            dialect = "huawei"
            """.write(toFile: config, atomically: true, encoding: .utf8)

        let first = try DaemonProcess(config: config, logPath: directory + "/simgated-1.log")
        try await waitModemFree(socket, "huawei1")
        let text = "Заказ 4471: ул. Ленина 5, подъезд 2, к 18:30"
        _ = try await simulator.deliverSMS("huawei1", from: "+79161234567", text: text,
                                           faults: SMSPartFaults(hangAfterIndication: true))
        // The daemon has seen +CMTI and is waiting on its AT+CMGR, which the hung modem never answers.
        try await Task.sleep(for: .milliseconds(700))
        await first.kill(SIGKILL)
        #expect(first.process.terminationReason == .uncaughtSignal)

        // Nothing reached the database, and the message is still on the SIM.
        let storage = try Storage.open(stateDirectory: directory + "/state")
        let stored = try await storage.read { try $0.smsMessages(modem: nil, direction: nil, since: nil, limit: 10) }
        #expect(stored.isEmpty, "the kill came before the write: \(stored)")
        #expect(try await simulator.smsStorage("huawei1").memories.first { $0.storage == "SM" }?.used == 1)

        try await simulator.setHung("huawei1", false)
        let second = try DaemonProcess(config: config, logPath: directory + "/simgated-2.log")
        defer { Task { await second.kill(SIGTERM) } }
        try await waitModemFree(socket, "huawei1")
        var inbox: [SMSMessage] = []
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let outcome = await daemonCLI(socket, ["sms", "list", "--json"])
            inbox = (try? ControlJSON.decoder().decode(SMSList.self, from: Data(outcome.standardOutput.utf8)).messages) ?? []
            if !inbox.isEmpty, try await simulator.smsStorage("huawei1").memories.allSatisfy({ $0.used == 0 }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(inbox.map(\.text) == [text], "stored exactly once: \(inbox.map(\.text))")
        #expect(inbox.first?.state == .complete && inbox.first?.peer == "+79161234567")
        #expect(try await simulator.smsStorage("huawei1").memories.allSatisfy { $0.used == 0 }, "deleted from the SIM after the write")
    }
}
