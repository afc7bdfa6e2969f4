// The media path of one bridged call: the SIP phone's RTP on one side, the modem's audio
// port on the other.
//
//   RTP in  → RTPReceiver (latch, sequence checks) → JitterBuffer (G.711 decoded into its ring)
//           → popped by the AudioPort's 20 ms pacer tick → PCM written to the modem;
//   modem PCM frame (AudioPort.onFrame) → G.711 into a preallocated payload → RTP out, or an
//           RFC 4733 event packet while a digit is being sent.
//
// The RTP socket is bound on the call's event loop, the same loop as the audio port and its
// pacer, so a frame never crosses a thread or an actor: no hop per frame. Buffers (payload,
// send ByteBuffer, jitter ring) are allocated once per call; NIO's receive buffer is its own.
//
// RTCP (RFC 3550 §6) on the RTP port + 1: a compound SR/RR + SDES every 5 s randomised by
// 0.5-1.5 (§6.2; the first after half that, §6.2's initial interval), carrying our loss and
// jitter of the phone's stream; the phone's reports about our stream are kept (loss, jitter,
// round trip) for `simgate calls` and the call record. A BYE goes out at close (§6.6).
//
// Digits: RFC 4733 packets from the phone become `onDigit` once per event (start); digits the
// modem reports, or that the in-band detector hears on the modem PCM, are queued and sent as
// RFC 4733 events (100 ms each) in place of audio frames.
//
// Concurrency: created, used and closed on `loop` only (the channel's loop; the pacer and the
// audio port call in on it too). `@unchecked Sendable` rests on that confinement.
import ControlModel
import Foundation
import Logging
import MediaCore
import NIOCore
import NIOPosix
import SIPCore

/// A latency histogram without allocation per sample: 1 µs buckets below 1 ms (the PCM → RTP
/// side is microseconds), then 100 µs buckets up to 200 ms (RTP → PCM includes the jitter
/// buffer's 40+ ms).
struct LatencyHistogram: Sendable {
    static let fineBuckets = 1000
    static let coarseBuckets = 1990
    private var counts: [UInt32]
    private var maxNanos: Int64 = 0
    private(set) var count = 0

    init() { counts = [UInt32](repeating: 0, count: Self.fineBuckets + Self.coarseBuckets + 1) }

    private static func bucket(_ nanos: Int64) -> Int {
        if nanos < 1_000_000 { return Int(nanos / 1000) }
        return min(fineBuckets + Int((nanos - 1_000_000) / 100_000), fineBuckets + coarseBuckets)
    }

    private static func milliseconds(ofBucket i: Int) -> Double {
        i < fineBuckets ? Double(i + 1) / 1000 : 1 + Double(i - fineBuckets + 1) / 10
    }

    mutating func record(_ nanos: Int64) {
        let d = max(0, nanos)
        if d > maxNanos { maxNanos = d }
        counts[Self.bucket(d)] &+= 1
        count += 1
    }

    /// Upper edge of the bucket holding quantile `q`, in ms.
    func percentile(_ q: Double) -> Double {
        guard count > 0 else { return 0 }
        let target = max(1, Int((Double(count) * q).rounded(.up)))
        var seen = 0
        for (i, n) in counts.enumerated() {
            seen += Int(n)
            if seen >= target { return min(Self.milliseconds(ofBucket: i), maxMilliseconds) }
        }
        return maxMilliseconds
    }

    var maxMilliseconds: Double { Double(maxNanos) / 1e6 }

    mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] &+= other.counts[i] }
        maxNanos = max(maxNanos, other.maxNanos)
        count += other.count
    }

    var summary: LatencySummary {
        LatencySummary(samples: count, p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99), maxMilliseconds: maxMilliseconds)
    }
}

/// Latencies of calls that ended, merged (their bridges are gone); live calls are added on
/// report. Sendable: every field is touched only under `lock`.
final class MediaLatencyTotals: @unchecked Sendable {
    private let lock = NSLock()
    private var rtpToPCM = LatencyHistogram()
    private var pcmToRTP = LatencyHistogram()
    private var inviteToDial = LatencyHistogram()

