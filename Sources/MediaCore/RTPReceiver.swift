// The receiving half of an RTP stream: source validation and sequence tracking (RFC 3550
// Appendix A.1), loss accounting (A.3), interarrival jitter (A.8), and symmetric RTP latching.
//
// Symmetric RTP latching (RFC 4961 "symmetric RTP", as SBCs do behind NAT): we send our RTP to
// the address the peer's RTP comes from, not the one in its SDP, because NAT rewrites the
// latter. The address type is opaque (any Hashable) so this file never sees a socket.
//
// Latch rules (each with its reason):
// 1. Unlatched: packets from any address are considered. The first (address, SSRC) to pass
//    probation (`minSequential` packets in sequence, A.1) is latched; its packets are delivered.
// 2. Latched: packets from the latched address with the latched SSRC are delivered.
// 3. Same address, different SSRC: the peer restarted its stream (re-INVITE, PBX re-anchoring
//    media). Once the new SSRC passes probation it replaces the old one (`.ssrcChanged`).
// 4. Different address: could be a NAT rebinding or a stray/spoofed stream. We re-latch only
//    when the candidate passed probation AND the latched source has been silent for at least
//    `relatchSilence` (default 100 ms = 5 frames), so a live stream is never hijacked by a
//    second one, while a rebinding costs about 5 frames of audio.
// Packets not delivered are counted in `foreignPackets`.

public struct RTPReceiverConfiguration: Sendable, Equatable {
    /// A.1 MIN_SEQUENTIAL: packets in sequence before a source is valid.
    public var minSequential: Int = 2
    /// A.1 MAX_DROPOUT: largest forward jump accepted as loss rather than a restart.
    public var maxDropout: UInt16 = 3000
    /// A.1 MAX_MISORDER: how far back a packet may be and still count as reordered.
    public var maxMisorder: UInt16 = 100
    /// RTP clock rate of the payload (8000 for G.711 and RFC 4733 at 8 kHz).
    public var clockRate: UInt32 = 8000
    /// Silence of the latched source required before another address may take over (rule 4).
    public var relatchSilenceNanoseconds: Int64 = 100_000_000

    public init() {}
}

public enum RTPDropReason: Sendable, Equatable {
    /// The source has not yet sent `minSequential` packets in sequence.
    case probation
    /// A jump larger than MAX_DROPOUT: held until the next packet confirms a restart (A.1).
    case badSequence
    /// From an address or SSRC that is not the latched source (rules 3 and 4).
    case foreignSource
}

public enum RTPLatchEvent<Address: Hashable & Sendable>: Sendable, Equatable {
    /// First latch (rule 1): send our RTP to this address.
    case latched(Address)
    /// Re-latch to a new address (rule 4): send our RTP there from now on.
    case relatched(from: Address, to: Address)
    /// Same address, new SSRC (rule 3).
    case ssrcChanged(from: UInt32, to: UInt32)
}

public struct RTPReceiveResult<Address: Hashable & Sendable>: Sendable, Equatable {
    /// Nil when the packet should be played; otherwise why not.
    public var dropReason: RTPDropReason?
    public var latchEvent: RTPLatchEvent<Address>?
    /// Extended (cycle-counted) sequence number of a delivered packet.
    public var extendedSequenceNumber: UInt32

    public var shouldDeliver: Bool { dropReason == nil }
}

public struct RTPReceiver<Address: Hashable & Sendable>: Sendable {
    public let configuration: RTPReceiverConfiguration

    /// Sequence state of one source, named as in RFC 3550 A.1.
    struct SourceState: Sendable {
        var maxSeq: UInt16
        var cycles: UInt32 = 0
        var baseSeq: UInt32 = 0
        var badSeq: UInt32 = 1 << 16 + 1
        var probation: Int
        var received: UInt32 = 0
        var expectedPrior: UInt32 = 0
        var receivedPrior: UInt32 = 0

        init(seq: UInt16, minSequential: Int) {
            maxSeq = seq &- 1
            probation = minSequential
            baseSeq = UInt32(seq)
        }

        mutating func initSeq(_ seq: UInt16) {
            baseSeq = UInt32(seq)
            maxSeq = seq
            badSeq = 1 << 16 + 1
            cycles = 0
            received = 0
            receivedPrior = 0
            expectedPrior = 0
        }

