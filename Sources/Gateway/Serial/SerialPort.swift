// Opening a modem's serial port (a real /dev/ttyUSBn or a pseudo-terminal from modemsim)
// and handing it to NIO.
//
// Why each flag: O_NOCTTY so a daemon without a controlling terminal never acquires the
// modem as one; O_CLOEXEC so child processes never inherit it; raw mode (cfmakeraw) because
// AT framing is ours to do and the line discipline must not echo, translate CR or buffer
// lines; TIOCEXCL so a second opener (ModemManager, a stray minicom) gets EBUSY instead of
// stealing half of the responses. 115200 8N1 is what every supported USB modem accepts (the
// USB CDC/serial drivers ignore the rate anyway).
import Foundation
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

public struct SerialPortError: Error, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Int32
    public var description: String { "\(path): \(operation) failed: \(String(cString: strerror(errno)))" }
}

public enum SerialPort {
    /// Opens `path` in raw mode and returns the file descriptor; the caller owns it until it
    /// is handed to `channel(fd:...)`.
    public static func open(path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw SerialPortError(path: path, operation: "open", errno: errno) }
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else {
            let e = errno; close(fd)
            throw SerialPortError(path: path, operation: "tcgetattr (not a tty?)", errno: e)
        }
        cfmakeraw(&t)
        cfsetispeed(&t, speed_t(B115200))
        cfsetospeed(&t, speed_t(B115200))
        t.c_cflag |= tcflag_t(CLOCAL | CREAD)
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &t) == 0 else {
            let e = errno; close(fd)
            throw SerialPortError(path: path, operation: "tcsetattr", errno: e)
        }
        _ = ioctl(fd, UInt(TIOCEXCL))
        // Whatever the modem said before we opened it belongs to nobody.
        tcflush(fd, TCIOFLUSH)
        return fd
    }

    /// Wraps an open port in a NIO channel with `handler` as its only stage. NIO takes
    /// ownership of `fd` on success and closes it when the channel closes; on failure the
    /// descriptor is closed here.
    public static func channel(fd: Int32, on eventLoop: EventLoop, handler: @escaping @Sendable () -> ChannelHandler) -> EventLoopFuture<Channel> {
        NIOPipeBootstrap(group: eventLoop)
            .channelOption(.allowRemoteHalfClosure, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
            .takingOwnershipOfDescriptor(inputOutput: fd)
            .flatMapErrorThrowing { error in
                close(fd)
                throw error
            }
    }
}

/// Forwards every byte read from a port, and its end, to the owner. The owner runs on the
/// same event loop, so no hop or copy beyond NIO's own buffer happens per read.
final class SerialBytesHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let onBytes: (ByteBuffer) -> Void
    private let onClose: (String) -> Void
    private var closeReason: String?

    init(onBytes: @escaping (ByteBuffer) -> Void, onClose: @escaping (String) -> Void) {
        self.onBytes = onBytes; self.onClose = onClose
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onBytes(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // EIO on read is how a pty or a USB serial device says "the other end is gone":
        // a hang-up, not a bug.
        if let io = error as? IOError, io.errnoCode == EIO {
            closeReason = closeReason ?? "device gone (EIO)"
        } else {
            closeReason = closeReason ?? "port error: \(error)"
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        onClose(closeReason ?? "port closed (EOF)")
        context.fireChannelInactive()
    }
}
