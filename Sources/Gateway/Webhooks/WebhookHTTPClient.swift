// One HTTP/1.1 POST over SwiftNIO's client pipeline, bounded by a single deadline.
//
// Pipeline: NIOHTTP1's request encoder and response decoder → `WebhookResponseHandler`,
// which waits for the whole response (the status is all we need; the body is discarded,
// up to the decoder's limits) and fails on timeout or early close.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

public enum WebhookHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    case timedOut(seconds: Double)
    case connectionClosed
    case connect(String)

    public var description: String {
        switch self {
        case .timedOut(let s): "no complete answer within \(s) s"
        case .connectionClosed: "connection closed before a complete answer"
        case .connect(let m): "cannot connect: \(m)"
        }
    }
}

enum WebhookHTTPClient {
    /// POSTs `body` and returns the response status code.
    static func post(host: String, port: Int, path: String, headers: [(String, String)], body: [UInt8],
                     timeoutSeconds: Double, group: EventLoopGroup) async throws -> Int {
        let loop = group.next()
        let promise = loop.makePromise(of: Int.self)
        let timeout = TimeAmount.nanoseconds(Int64(timeoutSeconds * 1_000_000_000))
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            WebhookResponseHandler(promise: promise, timeout: timeout, timeoutSeconds: timeoutSeconds))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            promise.fail(WebhookHTTPError.connect("\(error)"))
            throw WebhookHTTPError.connect("\(error)")
        }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: port == 80 ? host : "\(host):\(port)")
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(body.count))
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        var buffer = channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }
}

/// Completes the promise once: with the status at the response's end, or with an error on
/// timeout, read error or close. Runs on the channel's event loop only.
final class WebhookResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<Int>
    private let timeout: TimeAmount
    private let timeoutSeconds: Double
    private var status: Int?
    private var done = false
    private var timer: Scheduled<Void>?

    init(promise: EventLoopPromise<Int>, timeout: TimeAmount, timeoutSeconds: Double) {
        self.promise = promise; self.timeout = timeout; self.timeoutSeconds = timeoutSeconds
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = bound.value
            handler.finish(.failure(WebhookHTTPError.timedOut(seconds: handler.timeoutSeconds)))
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = Int(head.status.code)
        case .body: break
        case .end: if let status { finish(.success(status)) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(WebhookHTTPError.connectionClosed))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(WebhookHTTPError.connect("\(error)")))
        context.close(promise: nil)
    }

    private func finish(_ result: Result<Int, Error>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        promise.completeWith(result)
    }
}
