// One call leg the SIP service is party to, as a dialog (RFC 3261 §12): the test
// extension answering a user (UAS), or a call simgate places (UAC). Loop-confined like
// SIPService; see the proof there.
import Foundation
import NIOCore
import SIPCore
import ControlModel

final class CallLeg: @unchecked Sendable {
    /// echoTest: UAS for the test extension; outbound: the API's tone call (UAC);
    /// bridged: UAS for a user's call through a modem; inboundCall: UAC toward a user for a
    /// call that rang on a modem.
    enum Role { case echoTest, outbound, bridged, inboundCall }
    enum State: Equatable { case calling, early, answered, confirmed, ending, ended }

    let role: Role
    let callID: String
    let localTag: String
    var remoteTag: String?
    /// Who the leg belongs to, for max_concurrent_calls ("alice", "trunk:pbx", "api").
    let owner: String
    var state: State
    /// Our side and theirs as they appear in From/To of requests we send in the dialog.
    var local: NameAddr
    var remote: NameAddr
    var remoteTarget: SIPURI?
    /// Route set (§12.1.1 UAS: Record-Route in order; §12.1.2 UAC: reversed).
    var routeSet: [NameAddr] = []
    var localCSeq: UInt32
    /// Where in-dialog requests go when there is no route set: the peer the dialog was
    /// created from (symmetric signalling, as rport does for responses).
    var peer: SIPPeer?
    var rtp: RTPStream?
    /// Bridged legs: the call layer's handle, and the RTP port the call layer bound.
    var bridge: SIPBridgeLeg?
    var mediaPort: Int?
    var serverInviteKey: TransactionKey?
    var invite: SIPMessage?
    /// SIPCore's INVITE session: the dialog, our 2xx until its ACK, a late offer's answer,
    /// our SDP version, hold. `sessionTimers` are the timers it asked for.
    var session = InviteSession()
    var sessionTimers: [InviteSession.Timer: Scheduled<Void>] = [:]
    var hangupTimer: Scheduled<Void>?
    var answerTimer: Scheduled<Void>?
    /// o= of our SDP (RFC 4566 §5.2): the id stays for the session; the version is the
    /// session's (`InviteSession.sdpVersion`).
    let sessionID = UInt64.random(in: 1...UInt64(UInt32.max))
    var codec: String?
    let startedAt = NIODeadline.now()
    var authAttempted = false
    // Outbound calls only.
    var holdSeconds: Double = 5
    var credentials: (username: String, password: String)?
    var finalStatus: Int?
    var finalReason: String?
    var completion: EventLoopPromise<SIPCallResult>?

    init(role: Role, callID: String, localTag: String, owner: String, state: State, local: NameAddr, remote: NameAddr, localCSeq: UInt32) {
        self.role = role
        self.callID = callID
        self.localTag = localTag
        self.owner = owner
        self.state = state
        self.local = local
        self.remote = remote
        self.localCSeq = localCSeq
    }

    /// The UAS leg for `invite` (§12.1.1): our tag on its To, the remote target from its
    /// Contact, the route set from its Record-Route, early until our 2xx.
    static func answering(_ invite: SIPMessage, role: Role, callID: String, key: TransactionKey, peer: SIPPeer?,
                          from: NameAddr, to: NameAddr, owner: String, localTag: String, timers: TransactionTimers) -> CallLeg {
        var local = to
        let leg = CallLeg(role: role, callID: callID, localTag: localTag, owner: owner, state: .early,
                          local: local, remote: from, localCSeq: UInt32.random(in: 1...10_000))
        local.tag = leg.localTag
        leg.local = local
        leg.remoteTarget = (try? invite.contacts())?.first?.uri.sipURI
        leg.routeSet = (try? invite.routes(.recordRoute)) ?? []
        leg.peer = peer
        leg.serverInviteKey = key
        leg.invite = invite
        leg.session = InviteSession(timers: timers)
        leg.startServerDialog(invite)
        return leg
    }

    /// UAS legs: the dialog from the INVITE we answer (§12.1.1), early until the 2xx; the
    /// INVITE counts as pending until its ACK.
    func startServerDialog(_ invite: SIPMessage) {
        session.dialog = Dialog(uasRequest: invite, localTag: localTag, localContact: local, early: true)
        session.dialog?.remoteInvitePending = true
    }

    /// Our media at `host:port` as SIPCore's offer/answer takes it: G.711 µ-law, then A-law
    /// (the order of our offer's m= line), telephone-event 101, 20 ms.
    func localMedia(host: String, port: Int) -> LocalMedia {
        Self.localMedia(host: host, port: port, sessionID: sessionID, version: session.sdpVersion)
    }

    static func localMedia(host: String, port: Int, sessionID: UInt64, version: UInt64) -> LocalMedia {
        var media = LocalMedia(address: host, audioPort: UInt16(clamping: port), sessionID: String(sessionID), sessionVersion: version)
        media.codecs = [.pcmu, .pcma]
        return media
    }

    /// What an answer to `offer` would agree, before any port is bound: whether to take the
    /// INVITE at all (no G.711 over RTP/AVP → 488) and the phone's address.
    static func negotiate(_ offer: SessionDescription) throws(OfferAnswerError) -> NegotiatedAudio {
        try SDPOfferAnswer.answer(offer, local: localMedia(host: "0.0.0.0", port: 0, sessionID: 0, version: 0)).1
    }

    /// Our offer (outbound legs, and the 2xx of a late offer).
    func offerSDP(host: String, port: Int) -> [UInt8] {
        SDPOfferAnswer.offer(local: localMedia(host: host, port: port)).bytes
    }

    /// Our answer to `offer` at `host:port`, and what it agreed; throws when no stream is
    /// G.711 over RTP/AVP (the INVITE is then refused with 488).
    func answer(_ offer: SessionDescription, host: String, port: Int) throws(OfferAnswerError) -> (sdp: [UInt8], audio: NegotiatedAudio) {
        let (sdp, audio) = try SDPOfferAnswer.answer(offer, local: localMedia(host: host, port: port))
        return (sdp.bytes, audio)
    }

    /// What the answer (`body`) to our offer (`offerBody`: our INVITE's, or our 2xx's for a
    /// late offer) agreed; nil when it is no usable answer (no SDP, nothing we offered).
    func accept(answer body: [UInt8], to offerBody: [UInt8]) -> NegotiatedAudio? {
        guard let offer = try? SessionDescription.parse(offerBody), let answer = try? SessionDescription.parse(body) else { return nil }
        return try? SDPOfferAnswer.accept(answer: answer, to: offer, local: localMedia(host: offer.origin.address, port: 0))
    }

    /// The dialog key as seen from requests the far end sends: Call-ID + our tag (their To tag).
    var id: String { CallLeg.id(callID: callID, localTag: localTag) }
    static func id(callID: String, localTag: String) -> String { callID + "|" + localTag }
}
