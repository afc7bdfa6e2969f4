// The `simgate` CLI, end to end against a real HTTP server on a real unix socket (and on TCP
// loopback for the token), plus its pure parts: HTTP parsing, endpoint choice, formatting.
import ControlModel
import Foundation
import Synchronization
import Testing

@testable import SimgateCLI

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Fixtures

/// 2025-03-01 12:00:00 UTC, the "now" of every test.
private let now = Date(timeIntervalSince1970: 1_740_830_400)

/// A modem list as simgated sends it (ISO 8601 dates, sorted keys): a Quectel EC25 on
/// Kyivstar with three calls, a Huawei E1550 roaming with a Vodafone SIM and a long
/// operator name, and a Huawei that lost its SIM.
private let modemListJSON = """
    {"generatedAt":"2025-03-01T12:00:00Z","modems":[
     {"id":"usb-123456","state":"free","stateSince":"2025-03-01T11:57:00Z",
      "vendor":"Quectel","model":"EC25","firmware":"EC25EFAR06A06M4G",
      "atPort":"/dev/ttyUSB2","audioPort":"/dev/ttyUSB1","usbPath":"1-1.2",
      "imei":"861234567123456","imsi":"255031234567890","iccid":"8938003990123456789F",
      "msisdn":"+380671234567","simState":"ready",
      "signal":{"rssi":20,"dBm":-73,"bars":3},"registration":"home","accessTechnology":"LTE",
      "networkOperator":{"mccmnc":"25503","name":"Kyivstar"},"simOperator":{"mccmnc":"25503","name":"Kyivstar"},
      "voiceCapable":true,"voiceReason":"AT+QPCMV? OK",
      "at":{"queueDepth":0,"commandsSent":1520,"timeouts":2,"errors":5,"unknownLines":1,"resets":1,
            "lastOKAt":"2025-03-01T11:59:55Z"},
      "calls":{"total":8,"answered":5,"inbound":3,"outbound":5,"billableSeconds":525,"asr":62.5,"acd":105},
      "lastRecovery":"AT+CFUN=1,1 after 3 timeouts",
      "sms":{"received":12,"sent":4,"failed":1,"storage":"ME","storageUsed":3,"storageTotal":255,
             "lastError":"AT+CMGS: +CMS ERROR: 331 (no network service)"},
      "recentEvents":[
        {"at":"2025-03-01T11:50:00Z","modemID":"usb-123456","kind":"recovery","detail":"AT+CFUN=1,1 after 3 AT timeouts in a row; the modem re-enumerated on USB and answered AT again within 14 s"},
        {"at":"2025-03-01T11:57:00Z","modemID":"usb-123456","kind":"state","detail":"not-registered -> free (+CREG: 1)"}]},
     {"id":"e1550-roof","state":"not-registered","stateSince":"2025-03-01T09:55:00Z","stateReason":"+CREG: 2",
      "vendor":"huawei","model":"E1550","imei":"351234567890123","iccid":"89380010123456789012",
      "signal":{"rssi":99,"bars":0},"registration":"roaming","accessTechnology":"UMTS",
      "networkOperator":{"mccmnc":"25501","name":"Vodafone Ukraine Roaming Partner"},"simOperator":{"mccmnc":"25506","name":"lifecell"},
      "at":{"queueDepth":3,"commandsSent":40,"timeouts":0,"errors":0,"unknownLines":0,"resets":0},
      "calls":{"total":0,"answered":0,"billableSeconds":0},
      "recentEvents":[]},
     {"id":"gsm3","state":"no-sim","stateSince":"2025-02-27T08:00:00Z",
      "signal":{},"networkOperator":{},"simOperator":{},
      "at":{"queueDepth":0,"commandsSent":3,"timeouts":0,"errors":1,"unknownLines":0,"resets":0,
            "lastOKAt":"2025-03-01T11:00:00Z"},
      "calls":{"total":2,"answered":0,"billableSeconds":0},"recentEvents":[]}
    ]}
    """

private let statusJSON = """
    {"configPath":"/etc/simgate/simgate.toml","modemCount":3,"startedAt":"2025-03-01T09:55:00Z","version":"0.1.0"}
    """

