// The transaction user for requests we receive: OPTIONS, REGISTER (registrar), INVITE
// to the test extension (echo), ACK, BYE, CANCEL, and 481/405/501 for the rest.
import ControlModel
import Foundation
import MediaCore
import NIOCore
import SIPCore

extension SIPService {
    func handleRequest(_ m: SIPMessage, key: TransactionKey) {
        guard let method = m.method else { return }
        if let rejection = m.userAgentServerRejection() {
            reply(m, key, rejection.statusCode, rejection.reason)
            return
        }
        let toTag = (try? m.to())?.tag
        switch method {
        case .options:
            reply(m, key, 200, headers: capabilityHeaders)
        case .register:
            handleRegister(m, key: key)
        case .invite:
            if let toTag { handleReInvite(m, key: key, toTag: toTag) } else { handleNewInvite(m, key: key) }
        case .bye:
            guard let leg = toTag.flatMap({ legs[CallLeg.id(callID: m.callID ?? "", localTag: $0)] }) else {
                reply(m, key, 481)
                return
            }
            reply(m, key, 200, toTag: leg.localTag)
            finish(leg, outcome: "remote-hangup", reason: "BYE from the far end")
        case .cancel:
            handleCancel(m, key: key)
        case .message:
            handleMessage(m, key: key)
        case .info, .update, .notify, .prack:
            guard let tag = toTag, let leg = legs[CallLeg.id(callID: m.callID ?? "", localTag: tag)] else {
                reply(m, key, 481)
                return
            }
            reply(m, key, 200, toTag: leg.localTag)
        default:
            if Self.knownMethods.contains(method.rawValue) {
                reply(m, key, 405, headers: [(.allow, Self.allowedMethods)])
            } else {
                reply(m, key, 501, headers: [(.allow, Self.allowedMethods)])
            }
        }
    }

    // MARK: Digest authentication of users (and trunks with inbound_auth)

    /// The authenticated user name, or nil after answering (401 challenge or 403).
    /// The challenge offers `challengeAlgorithms` (one WWW-Authenticate per algorithm, RFC
    /// 8760 §2.4); SHA-256 and MD5 answers are both checked against the HA1 of their
    /// algorithm. A user whose config gives only an MD5 `ha1` who answers with SHA-256 is
    /// challenged again with MD5 alone.
    func authenticate(_ m: SIPMessage, key: TransactionKey) -> String? {
        let now = UInt64(Date().timeIntervalSince1970)
        func challenge(stale: Bool, algorithms: [DigestAlgorithm] = challengeAlgorithms) {
            let cs = digest.challenges(now: now, random: UInt64.random(in: 0...UInt64.max), algorithms: algorithms, stale: stale)
            reply(m, key, 401, headers: cs.map { (.wwwAuthenticate, $0.headerValue) })
        }
        guard let header = m.headers[.authorization] ?? m.headers[.proxyAuthorization], let credentials = DigestCredentials.parse(header),
              let method = m.method else {
            challenge(stale: false)
            return nil
        }
        let identity: (name: String, ha1: HA1?)
        if let user = registrar.users[credentials.username] {
            identity = (user.name, user.ha1(for: credentials.algorithm))
        } else if let trunk = trunkHA1[credentials.username] {
            identity = ("trunk:\(trunk.trunk)", credentials.algorithm == .sha256 ? trunk.sha256 : trunk.ha1)
        } else {
            // The same answer as a wrong password: a scanner learns nothing about which names exist.
            logger.notice("SIP authentication failed", metadata: ["user": "\(credentials.username)", "reason": "unknown user"])
            reply(m, key, 403, "Forbidden (bad credentials)")
            noteAuthFailure(key)
            return nil
        }
        guard let ha1 = identity.ha1 else {
            challenge(stale: false, algorithms: [.md5])
            return nil
        }
        switch digest.verify(credentials, method: method, ha1: ha1, now: now, body: m.body) {
        case .authorized:
            return identity.name
        case .staleNonce:
            challenge(stale: true)
        case .invalidNonce, .realmMismatch, .algorithmMismatch:
            // Not a ban strike: no password can be tested without a nonce we gave, and a
            // restart invalidates every phone's nonce (a whole office behind one NAT address
            // would be banned on its next re-REGISTERs). Guesses are the 403s below.
            challenge(stale: false)
        case .wrongResponse, .replay, .uriMismatch:
            // A digest computed for another Request-URI is a replayed or forged answer.
            logger.notice("SIP authentication failed", metadata: ["user": "\(credentials.username)", "reason": "wrong response"])
            reply(m, key, 403, "Forbidden (bad credentials)")
            noteAuthFailure(key)
        }
        return nil
    }

