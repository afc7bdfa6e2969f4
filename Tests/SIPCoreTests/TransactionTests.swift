import Testing
@testable import SIPCore

/// Drives a TransactionLayer with a virtual clock: timers become deadlines, advancing
/// time fires them in order. Records every sent message with its time.
struct VirtualClockHarness {
    var layer: TransactionLayer
    var now: Duration = .zero
    var deadlines: [TransactionTimerID: Duration] = [:]
    var sent: [(at: Duration, message: SIPMessage)] = []
    var events: [(at: Duration, event: TransactionLayer.Event)] = []

    init(timers: TransactionTimers = TransactionTimers(), maxTransactions: Int = 65_536) {
        layer = TransactionLayer(timers: timers, maxTransactions: maxTransactions)
    }

    mutating func apply(_ evs: [TransactionLayer.Event]) {
        for e in evs {
            events.append((now, e))
            switch e {
            case let .send(m, _): sent.append((now, m))
            case let .startTimer(id, d): deadlines[id] = now + d
            case let .cancelTimer(id): deadlines[id] = nil
            default: break
            }
        }
    }

    mutating func receive(_ m: SIPMessage, reliable: Bool = false) { apply(layer.receive(m, reliable: reliable)) }

    mutating func advance(to t: Duration) {
        while let (id, at) = deadlines.min(by: { $0.value < $1.value }), at <= t {
            deadlines[id] = nil
            now = at
            apply(layer.timerFired(id))
        }
        now = t
    }

    func sendTimes(_ method: SIPMethod? = nil, status: Int? = nil) -> [Double] {
        sent.filter { (method == nil || $0.message.method == method) && (status == nil || $0.message.statusCode == status) }
            .map { Double($0.at.components.seconds) + Double($0.at.components.attoseconds) / 1e18 }
    }

    func count(where predicate: (TransactionLayer.Event) -> Bool) -> Int { events.filter { predicate($0.event) }.count }
}

func request(_ method: SIPMethod, branch: String = "z9hG4bKabc123", cseq: UInt32 = 1, transport: String = "UDP") -> SIPMessage {
    var h = SIPHeaders()
    h.append(.via, "SIP/2.0/\(transport) 192.0.2.10:5060;branch=\(branch)")
    h.append(.maxForwards, "70")
    h.append(.from, "<sip:1007@gw.example.net>;tag=a83f2c")
    h.append(.to, "<sip:0671234567@gw.example.net>")
    h.append(.callID, "call-1@192.0.2.10")
    h.append(.cseq, "\(cseq) \(method.rawValue)")
    h.append(.route, "<sip:proxy.example.net;lr>")
    return .request(method, .sip(SIPURI(user: "0671234567", host: "gw.example.net")), headers: h)
}

@Suite("Client transactions (virtual clock)")
struct ClientTransactionTests {
    @Test func inviteOverUDPRetransmitsAtDoublingIntervalsUntilTimerB() throws {
        var h = VirtualClockHarness()
        let (key, evs) = try h.layer.sendRequest(request(.invite), reliable: false)
        h.apply(evs)
        h.advance(to: .seconds(40))
        // Timer A: T1, 2T1, 4T1... (§17.1.1.2): sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5; B = 64*T1 = 32 s.
        #expect(h.sendTimes(.invite) == [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5])
        #expect(h.events.contains { $0.at == .seconds(32) && $0.event == .timeout(key) })
        #expect(h.count { $0 == .terminated(key) } == 1)
        #expect(h.layer.count == 0)
    }

    @Test func inviteOverTCPIsSentOnceAndTimesOutAtB() throws {
        var h = VirtualClockHarness()
        let (key, evs) = try h.layer.sendRequest(request(.invite, transport: "TCP"), reliable: true)
        h.apply(evs)
        h.advance(to: .seconds(40))
        #expect(h.sendTimes(.invite) == [0])
        #expect(h.events.contains { $0.at == .seconds(32) && $0.event == .timeout(key) })
    }

    @Test func nonInviteRetransmitsDoublingCappedAtT2UntilTimerF() throws {
        var h = VirtualClockHarness()
        let (key, evs) = try h.layer.sendRequest(request(.options), reliable: false)
        h.apply(evs)
        h.advance(to: .seconds(40))
        // Timer E: 0.5, 1, 2, 4, then 4 (T2) each time (§17.1.2.2); F at 32 s.
        #expect(h.sendTimes(.options) == [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5])
        #expect(h.events.contains { $0.at == .seconds(32) && $0.event == .timeout(key) })
    }

    @Test func nonInviteInProceedingRetransmitsEveryT2() throws {
        var h = VirtualClockHarness()
        let req = request(.register)
        let (key, evs) = try h.layer.sendRequest(req, reliable: false)
        h.apply(evs)
        h.advance(to: .milliseconds(200))
        h.receive(req.makeResponse(100))
        #expect(h.events.last?.event == .response(req.makeResponse(100), key))
        h.advance(to: .seconds(10))
        #expect(h.sendTimes(.register) == [0, 0.5, 4.5, 8.5])
        h.receive(req.makeResponse(200, toTag: "x"))
        // Completed: Timer K = T4 on UDP, then terminated; retransmitted 200 absorbed.
        h.receive(req.makeResponse(200, toTag: "x"))
        #expect(h.count { if case .response = $0 { true } else { false } } == 2)
        h.advance(to: .seconds(14))
        #expect(h.layer.count == 1)
        h.advance(to: .seconds(15))
        #expect(h.layer.count == 0)
        #expect(h.sendTimes(.register).count == 4)
    }

