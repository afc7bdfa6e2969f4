// RTP fixed header (RFC 3550 §5.1) parse and serialize.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//  |                           timestamp                           |
//  |           synchronization source (SSRC) identifier            |
//  |            contributing source (CSRC) identifiers  (CC x 32)  |
//  |  [X] defined by profile (16) |  length in 32-bit words (16)   |  + extension words
//  |  payload ...                                  | padding | count |
//
// Parsing reads a borrowed buffer and returns offsets into it (no copy, no allocation); the
// CSRC list lives inline in the header value. Serializing writes into a caller buffer.

/// Why a datagram is not a usable RTP packet. Each case names what was wrong and where.
public enum RTPParseError: Error, Equatable, Sendable {
    /// Shorter than the 12-byte fixed header.
    case tooShort(length: Int)
    /// Version field (first two bits) is not 2.
    case unsupportedVersion(UInt8)
    /// CC announces more CSRCs than the datagram holds.
    case csrcListTruncated(csrcCount: Int, length: Int)
    /// X is set but the extension header or its announced words run past the end.
    case extensionTruncated(offset: Int, needed: Int, length: Int)
    /// P is set but the padding count byte is 0 or larger than what follows the header.
    case invalidPadding(count: Int, available: Int)
}

public enum RTPSerializeError: Error, Equatable, Sendable {
    case bufferTooSmall(needed: Int, available: Int)
    /// RTP padding is 1...255 bytes (the count is one octet and includes itself).
    case invalidPaddingCount(Int)
}

/// Up to 15 contributing sources (CC is 4 bits), stored inline so a header is a plain value.
public struct RTPCSRCList: Sendable, RandomAccessCollection, Equatable, Hashable {
    public static let capacity = 15
    private var storage: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                          UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    public private(set) var count = 0

    public init() {}
    public init<S: Sequence>(_ csrcs: S) where S.Element == UInt32 {
        for c in csrcs where count < Self.capacity { _ = append(c) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> UInt32 {
        withUnsafeBytes(of: storage) { $0.load(fromByteOffset: i * 4, as: UInt32.self) }
    }

    /// Appends; returns false when the list already holds 15.
    @discardableResult
    public mutating func append(_ csrc: UInt32) -> Bool {
        guard count < Self.capacity else { return false }
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: csrc, toByteOffset: count * 4, as: UInt32.self) }
        count += 1
        return true
    }

    public static func == (a: RTPCSRCList, b: RTPCSRCList) -> Bool { a.elementsEqual(b) }
    public func hash(into hasher: inout Hasher) { for c in self { hasher.combine(c) } }
}

/// The fields of an RTP header a sender chooses. V is always 2; P, X and CC follow from the
/// padding, extension and CSRC list given when writing.
public struct RTPHeader: Sendable, Equatable, Hashable {
    public static let fixedSize = 12
    public static let version: UInt8 = 2

    public var marker: Bool
    /// 7 bits (0...127).
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var csrcs: RTPCSRCList

    public init(marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32,
                ssrc: UInt32, csrcs: RTPCSRCList = RTPCSRCList()) {
        self.marker = marker
        self.payloadType = payloadType & 0x7F
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
    }

    /// Bytes of the fixed header plus CSRC list (no extension).
    public var encodedSize: Int { Self.fixedSize + 4 * csrcs.count }

    /// Writes the header (no extension, P clear) at the start of `buffer`; returns its size.
    /// The caller then writes the payload right after it (e.g. G.711-encodes into the packet).
    public func writeHeader(into buffer: UnsafeMutableRawBufferPointer,
                            padding: Bool = false) throws(RTPSerializeError) -> Int {
        let size = encodedSize
        guard buffer.count >= size else { throw .bufferTooSmall(needed: size, available: buffer.count) }
        buffer[0] = (Self.version << 6) | (padding ? 0x20 : 0) | UInt8(csrcs.count)
        buffer[1] = (marker ? 0x80 : 0) | (payloadType & 0x7F)
        putBE16(sequenceNumber, buffer, 2)
        putBE32(timestamp, buffer, 4)
        putBE32(ssrc, buffer, 8)
        for i in 0..<csrcs.count { putBE32(csrcs[i], buffer, 12 + 4 * i) }
        return size
    }

