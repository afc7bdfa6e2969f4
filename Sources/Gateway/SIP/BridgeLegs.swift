// The SIP half of calls bridged to a modem, as the call layer sees it.
//
// - A user dials a number (not the test extension): the INVITE becomes a `.bridged` UAS leg,
//   the call layer gets a `SIPBridgeRequest` and answers through the leg's handle:
//   `ringing()` (180), `answer(localPort:)` (200 + SDP answer), `reject(...)` (final
//   response with a Reason header, RFC 3326), `hangUp(reason:)` (BYE).
// - A modem rings: the call layer places a `.inboundCall` UAC leg toward the user's
//   registered contact (`inviteUser`); 180/200 and the end come back as `SIPLegEvent`s;
//   `hangUp` sends CANCEL before the answer and BYE after it.
//
// Concurrency: SIPBridgeLeg's mutable state is touched only on the SIP service's loop
// (every method hops there first); see SIPService for the confinement proof.
import Foundation
import NIOCore
import SIPCore

enum SIPLegEvent: Sendable {
    /// The called user is alerting (180/183), inbound calls only.
    case ringing
    /// The called user answered (inbound calls): codec and where to send RTP.
    case answered(NegotiatedAudio)
    /// The phone put the call on hold (true: a re-INVITE with sendonly, inactive or
    /// c=0.0.0.0, RFC 3264 §8.4) or took it off hold (false). Answered calls only.
    case hold(Bool)
    /// The leg is over: BYE or CANCEL from the phone, a final non-2xx, a timeout, or our own
    /// reject/hang-up (the call layer ignores what it caused itself).
    case ended(SIPLegEnd)
}

struct SIPLegEnd: Sendable, Equatable {
    /// "remote-hangup", "cancelled", "rejected", "timeout", "ended", ...
    var outcome: String
    var reason: String?
    /// The final status of the INVITE when there was one (inbound calls: the user's answer).
    var status: Int?
}

/// An authenticated user's INVITE to a number: what the call layer needs to place the call.
struct SIPBridgeRequest: Sendable {
    /// The authenticated user ("alice") or "trunk:NAME".
    var user: String
    /// The number as dialled, without a `modem*` prefix.
    var number: String
    /// A modem named in the Request-URI (`huawei1*NUMBER`).
    var modem: String?
    /// The caller's number or name from From.
    var caller: String?
    var leg: SIPBridgeLeg
    /// When the INVITE arrived (monotonic), for the INVITE → ATD latency.
    var receivedAt: NIODeadline
}

final class SIPBridgeLeg: @unchecked Sendable {
    let service: SIPService
    let leg: CallLeg
    /// Negotiated from the phone's offer (bridged calls) or the user's answer (inbound).
    let audio: NegotiatedAudio?
    /// Our address toward the phone: the RTP socket is bound there and it goes in the SDP.
    let mediaHost: String
    private let offer: SessionDescription?
    /// The user part of our Contact in this dialog (the number dialled, or the modem).
    let contactUser: String
    private var handler: (@Sendable (SIPLegEvent) -> Void)?
    private var pending: [SIPLegEvent] = []
    private var sentRinging = false
    private var sentProgress = false

    init(service: SIPService, leg: CallLeg, audio: NegotiatedAudio?, offer: SessionDescription?, mediaHost: String, contactUser: String) {
        self.service = service; self.leg = leg; self.audio = audio; self.offer = offer
        self.mediaHost = mediaHost; self.contactUser = contactUser
    }

    var callID: String { leg.callID }

    /// Starts delivering events (on the SIP loop); events that came before are replayed.
    func attach(_ handler: @escaping @Sendable (SIPLegEvent) -> Void) {
        service.loop.execute {
            self.handler = handler
            let queued = self.pending
            self.pending.removeAll()
            for e in queued { handler(e) }
        }
    }

    func deliver(_ event: SIPLegEvent) {
        if let handler { handler(event) } else { pending.append(event) }
    }

