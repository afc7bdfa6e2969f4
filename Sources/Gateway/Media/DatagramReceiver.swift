// The inbound end of a media socket (RTP or RTCP): hands each datagram to `deliver`, which
// the socket's owner sets once it exists. An ICMP "port unreachable" (the far end has not
// opened its port yet, or never listens for RTCP) is not a reason to close the socket.
//
// Lives in one channel pipeline; NIO calls it on that channel's loop only, and `deliver` is
// set on that loop (in the bind future's callback): `@unchecked Sendable` rests on that.
import NIOCore

final class DatagramReceiver: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    var deliver: ((AddressedEnvelope<ByteBuffer>) -> Void)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deliver?(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {}
}
