// How the CLI's requests reach simgated: AsyncHTTPClient over the unix socket, or over TCP
// (plain or TLS). One HTTPClient per run of `simgate`, made on the first request, shut down
// when the command is done; `simgate at decode` never makes one.
import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Why a request did not get a response. The CLI turns each into one line of text.
enum TransportError: Error, Equatable {
    /// ENOENT / ECONNREFUSED: nothing listens there.
    case notRunning(endpoint: String, detail: String)
    case permissionDenied(endpoint: String)
    case timedOut(endpoint: String, seconds: Double)
    case connectionLost(endpoint: String, detail: String)
    case addressTooLong(path: String, limit: Int)
    case hostNotFound(host: String)
    case tlsFailed(endpoint: String, detail: String)
    case certificateUnreadable(path: String, detail: String)
    case answerTooLarge(endpoint: String, limit: Int)
    /// Something answered, but not in HTTP (e.g. --url pointed at an SSH port).
    case notHTTP(endpoint: String, detail: String)
}

struct HTTPRequest {
    var method: HTTPMethod
    var path: String
    var body: [UInt8]?
}

struct HTTPAnswer {
    var status: Int
    var reason: String
    var body: [UInt8]
}

final class ControlTransport: Sendable {
    /// A CDR or SMS listing of 1000 rows is well under 1 MiB; this bounds what a broken or
    /// hostile endpoint can make the CLI hold in memory.
    static let maximumAnswerBytes = 16 << 20

    /// sun_path is 108 bytes on Linux, one of them the terminating NUL.
    static let maximumSocketPathBytes = 107

    private let client = NIOLockedValueBox<HTTPClient?>(nil)

    init() {}

    func perform(_ request: HTTPRequest, at endpoint: DaemonEndpoint, timeout: Double) async throws -> HTTPAnswer {
        let http = try httpClient(for: endpoint)
        var outgoing = HTTPClientRequest(url: try url(of: request.path, at: endpoint))
        outgoing.method = request.method
        // HTTP/1.1 needs a Host; AsyncHTTPClient sends none for a unix socket.
        if case .unixSocket = endpoint { outgoing.headers.add(name: "Host", value: "localhost") }
        outgoing.headers.add(name: "User-Agent", value: "simgate")
        outgoing.headers.add(name: "Accept", value: "application/json")
        if case .tcp(_, _, let token?, _, _) = endpoint { outgoing.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body = request.body {
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        } else if request.method == .POST {
            outgoing.body = .bytes(ByteBuffer())
        }
        let wait = TimeAmount.milliseconds(Int64((timeout * 1000).rounded(.up)))
        do {
            let response = try await http.execute(outgoing, timeout: wait)
            let body = try await response.body.collect(upTo: Self.maximumAnswerBytes)
            return HTTPAnswer(status: Int(response.status.code), reason: response.status.reasonPhrase,
                              body: Array(buffer: body))
        } catch let error as TransportError {
            throw error
        } catch {
            throw Self.transportError(error, endpoint: endpoint, timeout: timeout)
        }
    }

    func shutdown() async {
        guard let http = client.withLockedValue({ value -> HTTPClient? in defer { value = nil }; return value }) else { return }
        try? await http.shutdown()
    }

    // MARK: - Set-up

    private func httpClient(for endpoint: DaemonEndpoint) throws -> HTTPClient {
        if case .unixSocket(let path) = endpoint, path.utf8.count > Self.maximumSocketPathBytes {
            throw TransportError.addressTooLong(path: path, limit: Self.maximumSocketPathBytes)
        }
        if let existing = client.withLockedValue({ $0 }) { return existing }
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.httpVersion = .http1Only
        // Fail at once when nothing listens: the user is waiting, and "not running" is the
        // answer, not something to retry for the whole connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        if case .tcp(_, _, _, true, let caFile) = endpoint {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile {
                do {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw TransportError.certificateUnreadable(path: caFile, detail: "\(error)")
                }
            }
            configuration.tlsConfiguration = tls
        }
        let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let winner = client.withLockedValue { value -> (HTTPClient, Bool) in
            if let value { return (value, false) }
            value = made
            return (made, true)
        }
        if !winner.1 { made.shutdown { _ in } }
        return winner.0
    }

    private func url(of path: String, at endpoint: DaemonEndpoint) throws -> String {
        switch endpoint {
        case .unixSocket(let socketPath):
            guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
                throw TransportError.notRunning(endpoint: socketPath, detail: "bad socket path \(socketPath)")
            }
            return url.absoluteString
        case .tcp:
            return endpoint.description + path
        }
    }

    // MARK: - Errors

    /// Maps what NIO and AsyncHTTPClient throw to the few cases a user can act on.
    static func transportError(_ error: any Error, endpoint: DaemonEndpoint, timeout: Double) -> TransportError {
        let name = endpoint.description
        if let errno = errnoCode(in: error) {
            switch errno {
            case ENOENT: return .notRunning(endpoint: name, detail: "no socket at \(name)")
            case ECONNREFUSED: return .notRunning(endpoint: name, detail: "connection refused at \(name)")
            case EACCES, EPERM: return .permissionDenied(endpoint: name)
            default: return .connectionLost(endpoint: name, detail: String(cString: strerror(errno)))
            }
        }
        if let connection = error as? NIOConnectionError, connection.connectionErrors.isEmpty,
           case .tcp(let host, _, _, _, _) = endpoint {
            return .hostNotFound(host: host)
        }
        if let parse = error as? HTTPParserError {
            if parse == .invalidEOFState { return .connectionLost(endpoint: name, detail: "the answer was cut short") }
            return .notHTTP(endpoint: name, detail: "\(parse)")
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return .tlsFailed(endpoint: name, detail: "\(error)")
        }
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .tlsHandshakeTimeout:
                return .timedOut(endpoint: name, seconds: timeout)
            case .remoteConnectionClosed:
                return .connectionLost(endpoint: name, detail: "the daemon closed the connection")
            default:
                return .connectionLost(endpoint: name, detail: "\(client)")
            }
        }
        if error is NIOTooManyBytesError { return .answerTooLarge(endpoint: name, limit: maximumAnswerBytes) }
        if let channel = error as? ChannelError, case .connectTimeout = channel {
            return .timedOut(endpoint: name, seconds: timeout)
        }
        return .connectionLost(endpoint: name, detail: "\(error)")
    }

    /// The errno of a failed connect, wherever NIO put it.
    private static func errnoCode(in error: any Error) -> Int32? {
        if let io = error as? IOError { return io.errnoCode }
        if let connection = error as? NIOConnectionError {
            return connection.connectionErrors.lazy.compactMap { errnoCode(in: $0.error) }.first
        }
        return nil
    }
}
