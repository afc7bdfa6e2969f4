// Upstream trunk registration against sipp as the registrar, the `simgate sip` CLI against
// a live daemon, and the [sip]/[[user]]/[[trunk]] config sections.
import ControlModel
import Foundation
import SimgateCLI
import SimgateConfig
import Testing
@testable import Gateway

@Suite("SIP trunk, CLI and config", .serialized, .timeLimit(.minutes(2)))
struct SIPTrunkAndCLITests {
    @Test("a [[trunk]] registers to sipp acting as registrar, answering its digest challenge; status shows it registered",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func trunkRegisters() async throws {
        let registrarPort = 33_090
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simgate-trunk-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        async let registrar = runProcess(SIPPeers.sipp, ["-sf", "\(SIPPeers.scripts)/registrar_uas.xml", "-i", "127.0.0.1", "-mi", "127.0.0.1",
                                                         "-ci", "127.0.0.1", "-p", String(registrarPort), "-mp", "33100", "-cp", "33110",
                                                         "-m", "1", "-nostdin", "-timeout", "30s", "-trace_msg",
                                                         "-message_file", "\(dir)/registrar.log"],
                                         directory: dir, timeout: 40)
        try await Task.sleep(for: .milliseconds(500))
        let gw = try await SIPTestDaemon.start(rtpBase: 33_000, tail: """
            [[trunk]]
            name = "upstream"
            registrar = "sip:127.0.0.1:\(registrarPort)"
            username = "gw"
            password = "trunkpass"
            expires = 300
            """)
        defer { Task { await gw.stop() } }
        let sipp = try await registrar
        var trunk = await gw.sip.status().trunks.first
        for _ in 0..<40 where trunk?.state != .registered {
            try await Task.sleep(for: .milliseconds(50))
            trunk = await gw.sip.status().trunks.first
        }
        #expect(sipp.status == 0, "registrar sipp: \(sipp.stdout.suffix(500))")
        #expect(trunk?.state == .registered, "\(String(describing: trunk))")
        #expect(trunk?.lastError == nil)
        let remaining = trunk?.expiresAt?.timeIntervalSinceNow ?? 0
        #expect(remaining > 100 && remaining <= 120, "the registrar granted 120 s, not the 300 asked")
        let refresh = trunk?.nextAttemptAt?.timeIntervalSinceNow ?? 0
        #expect(refresh > 60 && refresh < 100, "refresh before expiry: \(refresh)")
        #expect(TrunkRegistration.refreshDelay(expires: 3600) == 2880)
    }

    @Test("a trunk with a wrong password is shown failed with the registrar's answer and a retry time (backoff)",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func trunkFailure() async throws {
        let registrarPort = 33_290
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simgate-trunk-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        async let registrar = runProcess(SIPPeers.sipp, ["-sf", "\(SIPPeers.scripts)/registrar_uas.xml", "-i", "127.0.0.1", "-mi", "127.0.0.1",
                                                         "-ci", "127.0.0.1", "-p", String(registrarPort), "-mp", "33300", "-cp", "33310",
                                                         "-m", "1", "-nostdin", "-timeout", "30s"],
                                         directory: dir, timeout: 40)
        try await Task.sleep(for: .milliseconds(500))
        let gw = try await SIPTestDaemon.start(rtpBase: 33_200, tail: """
            [[trunk]]
            name = "upstream"
            registrar = "sip:127.0.0.1:\(registrarPort)"
            username = "gw"
            password = "not-the-password"
            """)
        defer { Task { await gw.stop() } }
        _ = try await registrar
        var trunk = await gw.sip.status().trunks.first
        for _ in 0..<40 where trunk?.state != .failed {
            try await Task.sleep(for: .milliseconds(50))
            trunk = await gw.sip.status().trunks.first
        }
        #expect(trunk?.state == .failed)
        #expect(trunk?.lastError?.hasPrefix("403") == true, "\(String(describing: trunk?.lastError))")
        let retry = trunk?.nextAttemptAt?.timeIntervalSinceNow ?? 0
        #expect(retry > 2 && retry <= 5, "first retry after 5 s: \(retry)")
    }

    @Test("`simgate sip status` and `simgate sip registrations` against the live daemon, human and --json")
    func cli() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 33_300)
        defer { Task { await gw.stop() } }
        let socket = "\(gw.directory)/c.sock"
        let context = CLIContext(environment: [:], now: Date(), timeZone: TimeZone(identifier: "UTC")!, fileExists: { FileManager.default.fileExists(atPath: $0) })
        let outcome = await Task.detached { await CLIRunner.run(arguments: ["sip", "status", "--socket", socket], context: context) }.value
        #expect(outcome.exitCode == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("udp:127.0.0.1:\(gw.udpPort)"))
        #expect(outcome.standardOutput.contains("test extension *43"))
        let json = await Task.detached { await CLIRunner.run(arguments: ["sip", "status", "--socket", socket, "--json"], context: context) }.value
        let status = try ControlJSON.decoder().decode(SIPStatus.self, from: Data(json.standardOutput.utf8))
        #expect(status.listeners.map(\.port).contains(gw.tcpPort))
        let regs = await Task.detached { await CLIRunner.run(arguments: ["sip", "registrations", "--socket", socket], context: context) }.value
        #expect(regs.standardOutput == "No SIP registrations.\n")
        let regsJSON = await Task.detached { await CLIRunner.run(arguments: ["sip", "registrations", "--socket", socket, "--json"], context: context) }.value
        #expect(try ControlJSON.decoder().decode(SIPRegistrationList.self, from: Data(regsJSON.standardOutput.utf8)).registrations.isEmpty)
    }

    @Test("config: [sip], [[user]] and [[trunk]] parse with defaults; mistakes are reported with line and key")
    func config() throws {
        let good = try GatewayConfig.parse(text: """
            [sip]
            listen = ["udp:0.0.0.0:5060", "tcp:[::1]:5070"]
            test_extension = "*43"
            [[user]]
            name = "alice"
            password = "pw"
            [[trunk]]
            name = "up"
            registrar = "sip:192.0.2.1"
            username = "gw"
            password = "pw"
            inbound_from = ["192.0.2.1"]
            """)
        let sip = try #require(good.sip)
        #expect(sip.listen == [.init(transport: .udp, host: "0.0.0.0", port: 5060), .init(transport: .tcp, host: "::1", port: 5070)])
        #expect(good.users.first?.maxConcurrentCalls == 2)
        #expect(good.trunks.first?.expires == 600)
        #expect(good.trunks.first?.inboundFrom == ["192.0.2.1"])
        #expect(try GatewayConfig.parse(text: "").sip == nil, "no [sip] section: no SIP port is opened")
        do {
            _ = try GatewayConfig.parse(text: """
                [sip]
                listen = ["sctp:1.2.3.4:5060"]
                [[user]]
                name = "bob"
                password = "a"
                ha1 = "0123456789abcdef0123456789abcdef"
                """)
            Issue.record("must fail")
        } catch {
            let text = "\(error)"
            #expect(text.contains("sip.listen[0]"))
            #expect(text.contains("user[0].ha1"))
            #expect(!text.contains("0123456789abcdef0123456789abcdef"), "an HA1 is never echoed")
        }
    }
}
