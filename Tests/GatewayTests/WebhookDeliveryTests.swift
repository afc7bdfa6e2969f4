// Webhook delivery end to end on loopback: a real NIO HTTP server receives what the worker
// sends; signatures are checked the way a receiver would; an outage loses nothing.
import CallCore
import ControlModel
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SimgateConfig
import Storage
import Synchronization
import Testing
@testable import Gateway

/// A webhook receiver: records every request and answers with `status` (changeable).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var headers: [String: String]
        var body: [UInt8]
    }

    let received = Mutex<[Received]>([])
    let status = Mutex<Int>(200)
    private let channel: Mutex<Channel?> = Mutex(nil)

    /// Binds 127.0.0.1:`port` (0: any free port) and returns the port.
    @discardableResult
    func start(port: Int = 0) async throws -> Int {
        let ch = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ReceiverHandler(receiver: self))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        channel.withLock { $0 = ch }
        return ch.localAddress?.port ?? 0
    }

    func stop() async {
        let ch = channel.withLock { c -> Channel? in defer { c = nil }; return c }
        try? await ch?.close()
    }

    var requests: [Received] { received.withLock { $0 } }

    final class ReceiverHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let receiver: WebhookReceiver
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        init(receiver: WebhookReceiver) { self.receiver = receiver }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h; body = []
            case .body(var b): body += b.readBytes(length: b.readableBytes) ?? []
            case .end:
                guard let head else { return }
                let code = receiver.status.withLock { $0 }
                if code == 200 {
                    var headers: [String: String] = [:]
                    for (name, value) in head.headers { headers[name.lowercased()] = value }
                    let r = Received(path: head.uri, headers: headers, body: body)
                    receiver.received.withLock { $0.append(r) }
                }
                var h = HTTPHeaders()
                h.add(name: "Content-Length", value: "2")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: code), headers: h))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}

private let secret = "whsec-0123456789abcdef"

private func hook(port: Int, events: [String] = [], maxAttempts: Int = 50) -> WebhookConfig {
    WebhookConfig(name: "crm", url: "http://127.0.0.1:\(port)/hooks/simgate", host: "127.0.0.1", port: port,
                  path: "/hooks/simgate", secret: SecretString(secret), events: events, timeoutSeconds: 2,
                  maxAttempts: maxAttempts, retryInitialSeconds: 0.02, retryMaxSeconds: 0.2)
}

/// Polls (every 20 ms, at most `seconds`) until `condition` holds.
func eventually(_ what: String, seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw HarnessError(description: "timed out after \(seconds) s waiting for \(what)")
}

