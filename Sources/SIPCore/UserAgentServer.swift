// UAS core duty that outlives the INVITE server transaction (RFC 3261 §13.3.1.4, RFC 6026):
// the UAS itself retransmits its 2xx until the ACK arrives, starting at T1 and doubling
// up to T2, and gives up after 64*T1 — then the session must be ended with a BYE.

public struct SuccessResponseRetransmission: Sendable {
    public enum State: Sendable, Equatable {
        case waitingForACK(nextInterval: Duration?)
        case confirmed
        /// No ACK within 64*T1: the TU should send BYE (§13.3.1.4).
        case ackTimedOut
    }

    public enum Timer: Sendable, Hashable {
        /// Retransmit the 2xx (unreliable transports only).
        case retransmit
        /// Give up waiting for the ACK.
        case giveUp
    }

    public enum Action: Sendable, Equatable {
        case send(SIPMessage)
        case startTimer(Timer, Duration)
        case cancelTimer(Timer)
        /// Send BYE: the ACK never came.
        case ackTimeout
    }

    public private(set) var state: State
    public let response: SIPMessage
    public let timers: TransactionTimers

    /// No transport flag: §13.3.1.4 retransmits the 2xx on every transport, because a
    /// proxy further along may forward it over UDP.
    public init(response: SIPMessage, timers: TransactionTimers = TransactionTimers()) {
        self.response = response
        self.timers = timers
        self.state = .waitingForACK(nextInterval: timers.t1)
    }

    /// Call right after the INVITE server transaction sent the 2xx (that first copy goes
    /// out through the transaction); from here on the UAS core owns the retransmissions.
    public mutating func start() -> [Action] {
        guard case let .waitingForACK(interval?) = state else { return [] }
        return [.startTimer(.retransmit, interval), .startTimer(.giveUp, timers.transactionTimeout)]
    }

    public mutating func ackReceived() -> [Action] {
        guard case .waitingForACK = state else { return [] }
        state = .confirmed
        return [.cancelTimer(.retransmit), .cancelTimer(.giveUp)]
    }

    public mutating func timerFired(_ timer: Timer) -> [Action] {
        guard case let .waitingForACK(interval?) = state else { return [] }
        switch timer {
        case .retransmit:
            let next = min(interval * 2, timers.t2)
            state = .waitingForACK(nextInterval: next)
            return [.send(response), .startTimer(.retransmit, next)]
        case .giveUp:
            state = .ackTimedOut
            return [.cancelTimer(.retransmit), .ackTimeout]
        }
    }
}