private func http(_ status: Int, _ reason: String, _ body: String, contentType: String = "application/json") -> [UInt8] {
    Array("HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
}

private func context(_ env: [String: String] = [:], stdin: [UInt8] = []) -> CLIContext {
    CLIContext(
        environment: ["LANG": "C.UTF-8"].merging(env) { $1 }, now: now, timeZone: TimeZone(identifier: "UTC")!,
        terminalWidth: nil, fileExists: { FileManager.default.fileExists(atPath: $0) }, readStandardInput: { stdin })
}

private func linesAreAtMost80(_ text: String) -> Bool {
    text.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { $0.count <= 80 }
}

/// A one-request-at-a-time HTTP server on a unix socket or TCP loopback, answering canned
/// bytes per "METHOD /path" and recording what it received. Runs on its own thread because
/// the CLI's client blocks.
final class CannedHTTPServer: Sendable {
    struct Received: Sendable {
        var head: String
        var body: [UInt8]
    }

    let socketPath: String?
    let port: UInt16
    private let listenFD: Int32
    private let received = Mutex<[Received]>([])
    private let done = Mutex<Bool>(false)

    var requests: [Received] { received.withLock { $0 } }

    init(tcp: Bool = false, routes: [String: [UInt8]]) throws {
        let fd: Int32
        if tcp {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            try withUnsafeMutablePointer(to: &address) { p in
                try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    guard bind(fd, sa, length) == 0, getsockname(fd, sa, &length) == 0 else {
                        throw POSIXError(.EADDRINUSE)
                    }
                }
            }
            port = UInt16(bigEndian: address.sin_port)
            socketPath = nil
        } else {
            let path = "/tmp/simgate-test-\(UUID().uuidString.prefix(8)).sock"
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            try CannedHTTPServer.bindUnix(fd, path)
            socketPath = path
            port = 0
        }
        guard listen(fd, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        listenFD = fd
        Thread { [self] in self.serve(fd, routes) }.start()
    }

    static func bindUnix(_ fd: Int32, _ path: String) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let rc = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    private func serve(_ fd: Int32, _ routes: [String: [UInt8]]) {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                // The listening socket is closed here, by the thread that uses it, so its
                // number cannot be reused by another test's server while we still accept on it.
                if done.withLock({ $0 }) { close(fd); return }
                continue
            }
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            var request: Received?
            while request == nil {
                let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                buffer += chunk[0..<n]
                request = CannedHTTPServer.completeRequest(buffer)
            }
            if let request {
                received.withLock { $0.append(request) }
                let target = request.head.split(separator: "\r\n").first.map {
                    $0.split(separator: " ").prefix(2).joined(separator: " ")
                } ?? ""
                let answer = routes[target] ?? http(404, "Not Found", #"{"error":"no route \#(target)"}"#)
                _ = answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            close(client)
        }
    }

    private static func completeRequest(_ buffer: [UInt8]) -> Received? {
        let text = String(decoding: buffer, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let head = String(text[..<end.lowerBound])
        let bodyStart = text.utf8.distance(from: text.startIndex, to: end.upperBound)
        let length = head.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        guard buffer.count >= bodyStart + length else { return nil }
        return Received(head: head, body: Array(buffer[bodyStart..<(bodyStart + length)]))
    }

    func stop() {
        done.withLock { $0 = true }
        shutdown(listenFD, Int32(SHUT_RDWR))  // wakes accept(); the serving thread closes it
        if let socketPath { unlink(socketPath) }
    }
}

private func withServer<T>(
    tcp: Bool = false, _ routes: [String: [UInt8]], _ body: (CannedHTTPServer) async throws -> T
) async throws -> T {
    let server = try CannedHTTPServer(tcp: tcp, routes: routes)
    defer { server.stop() }
    return try await body(server)
}

// MARK: - The CLI against a live socket

@Suite("simgate CLI against a unix-socket server")
struct CLIEndToEndTests {
    @Test("modems: a table of every modem that fits 80 columns")
    func modemsTable() async throws {
        let outcome = try await withServer(["GET /v1/modems": http(200, "OK", modemListJSON)]) { server in
            await CLIRunner.run(arguments: ["modems", "--socket", server.socketPath!], context: context())
        }
        #expect(outcome.exitCode == 0)
        #expect(outcome.standardError == "")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(linesAreAtMost80(outcome.standardOutput))
        #expect(lines[0] == "ID         STATE     SIGNAL REG  NET   SIM   ACT IMEI ICCID AT-OK CALLS  ASR/ACD")
        // The EC25: free for 3 minutes, 3 of 5 bars, on its home network Kyivstar (255 03)
        // with a Kyivstar SIM, IMEI and ICCID by their last digits, 62.5% ASR, 105 s ACD.
        // 80 columns are too few for everything: dBm, names and second units gave way.
        #expect(lines[1] == "usb-123456 free 3m   ▂▃▄__  home 25503 25503 LTE 3456 789F     5s     8 63%/105s")
        // rssi 99 is "unknown": no dBm invented, only the (empty) bars.
        #expect(lines[2] == "e1550-roof no-reg 2h _____  roam 25501 25506 UM… 0123 9012      -     0        -")
        #expect(lines[3] == "gsm3       no-sim 2d -      -    -     -     -   -    -        1h     2     0%/-")
    }

    @Test("a wider terminal keeps names, dBm and full ages")
    func modemsOnWiderTerminal() async throws {
        var wide = context()
        wide.terminalWidth = 132
        let outcome = try await withServer(["GET /v1/modems": http(200, "OK", modemListJSON)]) { server in
            await CLIRunner.run(arguments: ["modems", "--socket", server.socketPath!], context: wide)
        }
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.count <= 132 })
        #expect(lines[1].hasPrefix("usb-123456 free 3m      -73 ▂▃▄__ home Kyivstar   "))
        #expect(lines[1].contains(" Kyivstar LTE  3456 8938003990123456789F    5s     8 63%/105s"))
        #expect(lines[2].hasPrefix("e1550-roof no-reg 2h05m _____     roam Vodafone Ukraine Roaming Partner lifecell UMTS 0123 "))
    }

    @Test("modems --wide keeps full IMEI and ICCID; --ascii uses no UTF-8")
    func modemsWideAndASCII() async throws {
        let (wide, ascii) = try await withServer(["GET /v1/modems": http(200, "OK", modemListJSON)]) { server in
            (await CLIRunner.run(arguments: ["modems", "--wide", "--socket", server.socketPath!], context: context()),
             await CLIRunner.run(arguments: ["modems", "--ascii", "--socket", server.socketPath!], context: context()))
        }
        #expect(wide.standardOutput.contains("861234567123456"))
        #expect(wide.standardOutput.contains("8938003990123456789F"))
        #expect(wide.standardOutput.contains("Vodafone Ukraine Roaming Partner"))
        #expect(ascii.exitCode == 0)
        #expect(ascii.standardOutput.allSatisfy { $0.isASCII })
        #expect(ascii.standardOutput.contains(" 3/5 "))
        #expect(linesAreAtMost80(ascii.standardOutput))
    }

    @Test("a C locale means ASCII output without --ascii")
    func cLocaleIsASCII() async throws {
        let outcome = try await withServer(["GET /v1/modems": http(200, "OK", modemListJSON)]) { server in
            await CLIRunner.run(arguments: ["modems", "--socket", server.socketPath!], context: context(["LANG": "C"]))
        }
        #expect(outcome.standardOutput.allSatisfy { $0.isASCII })
    }

    @Test("modems --json prints the API's JSON, which decodes back to the same list")
    func modemsJSON() async throws {
        let outcome = try await withServer(["GET /v1/modems": http(200, "OK", modemListJSON)]) { server in
            await CLIRunner.run(arguments: ["modems", "--json", "--socket", server.socketPath!], context: context())
        }
        #expect(outcome.exitCode == 0)
        let printed = try ControlJSON.decoder().decode(ModemList.self, from: Data(outcome.standardOutput.utf8))
        let original = try ControlJSON.decoder().decode(ModemList.self, from: Data(modemListJSON.utf8))
        #expect(printed.modems == original.modems)
        #expect(printed.generatedAt == original.generatedAt)
        #expect(outcome.standardOutput.contains("\n  \"generatedAt\""))  // pretty-printed, sorted keys
        #expect(outcome.standardOutput.contains("\"/dev/ttyUSB2\""))  // no escaped slashes
    }

    @Test("the request is a plain HTTP/1.1 GET with a Host, JSON accepted, no token on the unix socket")
    func requestShape() async throws {
        let server = try CannedHTTPServer(routes: ["GET /v1/status": http(200, "OK", statusJSON)])
        defer { server.stop() }
        _ = await CLIRunner.run(arguments: ["status"], context: context(["SIMGATE_SOCKET": server.socketPath!]))
        let head = try #require(server.requests.first).head
        #expect(head.hasPrefix("GET /v1/status HTTP/1.1\r\n"))
        #expect(head.contains("\r\nHost: localhost"))
        #expect(head.contains("\r\nAccept: application/json"))
        #expect(!head.contains("Authorization"))
    }

    @Test("status: version, uptime, config, modem count; --json round-trips")
    func status() async throws {
        let (text, json) = try await withServer(["GET /v1/status": http(200, "OK", statusJSON)]) { server in
            (await CLIRunner.run(arguments: ["status", "--socket", server.socketPath!], context: context()),
             await CLIRunner.run(arguments: ["status", "--json", "--socket", server.socketPath!], context: context()))
        }
        #expect(text.exitCode == 0)
        #expect(text.standardOutput.hasPrefix("simgated 0.1.0: up 2h05m\n"))
        #expect(text.standardOutput.contains("Started        2025-03-01 09:55:00"))
        #expect(text.standardOutput.contains("Config         /etc/simgate/simgate.toml"))
        #expect(text.standardOutput.contains("Modems         3"))
        let decoded = try ControlJSON.decoder().decode(DaemonStatus.self, from: Data(json.standardOutput.utf8))
        #expect(decoded.modemCount == 3)
        #expect(decoded.startedAt == Date(timeIntervalSince1970: 1_740_822_900))
    }

    @Test("simgate alone: the one-screen status with the modems by state and an alert per modem down; parts not running are left out")
    func overview() async throws {
        let outcome = try await withServer(["GET /v1/status": http(200, "OK", statusJSON), "GET /v1/modems": http(200, "OK", modemListJSON)]) { server in
            await CLIRunner.run(arguments: [], context: context(["SIMGATE_SOCKET": server.socketPath!]))
        }
        #expect(outcome.exitCode == 0, "\(outcome.standardError)")
        let text = outcome.standardOutput
        #expect(text.hasPrefix("simgated 0.1.0: up 2h05m\n"), "\(text)")
        #expect(text.contains("\nModems     3 (1 free, 1 no-sim, 1 not-registered)\n"), "\(text)")
        #expect(text.contains("\nAlerts\n  ! e1550-roof not-registered for "), "\(text)")
        #expect(text.contains("(simgate modem show gsm3)"), "\(text)")
        // Calls, missed calls, SIMs and webhooks answered 404 here: no line for them, no error.
        #expect(!text.contains("Calls up") && !text.contains("Missed") && !text.contains("Webhooks"), "\(text)")
    }

    @Test("modem show: every group, wrapped to 80 columns")
    func modemShow() async throws {
        let list = try ControlJSON.decoder().decode(ModemList.self, from: Data(modemListJSON.utf8))
        let body = String(decoding: try ControlJSON.encoder().encode(list.modems[0]), as: UTF8.self)
        let outcome = try await withServer(["GET /v1/modems/usb-123456": http(200, "OK", body)]) { server in
            await CLIRunner.run(arguments: ["modem", "show", "usb-123456", "--socket", server.socketPath!], context: context())
        }
        #expect(outcome.exitCode == 0)
        let out = outcome.standardOutput
        #expect(linesAreAtMost80(out))
        #expect(out.hasPrefix("Modem usb-123456: free for 3m\n"))
        for section in ["\nIdentity\n", "\nNetwork\n", "\nSIM\n", "\nVoice\n", "\nAT link\n", "\nCalls\n", "\nRecent events\n"] {
            #expect(out.contains(section), "section \(section) missing")
        }
        #expect(out.contains("  Operator       Kyivstar (25503)\n"))
        #expect(out.contains("  Signal         -73 dBm ▂▃▄__ 3/5 (rssi 20)\n"))
        #expect(out.contains("  Capable        yes (AT+QPCMV? OK)\n"))
        #expect(out.contains("  Timeouts       2\n"))
        #expect(out.contains("  Last OK        2025-03-01 11:59:55 (5s ago)\n"))
        #expect(out.contains("  Last recovery  AT+CFUN=1,1 after 3 timeouts\n"))
        #expect(out.contains("  ASR            62.5%\n"))
        #expect(out.contains("  ACD            1m45s\n"))
        // SMS: written by this daemon, read with the fields it left out at their defaults.
        #expect(out.contains("\nSMS\n  Received       12\n  Sent           4\n  Failed         1\n"))
        #expect(out.contains("  Storage        ME 3/255 used\n"))
        #expect(out.contains("  Not yet saved  0\n"))
        #expect(out.contains("  Last error     AT+CMGS: +CMS ERROR: 331 (no network service)\n"))
        #expect(list.modems[0].sms?.deleted == 0 && list.modems[0].sms?.acknowledgesDelivery == false)
        #expect(list.modems[1].sms == nil, "JSON from before SMS decodes without an SMS section")
        // The long recovery event wraps under its own text, not under the timestamp.
        #expect(out.contains("  2025-03-01 11:50:00  recovery  AT+CFUN=1,1 after 3 AT timeouts in a row; the\n"))
        #expect(out.contains("\n                                 modem re-enumerated"))
    }

    @Test("modem at: lines and final result; exit 1 unless OK; the request carries the timeout")
    func modemAT() async throws {
        let ok = #"{"command":"AT+CSQ","elapsedMilliseconds":41,"final":"OK","lines":["+CSQ: 20,99"]}"#
        let error = #"{"command":"AT+CLCC","elapsedMilliseconds":12,"final":"+CME ERROR: 10","lines":[]}"#
        let server = try CannedHTTPServer(routes: [
            "POST /v1/modems/usb-123456/at": http(200, "OK", ok),
            "POST /v1/modems/gsm3/at": http(200, "OK", error),
        ])
        defer { server.stop() }
        let good = await CLIRunner.run(arguments: ["modem", "at", "usb-123456", "AT+CSQ", "--timeout", "5",
                                              "--socket", server.socketPath!], context: context())
        #expect(good.exitCode == 0)
        #expect(good.standardOutput == "+CSQ: 20,99\nOK\n")
        let sent = try ControlJSON.decoder().decode(RawATRequest.self, from: Data(try #require(server.requests.first).body))
        #expect(sent.command == "AT+CSQ")
        #expect(sent.timeoutSeconds == 5)

        let bad = await CLIRunner.run(arguments: ["modem", "at", "gsm3", "AT+CLCC", "--socket", server.socketPath!],
                                 context: context())
        #expect(bad.exitCode == 1)
        #expect(bad.standardOutput == "+CME ERROR: 10\n")
        #expect(bad.standardError == "simgate: AT+CLCC: +CME ERROR: 10 after 12 ms\n")

        let badJSON = await CLIRunner.run(arguments: ["modem", "at", "gsm3", "AT+CLCC", "--json", "--socket", server.socketPath!],
                                     context: context())
        #expect(badJSON.exitCode == 1)
        #expect(try ControlJSON.decoder().decode(RawATResponse.self, from: Data(badJSON.standardOutput.utf8)).final == "+CME ERROR: 10")
    }

    @Test("modem at refuses a multi-line command before contacting the daemon")
    func modemATValidation() async {
        let outcome = await CLIRunner.run(arguments: ["modem", "at", "x", "AT\rATD123;", "--socket", "/nonexistent"], context: context())
        #expect(outcome.exitCode == 64)
        #expect(outcome.standardError.contains("one line"))
    }

    @Test("modem reset: the daemon's message, exit 1 when it says no")
    func modemReset() async throws {
        let server = try CannedHTTPServer(routes: [
            "POST /v1/modems/gsm3/reset": http(200, "OK", #"{"message":"recovery started","ok":true}"#),
            "POST /v1/modems/e1550-roof/reset": http(200, "OK", #"{"message":"modem is in a call","ok":false}"#),
        ])
        defer { server.stop() }
        let ok = await CLIRunner.run(arguments: ["modem", "reset", "gsm3", "--socket", server.socketPath!], context: context())
        #expect(ok == CLIOutcome(exitCode: 0, standardOutput: "recovery started\n", standardError: ""))
        #expect(try #require(server.requests.first).head.contains("Content-Length: 0"))
        let no = await CLIRunner.run(arguments: ["modem", "reset", "e1550-roof", "--socket", server.socketPath!], context: context())
        #expect(no == CLIOutcome(exitCode: 1, standardOutput: "", standardError: "simgate: modem is in a call\n"))
    }

    @Test("an API error body becomes `simgate: <error>` and exit 1")
    func apiError() async throws {
        let outcome = try await withServer([
            "GET /v1/modems/nope": http(404, "Not Found", #"{"error":"no modem with id nope"}"#)
        ]) { server in
            await CLIRunner.run(arguments: ["modem", "show", "nope", "--socket", server.socketPath!], context: context())
        }
        #expect(outcome == CLIOutcome(exitCode: 1, standardOutput: "", standardError: "simgate: no modem with id nope\n"))
    }

    @Test("a non-JSON error names the route and the HTTP status")
    func plainHTTPError() async throws {
        let outcome = try await withServer([
            "GET /v1/status": http(500, "Internal Server Error", "oops", contentType: "text/plain")
        ]) { server in
            await CLIRunner.run(arguments: ["status", "--socket", server.socketPath!], context: context())
        }
        #expect(outcome.exitCode == 1)
        #expect(outcome.standardError == "simgate: GET /v1/status: HTTP 500 Internal Server Error\n")
    }

    @Test("a 200 whose JSON breaks the contract says what is missing")
    func contractViolation() async throws {
        let outcome = try await withServer(["GET /v1/status": http(200, "OK", #"{"version":"0.1.0"}"#)]) { server in
            await CLIRunner.run(arguments: ["status", "--socket", server.socketPath!], context: context())
        }
        #expect(outcome.exitCode == 1)
        #expect(outcome.standardError.hasPrefix("simgate: GET /v1/status: unexpected answer from simgated (missing "))
    }

    @Test("no socket: one clear line, exit 2")
    func notRunning() async {
        let path = "/tmp/simgate-test-absent-\(UUID().uuidString.prefix(8)).sock"
        let outcome = await CLIRunner.run(arguments: ["modems", "--socket", path], context: context())
        #expect(outcome == CLIOutcome(exitCode: 2, standardOutput: "",
                                      standardError: "simgate: simgated is not running (no socket at \(path))\n"))
    }

    @Test("a stale socket file nobody listens on: exit 2, connection refused")
    func staleSocket() async throws {
        let path = "/tmp/simgate-test-stale-\(UUID().uuidString.prefix(8)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try CannedHTTPServer.bindUnix(fd, path)
        close(fd)  // the file stays, as after a daemon killed with -9
        defer { unlink(path) }
        let outcome = await CLIRunner.run(arguments: ["status", "--socket", path], context: context())
        #expect(outcome.exitCode == 2)
        #expect(outcome.standardError == "simgate: simgated is not running (connection refused at \(path))\n")
    }

    @Test("--url over TCP sends the bearer token from SIMGATE_TOKEN")
    func tcpWithToken() async throws {
        let server = try CannedHTTPServer(tcp: true, routes: ["GET /v1/status": http(200, "OK", statusJSON)])
        defer { server.stop() }
        let outcome = await CLIRunner.run(arguments: ["status", "--url", "http://127.0.0.1:\(server.port)"],
                                     context: context(["SIMGATE_TOKEN": "s3cret"]))
        #expect(outcome.exitCode == 0)
        #expect(outcome.standardOutput.contains("Control API    http://127.0.0.1:\(server.port)"))
        let head = try #require(server.requests.first).head
        #expect(head.contains("\r\nAuthorization: Bearer s3cret"))
        #expect(head.lowercased().contains("\r\nhost: 127.0.0.1:\(server.port)"))
    }

    @Test("a server that accepts and never answers hits the deadline")
    func timeout() async throws {
        let path = "/tmp/simgate-test-mute-\(UUID().uuidString.prefix(8)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try CannedHTTPServer.bindUnix(fd, path)
        defer { close(fd); unlink(path) }
        #expect(listen(fd, 4) == 0)  // the kernel completes the connect; nobody reads
        let transport = ControlTransport()
        let client = ControlClient(endpoint: .unixSocket(path: path), transport: transport, timeout: 0.2)
        await #expect(throws: CLIFailure("simgated at \(path) did not answer within 0.2s", exitCode: 2)) {
            _ = try await client.get("/v1/status", as: DaemonStatus.self)
        }
        await transport.shutdown()
    }
}

@Suite("simgate at decode (offline)")
struct ATDecodeCommandTests {
    @Test("a missing file is named")
    func missingFile() async {
        let outcome = await CLIRunner.run(arguments: ["at", "decode", "/nonexistent/at.log"], context: context())
        #expect(outcome == CLIOutcome(exitCode: 1, standardOutput: "",
                                      standardError: "simgate: cannot read /nonexistent/at.log: no such file\n"))
    }

    // Until the lead wires ModemCore's decoder into `decodeATLog` this documents the stub; at
    // wiring, replace it with a decode of a real transcript.
    @Test("stdin is read and handed to the decoder")
    func stdinReachesDecoder() async throws {
        let outcome = await CLIRunner.run(arguments: ["at", "decode", "--command", "AT+CREG?", "--json"],
                                     context: context(stdin: Array("\r\n+CREG: 2,1,\"1A2B\",\"01C3\"\r\n\r\nOK\r\n".utf8)))
        #expect(outcome.exitCode == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("+CREG"))
        #expect(outcome.standardOutput.contains("1A2B"))
        #expect(outcome.standardOutput.contains("\"final\""))
    }
}

// MARK: - Pure parts

@Suite("simgate CLI against answers that are not the API's")
struct CLITransportTests {
    @Test("a chunked answer is read whole (AsyncHTTPClient does the framing)")
    func chunked() async throws {
        let json = statusJSON
        let half = json.utf8.count / 2
        let first = String(decoding: Array(json.utf8)[..<half], as: UTF8.self)
        let second = String(decoding: Array(json.utf8)[half...], as: UTF8.self)
        let body = String(first.utf8.count, radix: 16) + ";x=y\r\n" + first + "\r\n"
            + String(second.utf8.count, radix: 16) + "\r\n" + second + "\r\n0\r\n\r\n"
        let answer = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\(body)".utf8)
        let outcome = try await withServer(["GET /v1/status": answer]) { server in
            await CLIRunner.run(arguments: ["status", "--json", "--socket", server.socketPath!], context: context())
        }
        #expect(outcome.exitCode == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("\"version\""))
    }

    @Test("something that is not HTTP (an SSH banner) is named as such, exit 2")
    func notHTTP() async throws {
        let outcome = try await withServer(["GET /v1/status": Array("SSH-2.0-OpenSSH_9.2\r\n\r\n".utf8)]) { server in
            await CLIRunner.run(arguments: ["status", "--socket", server.socketPath!], context: context())
        }
        #expect(outcome.exitCode == 2)
        #expect(outcome.standardError.hasPrefix("simgate: bad HTTP answer from /tmp/simgate-test-"), "\(outcome.standardError)")
    }

    @Test("a body cut short of its Content-Length: connection failed, exit 2")
    func truncated() async throws {
        let outcome = try await withServer([
            "GET /v1/status": Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"version\"".utf8)
        ]) { server in
            await CLIRunner.run(arguments: ["status", "--socket", server.socketPath!], context: context())
        }
        #expect(outcome.exitCode == 2)
        #expect(outcome.standardError.hasPrefix("simgate: connection to simgated at /tmp/simgate-test-"), "\(outcome.standardError)")
        #expect(outcome.standardError.hasSuffix(": the answer was cut short\n"), "\(outcome.standardError)")
    }

    @Test("a socket path too long for sun_path is a usage error, before any connect")
    func longPath() async {
        let path = "/tmp/" + String(repeating: "s", count: 120) + ".sock"
        let outcome = await CLIRunner.run(arguments: ["status", "--socket", path], context: context())
        #expect(outcome == CLIOutcome(exitCode: 64, standardOutput: "",
                                      standardError: "simgate: socket path is longer than 107 bytes: \(path)\n"))
    }

    @Test("--cacert that cannot be read is named; --cacert without https is refused")
    func cacertErrors() async {
        let missing = await CLIRunner.run(arguments: ["status", "--url", "https://127.0.0.1:1", "--cacert", "/nonexistent/ca.pem"],
                                          context: context())
        #expect(missing.exitCode == 64)
        #expect(missing.standardError.hasPrefix("simgate: cannot read --cacert /nonexistent/ca.pem: "), "\(missing.standardError)")
        let plain = await CLIRunner.run(arguments: ["status", "--url", "http://127.0.0.1:1", "--cacert", "/tmp/ca.pem"],
                                        context: context())
        #expect(plain == CLIOutcome(exitCode: 64, standardOutput: "",
                                    standardError: "simgate: --cacert needs an https:// --url (got \"http://127.0.0.1:1\")\n"))
    }
}

