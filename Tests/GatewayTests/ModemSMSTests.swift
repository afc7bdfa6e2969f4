// SMS through a real ModemController against modemsim on a pseudo-terminal: a message the
// simulated network delivers reaches the SMS handler, stays in the modem's storage until the
// gateway reports it persisted, and is then deleted; a submit comes back with its TP-MR.
import Foundation
import Logging
import ModemCore
import ModemSimulator
import NIOCore
import NIOPosix
import Storage
import Testing
@testable import Gateway

/// What the SMS handler received; written on the event loop, read by the test.
private final class Inbox: @unchecked Sendable {
    // Every access holds `lock`.
    private let lock = NSLock()
    private var items: [IncomingSMS] = []
    func append(_ m: IncomingSMS) { lock.lock(); items.append(m); lock.unlock() }
    var all: [IncomingSMS] { lock.lock(); defer { lock.unlock() }; return items }
}

@Suite("Modem SMS end to end (ModemController + modemsim)", .serialized, .timeLimit(.minutes(2)))
struct ModemSMSTests {
    /// Polls every 50 ms for at most `seconds`.
    func eventually(_ seconds: Double = 10, _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError(description: "timed out after \(seconds) s waiting for \(what)")
    }

    @Test("delivered by modemsim: handler gets .stored, it stays stored until smsPersisted, then is gone; sendSMS yields .sent(mr)")
    func receivePersistDeleteAndSend() async throws {
        let directory = "/tmp/sgs-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory + "/sim", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let simConfig = try SimulatorConfig.load(json: Data(GatewayHarness.simulatorJSON(directory: directory, modems: ["huawei1"]).utf8))
        let simulator = try await ModemSimulator.start(simConfig)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = ModemConfiguration(dialect: .huawei)
        configuration.pollInterval = .seconds(1)
        configuration.commandTimeout = .seconds(2)
        var logger = Logger(label: "test.sms")
        logger.logLevel = .warning
        let inbox = Inbox()
        let controller = ModemController(id: "huawei1", atPort: directory + "/sim/huawei1.at", audioPort: nil, configured: true,
                                         configuration: configuration, eventLoop: group.next(), clock: GatewayClock(),
                                         storage: try Storage.inMemory(), logger: logger,
                                         onSMS: { _, message in inbox.append(message) })
        controller.start()
        do {
            try await eventually(15, "modem free") { try await controller.snapshot().get().state == .free }

            let receipt = try await simulator.deliverSMS("huawei1", from: "+79161234567", text: "Hello from modemsim")
            try await eventually(10, "the message at the SMS handler") { !inbox.all.isEmpty }
            guard case .stored(let received) = inbox.all.first, let slot = received.slot else {
                Issue.record("expected .stored, got \(inbox.all)")
                throw HarnessError(description: "no stored message")
            }
            #expect(received.pdu == Array(hexToBytes(receipt.parts[0])))
            #expect(slot.storage == "SM" && received.isStatusReport == false)

            // Not persisted yet: the message is still in the modem's storage, however long we wait.
            try await Task.sleep(for: .milliseconds(1500))
            var memory = try await simulator.smsStorage("huawei1").memories.first { $0.storage == "SM" }
            #expect(memory?.messages.map(\.index) == [slot.index])
            #expect(try await controller.snapshot().get().sms?.awaitingPersistence == 1)

            controller.smsPersisted(slot)
            try await eventually(10, "the message deleted from modemsim") {
                try await simulator.smsStorage("huawei1").memories.first { $0.storage == "SM" }?.messages.isEmpty == true
            }
            memory = try await simulator.smsStorage("huawei1").memories.first { $0.storage == "SM" }
            #expect(memory?.used == 0)
            let info = try await controller.snapshot().get().sms
            #expect(info?.received == 1 && info?.deleted == 1 && info?.awaitingPersistence == 0)

            // Sending: "Hello World!" to +27820001111 (python-gsmmodem test_pdu.py vector).
            let submit = "0001000B917228001011F100000CC8329BFD065DDF72363904"
            let result = try await controller.sendSMS(pdu: hexToBytes(submit), tpduLength: 24).get()
            guard case .sent(let mr) = result else {
                Issue.record("expected .sent, got \(result)")
                throw HarnessError(description: "not sent")
            }
            let sent = try await simulator.sentSMS("huawei1")
            #expect(sent.map(\.pdu) == [submit])
            #expect(sent.first?.messageReference == mr)
            #expect(sent.first?.text == "Hello World!")
            #expect(try await controller.snapshot().get().sms?.sent == 1)
        } catch {
            try? await controller.stop().get()
            await simulator.stop()
            try? await group.shutdownGracefully()
            throw error
        }
        try? await controller.stop().get()
        await simulator.stop()
        try? await group.shutdownGracefully()
    }

    @Test("sendSMS on a modem that is not up fails fast with .failed(\"modem not ready\")")
    func sendWhenNotReady() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let controller = ModemController(id: "nowhere", atPort: "/nonexistent/tty", audioPort: nil, configured: true,
                                         configuration: ModemConfiguration(dialect: .huawei), eventLoop: group.next(),
                                         clock: GatewayClock(), storage: try Storage.inMemory(), logger: Logger(label: "test.sms"))
        let result = try await controller.sendSMS(pdu: [0x00, 0x01], tpduLength: 1).get()
        #expect(result == .failed("modem not ready"))
        try? await group.shutdownGracefully()
    }
}

private func hexToBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var i = hex.startIndex
    while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex) {
        out.append(UInt8(hex[i..<j], radix: 16)!)
        i = j
    }
    return out
}