@Suite("Webhooks: signing, retry policy, delivery over loopback")
struct WebhookDeliveryTests {
    @Test func signatureIsHMACSHA256OfTheRawBody() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let body = Array("what do ya want for nothing?".utf8)
        let signature = WebhookSignature.sign(body: body, secret: "Jefe")
        #expect(signature == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(WebhookSignature.verify(body: body, secret: "Jefe", header: signature))
        #expect(!WebhookSignature.verify(body: body + [0x20], secret: "Jefe", header: signature))
        #expect(!WebhookSignature.verify(body: body, secret: "jefe", header: signature))
        #expect(!WebhookSignature.verify(body: body, secret: "Jefe", header: "sha256=zz"))
    }

    @Test func backoffDoublesWithEqualJitterUpToTheCapThenGivesUp() {
        let policy = WebhookRetryPolicy(initialSeconds: 5, maxSeconds: 60, maxAttempts: 6)
        #expect(policy.delay(afterFailedAttempts: 1, random: 0) == 2.5)
        #expect(policy.delay(afterFailedAttempts: 1, random: 1) == 5)
        #expect(policy.delay(afterFailedAttempts: 2, random: 0.5) == 7.5)
        #expect(policy.delay(afterFailedAttempts: 4, random: 1) == 40)
        #expect(policy.delay(afterFailedAttempts: 5, random: 1) == 60)   // 80 capped
        #expect(policy.delay(afterFailedAttempts: 6, random: 0) == nil)  // the 6th attempt was the last
        #expect(WebhookRetryPolicy(initialSeconds: 1, maxSeconds: 1e9, maxAttempts: 10_000)
            .delay(afterFailedAttempts: 5000, random: 1) == 1e9)
    }

    @Test func everyEventArrivesOnceSignedAndFiltered() async throws {
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        let storage = try Storage.inMemory()
        let hooks = [hook(port: port), hook(port: port, events: ["call.missed"]).renamed("bot")]
        let worker = WebhookDeliveryWorker(storage: storage, webhooks: hooks,
                                           logger: Logger(label: "test"), idlePollSeconds: 0.05)
        await worker.start()
        let service = MissedCallService(storage: storage, outbox: WebhookOutbox(webhooks: hooks), onEnqueued: { worker.wake() })
        let t = Date(timeIntervalSince1970: 1_760_000_000)
        for i in 0..<5 {
            try await service.record(MissedCall(caller: "+7916123456\(i)", sim: "huawei1", startedAt: t, endedAt: t.addingTimeInterval(20), reason: .rangOut))
        }
        // crm: 5 call.missed + 5 missed.updated; bot: 5 call.missed.
        try await eventually("15 deliveries") { receiver.requests.count >= 15 }
        try await eventually("outbox drained") { try await storage.read { tx in try tx.webhookDeliveryCount(state: .delivered) } == 15 }
        await worker.stop()
        await receiver.stop()

        let requests = receiver.requests
        #expect(requests.count == 15)
        for r in requests {
            #expect(r.path == "/hooks/simgate")
            #expect(WebhookSignature.verify(body: r.body, secret: secret, header: r.headers["x-simgate-signature"] ?? ""))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
            #expect(json["type"] as? String == r.headers["x-simgate-event"])
            #expect(json["id"] as? String == r.headers["x-simgate-delivery"])
            #expect((json["timestamp"] as? Int).map(String.init) == r.headers["x-simgate-timestamp"])
        }
        #expect(requests.filter { $0.headers["x-simgate-event"] == "missed.updated" }.count == 5)
        // Each event id reached each webhook once: 10 distinct ids, the call.missed ones twice (crm and bot).
        let ids = Dictionary(grouping: requests, by: { $0.headers["x-simgate-delivery"] ?? "" }).mapValues(\.count)
        #expect(ids.count == 10)
        #expect(ids.values.sorted() == [1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    }

    @Test func eventsWaitWhileTheReceiverIsDownAndAllArriveOnceAfter() async throws {
        // Find a free port, then leave it closed: connections are refused.
        let probe = WebhookReceiver()
        let port = try await probe.start()
        await probe.stop()

        let storage = try Storage.inMemory()
        let hooks = [hook(port: port)]
        let worker = WebhookDeliveryWorker(storage: storage, webhooks: hooks,
                                           logger: Logger(label: "test"), idlePollSeconds: 0.05)
        await worker.start()
        let service = MissedCallService(storage: storage, outbox: WebhookOutbox(webhooks: hooks), onEnqueued: { worker.wake() })
        let t = Date(timeIntervalSince1970: 1_760_000_000)
        for i in 0..<10 {
            try await service.record(MissedCall(caller: "+7916000000\(i)", sim: "huawei1", startedAt: t, endedAt: t.addingTimeInterval(5), reason: .callerHungUpRinging))
        }
        // Every delivery has failed at least twice and is still pending (none given up).
        try await eventually("retries while down") {
            let items = try await storage.read { tx in try tx.webhookDeliveries(states: [.pending, .failed], limit: 100) }
            return items.count == 20 && items.allSatisfy { $0.attempts >= 2 && $0.state == .pending && $0.lastError != nil }
        }
        let receiver = WebhookReceiver()
        try await receiver.start(port: port)
        try await eventually("all 20 after the receiver returns") {
            try await storage.read { tx in try tx.webhookDeliveryCount(state: .delivered) } == 20
        }
        await worker.stop()
        await receiver.stop()
        let ids = receiver.requests.map { $0.headers["x-simgate-delivery"] ?? "" }
        #expect(ids.count == 20)
        #expect(Set(ids).count == 20)
        let queuedIDs = try await storage.read { tx in try tx.webhookDeliveries(states: [.pending, .failed], limit: 100) }
        #expect(queuedIDs.isEmpty)
    }

    @Test func receiverErrorsAreRetriedThenMarkedFailed() async throws {
        let receiver = WebhookReceiver()
        receiver.status.withLock { $0 = 503 }
        let port = try await receiver.start()
        let storage = try Storage.inMemory()
        let hooks = [hook(port: port, maxAttempts: 3)]
        let worker = WebhookDeliveryWorker(storage: storage, webhooks: hooks,
                                           logger: Logger(label: "test"), idlePollSeconds: 0.05)
        await worker.start()
        let event = try WebhookEvent(type: .callRinging, occurredAt: Date(),
                                     data: CallEventData(callID: "c1", direction: "inbound", caller: "+79161234567", sim: "huawei1"))
        let services = InboundServices(missedCalls: MissedCallService(storage: storage, outbox: WebhookOutbox(webhooks: hooks)),
                                       outbox: WebhookOutbox(webhooks: hooks), webhookWorker: worker,
                                       holdAudio: HoldAudioLibrary(config: InboundConfig()))
        try await services.publish(event, storage: storage)
        try await eventually("failed after 3 attempts") {
            try await storage.read { tx in try tx.webhookDeliveryCount(state: .failed) } == 1
        }
        await worker.stop()
        await receiver.stop()
        let failed = try await storage.read { tx in try tx.webhookDeliveries(states: [.failed], limit: 10) }
        #expect(failed.first?.attempts == 3)
        #expect(failed.first?.lastError == "HTTP 503")
        #expect(failed.first?.eventType == "call.ringing")
    }
}

