// Conversion between the modems' byte stream (signed 16-bit little-endian mono, 320-byte
// frames every 20 ms at 8 kHz, 640 bytes at 16 kHz) and Int16 samples, without allocation.

public enum PCMFrame {
    /// 20 ms at 8 kHz.
    public static let samplesPerFrame = 160
    /// 20 ms of s16le at 8 kHz: the frame size chan_dongle and chan_quectel exchange.
    public static let bytesPerFrame = 320
    /// 20 ms at 16 kHz (SIMCom after AT+CPCMFRM=1).
    public static let samplesPerWidebandFrame = 320
    public static let bytesPerWidebandFrame = 640
    /// Frame duration in nanoseconds.
    public static let frameNanoseconds: Int64 = 20_000_000

    /// Reads `min(bytes.count / 2, samples.count)` little-endian samples; returns that count.
    /// An odd trailing byte is ignored (the caller's framer keeps it for the next read).
    @discardableResult
    public static func samples(fromS16LE bytes: UnsafeRawBufferPointer,
                               into samples: UnsafeMutableBufferPointer<Int16>) -> Int {
        let n = min(bytes.count / 2, samples.count)
        for i in 0..<n {
            let lo = UInt16(bytes[2 * i]), hi = UInt16(bytes[2 * i + 1])
            samples[i] = Int16(bitPattern: lo | hi << 8)
        }
        return n
    }

    /// Writes `min(samples.count, bytes.count / 2)` samples as s16le; returns bytes written.
    @discardableResult
    public static func s16le(from samples: UnsafeBufferPointer<Int16>,
                             into bytes: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(samples.count, bytes.count / 2)
        for i in 0..<n {
            let v = UInt16(bitPattern: samples[i])
            bytes[2 * i] = UInt8(truncatingIfNeeded: v)
            bytes[2 * i + 1] = UInt8(truncatingIfNeeded: v >> 8)
        }
        return 2 * n
    }

    /// Mean power of the samples in dBFS (0 dBFS = full-scale square wave); -inf when silent.
    /// Used for the "silent leg" health check (gateway-survey §3, complaint 2).
    public static func levelDBFS(_ samples: UnsafeBufferPointer<Int16>) -> Double {
        guard !samples.isEmpty else { return -.infinity }
        var sum = 0.0
        for s in samples { let d = Double(s); sum += d * d }
        let ms = sum / Double(samples.count)
        return ms == 0 ? -.infinity : 10 * log10Approx(ms / (32768.0 * 32768.0))
    }
}

/// Cuts an arbitrary-sized byte stream from the modem's audio port into whole frames.
/// Serial reads return any number of bytes, including odd ones; this keeps the remainder.
/// Storage is fixed at init: at most one frame is ever buffered.
public struct PCMFramer: Sendable {
    public let frameBytes: Int
    private var pending: [UInt8]
    private var pendingCount = 0

    public init(frameBytes: Int = PCMFrame.bytesPerFrame) {
        self.frameBytes = max(2, frameBytes)
        pending = [UInt8](repeating: 0, count: self.frameBytes)
    }

    /// Bytes waiting for the rest of their frame.
    public var bufferedBytes: Int { pendingCount }

    /// Drops any partial frame (call start/end: the survey's "noise at answer" comes from
    /// stale audio left in buffers, so each call starts empty).
    public mutating func reset() { pendingCount = 0 }

    /// Feeds `bytes`; calls `frame` once per completed frame with a view valid only during the call.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, frame: (UnsafeRawBufferPointer) -> Void) {
        var offset = 0
        let fb = frameBytes
        pending.withUnsafeMutableBytes { buf in
            while offset < bytes.count {
                if pendingCount == 0 && bytes.count - offset >= fb {
                    frame(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + fb]))
                    offset += fb
                    continue
                }
                let take = min(fb - pendingCount, bytes.count - offset)
                for i in 0..<take { buf[pendingCount + i] = bytes[offset + i] }
                pendingCount += take
                offset += take
                if pendingCount == fb {
                    frame(UnsafeRawBufferPointer(buf))
                    pendingCount = 0
                }
            }
        }
    }
}

/// log10 without Foundation (MediaCore stays dependency-free).
@inline(__always)
func log10Approx(_ x: Double) -> Double { MathFunctions.log10(x) }