    /// 180 Ringing (once) on a bridged call.
    func ringing() {
        service.loop.execute {
            guard self.leg.role == .bridged, self.leg.state == .early, !self.sentRinging,
                  let invite = self.leg.invite, let key = self.leg.serverInviteKey else { return }
            self.sentRinging = true
            self.service.reply(invite, key, 180, toTag: self.leg.localTag)
        }
    }

    /// `[sip] early_media`: the call layer answers alerting with 183 + SDP.
    var earlyMedia: Bool { service.config.earlyMedia }

    /// 183 Session Progress (once) with our SDP answer on a bridged call: the modem's audio
    /// (the network's in-band ringback) flows as RTP before the answer (RFC 3960's gateway
    /// model). The 200 then carries the same SDP (same o= version: RFC 3264 §8 — nothing
    /// changed). The Contact makes the early dialog routable (RFC 3261 §12.1.1).
    func sessionProgress(localPort: Int) {
        service.loop.execute {
            guard self.leg.role == .bridged, self.leg.state == .early, !self.sentProgress, let invite = self.leg.invite,
                  let key = self.leg.serverInviteKey, let offer = self.offer,
                  let (sdp, _) = try? self.leg.answer(offer, host: self.mediaHost, port: localPort) else { return }
            self.sentProgress = true
            self.sentRinging = true
            self.leg.mediaPort = localPort
            var headers: [(SIPHeaderName, String)] = [(.contact, self.service.contactHeader(user: self.contactUser, host: self.mediaHost,
                                                                                            peer: self.leg.peer))]
            for rr in invite.headers.lines(.recordRoute) { headers.append((.recordRoute, rr)) }
            self.service.reply(invite, key, 183, "Session Progress", toTag: self.leg.localTag, headers: headers, body: sdp,
                               contentType: "application/sdp")
        }
    }

    /// 200 OK with our SDP answer: RTP at `mediaHost:localPort`.
    func answer(localPort: Int) {
        service.loop.execute {
            guard self.leg.role == .bridged, self.leg.state == .early, let invite = self.leg.invite,
                  let key = self.leg.serverInviteKey, let offer = self.offer,
                  let (sdp, _) = try? self.leg.answer(offer, host: self.mediaHost, port: localPort) else { return }
            self.leg.mediaPort = localPort
            self.service.answer(self.leg, request: invite, key: key, sdp: sdp, host: self.mediaHost, contactUser: self.contactUser)
        }
    }

    /// A final failure response for a bridged call that was not answered.
    func reject(status: Int, phrase: String, reason: String?) {
        service.loop.execute {
            guard self.leg.role == .bridged, self.leg.state == .early, let invite = self.leg.invite,
                  let key = self.leg.serverInviteKey else { return }
            var headers: [(SIPHeaderName, String)] = []
            if let reason { headers.append((.reason, reason)) }
            self.service.reply(invite, key, status, phrase, toTag: self.leg.localTag, headers: headers)
            self.leg.finalStatus = status
            self.service.finish(self.leg, outcome: "rejected", reason: "\(status) \(phrase)")
        }
    }

    /// Ends the leg from our side: BYE once answered, CANCEL (UAC) or 480 (UAS) before.
    func hangUp(reason: String?) {
        service.loop.execute {
            switch self.leg.state {
            case .answered, .confirmed:
                self.service.sendBye(self.leg, reason: reason)
            case .calling, .early:
                if self.leg.role == .inboundCall {
                    self.service.cancelInvite(self.leg, reason: reason)
                } else if let invite = self.leg.invite, let key = self.leg.serverInviteKey {
                    var headers: [(SIPHeaderName, String)] = []
                    if let reason { headers.append((.reason, reason)) }
                    self.service.reply(invite, key, 480, toTag: self.leg.localTag, headers: headers)
                    self.service.finish(self.leg, outcome: "rejected", reason: "480")
                }
            case .ending, .ended:
                break
            }
        }
    }
}