    func merge(_ media: MediaBridge) {
        lock.lock(); defer { lock.unlock() }
        rtpToPCM.merge(media.rtpToPCM)
        pcmToRTP.merge(media.pcmToRTP)
    }

    func setup(_ nanos: Int64) {
        lock.lock(); defer { lock.unlock() }
        inviteToDial.record(nanos)
    }

    func report(adding live: [(LatencyHistogram, LatencyHistogram)]) -> MediaLatencyReport {
        lock.lock()
        var a = rtpToPCM, b = pcmToRTP
        let c = inviteToDial
        lock.unlock()
        for (x, y) in live { a.merge(x); b.merge(y) }
        return MediaLatencyReport(rtpToPCM: a.summary, pcmToRTP: b.summary, inviteToDial: c.summary)
    }
}

final class MediaBridge: @unchecked Sendable {
    let loop: EventLoop
    let localPort: Int
    let localHost: String
    private let channel: Channel
    private var logger: Logger

    private var law: G711Law = .muLaw
    private var payloadType: UInt8 = 0
    private var eventPayloadType: UInt8?
    /// The SDP's address until the first packet; symmetric RTP (RFC 4961) then latches onto
    /// where packets really come from.
    private var remote: SocketAddress?
    /// Our sender and the phone's receiver state (RFC 3550 §3: one session per leg).
    private var session: RTPSession<SocketAddress>
    private var jitter = JitterBuffer()
    private let rtcpChannel: Channel
    /// Where RTCP goes: the RTP peer's port + 1 (§11) until an RTCP packet shows its real source.
    private var rtcpRemote: SocketAddress?
    private var rtcpTimer: Scheduled<Void>?
    private var closed = false
    private(set) var rtcpIn = 0
    private(set) var rtcpOut = 0
    /// RTCP packets from the phone that did not parse.
    private(set) var rtcpErrors = 0
    /// The phone's last report block about our stream, and the round trip it gave (s).
    private(set) var peerBlock: RTCPReportBlock?
    private(set) var roundTripSeconds: Double?
    private var events = TelephoneEventReceiver()
    private var eventSender: TelephoneEventSender?
    /// Digits waiting to be sent as RFC 4733 events; bounded (a digit is 160 ms on the wire,
    /// 32 of them is 5 s of dialling, more is a stuck key or a flood).
    private var pendingDigits: [DTMFEvent] = []
    private static let maxPendingDigits = 32
    private var detector = DTMFDetector()
    /// In-band detection on the modem PCM; switched off once the modem itself reports a
    /// digit (the same digit would then be sent twice).
    private(set) var inbandDetection = true

    private var payload = [UInt8](repeating: 0, count: PCMFrame.samplesPerFrame)
    private var sendBuffer: ByteBuffer
    /// The per-call cap's warning (`playWarning`): frames still to go, and the beep's samples.
    private var warningFramesLeft = 0
    private var warningTone = ToneGenerator(frequency: MediaBridge.warningFrequency, levelDBm0: -10)
    private var warningFrame = [Int16](repeating: 0, count: PCMFrame.samplesPerFrame)

    /// RTP (and RTCP) flow out once the phone has our SDP: at the answer, or at the 183 of
    /// early media.
    var sending = false {
        didSet { if sending, !oldValue, rtcpTimer == nil, !closed { scheduleRTCP(first: true) } }
    }
    /// A digit the phone sent (RFC 4733), once per event.
    var onDigit: ((Character) -> Void)?

    private(set) var rtpIn = 0
    private(set) var rtpOut = 0
    private(set) var eventsOut = 0
    /// Arrival times of queued frames, oldest first, for the RTP-in → PCM-out transit.
    private var arrivals: [Int64]
    private var arrivalHead = 0
    private var arrivalCount = 0
    private(set) var rtpToPCM = LatencyHistogram()
    private(set) var pcmToRTP = LatencyHistogram()

