// Server transactions (RFC 3261 §17.2, with RFC 6026's Accepted state for INVITE).

/// INVITE server transaction, §17.2.1 (Figure 7 as amended by RFC 6026 Figure 5).
public struct InviteServerTransaction: Sendable {
    public enum State: Sendable, Equatable {
        /// `lastProvisional` is resent when the INVITE is retransmitted.
        case proceeding(lastProvisional: SIPMessage?)
        /// A 300-699 was sent; `retransmitInterval` is the next Timer G (nil on reliable transports).
        case completed(response: SIPMessage, retransmitInterval: Duration?)
        /// ACK received; absorbing ACK retransmissions until Timer I.
        case confirmed
        /// RFC 6026: a 2xx was sent; the TU retransmits it, INVITE retransmissions are absorbed.
        case accepted
        case terminated
    }

    public private(set) var state: State = .proceeding(lastProvisional: nil)
    public let request: SIPMessage
    public let reliable: Bool
    public let timers: TransactionTimers

    public init(request: SIPMessage, reliable: Bool, timers: TransactionTimers = TransactionTimers()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
    }

    /// Sends 100 Trying at once, then passes the INVITE to the TU (§17.2.1 allows waiting
    /// 200 ms for the TU; answering at once is always correct and stops retransmissions,
    /// and sending it first keeps it ahead of whatever the TU answers synchronously).
    public mutating func start() -> [TransactionAction] {
        let trying = request.makeResponse(100)
        state = .proceeding(lastProvisional: trying)
        return [.send(trying), .passToTransactionUser(request)]
    }

    /// A request matching this transaction: an INVITE retransmission or the ACK.
    public mutating func receive(request incoming: SIPMessage) -> [TransactionAction] {
        let isACK = incoming.method == .ack
        switch state {
        case let .proceeding(last):
            guard !isACK, let last else { return [] }
            return [.send(last)]
        case let .completed(response, interval):
            guard isACK else { return [.send(response)] }
            var actions: [TransactionAction] = (interval == nil ? [] : [.cancelTimer(.G)]) + [.cancelTimer(.H)]
            actions.append(timers.linger(.I, reliable: reliable, in: .confirmed, else: .terminated, state: &state))
            return actions
        case .accepted:
            return isACK ? [.passToTransactionUser(incoming)] : []
        case .confirmed, .terminated:
            return []
        }
    }

    /// A response from the TU.
    public mutating func send(response: SIPMessage) -> [TransactionAction] {
        guard let code = response.statusCode else { return [] }
        switch state {
        case .proceeding:
            switch code {
            case 100...199:
                state = .proceeding(lastProvisional: response)
                return [.send(response)]
            case 200...299:
                state = .accepted
                return [.send(response), .startTimer(.L, timers.transactionTimeout)]
            default:
                let g = timers.initial(.G, reliable: reliable)
                state = .completed(response: response, retransmitInterval: g)
                return [.send(response)] + (g.map { [.startTimer(.G, $0)] } ?? []) + [.startTimer(.H, timers.transactionTimeout)]
            }
        case .accepted:
            return (200...299).contains(code) ? [.send(response)] : []
        default:
            return []
        }
    }

    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        switch (state, timer) {
        case let (.completed(response, interval?), .G):
            let next = min(interval * 2, timers.t2)
            state = .completed(response: response, retransmitInterval: next)
            return [.send(response), .startTimer(.G, next)]
        case let (.completed(_, interval), .H):
            // The ACK never came (§17.2.1): tell the TU.
            state = .terminated
            return (interval == nil ? [] : [.cancelTimer(.G)]) + [.timeout, .terminated]
        case (.confirmed, .I), (.accepted, .L):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }

    public mutating func transportFailed() -> [TransactionAction] {
        guard state != .terminated else { return [] }
        state = .terminated
        return [.transportError, .terminated]
    }
}

/// Non-INVITE server transaction, §17.2.2 (Figure 8).
public struct NonInviteServerTransaction: Sendable {
    public enum State: Sendable, Equatable {
        case trying
        case proceeding(lastProvisional: SIPMessage)
        case completed(response: SIPMessage)
        case terminated
    }

    public private(set) var state: State = .trying
    public let request: SIPMessage
    public let reliable: Bool
    public let timers: TransactionTimers

    public init(request: SIPMessage, reliable: Bool, timers: TransactionTimers = TransactionTimers()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
    }

    public mutating func start() -> [TransactionAction] { [.passToTransactionUser(request)] }

    /// A retransmission of the request.
    public mutating func receive(request _: SIPMessage) -> [TransactionAction] {
        switch state {
        case .trying, .terminated: []  // absorbed (§17.2.2: discarded in Trying)
        case let .proceeding(last): [.send(last)]
        case let .completed(response): [.send(response)]
        }
    }

    public mutating func send(response: SIPMessage) -> [TransactionAction] {
        guard let code = response.statusCode else { return [] }
        switch state {
        case .trying, .proceeding:
            if code < 200 {
                state = .proceeding(lastProvisional: response)
                return [.send(response)]
            }
            return [.send(response), timers.linger(.J, reliable: reliable, in: .completed(response: response), else: .terminated, state: &state)]
        default:
            return []
        }
    }

    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        guard case .completed = state, timer == .J else { return [] }
        state = .terminated
        return [.terminated]
    }

    public mutating func transportFailed() -> [TransactionAction] {
        guard state != .terminated else { return [] }
        state = .terminated
        return [.transportError, .terminated]
    }
}
