// One INVITE session as the UAS core keeps it once our 2xx has gone out (RFC 3261 §13.3.1.4,
// §14; RFC 3264 §8): the dialog, the 2xx retransmitted until its ACK (and BYE when none
// comes), a late offer's answer carried by the ACK (§13.2.1), the version of our SDP, and
// whether the far end holds the call. The performer (Gateway's SIPService) feeds it what it
// sends and receives and carries out the actions; it owns no clock and no socket.
public struct InviteSession: Sendable {
    public typealias Timer = SuccessResponseRetransmission.Timer

    public enum Action: Equatable, Sendable {
        /// A copy of our 2xx (retransmission).
        case send(SIPMessage)
        case startTimer(Timer, Duration)
        case cancelTimer(Timer)
        /// No ACK for our 2xx within 64*T1: end the session with BYE (§13.3.1.4).
        case endForMissingACK
        /// A late offer completed: the ACK's body is the answer to the offer in our 2xx.
        case answerInACK(offer: [UInt8], answer: [UInt8])
        /// The far end put the call on hold (true) or took it off (false).
        case holdChanged(Bool)
    }

    /// The dialog (§12): CSeq order and overlapping INVITEs are checked against it.
    public var dialog: Dialog?
    /// The far end holds the call (its last offer was sendonly/inactive, or c=0.0.0.0).
    public private(set) var held = false
    /// The o= version of our SDP: it goes up each time our description changes.
    public private(set) var sdpVersion: UInt64 = 1
    /// Our last 2xx to an INVITE of this session.
    public private(set) var last2xx: SIPMessage?
    private var retransmission: SuccessResponseRetransmission?
    /// Our 2xx carried the offer (the INVITE had none): the ACK must carry the answer.
    private var offerInLast2xx = false
    private let timers: TransactionTimers

    public init(dialog: Dialog? = nil, timers: TransactionTimers = TransactionTimers()) {
        self.dialog = dialog
        self.timers = timers
    }

    /// Our 2xx to the INVITE or a re-INVITE went out through its transaction: from here on
    /// its copies are ours to send until the ACK. `carriesOffer`: a late offer (§13.2.1).
    public mutating func sent2xx(_ ok: SIPMessage, carriesOffer: Bool) -> [Action] {
        var actions = stopRetransmitting()
        last2xx = ok
        offerInLast2xx = carriesOffer
        var r = SuccessResponseRetransmission(response: ok, timers: timers)
        actions += r.start().map(Self.action)
        retransmission = r
        return actions
    }

    /// The ACK of our 2xx: no more copies; a late offer's answer comes with it.
    public mutating func ackReceived(_ ack: SIPMessage) -> [Action] {
        dialog?.remoteInvitePending = false
        var actions: [Action] = []
        if var r = retransmission {
            actions += r.ackReceived().map(Self.action)
            retransmission = nil
        }
        if offerInLast2xx, let offer = last2xx?.body {
            offerInLast2xx = false
            actions.append(.answerInACK(offer: offer, answer: ack.body))
        }
        return actions
    }

    public mutating func timerFired(_ timer: Timer) -> [Action] {
        guard var r = retransmission else { return [] }
        let actions = r.timerFired(timer).map(Self.action)
        retransmission = r
        if actions.contains(.endForMissingACK) { retransmission = nil }
        return actions
    }

    /// The session is ending (BYE sent or received, or the leg failed): nothing more to send.
    public mutating func ending() -> [Action] {
        stopRetransmitting()
    }

    /// A re-INVITE is being answered: our SDP changes, so its version goes up (RFC 3264 §8).
    public mutating func nextSDPVersion() -> UInt64 {
        sdpVersion += 1
        return sdpVersion
    }

    /// The re-INVITE could not be answered (no usable offer): our SDP did not change after all.
    public mutating func sdpUnchanged() {
        sdpVersion -= 1
    }

    /// The far end's offer in an INVITE of this session was answered; `hold`: what the
    /// answer agreed (NegotiatedAudio.isHold).
    public mutating func offerAnswered(hold: Bool) -> [Action] {
        dialog?.remoteInvitePending = true   // until the ACK of our 2xx
        guard hold != held else { return [] }
        held = hold
        return [.holdChanged(hold)]
    }

    private mutating func stopRetransmitting() -> [Action] {
        guard retransmission != nil else { return [] }
        retransmission = nil
        return [.cancelTimer(.retransmit), .cancelTimer(.giveUp)]
    }

    private static func action(_ a: SuccessResponseRetransmission.Action) -> Action {
        switch a {
        case .send(let m): .send(m)
        case .startTimer(let t, let d): .startTimer(t, d)
        case .cancelTimer(let t): .cancelTimer(t)
        case .ackTimeout: .endForMissingACK
        }
    }
}