    private init(channel: Channel, rtcpChannel: Channel, localPort: Int, localHost: String, loop: EventLoop, logger: Logger) {
        self.channel = channel
        self.rtcpChannel = rtcpChannel
        self.localPort = localPort
        self.localHost = localHost
        self.loop = loop
        self.logger = logger
        var g = SystemRandomNumberGenerator()
        session = RTPSession(sender: RTPSender(using: &g), cname: "simgate@\(localHost)")
        sendBuffer = channel.allocator.buffer(capacity: 512)
        arrivals = [Int64](repeating: 0, count: JitterBufferConfiguration.hardMaxDepthFrames)
        pendingDigits.reserveCapacity(Self.maxPendingDigits)
    }

    /// Rotating start in the port range, shared by every call, so consecutive calls do not
    /// race for the same port.
    private static let cursor = PortCursor()
    private final class PortCursor: @unchecked Sendable {  // `next` only under `lock`
        private let lock = NSLock()
        private var next = Int.random(in: 0..<1000)
        func take() -> Int { lock.lock(); defer { lock.unlock() }; next &+= 1; return next }
    }

    /// Binds the first free even port of `ports` (from a rotating start) on `loop` for RTP,
    /// and the odd port above it for RTCP (RFC 3550 §11): both must be free.
    static func open(host: String, ports: ClosedRange<Int>, on loop: EventLoop, logger: Logger) -> EventLoopFuture<MediaBridge> {
        let even = stride(from: ports.lowerBound + (ports.lowerBound % 2), through: ports.upperBound - 1, by: 2).map { $0 }
        guard !even.isEmpty else {
            return loop.makeFailedFuture(SIPServiceError("RTP range \(ports) holds no even port with the odd port above it (RTP + RTCP)"))
        }
        let start = cursor.take() % even.count
        let order = Array((even[start...] + even[..<start]).prefix(64))
        let handler = DatagramReceiver()
        let rtcpHandler = DatagramReceiver()
        func attempt(_ i: Int) -> EventLoopFuture<MediaBridge> {
            guard i < order.count else { return loop.makeFailedFuture(SIPServiceError("no free RTP port in \(ports)")) }
            return DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_rcvbuf), value: 256 << 10)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
                .channelInitializer { $0.pipeline.addHandler(handler) }
                .bind(host: host, port: order[i])
                .flatMap { channel in
                    DatagramBootstrap(group: loop)
                        .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
                        .channelInitializer { $0.pipeline.addHandler(rtcpHandler) }
                        .bind(host: host, port: order[i] + 1)
                        .map { rtcp in
                            let bridge = MediaBridge(channel: channel, rtcpChannel: rtcp, localPort: order[i], localHost: host,
                                                     loop: loop, logger: logger)
                            handler.deliver = { [weak bridge] in bridge?.received($0) }
                            rtcpHandler.deliver = { [weak bridge] in bridge?.receivedRTCP($0) }
                            return bridge
                        }
                        .flatMapError { error in
                            channel.close(promise: nil)
                            return loop.makeFailedFuture(error)
                        }
                }
                .flatMapError { _ in attempt(i + 1) }
        }
        return attempt(0)
    }

    /// The negotiated codec and where the phone said to send (may be set again on re-INVITE).
    func configure(_ audio: NegotiatedAudio) {
        loop.assertInEventLoop()
        law = audio.codec == .pcma ? .aLaw : .muLaw
        payloadType = UInt8(clamping: audio.payloadType)
        eventPayloadType = audio.telephoneEventPayloadType.map { UInt8(clamping: $0) }
        if session.receiver.latchedAddress == nil {
            remote = try? SocketAddress(ipAddress: audio.remoteAddress, port: Int(audio.remotePort))
        }
    }

    /// Call start: nothing stale in the jitter buffer.
    func reset() {
        jitter.reset()
        arrivalCount = 0
    }

    func close() {
        loop.assertInEventLoop()
        if !closed, rtcpTimer != nil {
            // §6.6: tell the phone our source leaves (with a last report).
            sendRTCP(session.makeBye(now: MediaTime(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds)), ntpNow: Self.ntpNow()))
        }
        closed = true
        rtcpTimer?.cancel()
        rtcpTimer = nil
        sending = false
        onDigit = nil
        channel.close(promise: nil)
        rtcpChannel.close(promise: nil)
    }

    var jitterStatistics: JitterBufferStatistics { jitter.statistics }

    // MARK: RTP in (steady path)

    fileprivate func received(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let nowNanos = Int64(NIODeadline.now().uptimeNanoseconds)
        let now = MediaTime(nanoseconds: nowNanos)
        envelope.data.withUnsafeReadableBytes { bytes in
            guard let packet = try? RTPPacket.parse(bytes) else { return }
            let result = session.receiver.receive(packet.header, from: envelope.remoteAddress, now: now)
            if case .latched(let address)? = result.latchEvent { remote = address }
            if case .relatched(_, let address)? = result.latchEvent { remote = address }
            guard result.shouldDeliver else { return }
            rtpIn += 1
            let body = UnsafeRawBufferPointer(rebasing: bytes[packet.payloadRange])
            if let te = eventPayloadType, packet.header.payloadType == te {
                guard let notes = try? events.receive(payload: body, timestamp: packet.header.timestamp, now: now) else { return }
                for n in notes { if case .started(let e, _) = n { onDigit?(e.character) } }
                return
            }
            guard packet.header.payloadType == payloadType else { return }
            if jitter.insert(timestamp: packet.header.timestamp, g711: body, law: law, now: now) == .stored {
                let frames = max(1, body.count / PCMFrame.samplesPerFrame)
                for _ in 0..<frames { noteArrival(nowNanos) }
            }
        }
    }

    private func noteArrival(_ nanos: Int64) {
        if arrivalCount == arrivals.count { arrivalHead = (arrivalHead + 1) % arrivals.count; arrivalCount -= 1 }
        arrivals[(arrivalHead + arrivalCount) % arrivals.count] = nanos
        arrivalCount += 1
    }

    // MARK: PCM out to the modem (AudioPort.source, called by the pacer every 20 ms)

    func fillModemFrame(_ out: UnsafeMutableBufferPointer<Int16>) -> Bool {
        if holdMusic != nil { return fillHoldFrame(out) }
        let nowNanos = Int64(NIODeadline.now().uptimeNanoseconds)
        let kind = jitter.pop(now: MediaTime(nanoseconds: nowNanos), into: out)
        _ = events.expire(now: MediaTime(nanoseconds: nowNanos))   // a lost end: re-arm for the next digit
        if kind == .frame, arrivalCount > 0 {
            rtpToPCM.record(nowNanos - arrivals[arrivalHead])
            arrivalHead = (arrivalHead + 1) % arrivals.count
            arrivalCount -= 1
        }
        // Frames the buffer dropped (overflow, shrink) leave arrival stamps behind: resync.
        let depth = jitter.depth
        while arrivalCount > depth {
            arrivalHead = (arrivalHead + 1) % arrivals.count
            arrivalCount -= 1
        }
        return kind != .silence
    }

    // MARK: Modem PCM in → RTP out (AudioPort.onFrame)

    func modemFrame(_ frame: UnsafeBufferPointer<Int16>) {
        let start = Int64(NIODeadline.now().uptimeNanoseconds)
        if inbandDetection {
            detector.process(frame) { digit in self.queue(digit) }
        }
        guard sending, remote != nil, holdMusic == nil else { return }   // on hold we answered recvonly/inactive
        if let te = eventPayloadType {
            if eventSender == nil, !pendingDigits.isEmpty {
                // 100 ms tone: long enough for any receiver (Q.24 asks for ≥ 40 ms).
                eventSender = TelephoneEventSender(event: pendingDigits.removeFirst(), timestamp: session.sender.mediaTimestamp, duration: 800)
            }
            if var ev = eventSender, let p = ev.tick() {
                // The event packet takes this frame's slot; the audio clock keeps running.
                let header = session.sender.fixedTimestampHeader(payloadType: te, timestamp: p.timestamp, marker: p.marker)
                session.sender.skip(samples: UInt32(frame.count))
                payload.withUnsafeMutableBytes { buf in
                    let n = p.payload.write(into: buf)
                    send(header, UnsafeRawBufferPointer(rebasing: buf[0..<n]))
                }
                eventsOut += 1
                eventSender = ev.isFinished ? nil : ev
                pcmToRTP.record(Int64(NIODeadline.now().uptimeNanoseconds) - start)
                return
            }
            eventSender = nil
        } else {
            pendingDigits.removeAll(keepingCapacity: true)   // no telephone-event negotiated
        }
        let header = session.sender.audioHeader(payloadType: payloadType, samples: UInt32(frame.count))
        if warningFramesLeft > 0, frame.count == warningFrame.count, nextWarningFrameBeeps() {
            warningFrame.withUnsafeBufferPointer { samples in
                payload.withUnsafeMutableBytes { buf in
                    let n = G711.encode(law, samples: samples, into: buf)
                    send(header, UnsafeRawBufferPointer(rebasing: buf[0..<n]))
                }
            }
        } else {
            payload.withUnsafeMutableBytes { buf in
                let n = G711.encode(law, samples: frame, into: buf)
                send(header, UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            }
        }
        pcmToRTP.record(Int64(NIODeadline.now().uptimeNanoseconds) - start)
    }

    // MARK: The per-call cap's warning (to the phone only)

    /// Three short beeps: 440 Hz (a pitch no call-progress tone uses, so it is not mistaken
    /// for busy or ringback), 200 ms on / 200 ms off, the beeps replacing the far end's audio
    /// and the gaps letting it through, so the conversation is not cut for the whole second.
    static let warningFrequency = 440.0
    static let warningBeeps = 3
    static let warningBeepFrames = 10   // 200 ms of 20 ms frames
    private static var warningTotalFrames: Int { (2 * warningBeeps - 1) * warningBeepFrames }

    /// Starts the warning beeps toward the phone (from the next modem frame).
    func playWarning() {
        loop.assertInEventLoop()
        warningFramesLeft = Self.warningTotalFrames
    }

    /// Advances the warning by one frame; true when this frame is a beep, generated into
    /// `warningFrame` (no allocation), false in a gap (the far end's frame goes out).
    private func nextWarningFrameBeeps() -> Bool {
        let index = Self.warningTotalFrames - warningFramesLeft
        warningFramesLeft -= 1
        guard (index / Self.warningBeepFrames) % 2 == 0 else { return false }
        if index % Self.warningBeepFrames == 0 { warningTone.restart() }
        warningFrame.withUnsafeMutableBufferPointer { warningTone.fill($0) }
        return true
    }

    // MARK: Hold (the phone's re-INVITE with sendonly/inactive, RFC 3264 §8.4)

    /// While the phone holds the call the modem hears MediaCore's generated hold music
    /// instead of the phone's RTP (often the phone's own music or silence), and nothing is
    /// sent to the phone (we answered recvonly/inactive). Off hold, the phone's audio
    /// resumes from an empty jitter buffer (what piled up during the hold is stale).
    private var holdMusic: HoldPlayer?

    func setHold(_ on: Bool) {
        loop.assertInEventLoop()
        guard on != (holdMusic != nil) else { return }
        holdMusic = on ? HoldPlayer(music: nil) : nil
        if !on { reset() }
    }

    var isOnHold: Bool { holdMusic != nil }

    private func fillHoldFrame(_ out: UnsafeMutableBufferPointer<Int16>) -> Bool {
        holdMusic?.fill(out)
        return true
    }

    /// A digit to send to the phone (reported by the modem: in-band detection stops).
    func sendDigit(_ c: Character, fromModem: Bool) {
        loop.assertInEventLoop()
        if fromModem { inbandDetection = false }
        guard let e = DTMFEvent(character: c) else { return }
        queue(e)
    }

    private func queue(_ e: DTMFEvent) {
        guard pendingDigits.count < Self.maxPendingDigits else { return }
        pendingDigits.append(e)
    }

    /// Where RTP goes now (for RTCP's default destination).
    fileprivate var currentRemote: SocketAddress? { remote }

    private func send(_ header: RTPHeader, _ body: UnsafeRawBufferPointer) {
        guard let remote else { return }
        // One buffer for the call: after writeAndFlush the datagram is usually on the wire and
        // the buffer unique again, so clearing it reuses its storage (no allocation).
        sendBuffer.clear()
        let written: Int = sendBuffer.withUnsafeMutableWritableBytes { out in
            (try? header.write(payload: body, into: out)) ?? 0
        }
        guard written > 0 else { return }
        sendBuffer.moveWriterIndex(forwardBy: written)
        session.sender.recordSent(payloadBytes: body.count)
        rtpOut += 1
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: sendBuffer), promise: nil)
    }
}

