// NIO channel handlers of the SIP transports. They only move bytes: everything else
// happens in SIPService, on the same event loop.
import NIOCore
import SIPCore

// @unchecked Sendable: one instance per channel, called by NIO on that channel's event
// loop only, which is the SIP service's loop (see SIPService).
final class SIPDatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let service: SIPService
    private let listener: Int

    init(service: SIPService, listener: Int) {
        self.service = service
        self.listener = listener
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let peer = SIPPeer(transport: .udp, remote: envelope.remoteAddress, channel: context.channel, listener: listener)
        service.receive(datagram: Array(envelope.data.readableBytesView), peer: peer)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP errors for one peer must not close the shared socket.
    }
}

// @unchecked Sendable: as above, one per TCP connection, on the service's loop.
final class SIPStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let service: SIPService
    private let listener: Int
    private var framer = SIPStreamFramer()
    private var remote: SocketAddress?

    init(service: SIPService, listener: Int) {
        self.service = service
        self.listener = listener
    }

    func channelActive(context: ChannelHandlerContext) {
        remote = context.channel.remoteAddress
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        framer.receive(buffer.readableBytesView)
        guard let remote = remote ?? context.channel.remoteAddress else { return }
        let peer = SIPPeer(transport: .tcp, remote: remote, channel: context.channel, listener: listener)
        while true {
            do {
                guard let event = try framer.next() else { return }
                switch event {
                case let .message(m):
                    service.receive(streamMessage: m, peer: peer)
                case .keepAlivePing:
                    var pong = context.channel.allocator.buffer(capacity: 2)
                    pong.writeString("\r\n")
                    context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
                }
            } catch {
                // A stream cannot be resynchronised after a framing or parse error
                // (SIPStreamFramer): drop the connection, count it.
                service.counters.malformedDropped += 1
                service.logger.debug("closing SIP TCP connection after a malformed message",
                                     metadata: ["from": "\(peer.description)", "error": "\(error)"])
                context.close(promise: nil)
                return
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // Nothing received for tcp_idle_timeout: a half-open or abandoned connection.
            service.counters.tcpIdleClosed += 1
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        service.tcpClosed(context.channel, remote: remote)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

extension SIPStreamHandler {
    typealias OutboundOut = ByteBuffer
}