    @Test func inviteFinalErrorIsACKedInsideTheTransactionWithTimerD() throws {
        var h = VirtualClockHarness()
        let invite = request(.invite)
        let (key, evs) = try h.layer.sendRequest(invite, reliable: false)
        h.apply(evs)
        h.advance(to: .milliseconds(100))
        h.receive(invite.makeResponse(180, toTag: "srv1"))
        h.advance(to: .seconds(2))
        #expect(h.sendTimes(.invite) == [0])  // 1xx stopped Timer A
        let busy = invite.makeResponse(486, toTag: "srv1")
        h.receive(busy)
        let ack = try #require(h.sent.last?.message)
        #expect(ack.method == .ack)
        // §17.1.1.3: same branch, To with the response's tag, CSeq number with ACK, Route copied.
        #expect(try ack.topVia().branch == "z9hG4bKabc123")
        #expect(try ack.to().tag == "srv1")
        #expect(try ack.cseq() == CSeq(1, .ack))
        #expect(ack.headers[.route] == "<sip:proxy.example.net;lr>")
        #expect(ack.requestURI == invite.requestURI)
        #expect(try ack.from() == invite.from())
        // A retransmitted 486 gets the ACK again and is not passed up.
        h.advance(to: .seconds(3))
        h.receive(busy)
        #expect(h.sendTimes(.ack) == [2, 3])
        #expect(h.count { if case let .response(r, _) = $0 { r.statusCode == 486 } else { false } } == 1)
        // Timer D = 32 s on UDP.
        h.advance(to: .seconds(33))
        #expect(h.layer.contains(key))
        h.advance(to: .seconds(34))
        #expect(h.events.last?.event == .terminated(key))
        #expect(h.events.last?.at == .seconds(34))
    }

    @Test func timerDIsZeroOnTCP() throws {
        var h = VirtualClockHarness()
        let invite = request(.invite, transport: "TCP")
        let (key, evs) = try h.layer.sendRequest(invite, reliable: true)
        h.apply(evs)
        h.receive(invite.makeResponse(503, toTag: "s"))
        #expect(h.sendTimes(.ack) == [0])
        #expect(h.events.last?.event == .terminated(key))
        #expect(!h.layer.contains(key))
    }

    @Test func inviteAcceptedStatePassesRetransmitted2xxToTheTU() throws {
        var h = VirtualClockHarness()
        let invite = request(.invite)
        let (key, evs) = try h.layer.sendRequest(invite, reliable: false)
        h.apply(evs)
        let ok = invite.makeResponse(200, toTag: "t")
        h.receive(ok)
        h.advance(to: .seconds(1))
        h.receive(ok)
        #expect(h.count { $0 == .response(ok, key) } == 2)
        #expect(h.sendTimes(.ack).isEmpty)  // the 2xx ACK is the TU's (dialog's) job
        h.advance(to: .seconds(33))
        #expect(!h.layer.contains(key))  // Timer M = 64*T1
    }

    @Test func responsesMatchOnBranchAndCSeqMethod() throws {
        var h = VirtualClockHarness()
        let invite = request(.invite)
        h.apply(try h.layer.sendRequest(invite, reliable: false).1)
        // Same branch, CSeq method CANCEL: belongs to the CANCEL transaction, not the INVITE's.
        var other = invite.makeResponse(200, toTag: "t")
        other.headers.set(.cseq, "1 CANCEL")
        h.receive(other)
        #expect(h.events.last?.event == .strayResponse(other))
    }
}

@Suite("Server transactions (virtual clock)")
struct ServerTransactionTests {
    @Test func inviteServerAbsorbsRetransmissionsAndRetransmitsFinalWithTimerGUntilH() throws {
        var h = VirtualClockHarness()
        let invite = request(.invite)
        h.receive(invite)
        let key = try TransactionKey.server(for: invite)
        #expect(h.events.contains { $0.event == .request(invite, key) })
        #expect(h.sendTimes(status: 100) == [0])
        h.advance(to: .milliseconds(500))
        h.receive(invite)  // retransmission: 100 resent, not passed up again
        #expect(h.sendTimes(status: 100) == [0, 0.5])
        #expect(h.count { if case .request = $0 { true } else { false } } == 1)
        h.advance(to: .seconds(1))
        h.apply(try h.layer.sendResponse(invite.makeResponse(486, toTag: "u")))
        h.advance(to: .seconds(2))
        h.receive(invite)  // retransmission in Completed: final response resent
        h.advance(to: .seconds(40))
        // Timer G from 1 s: +0.5, +1, +2, +4, +4...; plus the one answering the retransmitted INVITE at 2 s.
        #expect(h.sendTimes(status: 486) == [1, 1.5, 2, 2.5, 4.5, 8.5, 12.5, 16.5, 20.5, 24.5, 28.5, 32.5])
        // Timer H = 64*T1 after the final response: the ACK never came.
        #expect(h.events.contains { $0.at == .seconds(33) && $0.event == .timeout(key) })
        #expect(!h.layer.contains(key))
    }

