// The control channel: a unix-domain stream socket carrying one-line text commands and
// one-line replies (`ok ...` / `error <why>`), served on the simulator's event loop, plus a
// small blocking client for `modemsim ctl` and for tests.
#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Splits the byte stream into lines and answers each in order.
final class ControlLineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A command is a few words; anything longer is a confused client, not a command.
    static let maximumLineLength = 4096

    private let engine: NIOLoopBound<SimulatorEngine>
    private var pending: [UInt8] = []
    /// Replies go out in command order even when a command (unplug, replug) completes later.
    private var tail: EventLoopFuture<Void>?

    init(engine: NIOLoopBound<SimulatorEngine>) { self.engine = engine }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        pending.append(contentsOf: buffer.readableBytesView)
        while let nl = pending.firstIndex(of: 0x0A) {
            var lineBytes = pending[..<nl]
            if lineBytes.last == 0x0D { lineBytes = lineBytes.dropLast() }
            let line = String(decoding: lineBytes, as: UTF8.self).trimmingCharactersInSet()
            pending.removeSubrange(...nl)
            if !line.isEmpty { answer(line, context: context) }
        }
        if pending.count > Self.maximumLineLength {
            pending.removeAll()
            write("error line longer than \(Self.maximumLineLength) bytes", context: context)
            context.close(promise: nil)
        }
    }

    private func answer(_ line: String, context: ChannelHandlerContext) {
        let engine = self.engine
        let start = tail ?? context.eventLoop.makeSucceededVoidFuture()
        let next = start.flatMap { engine.value.execute(line) }
        tail = next.assumeIsolated().map { reply in
            self.write(reply, context: context)
        }.nonisolated()
    }

    private func write(_ reply: String, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var buf = context.channel.allocator.buffer(capacity: reply.utf8.count + 1)
        buf.writeString(reply)
        buf.writeInteger(UInt8(0x0A))
        context.writeAndFlush(wrapOutboundOut(buf), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

extension String {
    func trimmingCharactersInSet() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}

/// Sends one command to a running simulator and returns its one-line reply.
public enum ControlClient {
    public static func send(_ command: String, socketPath: String, timeoutSeconds: Int = 10) throws(SimulatorError) -> String {
        guard !command.contains("\n") else { throw .invalidArgument("command must be one line") }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system(operation: "socket", errno: errno) }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard pathBytes.count < capacity else { throw .invalidArgument("socket path longer than \(capacity - 1) bytes") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in pathBytes.enumerated() { raw[i] = b }
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw .system(operation: "connect \(socketPath)", errno: errno) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let out = Array((command + "\n").utf8)
        var written = 0
        while written < out.count {
            let n = out[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(operation: "write control socket", errno: errno)
            }
            written += n
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !reply.contains(0x0A) {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(operation: "read control socket", errno: errno)
            }
            if n == 0 { break }
            reply += chunk[..<n]
            if reply.count > 1 << 20 { throw .invalidArgument("reply longer than 1 MiB") }
        }
        let line = reply.split(separator: 0x0A, omittingEmptySubsequences: false).first ?? []
        return String(decoding: line, as: UTF8.self)
    }
}
