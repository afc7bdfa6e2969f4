// A pseudo-terminal standing in for one USB serial function of a modem (its AT port or its
// audio port). The simulator keeps the master; the gateway opens the slave through a stable
// symlink, exactly as it would open /dev/ttyUSBn (toolchain.md §4).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// An open pty pair plus the symlink that names its slave.
struct PseudoTerminal {
    /// Master side, handed to NIO (which then owns and closes it).
    let masterFD: CInt
    /// Slave side, held open by the simulator for the life of the pty. Without it, the master
    /// read returns EIO each time the gateway closes the port (and NIO would tear the channel
    /// down); with it, a closed port just buffers output like a real tty nobody reads.
    let slaveFD: CInt
    /// `/dev/pts/N`
    let slavePath: String
    /// The stable name the gateway opens.
    let linkPath: String

    /// Opens a pty pair in raw mode and points `linkPath` at its slave (replacing any link).
    static func open(linkPath: String) throws(SimulatorError) -> PseudoTerminal {
        var master: CInt = -1
        var slave: CInt = -1
        var name = [CChar](repeating: 0, count: 128)
        guard openpty(&master, &slave, &name, nil, nil) == 0 else {
            throw .system(operation: "openpty", errno: errno)
        }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        let slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Raw mode on the slave: the line discipline must neither echo nor translate CR/LF,
        // or the gateway would see its own commands twice and CR turned into LF.
        var t = termios()
        if tcgetattr(slave, &t) == 0 {
            cfmakeraw(&t)
            cfsetispeed(&t, speed_t(B115200))
            cfsetospeed(&t, speed_t(B115200))
            t.c_cflag |= tcflag_t(CLOCAL | CREAD)
            withUnsafeMutableBytes(of: &t.c_cc) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
            _ = tcsetattr(slave, TCSANOW, &t)
        }
        do {
            try Self.link(linkPath, to: slavePath)
        } catch {
            close(master); close(slave)
            throw error
        }
        return PseudoTerminal(masterFD: master, slaveFD: slave, slavePath: slavePath, linkPath: linkPath)
    }

    /// Points `path` at `target` atomically (symlink under a temporary name, then rename), so a
    /// gateway polling the path never sees it missing during a replug.
    static func link(_ path: String, to target: String) throws(SimulatorError) {
        let tmp = path + ".tmp-\(getpid())"
        unlink(tmp)
        guard symlink(target, tmp) == 0 else { throw .system(operation: "symlink \(path)", errno: errno) }
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw .system(operation: "rename \(path)", errno: e)
        }
    }

    /// Removes the symlink only if it still points at this pty (a replug may have moved it).
    func removeLink() {
        var buf = [CChar](repeating: 0, count: 256)
        let n = readlink(linkPath, &buf, buf.count - 1)
        guard n > 0 else { return }
        let target = String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if target == slavePath { unlink(linkPath) }
    }

    /// Bytes written to the master that the reader of the slave has not read yet (FIONREAD).
    func unreadOutput() -> Int {
        var n: CInt = 0
        let r = withUnsafeMutablePointer(to: &n) { ioctl(slaveFD, UInt(FIONREAD), $0) }
        return r == 0 ? Int(n) : 0
    }

    func closeSlave() {
        close(slaveFD)
    }
}

/// Creates a directory and its parents if missing.
func makeDirectory(_ path: String) throws(SimulatorError) {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw .system(operation: "mkdir \(path)", errno: EIO)
    }
}
