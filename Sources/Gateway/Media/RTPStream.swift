// One call leg's RTP socket (a real UDP port from the configured range). Two modes:
// - echo: every packet received goes back to where it came from (symmetric RTP, RFC 4961),
//   re-stamped with our SSRC and sequence so the far end sees a proper stream of its own;
// - tone: a 1 kHz G.711 tone paced at 20 ms from the event loop's monotonic clock.
// Everything runs on the SIP service's event loop; see SIPService for the confinement proof.
import MediaCore
import NIOCore
import NIOPosix

// @unchecked Sendable: every instance is created, used and closed on its channel's event
// loop only (the SIP service's loop; the stream's channel is bound to that same loop), and
// NIO runs a loop's tasks one at a time, so no member is ever accessed concurrently.
final class RTPStream: @unchecked Sendable {
    enum Mode { case echo, tone(G711Law, payloadType: UInt8) }

    let channel: Channel
    let localPort: Int
    private var mode: Mode
    private var remote: SocketAddress?
    private var latched = false
    private let ssrc = UInt32.random(in: 1...UInt32.max)
    private var sequence = UInt16.random(in: 0...UInt16.max)
    private var timestampBase = UInt32.random(in: 0...UInt32.max)
    private(set) var packetsSent = 0
    private(set) var packetsReceived = 0
    private var pacing: RepeatedTask?
    private var tone = ToneGenerator(frequency: 1000, levelDBm0: -10)
    private var framesSent = 0
    private var started: NIODeadline = .now()
    /// Samples per 20 ms frame at 8 kHz.
    static let frameSamples = 160

    private init(channel: Channel, localPort: Int, mode: Mode) {
        self.channel = channel
        self.localPort = localPort
        self.mode = mode
    }

    /// Binds the first free even port in `ports`, starting at a rotating offset so
    /// consecutive calls do not fight over the same port.
    static func open(host: String, ports: ClosedRange<Int>, mode: Mode, on loop: EventLoop, cursor: inout Int) -> EventLoopFuture<RTPStream> {
        let evenPorts = stride(from: ports.lowerBound + (ports.lowerBound % 2), through: ports.upperBound, by: 2).map { $0 }
        guard !evenPorts.isEmpty else { return loop.makeFailedFuture(SIPServiceError("no even port in RTP range \(ports)")) }
        let start = cursor % evenPorts.count
        cursor &+= 1
        let order = Array(evenPorts[start...] + evenPorts[..<start]).prefix(64)
        let handler = DatagramReceiver()
        func attempt(_ remaining: ArraySlice<Int>) -> EventLoopFuture<RTPStream> {
            guard let port = remaining.first else {
                return loop.makeFailedFuture(SIPServiceError("no free RTP port in \(ports)"))
            }
            return DatagramBootstrap(group: loop)
                .channelInitializer { $0.pipeline.addHandler(handler) }
                .bind(host: host, port: port)
                .map { channel -> RTPStream in
                    let stream = RTPStream(channel: channel, localPort: port, mode: mode)
                    handler.deliver = { [weak stream] in stream?.received($0) }
                    return stream
                }
                .flatMapError { _ in attempt(remaining.dropFirst()) }
        }
        return attempt(order[...])
    }

    /// Where to send until the first packet arrives (the SDP address); symmetric RTP then
    /// latches onto the packets' real source (NAT).
    func setRemote(_ address: SocketAddress?) {
        if !latched { remote = address }
    }

    /// Starts sending the tone with the negotiated codec.
    func startTone(_ law: G711Law, payloadType: UInt8) {
        mode = .tone(law, payloadType: payloadType)
        guard pacing == nil else { return }
        started = .now()
        pacing = channel.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(10)) { [weak self] _ in
            self?.sendDueFrames()
        }
    }

    func close() {
        pacing?.cancel()
        pacing = nil
        channel.close(promise: nil)
    }

    fileprivate func received(_ envelope: AddressedEnvelope<ByteBuffer>) {
        packetsReceived += 1
        if !latched { remote = envelope.remoteAddress; latched = true }
        guard case .echo = mode else { return }
        let bytes = Array(envelope.data.readableBytesView)
        guard let packet = try? RTPPacket.parse(bytes) else { return }
        var header = packet.header
        header.ssrc = ssrc
        header.sequenceNumber = sequence
        header.csrcs = RTPCSRCList()
        header.timestamp = header.timestamp &+ timestampBase
        sequence &+= 1
        guard let out = try? header.serialized(payload: Array(bytes[packet.payloadRange])) else { return }
        send(out)
    }

    /// Sends every frame due since the start (deadline pacing: no drift, no burst after a
    /// short stall beyond what is due).
    private func sendDueFrames() {
        guard case let .tone(law, pt) = mode else { return }
        let due = Int((NIODeadline.now() - started).nanoseconds / 20_000_000) + 1
        var samples = [Int16](repeating: 0, count: Self.frameSamples)
        while framesSent < due {
            samples.withUnsafeMutableBufferPointer { tone.fill($0) }
            var payload = [UInt8](repeating: 0, count: Self.frameSamples)
            for i in 0..<Self.frameSamples { payload[i] = G711.encode(law, samples[i]) }
            let header = RTPHeader(marker: framesSent == 0, payloadType: pt, sequenceNumber: sequence,
                                   timestamp: timestampBase &+ UInt32(truncatingIfNeeded: framesSent * Self.frameSamples), ssrc: ssrc)
            sequence &+= 1
            framesSent += 1
            if let out = try? header.serialized(payload: payload) { send(out) }
        }
    }

    private func send(_ bytes: [UInt8]) {
        guard let remote else { return }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        packetsSent += 1
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer), promise: nil)
    }
}
