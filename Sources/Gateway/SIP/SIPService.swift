// The live SIP stack: NIO transports (UDP, TCP) feeding SIPCore's transaction layer, and
// the transaction user on top: registrar, OPTIONS, the test extension, outbound calls
// and upstream trunk registration.
//
// Concurrency: the whole service runs on ONE event loop. Every listener, every TCP
// connection (ServerBootstrap's child group is that same loop), every RTP socket and
// every timer is bound to `loop`, and the public async API enters through
// `loop.submit`/`loop.execute`. NIO runs a loop's tasks one after another on one thread,
// so the mutable state below is never touched concurrently; that is why the class is
// `@unchecked Sendable`. Entry points assert it with `loop.preconditionInEventLoop()`
// in debug builds. One loop also means no actor hop per datagram.
import ControlModel
import Foundation
import Logging
import MediaCore
import NIOCore
import NIOPosix
import SIPCore
import SimgateConfig
import Storage

struct SIPServiceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where a message came from (and where its responses go).
/// What the transaction user keeps for one transaction.
struct TransactionUser {
    /// A server transaction's source (its responses go back there), or where a client
    /// transaction's request goes.
    var peer: SIPPeer
    /// Client transactions: the address the request is sent to (nil: the peer's).
    var destination: SocketAddress?
    /// Client transactions: who gets the responses, the timeout, the transport error.
    var onEvent: ((SIPService.ClientEvent) -> Void)?
    /// INVITE server transactions: the leg the INVITE made (CANCEL finds it here).
    var leg: CallLeg?
    /// Server transactions the TU already answered. SIPCore's INVITE server transaction
    /// hands the request up before its 100 Trying; when the TU answered at once (401, 180),
    /// that 100 would arrive after the answer and confuse strict peers (sipp aborts on it),
    /// so it is not sent.
    var answeredByTU = false

    init(peer: SIPPeer, destination: SocketAddress? = nil, onEvent: ((SIPService.ClientEvent) -> Void)? = nil) {
        self.peer = peer; self.destination = destination; self.onEvent = onEvent
    }
}

struct SIPPeer: Sendable {
    enum Transport: String, Sendable { case udp, tcp }
    var transport: Transport
    var remote: SocketAddress
    /// The UDP listener's channel, or the TCP connection.
    var channel: Channel
    var listener: Int

    var description: String { "\(transport.rawValue):\(remote.ipString):\(remote.port ?? 0)" }
}

public final class SIPService: @unchecked Sendable {
    struct Listener {
        var transport: SIPPeer.Transport
        var channel: Channel
        var host: String
        var port: Int
    }

    enum ClientEvent { case response(SIPMessage), timeout }

