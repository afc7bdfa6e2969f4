// Every bound the SIP core enforces, with the reason for its number (h11 style).
// Bad or hostile input hits one of these and yields a `SIPParseError`, never an
// unbounded buffer or a crash.

/// Limits on what the parser and the stream framer accept.
public struct SIPLimits: Sendable, Equatable {
    /// Largest whole message (start line + headers + body), in bytes.
    /// 65 535 is the largest UDP payload a datagram can carry, so nothing a peer can send
    /// over UDP is refused for size; over TCP a legitimate SIP message (even RFC 4475's
    /// longreq or a multipart MESSAGE) is a few KiB, so anything beyond 64 KiB is a
    /// flood and would otherwise let one connection grow our buffer without bound.
    public var maxMessageSize: Int = 65_535

    /// Most header fields (physical header lines after unfolding) in one message.
    /// A request that crossed 70 proxies (Max-Forwards starts at 70) carries at most
    /// 70 Via + 70 Record-Route lines plus ~30 ordinary headers: 170. 256 leaves room
    /// and bounds the per-message header array.
    public var maxHeaderCount: Int = 256

    /// Longest header field after unfolding (name + value), in bytes.
    /// Real headers stay below 1 KiB (RFC 4475 longreq's longest From is ~600 bytes,
    /// an RFC 4474 Identity header ~700). 8 KiB matches common HTTP servers' line limit
    /// and keeps one field from taking most of the message budget.
    public var maxHeaderLineLength: Int = 8_192

    /// Longest URI (Request-URI or a URI inside a header), in bytes.
    /// The longest URI in RFC 4475 (longreq's To) is ~330 bytes; phones send < 200.
    /// Beyond 2 KiB the request is answered 414 (Request-URI Too Long), RFC 3261 §21.4.12.
    public var maxURILength: Int = 2_048

    /// Largest header section (start line + all headers) a stream framer buffers while
    /// waiting for the blank line. Without it a peer that never sends CRLFCRLF would make
    /// us buffer up to maxMessageSize; 32 KiB is ample for 256 headers of typical size.
    public var maxHeaderSectionSize: Int = 32_768

    public init() {}

    public static let `default` = SIPLimits()
}
