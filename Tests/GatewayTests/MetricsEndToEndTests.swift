// GET /metrics as Prometheus sees it: the daemon with two simulated modems and SIP, scraped
// over [metrics] listen by python's prometheus_client (urllib for HTTP, its own text parser:
// neither written here), and over the control socket. The values must be the modems' and
// must move with what happens: a weaker signal, sipp's OPTIONS (requests by method, 200s
// sent), a busy call (calls by outcome, the modem's call counter).
import ControlModel
import Foundation
import Glibc
import ModemSimulator
import Testing

/// prometheus_client is importable by python3 (scripts/install-deps.sh --test installs it).
let prometheusClientImportable = SIPPeers.pythonCanImport("prometheus_client")

/// A TCP port on loopback nobody listens on now (bound to 0, read, closed).
func unusedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError(description: "socket() failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard bound == 0 else { throw HarnessError(description: "bind() failed") }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// One scrape as prometheus_client parsed it: every sample, by metric name.
struct Scrape {
    struct Sample: Decodable { let name: String; let labels: [String: String]; let value: Double }
    let samples: [Sample]

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { k, v in sample.labels[k] == v } }?.value
    }

    /// Scrapes `url` with urllib (or GET /metrics on the unix socket `url` with http.client)
    /// and parses it with prometheus_client's text parser; a text the parser refuses fails the scrape.
    static func fetch(_ url: String, directory: String) async throws -> Scrape {
        let script = """
            import http.client, json, socket, sys, urllib.request
            from prometheus_client.parser import text_string_to_metric_families
            class UnixConnection(http.client.HTTPConnection):
                def connect(self):
                    self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self.sock.connect(sys.argv[1])
            if sys.argv[1].startswith("/"):
                c = UnixConnection("localhost", timeout=10)
                c.request("GET", "/metrics")
                r = c.getresponse()
            else:
                r = urllib.request.urlopen(sys.argv[1], timeout=10)
            assert r.status == 200, r.status
            kind = r.headers.get("Content-Type")
            assert kind.startswith("text/plain; version=0.0.4"), kind
            text = r.read().decode("utf-8")
            out = [{"name": s.name, "labels": s.labels, "value": s.value}
                   for family in text_string_to_metric_families(text) for s in family.samples]
            print(json.dumps(out))
            """
        let result = try await runProcess("/usr/bin/env", ["python3", "-c", script, url], directory: directory, timeout: 30)
        guard result.status == 0 else { throw HarnessError(description: "scrape of \(url) failed: \(result.stderr.suffix(800))") }
        return Scrape(samples: try JSONDecoder().decode([Sample].self, from: Data(result.stdout.utf8)))
    }
}

@Suite("Prometheus /metrics end to end (prometheus_client parses it)", .serialized, .timeLimit(.minutes(3)),
       .enabled(if: prometheusClientImportable, "prometheus_client is not importable by python3: run scripts/install-deps.sh --test"),
       .enabled(if: SIPPeers.sippInstalled, "sipp (Debian sip-tester) is not installed: run scripts/install-deps.sh --test"))
struct MetricsEndToEndTests {
    @Test("modems, SIMs, SIP and calls in /metrics, parsed by prometheus_client, moving as things happen")
    func scrapeAndWatchItMove() async throws {
        let port = try unusedLoopbackPort()
        let h = try await GatewayHarness.start(modems: ["huawei1", "quectel1"], extraTOML: """
            [metrics]
            listen = "127.0.0.1:\(port)"

            [[sim]]
            modem = "huawei1"
            minutes_per_day = 120
            balance_ussd = "*100#"
            balance_interval = 5
            """, tail: GatewayHarness.sipTail)
        _ = await h.simulator.execute("ussd huawei1 balance 150,00")
        defer { Task { await h.stop() } }
        try await h.waitUntilFree(["huawei1", "quectel1"])
        let url = "http://127.0.0.1:\(port)/metrics"

        let first = try await Scrape.fetch(url, directory: h.directory)
        #expect(first.value("simgate_modem_signal_dbm", ["modem": "huawei1"]) == Double(dBm(rssi: 20)), "\(first.samples.prefix(20))")
        #expect(first.value("simgate_modem_signal_dbm", ["modem": "quectel1"]) == Double(dBm(rssi: 14)))
        #expect(first.value("simgate_modem_up", ["modem": "huawei1"]) == 1)
        #expect(first.value("simgate_modem_registered", ["modem": "quectel1"]) == 1)
        #expect(first.value("simgate_modem_state_info", ["modem": "huawei1", "state": "free"]) == 1)
        #expect((first.value("simgate_modem_at_commands_total", ["modem": "huawei1"]) ?? 0) > 0)
        #expect(first.value("simgate_sim_minutes_per_day_limit", ["iccid": "8970100000000000012", "modem": "huawei1"]) == 120)
        #expect(first.value("simgate_sim_out_of_routing", ["modem": "huawei1"]) == 0)
        #expect(first.value("simgate_missed_calls_waiting") == 0)
        #expect(first.value("simgate_webhook_outbox_pending") == 0)

        // A weaker signal shows at the next poll.
        _ = await h.simulator.execute("signal huawei1 5")
        try await eventually("the weaker signal in /metrics", seconds: 10) {
            (try? await Scrape.fetch(url, directory: h.directory))?.value("simgate_modem_signal_dbm", ["modem": "huawei1"])
                == Double(dBm(rssi: 5))
        }

        // sipp's OPTIONS: one request by method, one 200 sent.
        let sip = try #require(h.running.sip)
        let sipPort = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        let options = try await runProcess(SIPPeers.sipp, SIPPeers.sippArguments(
            port: sipPort, scenario: ["-sf", "\(SIPPeers.scripts)/options.xml"], mediaPort: 31_600, controlPort: 31_610,
            directory: h.directory), directory: h.directory, timeout: 40)
        #expect(options.status == 0, "sipp: \(options.stdout.suffix(400))")

        // A busy callee: the call ends busy, and the modem counted one outbound call.
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79990000017", behaviour: .busy(after: 0.3)))
        let call = try await h.dial("+79990000017", modem: "huawei1")
        _ = try await h.closedRecords(of: call.id)
        try await h.waitFor("huawei1", "free") { $0.state == .free }

        var after = try await Scrape.fetch(url, directory: h.directory)
        try await eventually("the call in /metrics", seconds: 10) {
            after = (try? await Scrape.fetch(url, directory: h.directory)) ?? after
            return after.value("simgate_calls_total", ["direction": "outbound", "outcome": "busy"]) == 1
        }
        #expect(after.value("simgate_sip_requests_received_total", ["method": "OPTIONS"]) == 1, "\(after.samples.filter { $0.name.hasPrefix("simgate_sip") })")
        #expect((after.value("simgate_sip_responses_sent_total", ["code": "200"]) ?? 0) >= 1)
        #expect((after.value("simgate_sip_messages_received_total") ?? 0) >= 1)
        #expect(after.value("simgate_call_attempts_total", ["direction": "outbound", "cause": "busy"]) == 1)
        #expect(after.value("simgate_modem_calls_total", ["modem": "huawei1", "direction": "outbound"]) == 1)
        #expect(after.value("simgate_modem_calls_total", ["modem": "quectel1", "direction": "outbound"]) == 0)
        // Counters only grow.
        #expect((after.value("simgate_modem_at_commands_total", ["modem": "huawei1"]) ?? 0)
                    > (first.value("simgate_modem_at_commands_total", ["modem": "huawei1"]) ?? 0))
        try await eventually("the balance in /metrics", seconds: 15) {
            after = (try? await Scrape.fetch(url, directory: h.directory)) ?? after
            return after.value("simgate_sim_balance_amount", ["modem": "huawei1", "currency": "RUB"]) == 150
        }

