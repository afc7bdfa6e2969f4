// RTCP (RFC 3550 §6): sender and receiver reports with report blocks, SDES CNAME, BYE, and
// compound packets. RTCP runs every few seconds, not per frame, so it uses arrays freely.
//
// Every RTCP packet starts with:  V=2 | P | count(5) | PT(8) | length (32-bit words - 1)(16)

public enum RTCPPacketType: UInt8, Sendable {
    case senderReport = 200, receiverReport = 201, sourceDescription = 202, bye = 203, application = 204
}

/// One reception report block (§6.4.1), 24 bytes on the wire.
public struct RTCPReportBlock: Sendable, Equatable, Hashable {
    /// The source this block is about.
    public var ssrc: UInt32
    /// Lost fraction since the previous report, as a fixed-point number with the point at the left.
    public var fractionLost: UInt8
    /// Cumulative packets lost, 24-bit signed.
    public var cumulativeLost: Int32
    public var extendedHighestSequence: UInt32
    /// Interarrival jitter in timestamp units.
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received from this source (0 if none).
    public var lastSR: UInt32
    /// Delay since that SR, in units of 1/65536 s.
    public var delaySinceLastSR: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, extendedHighestSequence: UInt32,
                jitter: UInt32, lastSR: UInt32, delaySinceLastSR: UInt32) {
        self.ssrc = ssrc; self.fractionLost = fractionLost; self.cumulativeLost = cumulativeLost
        self.extendedHighestSequence = extendedHighestSequence; self.jitter = jitter
        self.lastSR = lastSR; self.delaySinceLastSR = delaySinceLastSR
    }
}

public struct RTCPSenderInfo: Sendable, Equatable, Hashable {
    /// 64-bit NTP timestamp (seconds since 1900 in the high 32 bits, fraction in the low 32).
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public init(ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32) {
        self.ntpTimestamp = ntpTimestamp; self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount; self.octetCount = octetCount
    }
}

public struct RTCPSDESItem: Sendable, Equatable, Hashable {
    public static let cnameType: UInt8 = 1
    public var type: UInt8
    /// UTF-8 text, at most 255 bytes.
    public var value: [UInt8]
    public init(type: UInt8, value: [UInt8]) { self.type = type; self.value = value }
    public static func cname(_ text: String) -> RTCPSDESItem { RTCPSDESItem(type: cnameType, value: Array(text.utf8.prefix(255))) }
}

public struct RTCPSDESChunk: Sendable, Equatable, Hashable {
    public var ssrc: UInt32
    public var items: [RTCPSDESItem]
    public init(ssrc: UInt32, items: [RTCPSDESItem]) { self.ssrc = ssrc; self.items = items }
    public var cname: String? {
        items.first { $0.type == RTCPSDESItem.cnameType }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}

public enum RTCPPacket: Sendable, Equatable, Hashable {
    case senderReport(ssrc: UInt32, info: RTCPSenderInfo, reports: [RTCPReportBlock])
    case receiverReport(ssrc: UInt32, reports: [RTCPReportBlock])
    case sourceDescription([RTCPSDESChunk])
    case bye(ssrcs: [UInt32], reason: String?)
    /// APP and types we do not interpret, kept whole (header included) so nothing is lost.
    case other(packetType: UInt8, bytes: [UInt8])
}

/// Why bytes are not a valid RTCP compound packet; `offset` is where the bad packet starts.
public enum RTCPParseError: Error, Sendable, Equatable {
    case tooShort(offset: Int, length: Int)
    case unsupportedVersion(offset: Int, version: UInt8)
    /// The length field points past the end of the datagram.
    case lengthOverrun(offset: Int, declaredBytes: Int, available: Int)
    /// The count field announces more report blocks / SSRCs than the packet holds.
    case countOverrun(offset: Int, count: Int)
    case sdesTruncated(offset: Int)
    case byeReasonTruncated(offset: Int)
    /// P set on a packet whose padding count is 0 or exceeds its body.
    case invalidPadding(offset: Int, count: Int)
    case empty
}

public enum RTCPCompound {
    public static let version: UInt8 = 2
    /// 5-bit count fields: at most 31 report blocks, SSRCs or chunks per packet.
    public static let maxCount = 31

