// Test fixtures: a client that opens a simulated port the way the gateway opens /dev/ttyUSBn,
// and simulator configs in a private temporary directory.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import ModemSimulator

/// A pty slave opened like a real serial port, read with poll() and short deadlines so a
/// misbehaving simulator fails a test instead of hanging the suite.
final class PortClient {
    let fd: CInt
    private var buffer: [UInt8] = []

    enum ReadEnd: Equatable { case eof, eio }

    init(path: String) throws {
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw SimulatorError.system(operation: "open \(path)", errno: errno) }
        self.fd = fd
        // What the modem printed before anyone opened the port (boot banner) is not part of
        // the conversation under test.
        tcflush(fd, TCIFLUSH)
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 { off += n } else { usleep(1000) }
        }
    }

    func send(bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 { off += n } else { usleep(1000) }
        }
    }

    /// Reads whatever arrives within `seconds` (or until the port ends).
    @discardableResult
    func pump(for seconds: Double) -> ReadEnd? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            if let end = pumpOnce(timeoutMS: Int32(max(1, left * 1000))) { return end }
        }
    }

    /// One poll()+read(); nil while the port is alive.
    private func pumpOnce(timeoutMS: Int32) -> ReadEnd? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, timeoutMS)
        guard r > 0 else { return nil }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n > 0 { buffer += chunk[..<n]; return nil }
        if n == 0 { return .eof }
        if errno == EIO { return .eio }
        if errno == EAGAIN || errno == EINTR { return nil }
        return .eio
    }

    /// Reads until the received text contains `marker` (or the timeout), then returns and
    /// consumes everything received so far.
    func read(until marker: String, timeout: Double = 3) -> String {
        let m = Array(marker.utf8)
        let deadline = Date().addingTimeInterval(timeout)
        while !contains(m), deadline.timeIntervalSinceNow > 0 {
            if pumpOnce(timeoutMS: Int32(max(1, deadline.timeIntervalSinceNow * 1000))) != nil { break }
        }
        return take()
    }

    /// Reads until at least `count` bytes arrived (or the timeout) and consumes exactly that many.
    func read(count: Int, timeout: Double = 3) -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while buffer.count < count, deadline.timeIntervalSinceNow > 0 {
            if pumpOnce(timeoutMS: Int32(max(1, deadline.timeIntervalSinceNow * 1000))) != nil { break }
        }
        let out = Array(buffer.prefix(count))
        buffer.removeFirst(out.count)
        return out
    }

    /// Sends a command line and returns everything up to and including its final result.
    func command(_ line: String, final: String = "OK\r\n", timeout: Double = 3) -> String {
        send(line + "\r")
        return read(until: final, timeout: timeout)
    }

    func take() -> String {
        let s = String(decoding: buffer, as: UTF8.self)
        buffer.removeAll()
        return s
    }

    /// Waits for the port to end; returns how it ended (nil = still open at the timeout).
    func waitForEnd(timeout: Double = 3) -> ReadEnd? {
        pump(for: timeout)
    }

    private func contains(_ m: [UInt8]) -> Bool {
        guard buffer.count >= m.count, !m.isEmpty else { return m.isEmpty }
        for i in 0...(buffer.count - m.count) where buffer[i] == m[0] {
            if Array(buffer[i..<(i + m.count)]) == m { return true }
        }
        return false
    }
}

enum Fixture {
    static func tempDirectory() -> String {
        let dir = "/tmp/msim-test-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func modem(_ name: String, _ vendor: Vendor, pin: String? = nil, signal: Int = 20,
                      technology: AccessTechnology = .umts) -> ModemConfig {
        let imei: String = switch vendor {
        case .huawei: "354099000000012"
        case .quectel: "866000000000029"
        case .simcom: "862000000000031"
        case .generic: "490154203237518"
        }
        return ModemConfig(
            name: name, vendor: vendor,
            identity: ModemIdentity(imei: imei, imsi: "250010000000001", iccid: "8970100000000000012", msisdn: "+79160000001"),
            network: NetworkConfig(mccmnc: "25001", longName: "MTS RUS", shortName: "MTS", accessTechnology: technology,
                                   lac: "1A2B", cellId: "0000C0DE"),
            signal: signal, pin: pin, rebootSeconds: 0.3, ringInterval: 0.2)
    }

    /// Runs `body` with a started simulator and always stops it (links, ptys, loop thread).
    static func withSimulator<T>(_ modems: [ModemConfig], controlSocket: Bool = false,
                                 _ body: (ModemSimulator, String) async throws -> T) async throws -> T {
        let dir = tempDirectory()
        let config = SimulatorConfig(controlSocket: controlSocket ? "\(dir)/control.sock" : nil,
                                     linkDirectory: dir, modems: modems)
        let sim = try await ModemSimulator.start(config)
        do {
            let result = try await body(sim, dir)
            await sim.stop()
            try? FileManager.default.removeItem(atPath: dir)
            return result
        } catch {
            await sim.stop()
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    /// Opens a modem's AT port and switches echo off (checking the echoed ATE0 on the way).
    static func openAT(_ sim: ModemSimulator, _ name: String, echoOff: Bool = true) async throws -> PortClient {
        let client = try PortClient(path: try await sim.portPaths(name).at)
        if echoOff {
            let r = client.command("ATE0")
            guard r == "ATE0\r\r\nOK\r\n" else { throw SimulatorError.invalidArgument("unexpected ATE0 answer \(r.debugDescription)") }
        }
        return client
    }
}