extension SIPService {
    /// A new INVITE from an authenticated caller to a number: a bridged UAS leg.
    func startBridgedCall(_ m: SIPMessage, key: TransactionKey, uri: SIPURI, from: NameAddr, to: NameAddr, caller: String,
                          offer: SessionDescription, audio: NegotiatedAudio, handler: (SIPBridgeRequest) -> Void) {
        let peer = transactionUsers[key]?.peer
        let leg = CallLeg.answering(m, role: .bridged, callID: m.callID ?? Self.makeCallID(host: "simgate"), key: key, peer: peer,
                                    from: from, to: to, owner: caller, localTag: Self.makeTag(), timers: layer.timers)
        leg.codec = audio.codec.rawValue
        legs[leg.id] = leg
        transactionUsers[key]?.leg = leg
        let host = advertisedHost(listener: peer?.listener, peer: peer?.remote)
        let dialled = uri.decodedUser ?? ""
        let (modem, number) = FirstFreeModemChooser.split(requestUser: dialled)
        let handle = SIPBridgeLeg(service: self, leg: leg, audio: audio, offer: offer, mediaHost: host,
                                  contactUser: dialled.replacingOccurrences(of: "#", with: "%23"))
        leg.bridge = handle
        let callerName = from.uri.sipURI?.decodedUser ?? from.displayName
        handler(SIPBridgeRequest(user: caller, number: number, modem: modem, caller: callerName, leg: handle, receivedAt: .now()))
    }

    /// Where `user` is registered: our address toward its newest contact, or nil when it has
    /// no live registration (the inbound call then stays ringing on the modem: missed).
    func mediaHost(forUser user: String) async -> String? {
        try? await loop.submit { () -> String? in
            guard let (_, address) = self.newestContact(of: user) else { return nil }
            return self.advertisedHost(listener: self.udpListener.flatMap { u in self.listeners.firstIndex { $0.channel === u.channel } },
                                       peer: address)
        }.get()
    }

    func newestContact(of user: String) -> (uri: SIPURI, address: SocketAddress)? {
        let rows = registrar.live(now: Date()).filter { $0.user == user }.sorted { $0.expiresAt > $1.expiresAt }
        for row in rows {
            guard let uri = try? SIPURI.parse(row.contact), let address = SIPAddressing.address(of: uri) else { continue }
            return (uri, address)
        }
        return nil
    }

    /// Places the SIP leg of an inbound GSM call: INVITE to `user`'s newest contact, with our
    /// RTP at `host:port`. nil when the user is not registered or we have no UDP listener.
    func inviteUser(_ user: String, caller: String?, modem: String, host: String, port: Int,
                    handler: @escaping @Sendable (SIPLegEvent) -> Void) -> EventLoopFuture<SIPBridgeLeg?> {
        loop.submit { () -> SIPBridgeLeg? in
            guard !self.stopped, let (contact, destination) = self.newestContact(of: user), let udp = self.udpListener,
                  let udpIndex = self.listeners.firstIndex(where: { $0.channel === udp.channel }) else { return nil }
            let callerUser = caller.flatMap { c in c.allSatisfy { $0.isNumber || $0 == "+" } && !c.isEmpty ? c : nil } ?? "anonymous"
            let localURI = SIPURI(user: callerUser, host: host, port: UInt16(udp.port))
            var toURI = contact
            toURI.parameters = []
            toURI.user = user
            let leg = CallLeg(role: .inboundCall, callID: Self.makeCallID(host: host), localTag: Self.makeTag(), owner: user,
                              state: .calling, local: NameAddr(uri: localURI, parameters: [SIPParameter("tag", "")]),
                              remote: NameAddr(uri: toURI), localCSeq: 1)
            leg.local.tag = leg.localTag
            leg.remoteTarget = contact
            leg.peer = SIPPeer(transport: .udp, remote: destination, channel: udp.channel, listener: udpIndex)
            leg.mediaPort = port
            self.legs[leg.id] = leg
            let handle = SIPBridgeLeg(service: self, leg: leg, audio: nil, offer: nil, mediaHost: host, contactUser: modem)
            leg.bridge = handle
            handle.attach(handler)
            let invite = self.makeInvite(leg, to: contact, transport: .udp, host: host, port: udp.port,
                                         contact: NameAddr(uri: SIPURI(user: modem, host: host, port: UInt16(udp.port))),
                                         sdp: leg.offerSDP(host: host, port: port))
            leg.invite = invite
            let sent = self.sendRequest(invite, peer: leg.peer!, destination: destination) { [self] event in
                self.inboundInviteEvent(leg, event)
            }
            if !sent { self.finish(leg, outcome: "failed", reason: "cannot send INVITE") }
            return handle
        }
    }

