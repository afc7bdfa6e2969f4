// How simgate reaches a [[trunk]]'s registrar: the registrar's host name resolved off the
// event loop (once per REGISTER or refresh, never per packet), and for `transport = "tcp"`
// one outbound TCP connection kept open and re-opened after it drops (RFC 3261 §18.1.1:
// requests and their responses share the connection; Content-Length framing as for
// accepted connections, SIPStreamFramer).
import Foundation
import Glibc
import NIOCore
import NIOPosix
import SIPCore

enum TrunkResolver {
    /// The registrar's address for `host`: an IP literal as is, a name through getaddrinfo
    /// restricted to `family` (the family of the socket we send from: "localhost" may list
    /// ::1 first, which an IPv4 socket cannot reach). Blocking: call off the event loop.
    /// The error text is what `simgate sip status` shows.
    static func resolve(host: String, port: Int, family: Int32) -> Result<SocketAddress, TrunkTransportError> {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let literal = try? SocketAddress(ipAddress: bare, port: port) { return .success(literal) }
        var hints = addrinfo()
        hints.ai_family = family
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(bare, String(port), &hints, &list)
        guard rc == 0, let list else {
            return .failure(TrunkTransportError("cannot resolve \(bare): \(String(cString: gai_strerror(rc)))"))
        }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let e = entry {
            if let sa = e.pointee.ai_addr {
                switch Int32(sa.pointee.sa_family) {
                case AF_INET:
                    let a = UnsafeRawPointer(sa).load(as: sockaddr_in.self)
                    return .success(SocketAddress(a, host: bare))
                case AF_INET6:
                    let a = UnsafeRawPointer(sa).load(as: sockaddr_in6.self)
                    return .success(SocketAddress(a, host: bare))
                default:
                    break
                }
            }
            entry = e.pointee.ai_next
        }
        return .failure(TrunkTransportError("cannot resolve \(bare): no IPv\(family == AF_INET6 ? 6 : 4) address"))
    }
}

struct TrunkTransportError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension SIPService {
    /// Resolves the trunk's registrar host on NIO's blocking-work pool and completes on the
    /// service's loop.
    func resolveTrunkRegistrar(_ registrar: SIPURI, family: Int32) -> EventLoopFuture<SocketAddress> {
        let host = registrar.host, port = Int(registrar.port ?? 5060)
        if let literal = SIPAddressing.address(of: registrar), host.lowercased() != "localhost" {
            return loop.makeSucceededFuture(literal)
        }
        return NIOThreadPool.singleton.runIfActive(eventLoop: loop) {
            try TrunkResolver.resolve(host: host, port: port, family: family).get()
        }
    }

    /// The trunk's TCP connection to `address`, opened if there is none (or it died, or the
    /// name now resolves elsewhere). Responses and requests arriving on it go through the
    /// same SIPStreamHandler as accepted connections.
    func trunkConnection(_ t: TrunkRegistration, to address: SocketAddress, listener: Int) -> EventLoopFuture<Channel> {
        if let c = t.connection, c.isActive, c.remoteAddress == address { return loop.makeSucceededFuture(c) }
        t.connection?.close(promise: nil)
        t.connection = nil
        return ClientBootstrap(group: loop)
            // A registrar that does not accept within 5 s counts as down: the REGISTER
            // would time out anyway, and the backoff takes over.
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(service: self, listener: listener))
                }
            }
            .connect(to: address)
            .map { [self] channel in
                t.connection = channel
                logger.info("trunk TCP connection open", metadata: ["trunk": "\(t.config.name)", "to": "\(address)"])
                channel.closeFuture.whenComplete { [self] _ in trunkConnectionClosed(t, channel) }
                return channel
            }
    }

    /// The connection dropped (registrar restart, NAT timeout): the binding at the
    /// registrar lives on until it expires, so the state stays; reconnect and re-register
    /// after a second, and the usual backoff applies if that fails.
    private func trunkConnectionClosed(_ t: TrunkRegistration, _ channel: Channel) {
        guard t.connection === channel else { return }
        t.connection = nil
        guard !stopped else { return }
        logger.notice("trunk TCP connection closed; reconnecting", metadata: ["trunk": "\(t.config.name)"])
        t.lastError = "TCP connection to the registrar closed"
        t.task?.cancel()
        t.nextAttemptAt = Date().addingTimeInterval(1)
        t.task = loop.scheduleTask(in: .seconds(1)) { [self] in registerTrunk(t) }
    }
}