        /// A.1 update_seq: true when the packet is valid.
        mutating func updateSeq(_ seq: UInt16, config: RTPReceiverConfiguration) -> (valid: Bool, badJump: Bool) {
            let udelta = seq &- maxSeq
            if probation > 0 {
                if seq == maxSeq &+ 1 {
                    probation -= 1
                    maxSeq = seq
                    if probation == 0 {
                        initSeq(seq)
                        received += 1
                        return (true, false)
                    }
                } else {
                    probation = config.minSequential - 1
                    maxSeq = seq
                }
                return (false, false)
            } else if udelta < config.maxDropout {
                if seq < maxSeq { cycles &+= 1 << 16 }      // wrapped
                maxSeq = seq
            } else if udelta <= UInt16.max - config.maxMisorder {
                // A very large jump: restart only if the next packet follows this one.
                if UInt32(seq) == badSeq {
                    initSeq(seq)
                } else {
                    badSeq = (UInt32(seq) + 1) & 0xFFFF
                    return (false, true)
                }
            } else {
                // Duplicate or reordered packet: valid, counted, not a new maximum.
            }
            received &+= 1
            return (true, false)
        }

        var extendedMax: UInt32 { cycles &+ UInt32(maxSeq) }
    }

    struct Candidate: Sendable {
        var address: Address
        var ssrc: UInt32
        var state: SourceState
    }

    public private(set) var latchedAddress: Address?
    public private(set) var ssrc: UInt32?
    var source: SourceState?
    var candidate: Candidate?
    var lastDeliveredAt: MediaTime?

    // Jitter (A.8), kept in floating point exactly as the RFC formula; reported truncated.
    var lastTransit: Int64?
    var lastJitterTimestamp: UInt32?
    public private(set) var jitterSamples: Double = 0

    // RTCP bookkeeping (LSR/DLSR, §6.4.1).
    var lastSRMiddle: UInt32 = 0
    var lastSRArrival: MediaTime?

    /// Packets dropped because they came from a non-latched source.
    public private(set) var foreignPackets: UInt64 = 0
    /// Packets dropped during probation or a sequence jump.
    public private(set) var probationPackets: UInt64 = 0

    public init(configuration: RTPReceiverConfiguration = RTPReceiverConfiguration()) {
        self.configuration = configuration
    }

    /// Feeds one parsed packet header that arrived from `address` at `now`.
    public mutating func receive(_ header: RTPHeader, from address: Address, now: MediaTime) -> RTPReceiveResult<Address> {
        let seq = header.sequenceNumber
        // Rule 2: the latched source.
        if let latched = latchedAddress, latched == address, header.ssrc == ssrc, var state = source {
            let (valid, _) = state.updateSeq(seq, config: configuration)
            source = state
            guard valid else {
                probationPackets += 1
                return RTPReceiveResult(dropReason: .badSequence, latchEvent: nil, extendedSequenceNumber: 0)
            }
            delivered(header, now: now)
            return RTPReceiveResult(dropReason: nil, latchEvent: nil, extendedSequenceNumber: extendedSequence(of: seq, state: state))
        }

        // Anything else is a candidate for (re)latching.
        var cand: Candidate
        if let c = candidate, c.address == address, c.ssrc == header.ssrc {
            cand = c
        } else {
            cand = Candidate(address: address, ssrc: header.ssrc,
                             state: SourceState(seq: seq, minSequential: configuration.minSequential))
        }
        let (valid, _) = cand.state.updateSeq(seq, config: configuration)
        candidate = cand
        guard valid else {
            if latchedAddress == nil { probationPackets += 1 } else { foreignPackets += 1 }
            return RTPReceiveResult(dropReason: latchedAddress == nil ? .probation : .foreignSource,
                                    latchEvent: nil, extendedSequenceNumber: 0)
        }

        let event: RTPLatchEvent<Address>
        if let latched = latchedAddress {
            if latched == address {
                event = .ssrcChanged(from: ssrc ?? 0, to: header.ssrc)          // rule 3
            } else {
                let silentFor = lastDeliveredAt.map { now.nanoseconds(since: $0) } ?? .max
                guard silentFor >= configuration.relatchSilenceNanoseconds else {  // rule 4
                    foreignPackets += 1
                    return RTPReceiveResult(dropReason: .foreignSource, latchEvent: nil, extendedSequenceNumber: 0)
                }
                event = .relatched(from: latched, to: address)
            }
        } else {
            event = .latched(address)                                            // rule 1
        }
        latchedAddress = address
        ssrc = header.ssrc
        source = cand.state
        candidate = nil
        lastTransit = nil
        lastJitterTimestamp = nil
        delivered(header, now: now)
        return RTPReceiveResult(dropReason: nil, latchEvent: event,
                                extendedSequenceNumber: extendedSequence(of: seq, state: cand.state))
    }