    static let allowedMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE"
    static let knownMethods: Set<String> = ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REGISTER", "INFO", "UPDATE", "PRACK",
                                            "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH"]

    let loop: EventLoop
    let config: SIPConfig
    let trunkConfigs: [SIPTrunkConfig]
    let logger: Logger
    let storage: Storage?
    let userAgent = "simgate/\(Daemon.version)"

    var layer: TransactionLayer
    var digest: DigestServer
    var registrar: Registrar
    var limiter: SourceRateLimiter
    /// `[sip] trusted` (no rate limit, no bans) and the bans (SIPService+Admission.swift).
    let trusted: TrustedSources
    var bans: BanPolicy
    var listeners: [Listener] = []
    var tcpConnections: [String: Channel] = [:]
    var timers: [TransactionTimerID: Scheduled<Void>] = [:]
    /// The one table from a live transaction (SIPCore's TransactionLayer owns its state) to
    /// what this side knows about it: the peer, and who waits for it.
    var transactionUsers: [TransactionKey: TransactionUser] = [:]
    var legs: [String: CallLeg] = [:]
    var trunks: [TrunkRegistration] = []
    /// Digest algorithms our 401 offers, most preferred first. MD5 alone by default: with
    /// SHA-256 first, sipp 3.6 (SIPp issue #488) and PJSIP before 2.12 (pjproject #2712)
    /// read only the first challenge and give up, so [.sha256, .md5] is opt-in.
    var challengeAlgorithms: [DigestAlgorithm] = [.md5]
    /// Trunks that authenticate to us: MD5 and SHA-256 HA1 (RFC 8760) from their password.
    var trunkHA1: [String: (trunk: String, ha1: HA1, sha256: HA1)] = [:]
    var counters = SIPCounters()
    /// Requests by method and responses by code, for /metrics (nil in tests that need none).
    let metrics: GatewayMetrics?
    var rtpCursor = Int.random(in: 0..<1000)
    let statelessTagSalt = UInt64.random(in: 0...UInt64.max)
    var stopped = false
    /// The call layer's entry for INVITEs to numbers (nil: 404, only the test extension is
    /// served): it yields into `bridgeCalls`, the stream the call layer (built after this
    /// service, and calling into it) drains; `stop` finishes it.
    let bridgeHandler: (@Sendable (SIPBridgeRequest) -> Void)?
    private let bridgeCalls: AsyncStream<SIPBridgeRequest>.Continuation?
    /// The SMS layer's entry for MESSAGE requests (PagerMode.swift; nil: 405).
    let textMessageHandler: (@Sendable (SIPTextMessage) async -> SIPTextAcceptance)?
    private let persistence: AsyncStream<Registrar.Change>.Continuation
    private let persistTask: Task<Void, Never>

    private init(loop: EventLoop, config: SIPConfig, users: [SIPUserConfig], trunks: [SIPTrunkConfig], storage: Storage?, logger: Logger,
                 metrics: GatewayMetrics?, bridgeCalls: AsyncStream<SIPBridgeRequest>.Continuation?,
                 textMessages: (@Sendable (SIPTextMessage) async -> SIPTextAcceptance)?) {
        self.loop = loop
        self.bridgeCalls = bridgeCalls
        if let bridgeCalls { bridgeHandler = { bridgeCalls.yield($0) } } else { bridgeHandler = nil }
        self.textMessageHandler = textMessages
        self.metrics = metrics
        self.config = config
        self.trunkConfigs = trunks
        self.logger = logger
        self.storage = storage
        var timers = TransactionTimers()
        timers.t1 = .milliseconds(500)
        self.layer = TransactionLayer(timers: timers, maxTransactions: config.maxTransactions)
        var secret = [UInt8](repeating: 0, count: 32)
        for i in secret.indices { secret[i] = UInt8.random(in: 0...255) }
        self.digest = DigestServer(realm: config.realm, secret: secret)
        self.registrar = Registrar(users: users, realm: config.realm)
        self.limiter = SourceRateLimiter(ratePerSecond: config.rateLimitPerSource, burst: config.rateLimitBurst)
        self.trusted = TrustedSources(config.trusted)
        self.bans = BanPolicy(settings: .init(config))
        // [sip] digest_algorithms; setChallengeAlgorithms can still change it at run time.
        self.challengeAlgorithms = config.digestAlgorithms.map { $0 == .sha256 ? DigestAlgorithm.sha256 : .md5 }
        for t in trunks where t.inboundAuth {
            if let pw = t.password {
                trunkHA1[t.username] = (t.name, HA1.compute(user: t.username, realm: config.realm, password: pw.exposedValue, algorithm: .md5),
                                        HA1.compute(user: t.username, realm: config.realm, password: pw.exposedValue, algorithm: .sha256))
            }
        }
        // Registrar changes are written in order by one task, off the event loop.
        let (stream, continuation) = AsyncStream<Registrar.Change>.makeStream()
        self.persistence = continuation
        self.persistTask = Task { [storage, logger] in
            for await change in stream {
                guard let storage else { continue }
                do {
                    switch change {
                    case let .save(row): try await storage.saveSIPRegistration(row)
                    case let .delete(user, contact): try await storage.deleteSIPRegistration(user: user, contact: contact)
                    case let .deleteAll(user): try await storage.deleteSIPRegistrations(user: user)
                    }
                } catch {
                    logger.error("cannot store SIP registration", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Binds every `[sip] listen` address, restores stored registrations and starts
    /// trunk registration. INVITEs to numbers go into `bridgeCalls` (nil: 404) and MESSAGE
    /// requests to `textMessages` (nil: 405).
    public static func start(config: SIPConfig, users: [SIPUserConfig], trunks: [SIPTrunkConfig], storage: Storage?,
                             group: EventLoopGroup, logger: Logger, metrics: GatewayMetrics? = nil,
                             textMessages: (@Sendable (SIPTextMessage) async -> SIPTextAcceptance)? = nil) async throws -> SIPService {
        try await start(config: config, users: users, trunks: trunks, storage: storage, group: group, logger: logger, metrics: metrics,
                        bridgeCalls: nil, textMessages: textMessages)
    }

    static func start(config: SIPConfig, users: [SIPUserConfig], trunks: [SIPTrunkConfig], storage: Storage?,
                      group: EventLoopGroup, logger: Logger, metrics: GatewayMetrics? = nil,
                      bridgeCalls: AsyncStream<SIPBridgeRequest>.Continuation?,
                      textMessages: (@Sendable (SIPTextMessage) async -> SIPTextAcceptance)?) async throws -> SIPService {
        let service = SIPService(loop: group.next(), config: config, users: users, trunks: trunks, storage: storage, logger: logger,
                                 metrics: metrics, bridgeCalls: bridgeCalls, textMessages: textMessages)
        let rows = try await storage?.liveSIPRegistrations(now: Date()) ?? []
        do {
            try await service.loop.submit { service.registrar.restore(rows) }.get()
            for (index, address) in config.listen.enumerated() {
                do {
                    try await service.bind(address, index: index).get()
                } catch {
                    // "Address already in use" alone does not say which of the listeners.
                    throw SIPListenError(address: "\(address)", underlying: error)
                }
            }
            try await service.loop.submit { service.startTrunks() }.get()
        } catch {
            await service.stop()
            throw error
        }
        return service
    }

    func persistenceYield(_ change: Registrar.Change) { persistence.yield(change) }

    public func stop() async {
        let closing: [EventLoopFuture<Void>] = (try? await loop.submit { () -> [EventLoopFuture<Void>] in
            self.stopped = true
            for t in self.trunks { t.task?.cancel() }
            for leg in self.legs.values { self.finish(leg, outcome: "failed", reason: "service stopping") }
            for timer in self.timers.values { timer.cancel() }
            self.timers.removeAll()
            var futures = self.listeners.map { $0.channel.close() }
            futures += self.tcpConnections.values.map { $0.close() }
            futures += self.trunks.compactMap { $0.connection }.map { $0.close() }
            return futures
        }.get()) ?? []
        for f in closing { try? await f.get() }
        bridgeCalls?.finish()
        persistence.finish()
        await persistTask.value
    }

    // MARK: Public API (control routes)

    public func status() async -> SIPStatus {
        (try? await loop.submit { self.makeStatus() }.get())
            ?? SIPStatus(listeners: [], realm: config.realm, testExtension: config.testExtension, trunks: [], activeCalls: 0,
                         transactions: 0, tcpConnections: 0, counters: SIPCounters())
    }

    public func registrations() async -> SIPRegistrationList {
        let rows = (try? await loop.submit { self.registrar.live(now: Date()) }.get()) ?? []
        return SIPRegistrationList(registrations: rows.map(\.info), generatedAt: Date())
    }

    /// Places a call and returns when it is over (hung up by us after `seconds`, by the far
    /// end, or refused).
    public func call(_ request: SIPCallRequest) async -> SIPCallResult {
        let promise = loop.makePromise(of: SIPCallResult.self)
        loop.execute { self.startOutboundCall(request, promise: promise) }
        do { return try await promise.futureResult.get() } catch {
            return SIPCallResult(outcome: "failed", finalStatus: nil, reason: "\(error)", codec: nil, rtpPacketsSent: 0,
                                 rtpPacketsReceived: 0, seconds: 0)
        }
    }

    /// Which digest algorithms the 401 challenges offer, most preferred first (RFC 8760).
    public func setChallengeAlgorithms(_ algorithms: [DigestAlgorithm]) async {
        guard !algorithms.isEmpty else { return }
        try? await loop.submit { self.challengeAlgorithms = algorithms }.get()
    }

    /// The bound listeners (after port 0 was resolved), for tests and status.
    public func boundListeners() async -> [SIPListenerInfo] {
        (try? await loop.submit { self.listeners.map { SIPListenerInfo(transport: $0.transport.rawValue, host: $0.host, port: $0.port) } }.get()) ?? []
    }

    func makeStatus() -> SIPStatus {
        SIPStatus(listeners: listeners.map { SIPListenerInfo(transport: $0.transport.rawValue, host: $0.host, port: $0.port) },
                  realm: config.realm, testExtension: config.testExtension, trunks: trunks.map(\.status),
                  activeCalls: legs.count, transactions: layer.count, tcpConnections: tcpConnections.count, counters: counters)
    }

    // MARK: Transports

    private func bind(_ address: SIPConfig.ListenAddress, index: Int) -> EventLoopFuture<Void> {
        switch address.transport {
        case .udp:
            return DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                // 2 MiB receive buffer: on this class of machine UDP SIP is limited by burst
                // absorption during short scheduling stalls, not CPU (sip-peers.md §3).
                .channelOption(.socketOption(.so_rcvbuf), value: 2 << 20)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(service: self, listener: index))
                    }
                }
                .bind(host: address.host, port: address.port)
                .map { channel in
                    self.listeners.append(Listener(transport: .udp, channel: channel, host: address.host,
                                                   port: channel.localAddress?.port ?? address.port))
                    self.logger.info("SIP listening", metadata: ["udp": "\(address.host):\(channel.localAddress?.port ?? 0)"])
                }
        case .tcp:
            let idle = TimeAmount.milliseconds(Int64(config.tcpIdleTimeoutSeconds * 1000))
            return ServerBootstrap(group: loop, childGroup: loop)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard self.acceptTCP(channel) else { throw SIPServiceError("too many TCP connections") }
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(service: self, listener: index))
                    }
                }
                .bind(host: address.host, port: address.port)
                .map { channel in
                    self.listeners.append(Listener(transport: .tcp, channel: channel, host: address.host,
                                                   port: channel.localAddress?.port ?? address.port))
                    self.logger.info("SIP listening", metadata: ["tcp": "\(address.host):\(channel.localAddress?.port ?? 0)"])
                }
        }
    }

    func acceptTCP(_ channel: Channel) -> Bool {
        guard !stopped, tcpConnections.count < config.maxTCPConnections, let remote = channel.remoteAddress else {
            counters.tcpConnectionsRefused += 1
            return false
        }
        tcpConnections[Self.key(remote)] = channel
        return true
    }

    func tcpClosed(_ channel: Channel, remote: SocketAddress?) {
        if let remote, tcpConnections[Self.key(remote)] === channel { tcpConnections[Self.key(remote)] = nil }
    }

    static func key(_ a: SocketAddress) -> String { "\(a.ipString):\(a.port ?? 0)" }

    /// A UDP datagram, or a message the TCP framer cut out (already parsed).
    func receive(datagram bytes: [UInt8], peer: SIPPeer) {
        counters.messagesReceived += 1
        // CRLF keep-alives (RFC 5626 §3.5.1 over UDP) are not messages.
        if bytes.allSatisfy({ $0 == 0x0D || $0 == 0x0A }) { return }
        guard admit(peer.remote) else { return }
        switch SIPParser.parseOrReject(bytes, transport: .datagram, warningAgent: "simgate") {
        case let .message(m):
            handle(m, peer: peer)
        case let .reject(error, response):
            counters.malformedRejected += 1
            logger.debug("malformed SIP request answered", metadata: ["from": "\(peer.description)", "error": "\(error)"])
            routeResponse(response, peer: peer)
        case let .discard(error):
            counters.malformedDropped += 1
            logger.debug("malformed SIP message dropped", metadata: ["from": "\(peer.description)", "error": "\(error)"])
        }
    }

    func receive(streamMessage m: SIPMessage, peer: SIPPeer) {
        counters.messagesReceived += 1
        guard admit(peer.remote) else { return }
        handle(m, peer: peer)
    }

    private func handle(_ message: SIPMessage, peer: SIPPeer) {
        var m = message
        let reliable = peer.transport == .tcp
        guard m.isRequest else {
            process(layer.receive(m, reliable: reliable))
            return
        }
        if let method = m.method { metrics?.sipRequestReceived(method: method.rawValue) }
        m.stampReceived(sourceHost: peer.remote.ipString, sourcePort: UInt16(clamping: peer.remote.port ?? 0))
        var newKey: TransactionKey?
        if m.method != .ack, let key = try? TransactionKey.server(for: m), !layer.contains(key) {
            if answerStatelessly(m, peer: peer) { return }
            transactionUsers[key] = TransactionUser(peer: peer)
            newKey = key
        }
        process(layer.receive(m, reliable: reliable))
        if let newKey, !layer.contains(newKey) { transactionUsers[newKey] = nil }
    }

    /// Requests answered without a transaction (RFC 3261 §8.2.7), as Kamailio's sl module
    /// does: an out-of-dialog OPTIONS (200), and an INVITE or REGISTER without credentials
    /// (401 challenge). These are what scanners and monitors send in bulk; a server
    /// transaction would keep each for Timer J/H (32 s), so at a few thousand requests/s
    /// the bounded table would fill with them and refuse real calls. A retransmission just
    /// gets the same answer again (the To tag is derived from the branch, so it is stable).
    private func answerStatelessly(_ m: SIPMessage, peer: SIPPeer) -> Bool {
        guard let method = m.method, let to = try? m.to(), to.tag == nil else { return false }
        let branch = (try? m.topVia())?.branch ?? m.callID ?? ""
        let tag = "sl" + String(UInt64(bitPattern: Int64(branch.hashValue)) ^ statelessTagSalt, radix: 36)
        var response: SIPMessage
        switch method {
        case .options:
            response = m.makeResponse(200, nil, toTag: tag)
            for (name, value) in capabilityHeaders { response.headers.append(name, value) }
        case .invite, .register:
            guard m.headers[.authorization] == nil, m.headers[.proxyAuthorization] == nil,
                  trunkName(forSource: peer.remote.ipString) == nil || method == .register else { return false }
            let cs = digest.challenges(now: UInt64(Date().timeIntervalSince1970), random: UInt64.random(in: 0...UInt64.max),
                                       algorithms: challengeAlgorithms)
            response = m.makeResponse(401, nil, toTag: tag)
            for c in cs { response.headers.append(.wwwAuthenticate, c.headerValue) }
        default:
            return false
        }
        response.headers.append(.server, userAgent)
        routeResponse(response, peer: peer)
        return true
    }

    // MARK: Transaction layer events

    func process(_ events: [TransactionLayer.Event]) {
        for event in events {
            switch event {
            case let .send(message, key):
                let user = transactionUsers[key]
                if message.statusCode == 100, user?.answeredByTU == true { continue }
                if message.isRequest {
                    guard let user else { continue }
                    write(message, peer: user.peer, to: user.destination)
                } else {
                    routeResponse(message, peer: user?.peer)
                }
            case let .startTimer(id, duration):
                timers[id]?.cancel()
                timers[id] = loop.scheduleTask(in: duration.timeAmount) { [self] in
                    timers[id] = nil
                    process(layer.timerFired(id))
                }
            case let .cancelTimer(id):
                timers.removeValue(forKey: id)?.cancel()
            case let .request(message, key):
                handleRequest(message, key: key)
            case let .response(message, key):
                transactionUsers[key]?.onEvent?(.response(message))
            case let .ackForAccepted(message, _), let .strayACK(message):
                handleACK(message)
            case .strayResponse:
                break
            case let .timeout(key), let .transportError(key):
                transactionUsers[key]?.onEvent?(.timeout)
            case let .terminated(key):
                transactionUsers[key] = nil
            }
        }
    }

    /// §18.2.2: reliable → the connection the request came on; else maddr / received+rport / sent-by.
    func routeResponse(_ response: SIPMessage, peer: SIPPeer?) {
        if let code = response.statusCode {
            if code >= 200 { counters.requestsAnswered += 1 }
            metrics?.sipResponseSent(code: code)
        }
        if let peer, peer.transport == .tcp {
            write(response, peer: peer, to: nil)
            return
        }
        guard let via = try? response.topVia(), let destination = SIPAddressing.responseAddress(for: via) else {
            counters.unroutable += 1
            return
        }
        guard let channel = peer?.channel ?? listeners.first(where: { $0.transport == .udp })?.channel else { return }
        write(response, peer: SIPPeer(transport: .udp, remote: destination, channel: channel, listener: peer?.listener ?? 0), to: destination)
    }

    func write(_ message: SIPMessage, peer: SIPPeer, to destination: SocketAddress?) {
        let bytes = message.serialized()
        var buffer = peer.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        switch peer.transport {
        case .udp:
            let target = destination ?? peer.remote
            guard SIPAddressing.isSendable(target) else {
                counters.unroutable += 1
                return
            }
            peer.channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
        case .tcp:
            guard peer.channel.isActive else { return }
            peer.channel.writeAndFlush(buffer, promise: nil)
        }
    }

    /// Starts a client transaction and remembers who wants its responses.
    @discardableResult
    func sendRequest(_ request: SIPMessage, peer: SIPPeer, destination: SocketAddress?, handler: @escaping (ClientEvent) -> Void) -> Bool {
        do {
            let (key, events) = try layer.sendRequest(request, reliable: peer.transport == .tcp)
            transactionUsers[key] = TransactionUser(peer: peer, destination: destination, onEvent: handler)
            process(events)
            return true
        } catch {
            logger.warning("cannot send SIP request", metadata: ["error": "\(error)"])
            return false
        }
    }

    // MARK: Helpers for building messages

    static func makeTag() -> String { String(UInt64.random(in: 1...UInt64.max), radix: 36) }
    static func makeBranch() -> String { TransactionKey.makeBranch(random: UInt64.random(in: 1...UInt64.max)) }
    static func makeCallID(host: String) -> String { "\(String(UInt64.random(in: 1...UInt64.max), radix: 36))@\(host)" }

    var udpListener: Listener? { listeners.first { $0.transport == .udp } }

    /// The address we put in Via, Contact and SDP for a peer: the listener's own address,
    /// or for a wildcard listener the loopback address when the peer is local.
    func advertisedHost(listener: Int?, peer: SocketAddress?) -> String {
        let host = listener.flatMap { listeners.indices.contains($0) ? listeners[$0].host : nil } ?? udpListener?.host ?? "127.0.0.1"
        if host != "0.0.0.0" && host != "::" { return host }
        if let ip = peer?.ipString, ip.hasPrefix("127.") { return "127.0.0.1" }
        return Self.outboundIPv4(toward: peer?.ipString ?? "192.0.2.1") ?? "127.0.0.1"
    }

    /// The local IPv4 address the kernel would use toward `ip` (connect a UDP socket; no packet is sent).
    static func outboundIPv4(toward ip: String) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(5060).bigEndian
        guard inet_pton(AF_INET, ip, &addr.sin_addr) == 1 else { return nil }
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { return nil }
        var local = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let got = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard got == 0 else { return nil }
        var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &local.sin_addr, &buf, socklen_t(buf.count)) != nil else { return nil }
        return String(cString: buf)
    }

    func reply(_ request: SIPMessage, _ key: TransactionKey, _ code: Int, _ reason: String? = nil, toTag: String? = nil,
               headers extra: [(SIPHeaderName, String)] = [], body: [UInt8] = [], contentType: String? = nil) {
        var response = request.makeResponse(code, reason, toTag: code == 100 ? nil : (toTag ?? Self.makeTag()), body: body,
                                            contentType: contentType)
        for (name, value) in extra { response.headers.append(name, value) }
        response.headers.append(.server, userAgent)
        do {
            let events = try layer.sendResponse(response, transaction: key)
            transactionUsers[key]?.answeredByTU = true
            process(events)
        } catch {
            logger.debug("cannot send response", metadata: ["code": "\(code)", "error": "\(error)"])
        }
    }

    var capabilityHeaders: [(SIPHeaderName, String)] {
        // Supported is empty (RFC 3261 §20.37 allows it): we implement no option tags yet.
        [(.allow, Self.allowedMethods), (.accept, "application/sdp"), (.supported, "")]
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let c = components
        return .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }
}

/// A [sip] listen address that could not be bound, named as the config names it.
public struct SIPListenError: Error, CustomStringConvertible {
    public var address: String
    public var underlying: Error
    public var description: String { "[sip] listen \(address): \(underlying)" }
}