    private func inboundInviteEvent(_ leg: CallLeg, _ event: ClientEvent) {
        guard case let .response(r) = event else {
            if leg.state == .calling || leg.state == .early || leg.state == .ending {
                leg.finalStatus = 408
                finish(leg, outcome: "timeout", reason: "no final answer to INVITE")
            }
            return
        }
        guard let code = r.statusCode else { return }
        switch code {
        case 100..<200:
            if leg.state == .calling { leg.state = .early }
            if code == 180 || code == 183 { leg.bridge?.deliver(.ringing) }
        case 200..<300:
            if leg.state == .answered || leg.state == .confirmed {
                sendInviteACK(leg)   // a retransmitted 2xx: our ACK was lost (§13.2.2.4)
                return
            }
            leg.finalStatus = code
            leg.remoteTag = (try? r.to())?.tag
            if let tag = leg.remoteTag { leg.remote.tag = tag }
            leg.remoteTarget = (try? r.contacts())?.first?.uri.sipURI ?? leg.remoteTarget
            leg.routeSet = ((try? r.routes(.recordRoute)) ?? []).reversed()
            if let invite = leg.invite {
                leg.session.dialog = Dialog(uacRequest: invite, response: r, localContact: NameAddr(uri: leg.local.uri))
            }
            let cancelled = leg.state == .ending
            leg.state = .confirmed
            sendInviteACK(leg)
            // The 2xx crossed our CANCEL (§9.1): the dialog exists, end it with BYE.
            if cancelled { sendBye(leg, reason: leg.finalReason); return }
            guard let offer = leg.invite?.body, let audio = leg.accept(answer: r.body, to: offer) else {
                sendBye(leg, reason: "Q.850;cause=65;text=\"no G.711 in the answer\"")
                return
            }
            leg.codec = audio.codec.rawValue
            leg.bridge?.deliver(.answered(audio))
        default:
            leg.finalStatus = code
            finish(leg, outcome: leg.state == .ending ? "cancelled" : "rejected", reason: "\(code) \(r.reasonPhrase ?? "")")
        }
    }

    private func sendInviteACK(_ leg: CallLeg) {
        let saved = leg.localCSeq
        guard var ack = makeInDialogRequest(leg, method: .ack), let (peer, destination) = nextHop(for: leg) else { return }
        ack.headers.set(.cseq, "\(saved) ACK")
        write(ack, peer: peer, to: destination)
    }

    /// CANCEL for our pending INVITE (§9.1); the INVITE's 487 then finishes the leg.
    func cancelInvite(_ leg: CallLeg, reason: String?) {
        guard let invite = leg.invite, let peer = leg.peer else { finish(leg, outcome: "cancelled", reason: nil); return }
        leg.state = .ending
        leg.finalReason = reason
        // §9.1 asks to wait for a provisional response first; the phone answers 100/180 at
        // once, and at worst answers 481 while the INVITE transaction's timeout ends the leg.
        let cancel = SIPMessage.cancel(for: invite, reason: reason)
        sendRequest(cancel, peer: peer, destination: peer.remote) { _ in }
    }
}
