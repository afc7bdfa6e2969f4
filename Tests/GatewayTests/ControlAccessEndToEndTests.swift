// Issue 14, item 5: the control API's TCP listener with TLS (swift-nio-ssl under Hummingbird)
// and a bearer token per role, met by curl — a client nobody here wrote — exactly as a
// monitoring box, a dispatcher's tool or an admin's script would reach it. The unix socket
// stays the local admin's, with no token.
import Foundation
import Testing

@Suite("Control API over TCP: TLS and a token per role (curl)", .serialized, .timeLimit(.minutes(3)))
struct ControlAccessEndToEndTests {
    static let monitor = "monitor-token-0123456789"
    static let dispatcher = "operator-token-0123456789"
    static let admin = "admin-token-0123456789abc"

    /// A throwaway self-signed certificate for 127.0.0.1, made by openssl.
    static func makeCertificate(in directory: String) async throws -> (cert: String, key: String) {
        let cert = directory + "/control.crt", key = directory + "/control.key"
        let made = try await runProcess("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=simgate-test",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ], directory: directory, timeout: 30)
        try #require(made.status == 0, "openssl: \(made.stderr)")
        return (cert, key)
    }

    struct CurlAnswer {
        var exitCode: Int32
        var status: Int
        var headers: String
        var body: String

        /// The API's `{"error": ...}` text, decoded (JSON escapes the slashes of a path).
        var error: String? {
            guard let data = body.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return object["error"] as? String
        }
    }

    /// One request with curl; `status` is 0 when curl got no HTTP answer.
    static func curl(_ url: String, method: String = "GET", token: String? = nil, body: String? = nil,
                     caCert: String?, extra: [String] = [], directory: String) async throws -> CurlAnswer {
        let headersFile = directory + "/headers-\(UUID().uuidString.prefix(6)).txt"
        var args = ["-sS", "-o", "-", "-D", headersFile, "-w", "\n%{http_code}", "-X", method, "--max-time", "10"]
        if let caCert { args += ["--cacert", caCert] }
        if let token { args += ["-H", "Authorization: Bearer \(token)"] }
        if let body {
            let bodyFile = directory + "/body-\(UUID().uuidString.prefix(6)).json"
            try body.write(toFile: bodyFile, atomically: true, encoding: .utf8)
            args += ["-H", "Content-Type: application/json", "--data-binary", "@" + bodyFile]
        }
        let result = try await runProcess("/usr/bin/curl", args + extra + [url], directory: directory, timeout: 20)
        var lines = result.stdout.components(separatedBy: "\n")
        let status = Int(lines.popLast() ?? "") ?? 0
        return CurlAnswer(exitCode: result.status, status: status,
                          headers: (try? String(contentsOfFile: headersFile, encoding: .utf8)) ?? "",
                          body: lines.joined(separator: "\n"))
    }

    /// The daemon with one modem and its control API on TLS with a token per role.
    static func startTLSDaemon(in scratch: String) async throws -> (GatewayHarness, port: Int, cert: String) {
        let port = try unusedLoopbackPort()
        let (cert, key) = try await makeCertificate(in: scratch)
        let h = try await GatewayHarness.start(modems: ["quectel1"], controlTOML: """
            tcp_listen = "127.0.0.1:\(port)"
            token = "\(admin)"
            operator_token = "\(dispatcher)"
            monitor_token = "\(monitor)"
            tls_certificate = "\(cert)"
            tls_key = "\(key)"
            """)
        try await h.waitUntilFree(["quectel1"])
        return (h, port, cert)
    }

    @Test("monitor reads, operator sends SMS, admin resets a modem; each is refused what its role does not allow; TLS only, with the right CA")
    func rolesOverTLS() async throws {
        let scratch = try scratchDirectory("tls")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (h, port, cert) = try await Self.startTLSDaemon(in: scratch)
        defer { Task { await h.stop() } }
        let base = "https://127.0.0.1:\(port)"
        func call(_ path: String, _ method: String = "GET", token: String?, body: String? = nil) async throws -> CurlAnswer {
            try await Self.curl(base + path, method: method, token: token, body: body, caCert: cert, directory: scratch)
        }

        // monitor: every GET, nothing else.
        let modems = try await call("/v1/modems", token: Self.monitor)
        #expect(modems.status == 200 && modems.body.contains("\"quectel1\""), "\(modems)")
        let metrics = try await call("/metrics", token: Self.monitor)
        #expect(metrics.status == 200 && metrics.body.contains("simgate_modem_registered"), "\(metrics.status) \(metrics.body.prefix(200))")
        let sms = #"{"to": "+79031234567", "text": "Машина 12 у подъезда"}"#
        let monitorSMS = try await call("/v1/sms", "POST", token: Self.monitor, body: sms)
        #expect(monitorSMS.status == 403 && monitorSMS.error == "a monitor token may not POST /v1/sms: it needs operator", "\(monitorSMS)")

        // operator: a dispatcher sends an SMS, but may not reset a modem.
        let sent = try await call("/v1/sms", "POST", token: Self.dispatcher, body: sms)
        #expect(sent.status == 202 && sent.body.contains("+79031234567"), "\(sent)")
        let operatorReset = try await call("/v1/modems/quectel1/reset", "POST", token: Self.dispatcher)
        #expect(operatorReset.status == 403 && operatorReset.error?.hasSuffix("it needs admin") == true, "\(operatorReset)")
        let operatorAT = try await call("/v1/modems/quectel1/at", "POST", token: Self.dispatcher, body: #"{"command": "AT+CSQ"}"#)
        #expect(operatorAT.status == 403, "\(operatorAT)")

        // admin: everything.
        let at = try await call("/v1/modems/quectel1/at", "POST", token: Self.admin, body: #"{"command": "AT+CSQ"}"#)
        #expect(at.status == 200 && at.body.contains("+CSQ:"), "\(at)")

        // No token, a wrong one, a token of the right length but one character off: 401 with
        // the challenge, and the API's error shape.
        for token in [nil, "nonsense", String(Self.admin.dropLast()) + "x"] {
            let refused = try await call("/v1/status", token: token)
            #expect(refused.status == 401 && refused.error?.contains("bearer token") == true
                    && refused.headers.lowercased().contains("www-authenticate: bearer"), "\(token ?? "none"): \(refused)")
        }
        // A body over 64 KiB: 413 in the same shape, and the daemon carries on.
        let huge = "{\"to\": \"+79031234567\", \"text\": \"" + String(repeating: "a", count: 70_000) + "\"}"
        let tooLarge = try await call("/v1/sms", "POST", token: Self.dispatcher, body: huge)
        #expect(tooLarge.status == 413 && tooLarge.error == "request body over 65536 bytes", "\(tooLarge.status) \(tooLarge.body.prefix(200))")
        #expect(try await call("/v1/status", token: Self.monitor).status == 200)

        // TLS only: plain HTTP gets no answer; without our CA the certificate is not trusted.
        let plain = try await Self.curl("http://127.0.0.1:\(port)/v1/status", token: Self.monitor, caCert: nil, directory: scratch)
        #expect(plain.exitCode != 0 && plain.status == 0, "\(plain)")
        let untrusted = try await Self.curl(base + "/v1/status", token: Self.monitor, caCert: nil, directory: scratch)
        #expect(untrusted.exitCode == 60, "curl exit 60 = peer certificate not trusted: \(untrusted)")

        // The unix socket needs no token: its file mode is the check.
        let local = try await Self.curl("http://localhost/v1/modems/quectel1/reset", method: "POST", caCert: nil,
                                        extra: ["--unix-socket", h.socket], directory: scratch)
        #expect(local.status == 200, "\(local)")
        let mode = try FileManager.default.attributesOfItem(atPath: h.socket)[.posixPermissions] as? Int
        #expect(mode == 0o660)
    }

    @Test("the simgate program over https: --cacert or $SIMGATE_CACERT trusts the daemon's own certificate; a token's role is kept; without the CA, one line saying what to do")
    func simgateOverTLS() async throws {
        let scratch = try scratchDirectory("tls")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (h, port, cert) = try await Self.startTLSDaemon(in: scratch)
        defer { Task { await h.stop() } }
        let url = "https://127.0.0.1:\(port)"
        let simgate = builtProductsDirectory().appendingPathComponent("simgate").path
        func run(_ arguments: [String], _ environment: [String: String] = [:]) async throws -> ProcessResult {
            // No socket to fall back to: only --url can reach the daemon.
            try await runProcess(simgate, arguments, environment: ["SIMGATE_SOCKET": scratch + "/none.sock", "LANG": "C"]
                                    .merging(environment) { $1 }, directory: scratch, timeout: 30)
        }

        let modems = try await run(["modems", "--url", url, "--cacert", cert, "--token", Self.monitor])
        #expect(modems.status == 0 && modems.stdout.contains("quectel1"), "\(modems.stderr)")
        let fromEnvironment = try await run(["status"], ["SIMGATE_CACERT": cert, "SIMGATE_TOKEN": Self.monitor])
        #expect(fromEnvironment.status == 2 && fromEnvironment.stderr.contains("not running"),
                "no --url: the unix socket is asked, and it is absent: \(fromEnvironment.stderr)")
        let status = try await run(["status", "--url", url], ["SIMGATE_CACERT": cert, "SIMGATE_TOKEN": Self.monitor])
        #expect(status.status == 0 && status.stdout.contains("Control API    \(url)"), "\(status.stderr)")

        let reset = try await run(["modem", "reset", "quectel1", "--url", url, "--cacert", cert, "--token", Self.dispatcher])
        #expect(reset.status == 1 && reset.stderr == "simgate: an operator token may not POST /v1/modems/quectel1/reset: it needs admin\n",
                "\(reset.stderr)")
        let wrongToken = try await run(["modems", "--url", url, "--cacert", cert, "--token", "nonsense"])
        #expect(wrongToken.status == 1 && wrongToken.stderr.contains("bearer token"), "\(wrongToken.stderr)")

        let untrusted = try await run(["modems", "--url", url, "--token", Self.monitor])
        #expect(untrusted.status == 2 && untrusted.stderr.hasPrefix("simgate: TLS with \(url) failed (")
                && untrusted.stderr.hasSuffix("pass it with --cacert FILE or $SIMGATE_CACERT\n"), "\(untrusted.stderr)")
        let plainToTLS = try await run(["modems", "--url", "http://127.0.0.1:\(port)", "--token", Self.monitor])
        #expect(plainToTLS.status == 2, "plain HTTP to the TLS port: \(plainToTLS.stderr)")
    }

    @Test("a certificate file that is not PEM stops the start with an error naming tls_certificate and the file")
    func badCertificateIsNamed() async throws {
        let port = try unusedLoopbackPort()
        let scratch = try scratchDirectory("tls")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try "not a certificate\n".write(toFile: scratch + "/bad.crt", atomically: true, encoding: .utf8)
        try "not a key\n".write(toFile: scratch + "/bad.key", atomically: true, encoding: .utf8)
        await #expect {
            _ = try await GatewayHarness.start(modems: ["quectel1"], controlTOML: """
                tcp_listen = "127.0.0.1:\(port)"
                token = "\(Self.admin)"
                tls_certificate = "\(scratch)/bad.crt"
                tls_key = "\(scratch)/bad.key"
                """)
        } throws: { error in
            "\(error)".contains("[control] tls_certificate \(scratch)/bad.crt")
        }
    }
}
