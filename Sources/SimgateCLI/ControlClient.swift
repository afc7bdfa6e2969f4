// The control API as the CLI sees it: one call per route, JSON in and out, every failure
// already turned into the one line (and exit status) the user will see.
import ControlModel
import Foundation

struct ControlClient {
    var endpoint: DaemonEndpoint
    var transport: ControlTransport
    /// Seconds for a whole request. Raw AT commands add their own timeout on top.
    var timeout: Double = 10

    /// A decoded answer plus the exact body bytes (for `--json`).
    struct Answer<Value> {
        var value: Value
        var body: [UInt8]
    }

    func get<Value: Decodable>(_ path: String, as type: Value.Type) async throws -> Answer<Value> {
        try await exchange(HTTPRequest(method: .GET, path: path, body: nil), as: type)
    }

    func post<Body: Encodable, Value: Decodable>(
        _ path: String, body: Body?, as type: Value.Type, timeout extra: Double = 0
    ) async throws -> Answer<Value> {
        let bytes = try body.map { Array(try ControlJSON.encoder().encode($0)) }
        return try await exchange(HTTPRequest(method: .POST, path: path, body: bytes), as: type, extraTimeout: extra)
    }

    func delete<Value: Decodable>(_ path: String, as type: Value.Type) async throws -> Answer<Value> {
        try await exchange(HTTPRequest(method: .DELETE, path: path, body: nil), as: type)
    }

    private func exchange<Value: Decodable>(
        _ request: HTTPRequest, as type: Value.Type, extraTimeout: Double = 0
    ) async throws -> Answer<Value> {
        let response: HTTPAnswer
        do {
            response = try await transport.perform(request, at: endpoint, timeout: timeout + extraTimeout)
        } catch let error as TransportError {
            throw ControlClient.failure(for: error)
        }
        guard (200..<300).contains(response.status) else {
            if let apiError = try? ControlJSON.decoder().decode(APIError.self, from: Data(response.body)) {
                throw CLIFailure(apiError.error)
            }
            let reason = response.reason.isEmpty ? "" : " \(response.reason)"
            throw CLIFailure("\(request.method) \(request.path): HTTP \(response.status)\(reason)")
        }
        do {
            let value = try ControlJSON.decoder().decode(Value.self, from: Data(response.body))
            return Answer(value: value, body: response.body)
        } catch {
            throw CLIFailure("\(request.method) \(request.path): unexpected answer from simgated (\(describe(error)))")
        }
    }

    static func failure(for error: TransportError) -> CLIFailure {
        let unreachable = CLIFailure.daemonUnreachable
        switch error {
        case .notRunning(_, let detail):
            return CLIFailure("simgated is not running (\(detail))", exitCode: unreachable)
        case .permissionDenied(let endpoint):
            return CLIFailure("permission denied on \(endpoint) (is this user in the simgate group?)",
                              exitCode: unreachable)
        case .timedOut(let endpoint, let seconds):
            return CLIFailure("simgated at \(endpoint) did not answer within \(formatSeconds(seconds))",
                              exitCode: unreachable)
        case .connectionLost(let endpoint, let detail):
            return CLIFailure("connection to simgated at \(endpoint) failed: \(detail)", exitCode: unreachable)
        case .addressTooLong(let path, let limit):
            return CLIFailure(usage: "socket path is longer than \(limit) bytes: \(path)")
        case .hostNotFound(let host):
            return CLIFailure("cannot resolve \(host)", exitCode: unreachable)
        case .tlsFailed(let endpoint, let detail):
            return CLIFailure("TLS with \(endpoint) failed (\(detail)); if the daemon has its own certificate, "
                              + "pass it with --cacert FILE or $SIMGATE_CACERT", exitCode: unreachable)
        case .certificateUnreadable(let path, let detail):
            return CLIFailure(usage: "cannot read --cacert \(path): \(detail)")
        case .notHTTP(let endpoint, let detail):
            return CLIFailure("bad HTTP answer from \(endpoint): \(detail)", exitCode: unreachable)
        case .answerTooLarge(let endpoint, let limit):
            return CLIFailure("the answer from \(endpoint) is over \(limit >> 20) MiB; not read", exitCode: unreachable)
        }
    }

    private static func formatSeconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s))s" : String(format: "%.1fs", s)
    }
}

/// A decoding error in one short phrase: which key or value was wrong, and where.
func describe(_ error: Error) -> String {
    guard let decoding = error as? DecodingError else { return "\(error)" }
    func path(_ context: DecodingError.Context) -> String {
        let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return p.isEmpty ? "top level" : String(p.drop { $0 == "." })
    }
    switch decoding {
    case .keyNotFound(let key, let context): return "missing \(key.stringValue) at \(path(context))"
    case .typeMismatch(_, let context): return "wrong type at \(path(context))"
    case .valueNotFound(_, let context): return "null at \(path(context))"
    case .dataCorrupted(let context): return "\(context.debugDescription) at \(path(context))"
    @unknown default: return "\(error)"
    }
}