    // MARK: REGISTER (§10.3)

    func handleRegister(_ m: SIPMessage, key: TransactionKey) {
        guard let to = try? m.to(), let aor = to.uri.sipURI?.decodedUser else {
            reply(m, key, 400, "Bad Request (To must be a sip URI with a user)")
            return
        }
        guard let user = authenticate(m, key: key) else { return }
        guard user == aor else {
            reply(m, key, 403, "Forbidden (\(user) may not register \(aor))")
            return
        }
        let source = transactionUsers[key]?.peer.description ?? "unknown"
        let now = Date()
        switch registrar.register(m, user: user, source: source, now: now) {
        case let .reject(code, reason, extra):
            reply(m, key, code, reason, headers: extra.map { (SIPHeaderName($0.0.name), $0.1) })
        case let .ok(contacts, changes):
            for change in changes { persistChange(change) }
            var headers: [(SIPHeaderName, String)] = contacts.map {
                (.contact, "<\($0.contact)>;expires=\(max(0, Int($0.expiresAt.timeIntervalSince(now).rounded())))")
            }
            headers.append(("Date", Self.httpDate(now)))
            reply(m, key, 200, headers: headers)
            logger.info("SIP registration", metadata: ["user": "\(user)", "from": "\(source)", "contacts": "\(contacts.count)"])
        }
    }

