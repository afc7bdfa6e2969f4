// Parse errors are values naming what failed and where, so the transport can log them
// and, when enough of a request parsed, answer it with a 400 that says why.

public enum SIPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message (or buffered stream data) exceeds `SIPLimits.maxMessageSize`.
    case messageTooLarge(size: Int, limit: Int)
    /// The start line (request line or status line) is malformed.
    case malformedStartLine(reason: String)
    /// The SIP-Version is not SIP/2.0 (answered with 505).
    case unsupportedVersion(String)
    /// The Request-URI failed to parse or is not allowed there.
    case malformedRequestURI(reason: String)
    /// The Request-URI is longer than `SIPLimits.maxURILength` (answered with 414).
    case uriTooLong(length: Int, limit: Int)
    /// A header line has no colon, a bad name, or a value that fails its grammar.
    case malformedHeader(name: String, reason: String)
    /// A header line exceeds `SIPLimits.maxHeaderLineLength`.
    case headerTooLong(name: String, length: Int, limit: Int)
    /// More header fields than `SIPLimits.maxHeaderCount`.
    case tooManyHeaders(limit: Int)
    /// The header section never ended with an empty line.
    case unterminatedHeaders
    /// A mandatory header (RFC 3261 §8.1.1) is absent.
    case missingHeader(String)
    /// A header that must appear once appears several times (RFC 4475 §3.3.8, §3.3.9).
    case duplicateHeader(String)
    /// Content-Length says more bytes than the datagram holds (RFC 4475 clerr).
    case bodyTruncated(declared: Int, available: Int)
    /// A stream transport message without Content-Length (RFC 3261 §18.3 makes it mandatory).
    case missingContentLength
    /// The CSeq method differs from the request method (RFC 4475 mismatch01/02).
    case cseqMethodMismatch(requestLine: String, cseq: String)

    public var description: String {
        switch self {
        case let .messageTooLarge(size, limit): "message of \(size) bytes exceeds the \(limit)-byte limit"
        case let .malformedStartLine(reason): "malformed start line: \(reason)"
        case let .unsupportedVersion(v): "unsupported SIP version \(v)"
        case let .malformedRequestURI(reason): "malformed Request-URI: \(reason)"
        case let .uriTooLong(length, limit): "Request-URI of \(length) bytes exceeds the \(limit)-byte limit"
        case let .malformedHeader(name, reason): "malformed \(name) header: \(reason)"
        case let .headerTooLong(name, length, limit): "\(name) header of \(length) bytes exceeds the \(limit)-byte limit"
        case let .tooManyHeaders(limit): "more than \(limit) header fields"
        case .unterminatedHeaders: "header section not terminated by an empty line"
        case let .missingHeader(name): "missing mandatory \(name) header"
        case let .duplicateHeader(name): "\(name) header appears more than once"
        case let .bodyTruncated(declared, available): "Content-Length \(declared) but only \(available) body bytes"
        case .missingContentLength: "Content-Length missing on a stream transport"
        case let .cseqMethodMismatch(line, cseq): "request method \(line) differs from CSeq method \(cseq)"
        }
    }

    /// The response code a UAS answers this error with (RFC 3261 §21.4).
    public var statusCode: Int {
        switch self {
        case .unsupportedVersion: 505
        case .uriTooLong: 414
        case .messageTooLarge: 513
        default: 400
        }
    }
}