    @Test func ackMovesToConfirmedAndTimerIEndsIt() throws {
        var h = VirtualClockHarness()
        let invite = request(.invite)
        h.receive(invite)
        let key = try TransactionKey.server(for: invite)
        let busy = invite.makeResponse(486, toTag: "u")
        h.apply(try h.layer.sendResponse(busy))
        h.advance(to: .milliseconds(700))
        let ack = SIPMessage.ackForNon2xx(invite: invite, response: busy)
        h.receive(ack)
        #expect(TransactionKey.server(forACK: ack) == key)
        h.receive(ack)  // absorbed in Confirmed
        h.advance(to: .seconds(5))
        #expect(h.sendTimes(status: 486) == [0, 0.5])  // G stopped by the ACK
        #expect(h.layer.contains(key))
        h.advance(to: .milliseconds(5700))  // Timer I = T4
        #expect(!h.layer.contains(key))
        #expect(h.count { if case .timeout = $0 { true } else { false } } == 0)
        #expect(h.count { if case .request = $0 { true } else { false } } == 1)
    }

    @Test func twoHundredACKWithNewBranchIsStray() throws {
        var h = VirtualClockHarness()
        let invite = request(.invite)
        h.receive(invite)
        h.apply(try h.layer.sendResponse(invite.makeResponse(200, toTag: "u")))
        var ack = request(.ack, branch: "z9hG4bKnewbranch")
        ack.headers.set(.cseq, "1 ACK")
        h.receive(ack)
        #expect(h.events.last?.event == .strayACK(ack))
        h.advance(to: .seconds(31))
        h.receive(invite)  // Accepted: INVITE retransmission absorbed, no new request
        #expect(h.count { if case .request = $0 { true } else { false } } == 1)
        h.advance(to: .seconds(33))  // Timer L
        #expect(h.layer.count == 0)
    }

    @Test func nonInviteServerTimerJAndRetransmissions() throws {
        var h = VirtualClockHarness()
        let options = request(.options)
        h.receive(options)
        h.receive(options)  // Trying: absorbed
        #expect(h.sent.isEmpty)
        h.apply(try h.layer.sendResponse(options.makeResponse(200, toTag: "o")))
        h.advance(to: .seconds(3))
        h.receive(options)  // Completed: final resent
        #expect(h.sendTimes(status: 200) == [0, 3])
        h.advance(to: .seconds(31))
        #expect(h.layer.count == 1)
        h.advance(to: .seconds(32))  // Timer J = 64*T1
        #expect(h.layer.count == 0)
    }

    @Test func nonInviteServerOverTCPTerminatesOnFinalResponse() throws {
        var h = VirtualClockHarness()
        let options = request(.options, transport: "TCP")
        h.receive(options, reliable: true)
        h.apply(try h.layer.sendResponse(options.makeResponse(200, toTag: "o")))
        #expect(h.layer.count == 0)
    }

    @Test func cancelIsItsOwnTransactionAndFindsItsInvite() throws {
        var h = VirtualClockHarness()
        let invite = request(.invite)
        h.receive(invite)
        let cancel = SIPMessage.cancel(for: invite)
        h.receive(cancel)
        let cancelKey = try TransactionKey.server(for: cancel)
        #expect(h.events.last?.event == .request(cancel, cancelKey))
        #expect(h.layer.count == 2)
        #expect(h.layer.request(of: cancelKey.invite()) == invite)
    }

    @Test func rfc2543RequestsWithoutUsableBranchStillMatch() throws {
        var h = VirtualClockHarness()
        let m = try SIPParser.parse(try Vectors.bytes("badbranch"))
        h.receive(m)
        h.receive(m)
        #expect(h.count { if case .request = $0 { true } else { false } } == 1)
        let key = try TransactionKey.server(for: m)
        guard case .rfc2543 = key.identity else { Issue.record("expected 2543 fallback"); return }
        h.apply(try h.layer.sendResponse(m.makeResponse(200, toTag: "z"), transaction: key))
        h.receive(m)
        #expect(h.sendTimes(status: 200) == [0, 0])
    }

    @Test func fullTableAnswers503Statelessly() throws {
        var h = VirtualClockHarness(maxTransactions: 2)
        h.receive(request(.options, branch: "z9hG4bK1"))
        h.receive(request(.options, branch: "z9hG4bK2"))
        h.receive(request(.options, branch: "z9hG4bK3"))
        #expect(h.layer.count == 2)
        #expect(h.sent.last?.message.statusCode == 503)
        #expect(h.sent.last?.message.headers[.retryAfter] == "5")
        #expect(throws: TransactionLayer.SendError.tableFull) { try h.layer.sendRequest(request(.options, branch: "z9hG4bK4"), reliable: false) }
    }
}
