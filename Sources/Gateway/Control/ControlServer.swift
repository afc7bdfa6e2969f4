// The control API's HTTP/1.1 server: a unix socket for the local admin (file permissions are
// the authentication) and, optionally, TCP guarded by a bearer token.
//
// Stages, in pipeline order: NIOHTTP1's codec → `ControlHTTPHandler` (collects one request,
// asks the router, writes one response). Routing itself is a plain async function, so the
// daemon's logic stays testable without sockets.
import ControlModel
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

public struct ControlRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var query: [String: String]
    public var body: [UInt8]
    public var bearerToken: String?
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
    /// The largest body any route accepts: a raw AT command is tens of bytes, a config
    /// reload names a path; 64 KiB leaves room and bounds a hostile upload.
    static let maxBodyBytes = 64 * 1024
}

final class ControlHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: ControlRouter
    private let requiredToken: String?
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(router: @escaping ControlRouter, requiredToken: String?) {
        self.router = router
        self.requiredToken = requiredToken
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h; body.removeAll(keepingCapacity: true); tooLarge = false
        case .body(var buffer):
            if body.count + buffer.readableBytes > ControlLimits.maxBodyBytes {
                tooLarge = true
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body.append(contentsOf: bytes)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive
            if tooLarge {
                write(context: context, ControlResponse.error(.payloadTooLarge, "request body over \(ControlLimits.maxBodyBytes) bytes"), keepAlive: false)
                return
            }
            let request = ControlRequest(head: head, body: body)
            if let requiredToken, request.bearerToken != requiredToken {
                write(context: context, ControlResponse.error(.unauthorized, "missing or wrong bearer token"), keepAlive: keepAlive)
                return
            }
            let router = self.router
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let promise = context.eventLoop.makePromise(of: ControlResponse.self)
            promise.completeWithTask { await router(request) }
            promise.futureResult.whenSuccess { response in
                let (handler, context) = bound.value
                handler.write(context: context, response, keepAlive: keepAlive)
            }
        }
    }

    private func write(context: ChannelHandlerContext, _ response: ControlResponse, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A client that sent garbage gets its connection closed; the daemon carries on.
        context.close(promise: nil)
    }
}

extension ControlRequest {
    init(head: HTTPRequestHead, body: [UInt8]) {
        let parts = head.uri.split(separator: "?", maxSplits: 1)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                let key = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                let value = kv.count == 2 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
                query[key] = value
            }
        }
        var token: String?
        if let auth = head.headers.first(name: "Authorization"), auth.lowercased().hasPrefix("bearer ") {
            token = String(auth.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        self.init(method: head.method, path: parts.first.map(String.init) ?? "/", query: query, body: body, bearerToken: token)
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
}

private struct APIErrorBody: Encodable { var error: String }

/// A listening control endpoint; `close()` stops it and removes a unix socket file.
public final class ControlServer: Sendable {
    private let channel: Channel
    private let socketPath: String?

    private init(channel: Channel, socketPath: String?) {
        self.channel = channel; self.socketPath = socketPath
    }

    /// Listens on a unix socket. A stale socket file left by a crash is removed first; the
    /// directory is created if missing. The socket is made 0660 so only the daemon's group
    /// can reach it.
    public static func listen(unixSocket path: String, group: EventLoopGroup, router: @escaping ControlRouter) async throws -> ControlServer {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let channel = try await bootstrap(group: group, router: router, token: nil)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        _ = chmod(path, 0o660)
        return ControlServer(channel: channel, socketPath: path)
    }

    /// Listens on TCP; with a token, every request must carry `Authorization: Bearer <token>`
    /// (nil only for the /metrics listener, whose router serves nothing else).
    public static func listen(host: String, port: Int, token: String?, group: EventLoopGroup, router: @escaping ControlRouter) async throws -> ControlServer {
        let channel = try await bootstrap(group: group, router: router, token: token).bind(host: host, port: port).get()
        return ControlServer(channel: channel, socketPath: nil)
    }

    public var localAddress: SocketAddress? { channel.localAddress }

    public func close() async {
        try? await channel.close()
        if let socketPath { unlink(socketPath) }
    }

    private static func bootstrap(group: EventLoopGroup, router: @escaping ControlRouter, token: String?) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ControlHTTPHandler(router: router, requiredToken: token))
                }
            }
    }
}