@Suite("daemon endpoint")
struct DaemonEndpointTests {
    @Test("--socket beats SIMGATE_SOCKET beats the first existing default")
    func order() throws {
        let env = ["SIMGATE_SOCKET": "/env.sock"]
        #expect(try DaemonEndpoint.resolve(socket: "/flag.sock", url: nil, token: nil, environment: env, fileExists: { _ in true })
                == .unixSocket(path: "/flag.sock"))
        #expect(try DaemonEndpoint.resolve(socket: nil, url: nil, token: nil, environment: env, fileExists: { _ in true })
                == .unixSocket(path: "/env.sock"))
        #expect(try DaemonEndpoint.resolve(socket: nil, url: nil, token: nil, environment: [:],
                                           fileExists: { $0 == "/tmp/simgate/simgated.sock" })
                == .unixSocket(path: "/tmp/simgate/simgated.sock"))
        #expect(try DaemonEndpoint.resolve(socket: nil, url: nil, token: nil, environment: [:], fileExists: { _ in false })
                == .unixSocket(path: "/run/simgate/simgated.sock"))
    }

    @Test("URLs: host, port, IPv6, token from flag or environment")
    func urls() throws {
        #expect(try DaemonEndpoint.resolve(socket: "/x", url: "http://10.0.0.5:8080/", token: nil,
                                           environment: ["SIMGATE_TOKEN": "t"], fileExists: { _ in true })
                == .tcp(host: "10.0.0.5", port: 8080, token: "t"))
        #expect(try DaemonEndpoint.resolve(socket: nil, url: "http://[::1]:9000", token: "flag",
                                           environment: ["SIMGATE_TOKEN": "t"], fileExists: { _ in true })
                == .tcp(host: "::1", port: 9000, token: "flag"))
        #expect(try DaemonEndpoint.parseURL("http://gw.local") == ("gw.local", 80, false))
        #expect(try DaemonEndpoint.parseURL("https://gw.local") == ("gw.local", 443, true))
        #expect(try DaemonEndpoint.parseURL("HTTPS://[::1]:8443/") == ("::1", 8443, true))
        #expect(throws: CLIFailure(usage: "--url must look like http://host:port or https://host:port (got \"ftp://gw:21\")")) {
            try DaemonEndpoint.parseURL("ftp://gw:21")
        }
        #expect(throws: CLIFailure(usage: "--url has a bad port \"99999\"")) { try DaemonEndpoint.parseURL("http://gw:99999") }
        #expect(throws: CLIFailure(usage: "--url takes no path (got \"http://gw:80/v1\")")) { try DaemonEndpoint.parseURL("http://gw:80/v1") }
    }
}

