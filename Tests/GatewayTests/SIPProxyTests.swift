// Calls through a record-routing proxy (Kamailio, scripts/sip/kamailio-proxy.cfg): loose
// routing with Record-Route/Route (RFC 3261 §12.1, §12.2.1.1, §16.12) seen on the wire.
import ControlModel
import Foundation
import Testing
@testable import Gateway

/// Kamailio as a stateful proxy on loopback, started from scripts/sip/kamailio-proxy.cfg.
/// Its stderr (one "PROXY ..." line per request and reply it handles) goes to `logPath`.
struct KamailioProxy {
    static let binary = "/usr/sbin/kamailio"
    static var installed: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let process: Process
    let port: Int
    let logPath: String

    /// Requests from `gatewayPort` go to `peerPort`; all others to the gateway.
    static func start(port: Int, gatewayPort: Int, peerPort: Int, directory: String) async throws -> KamailioProxy {
        let run = "\(directory)/kamailio-run-\(port)"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        let logPath = "\(directory)/kamailio-\(port).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        // The test runner's threads block SIGTERM and a child inherits that mask; Kamailio
        // keeps it, so a plain SIGTERM would never stop it. python3 clears the mask and execs.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
                             binary, "-f", "\(SIPPeers.scripts)/kamailio-proxy.cfg", "-l", "udp:127.0.0.1:\(port)", "-Y", run, "-DD", "-E",
                             "-m", "64", "-M", "8", "-A", "GW_PORT=\(gatewayPort)", "-A", "GW_URI=\"sip:127.0.0.1:\(gatewayPort)\"",
                             "-A", "PEER_URI=\"sip:127.0.0.1:\(peerPort)\""]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let proxy = KamailioProxy(process: process, port: port, logPath: logPath)
        // Ready once it has printed its listening sockets and forked its workers.
        for _ in 0..<50 where !proxy.log.contains("processes (at least)") {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .milliseconds(300))
        return proxy
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The "PROXY ..." lines about one call.
    func lines(callID: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains("PROXY") && $0.contains("call-id=\(callID)") }
    }

    /// SIGTERM stops the main process and its children (-DD keeps it in the foreground).
    /// Should it hang, SIGKILL it after 3 s, its workers too (listed by the kernel as its
    /// children), so no test leaves a proxy behind.
    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        let children = ((try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? "")
            .split(separator: " ").compactMap { Int32($0) }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            for child in children { kill(child, SIGKILL) }
            kill(pid, SIGKILL)
        }
    }
}

/// The messages in a sipp -trace_msg file, split at its "----" separators.
func sippTraceMessages(_ path: String) -> [String] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.components(separatedBy: "----------------------------------------------- ").dropFirst().map { $0 }
}

@Suite("SIP calls through a Kamailio proxy (loose routing)", .serialized, .timeLimit(.minutes(3)))
struct SIPProxyTests {
    static let needs = "sipp and kamailio are needed: run scripts/install-deps.sh --test"

