// Building out-of-dialog requests as a UAC (RFC 3261 §8.1.1): INVITE to ring a phone,
// REGISTER to a trunk, OPTIONS to probe a peer. Randomness (tags, Call-ID, branch) comes
// from the caller: the core owns no entropy source, so tests stay deterministic.

public struct RequestIdentity: Sendable, Equatable {
    /// Our address of record with display name, e.g. "<sip:+380671234567@gw.example.net>".
    public var from: NameAddr
    public var fromTag: String
    public var callID: String
    public var sequence: UInt32
    /// Our sent-by, e.g. "SIP/2.0/UDP 198.51.100.7:5060" (branch is appended per request).
    public var via: String
    public var contact: NameAddr?

    public init(from: NameAddr, fromTag: String, callID: String, sequence: UInt32 = 1, via: String, contact: NameAddr? = nil) {
        self.from = from
        self.fromTag = fromTag
        self.callID = callID
        self.sequence = sequence
        self.via = via
        self.contact = contact
    }
}

extension SIPMessage {
    /// A new request outside any dialog (§8.1.1): Request-URI, To (no tag), From with our
    /// tag, Call-ID, CSeq, Max-Forwards 70, Via with an RFC 3261 branch, Contact for
    /// dialog-creating and REGISTER requests, optional Route set (pre-loaded proxy).
    public static func makeRequest(_ method: SIPMethod, to target: URI, toName: NameAddr? = nil, identity: RequestIdentity,
                                   branch: String, routes: [NameAddr] = [], body: [UInt8] = [], contentType: String? = nil,
                                   extraHeaders: [(SIPHeaderName, String)] = []) -> SIPMessage {
        var h = SIPHeaders()
        h.append(.via, "\(identity.via);branch=\(branch)")
        h.append(.maxForwards, "70")
        var from = identity.from
        from.tag = identity.fromTag
        h.append(.from, from.description)
        var to = toName ?? NameAddr(uri: target)
        to.tag = nil
        h.append(.to, to.description)
        h.append(.callID, identity.callID)
        h.append(.cseq, "\(identity.sequence) \(method.rawValue)")
        for r in routes { h.append(.route, r.description) }
        if let contact = identity.contact, [.invite, .register, .subscribe, .refer].contains(method) {
            h.append(.contact, contact.description)
        }
        for (name, value) in extraHeaders { h.append(name, value) }
        if let contentType, !body.isEmpty { h.append(.contentType, contentType) }
        return .request(method, target, headers: h, body: body)
    }
}