    static func httpDate(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: d)
    }

    // MARK: INVITE to the test extension

    func trunkName(forSource ip: String) -> String? {
        trunkConfigs.first { $0.inboundFrom.contains(ip) }?.name
    }

    func handleNewInvite(_ m: SIPMessage, key: TransactionKey) {
        guard let uri = m.requestURI?.sipURI, let callID = m.callID, let from = try? m.from(), from.tag != nil,
              let to = try? m.to(), let cseq = try? m.cseq() else {
            reply(m, key, 400, "Bad Request (INVITE needs a sip Request-URI and a From tag)")
            return
        }
        let peer = transactionUsers[key]?.peer
        let caller: String
        if let ip = peer?.remote.ipString, let trunk = trunkName(forSource: ip) {
            caller = "trunk:\(trunk)"
        } else {
            guard let user = authenticate(m, key: key) else { return }
            caller = user
        }
        let bridged = uri.decodedUser != config.testExtension
        if bridged && bridgeHandler == nil {
            reply(m, key, 404, "Not Found (only the test extension \(config.testExtension) is served)")
            return
        }
        let limit = registrar.users[caller]?.maxConcurrentCalls ?? Int.max
        guard legs.values.filter({ $0.owner == caller }).count < limit else {
            reply(m, key, 486, "Busy Here (max_concurrent_calls reached)")
            return
        }
        let offer = m.contentType?.lowercased().hasPrefix("application/sdp") == true ? try? SessionDescription.parse(m.body) : nil
        // No body at all is a late offer (§13.2.1): the test extension offers in its 2xx and
        // takes the answer from the ACK. A bridged call needs the phone's codec before the
        // modem dials, so it still asks for an offer.
        if offer == nil, bridged || !m.body.isEmpty {
            reply(m, key, 488, "Not Acceptable Here (no SDP offer)", headers: [(.warning, "399 simgate \"an SDP offer is required\"")])
            return
        }
        var negotiated: NegotiatedAudio?
        if let offer {
            guard let audio = try? CallLeg.negotiate(offer) else {
                reply(m, key, 488, headers: [(.warning, Self.incompatibleMediaWarning)])
                return
            }
            negotiated = audio
        }
        if bridged, let handler = bridgeHandler, let offer, let audio = negotiated {
            startBridgedCall(m, key: key, uri: uri, from: from, to: to, caller: caller, offer: offer, audio: audio, handler: handler)
            return
        }
        let leg = CallLeg.answering(m, role: .echoTest, callID: callID, key: key, peer: peer, from: from, to: to, owner: caller,
                                    localTag: Self.makeTag(), timers: layer.timers)
        leg.codec = negotiated?.codec.rawValue
        _ = cseq
        legs[leg.id] = leg
        transactionUsers[key]?.leg = leg
        reply(m, key, 180, toTag: leg.localTag)
        let host = advertisedHost(listener: peer?.listener, peer: peer?.remote)
        RTPStream.open(host: host, ports: config.rtpPortMin...config.rtpPortMax, mode: .echo, on: loop, cursor: &rtpCursor)
            .whenComplete { [self] result in
                switch result {
                case let .success(stream):
                    guard leg.state == .early else { stream.close(); return }
                    leg.rtp = stream
                    let body: [UInt8]
                    if let offer, let (sdp, audio) = try? leg.answer(offer, host: host, port: stream.localPort) {
                        stream.setRemote(try? SocketAddress(ipAddress: audio.remoteAddress, port: Int(audio.remotePort)))
                        body = sdp
                    } else {
                        body = leg.offerSDP(host: host, port: stream.localPort)
                    }
                    leg.answerTimer = loop.scheduleTask(in: .milliseconds(Int64(config.answerDelaySeconds * 1000))) { [self] in
                        answer(leg, request: m, key: key, sdp: body, host: host, carriesOffer: offer == nil)
                    }
                case let .failure(error):
                    logger.error("no RTP port for the test extension", metadata: ["error": "\(error)"])
                    reply(m, key, 503, "Service Unavailable (no free RTP port)", toTag: leg.localTag)
                    finish(leg, outcome: "failed", reason: "no RTP port")
                }
            }
    }

    /// RFC 3261 §20.43 code 305 on a 488: what we take, so the phone's admin sees why.
    static let incompatibleMediaWarning = "305 simgate \"Incompatible media format: PCMU or PCMA over RTP/AVP required\""

    func contactHeader(user: String, host: String, peer: SIPPeer?) -> String {
        let port = peer.flatMap { listeners.indices.contains($0.listener) ? listeners[$0.listener].port : nil } ?? udpListener?.port ?? 5060
        let transport = peer?.transport == .tcp ? ";transport=tcp" : ""
        return "<sip:\(user)@\(host):\(port)\(transport)>"
    }

    /// Sends the 2xx; the leg's InviteSession then retransmits it until the ACK (§13.3.1.4:
    /// T1 doubling to T2, on every transport since a proxy may forward it over UDP; BYE after
    /// 64*T1 without ACK). `carriesOffer`: a late offer, our offer is in the 2xx.
    func answer(_ leg: CallLeg, request m: SIPMessage, key: TransactionKey, sdp: [UInt8], host: String, contactUser: String? = nil,
                carriesOffer: Bool = false) {
        guard leg.state == .early || leg.state == .confirmed else { return }
        let user = contactUser ?? config.testExtension.replacingOccurrences(of: "#", with: "%23")
        var headers: [(SIPHeaderName, String)] = [(.contact, contactHeader(user: user, host: host, peer: leg.peer))]
        // §12.1.1: the 2xx carries the INVITE's Record-Route; makeResponse copies it (adding
        // it here too listed each proxy twice, and the phone's ACK looped through it).
        headers += capabilityHeaders
        reply(m, key, 200, toTag: leg.localTag, headers: headers, body: sdp, contentType: "application/sdp")
        leg.state = .answered
        var ok = m.makeResponse(200, nil, toTag: leg.localTag, body: sdp, contentType: "application/sdp")
        for (n, v) in headers { ok.headers.append(n, v) }
        ok.headers.append(.server, userAgent)
        leg.rtp.map { _ in logger.info("test extension answered", metadata: ["caller": "\(leg.owner)", "call_id": "\(leg.callID)"]) }
        perform(leg.session.sent2xx(ok, carriesOffer: carriesOffer), for: leg)
    }

    /// Carries out what the leg's InviteSession asks for.
    func perform(_ actions: [InviteSession.Action], for leg: CallLeg) {
        for action in actions {
            switch action {
            case .send(let ok):
                routeResponse(ok, peer: leg.peer)
            case .startTimer(let timer, let after):
                leg.sessionTimers[timer]?.cancel()
                leg.sessionTimers[timer] = loop.scheduleTask(in: after.timeAmount) { [self] in
                    leg.sessionTimers[timer] = nil
                    perform(leg.session.timerFired(timer), for: leg)
                }
            case .cancelTimer(let timer):
                leg.sessionTimers.removeValue(forKey: timer)?.cancel()
            case .endForMissingACK:
                // §13.3.1.4: the caller is gone (or never got our 2xx): a bridged call's modem
                // must not stay off hook for nobody.
                logger.notice("no ACK for 2xx; ending the call", metadata: ["call_id": "\(leg.callID)"])
                sendBye(leg)
            case .answerInACK(let offer, let answer):
                takeAnswerFromACK(leg, offer: offer, answer: answer)
            case .holdChanged(let held):
                logger.info(held ? "call put on hold" : "call taken off hold", metadata: ["call_id": "\(leg.callID)"])
                leg.bridge?.deliver(.hold(held))
            }
        }
    }

    func handleACK(_ m: SIPMessage) {
        guard let tag = (try? m.to())?.tag, let leg = legs[CallLeg.id(callID: m.callID ?? "", localTag: tag)] else { return }
        if leg.state == .answered { leg.state = .confirmed }
        perform(leg.session.ackReceived(m), for: leg)
    }

    /// Late offer (§13.2.1, §13.3.1.4): our offer went in the 2xx and the ACK carries the
    /// answer. An ACK without a usable answer leaves the session without media: end it.
    private func takeAnswerFromACK(_ leg: CallLeg, offer: [UInt8], answer: [UInt8]) {
        guard let audio = leg.accept(answer: answer, to: offer) else {
            logger.notice("late offer: no usable SDP answer in the ACK; ending the call", metadata: ["call_id": "\(leg.callID)"])
            sendBye(leg, reason: "SIP;cause=488;text=\"no SDP answer in the ACK\"")
            return
        }
        leg.codec = audio.codec.rawValue
        leg.rtp?.setRemote(try? SocketAddress(ipAddress: audio.remoteAddress, port: Int(audio.remotePort)))
    }

    /// A re-INVITE (§14.2): target refresh (§12.2.2) and hold/resume through the SDP
    /// direction (RFC 3264 §8.4). Answered from the same RTP port with the direction the
    /// offer asks for; the call layer hears about hold changes (`SIPLegEvent.hold`).
    func handleReInvite(_ m: SIPMessage, key: TransactionKey, toTag: String) {
        guard let leg = legs[CallLeg.id(callID: m.callID ?? "", localTag: toTag)], leg.state != .ending, leg.state != .ended else {
            reply(m, key, 481)
            return
        }
        // CSeq order, and an INVITE over a pending one (ours or theirs): §12.2.2, §14.2.
        let verdict = leg.session.dialog?.receive(request: m) ?? .pendingRemoteInvite
        if let (code, reason, headers) = verdict.refusal(random: Double.random(in: 0..<1)) {
            reply(m, key, code, reason, toTag: leg.localTag, headers: headers)
            return
        }
        guard let localPort = leg.rtp?.localPort ?? leg.mediaPort else {
            reply(m, key, 500, "Server Internal Error (no media yet)", toTag: leg.localTag, headers: [(.retryAfter, "1")])
            return
        }
        let host = advertisedHost(listener: leg.peer?.listener, peer: leg.peer?.remote)
        _ = leg.session.nextSDPVersion()
        guard let offer = try? SessionDescription.parse(m.body), let (sdp, audio) = try? leg.answer(offer, host: host, port: localPort) else {
            leg.session.sdpUnchanged()
            reply(m, key, 488, toTag: leg.localTag, headers: [(.warning, Self.incompatibleMediaWarning)])
            return
        }
        if case let .sip(target)? = leg.session.dialog?.remoteTarget { leg.remoteTarget = target }
        // The echo test follows the phone's new address; on hold (c=0.0.0.0) there is none.
        if let rtp = leg.rtp, !audio.isHold, audio.remoteAddress != "0.0.0.0" {
            rtp.setRemote(try? SocketAddress(ipAddress: audio.remoteAddress, port: Int(audio.remotePort)))
        }
        let contactUser: String? = switch leg.role {
        case .bridged, .inboundCall: leg.bridge?.contactUser
        case .echoTest, .outbound: nil
        }
        answer(leg, request: m, key: key, sdp: sdp, host: host, contactUser: contactUser)
        perform(leg.session.offerAnswered(hold: audio.isHold), for: leg)
    }

    func handleCancel(_ m: SIPMessage, key: TransactionKey) {
        let inviteKey = key.invite()
        guard layer.contains(inviteKey) else {
            reply(m, key, 481)
            return
        }
        reply(m, key, 200)
        guard let leg = transactionUsers[inviteKey]?.leg, leg.state == .early, let invite = leg.invite else { return }
        reply(invite, inviteKey, 487, toTag: leg.localTag)
        finish(leg, outcome: "cancelled", reason: "CANCEL before answer")
    }

    // MARK: Ending legs

    /// Sends BYE in the leg's dialog (§15.1.1) and finishes the leg on the answer.
    func sendBye(_ leg: CallLeg, reason: String? = nil) {
        guard leg.state != .ending, leg.state != .ended else { return }
        leg.state = .ending
        perform(leg.session.ending(), for: leg)
        leg.hangupTimer?.cancel()
        leg.localCSeq += 1
        guard var bye = makeInDialogRequest(leg, method: .bye), let (peer, destination) = nextHop(for: leg) else {
            finish(leg, outcome: leg.role == .outbound ? "completed" : "failed", reason: "no route for BYE")
            return
        }
        if let reason { bye.headers.append(.reason, reason) }   // RFC 3326: why the GSM side ended
        let sent = sendRequest(bye, peer: peer, destination: destination) { [self] event in
            if case let .response(r) = event, let code = r.statusCode, code < 200 { return }
            finish(leg, outcome: leg.role == .outbound ? "completed" : "ended", reason: nil)
        }
        if !sent { finish(leg, outcome: "failed", reason: "cannot send BYE") }
    }

    /// A request inside the dialog (§12.2.1.1), with loose routing.
    func makeInDialogRequest(_ leg: CallLeg, method: SIPMethod) -> SIPMessage? {
        guard let peerInfo = nextHop(for: leg) else { return nil }
        let target = leg.remoteTarget ?? leg.remote.uri.sipURI
        guard let target else { return nil }
        let host = advertisedHost(listener: peerInfo.peer.listener, peer: peerInfo.destination ?? peerInfo.peer.remote)
        let port = listeners.indices.contains(peerInfo.peer.listener) ? listeners[peerInfo.peer.listener].port : 5060
        var h = SIPHeaders()
        h.append(.via, Via(transport: peerInfo.peer.transport.rawValue, host: host, port: UInt16(port), branch: Self.makeBranch(),
                           parameters: [SIPParameter("rport")]).description)
        h.append(.maxForwards, "70")
        h.append(.from, leg.local.description)
        var remote = leg.remote
        if let tag = leg.remoteTag { remote.tag = tag }
        h.append(.to, remote.description)
        h.append(.callID, leg.callID)
        h.append(.cseq, "\(leg.localCSeq) \(method.rawValue)")
        for r in leg.routeSet { h.append(.route, r.description) }
        h.append(.userAgent, userAgent)
        return .request(method, .sip(target), headers: h)
    }

    /// Where in-dialog requests go: the TCP connection the dialog uses, else the first
    /// route, else the peer the dialog came from (UAS legs: symmetric, works through NAT),
    /// else the remote target.
    func nextHop(for leg: CallLeg) -> (peer: SIPPeer, destination: SocketAddress?)? {
        // A dialog made over TCP (a phone on TCP, a TCP trunk) stays on its connection: the
        // far end, or the proxy that record-routed it, is at the other end (§18.1.1 reuse).
        if let peer = leg.peer, peer.transport == .tcp, peer.channel.isActive { return (peer, nil) }
        if let first = leg.routeSet.first?.uri.sipURI, let address = SIPAddressing.address(of: first), let udp = udpListener {
            return (SIPPeer(transport: .udp, remote: address, channel: udp.channel, listener: listeners.firstIndex { $0.channel === udp.channel } ?? 0), address)
        }
        if leg.role == .echoTest || leg.role == .bridged, let peer = leg.peer {
            if peer.transport == .tcp { return peer.channel.isActive ? (peer, nil) : nil }
            return (peer, peer.remote)
        }
        if let target = leg.remoteTarget, let address = SIPAddressing.address(of: target), let udp = udpListener {
            return (SIPPeer(transport: .udp, remote: address, channel: udp.channel, listener: listeners.firstIndex { $0.channel === udp.channel } ?? 0), address)
        }
        return nil
    }

    func finish(_ leg: CallLeg, outcome: String, reason: String?) {
        guard leg.state != .ended else { return }
        leg.state = .ended
        perform(leg.session.ending(), for: leg)
        leg.hangupTimer?.cancel()
        leg.answerTimer?.cancel()
        let sent = leg.rtp?.packetsSent ?? 0
        let received = leg.rtp?.packetsReceived ?? 0
        leg.rtp?.close()
        legs[leg.id] = nil
        if let key = leg.serverInviteKey { transactionUsers[key]?.leg = nil }
        logger.info("call ended", metadata: ["call_id": "\(leg.callID)", "outcome": "\(outcome)", "rtp_in": "\(received)", "rtp_out": "\(sent)"])
        leg.bridge?.deliver(.ended(SIPLegEnd(outcome: outcome, reason: reason ?? leg.finalReason, status: leg.finalStatus)))
        leg.completion?.succeed(SIPCallResult(
            outcome: outcome, finalStatus: leg.finalStatus, reason: reason ?? leg.finalReason, codec: leg.codec,
            rtpPacketsSent: sent, rtpPacketsReceived: received,
            seconds: Double((NIODeadline.now() - leg.startedAt).nanoseconds) / 1e9))
        leg.completion = nil
    }

    func persistChange(_ change: Registrar.Change) {
        persistenceYield(change)
    }
}