@Suite("human formatting")
struct HumanFormatTests {
    @Test("durations: two units at most", arguments: [
        (0.0, "0s"), (-5, "0s"), (45, "45s"), (59.9, "59s"), (60, "1m"), (192, "3m"), (3599, "59m"),
        (3600, "1h00m"), (7500, "2h05m"), (86_399, "23h59m"), (86_400, "1d00h"), (273_600, "3d04h"),
        (100 * 86_400 + 7200, "100d"),
    ] as [(Double, String)])
    func durations(seconds: Double, expected: String) {
        #expect(HumanFormat.duration(seconds) == expected)
    }

    @Test("precise durations for call lengths")
    func precise() {
        #expect(HumanFormat.preciseDuration(105) == "1m45s")
        #expect(HumanFormat.preciseDuration(3723) == "1h02m03s")
        #expect(HumanFormat.preciseDuration(7) == "7s")
    }

    @Test("ages are relative to the injected now; unknown is '-', the future is 0s")
    func ages() {
        #expect(HumanFormat.age(of: now.addingTimeInterval(-180), now: now) == "3m")
        #expect(HumanFormat.age(of: nil, now: now) == "-")
        #expect(HumanFormat.age(of: now.addingTimeInterval(30), now: now) == "0s")
    }

    @Test("27.007 rssi to dBm: 0 → -113, 20 → -73, 31 → -51, 99 unknown")
    func rssi() {
        #expect(HumanFormat.dBm(SignalInfo(rssi: 0)) == -113)
        #expect(HumanFormat.dBm(SignalInfo(rssi: 20)) == -73)
        #expect(HumanFormat.dBm(SignalInfo(rssi: 31)) == -51)
        #expect(HumanFormat.dBm(SignalInfo(rssi: 99)) == nil)
        #expect(HumanFormat.dBm(SignalInfo(rssi: 20, dBm: -71)) == -71)  // the daemon's own value wins
    }

