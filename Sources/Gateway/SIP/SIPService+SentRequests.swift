// Requests simgate originates: an outbound call that plays a 1 kHz tone (POST
// /v1/sip/call, `simgate sip call`), and the REGISTER of each upstream trunk.
import ControlModel
import Foundation
import MediaCore
import NIOCore
import SIPCore
import SimgateConfig

/// Upstream registration of one [[trunk]] (RFC 3261 §10.2 as a client): register with
/// digest auth, refresh before expiry, retry with exponential backoff.
final class TrunkRegistration: @unchecked Sendable {  // loop-confined like SIPService
    let config: SIPTrunkConfig
    var state: SIPTrunkStatus.State
    var expiresAt: Date?
    var lastError: String?
    var nextAttemptAt: Date?
    var task: Scheduled<Void>?
    let callID: String
    let fromTag = SIPService.makeTag()
    var cseq: UInt32 = 0
    var lastRequest: SIPMessage?
    var authAttempted = false
    /// The registrar's address as last resolved (a DNS name is resolved at each REGISTER).
    var resolved: SocketAddress?
    /// `transport = "tcp"`: our connection to the registrar (nil until open, or after it dropped).
    var connection: Channel?
    /// Seconds to wait before the next retry; doubles from 5 s up to 5 minutes, so a dead
    /// registrar is not hammered and a recovered one is found again within minutes.
    var backoff: Double = 5
    static let maxBackoff: Double = 300

    init(config: SIPTrunkConfig) {
        self.config = config
        self.state = config.register ? .registering : .disabled
        self.callID = SIPService.makeCallID(host: "simgate")
    }

    var status: SIPTrunkStatus {
        SIPTrunkStatus(name: config.name, registrar: config.registrar, state: state, expiresAt: expiresAt, lastError: lastError,
                       nextAttemptAt: nextAttemptAt)
    }

    /// When to refresh a registration granted for `expires` seconds: before it runs out
    /// with a margin for a retransmitted REGISTER (at most 80% of the lifetime).
    static func refreshDelay(expires: Int) -> Double {
        max(1, min(Double(expires) - 32, Double(expires) * 0.8))
    }
}

extension SIPService {
    // MARK: Trunks

    func startTrunks() {
        trunks = trunkConfigs.map(TrunkRegistration.init)
        for t in trunks where t.config.register { registerTrunk(t) }
    }

    func registerTrunk(_ t: TrunkRegistration) {
        guard !stopped else { return }
        guard let registrar = try? SIPURI.parse(t.config.registrar) else {
            trunkFailed(t, "registrar must be a sip: URI")
            return
        }
        let tcp = t.config.transport == .tcp
        // We send from the UDP listener, or over TCP with the TCP listener's address in
        // Via/Contact (the UDP one when there is no TCP listener).
        guard let udp = udpListener, let udpIndex = listeners.firstIndex(where: { $0.channel === udp.channel }) else {
            trunkFailed(t, "a UDP listener is needed")
            return
        }
        let index = tcp ? (listeners.firstIndex { $0.transport == .tcp } ?? udpIndex) : udpIndex
        let family = (listeners[index].channel.localAddress?.protocol == .inet6) ? AF_INET6 : AF_INET
        t.state = t.state == .registered ? .registered : .registering
        resolveTrunkRegistrar(registrar, family: family).whenComplete { [self] resolved in
            guard !stopped else { return }
            switch resolved {
            case let .failure(error):
                trunkFailed(t, "\(error)")
            case let .success(destination):
                t.resolved = destination
                guard tcp else {
                    sendTrunkRegister(t, registrar: registrar, peer: SIPPeer(transport: .udp, remote: destination, channel: udp.channel, listener: udpIndex))
                    return
                }
                trunkConnection(t, to: destination, listener: index).whenComplete { [self] connected in
                    switch connected {
                    case let .failure(error):
                        trunkFailed(t, "cannot connect to \(destination.ipString):\(destination.port ?? 0) over TCP: \(error)")
                    case let .success(channel):
                        sendTrunkRegister(t, registrar: registrar, peer: SIPPeer(transport: .tcp, remote: destination, channel: channel, listener: index))
                    }
                }
            }
        }
    }

