import Testing
@testable import SIPCore

/// A whole call between two SIPCore user agents over a simulated lossy UDP link, driven
/// by a virtual clock. Every message crosses as bytes (serialised, then parsed), so the
/// codec, transactions, dialogs, SDP and the UAS 2xx retransmission work together.
@Suite("Call flow over a lossy link")
struct CallFlowTests {
    enum Side: Hashable { case gateway, phone }
    enum TimerKey: Hashable {
        case layer(Side, TransactionTimerID)
        case okRetransmit(SuccessResponseRetransmission.Timer)
    }

    struct World {
        var now: Duration = .zero
        var layers: [Side: TransactionLayer] = [.gateway: TransactionLayer(), .phone: TransactionLayer()]
        var deadlines: [TimerKey: Duration] = [:]
        var inFlight: [(at: Duration, to: Side, bytes: [UInt8])] = []
        var sentCount = 0
        var dropped: Set<Int>  // indexes (in send order) of datagrams the link loses
        var dropMethod: SIPMethod?  // and every request of this method
        var log: [String] = []

        // Per-side application state.
        var gatewayDialog: Dialog?
        var phoneDialog: Dialog?
        var okRetransmission: SuccessResponseRetransmission?
        var inviteKey: TransactionKey?
        var byeAnswered = false
        var ackTimeouts = 0
        var negotiated: NegotiatedAudio?
        let gatewayLocal = LocalMedia(address: "198.51.100.7", audioPort: 30000, sessionID: "1", sessionVersion: 1)
        let phoneLocal = LocalMedia(address: "192.0.2.10", audioPort: 4000, sessionID: "2", sessionVersion: 1)
        let gatewayContact = NameAddr(uri: SIPURI(user: "gw", host: "198.51.100.7", port: 5060))
        let phoneContact = NameAddr(uri: SIPURI(user: "1007", host: "192.0.2.10", port: 5060))

        init(dropping: Set<Int>) { dropped = dropping }

        mutating func transmit(_ m: SIPMessage, from side: Side) {
            let index = sentCount
            sentCount += 1
            let label = m.method.map(\.rawValue) ?? "\(m.statusCode ?? 0)"
            if dropped.contains(index) || (dropMethod != nil && m.method == dropMethod) { log.append("\(now) \(side) -> \(label) LOST"); return }
            log.append("\(now) \(side) -> \(label)")
            inFlight.append((now + .milliseconds(20), side == .gateway ? .phone : .gateway, m.serialized()))
        }

        mutating func handle(_ events: [TransactionLayer.Event], on side: Side) {
            for e in events {
                switch e {
                case let .send(m, _): transmit(m, from: side)
                case let .startTimer(id, d): deadlines[.layer(side, id)] = now + d
                case let .cancelTimer(id): deadlines[.layer(side, id)] = nil
                case let .request(m, key): onRequest(m, key: key, side: side)
                case let .response(m, _): onResponse(m, side: side)
                case let .strayACK(m): onStrayACK(m, side: side)
                default: break
                }
            }
        }

        mutating func handle(_ actions: [SuccessResponseRetransmission.Action]) {
            for a in actions {
                switch a {
                case let .send(m): transmit(m, from: .phone)
                case let .startTimer(t, d): deadlines[.okRetransmit(t)] = now + d
                case let .cancelTimer(t): deadlines[.okRetransmit(t)] = nil
                case .ackTimeout: ackTimeouts += 1
                }
            }
        }

        // The phone (UAS): answers INVITE with 200 + SDP answer, BYE with 200.
        mutating func onRequest(_ m: SIPMessage, key: TransactionKey, side: Side) {
            guard side == .phone else { return }
            if m.method == .invite {
                guard let offer = try? SessionDescription.parse(m.body),
                      let (answer, _) = try? SDPOfferAnswer.answer(offer, local: phoneLocal) else { return }
                var ok = m.makeResponse(200, toTag: "phone1", body: answer.bytes, contentType: "application/sdp")
                ok.headers.append(.contact, phoneContact.description)
                phoneDialog = Dialog(uasRequest: m, localTag: "phone1", localContact: phoneContact)
                handle((try? layers[.phone]!.sendResponse(ok)) ?? [], on: .phone)
                var r = SuccessResponseRetransmission(response: ok)
                handle(r.start())
                okRetransmission = r
            } else if m.method == .bye {
                _ = phoneDialog?.receive(request: m)
                handle((try? layers[.phone]!.sendResponse(m.makeResponse(200))) ?? [], on: .phone)
            }
        }

        mutating func onStrayACK(_ m: SIPMessage, side: Side) {
            guard side == .phone, let d = phoneDialog, DialogID.forReceivedRequest(m) == d.id, var r = okRetransmission else { return }
            handle(r.ackReceived())
            okRetransmission = r
        }

