// The sending half of an RTP stream (RFC 3550 §5.1, RFC 3551 §4.1): one SSRC, a sequence
// number that grows by one per packet, a media timestamp that grows by the samples sent, and
// the marker bit on the first packet of each talkspurt. Initial SSRC, sequence number and
// timestamp are random (RFC 3550 §5.1: makes known-plaintext attacks on encryption harder and
// lets receivers tell restarted senders apart); the generator is injected so tests are
// deterministic.

public struct RTPSender: Sendable, Equatable {
    public let ssrc: UInt32
    /// Sequence number the next packet will carry.
    public private(set) var nextSequenceNumber: UInt16
    /// RTP timestamp of the next audio frame (advances with `audioHeader` and `skip`).
    public private(set) var mediaTimestamp: UInt32
    /// RTCP SR "sender's packet count" and "sender's octet count" (payload octets only).
    public private(set) var packetCount: UInt32 = 0
    public private(set) var octetCount: UInt32 = 0
    /// False until the first audio packet, and again after `skip` (silence suppression):
    /// the next audio packet then starts a talkspurt and carries the marker (RFC 3551 §4.1).
    public private(set) var inTalkspurt = false
    public let clockRate: UInt32

    public init(ssrc: UInt32, initialSequenceNumber: UInt16, initialTimestamp: UInt32, clockRate: UInt32 = 8000) {
        self.ssrc = ssrc
        self.nextSequenceNumber = initialSequenceNumber
        self.mediaTimestamp = initialTimestamp
        self.clockRate = clockRate
    }

    /// Random SSRC, sequence number and timestamp drawn from `generator`.
    public init<G: RandomNumberGenerator>(clockRate: UInt32 = 8000, using generator: inout G) {
        self.init(ssrc: UInt32.random(in: .min ... .max, using: &generator),
                  initialSequenceNumber: UInt16.random(in: .min ... .max, using: &generator),
                  initialTimestamp: UInt32.random(in: .min ... .max, using: &generator),
                  clockRate: clockRate)
    }

    /// Header for the next audio frame of `samples` samples; advances sequence and timestamp.
    public mutating func audioHeader(payloadType: UInt8, samples: UInt32) -> RTPHeader {
        let header = RTPHeader(marker: !inTalkspurt, payloadType: payloadType,
                               sequenceNumber: nextSequenceNumber, timestamp: mediaTimestamp, ssrc: ssrc)
        inTalkspurt = true
        nextSequenceNumber &+= 1
        mediaTimestamp &+= samples
        return header
    }

    /// Header for a packet whose timestamp the caller fixes (RFC 4733 events keep the event's
    /// start timestamp for every packet of the event). Consumes a sequence number only.
    public mutating func fixedTimestampHeader(payloadType: UInt8, timestamp: UInt32, marker: Bool) -> RTPHeader {
        let header = RTPHeader(marker: marker, payloadType: payloadType, sequenceNumber: nextSequenceNumber,
                               timestamp: timestamp, ssrc: ssrc)
        nextSequenceNumber &+= 1
        return header
    }

    /// Time passes without audio being sent (silence suppression, or frames replaced by RFC 4733
    /// event packets): the timestamp keeps counting and the next audio packet gets the marker.
    public mutating func skip(samples: UInt32) {
        mediaTimestamp &+= samples
        inTalkspurt = false
    }

    /// Records a packet handed to the transport, for the RTCP sender report.
    public mutating func recordSent(payloadBytes: Int) {
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: payloadBytes)
    }
}
