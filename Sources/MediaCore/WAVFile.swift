// RIFF/WAVE headers for the audio the gateway stores and plays: call recordings, hold music
// and announcements. Supported: mono, 8000 or 16000 Hz, 16-bit PCM (format tag 1), or 8-bit
// G.711 A-law (tag 6) / µ-law (tag 7). Parsing finds the data inside the given bytes; the
// Gateway reads and writes the file itself.

public enum WAVEncoding: UInt16, Sendable, Hashable, CaseIterable {
    case pcm16 = 1
    case aLaw = 6
    case muLaw = 7

    public var bitsPerSample: UInt16 { self == .pcm16 ? 16 : 8 }
    public var g711Law: G711Law? {
        switch self {
        case .pcm16: nil
        case .aLaw: .aLaw
        case .muLaw: .muLaw
        }
    }
}

public struct WAVFormat: Sendable, Hashable {
    public static let supportedSampleRates: Set<UInt32> = [8000, 16000]
    public var encoding: WAVEncoding
    public var sampleRate: UInt32
    public init(encoding: WAVEncoding, sampleRate: UInt32) { self.encoding = encoding; self.sampleRate = sampleRate }
    public var bytesPerSample: Int { Int(encoding.bitsPerSample / 8) }
    public var byteRate: UInt32 { sampleRate * UInt32(bytesPerSample) }
}

public enum WAVParseError: Error, Sendable, Equatable {
    case notRIFF
    case notWAVE
    /// A chunk header or body runs past the end of the bytes.
    case chunkTruncated(id: String, offset: Int)
    case formatChunkTooShort(size: Int)
    case missingFormatChunk
    case missingDataChunk
    case unsupportedEncoding(formatTag: UInt16)
    case unsupportedChannelCount(UInt16)
    case unsupportedSampleRate(UInt32)
    case unsupportedBitsPerSample(UInt16, formatTag: UInt16)
}

public struct WAVFile: Sendable, Hashable {
    public var format: WAVFormat
    /// Where the samples are in the parsed bytes.
    public var dataRange: Range<Int>

    public var sampleCount: Int { dataRange.count / format.bytesPerSample }

    /// Parses a whole file's bytes (or at least through the data chunk header). Unknown chunks
    /// (LIST, fact, cue ...) are skipped; chunks are word-aligned (odd sizes padded). A data
    /// size of 0 or 0xFFFFFFFF (a writer that never patched its header) or one past the end
    /// of the bytes means "to the end".
    public static func parse(_ bytes: [UInt8]) throws(WAVParseError) -> WAVFile {
        guard bytes.count >= 12, fourCC(bytes, 0) == "RIFF" else { throw .notRIFF }
        guard fourCC(bytes, 8) == "WAVE" else { throw .notWAVE }
        var offset = 12
        var format: WAVFormat?
        while offset + 8 <= bytes.count {
            let id = fourCC(bytes, offset)
            let size = Int(le32(bytes, offset + 4))
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16 else { throw .formatChunkTooShort(size: size) }
                guard body + 16 <= bytes.count else { throw .chunkTruncated(id: id, offset: offset) }
                let tag = le16(bytes, body)
                let channels = le16(bytes, body + 2)
                let rate = le32(bytes, body + 4)
                let bits = le16(bytes, body + 14)
                guard let encoding = WAVEncoding(rawValue: tag) else { throw .unsupportedEncoding(formatTag: tag) }
                guard channels == 1 else { throw .unsupportedChannelCount(channels) }
                guard WAVFormat.supportedSampleRates.contains(rate) else { throw .unsupportedSampleRate(rate) }
                guard bits == encoding.bitsPerSample else { throw .unsupportedBitsPerSample(bits, formatTag: tag) }
                format = WAVFormat(encoding: encoding, sampleRate: rate)
            } else if id == "data" {
                guard let format else { throw .missingFormatChunk }
                let available = bytes.count - body
                let length = (size == 0 || size == 0xFFFF_FFFF || size > available) ? available : size
                // Whole samples only.
                let whole = length - length % format.bytesPerSample
                return WAVFile(format: format, dataRange: body..<(body + whole))
            }
            guard body + size <= bytes.count else { throw .chunkTruncated(id: id, offset: offset) }
            offset = body + size + (size & 1)
        }
        throw format == nil ? .missingFormatChunk : .missingDataChunk
    }

    /// The header to write before `dataByteCount` bytes of samples. PCM gets the canonical
    /// 44-byte header; G.711 gets an 18-byte fmt chunk and the fact chunk non-PCM formats need.
    public static func header(format: WAVFormat, dataByteCount: Int) -> [UInt8] {
        let dataSize = UInt32(clamping: max(0, dataByteCount))
        let pcm = format.encoding == .pcm16
        var out: [UInt8] = []
        out.reserveCapacity(58)
        let fmtSize: UInt32 = pcm ? 16 : 18
        let factSize: UInt32 = pcm ? 0 : 12
        let riffSize = 4 + (8 + fmtSize) + factSize + 8 + dataSize + (dataSize & 1)
        out += Array("RIFF".utf8); put32(riffSize, &out); out += Array("WAVE".utf8)
        out += Array("fmt ".utf8); put32(fmtSize, &out)
        put16(format.encoding.rawValue, &out)
        put16(1, &out)                                   // channels
        put32(format.sampleRate, &out)
        put32(format.byteRate, &out)
        put16(UInt16(format.bytesPerSample), &out)       // block align
        put16(format.encoding.bitsPerSample, &out)
        if !pcm {
            put16(0, &out)                               // cbSize
            out += Array("fact".utf8); put32(4, &out)
            put32(dataSize / UInt32(format.bytesPerSample), &out)   // sample frames
        }
        out += Array("data".utf8); put32(dataSize, &out)
        return out
    }

    private static func fourCC(_ b: [UInt8], _ o: Int) -> String {
        String(decoding: b[o..<(o + 4)], as: UTF8.self)
    }
    private static func le16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
    private static func put16(_ v: UInt16, _ out: inout [UInt8]) { out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8)) }
    private static func put32(_ v: UInt32, _ out: inout [UInt8]) {
        for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> UInt32(s)) & 0xFF)) }
    }
}
