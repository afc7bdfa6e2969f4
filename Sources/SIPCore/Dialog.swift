// Dialogs (RFC 3261 §12): the state two user agents share after a dialog-creating
// exchange (INVITE with 2xx or 1xx-with-tag), and the requests built within them.

public struct DialogID: Sendable, Hashable, CustomStringConvertible {
    public var callID: String
    public var localTag: String
    public var remoteTag: String
    public var description: String { "\(callID);local=\(localTag);remote=\(remoteTag)" }

    /// The dialog a received in-dialog request belongs to (UAS view: local = To tag).
    public static func forReceivedRequest(_ m: SIPMessage) -> DialogID? {
        guard let callID = m.callID, let to = try? m.to(), let local = to.tag, let from = try? m.from(), let remote = from.tag else { return nil }
        return DialogID(callID: callID, localTag: local, remoteTag: remote)
    }

    /// The dialog a received response belongs to (UAC view: local = From tag).
    public static func forReceivedResponse(_ m: SIPMessage) -> DialogID? {
        guard let callID = m.callID, let from = try? m.from(), let local = from.tag, let to = try? m.to(), let remote = to.tag else { return nil }
        return DialogID(callID: callID, localTag: local, remoteTag: remote)
    }
}

public struct Dialog: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Created by a 1xx with a To tag (§12.1): may still end without a 2xx.
        case early
        case confirmed
        case terminated
    }

    public var state: State
    public let id: DialogID
    public let isSecure: Bool
    public var localURI: NameAddr
    public var remoteURI: NameAddr
    /// Where in-dialog requests go (the peer's Contact), refreshed by target-refresh requests/responses.
    public var remoteTarget: URI
    /// Route set from Record-Route (reversed on the UAC side, §12.1.2), fixed once confirmed.
    public var routeSet: [NameAddr]
    /// Next CSeq we use; nil until we send a request in the dialog (UAS side).
    public var localSequence: UInt32?
    /// Highest CSeq received from the peer; nil until the peer sends one.
    public var remoteSequence: UInt32?
    /// Our Contact, sent in target-refresh requests and 2xx.
    public var localContact: NameAddr
    /// An INVITE transaction in progress in each direction, for 491 glare handling (§14.1/14.2).
    public var localInvitePending = false
    public var remoteInvitePending = false

    // MARK: Creation

    /// UAC side: from our INVITE and the 1xx (with tag) / 2xx response (§12.1.2).
    public init?(uacRequest request: SIPMessage, response: SIPMessage, localContact: NameAddr) {
        guard let code = response.statusCode, (101...299).contains(code), let id = DialogID.forReceivedResponse(response),
              let from = try? request.from(), let to = try? response.to(), let cseq = try? request.cseq() else { return nil }
        self.id = id
        self.state = code >= 200 ? .confirmed : .early
        self.isSecure = request.requestURI?.sipURI?.isSecure == true
        self.localURI = from
        self.remoteURI = to
        self.remoteTarget = (try? response.contacts().first?.uri) ?? request.requestURI ?? .sip(SIPURI(host: "invalid"))
        self.routeSet = ((try? response.routes(.recordRoute)) ?? []).reversed()
        self.localSequence = cseq.sequence
        self.remoteSequence = nil
        self.localContact = localContact
    }

    /// UAS side: from the received INVITE and the To tag we put in our response (§12.1.1).
    public init?(uasRequest request: SIPMessage, localTag: String, localContact: NameAddr, early: Bool = false) {
        guard let callID = request.callID, let from = try? request.from(), let remoteTag = from.tag,
              var to = try? request.to(), let cseq = try? request.cseq() else { return nil }
        to.tag = localTag
        self.id = DialogID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        self.state = early ? .early : .confirmed
        self.isSecure = request.requestURI?.sipURI?.isSecure == true
        self.localURI = to
        self.remoteURI = from
        self.remoteTarget = (try? request.contacts().first?.uri) ?? .sip(SIPURI(host: "invalid"))
        self.routeSet = (try? request.routes(.recordRoute)) ?? []
        self.localSequence = nil
        self.remoteSequence = cseq.sequence
        self.localContact = localContact
    }

    // MARK: Received in-dialog requests

    public enum RequestVerdict: Sendable, Equatable {
        case accept
        /// CSeq lower than the last one: out of order (§12.2.2) → 500.
        case outOfOrder
        /// Re-INVITE while one of ours is pending (glare, §14.2) → 491.
        case glare
        /// Re-INVITE while the peer's previous one is still pending (§14.2) → 500 with Retry-After.
        case pendingRemoteInvite
    }

    /// Checks and records a request received in this dialog; updates the remote target
    /// on target-refresh requests (re-INVITE, UPDATE).
    public mutating func receive(request m: SIPMessage) -> RequestVerdict {
        guard let cseq = try? m.cseq() else { return .outOfOrder }
        if m.method == .ack || m.method == .cancel { return .accept }  // share the INVITE's CSeq
        if let remote = remoteSequence, cseq.sequence <= remote { return .outOfOrder }
        if m.method == .invite {
            if localInvitePending { return .glare }
            if remoteInvitePending { return .pendingRemoteInvite }
        }
        remoteSequence = cseq.sequence
        if m.method == .invite || m.method == .update, let target = try? m.contacts().first?.uri { remoteTarget = target }
        if m.method == .bye { state = .terminated }
        return .accept
    }

    /// Records a response to our in-dialog request (2xx to re-INVITE refreshes the target).
    public mutating func receive(response m: SIPMessage, to method: SIPMethod) {
        guard let code = m.statusCode else { return }
        if code >= 200, code < 300, method == .invite || method == .update, let target = try? m.contacts().first?.uri {
            remoteTarget = target
        }
        if state == .early, (200..<300).contains(code), method == .invite { state = .confirmed }
        if code == 481 || code == 408 { state = .terminated }  // §12.2.1.2
    }

    // MARK: Building requests (§12.2.1.1)

    /// A new in-dialog request (BYE, re-INVITE, INFO, UPDATE...). `branch` comes from the
    /// caller's randomness; `via` is our sent-by (e.g. "SIP/2.0/UDP 198.51.100.7:5060").
    public mutating func makeRequest(_ method: SIPMethod, via: String, branch: String, body: [UInt8] = [], contentType: String? = nil) -> SIPMessage {
        let seq = (localSequence ?? 0) &+ 1
        localSequence = seq
        return build(method, sequence: seq, via: via, branch: branch, body: body, contentType: contentType)
    }

    /// The ACK for a 2xx to an INVITE (§13.2.2.4): a new transaction-less request with the
    /// INVITE's CSeq number, routed like any in-dialog request.
    public func makeACK(forInviteSequence seq: UInt32, via: String, branch: String, body: [UInt8] = [], contentType: String? = nil) -> SIPMessage {
        build(.ack, sequence: seq, via: via, branch: branch, body: body, contentType: contentType)
    }

    private func build(_ method: SIPMethod, sequence: UInt32, via: String, branch: String, body: [UInt8], contentType: String?) -> SIPMessage {
        // §12.2.1.1 and RFC 3261 §16.12.1.1: with a loose-routing first hop the Request-URI is
        // the remote target and the route set goes in Route; with a strict router the first
        // route becomes the Request-URI and the remote target is appended last.
        var requestURI = remoteTarget
        var routes = routeSet.map(\.description)
        if let first = routeSet.first, let sip = first.uri.sipURI, !sip.isLooseRouter {
            var strict = sip
            strict.headers = []
            requestURI = .sip(strict)
            routes.removeFirst()
            routes.append("<\(remoteTarget)>")
        }
        var h = SIPHeaders()
        h.append(.via, "\(via);branch=\(branch)")
        h.append(.maxForwards, "70")
        h.append(.from, localURI.description)
        h.append(.to, remoteURI.description)
        h.append(.callID, id.callID)
        h.append(.cseq, "\(sequence) \(method.rawValue)")
        for r in routes { h.append(.route, r) }
        if method == .invite || method == .update { h.append(.contact, localContact.description) }
        if let contentType, !body.isEmpty { h.append(.contentType, contentType) }
        return .request(method, requestURI, headers: h, body: body)
    }
}

