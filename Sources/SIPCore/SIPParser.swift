// The message parser (RFC 3261 §7, §25). Input is the bytes of one message: a UDP
// datagram, or what `SIPStreamFramer` cut from a TCP stream. Scanning is on bytes; a
// header value becomes one String (folding replaced by a single SP), and typed header
// values are only parsed by `validate` and the accessors.

public enum SIPTransportKind: Sendable, Equatable {
    /// UDP: the datagram bounds the message; Content-Length may be absent (body = rest
    /// of datagram) and extra bytes after the declared body are ignored (RFC 4475 dblreq).
    case datagram
    /// TCP/TLS: Content-Length is mandatory (§18.3).
    case stream
}

public enum SIPParser {
    /// Frames, parses and validates one message.
    public static func parse(_ bytes: [UInt8], transport: SIPTransportKind = .datagram, limits: SIPLimits = .default) throws(SIPParseError) -> SIPMessage {
        let message = try parseUnvalidated(bytes, transport: transport, limits: limits)
        try validate(message, limits: limits)
        return message
    }

    /// Parses start line, headers and body without checking the typed header grammar.
    /// The rejection path uses it to answer malformed requests.
    public static func parseUnvalidated(_ bytes: [UInt8], transport: SIPTransportKind = .datagram, limits: SIPLimits = .default) throws(SIPParseError) -> SIPMessage {
        let raw = try frame(bytes, transport: transport, limits: limits)
        let startLine = try parseStartLine(raw.startLine, limits: limits)
        return SIPMessage(startLine: startLine, headers: raw.headers, body: raw.body)
    }

    /// The result of one parse attempt, with what the transport should do.
    public enum Outcome: Sendable {
        case message(SIPMessage)
        /// A malformed request that can be answered: send `response` (400/414/505/513).
        case reject(SIPParseError, response: SIPMessage)
        /// Malformed and unanswerable (a response, or too little parsed): drop and log.
        case discard(SIPParseError)
    }

    /// Parses; on failure builds the error response when Via, From, To, Call-ID and CSeq
    /// of a request could be read (RFC 3261 §8.2: a UAS answers 400 to a malformed request).
    public static func parseOrReject(_ bytes: [UInt8], transport: SIPTransportKind = .datagram, limits: SIPLimits = .default,
                                     warningAgent: String = "simgate") -> Outcome {
        do {
            return .message(try parse(bytes, transport: transport, limits: limits))
        } catch {
            guard let raw = try? frame(bytes, transport: transport, limits: limits),
                  !raw.startLine.starts(with: "SIP/".utf8) else { return .discard(error) }
            guard let response = errorResponse(headers: raw.headers, error: error, warningAgent: warningAgent) else {
                return .discard(error)
            }
            return .reject(error, response: response)
        }
    }

