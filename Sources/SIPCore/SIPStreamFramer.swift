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
    /// Where the search for the end of the header section resumes, so bytes that trickle
    /// in one at a time are scanned once (linear, not quadratic, in the header size).
    private var scanIndex = 0
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
        // Hard bound: even pipelined complete messages may not pile up beyond two
        // maximum-size messages; the owner is expected to drain `next()` after each receive.
        if bufferedByteCount > 2 * limits.maxMessageSize {
            failure = .messageTooLarge(size: bufferedByteCount, limit: 2 * limits.maxMessageSize)
            return
        }
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
        scanIndex = readIndex
        compact()
        return .message(try SIPParser.parse(bytes, transport: .stream, limits: limits))
    }

    /// Index just past the CRLFCRLF (or LFLF) that ends the header section.
    private mutating func findHeaderEnd() -> Int? {
        var i = max(readIndex, scanIndex)
        let n = buffer.count
        while i < n {
            if buffer[i] == 0x0A {
                if i + 1 < n, buffer[i + 1] == 0x0A { return i + 2 }
                if i + 2 < n, buffer[i + 1] == 0x0D, buffer[i + 2] == 0x0A { return i + 3 }
                if i + 2 >= n { break }  // the terminator may still be arriving: resume here
            }
            i += 1
        }
        scanIndex = min(i, n)
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
                let name = buffer[lineStart..<nameEnd]
                if SIPStreamFramer.isContentLengthName(name) {
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

    static func isContentLengthName(_ name: ArraySlice<UInt8>) -> Bool {
        if name.count == 1 { return name.first.map { $0 | 0x20 } == UInt8(ascii: "l") }
        guard name.count == 14 else { return false }
        return zip(name, "content-length".utf8).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }
    }

    /// Drops consumed bytes once they dominate the buffer, so the cost stays linear.
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            scanIndex = 0
            readIndex = 0
        } else if readIndex > 4096, readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            scanIndex = max(0, scanIndex - readIndex)
            readIndex = 0
        }
    }
}
