// The control API's HTTP server, on Hummingbird 2: a unix socket for the local admin (file
// permissions are the authentication) and, optionally, TCP with a bearer token per role and
// TLS (swift-nio-ssl) when a certificate is configured.
//
// Stages, in order: Hummingbird's HTTP/1.1 server (parsing, keep-alive, TLS) → the error
// middleware (every failure answered as `{"error": "..."}`) → on TCP, the role middleware
// (ControlAccess.swift) → one route that hands the request to `ControlRoutes`. The routes
// themselves are a plain async function from `ControlRequest` to `ControlResponse`, so the
// daemon's logic stays testable without sockets, and the paths are named once in
// ControlModel's `ControlRoute` for the CLI and the server alike.
import ControlModel
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import SimgateConfig

public struct ControlRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var query: [String: String]
    public var body: [UInt8]
}

public struct ControlResponse: Sendable {
    public var status: HTTPResponseStatus
    public var body: [UInt8]
    public var contentType = "application/json"

    public init(status: HTTPResponseStatus, body: [UInt8], contentType: String = "application/json") {
        self.status = status; self.body = body; self.contentType = contentType
    }
}

public typealias ControlRouter = @Sendable (ControlRequest) async -> ControlResponse

/// Limits that keep a misbehaving client from growing the daemon's memory.
enum ControlLimits {
    /// The largest body any route accepts: a raw AT command is tens of bytes, an SMS a few
    /// hundred; 64 KiB leaves room and bounds a hostile upload.
    static let maxBodyBytes = 64 * 1024
}

/// The per-request context: Hummingbird's core storage, with our body limit.
public struct ControlRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    public var maxUploadSize: Int { ControlLimits.maxBodyBytes }
}

/// Answers every error the stages below throw (Hummingbird's own: a body over the limit, a
/// method the router does not know) in the API's one error shape, so a client never has to
/// parse two kinds of failure.
struct ControlErrorMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            // A body over the limit comes as NIOTooManyBytesError, the router's own as HTTPError.
            let message: String
            switch error.status {
            case .contentTooLarge: message = "request body over \(ControlLimits.maxBodyBytes) bytes"
            case .notFound: message = "no such endpoint: \(request.uri.path)"
            default: message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            }
            return ControlResponse.error(HTTPResponseStatus(statusCode: error.status.code), message).hummingbird
        }
    }
}

extension ControlRequest {
    init(_ request: Request, body: ByteBuffer) {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            query[String(key).removingPercentEncoding ?? String(key)] = String(value)
        }
        self.init(method: HTTPMethod(rawValue: request.method.rawValue), path: request.uri.path, query: query,
                  body: Array(buffer: body))
    }
}

