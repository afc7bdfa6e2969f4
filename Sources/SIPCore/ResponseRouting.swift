// Transport-level Via handling (RFC 3261 §18.2.1, §18.2.2, RFC 3581): the receiver
// records where a request really came from, and a response goes back there.

extension SIPMessage {
    /// On receiving a request: adds `received` when the top Via's sent-by host differs
    /// from the packet's source address, and fills an empty `rport` with the source port
    /// (RFC 3581 §4), so the response can find a sender behind NAT.
    public mutating func stampReceived(sourceHost: String, sourcePort: UInt16) {
        guard isRequest, var via = try? topVia() else { return }
        if via.host.lowercased() != sourceHost.lowercased() || via.rport != nil {
            via.parameters.set("received", sourceHost)
        }
        if case .some(.none) = via.rport { via.parameters.set("rport", String(sourcePort)) }
        replaceTopVia(with: via)
    }

    mutating func replaceTopVia(with via: Via) {
        guard let i = headers.fields.firstIndex(where: { $0.name == .via }) else { return }
        var fields = headers.fields
        let parts = SIPGrammar.splitList(Substring(fields[i].value))
        fields[i].value = ([via.description] + parts.dropFirst().map(String.init)).joined(separator: ", ")
        headers = SIPHeaders(fields)
    }
}

public struct ResponseDestination: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    /// True when the response must reuse the connection the request came on (§18.2.2:
    /// reliable transports answer over the same connection when it is still open).
    public var reuseConnection: Bool
}

extension Via {
    /// Where a response to a request with this top Via goes (§18.2.2 + RFC 3581 §4):
    /// reliable → the same connection; maddr → that address (port from sent-by or 5060);
    /// otherwise received (or sent-by host) and rport (or sent-by port, or 5060).
    public var responseDestination: ResponseDestination {
        let reliable = transport != "UDP"
        if let maddr {
            return ResponseDestination(host: maddr, port: port ?? 5060, reuseConnection: false)
        }
        let host = received ?? self.host
        let p: UInt16 = rport.flatMap { $0 }.flatMap { UInt16($0) } ?? port ?? (transport == "TLS" ? 5061 : 5060)
        return ResponseDestination(host: host, port: p, reuseConnection: reliable)
    }
}

extension SIPParser {
    /// Parses from a raw buffer (e.g. a NIO ByteBuffer's readable bytes); copies once.
    public static func parse(_ buffer: UnsafeRawBufferPointer, transport: SIPTransportKind = .datagram, limits: SIPLimits = .default) throws(SIPParseError) -> SIPMessage {
        guard buffer.count <= limits.maxMessageSize else { throw SIPParseError.messageTooLarge(size: buffer.count, limit: limits.maxMessageSize) }
        return try parse(Array(buffer), transport: transport, limits: limits)
    }
}
