// A modem's audio port: serial PCM (s16le mono, 20 ms frames) on a tty.
//
// Reads go through NIO (the tty is non-blocking; bytes arrive in any size and are cut into
// frames by MediaCore's PCMFramer). Writes do NOT: each 20 ms the shared `AudioPacer` asks
// every port for one frame, and the port writes it with one write(2) on a dup of the
// descriptor, from a buffer allocated once. A NIO write would allocate a ByteBuffer per
// frame; on a tty the kernel takes 320 bytes at once or says EAGAIN (then the frame is
// dropped and counted: a stalled modem must never make us queue audio without bound).
//
// Concurrency: every property is touched only on `loop` (the channel's loop, and the pacer
// of that loop calls `tick` there); `@unchecked Sendable` rests on that confinement.
import Foundation
import MediaCore
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

final class AudioPort: @unchecked Sendable {
    let path: String
    let loop: EventLoop
    /// Rate on the wire; the media side is always 8 kHz.
    let sampleRate: Int

    /// Called with each received frame (160 samples, 8 kHz), valid only during the call.
    var onFrame: ((UnsafeBufferPointer<Int16>) -> Void)?
    /// Fills the next 8 kHz frame to send; false = nothing to send (silence goes out).
    var source: ((UnsafeMutableBufferPointer<Int16>) -> Bool)?
    /// The port went away (EIO on unplug) or could not be read.
    var onClosed: ((String) -> Void)?

    private(set) var framesIn = 0
    private(set) var framesOut = 0
    /// Frames written as silence because the source had nothing.
    private(set) var underruns = 0
    /// Frames the tty refused (EAGAIN): the modem is not reading.
    private(set) var writeDrops = 0
    private(set) var isOpen = false

    private var channel: Channel?
    private var writeFD: Int32 = -1
    private var framer: PCMFramer
    private var wireIn: [Int16]
    private var mediaIn = [Int16](repeating: 0, count: PCMFrame.samplesPerFrame)
    private var mediaOut = [Int16](repeating: 0, count: PCMFrame.samplesPerFrame)
    private var wireOut: [Int16]
    private var outBytes: [UInt8]
    private var upsampler = Upsampler()
    private var downsampler = Downsampler()
    private var closing = false

    init(path: String, sampleRate: Int, loop: EventLoop) {
        self.path = path
        self.loop = loop
        self.sampleRate = sampleRate == 16000 ? 16000 : 8000
        let wideband = self.sampleRate == 16000
        let samples = wideband ? PCMFrame.samplesPerWidebandFrame : PCMFrame.samplesPerFrame
        framer = PCMFramer(frameBytes: samples * 2)
        wireIn = [Int16](repeating: 0, count: samples)
        wireOut = [Int16](repeating: 0, count: samples)
        outBytes = [UInt8](repeating: 0, count: samples * 2)
    }

    /// Opens the tty raw (SerialPort: flushes whatever the modem said before) and starts reading.
    func open() -> EventLoopFuture<Void> {
        loop.flatSubmit {
            let fd: Int32
            do { fd = try SerialPort.open(path: self.path) } catch { return self.loop.makeFailedFuture(error) }
            let writer = dup(fd)
            guard writer >= 0 else {
                let e = errno
                Glibc.close(fd)
                return self.loop.makeFailedFuture(SerialPortError(path: self.path, operation: "dup", errno: e))
            }
            self.writeFD = writer
            let handler: @Sendable () -> ChannelHandler = {
                SerialBytesHandler(onBytes: { self.received($0) }, onClose: { self.channelClosed($0) })
            }
            return SerialPort.channel(fd: fd, on: self.loop, handler: handler).map { channel in
                self.channel = channel
                self.isOpen = true
                self.framer.reset()
                self.upsampler.reset()
                self.downsampler.reset()
            }.flatMapErrorThrowing { error in
                Glibc.close(writer)
                self.writeFD = -1
                throw error
            }
        }
    }

    /// Flushes both directions (stale audio must not leak into the next call) and closes.
    func close() {
        loop.assertInEventLoop()
        guard !closing else { return }
        closing = true
        isOpen = false
        if writeFD >= 0 {
            tcflush(writeFD, TCIOFLUSH)
            Glibc.close(writeFD)
            writeFD = -1
        }
        channel?.close(promise: nil)
        channel = nil
    }

    // MARK: Per frame (steady path: no allocation)

    private func received(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            framer.feed(bytes) { frame in self.frameReceived(frame) }
        }
    }

    private func frameReceived(_ frame: UnsafeRawBufferPointer) {
        framesIn += 1
        guard let onFrame else { return }
        if sampleRate == 16000 {
            wireIn.withUnsafeMutableBufferPointer { wire in
                PCMFrame.samples(fromS16LE: frame, into: wire)
                mediaIn.withUnsafeMutableBufferPointer { media in
                    let n = downsampler.process(UnsafeBufferPointer(wire), into: media)
                    onFrame(UnsafeBufferPointer(rebasing: media[0..<n]))
                }
            }
        } else {
            mediaIn.withUnsafeMutableBufferPointer { media in
                PCMFrame.samples(fromS16LE: frame, into: media)
                onFrame(UnsafeBufferPointer(media))
            }
        }
    }

    /// One 20 ms slot: writes the source's frame, or silence. Returns false when closed.
    @discardableResult
    func tick() -> Bool {
        guard isOpen, writeFD >= 0 else { return false }
        let had = mediaOut.withUnsafeMutableBufferPointer { media in source?(media) ?? false }
        if !had {
            underruns += source == nil ? 0 : 1
            for i in mediaOut.indices { mediaOut[i] = 0 }
        }
        let byteCount: Int
        if sampleRate == 16000 {
            byteCount = mediaOut.withUnsafeBufferPointer { media in
                wireOut.withUnsafeMutableBufferPointer { wire in
                    let n = upsampler.process(media, into: wire)
                    return outBytes.withUnsafeMutableBytes { PCMFrame.s16le(from: UnsafeBufferPointer(rebasing: wire[0..<n]), into: $0) }
                }
            }
        } else {
            byteCount = mediaOut.withUnsafeBufferPointer { media in
                outBytes.withUnsafeMutableBytes { PCMFrame.s16le(from: media, into: $0) }
            }
        }
        let written = outBytes.withUnsafeBytes { Glibc.write(writeFD, $0.baseAddress, byteCount) }
        if written == byteCount {
            framesOut += 1
        } else {
            writeDrops += 1
        }
        return true
    }

    private func channelClosed(_ reason: String) {
        let wasOpen = isOpen && !closing
        isOpen = false
        if writeFD >= 0 { Glibc.close(writeFD); writeFD = -1 }
        channel = nil
        if wasOpen { onClosed?(reason) }
    }
}