        // The gateway (UAC): ACKs every 2xx (retransmissions included, §13.2.2.4).
        mutating func onResponse(_ m: SIPMessage, side: Side) {
            guard side == .gateway, let code = m.statusCode, let cseq = try? m.cseq() else { return }
            if cseq.method == .invite, (200..<300).contains(code) {
                if gatewayDialog == nil, let key = inviteKey, let invite = layers[.gateway]!.request(of: key) {
                    gatewayDialog = Dialog(uacRequest: invite, response: m, localContact: gatewayContact)
                    let offer = SDPOfferAnswer.offer(local: gatewayLocal)
                    negotiated = try? SDPOfferAnswer.accept(answer: SessionDescription.parse(m.body), to: offer, local: gatewayLocal)
                }
                if let d = gatewayDialog {
                    transmit(d.makeACK(forInviteSequence: cseq.sequence, via: "SIP/2.0/UDP 198.51.100.7:5060",
                                       branch: "z9hG4bKack\(sentCount)"), from: .gateway)
                }
            }
            if cseq.method == .bye, code == 200 { byeAnswered = true }
        }

        mutating func run(until end: Duration, at checkpoints: [Duration: (inout World) -> Void] = [:]) {
            var pendingCheckpoints = checkpoints
            while true {
                let nextTimer = deadlines.min { $0.value < $1.value }
                let nextPacket = inFlight.enumerated().min { $0.element.at < $1.element.at }
                let nextCheckpoint = pendingCheckpoints.keys.min()
                let t = [nextTimer?.value, nextPacket?.element.at, nextCheckpoint].compactMap { $0 }.min()
                guard let t, t <= end else { now = end; return }
                now = t
                if let c = nextCheckpoint, c == t, let f = pendingCheckpoints.removeValue(forKey: c) {
                    f(&self)
                } else if let p = nextPacket, p.element.at == t {
                    inFlight.remove(at: p.offset)
                    guard let m = try? SIPParser.parse(p.element.bytes) else { log.append("unparseable"); continue }
                    handle(layers[p.element.to]!.receive(m, reliable: false), on: p.element.to)
                } else if let (key, _) = nextTimer {
                    deadlines[key] = nil
                    switch key {
                    case let .layer(side, id): handle(layers[side]!.timerFired(id), on: side)
                    case let .okRetransmit(timer):
                        guard var r = okRetransmission else { continue }
                        let actions = r.timerFired(timer)
                        okRetransmission = r
                        handle(actions)
                    }
                }
            }
        }
    }

    func placeCall(_ world: inout World) throws {
        let identity = RequestIdentity(from: NameAddr(uri: SIPURI(user: "+380671234567", host: "gw.example.net")), fromTag: "gw1",
                                       callID: "flow1@gw", via: "SIP/2.0/UDP 198.51.100.7:5060", contact: world.gatewayContact)
        let invite = SIPMessage.makeRequest(.invite, to: .sip(SIPURI(user: "1007", host: "192.0.2.10")), identity: identity,
                                            branch: "z9hG4bKinv1", body: SDPOfferAnswer.offer(local: world.gatewayLocal).bytes,
                                            contentType: "application/sdp")
        let (key, events) = try world.layers[.gateway]!.sendRequest(invite, reliable: false)
        world.inviteKey = key
        world.handle(events, on: .gateway)
    }

    @Test func callSurvivesLostInviteAndLost200() throws {
        // Datagram 0 = first INVITE (lost), 1 = INVITE retransmission, 2 = 100, 3 = first 200 (lost).
        var world = World(dropping: [0, 3])
        try placeCall(&world)
        world.run(until: .seconds(5))
        #expect(world.log.prefix(5) == ["0.0 seconds gateway -> INVITE LOST", "0.5 seconds gateway -> INVITE",
                                        "0.52 seconds phone -> 100", "0.52 seconds phone -> 200 LOST", "1.02 seconds phone -> 200"])
        #expect(world.gatewayDialog?.state == .confirmed)
        #expect(world.okRetransmission?.state == .confirmed)  // the ACK stopped the 2xx retransmissions
        #expect(world.negotiated?.codec == .pcma && world.negotiated?.remotePort == 4000)
        #expect(world.gatewayDialog?.remoteTarget.sipURI?.host == "192.0.2.10")

        // Hang up from the gateway side.
        var d = try #require(world.gatewayDialog)
        let bye = d.makeRequest(.bye, via: "SIP/2.0/UDP 198.51.100.7:5060", branch: "z9hG4bKbye1")
        world.gatewayDialog = d
        let (_, events) = try world.layers[.gateway]!.sendRequest(bye, reliable: false)
        world.handle(events, on: .gateway)
        world.run(until: .seconds(60))
        #expect(world.byeAnswered)
        #expect(world.phoneDialog?.state == .terminated)
        #expect(world.ackTimeouts == 0)
        // Every transaction on both sides has run out its timers and gone.
        #expect(world.layers[.gateway]!.count == 0 && world.layers[.phone]!.count == 0)
    }

    @Test func lostACKsMakeThePhoneGiveUpAfter64T1() throws {
        var world = World(dropping: [])
        world.dropMethod = .ack
        try placeCall(&world)
        world.run(until: .seconds(40))
        // 200 at 0.02 s through the transaction, then T1, 2T1, 4T1, T2... until 64*T1.
        let okTimes = world.log.filter { $0.hasSuffix("phone -> 200") }
        #expect(okTimes.count == 11)
        #expect(okTimes.last == "31.52 seconds phone -> 200")
        #expect(world.ackTimeouts == 1)
        #expect(world.okRetransmission?.state == .ackTimedOut)
        // The gateway ACKed every copy it got (each ACK lost).
        #expect(world.log.filter { $0.hasSuffix("gateway -> ACK LOST") }.count == 11)
    }
}
