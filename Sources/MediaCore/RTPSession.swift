// One RTP session of a call leg (RFC 3550 §3: one SSRC each way plus RTCP): our sender, the
// peer's receiver state with symmetric latching, and the RTCP reports both produce.
// Sans-IO: the caller passes arrival times and NTP wall-clock values in, and gets bytes and
// the delay until the next report back.

public enum RTCPEvent: Sendable, Equatable {
    /// The peer left the session (RFC 3550 §6.6); the Gateway may end the call leg.
    case bye(ssrc: UInt32, reason: String?)
    /// The peer's view of our stream (loss, jitter) and the round-trip time derived from
    /// LSR/DLSR (§6.4.1), in seconds, when the peer echoed one of our SRs.
    case receptionReport(RTCPReportBlock, roundTripSeconds: Double?)
}

public struct RTPSession<Address: Hashable & Sendable>: Sendable {
    public var sender: RTPSender
    public var receiver: RTPReceiver<Address>
    /// Canonical name (§6.5.1), e.g. "simgate@<host>"; the same for all our sessions.
    public let cname: String
    /// Payload packets sent since the previous report (SR only if we sent; §6.4).
    var packetsAtLastReport: UInt32 = 0

    /// RFC 3550 §6.2: a minimum of 5 s between reports, randomized by [0.5, 1.5] so that
    /// sessions started together do not report in lockstep.
    public static var minimumReportIntervalNanoseconds: Int64 { 5_000_000_000 }

    public init(sender: RTPSender, receiver: RTPReceiver<Address> = RTPReceiver(), cname: String) {
        self.sender = sender
        self.receiver = receiver
        self.cname = cname
    }

    /// Delay until the next RTCP report, randomized as §6.2 asks.
    public func nextReportDelay<G: RandomNumberGenerator>(using generator: inout G) -> Int64 {
        let factor = Double.random(in: 0.5...1.5, using: &generator)
        return Int64(Double(Self.minimumReportIntervalNanoseconds) * factor)
    }

    /// Builds the compound report to send now: SR (if we sent RTP since the last report) or RR,
    /// then SDES CNAME (§6.1 requires both). `ntpNow` is the wall clock in NTP format and
    /// `rtpTimestampNow` our media timestamp corresponding to it.
    public mutating func makeReport(now: MediaTime, ntpNow: UInt64) -> [UInt8] {
        var blocks: [RTCPReportBlock] = []
        if let block = receiver.makeReportBlock(now: now) { blocks.append(block) }
        let sentSince = sender.packetCount != packetsAtLastReport
        packetsAtLastReport = sender.packetCount
        let report: RTCPPacket = sentSince
            ? .senderReport(ssrc: sender.ssrc,
                            info: RTCPSenderInfo(ntpTimestamp: ntpNow, rtpTimestamp: sender.mediaTimestamp,
                                                 packetCount: sender.packetCount, octetCount: sender.octetCount),
                            reports: blocks)
            : .receiverReport(ssrc: sender.ssrc, reports: blocks)
        return RTCPCompound.serialize([report, .sourceDescription([RTCPSDESChunk(ssrc: sender.ssrc, items: [.cname(cname)])])])
    }

    /// A BYE for our SSRC, preceded by a report as §6.1 requires of every compound packet.
    public mutating func makeBye(now: MediaTime, ntpNow: UInt64, reason: String? = nil) -> [UInt8] {
        var bytes = makeReport(now: now, ntpNow: ntpNow)
        bytes += RTCPCompound.serialize([.bye(ssrcs: [sender.ssrc], reason: reason)])
        return bytes
    }

    /// Handles an incoming compound RTCP packet. Reports about other SSRCs are ignored.
    public mutating func receiveRTCP(_ bytes: [UInt8], now: MediaTime, ntpNow: UInt64) throws(RTCPParseError) -> [RTCPEvent] {
        var events: [RTCPEvent] = []
        for packet in try RTCPCompound.parse(bytes) {
            switch packet {
            case let .senderReport(ssrc, info, reports):
                if ssrc == receiver.ssrc { receiver.noteSenderReport(ntpTimestamp: info.ntpTimestamp, at: now) }
                events += ourBlocks(reports, ntpNow: ntpNow)
            case let .receiverReport(_, reports):
                events += ourBlocks(reports, ntpNow: ntpNow)
            case let .bye(ssrcs, reason):
                if let peer = receiver.ssrc, ssrcs.contains(peer) { events.append(.bye(ssrc: peer, reason: reason)) }
            case .sourceDescription, .other:
                break
            }
        }
        return events
    }

    private func ourBlocks(_ reports: [RTCPReportBlock], ntpNow: UInt64) -> [RTCPEvent] {
        reports.filter { $0.ssrc == sender.ssrc }.map { block in
            var rtt: Double?
            if block.lastSR != 0 {
                // RTT = A - LSR - DLSR in 1/65536 s, all as middle-32-bit NTP values (wrapping).
                let a = UInt32(truncatingIfNeeded: ntpNow >> 16)
                let r = a &- block.lastSR &- block.delaySinceLastSR
                if r < 0x8000_0000 { rtt = Double(r) / 65536 }
            }
            return .receptionReport(block, roundTripSeconds: rtt)
        }
    }
}
