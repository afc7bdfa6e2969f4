// A small blocking HTTP/1.1 client over a unix-domain (or TCP) socket, with POSIX calls.
//
// The CLI makes one request per run, so there is no event loop: connect, write the request,
// read until the response is complete or the peer closes, all bounded by one deadline that
// `poll` enforces. `Connection: close` keeps the framing simple.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a request did not get a response. The CLI turns each into one line of text.
enum TransportError: Error, Equatable {
    /// ENOENT / ECONNREFUSED: nothing listens there.
    case notRunning(endpoint: String, detail: String)
    case permissionDenied(endpoint: String)
    case timedOut(endpoint: String, phase: String, seconds: Double)
    case connectionLost(endpoint: String, errno: Int32)
    case addressTooLong(path: String, limit: Int)
    case hostNotFound(host: String, detail: String)
    case malformedResponse(endpoint: String, HTTPResponseError)
}

struct HTTPRequest {
    var method: String
    var path: String
    var body: [UInt8]?
    var headers: [(String, String)] = []
}

struct BlockingHTTPClient {
    var endpoint: DaemonEndpoint
    /// Whole-request deadline in seconds (connect + write + read).
    var timeout: Double

    func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        let deadline = Deadline(seconds: timeout)
        let fd = try openConnection(deadline: deadline)
        defer { close(fd) }
        try writeAll(fd, requestBytes(request), deadline: deadline)
        return try readResponse(fd, deadline: deadline)
    }

    func requestBytes(_ request: HTTPRequest) -> [UInt8] {
        var head = "\(request.method) \(request.path) HTTP/1.1\r\n"
        switch endpoint {
        case .unixSocket: head += "Host: localhost\r\n"
        case .tcp(let host, let port, let token):
            head += "Host: \(host.contains(":") ? "[\(host)]" : host):\(port)\r\n"
            if let token { head += "Authorization: Bearer \(token)\r\n" }
        }
        head += "User-Agent: simgate\r\nAccept: application/json\r\nConnection: close\r\n"
        for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
        if let body = request.body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        } else if request.method == "POST" {
            head += "Content-Length: 0\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + (request.body ?? [])
    }

    // MARK: - Connect

    private func openConnection(deadline: Deadline) throws -> Int32 {
        switch endpoint {
        case .unixSocket(let path): return try connectUnix(path: path, deadline: deadline)
        case .tcp(let host, let port, _): return try connectTCP(host: host, port: port, deadline: deadline)
        }
    }

    private func connectUnix(path: String, deadline: Deadline) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw TransportError.addressTooLong(path: path, limit: capacity - 1) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, socketStream, 0)
        guard fd >= 0 else { throw TransportError.connectionLost(endpoint: path, errno: errno) }
        do {
            try connectNonBlocking(fd, address: &address, endpoint: path, deadline: deadline)
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    private func connectTCP(host: String, port: UInt16, deadline: Deadline) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = socketStream
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw TransportError.hostNotFound(host: host, detail: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var lastError: Error = TransportError.hostNotFound(host: host, detail: "no address")
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd < 0 { lastError = TransportError.connectionLost(endpoint: endpoint.description, errno: errno); continue }
            do {
                try connectNonBlocking(fd, raw: info.pointee.ai_addr, length: info.pointee.ai_addrlen,
                                       endpoint: endpoint.description, deadline: deadline)
                return fd
            } catch {
                close(fd)
                lastError = error
            }
        }
        throw lastError
    }

    private func connectNonBlocking<Address>(
        _ fd: Int32, address: inout Address, endpoint: String, deadline: Deadline
    ) throws {
        try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try connectNonBlocking(fd, raw: sa, length: socklen_t(MemoryLayout<Address>.size),
                                       endpoint: endpoint, deadline: deadline)
            }
        }
    }

    private func connectNonBlocking(
        _ fd: Int32, raw: UnsafePointer<sockaddr>, length: socklen_t, endpoint: String, deadline: Deadline
    ) throws {
        // Non-blocking so a TCP connect to a silent host obeys the deadline; every later
        // read and write waits in poll first.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var rc = connect(fd, raw, length)
        var error = rc == 0 ? 0 : errno
        if error == EINPROGRESS || error == EAGAIN {
            try wait(fd, for: Int16(POLLOUT), deadline: deadline, phase: "connect", endpoint: endpoint)
            var soError: Int32 = 0
            var soLength = socklen_t(MemoryLayout<Int32>.size)
            rc = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &soLength)
            error = rc == 0 ? soError : errno
        }
        switch error {
        case 0: return
        case ENOENT: throw TransportError.notRunning(endpoint: endpoint, detail: "no socket at \(endpoint)")
        case ECONNREFUSED:
            throw TransportError.notRunning(endpoint: endpoint, detail: "connection refused at \(endpoint)")
        case EACCES, EPERM: throw TransportError.permissionDenied(endpoint: endpoint)
        default: throw TransportError.connectionLost(endpoint: endpoint, errno: error)
        }
    }

    // MARK: - Write and read

    private func writeAll(_ fd: Int32, _ bytes: [UInt8], deadline: Deadline) throws {
        var offset = 0
        while offset < bytes.count {
            try wait(fd, for: Int16(POLLOUT), deadline: deadline, phase: "sending the request",
                     endpoint: endpoint.description)
            // MSG_NOSIGNAL: a daemon that dies mid-request must give EPIPE, not kill the CLI.
            let n = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw TransportError.connectionLost(endpoint: endpoint.description, errno: errno)
            }
            offset += n
        }
    }

    private func readResponse(_ fd: Int32, deadline: Deadline) throws -> HTTPResponse {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            try wait(fd, for: Int16(POLLIN), deadline: deadline, phase: "waiting for the answer",
                     endpoint: endpoint.description)
            let n = chunk.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress, raw.count, 0) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                // A reset after a complete answer is still an answer.
                if let complete = try? HTTPResponseParser.parse(buffer, atEOF: true) { return complete }
                throw TransportError.connectionLost(endpoint: endpoint.description, errno: errno)
            }
            let atEOF = n == 0
            buffer.append(contentsOf: chunk[0..<n])
            do {
                if let response = try HTTPResponseParser.parse(buffer, atEOF: atEOF) { return response }
            } catch let error as HTTPResponseError {
                throw TransportError.malformedResponse(endpoint: endpoint.description, error)
            }
            // parse(atEOF: true) never returns nil, so the loop ends at EOF.
        }
    }

    private func wait(_ fd: Int32, for events: Int16, deadline: Deadline, phase: String, endpoint: String) throws {
        while true {
            let remaining = deadline.remainingMilliseconds()
            if remaining <= 0 { throw TransportError.timedOut(endpoint: endpoint, phase: phase, seconds: timeout) }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&pfd, 1, Int32(clamping: remaining))
            if rc > 0 { return }  // ready, or POLLERR/POLLHUP: the next call reports what happened
            if rc < 0 && errno != EINTR {
                throw TransportError.connectionLost(endpoint: endpoint, errno: errno)
            }
        }
    }
}

/// A monotonic deadline (CLOCK_MONOTONIC: wall-clock jumps must not stretch a timeout).
struct Deadline {
    private let end: UInt64

    init(seconds: Double) {
        end = Deadline.nowNanoseconds() &+ UInt64(max(0, seconds) * 1_000_000_000)
    }

    func remainingMilliseconds() -> Int64 {
        let now = Deadline.nowNanoseconds()
        return now >= end ? 0 : Int64((end - now + 999_999) / 1_000_000)
    }

    private static func nowNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

#if canImport(Glibc)
private let socketStream = Int32(SOCK_STREAM.rawValue)
#else
private let socketStream = SOCK_STREAM
#endif