    /// Builds the response to a request that failed to parse, explaining why in the
    /// Reason-Phrase and a Warning (399, RFC 3261 §20.43). Nil if the headers needed to
    /// address the response (Via, From, To, Call-ID, CSeq) are themselves unusable.
    public static func errorResponse(headers: SIPHeaders, error: SIPParseError, warningAgent: String = "simgate") -> SIPMessage? {
        guard !headers.values(.via).isEmpty, (try? Via.parse(headers.values(.via)[0])) != nil,
              let from = headers[.from], (try? NameAddr.parse(Substring(from), header: "From")) != nil,
              let to = headers[.to], var toValue = try? NameAddr.parse(Substring(to), header: "To"),
              let callID = headers[.callID], let cseq = headers[.cseq], (try? CSeq.parse(Substring(cseq))) != nil
        else { return nil }
        var out = SIPHeaders()
        for v in headers.lines(.via) { out.append(.via, v) }
        out.append(.from, from)
        if toValue.tag == nil {
            // A deterministic tag (FNV-1a of the Call-ID): retransmissions of the same bad
            // request get the same response.
            toValue.tag = "bad" + String(callID.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }, radix: 16)
            out.append(.to, toValue.description)
        } else {
            out.append(.to, to)
        }
        out.append(.callID, callID)
        out.append(.cseq, cseq)
        // The Warning text is a quoted-string and the Reason-Phrase one line: no quotes, no CR/LF.
        let detail = String(error.description.map { $0 == "\"" ? "'" : ($0 == "\r" || $0 == "\n" ? " " : $0) })
        out.append(.warning, "399 \(warningAgent) \"\(detail)\"")
        let base = SIPMessage.defaultReason(error.statusCode)
        return .response(error.statusCode, "\(base) (\(detail.prefix(120)))", headers: out)
    }

    // MARK: Framing

    struct RawMessage {
        var startLine: ArraySlice<UInt8>
        var headers: SIPHeaders
        var body: [UInt8]
    }

    static func frame(_ bytes: [UInt8], transport: SIPTransportKind, limits: SIPLimits) throws(SIPParseError) -> RawMessage {
        guard bytes.count <= limits.maxMessageSize else {
            throw SIPParseError.messageTooLarge(size: bytes.count, limit: limits.maxMessageSize)
        }
        let n = bytes.count
        var i = 0
        // §7.5: ignore CRLFs before the start line.
        while i < n, bytes[i] == 0x0D || bytes[i] == 0x0A { i += 1 }
        guard i < n else { throw SIPParseError.malformedStartLine(reason: "empty message") }

        // Returns the end of the physical line starting at `from` (index of CR or LF) and the next line start.
        func lineEnd(_ from: Int) -> (end: Int, next: Int)? {
            var j = from
            while j < n, bytes[j] != 0x0A { j += 1 }
            guard j < n else { return nil }
            let end = (j > from && bytes[j - 1] == 0x0D) ? j - 1 : j
            return (end, j + 1)
        }

        guard let first = lineEnd(i) else { throw SIPParseError.unterminatedHeaders }
        let startLine = bytes[i..<first.end]
        guard startLine.count <= limits.maxHeaderLineLength else {
            throw SIPParseError.malformedStartLine(reason: "start line of \(startLine.count) bytes exceeds the \(limits.maxHeaderLineLength)-byte limit")
        }
        i = first.next
        var fields: [SIPHeaderField] = []
        fields.reserveCapacity(16)
        var folded: [UInt8] = []
        var contentLength: Int?
        var bodyStart = -1
        while i < n {
            guard let line = lineEnd(i) else { throw SIPParseError.unterminatedHeaders }
            if line.end == i { bodyStart = line.next; break }  // the empty line
            if SIPGrammar.isWSP(bytes[i]) {
                throw SIPParseError.malformedHeader(name: fields.last?.name.name ?? "start line", reason: "continuation line where a header was expected")
            }
            // Header name up to ":", optionally followed by WSP before the colon (HCOLON).
            var colon = i
            while colon < line.end, bytes[colon] != UInt8(ascii: ":") { colon += 1 }
            var nameEnd = colon
            while nameEnd > i, SIPGrammar.isWSP(bytes[nameEnd - 1]) { nameEnd -= 1 }
            let nameBytes = bytes[i..<nameEnd]
            guard colon < line.end else {
                throw SIPParseError.malformedHeader(name: String(decoding: nameBytes.prefix(64), as: UTF8.self), reason: "missing ':'")
            }
            guard !nameBytes.isEmpty, nameBytes.allSatisfy(SIPGrammar.isToken) else {
                throw SIPParseError.malformedHeader(name: String(decoding: nameBytes.prefix(64), as: UTF8.self), reason: "header name is not a token")
            }
            // Gather continuation lines (folding: CRLF followed by SP/HT).
            var end = line.end
            var next = line.next
            var hasFolding = false
            while next < n, SIPGrammar.isWSP(bytes[next]) {
                guard let cont = lineEnd(next) else { throw SIPParseError.unterminatedHeaders }
                hasFolding = true
                end = cont.end
                next = cont.next
            }
            let name = SIPHeaderName(bytes: nameBytes)
            guard end - i <= limits.maxHeaderLineLength else {
                throw SIPParseError.headerTooLong(name: name.name, length: end - i, limit: limits.maxHeaderLineLength)
            }
            var vs = colon + 1
            while vs < end, SIPGrammar.isWSP(bytes[vs]) || bytes[vs] == 0x0D || bytes[vs] == 0x0A { vs += 1 }
            var ve = end
            while ve > vs, SIPGrammar.isWSP(bytes[ve - 1]) { ve -= 1 }
            let value: String
            if hasFolding {
                // Each CRLF + following whitespace becomes one SP (§7.3.1).
                folded.removeAll(keepingCapacity: true)
                var k = vs
                while k < ve {
                    let b = bytes[k]
                    if b == 0x0D || b == 0x0A {
                        while k < ve, bytes[k] == 0x0D || bytes[k] == 0x0A || SIPGrammar.isWSP(bytes[k]) { k += 1 }
                        while let last = folded.last, SIPGrammar.isWSP(last) { folded.removeLast() }
                        if !folded.isEmpty { folded.append(0x20) }
                        continue
                    }
                    folded.append(b)
                    k += 1
                }
                value = String(decoding: folded, as: UTF8.self)
            } else {
                value = String(decoding: bytes[vs..<ve], as: UTF8.self)
            }
            if name == .contentLength {
                guard contentLength == nil else { throw SIPParseError.duplicateHeader("Content-Length") }
                let digits = value.utf8
                guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(SIPGrammar.isDigit), let cl = Int(value) else {
                    throw SIPParseError.malformedHeader(name: "Content-Length", reason: "'\(value.prefix(32))' is not a non-negative integer")
                }
                contentLength = cl
            }
            fields.append(SIPHeaderField(name, value))
            guard fields.count <= limits.maxHeaderCount else { throw SIPParseError.tooManyHeaders(limit: limits.maxHeaderCount) }
            i = next
        }
        guard bodyStart >= 0 else { throw SIPParseError.unterminatedHeaders }
        let available = n - bodyStart
        let body: [UInt8]
        if let cl = contentLength {
            guard cl <= available else { throw SIPParseError.bodyTruncated(declared: cl, available: available) }
            body = Array(bytes[bodyStart..<(bodyStart + cl)])
        } else {
            guard transport == .datagram else { throw SIPParseError.missingContentLength }
            body = Array(bytes[bodyStart...])
        }
        return RawMessage(startLine: startLine, headers: SIPHeaders(fields), body: body)
    }

    // MARK: Start line

    static func parseStartLine(_ line: ArraySlice<UInt8>, limits: SIPLimits) throws(SIPParseError) -> SIPStartLine {
        if line.starts(with: "SIP/".utf8) {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
            let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2 else { throw SIPParseError.malformedStartLine(reason: "status line needs a status code") }
            try checkVersion(parts[0])
            let code = parts[1]
            guard code.count == 3, code.allSatisfy(SIPGrammar.isDigit),
                  let value = Int(String(decoding: code, as: UTF8.self)), (100...699).contains(value) else {
                throw SIPParseError.malformedStartLine(reason: "status code '\(String(decoding: code.prefix(16), as: UTF8.self))' is not 3 digits in 100-699")
            }
            let reason = parts.count == 3 ? String(decoding: parts[2], as: UTF8.self) : ""
            guard !reason.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 }) else {
                throw SIPParseError.malformedStartLine(reason: "control character in Reason-Phrase")
            }
            return .response(statusCode: value, reasonPhrase: reason)
        }
        // Request-Line = Method SP Request-URI SP SIP-Version: exactly two single SPs
        // (RFC 4475 lwsstart, trws, lwsruri).
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
            throw SIPParseError.malformedStartLine(reason: "request line must be 'Method SP Request-URI SP SIP-Version' with single spaces")
        }
        guard parts[0].allSatisfy(SIPGrammar.isToken) else { throw SIPParseError.malformedStartLine(reason: "method is not a token") }
        try checkVersion(parts[2])
        let uriText = String(decoding: parts[1], as: UTF8.self)
        let uri = try URI.parse(Substring(uriText), context: "Request-URI", limits: limits)
        if case let .sip(u) = uri, !u.headers.isEmpty {
            // §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 escruri).
            throw SIPParseError.malformedRequestURI(reason: "URI headers ('?') are not allowed in a Request-URI")
        }
        return .request(method: SIPMethod(String(decoding: parts[0], as: UTF8.self)), uri: uri)
    }

    static func checkVersion(_ v: ArraySlice<UInt8>) throws(SIPParseError) {
        // Fast path: the exact bytes every peer sends.
        if v.elementsEqual("SIP/2.0".utf8) { return }
        let text = String(decoding: v.prefix(32), as: UTF8.self)
        guard text.uppercased() == "SIP/2.0" else {
            if text.uppercased().hasPrefix("SIP/") { throw SIPParseError.unsupportedVersion(text) }
            throw SIPParseError.malformedStartLine(reason: "bad SIP-Version '\(text)'")
        }
    }

    // MARK: Validation

    /// Checks what every element needs before acting on a message: the mandatory headers
    /// (§8.1.1) exist once each and parse, and CSeq matches the request method.
    public static func validate(_ m: SIPMessage, limits: SIPLimits = .default) throws(SIPParseError) {
        for name in [SIPHeaderName.to, .from, .callID, .cseq] {
            let count = m.headers.lines(name).count
            if count == 0 { throw SIPParseError.missingHeader(name.name) }
            if count > 1 { throw SIPParseError.duplicateHeader(name.name) }
        }
        for name in [SIPHeaderName.maxForwards, .contentType] where m.headers.lines(name).count > 1 {
            throw SIPParseError.duplicateHeader(name.name)
        }
        guard !(try m.vias()).isEmpty else { throw SIPParseError.missingHeader("Via") }
        _ = try m.from()
        _ = try m.to()
        let cseq = try m.cseq()
        _ = try m.maxForwards()
        guard let callID = m.callID, isValidCallID(callID) else {
            throw SIPParseError.malformedHeader(name: "Call-ID", reason: "not word [\"@\" word]")
        }
        _ = try m.contacts()
        _ = try m.routes(.route)
        _ = try m.routes(.recordRoute)
        if let method = m.method, method != cseq.method {
            throw SIPParseError.cseqMethodMismatch(requestLine: method.rawValue, cseq: cseq.method.rawValue)
        }
    }

    /// callid = word [ "@" word ]
    static func isValidCallID(_ s: String) -> Bool {
        let parts = s.utf8.split(separator: UInt8(ascii: "@"), maxSplits: 1, omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.count <= 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { SIPGrammar.isWordChar($0) || $0 >= 0x80 } }
    }
}