    /// The REGISTER itself (§10.2), once the registrar's address (and connection) is known.
    private func sendTrunkRegister(_ t: TrunkRegistration, registrar: SIPURI, peer: SIPPeer) {
        t.cseq += 1
        t.authAttempted = false
        let host = advertisedHost(listener: peer.listener, peer: peer.remote)
        let port = listeners[peer.listener].port
        let transportParameter = peer.transport == .tcp ? ";transport=tcp" : ""
        var aor = registrar
        aor.user = t.config.username
        aor.port = registrar.port
        aor.parameters = []
        var h = SIPHeaders()
        h.append(.via, Via(transport: peer.transport.rawValue.uppercased(), host: host, port: UInt16(port), branch: Self.makeBranch(),
                           parameters: [SIPParameter("rport")]).description)
        h.append(.maxForwards, "70")
        h.append(.from, NameAddr(uri: aor, parameters: [SIPParameter("tag", t.fromTag)]).description)
        h.append(.to, NameAddr(uri: aor).description)
        h.append(.callID, t.callID)
        h.append(.cseq, "\(t.cseq) REGISTER")
        h.append(.contact, "<sip:\(t.config.username)@\(host):\(port)\(transportParameter)>")
        h.append(.expires, String(t.config.expires))
        h.append(.userAgent, userAgent)
        var requestURI = registrar
        requestURI.user = nil
        let request = SIPMessage.request(.register, .sip(requestURI), headers: h)
        t.lastRequest = request
        sendRequest(request, peer: peer, destination: peer.remote) { [self] event in trunkEvent(t, event, peer: peer) }
    }

    private func trunkEvent(_ t: TrunkRegistration, _ event: ClientEvent, peer: SIPPeer) {
        guard case let .response(r) = event else {
            trunkFailed(t, "timeout (no answer from registrar)")
            return
        }
        guard let code = r.statusCode, code >= 200 else { return }
        switch code {
        case 200..<300:
            let mine = (try? r.contacts())?.first { $0.uri.sipURI?.user == t.config.username }
            let granted = mine?.parameters.parameter("expires").flatMap { $0 }.flatMap { Int($0) }
                ?? r.headers[.expires].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? t.config.expires
            t.state = .registered
            t.expiresAt = Date().addingTimeInterval(Double(granted))
            t.lastError = nil
            t.backoff = 5
            let delay = TrunkRegistration.refreshDelay(expires: granted)
            scheduleTrunk(t, after: delay)
            logger.info("trunk registered", metadata: ["trunk": "\(t.config.name)", "expires": "\(granted)"])
        case 401, 407:
            guard !t.authAttempted, let password = t.config.password, let last = t.lastRequest,
                  let retry = DigestClient.authorize(last, challengeResponse: r, username: t.config.username, password: password.exposedValue,
                                                     cnonce: Self.makeTag(), branch: Self.makeBranch()) else {
                trunkFailed(t, "\(code) \(r.reasonPhrase ?? "") (credentials refused)")
                return
            }
            t.authAttempted = true
            t.lastRequest = retry
            t.cseq = (try? retry.cseq().sequence) ?? t.cseq + 1
            sendRequest(retry, peer: peer, destination: peer.remote) { [self] event in
                // A second challenge after our credentials means they were refused.
                if case let .response(r2) = event, r2.statusCode == 401 || r2.statusCode == 407 {
                    trunkFailed(t, "\(r2.statusCode ?? 0) \(r2.reasonPhrase ?? "") (credentials refused)")
                    return
                }
                trunkEvent(t, event, peer: peer)
            }
        default:
            trunkFailed(t, "\(code) \(r.reasonPhrase ?? "")")
        }
    }

    private func trunkFailed(_ t: TrunkRegistration, _ error: String) {
        t.state = .failed
        t.lastError = error
        logger.warning("trunk registration failed", metadata: ["trunk": "\(t.config.name)", "error": "\(error)", "retry_in": "\(t.backoff)"])
        scheduleTrunk(t, after: t.backoff)
        t.backoff = min(t.backoff * 2, TrunkRegistration.maxBackoff)
    }