    @Test("bars: five positions, clamped; ASCII as n/5")
    func bars() {
        #expect(HumanFormat.bars(0, ascii: false) == "_____")
        #expect(HumanFormat.bars(3, ascii: false) == "▂▃▄__")
        #expect(HumanFormat.bars(5, ascii: false) == "▂▃▄▆█")
        #expect(HumanFormat.bars(9, ascii: false) == "▂▃▄▆█")
        #expect(HumanFormat.bars(4, ascii: true) == "4/5")
        #expect(HumanFormat.bars(nil, ascii: true) == nil)
        #expect(HumanFormat.signalCell(SignalInfo(), ascii: false) == "-")
    }

    @Test("ASR/ACD cell")
    func asrACD() {
        var calls = CallStats()
        #expect(HumanFormat.asrACD(calls) == "-")
        calls.total = 3
        #expect(HumanFormat.asrACD(calls) == "0%/-")
        calls.answered = 2
        calls.billableSeconds = 150
        #expect(HumanFormat.asrACD(calls) == "67%/75s")
    }
}

@Suite("signal sparkline")
struct SignalSparklineTests {
    @Test("sparkline: -113 dBm at the bottom, -51 at the top, a gap where there was no reading")
    func sparkline() {
        #expect(HumanFormat.sparkline([-113, -103, -82, nil, -51, -40], ascii: false) == "▁▂▅ ██")
        #expect(HumanFormat.sparkline([-113, -103, -82, nil, -51], ascii: true) == "_.= '")
        #expect(HumanFormat.signalRange([-97, nil, -71], ascii: false) == "-97…-71 dBm")
        #expect(HumanFormat.signalRange([nil], ascii: true) == "no reading")
    }
}

