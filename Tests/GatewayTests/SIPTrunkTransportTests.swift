// A [[trunk]] reached over TCP and by a DNS name: sipp as a TCP registrar (-t t1), the
// registrar's host given as "localhost" (resolved with getaddrinfo), and a name that does not
// resolve shown as the registration error.
import ControlModel
import Foundation
import Testing
@testable import Gateway

@Suite("SIP trunk over TCP and by host name", .serialized, .timeLimit(.minutes(2)))
struct SIPTrunkTransportTests {
    /// Polls the first trunk's status until `done` holds or `seconds` pass.
    func trunkStatus(_ gw: SIPTestDaemon, within seconds: Double, until done: (SIPTrunkStatus?) -> Bool) async throws -> SIPTrunkStatus? {
        var trunk = await gw.sip.status().trunks.first
        let deadline = Date().addingTimeInterval(seconds)
        while !done(trunk), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            trunk = await gw.sip.status().trunks.first
        }
        return trunk
    }

    @Test("transport = \"tcp\" and host \"localhost\": REGISTER with digest over one TCP connection to sipp (-t t1); after sipp goes away the trunk reconnects and shows the failure",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func tcpTrunkByName() async throws {
        let registrarPort = 34_790
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simgate-trunk-tcp-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        async let registrar = runProcess(SIPPeers.sipp, ["-sf", "\(SIPPeers.scripts)/registrar_uas.xml", "-t", "t1", "-i", "127.0.0.1",
                                                         "-mi", "127.0.0.1", "-ci", "127.0.0.1", "-p", String(registrarPort), "-mp", "34800",
                                                         "-cp", "34810", "-m", "1", "-nostdin", "-timeout", "30s", "-trace_msg",
                                                         "-message_file", "\(dir)/registrar.log"],
                                         directory: dir, timeout: 40)
        try await Task.sleep(for: .milliseconds(500))
        let gw = try await SIPTestDaemon.start(rtpBase: 34_700, tail: """
            [[trunk]]
            name = "upstream"
            registrar = "sip:localhost:\(registrarPort)"
            transport = "tcp"
            username = "gw"
            password = "trunkpass"
            expires = 300
            """)
        defer { Task { await gw.stop() } }
        let registered = try await trunkStatus(gw, within: 10) { $0?.state == .registered }
        #expect(registered?.state == .registered, "\(String(describing: registered))")
        let remaining = registered?.expiresAt?.timeIntervalSinceNow ?? 0
        #expect(remaining > 100 && remaining <= 120, "the registrar granted 120 s")
        let sipp = try await registrar
        #expect(sipp.status == 0, "registrar sipp: \(sipp.stdout.suffix(500))")

        // The registrar saw both REGISTERs arrive over TCP, with a TCP Via and Contact.
        let log = (try? String(contentsOfFile: "\(dir)/registrar.log", encoding: .utf8)) ?? ""
        let received = log.components(separatedBy: "----------------------------------------------- ").filter { $0.contains("message received") }
        #expect(received.count == 2, "\(log.suffix(2000))")
        for m in received {
            #expect(m.contains("TCP message received"), "\(m)")
            #expect(m.contains("REGISTER sip:localhost:\(registrarPort) SIP/2.0"), "\(m)")
            #expect(m.contains("Via: SIP/2.0/TCP 127.0.0.1:\(gw.tcpPort)"), "\(m)")
            #expect(m.contains(";transport=tcp>"), "\(m)")
        }
        #expect(received.last?.contains("Authorization: Digest") == true)
        // sipp exited and closed the connection: the trunk reconnects, finds nobody, and shows why.
        let lost = try await trunkStatus(gw, within: 8) { $0?.state == .failed }
        #expect(lost?.state == .failed, "\(String(describing: lost))")
        #expect(lost?.lastError?.contains("over TCP") == true, "\(String(describing: lost?.lastError))")
        #expect((lost?.nextAttemptAt?.timeIntervalSinceNow ?? 0) > 1, "retried with backoff")
    }

    @Test("a registrar name that does not resolve shows in the trunk status as the registration error, retried with backoff")
    func unresolvableName() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 34_900, tail: """
            [[trunk]]
            name = "upstream"
            registrar = "sip:no-such-pbx.invalid:5060"
            username = "gw"
            password = "trunkpass"
            """)
        defer { Task { await gw.stop() } }
        let trunk = try await trunkStatus(gw, within: 20) { $0?.state == .failed }
        #expect(trunk?.state == .failed)
        #expect(trunk?.lastError?.hasPrefix("cannot resolve no-such-pbx.invalid") == true, "\(String(describing: trunk?.lastError))")
        let retry = trunk?.nextAttemptAt?.timeIntervalSinceNow ?? 0
        #expect(retry > 2 && retry <= 5, "first retry after 5 s: \(retry)")
    }

    @Test("resolution: IP literals as is, localhost through getaddrinfo restricted to the sending socket's family")
    func resolverUnit() throws {
        let v4 = try TrunkResolver.resolve(host: "localhost", port: 5060, family: AF_INET).get()
        #expect(v4.ipAddress == "127.0.0.1" && v4.port == 5060)
        let literal = try TrunkResolver.resolve(host: "[::1]", port: 5070, family: AF_INET).get()
        #expect(literal.ipAddress == "::1" && literal.port == 5070)
        guard case let .failure(error) = TrunkResolver.resolve(host: "no-such-pbx.invalid", port: 5060, family: AF_INET) else {
            Issue.record("an .invalid name resolved")
            return
        }
        #expect(error.description.hasPrefix("cannot resolve no-such-pbx.invalid: "))
    }

    @Test("a call through a TCP trunk named \"localhost\": INVITE, ACK and BYE all on one TCP connection to sipp -t t1 (-rtp_echo)",
          .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
    func callOverTCPTrunk() async throws {
        let uasPort = 34_990
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simgate-trunk-tcp-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        async let uas = runProcess(SIPPeers.sipp, ["-sn", "uas", "-t", "t1", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-ci", "127.0.0.1",
                                                   "-p", String(uasPort), "-mp", "35000", "-cp", "35010", "-rtp_echo", "-m", "1",
                                                   "-nostdin", "-timeout", "30s", "-trace_msg", "-message_file", "\(dir)/uas.log"],
                                   directory: dir, timeout: 40)
        try await Task.sleep(for: .milliseconds(500))
        let gw = try await SIPTestDaemon.start(rtpBase: 35_100, tail: """
            [[trunk]]
            name = "upstream"
            registrar = "sip:localhost:\(uasPort)"
            transport = "tcp"
            register = false
            username = "gw"
            """)
        defer { Task { await gw.stop() } }
        let call = await gw.sip.call(SIPCallRequest(to: "service", play: "tone", seconds: 1, trunk: "upstream"))
        let sipp = try await uas
        #expect(call.outcome == "completed", "\(call)")
        #expect(call.finalStatus == 200)
        #expect(call.rtpPacketsReceived > 0, "sipp's -rtp_echo returned our tone")
        #expect(sipp.status == 0, "sipp uas: \(sipp.stdout.suffix(600))")
        let log = (try? String(contentsOfFile: "\(dir)/uas.log", encoding: .utf8)) ?? ""
        let received = log.components(separatedBy: "----------------------------------------------- ").filter { $0.contains("message received") }
        for method in ["INVITE", "ACK", "BYE"] {
            let m = received.first { $0.contains("\n\(method) sip:") }
            #expect(m?.contains("TCP message received") == true, "\(method): \(m ?? "not received")")
            #expect(m?.contains("Via: SIP/2.0/TCP 127.0.0.1:\(gw.tcpPort)") == true, "\(method): \(m ?? "")")
        }
    }
}