    private func extendedSequence(of seq: UInt16, state: SourceState) -> UInt32 {
        // A reordered packet from before a wrap belongs to the previous cycle.
        let cycles = (seq > state.maxSeq && seq &- state.maxSeq > 0x8000 && state.cycles > 0)
            ? state.cycles &- (1 << 16) : state.cycles
        return cycles &+ UInt32(seq)
    }

    private mutating func delivered(_ header: RTPHeader, now: MediaTime) {
        lastDeliveredAt = now
        // A.8. Packets sharing a timestamp (RFC 4733 event updates, or a frame split in two)
        // were not sampled at different times, so they would read as false jitter: skip them.
        if header.timestamp == lastJitterTimestamp { return }
        lastJitterTimestamp = header.timestamp
        let arrival = now.rtpUnits(clockRate: configuration.clockRate)
        let transit = Int64(Int32(bitPattern: arrival &- header.timestamp))
        if let last = lastTransit {
            let d = Double(abs(transit - last))
            jitterSamples += (d - jitterSamples) / 16
        }
        lastTransit = transit
    }

    // MARK: Statistics (A.3)

    /// Extended highest sequence number received (0 before the source is valid).
    public var extendedHighestSequence: UInt32 { source?.extendedMax ?? 0 }
    /// Packets received from the latched source (duplicates included, as in A.3).
    public var packetsReceived: UInt32 { source?.received ?? 0 }
    /// Packets expected from the latched source: extended max - base + 1.
    public var packetsExpected: UInt32 {
        guard let s = source else { return 0 }
        return s.extendedMax &- s.baseSeq &+ 1
    }
    /// Cumulative packets lost (negative when duplicates outnumber losses).
    public var cumulativeLost: Int64 { Int64(packetsExpected) - Int64(packetsReceived) }

    /// Interarrival jitter in RTP timestamp units, as reported in RTCP.
    public var jitter: UInt32 { UInt32(jitterSamples) }

    /// Remember an arriving sender report (for LSR/DLSR in our report blocks).
    public mutating func noteSenderReport(ntpTimestamp: UInt64, at now: MediaTime) {
        lastSRMiddle = UInt32(truncatingIfNeeded: ntpTimestamp >> 16)
        lastSRArrival = now
    }

    /// A report block about the latched source (RFC 3550 §6.4.1); nil before one is latched.
    /// Advances the "interval" counters used for the fraction lost.
    public mutating func makeReportBlock(now: MediaTime) -> RTCPReportBlock? {
        guard let ssrc, var s = source, s.probation == 0 else { return nil }
        let expected = s.extendedMax &- s.baseSeq &+ 1
        let lost = Int64(expected) - Int64(s.received)
        let clampedLost = Int32(max(-0x80_0000, min(0x7F_FFFF, lost)))
        let expectedInterval = expected &- s.expectedPrior
        let receivedInterval = s.received &- s.receivedPrior
        s.expectedPrior = expected
        s.receivedPrior = s.received
        source = s
        let lostInterval = Int64(expectedInterval) - Int64(receivedInterval)
        let fraction: UInt8 = (expectedInterval == 0 || lostInterval <= 0)
            ? 0 : UInt8(min(255, (lostInterval << 8) / Int64(expectedInterval)))
        var dlsr: UInt32 = 0
        if let at = lastSRArrival {
            // Units of 1/65536 s.
            dlsr = UInt32(truncatingIfNeeded: max(0, now.nanoseconds(since: at)) * 65536 / 1_000_000_000)
        }
        return RTCPReportBlock(ssrc: ssrc, fractionLost: fraction, cumulativeLost: clampedLost,
                               extendedHighestSequence: s.extendedMax, jitter: jitter,
                               lastSR: lastSRArrival == nil ? 0 : lastSRMiddle, delaySinceLastSR: dlsr)
    }
}
