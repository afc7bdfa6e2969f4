// One webhook POST with AsyncHTTPClient: http or https (system roots, or the webhook's
// `ca_file`), bounded by one deadline, redirects not followed, the answer's body read and
// dropped (only the status counts).
import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SimgateConfig

public enum WebhookHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    case timedOut(seconds: Double)
    case connectionClosed
    case connect(String)
    case tls(String)
    case caFileUnreadable(path: String, detail: String)

    public var description: String {
        switch self {
        case .timedOut(let s): "no complete answer within \(s) s"
        case .connectionClosed: "connection closed before a complete answer"
        case .connect(let m): "cannot connect: \(m)"
        case .tls(let m): "TLS failed: \(m)"
        case .caFileUnreadable(let path, let detail): "cannot read ca_file \(path): \(detail)"
        }
    }
}

enum WebhookHTTPClient {
    /// POSTs `body` to `hook` and returns the response status code.
    static func post(to hook: WebhookConfig, headers: [(String, String)], body: [UInt8]) async throws -> Int {
        let client = try clients.client(caFile: hook.tls ? hook.caFile : nil)
        let host = hook.host.contains(":") ? "[\(hook.host)]" : hook.host
        var request = HTTPClientRequest(url: "\(hook.tls ? "https" : "http")://\(host):\(hook.port)\(hook.path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(hook.timeoutSeconds * 1000)))
            for try await _ in response.body {}
            return Int(response.status.code)
        } catch {
            throw describe(error, timeout: hook.timeoutSeconds)
        }
    }

    static func describe(_ error: any Error, timeout: Double) -> WebhookHTTPError {
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .tlsHandshakeTimeout:
                return .timedOut(seconds: timeout)
            case .remoteConnectionClosed: return .connectionClosed
            default: return .connect("\(client)")
            }
        }
        if let io = error as? IOError { return .connect(String(cString: strerror(io.errnoCode))) }
        if let connection = error as? NIOConnectionError {
            if let io = connection.connectionErrors.lazy.compactMap({ $0.error as? IOError }).first {
                return .connect(String(cString: strerror(io.errnoCode)))
            }
            return .connect("cannot resolve \(connection.host)")
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return .tls("\(error)") }
        return .connect("\(error)")
    }

    /// One client per trust store, for the life of the process: webhooks are read once at
    /// start, so this holds one or two clients, and their connections are kept alive between
    /// deliveries. (An HTTPClient must be shut down before it is freed; these never are.)
    static let clients = Clients()

    final class Clients: Sendable {
        private let byCAFile = NIOLockedValueBox<[String: HTTPClient]>([:])

        func client(caFile: String?) throws -> HTTPClient {
            let key = caFile ?? ""
            if let existing = byCAFile.withLockedValue({ $0[key] }) { return existing }
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            configuration.httpVersion = .http1Only
            // A receiver that is down fails the attempt now; the outbox schedules the retry.
            configuration.connectionPool.retryConnectionEstablishment = false
            if let caFile {
                var tls = TLSConfiguration.makeClientConfiguration()
                do {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw WebhookHTTPError.caFileUnreadable(path: caFile, detail: "\(error)")
                }
                configuration.tlsConfiguration = tls
            }
            return byCAFile.withLockedValue { table in
                if let existing = table[key] { return existing }
                let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
                table[key] = made
                return made
            }
        }
    }
}
