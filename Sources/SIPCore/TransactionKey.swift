// Transaction matching (RFC 3261 §17.1.3 client side, §17.2.3 server side).

public struct TransactionKey: Sendable, Hashable, CustomStringConvertible {
    public enum Role: Sendable, Hashable { case client, server }

    public enum Identity: Sendable, Hashable {
        /// RFC 3261: branch (with magic cookie) + sent-by + method, ACK counted as INVITE.
        /// Client keys leave sent-by empty: §17.1.3 matches responses on branch + CSeq method.
        case rfc3261(branch: String, sentBy: String, method: SIPMethod)
        /// RFC 2543 fallback for requests without a usable branch (§17.2.3, RFC 4475 badbranch):
        /// Request-URI, From tag, Call-ID, CSeq number, top Via and method (ACK as INVITE).
        /// The To tag is left out so the ACK (which carries it) matches its INVITE.
        case rfc2543(requestURI: String, fromTag: String, callID: String, sequence: UInt32, topVia: String, method: SIPMethod)
    }

    public var role: Role
    public var identity: Identity

    public var description: String {
        switch identity {
        case let .rfc3261(branch, sentBy, method): "\(role) \(method) \(branch)\(sentBy.isEmpty ? "" : "@" + sentBy)"
        case let .rfc2543(_, _, callID, seq, _, method): "\(role) \(method) 2543:\(callID)/\(seq)"
        }
    }

    /// The method that names the transaction: an ACK belongs to its INVITE's.
    static func transactionMethod(_ m: SIPMethod) -> SIPMethod { m == .ack ? .invite : m }

    /// The server transaction a received request belongs to.
    public static func server(for request: SIPMessage) throws(SIPParseError) -> TransactionKey {
        let via = try request.topVia()
        guard let method = request.method else { throw SIPParseError.malformedStartLine(reason: "not a request") }
        let m = transactionMethod(method)
        if via.hasRFC3261Branch, let branch = via.branch {
            return TransactionKey(role: .server, identity: .rfc3261(branch: branch, sentBy: via.sentBy, method: m))
        }
        let cseq = try request.cseq()
        return TransactionKey(role: .server, identity: .rfc2543(
            requestURI: request.requestURI?.description ?? "", fromTag: try request.from().tag ?? "",
            callID: request.callID ?? "", sequence: cseq.sequence, topVia: via.description, method: m))
    }

    /// The client transaction a request we send creates (its top Via must carry an RFC 3261 branch).
    public static func client(for request: SIPMessage) throws(SIPParseError) -> TransactionKey {
        let via = try request.topVia()
        guard let method = request.method, let branch = via.branch, via.hasRFC3261Branch else {
            throw SIPParseError.malformedHeader(name: "Via", reason: "a request we send needs a z9hG4bK branch")
        }
        return TransactionKey(role: .client, identity: .rfc3261(branch: branch, sentBy: "", method: method))
    }

    /// The client transaction a received response belongs to (§17.1.3: top Via branch + CSeq method).
    public static func client(forResponse response: SIPMessage) throws(SIPParseError) -> TransactionKey {
        let via = try response.topVia()
        let cseq = try response.cseq()
        guard let branch = via.branch else { throw SIPParseError.malformedHeader(name: "Via", reason: "response without branch") }
        return TransactionKey(role: .client, identity: .rfc3261(branch: branch, sentBy: "", method: cseq.method))
    }

    /// The server transaction a response we send belongs to (from its copied Via and CSeq).
    public static func server(forResponse response: SIPMessage, requestURI: URI? = nil) throws(SIPParseError) -> TransactionKey {
        let via = try response.topVia()
        let cseq = try response.cseq()
        if via.hasRFC3261Branch, let branch = via.branch {
            return TransactionKey(role: .server, identity: .rfc3261(branch: branch, sentBy: via.sentBy, method: cseq.method))
        }
        throw SIPParseError.malformedHeader(name: "Via", reason: "RFC 2543 transactions are answered with sendResponse(_:for:)")
    }

    /// For a received CANCEL: the INVITE server transaction it cancels (§9.2).
    public func invite() -> TransactionKey {
        var k = self
        switch identity {
        case let .rfc3261(branch, sentBy, _): k.identity = .rfc3261(branch: branch, sentBy: sentBy, method: .invite)
        case let .rfc2543(uri, tag, callID, seq, via, _):
            k.identity = .rfc2543(requestURI: uri, fromTag: tag, callID: callID, sequence: seq, topVia: via, method: .invite)
        }
        return k
    }

    /// A fresh RFC 3261 branch from caller-supplied randomness (the core owns no RNG
    /// source by policy; pass e.g. `UInt64.random(in:)` values).
    public static func makeBranch(random: UInt64) -> String {
        Via.magicCookie + String(random, radix: 36)
    }
}

extension TransactionKey {
    /// The server transaction an ACK for a non-2xx response belongs to (its INVITE's).
    public static func server(forACK ack: SIPMessage) -> TransactionKey? { try? server(for: ack) }
}