    // MARK: Parse

    public static func parse(_ bytes: [UInt8]) throws(RTCPParseError) -> [RTCPPacket] {
        guard !bytes.isEmpty else { throw .empty }
        var packets: [RTCPPacket] = []
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= 4 else { throw .tooShort(offset: offset, length: remaining) }
            let b0 = bytes[offset]
            let version = b0 >> 6
            guard version == version2 else { throw .unsupportedVersion(offset: offset, version: version) }
            let count = Int(b0 & 0x1F)
            let pt = bytes[offset + 1]
            let total = (Int(be16(bytes, offset + 2)) + 1) * 4
            guard total <= remaining else { throw .lengthOverrun(offset: offset, declaredBytes: total, available: remaining) }
            var end = offset + total
            if b0 & 0x20 != 0 {
                let pad = Int(bytes[end - 1])
                guard pad >= 1 && pad <= total - 4 else { throw .invalidPadding(offset: offset, count: pad) }
                end -= pad
            }
            let body = (offset + 4)..<end
            packets.append(try parseOne(bytes, at: offset, type: pt, count: count, body: body))
            offset += total
        }
        return packets
    }

    private static let version2: UInt8 = 2

    private static func parseOne(_ b: [UInt8], at offset: Int, type: UInt8, count: Int,
                                 body: Range<Int>) throws(RTCPParseError) -> RTCPPacket {
        switch RTCPPacketType(rawValue: type) {
        case .senderReport:
            guard body.count >= 24 + 24 * count else { throw .countOverrun(offset: offset, count: count) }
            let ssrc = be32(b, body.lowerBound)
            let o = body.lowerBound + 4
            let info = RTCPSenderInfo(ntpTimestamp: UInt64(be32(b, o)) << 32 | UInt64(be32(b, o + 4)),
                                      rtpTimestamp: be32(b, o + 8), packetCount: be32(b, o + 12),
                                      octetCount: be32(b, o + 16))
            return .senderReport(ssrc: ssrc, info: info, reports: reportBlocks(b, at: o + 20, count: count))
        case .receiverReport:
            guard body.count >= 4 + 24 * count else { throw .countOverrun(offset: offset, count: count) }
            return .receiverReport(ssrc: be32(b, body.lowerBound),
                                   reports: reportBlocks(b, at: body.lowerBound + 4, count: count))
        case .sourceDescription:
            var chunks: [RTCPSDESChunk] = []
            var o = body.lowerBound
            for _ in 0..<count {
                guard o + 4 <= body.upperBound else { throw .sdesTruncated(offset: offset) }
                var chunk = RTCPSDESChunk(ssrc: be32(b, o), items: [])
                o += 4
                while true {
                    guard o < body.upperBound else { throw .sdesTruncated(offset: offset) }
                    let itemType = b[o]
                    if itemType == 0 {
                        // End of list; skip to the next 32-bit boundary (relative to packet start).
                        o += 1
                        while (o - offset) % 4 != 0 { o += 1 }
                        break
                    }
                    guard o + 2 <= body.upperBound else { throw .sdesTruncated(offset: offset) }
                    let len = Int(b[o + 1])
                    guard o + 2 + len <= body.upperBound else { throw .sdesTruncated(offset: offset) }
                    chunk.items.append(RTCPSDESItem(type: itemType, value: Array(b[(o + 2)..<(o + 2 + len)])))
                    o += 2 + len
                }
                chunks.append(chunk)
            }
            return .sourceDescription(chunks)
        case .bye:
            guard body.count >= 4 * count else { throw .countOverrun(offset: offset, count: count) }
            let ssrcs = (0..<count).map { be32(b, body.lowerBound + 4 * $0) }
            var reason: String?
            let r = body.lowerBound + 4 * count
            if r < body.upperBound {
                let len = Int(b[r])
                guard r + 1 + len <= body.upperBound else { throw .byeReasonTruncated(offset: offset) }
                reason = String(decoding: b[(r + 1)..<(r + 1 + len)], as: UTF8.self)
            }
            return .bye(ssrcs: ssrcs, reason: reason)
        case .application, .none:
            return .other(packetType: type, bytes: Array(b[offset..<(offset + 4 + body.count)]))
        }
    }

