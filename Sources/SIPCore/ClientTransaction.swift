// Client transactions (RFC 3261 §17.1, with RFC 6026's Accepted state for INVITE).
// Each is a value: events go in through one mutating func each, and the returned
// actions say what to send, which timers to (re)start and what to tell the TU.

/// INVITE client transaction, §17.1.1 (Figure 5 as amended by RFC 6026 Figure 3).
public struct InviteClientTransaction: Sendable {
    public enum State: Sendable, Equatable {
        /// Request sent; `retransmitInterval` is the next Timer A value (nil on reliable transports).
        case calling(retransmitInterval: Duration?)
        case proceeding
        /// A 300-699 was received and ACKed; the ACK is resent for each retransmitted final response.
        case completed(ack: SIPMessage)
        /// RFC 6026: a 2xx was received; further 2xx go to the TU (which sends the ACK).
        case accepted
        case terminated
    }

    public private(set) var state: State
    public let request: SIPMessage
    public let reliable: Bool
    public let timers: TransactionTimers

    public init(request: SIPMessage, reliable: Bool, timers: TransactionTimers = TransactionTimers()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
        self.state = .calling(retransmitInterval: timers.initial(.A, reliable: reliable))
    }

    /// Sends the INVITE and arms Timers A (UDP) and B.
    public mutating func start() -> [TransactionAction] {
        var actions: [TransactionAction] = [.send(request)]
        if case let .calling(interval?) = state { actions.append(.startTimer(.A, interval)) }
        actions.append(.startTimer(.B, timers.transactionTimeout))
        return actions
    }

    public mutating func receive(response: SIPMessage) -> [TransactionAction] {
        guard let code = response.statusCode else { return [] }
        switch state {
        case .calling, .proceeding:
            var actions = stopCallingTimers()
            switch code {
            case 100...199:
                state = .proceeding
                actions.append(.passToTransactionUser(response))
            case 200...299:
                state = .accepted
                actions += [.passToTransactionUser(response), .startTimer(.M, timers.transactionTimeout)]
            default:
                let ack = SIPMessage.ackForNon2xx(invite: request, response: response)
                actions += [.send(ack), .passToTransactionUser(response)]
                actions += enterCompleted(ack: ack)
            }
            return actions
        case let .completed(ack):
            // Retransmitted final response: resend the ACK, do not bother the TU (§17.1.1.2).
            return code >= 300 ? [.send(ack)] : []
        case .accepted:
            return (200...299).contains(code) ? [.passToTransactionUser(response)] : []
        case .terminated:
            return []
        }
    }

    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        switch (state, timer) {
        case let (.calling(interval?), .A):
            let next = interval * 2  // INVITE retransmissions double without the T2 cap (§17.1.1.2)
            state = .calling(retransmitInterval: next)
            return [.send(request), .startTimer(.A, next)]
        case (.calling, .B):
            state = .terminated
            return (reliable ? [] : [.cancelTimer(.A)]) + [.timeout, .terminated]
        case (.completed, .D), (.accepted, .M):
            state = .terminated
            return [.terminated]
        default:
            return []  // a timer that no longer applies (raced with a state change)
        }
    }

    public mutating func transportFailed() -> [TransactionAction] {
        switch state {
        case .calling, .proceeding:
            let actions = stopCallingTimers()
            state = .terminated
            return actions + [.transportError, .terminated]
        default:
            return []
        }
    }

    private func stopCallingTimers() -> [TransactionAction] {
        guard case let .calling(interval) = state else { return [] }
        return (interval == nil ? [] : [.cancelTimer(.A)]) + [.cancelTimer(.B)]
    }

    private mutating func enterCompleted(ack: SIPMessage) -> [TransactionAction] {
        [timers.linger(.D, reliable: reliable, in: .completed(ack: ack), else: .terminated, state: &state)]
    }
}

/// Non-INVITE client transaction, §17.1.2 (Figure 6).
public struct NonInviteClientTransaction: Sendable {
    public enum State: Sendable, Equatable {
        /// `retransmitInterval` is the next Timer E value (nil on reliable transports).
        case trying(retransmitInterval: Duration?)
        case proceeding(retransmitInterval: Duration?)
        case completed
        case terminated
    }

    public private(set) var state: State
    public let request: SIPMessage
    public let reliable: Bool
    public let timers: TransactionTimers

    public init(request: SIPMessage, reliable: Bool, timers: TransactionTimers = TransactionTimers()) {
        self.request = request
        self.reliable = reliable
        self.timers = timers
        self.state = .trying(retransmitInterval: timers.initial(.E, reliable: reliable))
    }

    public mutating func start() -> [TransactionAction] {
        var actions: [TransactionAction] = [.send(request)]
        if case let .trying(interval?) = state { actions.append(.startTimer(.E, interval)) }
        actions.append(.startTimer(.F, timers.transactionTimeout))
        return actions
    }

    public mutating func receive(response: SIPMessage) -> [TransactionAction] {
        guard let code = response.statusCode else { return [] }
        switch state {
        case let .trying(interval), let .proceeding(interval):
            if code < 200 {
                state = .proceeding(retransmitInterval: interval)
                return [.passToTransactionUser(response)]
            }
            var actions: [TransactionAction] = (interval == nil ? [] : [.cancelTimer(.E)]) + [.cancelTimer(.F), .passToTransactionUser(response)]
            actions.append(timers.linger(.K, reliable: reliable, in: .completed, else: .terminated, state: &state))
            return actions
        case .completed, .terminated:
            return []  // retransmissions absorbed
        }
    }

    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        switch (state, timer) {
        case let (.trying(interval?), .E):
            // §17.1.2.2: double up to T2.
            let next = min(interval * 2, timers.t2)
            state = .trying(retransmitInterval: next)
            return [.send(request), .startTimer(.E, next)]
        case (.proceeding(_?), .E):
            // In Proceeding the interval is T2.
            state = .proceeding(retransmitInterval: timers.t2)
            return [.send(request), .startTimer(.E, timers.t2)]
        case let (.trying(interval), .F), let (.proceeding(interval), .F):
            state = .terminated
            return (interval == nil ? [] : [.cancelTimer(.E)]) + [.timeout, .terminated]
        case (.completed, .K):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }

    public mutating func transportFailed() -> [TransactionAction] {
        switch state {
        case let .trying(interval), let .proceeding(interval):
            state = .terminated
            return (interval == nil ? [] : [.cancelTimer(.E)]) + [.cancelTimer(.F), .transportError, .terminated]
        default:
            return []
        }
    }
}