extension Dialog.RequestVerdict {
    /// The response that refuses a request with this verdict (nil for `.accept`):
    /// - `.outOfOrder`: 500 (§12.2.2: a CSeq lower than the last one received);
    /// - `.pendingRemoteInvite`: 500 with Retry-After, a random 0-10 s (§14.2) so the
    ///   peer's retry lands after its pending INVITE completed;
    /// - `.glare`: 491 Request Pending (§14.2); the peer retries after its own random
    ///   delay (§14.1), so no Retry-After.
    /// `random` in 0..<1 from the caller (sans-IO: no generator in the core).
    public func refusal(random: Double) -> (code: Int, reason: String, headers: [(SIPHeaderName, String)])? {
        switch self {
        case .accept:
            return nil
        case .outOfOrder:
            return (500, "Server Internal Error (CSeq out of order)", [])
        case .pendingRemoteInvite:
            return (500, "Server Internal Error (an earlier INVITE is still pending)",
                    [(.retryAfter, String(Self.retryAfterSeconds(random: random)))])
        case .glare:
            return (491, "Request Pending", [])
        }
    }

    /// 0...10 s, uniformly from `random` in 0..<1 (§14.2 "between 0 and 10 seconds").
    public static func retryAfterSeconds(random: Double) -> Int {
        Int(min(max(random, 0), 0.999_999) * 11)
    }
}

