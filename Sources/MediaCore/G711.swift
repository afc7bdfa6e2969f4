// ITU-T G.711 A-law and µ-law companding.
//
// A-law works on 13-bit linear samples, µ-law on 14-bit ones; we take 16-bit PCM and drop the
// low bits the law does not use, so the encoder depends only on `sample >> 3` (A-law) or
// `sample >> 2` (µ-law). That lets both encoders be plain table lookups (8192 and 16384
// entries) and both decoders 256-entry tables. Tables are computed once, on first use, from
// the segment definitions in G.711 (Tables 1a/1b and 2a/2b).

/// The two G.711 laws, with their static RTP payload types (RFC 3551 §6).
public enum G711Law: Sendable, Hashable, CaseIterable {
    /// A-law, PCMA, payload type 8 (Europe and most of the world).
    case aLaw
    /// µ-law, PCMU, payload type 0 (North America, Japan).
    case muLaw

    public var rtpPayloadType: UInt8 { self == .aLaw ? 8 : 0 }
    public var encodingName: String { self == .aLaw ? "PCMA" : "PCMU" }

    /// The code a silent (zero) sample encodes to: 0xD5 for A-law, 0xFF for µ-law.
    public var silenceCode: UInt8 { self == .aLaw ? 0xD5 : 0xFF }

    public init?(rtpPayloadType: UInt8) {
        switch rtpPayloadType {
        case 8: self = .aLaw
        case 0: self = .muLaw
        default: return nil
        }
    }
}

public enum G711 {
    // MARK: Scalar reference definitions (used to build the tables, and by tests)

    /// A-law encode of one 16-bit sample, computed from the segment definition.
    static func computeALaw(_ sample: Int16) -> UInt8 {
        var pcm = Int(sample) >> 3                 // 13-bit
        let mask: Int
        if pcm >= 0 {
            mask = 0xD5                             // sign bit set, even bits inverted
        } else {
            mask = 0x55
            pcm = -pcm - 1                          // A-law is symmetric about -1/2
        }
        // Segment ends for the 13-bit magnitude: 0x1F, 0x3F, 0x7F ... 0xFFF.
        var segment = 0
        var end = 0x1F
        while segment < 8 && pcm > end { segment += 1; end = (end << 1) | 1 }
        if segment >= 8 { return UInt8(0x7F ^ mask) }
        let mantissa = segment < 2 ? (pcm >> 1) & 0x0F : (pcm >> segment) & 0x0F
        return UInt8(((segment << 4) | mantissa) ^ mask)
    }

    static func computeALawDecode(_ code: UInt8) -> Int16 {
        let a = Int(code ^ 0x55)
        var t = (a & 0x0F) << 4
        let segment = (a & 0x70) >> 4
        switch segment {
        case 0: t += 8
        case 1: t += 0x108
        default: t += 0x108; t <<= segment - 1
        }
        return Int16(a & 0x80 != 0 ? t : -t)
    }

    /// µ-law encode of one 16-bit sample (14-bit law, bias 33, clip 8159).
    static func computeMuLaw(_ sample: Int16) -> UInt8 {
        var pcm = Int(sample) >> 2                 // 14-bit
        let mask: Int
        if pcm < 0 { pcm = -pcm; mask = 0x7F } else { mask = 0xFF }
        if pcm > 8159 { pcm = 8159 }
        pcm += 33
        var segment = 0
        var end = 0x3F
        while segment < 8 && pcm > end { segment += 1; end = (end << 1) | 1 }
        if segment >= 8 { return UInt8(0x7F ^ mask) }
        let mantissa = (pcm >> (segment + 1)) & 0x0F
        return UInt8(((segment << 4) | mantissa) ^ mask)
    }

    static func computeMuLawDecode(_ code: UInt8) -> Int16 {
        let u = Int(~code)
        var t = ((u & 0x0F) << 3) + 0x84
        t <<= (u & 0x70) >> 4
        return Int16(u & 0x80 != 0 ? 0x84 - t : t - 0x84)
    }

    // MARK: Tables

    static let aLawEncodeTable: [UInt8] = (0..<8192).map { i in
        computeALaw(Int16(bitPattern: UInt16(i << 3)))
    }
    static let muLawEncodeTable: [UInt8] = (0..<16384).map { i in
        computeMuLaw(Int16(bitPattern: UInt16(i << 2)))
    }
    static let aLawDecodeTable: [Int16] = (0..<256).map { computeALawDecode(UInt8($0)) }
    static let muLawDecodeTable: [Int16] = (0..<256).map { computeMuLawDecode(UInt8($0)) }

    // MARK: Public scalar API

    @inline(__always)
    public static func encodeALaw(_ sample: Int16) -> UInt8 {
        aLawEncodeTable[Int(UInt16(bitPattern: sample) >> 3)]
    }
    @inline(__always)
    public static func encodeMuLaw(_ sample: Int16) -> UInt8 {
        muLawEncodeTable[Int(UInt16(bitPattern: sample) >> 2)]
    }
    @inline(__always)
    public static func decodeALaw(_ code: UInt8) -> Int16 { aLawDecodeTable[Int(code)] }
    @inline(__always)
    public static func decodeMuLaw(_ code: UInt8) -> Int16 { muLawDecodeTable[Int(code)] }

    public static func encode(_ law: G711Law, _ sample: Int16) -> UInt8 {
        law == .aLaw ? encodeALaw(sample) : encodeMuLaw(sample)
    }
    public static func decode(_ law: G711Law, _ code: UInt8) -> Int16 {
        law == .aLaw ? decodeALaw(code) : decodeMuLaw(code)
    }

    // MARK: Buffer API (no allocation)

    /// Encodes `min(samples.count, output.count)` samples into `output`; returns that count.
    @discardableResult
    public static func encode(_ law: G711Law, samples: UnsafeBufferPointer<Int16>,
                              into output: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(samples.count, output.count)
        switch law {
        case .aLaw:
            aLawEncodeTable.withUnsafeBufferPointer { table in
                for i in 0..<n { output[i] = table[Int(UInt16(bitPattern: samples[i]) >> 3)] }
            }
        case .muLaw:
            muLawEncodeTable.withUnsafeBufferPointer { table in
                for i in 0..<n { output[i] = table[Int(UInt16(bitPattern: samples[i]) >> 2)] }
            }
        }
        return n
    }

    /// Decodes `min(codes.count, output.count)` codes into `output`; returns that count.
    @discardableResult
    public static func decode(_ law: G711Law, codes: UnsafeRawBufferPointer,
                              into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        let n = min(codes.count, output.count)
        let table = law == .aLaw ? aLawDecodeTable : muLawDecodeTable
        table.withUnsafeBufferPointer { table in
            for i in 0..<n { output[i] = table[Int(codes[i])] }
        }
        return n
    }

    /// Fills `output` with the law's silence code (what to send when the modem leg is quiet).
    public static func fillSilence(_ law: G711Law, into output: UnsafeMutableRawBufferPointer) {
        guard output.count > 0 else { return }
        output.initializeMemory(as: UInt8.self, repeating: law.silenceCode)
    }
}
