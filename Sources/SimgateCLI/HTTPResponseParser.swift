// An HTTP/1.1 response parser for the CLI's control-API client.
//
// Pure: it takes the bytes read so far and says "complete", "need more" or "malformed".
// The client sends `Connection: close`, so a body without Content-Length runs to EOF.
// Chunked bodies are decoded too, because a server framework may choose them on its own.
import Foundation

/// One complete HTTP response.
struct HTTPResponse: Equatable {
    var status: Int
    var reason: String
    /// In arrival order; names as sent (look up with `header(_:)`, case-insensitive).
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.reason == b.reason && a.body == b.body
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }
}

/// Why a response could not be understood, naming what and where.
enum HTTPResponseError: Error, Equatable, CustomStringConvertible {
    case headTooLarge(limit: Int)
    case bodyTooLarge(limit: Int)
    case badStatusLine(String)
    case badHeaderLine(String)
    case badContentLength(String)
    case badChunkSize(String)
    case truncated(String)

    var description: String {
        switch self {
        case .headTooLarge(let limit): return "response head exceeds \(limit) bytes"
        case .bodyTooLarge(let limit): return "response body exceeds \(limit) bytes"
        case .badStatusLine(let line): return "bad HTTP status line \(line.debugDescription)"
        case .badHeaderLine(let line): return "bad HTTP header line \(line.debugDescription)"
        case .badContentLength(let value): return "bad Content-Length \(value.debugDescription)"
        case .badChunkSize(let line): return "bad chunk size line \(line.debugDescription)"
        case .truncated(let what): return "connection closed before the end of the \(what)"
        }
    }
}

enum HTTPResponseParser {
    /// A control-API head is a few hundred bytes; 64 KiB means something else is talking.
    static let maxHeadBytes = 64 * 1024
    /// The largest real answer is a modem list: ~3 KiB per modem, 64 modems, plus events.
    /// 16 MiB leaves a wide margin while keeping a runaway peer from eating memory.
    static let maxBodyBytes = 16 * 1024 * 1024

    /// Parses `buffer` (everything read so far). Returns nil when more bytes are needed and
    /// the connection is still open; throws when the bytes can never form a valid response.
    static func parse(_ buffer: [UInt8], atEOF: Bool) throws -> HTTPResponse? {
        guard let headEnd = find(crlfcrlf, in: buffer, from: 0) else {
            if buffer.count > maxHeadBytes { throw HTTPResponseError.headTooLarge(limit: maxHeadBytes) }
            if atEOF { throw HTTPResponseError.truncated("response head") }
            return nil
        }
        if headEnd > maxHeadBytes { throw HTTPResponseError.headTooLarge(limit: maxHeadBytes) }
        let headText = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let (status, reason) = try parseStatusLine(statusLine)
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[line.startIndex..<colon].contains(where: { $0 == " " || $0 == "\t" })
            else { throw HTTPResponseError.badHeaderLine(line) }
            let name = String(line[line.startIndex..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
            headers.append((name, value))
        }
        let bodyStart = headEnd + 4
        var response = HTTPResponse(status: status, reason: reason, headers: headers, body: [])

        // 1xx interim answers and 204/304 carry no body (RFC 9112 §6.3).
        if status / 100 == 1 || status == 204 || status == 304 { return response }

        if let te = response.header("Transfer-Encoding"), te.lowercased().contains("chunked") {
            guard let body = try decodeChunked(buffer, from: bodyStart, atEOF: atEOF) else { return nil }
            response.body = body
            return response
        }
        if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText), length >= 0 else { throw HTTPResponseError.badContentLength(lengthText) }
            if length > maxBodyBytes { throw HTTPResponseError.bodyTooLarge(limit: maxBodyBytes) }
            let available = buffer.count - bodyStart
            if available < length {
                if atEOF { throw HTTPResponseError.truncated("body (\(available) of \(length) bytes)") }
                return nil
            }
            response.body = Array(buffer[bodyStart..<(bodyStart + length)])
            return response
        }
        // No framing: the body runs to EOF (we asked for Connection: close).
        if buffer.count - bodyStart > maxBodyBytes { throw HTTPResponseError.bodyTooLarge(limit: maxBodyBytes) }
        guard atEOF else { return nil }
        response.body = Array(buffer[bodyStart...])
        return response
    }

    private static let crlfcrlf: [UInt8] = [13, 10, 13, 10]
    private static let crlf: [UInt8] = [13, 10]

    private static func parseStatusLine(_ line: String) throws -> (Int, String) {
        // "HTTP/1.1 200 OK"; the reason phrase may be empty or absent.
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3,
              let status = Int(parts[1]), (100...599).contains(status)
        else { throw HTTPResponseError.badStatusLine(line) }
        return (status, parts.count == 3 ? String(parts[2]) : "")
    }

    /// RFC 9112 §7.1: `size[;ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF`.
    private static func decodeChunked(_ buffer: [UInt8], from start: Int, atEOF: Bool) throws -> [UInt8]? {
        var body: [UInt8] = []
        var index = start
        func needMore(_ what: String) throws -> [UInt8]? {
            if atEOF { throw HTTPResponseError.truncated(what) }
            return nil
        }
        while true {
            guard let lineEnd = find(crlf, in: buffer, from: index) else {
                if buffer.count - index > 1024 { throw HTTPResponseError.badChunkSize("(no line end in 1 KiB)") }
                return try needMore("chunk size line")
            }
            let line = String(decoding: buffer[index..<lineEnd], as: UTF8.self)
            let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: [" ", "\t"])
            guard !sizeText.isEmpty, sizeText.count <= 8, let size = Int(sizeText, radix: 16) else {
                throw HTTPResponseError.badChunkSize(line)
            }
            index = lineEnd + 2
            if size == 0 {
                // Trailer fields until an empty line; we keep none of them.
                while true {
                    guard let end = find(crlf, in: buffer, from: index) else { return try needMore("chunked trailer") }
                    if end == index { return body }
                    index = end + 2
                }
            }
            if body.count + size > maxBodyBytes { throw HTTPResponseError.bodyTooLarge(limit: maxBodyBytes) }
            guard buffer.count >= index + size + 2 else { return try needMore("chunk data") }
            body.append(contentsOf: buffer[index..<(index + size)])
            guard buffer[index + size] == 13, buffer[index + size + 1] == 10 else {
                throw HTTPResponseError.badChunkSize("(chunk of \(size) bytes not followed by CRLF)")
            }
            index += size + 2
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == needle[0] {
                var match = true
                for j in 1..<needle.count where haystack[i + j] != needle[j] { match = false; break }
                if match { return i }
            }
            i += 1
        }
        return nil
    }
}
