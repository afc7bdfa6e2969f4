// RFC 3261 §17 timer values (Table 4 in Appendix A), with T1/T2/T4 configurable, plus
// RFC 6026's Timers L and M. On a reliable transport the retransmission timers (A, E, G)
// are never started and the "absorb retransmissions" waits (D, I, J, K) are zero: the
// transport itself does not duplicate, so there is nothing to absorb.

/// The named timers of the transaction state machines.
public enum TransactionTimer: String, Sendable, Hashable, CaseIterable {
    /// INVITE client: request retransmission interval (UDP only), doubling from T1.
    case A
    /// INVITE client: transaction timeout in Calling, 64*T1.
    case B
    /// INVITE client: wait in Completed for response retransmissions, ≥32 s UDP, 0 reliable.
    case D
    /// non-INVITE client: request retransmission (UDP only), doubling from T1 up to T2.
    case E
    /// non-INVITE client: transaction timeout, 64*T1.
    case F
    /// non-INVITE client: wait in Completed, T4 UDP, 0 reliable.
    case K
    /// INVITE server: final response retransmission (UDP only), doubling from T1 up to T2.
    case G
    /// INVITE server: wait for ACK, 64*T1.
    case H
    /// INVITE server: wait in Confirmed for ACK retransmissions, T4 UDP, 0 reliable.
    case I
    /// non-INVITE server: wait in Completed, 64*T1 UDP, 0 reliable.
    case J
    /// INVITE server (RFC 6026): wait in Accepted for INVITE retransmissions, 64*T1.
    case L
    /// INVITE client (RFC 6026): wait in Accepted for 2xx retransmissions, 64*T1.
    case M
}

public struct TransactionTimers: Sendable, Equatable {
    /// RTT estimate; 500 ms default (§17.1.1.1). May be lowered on known-fast links only.
    public var t1: Duration = .milliseconds(500)
    /// Maximum retransmission interval for non-INVITE requests and INVITE responses: 4 s.
    public var t2: Duration = .seconds(4)
    /// Maximum time a message may stay in the network: 5 s.
    public var t4: Duration = .seconds(5)
    /// Timer D on unreliable transports: "at least 32 seconds" (§17.1.1.2).
    public var timerDUnreliable: Duration = .seconds(32)

    public init(t1: Duration = .milliseconds(500), t2: Duration = .seconds(4), t4: Duration = .seconds(5)) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
    }

    /// 64*T1: Timers B, F, H, J (unreliable), L and M.
    public var transactionTimeout: Duration { t1 * 64 }

    /// The initial value of `timer` for the given transport; nil when the timer is not
    /// started at all (retransmission timers on reliable transports), `.zero` when the
    /// state it guards is left at once.
    public func initial(_ timer: TransactionTimer, reliable: Bool) -> Duration? {
        switch timer {
        case .A, .E, .G: reliable ? nil : t1
        case .B, .F, .H, .L, .M: transactionTimeout
        case .D: reliable ? .zero : timerDUnreliable
        case .I, .K: reliable ? .zero : t4
        case .J: reliable ? .zero : transactionTimeout
        }
    }
}

extension TransactionTimers {
    /// Timers D, I, J and K keep a finished transaction a while to absorb retransmissions,
    /// and are zero on reliable transports (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2): the
    /// transaction either waits in `waiting` with the timer started, or terminates at once.
    func linger<State>(_ timer: TransactionTimer, reliable: Bool, in waiting: State, else terminated: State,
                       state: inout State) -> TransactionAction {
        let wait = initial(timer, reliable: reliable) ?? .zero
        if wait == .zero {
            state = terminated
            return .terminated
        }
        state = waiting
        return .startTimer(timer, wait)
    }
}

/// What a transaction asks its owner to do. Events are returned in the order they must
/// be carried out.
public enum TransactionAction: Sendable, Equatable {
    /// Hand this message to the transport (request or response, as the transaction's role says).
    case send(SIPMessage)
    case startTimer(TransactionTimer, Duration)
    case cancelTimer(TransactionTimer)
    /// Deliver to the transaction user: a response (client side) or the request (server side).
    case passToTransactionUser(SIPMessage)
    /// Timer B, F or H fired: the transaction failed for lack of an answer (or of an ACK).
    case timeout
    /// The transport reported a failure sending (§17.1.4, §17.2.4).
    case transportError
    /// The transaction is over; its owner drops it.
    case terminated
}