// MARK: RTCP

extension MediaBridge {
    /// What RTCP says about this call so far, for `simgate calls` and the call record.
    var rtcpReport: RTCPReport {
        RTCPReport(reportsSent: rtcpOut, reportsReceived: rtcpIn,
                   peerFractionLost: peerBlock.map { Double($0.fractionLost) / 256 },
                   peerCumulativeLost: peerBlock.map { Int($0.cumulativeLost) },
                   peerJitterMilliseconds: peerBlock.map { Double($0.jitter) / 8 },
                   roundTripMilliseconds: roundTripSeconds.map { $0 * 1000 },
                   lost: Int(max(0, session.receiver.cumulativeLost)),
                   jitterMilliseconds: Double(session.receiver.jitter) / 8)
    }

    /// The wall clock in NTP format (RFC 3550 §4: seconds since 1900 in the high 32 bits).
    static func ntpNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let seconds = UInt64(max(0, ts.tv_sec)) &+ 2_208_988_800
        let fraction = (UInt64(max(0, ts.tv_nsec)) << 32) / 1_000_000_000
        return seconds << 32 | fraction
    }

    fileprivate func scheduleRTCP(first: Bool) {
        var g = SystemRandomNumberGenerator()
        // §6.2: the interval is randomised over 0.5-1.5 × 5 s; the first report may go after
        // half the minimum so a short call still reports.
        let delay = session.nextReportDelay(using: &g) / (first ? 2 : 1)
        rtcpTimer = loop.scheduleTask(in: .nanoseconds(delay)) { [weak self] in self?.sendReport() }
    }

    private func sendReport() {
        guard !closed else { return }
        let now = MediaTime(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds))
        sendRTCP(session.makeReport(now: now, ntpNow: Self.ntpNow()))
        scheduleRTCP(first: false)
    }

    fileprivate func sendRTCP(_ bytes: [UInt8]) {
        guard let to = rtcpRemote ?? rtcpDestination() else { return }
        var buffer = rtcpChannel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        rtcpOut += 1
        rtcpChannel.writeAndFlush(AddressedEnvelope(remoteAddress: to, data: buffer), promise: nil)
    }

    /// The RTP peer's address with port + 1.
    private func rtcpDestination() -> SocketAddress? {
        guard let rtp = currentRemote, let ip = rtp.ipAddress, let port = rtp.port, port < 65535 else { return nil }
        return try? SocketAddress(ipAddress: ip, port: port + 1)
    }

    /// An RTCP compound packet from the phone (every few seconds: not the hot path).
    fileprivate func receivedRTCP(_ envelope: AddressedEnvelope<ByteBuffer>) {
        guard !closed else { return }
        // Symmetric RTCP: answer where the phone's reports really come from (same host as
        // its RTP when that is known, so a stray sender cannot redirect our reports).
        if rtcpRemote == nil, currentRemote?.ipAddress == nil || currentRemote?.ipAddress == envelope.remoteAddress.ipAddress {
            rtcpRemote = envelope.remoteAddress
        }
        let bytes = Array(envelope.data.readableBytesView)
        let now = MediaTime(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds))
        guard let events = try? session.receiveRTCP(bytes, now: now, ntpNow: Self.ntpNow()) else {
            rtcpErrors += 1
            return
        }
        rtcpIn += 1
        for event in events {
            if case .receptionReport(let block, let rtt) = event {
                peerBlock = block
                if let rtt { roundTripSeconds = rtt }
            }
        }
    }
}