/// Responses that do not need a dialog object (§12.2.2, §11, §14).
public enum UserAgentResponses {
    /// 481 for a request naming a dialog we do not know (§12.2.2).
    public static func dialogDoesNotExist(_ request: SIPMessage, toTag: String) -> SIPMessage {
        request.makeResponse(481, toTag: toTag)
    }

    /// 491 for a re-INVITE that crossed ours (§14.2).
    public static func requestPending(_ request: SIPMessage) -> SIPMessage {
        request.makeResponse(491)
    }

    /// The answer to OPTIONS (§11.2): 200 with what we allow, accept and support.
    public static func options(_ request: SIPMessage, toTag: String,
                               allow: [SIPMethod] = [.invite, .ack, .bye, .cancel, .options, .info],
                               accept: [String] = ["application/sdp"], supported: [String] = []) -> SIPMessage {
        var r = request.makeResponse(200, toTag: toTag)
        r.headers.append(.allow, allow.map(\.rawValue).joined(separator: ", "))
        r.headers.append(.accept, accept.joined(separator: ", "))
        if !supported.isEmpty { r.headers.append(.supported, supported.joined(separator: ", ")) }
        return r
    }

    /// 487 for the INVITE a CANCEL terminated, plus the 200 for the CANCEL itself (§9.2).
    public static func cancelled(invite: SIPMessage, cancel: SIPMessage, toTag: String) -> (inviteResponse: SIPMessage, cancelResponse: SIPMessage) {
        (invite.makeResponse(487, toTag: toTag), cancel.makeResponse(200, toTag: toTag))
    }

    /// The glare retry delay (§14.1): the owner of the Call-ID (the UAC that created the
    /// dialog) waits 2.1-4 s, the other side 0-2 s. `random` in 0..<1 from the caller.
    public static func glareRetryDelay(ownsCallID: Bool, random: Double) -> Duration {
        let r = min(max(random, 0), 0.999)
        return ownsCallID ? .milliseconds(2100 + Int(r * 1900)) : .milliseconds(Int(r * 2000))
    }
}