extension WebhookConfig {
    func renamed(_ name: String) -> WebhookConfig {
        var c = self
        c.name = name
        return c
    }
}

/// scripts/webhook-sink.py over HTTPS (Python's ssl, i.e. OpenSSL) with a throwaway
/// certificate: a TLS server simgate did not write.
private final class HTTPSSink {
    let process = Process()
    let log: String
    let port: Int

    init(directory: String, cert: String, key: String, secret: String) async throws {
        port = try unusedLoopbackPort()
        log = directory + "/sink.log"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [root.path + "/scripts/webhook-sink.py", "127.0.0.1:\(port)", secret, log, "--cert", cert, "--key", key]
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        try await eventually("the sink listens") { self.lines.first?.hasPrefix("# listening on https://") == true }
    }

    var lines: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// SIGKILL, no waiting: Foundation's waitUntilExit spins forever off the main thread here.
    func stop() { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

@Suite("Webhooks over https (AsyncHTTPClient against Python's OpenSSL server)", .serialized, .timeLimit(.minutes(2)))
struct WebhookHTTPSTests {
    @Test("with ca_file the receiver's own certificate is trusted: every event arrives signed; without it, each attempt fails as TLS and stays queued")
    func httpsWithAndWithoutTheCA() async throws {
        let scratch = try scratchDirectory("whs")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (cert, key) = try await ControlAccessEndToEndTests.makeCertificate(in: scratch)
        let sink = try await HTTPSSink(directory: scratch, cert: cert, key: key, secret: secret)
        defer { sink.stop() }
        func httpsHook(_ name: String, caFile: String?) -> WebhookConfig {
            WebhookConfig(name: name, url: "https://127.0.0.1:\(sink.port)/hooks", host: "127.0.0.1", port: sink.port,
                          path: "/hooks", tls: true, caFile: caFile, secret: SecretString(secret), events: ["call.missed"],
                          timeoutSeconds: 5, maxAttempts: 50, retryInitialSeconds: 0.05, retryMaxSeconds: 0.2)
        }
        let hooks = [httpsHook("trusting", caFile: cert), httpsHook("system-roots", caFile: nil)]
        let storage = try Storage.inMemory()
        let worker = WebhookDeliveryWorker(storage: storage, webhooks: hooks, logger: Logger(label: "test"), idlePollSeconds: 0.05)
        await worker.start()
        let service = MissedCallService(storage: storage, outbox: WebhookOutbox(webhooks: hooks), onEnqueued: { worker.wake() })
        let t = Date(timeIntervalSince1970: 1_760_000_000)
        for i in 0..<3 {
            try await service.record(MissedCall(caller: "+7916555000\(i)", sim: "huawei1", startedAt: t, endedAt: t.addingTimeInterval(9),
                                                reason: .rangOut))
        }
        try await eventually("3 deliveries to the trusting webhook") {
            try await storage.read { tx in try tx.webhookDeliveryCount(state: .delivered) } == 3
        }
        try await eventually("the system-roots webhook has failed twice per event") {
            let items = try await storage.read { tx in try tx.webhookDeliveries(states: [.pending, .failed], limit: 10) }
            return items.count == 3 && items.allSatisfy { $0.attempts >= 2 }
        }
        await worker.stop()
        let events = sink.lines.filter { !$0.hasPrefix("#") }
        #expect(events.count == 3, "\(events)")
        #expect(events.allSatisfy { $0.contains(" call.missed signed ") }, "\(events)")
        let waiting = try await storage.read { tx in try tx.webhookDeliveries(states: [.pending, .failed], limit: 10) }
        #expect(waiting.allSatisfy { $0.webhook == "system-roots" && $0.state == .pending
                                     && $0.lastError?.hasPrefix("TLS failed: ") == true }, "\(waiting.map { $0.lastError ?? "" })")
    }

    @Test("a ca_file that is not PEM stops the daemon's start, naming the webhook and the file")
    func unreadableCAStopsTheStart() async throws {
        let scratch = try scratchDirectory("whs")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try "not a certificate\n".write(toFile: scratch + "/ca.pem", atomically: true, encoding: .utf8)
        await #expect {
            _ = try await GatewayHarness.start(modems: ["quectel1"], extraTOML: """
                [[webhook]]
                name = "crm"
                url = "https://127.0.0.1:9/hooks"
                ca_file = "\(scratch)/ca.pem"
                secret = "\(secret)"
                """)
        } throws: { error in
            "\(error)".hasPrefix("webhook crm: cannot read ca_file \(scratch)/ca.pem: ")
        }
    }
}
