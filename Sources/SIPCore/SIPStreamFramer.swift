// Cuts complete messages out of a byte stream (TCP/TLS, RFC 3261 §18.3): the header
// section ends at the first empty line, and Content-Length (mandatory on streams) says
// how many body bytes follow. Bytes arrive in arbitrary pieces.
//
// After any error the stream cannot be resynchronised (there is no way to know where
// the next message starts), so the owner must close the connection; the framer stays
// in its failed state and keeps returning the same error.

public struct SIPStreamFramer: Sendable {
    public enum Event: Sendable, Equatable {
        case message(SIPMessage)
        /// A CRLFCRLF keep-alive ping (RFC 5626 §3.5.1); answer with a CRLF pong.
        case keepAlivePing
    }

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: SIPParseError?
    public let limits: SIPLimits

    public init(limits: SIPLimits = .default) {
        self.limits = limits
    }

    /// Bytes held that are not yet part of a complete message.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes. Refuses (and fails the stream) when buffered data would
    /// exceed the message size limit, which bounds memory per connection.
    public mutating func receive(_ bytes: some Sequence<UInt8>) {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
        if bufferedByteCount > limits.maxMessageSize + 4 {
            // Not yet framed and already beyond any legal message.
            if findHeaderEnd() == nil { failure = .messageTooLarge(size: bufferedByteCount, limit: limits.maxMessageSize) }
        }
    }

    /// Returns the next complete message or ping, nil when more bytes are needed.
    /// Call repeatedly until nil: one `receive` may complete several messages.
    public mutating func next() throws(SIPParseError) -> Event? {
        if let failure { throw failure }
        do {
            return try nextUnchecked()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func nextUnchecked() throws(SIPParseError) -> Event? {
        // Leading CRLFs: a double CRLF is a keep-alive ping, a single one is ignored (§7.5).
        var crlfs = 0
        while readIndex + 1 < buffer.count, buffer[readIndex] == 0x0D, buffer[readIndex + 1] == 0x0A {
            readIndex += 2
            crlfs += 1
            if crlfs == 2 { compact(); return .keepAlivePing }
        }
        if crlfs == 1 { compact() }
        guard let headerEnd = findHeaderEnd() else {
            if bufferedByteCount > limits.maxHeaderSectionSize {
                throw SIPParseError.messageTooLarge(size: bufferedByteCount, limit: limits.maxHeaderSectionSize)
            }
            return nil
        }
        guard headerEnd - readIndex <= limits.maxHeaderSectionSize else {
            throw SIPParseError.messageTooLarge(size: headerEnd - readIndex, limit: limits.maxHeaderSectionSize)
        }
        guard let contentLength = try scanContentLength(upTo: headerEnd) else { throw SIPParseError.missingContentLength }
        let total = headerEnd - readIndex + contentLength
        guard total <= limits.maxMessageSize else { throw SIPParseError.messageTooLarge(size: total, limit: limits.maxMessageSize) }
        guard buffer.count - readIndex >= total else { return nil }
        let bytes = Array(buffer[readIndex..<(readIndex + total)])
        readIndex += total
        compact()
        return .message(try SIPParser.parse(bytes, transport: .stream, limits: limits))
    }

    /// Index just past the CRLFCRLF (or LFLF) that ends the header section.
    private func findHeaderEnd() -> Int? {
        var i = readIndex
        let n = buffer.count
        while i < n {
            if buffer[i] == 0x0A {
                if i + 1 < n, buffer[i + 1] == 0x0A { return i + 2 }
                if i + 2 < n, buffer[i + 1] == 0x0D, buffer[i + 2] == 0x0A { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    /// Finds Content-Length (or its compact form "l") among the header lines.
    private func scanContentLength(upTo end: Int) throws(SIPParseError) -> Int? {
        var lineStart = readIndex
        var found: Int?
        while lineStart < end {
            var lineEnd = lineStart
            while lineEnd < end, buffer[lineEnd] != 0x0A { lineEnd += 1 }
            if let colon = buffer[lineStart..<lineEnd].firstIndex(of: UInt8(ascii: ":")) {
                var nameEnd = colon
                while nameEnd > lineStart, SIPGrammar.isWSP(buffer[nameEnd - 1]) { nameEnd -= 1 }
                let name = String(decoding: buffer[lineStart..<nameEnd], as: UTF8.self).lowercased()
                if name == "content-length" || name == "l" {
                    let value = buffer[(colon + 1)..<lineEnd].filter { !SIPGrammar.isWSP($0) && $0 != 0x0D }
                    guard !value.isEmpty, value.count <= 9, value.allSatisfy(SIPGrammar.isDigit),
                          let n = Int(String(decoding: value, as: UTF8.self)) else {
                        throw SIPParseError.malformedHeader(name: "Content-Length", reason: "not a non-negative integer")
                    }
                    if found != nil, found != n { throw SIPParseError.duplicateHeader("Content-Length") }
                    found = n
                }
            }
            lineStart = lineEnd + 1
        }
        return found
    }

    /// Drops consumed bytes once they dominate the buffer, so the cost stays linear.
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 4096, readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