        // Every series the Grafana dashboard in examples/ draws is one the daemon exports.
        let dashboard = try String(contentsOfFile: "\(SIPPeers.scripts)/../../examples/grafana-dashboard.json", encoding: .utf8)
        let drawn = Set(dashboard.matches(of: /simgate_[a-z_]+/).map { String($0.output) })
        let exported = Set(after.samples.map(\.name))
        #expect(drawn.count >= 10 && drawn.isSubset(of: exported), "the dashboard draws what is not exported: \(drawn.subtracting(exported))")

        // The same text on the control socket; elsewhere the metrics port serves nothing else.
        let viaSocket = try await Scrape.fetch("\(h.directory)/simgated.sock", directory: h.directory)
        #expect(viaSocket.value("simgate_modem_up", ["modem": "quectel1"]) == 1)
        let other = try await runProcess("/usr/bin/env", ["python3", "-c", """
            import sys, urllib.request, urllib.error
            try:
                urllib.request.urlopen(sys.argv[1], timeout=10)
                print("200")
            except urllib.error.HTTPError as e:
                print(e.code)
            """, "http://127.0.0.1:\(port)/v1/modems"], directory: h.directory, timeout: 30)
        #expect(other.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "404", "the control API is not on the metrics port: \(other)")
    }

    @Test("a phone's call through a modem: the RTP it sent is counted, no loss on loopback, its jitter in the histogram",
          .enabled(if: SIPPeers.pjsua2Importable, "pjsua2 is not importable by python3: install pjsua2-python (scripts/install-deps.sh --test)"))
    func mediaOfAPhoneCall() async throws {
        let port = try unusedLoopbackPort()
        let h = try await GatewayHarness.start(modems: ["huawei1"], extraTOML: """
            [metrics]
            listen = "127.0.0.1:\(port)"
            """, tail: GatewayHarness.sipTail)
        defer { Task { await h.stop() } }
        let sip = try #require(h.running.sip)
        let sipPort = try #require(await sip.boundListeners().first { $0.transport == "udp" }).port
        try await h.waitFor("huawei1", "free") { $0.state == .free }
        try await h.simulator.setCallee("huawei1", CalleeRule(pattern: "+79161234567", behaviour: .answer(after: 0.3, dropAfter: nil)))
        let report = try await Phone.start(port: sipPort, directory: h.directory, rtpPort: 40000,
                                           env: ["MODE": "call", "NUMBER": "+79161234567", "SECONDS": "3"]).report()
        let call = try #require(report.calls.first)
        #expect(call.confirmed && call.tx_packets > 100, "\(call)")
        let url = "http://127.0.0.1:\(port)/metrics"
        var scrape = try await Scrape.fetch(url, directory: h.directory)
        try await eventually("the call's media in /metrics", seconds: 10) {
            scrape = (try? await Scrape.fetch(url, directory: h.directory)) ?? scrape
            return scrape.value("simgate_media_jitter_milliseconds_count") == 1
        }
        let received = try #require(scrape.value("simgate_media_rtp_packets_received_total", ["direction": "outbound"]))
        // What the phone sent after the answer reached us: most of it (early packets may precede the bridge).
        #expect(received > 100 && received <= Double(call.tx_packets), "received \(received) of \(call.tx_packets)")
        #expect(scrape.value("simgate_media_rtp_packets_lost_total", ["direction": "outbound"]) == 0)
        #expect(scrape.value("simgate_calls_total", ["direction": "outbound", "outcome": "local-hangup"]) == 1,  // the phone hung up
                "\(scrape.samples.filter { $0.name.hasPrefix("simgate_call") })")
        #expect(scrape.value("simgate_media_jitter_milliseconds_bucket", ["le": "+Inf"]) == 1)
    }
}