extension ControlResponse {
    static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) -> ControlResponse {
        do {
            var data = try ControlJSON.encoder().encode(value)
            data.append(0x0A)
            return ControlResponse(status: status, body: Array(data))
        } catch {
            return .error(.internalServerError, "cannot encode response: \(error)")
        }
    }

    static func error(_ status: HTTPResponseStatus, _ message: String) -> ControlResponse {
        let body = (try? ControlJSON.encoder().encode(APIErrorBody(error: message))) ?? Data()
        return ControlResponse(status: status, body: Array(body) + [0x0A])
    }

    var hummingbird: Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"simgate\"" }
        return Response(status: HTTPResponse.Status(code: Int(status.code)), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

private struct APIErrorBody: Encodable { var error: String }

/// A listening control endpoint; `close()` stops it (open connections are closed) and
/// removes a unix socket file.
public final class ControlServer: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, Never>
    private let socketPath: String?
    public let localAddress: SocketAddress?

    /// How long `close()` lets requests in flight finish before cutting them off (a
    /// `POST /v1/sip/call` may be waiting on a phone for minutes).
    static let closeGrace: Duration = .seconds(2)

    private init(group: ServiceGroup, task: Task<Void, Never>, socketPath: String?, localAddress: SocketAddress?) {
        self.group = group; self.task = task; self.socketPath = socketPath; self.localAddress = localAddress
    }

    /// Listens on a unix socket. A stale socket file left by a crash is removed first; the
    /// directory is created if missing. The socket is made 0660 so only the daemon's user
    /// and group can reach it: whoever can is the admin.
    public static func listen(unixSocket path: String, logger: Logger, router: @escaping ControlRouter) async throws -> ControlServer {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        unlink(path)
        let server = try await start(address: .unixDomainSocket(path: path), server: .http1(), access: nil,
                                     socketPath: path, logger: logger, router: router)
        _ = chmod(path, 0o660)
        return server
    }

    /// Listens on TCP. With `access`, every request must carry a bearer token whose role may
    /// make it (nil only for the /metrics listener, whose router serves nothing else); with
    /// `tls`, the listener speaks TLS only.
    public static func listen(host: String, port: Int, access: ControlAccess?, tls: TLSConfiguration? = nil,
                              logger: Logger, router: @escaping ControlRouter) async throws -> ControlServer {
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        return try await start(address: .hostname(host, port: port), server: server, access: access, socketPath: nil,
                               logger: logger, router: router)
    }

    /// The TLS set-up for `[control] tls_certificate` / `tls_key`, with errors that name the file.
    public static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificate) } catch {
            throw ControlServerError("cannot read [control] tls_certificate \(certificate): \(error) (expected a PEM certificate chain)")
        }
        guard !chain.isEmpty else { throw ControlServerError("[control] tls_certificate \(certificate) holds no PEM certificate") }
        let privateKey: NIOSSLPrivateKey
        do { privateKey = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
            throw ControlServerError("cannot read [control] tls_key \(key): \(error) (expected a PEM private key)")
        }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
    }

    public func close() async {
        await group.triggerGracefulShutdown()
        let task = self.task
        let cutoff = Task {
            try? await Task.sleep(for: Self.closeGrace)
            task.cancel()
        }
        await task.value
        cutoff.cancel()
        if let socketPath { unlink(socketPath) }
    }

    private static func start(address: BindAddress, server: HTTPServerBuilder, access: ControlAccess?, socketPath: String?,
                              logger: Logger, router: @escaping ControlRouter) async throws -> ControlServer {
        let routes = Router(context: ControlRequestContext.self)
        routes.add(middleware: ControlErrorMiddleware())
        if let access { routes.add(middleware: access) }
        let respond: @Sendable (Request, ControlRequestContext) async throws -> Response = { request, context in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            return await router(ControlRequest(request, body: body)).hummingbird
        }
        // One route for every path and method: ControlRoutes answers 404 and 405 itself, in
        // the same words for every transport.
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch, .head, .options] {
            routes.on("/", method: method, use: respond)
            routes.on("**", method: method, use: respond)
        }
        // Bound (or failed to bind): the first of the two wins.
        let (started, continuation) = AsyncStream<Result<SocketAddress?, Error>>.makeStream()
        // Hummingbird says "listening" at info; ours already did (quiet at info).
        var quiet = logger
        if quiet.logLevel == .info { quiet.logLevel = .notice }
        let app = Application(router: routes, server: server, configuration: .init(address: address, serverName: nil),
                              onServerRunning: { channel in continuation.yield(.success(channel.localAddress)) },
                              logger: quiet)
        // A group of its own, so `close()` can shut this listener down gracefully while the
        // rest of the daemon runs on.
        let group = ServiceGroup(configuration: .init(services: [app], logger: quiet))
        let task = Task {
            do { try await group.run() } catch { continuation.yield(.failure(error)) }
            continuation.finish()
        }
        for await outcome in started {
            switch outcome {
            case .success(let local): return ControlServer(group: group, task: task, socketPath: socketPath, localAddress: local)
            case .failure(let error): throw error
            }
        }
        throw ControlServerError("the control server stopped before it listened")
    }
}

public struct ControlServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