    private static func reportBlocks(_ b: [UInt8], at start: Int, count: Int) -> [RTCPReportBlock] {
        (0..<count).map { i in
            let o = start + 24 * i
            let lostRaw = be32(b, o + 4) & 0x00FF_FFFF
            // Sign-extend the 24-bit cumulative loss.
            let lost = Int32(bitPattern: lostRaw << 8) >> 8
            return RTCPReportBlock(ssrc: be32(b, o), fractionLost: b[o + 4], cumulativeLost: lost,
                                   extendedHighestSequence: be32(b, o + 8), jitter: be32(b, o + 12),
                                   lastSR: be32(b, o + 16), delaySinceLastSR: be32(b, o + 20))
        }
    }

    // MARK: Serialize

    /// Serializes packets back to back (a compound packet, §6.1). Counts above 31 are truncated
    /// to 31 (the field has 5 bits); callers split larger sets into several packets.
    public static func serialize(_ packets: [RTCPPacket]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        for p in packets { append(p, to: &out) }
        return out
    }

    private static func append(_ packet: RTCPPacket, to out: inout [UInt8]) {
        let start = out.count
        func header(_ count: Int, _ type: RTCPPacketType) {
            out.append(0x80 | UInt8(min(count, maxCount)))
            out.append(type.rawValue)
            out.append(0); out.append(0)                       // length, patched below
        }
        switch packet {
        case let .senderReport(ssrc, info, reports):
            header(reports.count, .senderReport)
            put32(ssrc, &out)
            put32(UInt32(truncatingIfNeeded: info.ntpTimestamp >> 32), &out)
            put32(UInt32(truncatingIfNeeded: info.ntpTimestamp), &out)
            put32(info.rtpTimestamp, &out); put32(info.packetCount, &out); put32(info.octetCount, &out)
            for r in reports.prefix(maxCount) { putBlock(r, &out) }
        case let .receiverReport(ssrc, reports):
            header(reports.count, .receiverReport)
            put32(ssrc, &out)
            for r in reports.prefix(maxCount) { putBlock(r, &out) }
        case let .sourceDescription(chunks):
            header(chunks.count, .sourceDescription)
            for c in chunks.prefix(maxCount) {
                put32(c.ssrc, &out)
                for item in c.items where item.type != 0 {
                    let v = item.value.prefix(255)
                    out.append(item.type); out.append(UInt8(v.count)); out.append(contentsOf: v)
                }
                out.append(0)                                   // end of item list
                while (out.count - start) % 4 != 0 { out.append(0) }
            }
        case let .bye(ssrcs, reason):
            header(ssrcs.count, .bye)
            for s in ssrcs.prefix(maxCount) { put32(s, &out) }
            if let reason {
                let v = Array(reason.utf8.prefix(255))
                out.append(UInt8(v.count)); out.append(contentsOf: v)
                while (out.count - start) % 4 != 0 { out.append(0) }
            }
        case let .other(_, bytes):
            out.append(contentsOf: bytes)
            return
        }
        let words = (out.count - start) / 4 - 1
        out[start + 2] = UInt8(truncatingIfNeeded: words >> 8)
        out[start + 3] = UInt8(truncatingIfNeeded: words)
    }

    private static func putBlock(_ r: RTCPReportBlock, _ out: inout [UInt8]) {
        put32(r.ssrc, &out)
        put32(UInt32(r.fractionLost) << 24 | (UInt32(bitPattern: r.cumulativeLost) & 0x00FF_FFFF), &out)
        put32(r.extendedHighestSequence, &out); put32(r.jitter, &out)
        put32(r.lastSR, &out); put32(r.delaySinceLastSR, &out)
    }

    private static func put32(_ v: UInt32, _ out: inout [UInt8]) {
        out.append(UInt8(v >> 24)); out.append(UInt8(truncatingIfNeeded: v >> 16))
        out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v))
    }
    private static func be16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) << 8 | UInt16(b[o + 1]) }
    private static func be32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
    }
}