@Suite("text table")
struct TextTableTests {
    @Test("degrades by plan: narrower rendering, then a cut at the chosen side")
    func plan() {
        var table = TextTable(columns: [.init("ID", min: 4), .init("NAME", min: 4), .init("SERIAL", cut: .start)])
        table.plan = [.rendering(column: 2, index: 1), .cut(columns: [1], width: 4)]
        table.append([["modem-1"], ["Vodafone Ukraine"], ["861234567123456", "…3456"]])
        #expect(table.render(maxWidth: nil) == "ID      NAME             SERIAL\nmodem-1 Vodafone Ukraine 861234567123456\n")
        #expect(table.render(maxWidth: 40) == table.render(maxWidth: nil))  // fits: nothing degrades
        #expect(table.render(maxWidth: 31) == "ID      NAME             SERIAL\nmodem-1 Vodafone Ukraine …3456\n")
        #expect(table.render(maxWidth: 20) == "ID      NAME  SERIAL\nmodem-1 Voda… …3456\n")
        // Past the plan every column is cut to its minimum, and no further.
        let tight = table.render(maxWidth: 10)
        #expect(tight == "ID   NAME SERIAL\nmod… Vod… …3456\n")
    }

    @Test("the modem table stays within 80 columns with long IDs and names everywhere")
    func worstCase() {
        var m = ModemSnapshot(id: "rooftop-mast-north-07", state: .notRegistered, stateSince: now.addingTimeInterval(-50_000))
        m.signal = SignalInfo(rssi: 2, dBm: -109, bars: 1)
        m.networkOperator = OperatorInfo(mccmnc: "25501", name: "Vodafone Ukraine Partner Network")
        m.simOperator = OperatorInfo(mccmnc: "25506", name: "lifecell Ukraine")
        m.accessTechnology = "LTE-CA"
        m.registration = "searching"
        m.imei = "861234567123456"
        m.iccid = "8938003990123456789F"
        m.at.lastOKAt = now.addingTimeInterval(-86_000)
        m.calls.total = 12345
        m.calls.answered = 10000
        m.calls.billableSeconds = 10_000_000
        let text = ModemTable.render(ModemList(modems: [m], generatedAt: now), now: now, ascii: false, maxWidth: 80)
        #expect(linesAreAtMost80(text))
        #expect(text.contains("rooftop-mast-north-07".prefix(9) + "…"))  // the ID is cut only as a last resort
        #expect(text.contains(" 81/1000"))
    }
}