    @Test("sipp calls the test extension through Kamailio: the 200 carries its Record-Route, ACK and BYE loose-route through it",
          .enabled(if: SIPPeers.sippInstalled && KamailioProxy.installed, "\(needs)"))
    func phoneCallsThroughProxy() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 34_000)
        defer { Task { await gw.stop() } }
        let proxy = try await KamailioProxy.start(port: 34_190, gatewayPort: gw.udpPort, peerPort: 34_191, directory: gw.directory)
        defer { proxy.stop() }
        let result = try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(
            port: proxy.port, scenario: ["-sf", "\(SIPPeers.scripts)/uac_auth_echo.xml", "-s", "*43"], mediaPort: 34_200,
            controlPort: 34_210, directory: gw.directory, extra: ["-au", "alice", "-ap", "secret", "-key", "user", "alice"]),
            directory: gw.directory, timeout: 40)
        #expect(result.status == 0, "sipp: \(result.stdout.suffix(800)) \(result.stderr.suffix(300))\n\(proxy.log.suffix(2000))")
        #expect(await gw.sip.status().activeCalls == 0, "the BYE through the proxy must end the call")

        // sipp's side of the wire: the 200 to the authenticated INVITE has the proxy's
        // Record-Route (copied by simgate, §12.1.1), and sipp's ACK and BYE carry it as Route.
        let messages = sippTraceMessages("\(gw.directory)/sipp-34200.log")
        let ok = try #require(messages.first { $0.contains("SIP/2.0 200") && $0.contains("INVITE") }, "no 200 to the INVITE")
        let recordRoute = "Record-Route: <sip:127.0.0.1:\(proxy.port);lr"
        #expect(ok.contains(recordRoute), "\(ok)")
        #expect(ok.components(separatedBy: "Record-Route:").count == 2, "the proxy is listed once: \(ok)")
        let callID = try #require(ok.split(whereSeparator: \.isNewline).first { $0.hasPrefix("Call-ID:") }?
            .dropFirst("Call-ID:".count).trimmingCharacters(in: .whitespacesAndNewlines))
        for method in ["ACK", "BYE"] {
            let sent = messages.first { $0.contains("\n\(method) sip:*43@127.0.0.1:\(gw.udpPort)") }
            #expect(sent?.contains("Route: <sip:127.0.0.1:\(proxy.port);lr") == true, "sipp's \(method): \(sent ?? "none")")
        }

        // The proxy's side: the in-dialog ACK and BYE arrived there with its Route and were
        // loose-routed on to simgate's Contact; simgate's 200 to the BYE came back through it.
        let lines = proxy.lines(callID: callID)
        #expect(lines.contains { $0.contains("loose-routed ACK") && $0.contains("to sip:*43@127.0.0.1:\(gw.udpPort)") }, "\(lines)")
        #expect(lines.contains { $0.contains("loose-routed BYE") }, "\(lines)")
        #expect(lines.contains { $0.contains("reply 200 OK for BYE") && $0.contains("from 127.0.0.1:\(gw.udpPort)") }, "\(lines)")
        // Each in-dialog request crossed the proxy once: none came back to it from itself.
        #expect(!lines.contains { $0.contains("request") && $0.contains("from 127.0.0.1:\(proxy.port) ") }, "\(lines)")
    }

    @Test("simgate calls a sipp UAS through Kamailio: its ACK and BYE carry the Record-Route of the 200 as Route and go to the proxy",
          .enabled(if: SIPPeers.sippInstalled && KamailioProxy.installed, "\(needs)"))
    func gatewayCallsThroughProxy() async throws {
        let gw = try await SIPTestDaemon.start(rtpBase: 34_300)
        defer { Task { await gw.stop() } }
        let uasPort = 34_491
        let proxy = try await KamailioProxy.start(port: 34_490, gatewayPort: gw.udpPort, peerPort: uasPort, directory: gw.directory)
        defer { proxy.stop() }
        async let uas = runProcess(SIPPeers.sipp, ["-sf", "\(SIPPeers.scripts)/uas_record_route.xml", "-i", "127.0.0.1", "-mi", "127.0.0.1",
                                                   "-ci", "127.0.0.1", "-p", String(uasPort), "-mp", "34500", "-cp", "34510", "-rtp_echo",
                                                   "-m", "1", "-nostdin", "-timeout", "30s", "-trace_msg",
                                                   "-message_file", "\(gw.directory)/uas.log"],
                                   directory: gw.directory, timeout: 40)
        try await Task.sleep(for: .milliseconds(500))
        // The Request-URI names the proxy, as a call to a trunk whose host is the proxy does.
        let call = await gw.sip.call(SIPCallRequest(to: "sip:service@127.0.0.1:\(proxy.port)", play: "tone", seconds: 1))
        let sipp = try await uas
        #expect(call.outcome == "completed", "\(call)\n\(proxy.log.suffix(2000))")
        #expect(call.finalStatus == 200)
        #expect(sipp.status == 0, "sipp uas: \(sipp.stdout.suffix(600))")

        // What the UAS received: our ACK and BYE, each with the proxy's Route removed by it
        // (loose_route), sent to the UAS's Contact, and with a Via of the proxy on top.
        let received = sippTraceMessages("\(gw.directory)/uas.log")
        let invite = try #require(received.first { $0.contains("\nINVITE sip:service@127.0.0.1:\(proxy.port)") })
        #expect(invite.contains("Record-Route: <sip:127.0.0.1:\(proxy.port);lr"), "\(invite)")
        let callID = try #require(invite.split(whereSeparator: \.isNewline).first { $0.hasPrefix("Call-ID:") }?
            .dropFirst("Call-ID:".count).trimmingCharacters(in: .whitespacesAndNewlines))
        for method in ["ACK", "BYE"] {
            let m = received.first { $0.contains("\n\(method) sip:uas@127.0.0.1:\(uasPort)") }
            #expect(m?.contains("Via: SIP/2.0/UDP 127.0.0.1:\(proxy.port)") == true, "the \(method) came through the proxy: \(m ?? "none")")
        }
        // The proxy saw our in-dialog requests arrive from simgate with its Route.
        let lines = proxy.lines(callID: callID)
        for method in ["ACK", "BYE"] {
            #expect(lines.contains { $0.contains("request \(method) sip:uas@127.0.0.1:\(uasPort)") && $0.contains("from 127.0.0.1:\(gw.udpPort) ")
                && $0.contains("route=[<sip:127.0.0.1:\(proxy.port);lr") }, "\(method) from simgate with Route: \(lines)")
            #expect(lines.contains { $0.contains("loose-routed \(method)") }, "\(lines)")
        }
    }
}