    /// Writes header + payload + `paddingCount` padding bytes; returns the packet length.
    public func write(payload: UnsafeRawBufferPointer, paddingCount: Int = 0,
                      into buffer: UnsafeMutableRawBufferPointer) throws(RTPSerializeError) -> Int {
        guard paddingCount >= 0 && paddingCount <= 255 else { throw .invalidPaddingCount(paddingCount) }
        let total = encodedSize + payload.count + paddingCount
        guard buffer.count >= total else { throw .bufferTooSmall(needed: total, available: buffer.count) }
        let h = try writeHeader(into: buffer, padding: paddingCount > 0)
        if payload.count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: buffer[h..<h + payload.count]).copyMemory(from: payload)
        }
        if paddingCount > 0 {
            let start = h + payload.count
            for i in start..<(total - 1) { buffer[i] = 0 }
            buffer[total - 1] = UInt8(paddingCount)
        }
        return total
    }

    /// Convenience for tests and non-hot paths.
    public func serialized(payload: [UInt8], paddingCount: Int = 0) throws(RTPSerializeError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: encodedSize + payload.count + max(0, paddingCount))
        let result = out.withUnsafeMutableBytes { buf in
            payload.withUnsafeBytes { p in
                Result { () throws(RTPSerializeError) -> Int in try write(payload: p, paddingCount: paddingCount, into: buf) }
            }
        }
        _ = try result.get()
        return out
    }
}

/// A header extension (RFC 3550 §5.3.1): we skip it, but keep where it is.
public struct RTPHeaderExtension: Sendable, Equatable, Hashable {
    /// The 16 "defined by profile" bits (0xBEDE for RFC 8285 one-byte headers).
    public var profile: UInt16
    /// Byte range of the extension data (after its 4-byte header) in the parsed buffer.
    public var dataRange: Range<Int>
}

/// A parsed RTP packet: the header values plus byte ranges into the buffer that was parsed.
public struct RTPPacket: Sendable, Equatable, Hashable {
    public var header: RTPHeader
    public var headerExtension: RTPHeaderExtension?
    /// Payload bytes, padding excluded.
    public var payloadRange: Range<Int>
    /// Padding bytes at the end (0 when P is clear).
    public var paddingCount: Int

    /// Parses `bytes` without copying. Never traps on any input.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(RTPParseError) -> RTPPacket {
        let length = bytes.count
        guard length >= RTPHeader.fixedSize else { throw .tooShort(length: length) }
        let b0 = bytes[0]
        let version = b0 >> 6
        guard version == RTPHeader.version else { throw .unsupportedVersion(version) }
        let hasPadding = b0 & 0x20 != 0
        let hasExtension = b0 & 0x10 != 0
        let cc = Int(b0 & 0x0F)
        var offset = RTPHeader.fixedSize + 4 * cc
        guard offset <= length else { throw .csrcListTruncated(csrcCount: cc, length: length) }

        var csrcs = RTPCSRCList()
        for i in 0..<cc { csrcs.append(getBE32(bytes, 12 + 4 * i)) }
        let header = RTPHeader(marker: bytes[1] & 0x80 != 0, payloadType: bytes[1] & 0x7F,
                               sequenceNumber: getBE16(bytes, 2), timestamp: getBE32(bytes, 4),
                               ssrc: getBE32(bytes, 8), csrcs: csrcs)

        var ext: RTPHeaderExtension?
        if hasExtension {
            guard offset + 4 <= length else { throw .extensionTruncated(offset: offset, needed: 4, length: length) }
            let profile = getBE16(bytes, offset)
            let words = Int(getBE16(bytes, offset + 2))
            let dataStart = offset + 4
            let dataEnd = dataStart + 4 * words
            guard dataEnd <= length else { throw .extensionTruncated(offset: offset, needed: 4 + 4 * words, length: length) }
            ext = RTPHeaderExtension(profile: profile, dataRange: dataStart..<dataEnd)
            offset = dataEnd
        }

        var padding = 0
        if hasPadding {
            // The last octet counts the padding, itself included (§5.1).
            padding = Int(bytes[length - 1])
            let available = length - offset
            guard padding >= 1 && padding <= available else { throw .invalidPadding(count: padding, available: available) }
        }
        return RTPPacket(header: header, headerExtension: ext, payloadRange: offset..<(length - padding),
                         paddingCount: padding)
    }

    public static func parse(_ bytes: [UInt8]) throws(RTPParseError) -> RTPPacket {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(RTPParseError) -> RTPPacket in try parse(raw) }
        }
        return try result.get()
    }
}

// MARK: Big-endian helpers shared by the RTP/RTCP/RFC 4733 files.

@inline(__always) func getBE16(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt16 {
    UInt16(b[o]) << 8 | UInt16(b[o + 1])
}
@inline(__always) func getBE32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 {
    UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
}
@inline(__always) func putBE16(_ v: UInt16, _ b: UnsafeMutableRawBufferPointer, _ o: Int) {
    b[o] = UInt8(v >> 8); b[o + 1] = UInt8(truncatingIfNeeded: v)
}
@inline(__always) func putBE32(_ v: UInt32, _ b: UnsafeMutableRawBufferPointer, _ o: Int) {
    b[o] = UInt8(v >> 24); b[o + 1] = UInt8(truncatingIfNeeded: v >> 16)
    b[o + 2] = UInt8(truncatingIfNeeded: v >> 8); b[o + 3] = UInt8(truncatingIfNeeded: v)
}