    private func scheduleTrunk(_ t: TrunkRegistration, after seconds: Double) {
        t.task?.cancel()
        t.nextAttemptAt = Date().addingTimeInterval(seconds)
        t.task = loop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) { [self] in registerTrunk(t) }
    }

    // MARK: Outbound call with a tone

    func startOutboundCall(_ request: SIPCallRequest, promise: EventLoopPromise<SIPCallResult>) {
        @Sendable func fail(_ reason: String) {
            promise.succeed(SIPCallResult(outcome: "failed", finalStatus: nil, reason: reason, codec: nil, rtpPacketsSent: 0,
                                          rtpPacketsReceived: 0, seconds: 0))
        }
        var trunk: SIPTrunkConfig?
        if let name = request.trunk {
            guard let t = trunkConfigs.first(where: { $0.name == name }) else { return fail("no trunk named \(name)") }
            guard t.outbound else { return fail("trunk \(name) does not allow outbound calls") }
            trunk = t
        }
        var targetText = request.to
        if !targetText.hasPrefix("sip:"), let trunk, let registrar = try? SIPURI.parse(trunk.registrar) {
            targetText = "sip:\(targetText)@\(registrar.hostPort)"
        }
        guard let target = try? SIPURI.parse(targetText) else { return fail("not a sip: URI: \(request.to)") }
        guard (request.play ?? "tone") == "tone" else { return fail("play must be \"tone\"") }
        guard let udp = udpListener, let udpIndex = listeners.firstIndex(where: { $0.channel === udp.channel }) else {
            return fail("outbound calls need a UDP listener")
        }
        // A TCP trunk: over its connection (opened now if the trunk does not register), its
        // name resolved off the loop. Names are never resolved per packet.
        if let trunk, trunk.transport == .tcp, let registration = trunks.first(where: { $0.config.name == trunk.name }),
           let registrar = try? SIPURI.parse(trunk.registrar) {
            let index = listeners.firstIndex { $0.transport == .tcp } ?? udpIndex
            let family = (listeners[index].channel.localAddress?.protocol == .inet6) ? AF_INET6 : AF_INET
            let address = registration.resolved.map { loop.makeSucceededFuture($0) } ?? resolveTrunkRegistrar(registrar, family: family)
            address.flatMap { [self] destination in
                registration.resolved = destination
                return trunkConnection(registration, to: destination, listener: index).map {
                    SIPPeer(transport: .tcp, remote: destination, channel: $0, listener: index)
                }
            }.whenComplete { [self] result in
                switch result {
                case let .success(peer): placeOutboundCall(request, trunk: trunk, target: target, peer: peer, promise: promise)
                case let .failure(error): fail("trunk \(trunk.name) unreachable over TCP: \(error)")
                }
            }
            return
        }
        let nextHopURI = trunk.flatMap { try? SIPURI.parse($0.registrar) } ?? target
        // A trunk's registrar name was resolved at its last REGISTER (never here, per call).
        let trunkAddress = trunk.flatMap { c in trunks.first { $0.config.name == c.name }?.resolved }
        guard let destination = trunkAddress ?? SIPAddressing.address(of: nextHopURI) else {
            return fail("the URI's host must be an IP address (or a trunk whose registrar name has resolved)")
        }
        placeOutboundCall(request, trunk: trunk, target: target,
                          peer: SIPPeer(transport: .udp, remote: destination, channel: udp.channel, listener: udpIndex), promise: promise)
    }

    /// The INVITE of an outbound call, once we know how to reach the next hop (`peer`).
    private func placeOutboundCall(_ request: SIPCallRequest, trunk: SIPTrunkConfig?, target: SIPURI, peer: SIPPeer,
                                   promise: EventLoopPromise<SIPCallResult>) {
        let host = advertisedHost(listener: peer.listener, peer: peer.remote)
        let port = listeners[peer.listener].port
        let localURI = SIPURI(user: trunk?.username ?? "simgate", host: host, port: UInt16(port),
                              parameters: peer.transport == .tcp ? [SIPParameter("transport", "tcp")] : [])
        let leg = CallLeg(role: .outbound, callID: Self.makeCallID(host: host), localTag: Self.makeTag(), owner: "api", state: .calling,
                          local: NameAddr(uri: localURI, parameters: [SIPParameter("tag", "")]), remote: NameAddr(uri: target),
                          localCSeq: 1)
        leg.local.tag = leg.localTag
        leg.completion = promise
        leg.holdSeconds = min(max(request.seconds ?? 5, 0), 3600)
        if let trunk, let pw = trunk.password { leg.credentials = (trunk.username, pw.exposedValue) }
        leg.peer = peer
        legs[leg.id] = leg
        RTPStream.open(host: host, ports: config.rtpPortMin...config.rtpPortMax, mode: .echo, on: loop, cursor: &rtpCursor)
            .whenComplete { [self] result in
                guard case let .success(stream) = result else {
                    leg.finalReason = "no free RTP port"
                    finish(leg, outcome: "failed", reason: nil)
                    return
                }
                guard leg.state == .calling else { stream.close(); return }
                leg.rtp = stream
                let invite = makeInvite(leg, to: target, transport: peer.transport, host: host, port: port,
                                        contact: NameAddr(uri: localURI), sdp: leg.offerSDP(host: host, port: stream.localPort))
                leg.invite = invite
                sendInvite(leg, invite)
            }
    }

    /// The dialog-creating INVITE of a leg we place (§8.1.1), built by SIPCore: Via with
    /// rport (RFC 3581), From with the leg's tag, our Contact, Allow and User-Agent, our offer.
    func makeInvite(_ leg: CallLeg, to target: SIPURI, transport: SIPPeer.Transport, host: String, port: Int, contact: NameAddr,
                    sdp: [UInt8]) -> SIPMessage {
        let via = Via(transport: transport.rawValue, host: host, port: UInt16(clamping: port), parameters: [SIPParameter("rport")])
        var from = leg.local
        from.tag = nil
        let identity = RequestIdentity(from: from, fromTag: leg.localTag, callID: leg.callID, sequence: leg.localCSeq,
                                       via: via.description, contact: contact)
        return .makeRequest(.invite, to: .sip(target), toName: leg.remote, identity: identity, branch: Self.makeBranch(), body: sdp,
                            contentType: "application/sdp", extraHeaders: [(.allow, Self.allowedMethods), (.userAgent, userAgent)])
    }

    private func sendInvite(_ leg: CallLeg, _ invite: SIPMessage) {
        guard let peer = leg.peer else { return }
        let sent = sendRequest(invite, peer: peer, destination: peer.remote) { [self] event in outboundInviteEvent(leg, event) }
        if !sent { finish(leg, outcome: "failed", reason: "cannot send INVITE") }
    }

    private func outboundInviteEvent(_ leg: CallLeg, _ event: ClientEvent) {
        guard case let .response(r) = event else {
            if leg.state == .calling || leg.state == .early { finish(leg, outcome: "timeout", reason: "no final answer to INVITE") }
            return
        }
        guard let code = r.statusCode else { return }
        switch code {
        case 100..<200:
            if leg.state == .calling { leg.state = .early }
        case 200..<300:
            if leg.state == .answered || leg.state == .confirmed {
                sendACK(leg)  // a retransmitted 2xx: our ACK was lost (§13.2.2.4)
                return
            }
            guard leg.state == .calling || leg.state == .early else { return }
            leg.finalStatus = code
            leg.remoteTag = (try? r.to())?.tag
            if let tag = leg.remoteTag { leg.remote.tag = tag }
            leg.remoteTarget = (try? r.contacts())?.first?.uri.sipURI ?? leg.remote.uri.sipURI
            leg.routeSet = ((try? r.routes(.recordRoute)) ?? []).reversed()
            leg.state = .confirmed
            sendACK(leg)
            if let offer = leg.invite?.body, let audio = leg.accept(answer: r.body, to: offer) {
                let law: G711Law = audio.codec == .pcma ? .aLaw : .muLaw
                leg.codec = law.encodingName
                leg.rtp?.setRemote(try? SocketAddress(ipAddress: audio.remoteAddress, port: Int(audio.remotePort)))
                leg.rtp?.startTone(law, payloadType: UInt8(clamping: audio.payloadType))
            }
            leg.hangupTimer = loop.scheduleTask(in: .milliseconds(Int64(leg.holdSeconds * 1000))) { [self] in sendBye(leg) }
        case 401, 407:
            guard !leg.authAttempted, let creds = leg.credentials, let invite = leg.invite,
                  let retry = DigestClient.authorize(invite, challengeResponse: r, username: creds.username, password: creds.password,
                                                     cnonce: Self.makeTag(), branch: Self.makeBranch()) else {
                leg.finalStatus = code
                finish(leg, outcome: "rejected", reason: "\(code) \(r.reasonPhrase ?? "")")
                return
            }
            leg.authAttempted = true
            leg.localCSeq = (try? retry.cseq().sequence) ?? leg.localCSeq + 1
            leg.invite = retry
            sendInvite(leg, retry)
        default:
            leg.finalStatus = code
            finish(leg, outcome: "rejected", reason: "\(code) \(r.reasonPhrase ?? "")")
        }
    }

    /// The ACK for a 2xx is its own transaction-less request, end to end (§13.2.2.4):
    /// same CSeq number, a new branch, the dialog's route set.
    private func sendACK(_ leg: CallLeg) {
        let saved = leg.localCSeq
        guard var ack = makeInDialogRequest(leg, method: .ack), let (peer, destination) = nextHop(for: leg) else { return }
        ack.headers.set(.cseq, "\(saved) ACK")
        write(ack, peer: peer, to: destination)
    }
}
