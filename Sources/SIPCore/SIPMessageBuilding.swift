// Building messages from other messages: responses (§8.2.6), ACK for a non-2xx final
// response (§17.1.1.3) and CANCEL (§9.1).

extension SIPMessage {
    /// A response to `self` (a request): Via (all, in order), From, To, Call-ID and CSeq
    /// copied (§8.2.6.2), Record-Route too for dialog-creating
    /// responses (§12.1.1); a To tag added when the request had none and the response is
    /// not 100 (a 100 never creates a dialog).
    public func makeResponse(_ code: Int, _ reason: String? = nil, toTag: String? = nil, body: [UInt8] = [],
                             contentType: String? = nil) -> SIPMessage {
        var h = SIPHeaders()
        for v in headers.lines(.via) { h.append(.via, v) }
        if let from = headers[.from] { h.append(.from, from) }
        if let to = headers[.to] {
            if code != 100, let toTag, var parsed = try? NameAddr.parse(Substring(to), header: "To"), parsed.tag == nil {
                parsed.tag = toTag
                h.append(.to, parsed.description)
            } else {
                h.append(.to, to)
            }
        }
        if let callID { h.append(.callID, callID) }
        if let cseq = headers[.cseq] { h.append(.cseq, cseq) }
        // §12.1.1: a response that establishes a dialog carries the request's Record-Route.
        if (101...299).contains(code), method == .invite || method == .subscribe || method == .refer {
            for rr in headers.lines(.recordRoute) { h.append(.recordRoute, rr) }
        }
        if code == 100, let ts = headers["Timestamp"] { h.append("Timestamp", ts) }  // §8.2.6.1
        if let contentType, !body.isEmpty { h.append(.contentType, contentType) }
        return .response(code, reason, headers: h, body: body)
    }

    /// The ACK a client INVITE transaction sends for a 300-699 response (§17.1.1.3):
    /// same Request-URI, Call-ID, From, CSeq number and top Via (so the same branch),
    /// To from the response (with its tag), Route from the INVITE.
    public static func ackForNon2xx(invite: SIPMessage, response: SIPMessage) -> SIPMessage {
        var h = SIPHeaders()
        if let via = invite.headers.values(.via).first { h.append(.via, String(via)) }
        h.append(.maxForwards, "70")
        if let from = invite.headers[.from] { h.append(.from, from) }
        if let to = response.headers[.to] { h.append(.to, to) }
        if let callID = invite.callID { h.append(.callID, callID) }
        let seq = (try? invite.cseq().sequence) ?? 0
        h.append(.cseq, "\(seq) ACK")
        for r in invite.headers.lines(.route) { h.append(.route, r) }
        return .request(.ack, invite.requestURI ?? .other(scheme: "sip", rest: "invalid"), headers: h)
    }

    /// CANCEL for a pending request (§9.1): same Request-URI, Call-ID, To, From, CSeq
    /// number and top Via (branch) as the request, method CANCEL, Route copied.
    public static func cancel(for request: SIPMessage, reason: String? = nil) -> SIPMessage {
        var h = SIPHeaders()
        if let via = request.headers.values(.via).first { h.append(.via, String(via)) }
        h.append(.maxForwards, "70")
        if let from = request.headers[.from] { h.append(.from, from) }
        if let to = request.headers[.to] { h.append(.to, to) }
        if let callID = request.callID { h.append(.callID, callID) }
        let seq = (try? request.cseq().sequence) ?? 0
        h.append(.cseq, "\(seq) CANCEL")
        for r in request.headers.lines(.route) { h.append(.route, r) }
        if let reason { h.append(.reason, reason) }
        return .request(.cancel, request.requestURI ?? .other(scheme: "sip", rest: "invalid"), headers: h)
    }
}
