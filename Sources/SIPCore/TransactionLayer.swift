// The transaction layer: the table of live transactions, routing of received messages
// and timer firings to them, and creation of new ones. A value: the IO layer owns one,
// feeds it messages and timer expiries, and carries out the returned events.

public struct TransactionTimerID: Sendable, Hashable {
    public var key: TransactionKey
    public var timer: TransactionTimer
}

public struct TransactionLayer: Sendable {
    public enum Event: Sendable, Equatable {
        /// Send this message. For client transactions the destination is the one the
        /// request was sent to; for server transactions, per the response's top Via (§18.2.2).
        case send(SIPMessage, TransactionKey)
        case startTimer(TransactionTimerID, Duration)
        case cancelTimer(TransactionTimerID)
        /// A new request for the TU (a server transaction was created for it).
        case request(SIPMessage, TransactionKey)
        /// A response for the TU from a client transaction.
        case response(SIPMessage, TransactionKey)
        /// An ACK the server transaction passed up (RFC 6026 Accepted state).
        case ackForAccepted(SIPMessage, TransactionKey)
        /// An ACK matching no transaction: the ACK for a 2xx, which belongs to the dialog (§17.2.3 / §13.3.1.4).
        case strayACK(SIPMessage)
        /// A response matching no client transaction (§18.1.2: a UA discards it; a proxy forwards).
        case strayResponse(SIPMessage)
        case timeout(TransactionKey)
        case transportError(TransactionKey)
        case terminated(TransactionKey)
    }

    enum Entry: Sendable {
        case inviteClient(InviteClientTransaction)
        case nonInviteClient(NonInviteClientTransaction)
        case inviteServer(InviteServerTransaction)
        case nonInviteServer(NonInviteServerTransaction)
    }

    public enum SendError: Error, Sendable, Equatable {
        /// The table holds `maxTransactions` already.
        case tableFull
        case invalidRequest(SIPParseError)
        case noSuchTransaction
    }

    private var table: [TransactionKey: Entry] = [:]
    public let timers: TransactionTimers
    /// Bound on live transactions. Non-INVITE server transactions over UDP linger in
    /// Completed for Timer J (64*T1 = 32 s); at 2 000 requests/s that is 64 000 entries
    /// of ~1 KiB each. 65 536 bounds the table near 64 MiB; past it, new requests get a
    /// stateless 503 with Retry-After, which is cheaper than letting memory grow.
    public let maxTransactions: Int

    public init(timers: TransactionTimers = TransactionTimers(), maxTransactions: Int = 65_536) {
        self.timers = timers
        self.maxTransactions = maxTransactions
    }

    public var count: Int { table.count }
    public func contains(_ key: TransactionKey) -> Bool { table[key] != nil }

    // MARK: Client side

    /// Starts a client transaction for `request` (INVITE or non-INVITE; never ACK, which
    /// is not a transaction). `reliable` is the transport the request goes out on.
    public mutating func sendRequest(_ request: SIPMessage, reliable: Bool) throws(SendError) -> (TransactionKey, [Event]) {
        let key: TransactionKey
        do { key = try TransactionKey.client(for: request) } catch { throw .invalidRequest(error) }
        guard table.count < maxTransactions else { throw .tableFull }
        var actions: [TransactionAction]
        if request.method == .invite {
            var t = InviteClientTransaction(request: request, reliable: reliable, timers: timers)
            actions = t.start()
            table[key] = .inviteClient(t)
        } else {
            var t = NonInviteClientTransaction(request: request, reliable: reliable, timers: timers)
            actions = t.start()
            table[key] = .nonInviteClient(t)
        }
        return (key, map(actions, key, isClient: true))
    }

    // MARK: Server side

    /// Responds through the server transaction the response's Via/CSeq identify.
    public mutating func sendResponse(_ response: SIPMessage) throws(SendError) -> [Event] {
        let key: TransactionKey
        do { key = try TransactionKey.server(forResponse: response) } catch { throw .invalidRequest(error) }
        return try sendResponse(response, transaction: key)
    }

    public mutating func sendResponse(_ response: SIPMessage, transaction key: TransactionKey) throws(SendError) -> [Event] {
        guard let entry = table[key] else { throw .noSuchTransaction }
        switch entry {
        case var .inviteServer(t):
            let a = t.send(response: response)
            return store(.inviteServer(t), key, a, isClient: false)
        case var .nonInviteServer(t):
            let a = t.send(response: response)
            return store(.nonInviteServer(t), key, a, isClient: false)
        default:
            throw .noSuchTransaction
        }
    }

    // MARK: Received messages

    /// Routes a received, validated message. `reliable` is the transport it came on
    /// (for new server transactions).
    public mutating func receive(_ message: SIPMessage, reliable: Bool) -> [Event] {
        if message.isRequest {
            guard let key = try? TransactionKey.server(for: message) else { return [] }
            if let entry = table[key] {
                switch entry {
                case var .inviteServer(t):
                    let a = t.receive(request: message)
                    return store(.inviteServer(t), key, a, isClient: false, ack: message.method == .ack)
                case var .nonInviteServer(t):
                    let a = t.receive(request: message)
                    return store(.nonInviteServer(t), key, a, isClient: false)
                default:
                    return []
                }
            }
            if message.method == .ack { return [.strayACK(message)] }
            guard table.count < maxTransactions else {
                var busy = message.makeResponse(503, "Service Unavailable (transaction table full)")
                busy.headers.append(.retryAfter, "5")
                return [.send(busy, key)]
            }
            if message.method == .invite {
                var t = InviteServerTransaction(request: message, reliable: reliable, timers: timers)
                let a = t.start()
                return store(.inviteServer(t), key, a, isClient: false)
            }
            var t = NonInviteServerTransaction(request: message, reliable: reliable, timers: timers)
            let a = t.start()
            return store(.nonInviteServer(t), key, a, isClient: false)
        }
        guard let key = try? TransactionKey.client(forResponse: message), let entry = table[key] else {
            return [.strayResponse(message)]
        }
        switch entry {
        case var .inviteClient(t):
            let a = t.receive(response: message)
            return store(.inviteClient(t), key, a, isClient: true)
        case var .nonInviteClient(t):
            let a = t.receive(response: message)
            return store(.nonInviteClient(t), key, a, isClient: true)
        default:
            return [.strayResponse(message)]
        }
    }

    public mutating func timerFired(_ id: TransactionTimerID) -> [Event] {
        guard let entry = table[id.key] else { return [] }
        switch entry {
        case var .inviteClient(t):
            let a = t.timerFired(id.timer)
            return store(.inviteClient(t), id.key, a, isClient: true)
        case var .nonInviteClient(t):
            let a = t.timerFired(id.timer)
            return store(.nonInviteClient(t), id.key, a, isClient: true)
        case var .inviteServer(t):
            let a = t.timerFired(id.timer)
            return store(.inviteServer(t), id.key, a, isClient: false)
        case var .nonInviteServer(t):
            let a = t.timerFired(id.timer)
            return store(.nonInviteServer(t), id.key, a, isClient: false)
        }
    }

    public mutating func transportFailed(_ key: TransactionKey) -> [Event] {
        guard let entry = table[key] else { return [] }
        switch entry {
        case var .inviteClient(t):
            let a = t.transportFailed()
            return store(.inviteClient(t), key, a, isClient: true)
        case var .nonInviteClient(t):
            let a = t.transportFailed()
            return store(.nonInviteClient(t), key, a, isClient: true)
        case var .inviteServer(t):
            let a = t.transportFailed()
            return store(.inviteServer(t), key, a, isClient: false)
        case var .nonInviteServer(t):
            let a = t.transportFailed()
            return store(.nonInviteServer(t), key, a, isClient: false)
        }
    }

    /// The request that created a transaction (e.g. the INVITE a CANCEL refers to).
    public func request(of key: TransactionKey) -> SIPMessage? {
        switch table[key] {
        case let .inviteClient(t)?: t.request
        case let .nonInviteClient(t)?: t.request
        case let .inviteServer(t)?: t.request
        case let .nonInviteServer(t)?: t.request
        case nil: nil
        }
    }

    // MARK: Plumbing

    private mutating func store(_ entry: Entry, _ key: TransactionKey, _ actions: [TransactionAction], isClient: Bool, ack: Bool = false) -> [Event] {
        if actions.contains(.terminated) { table[key] = nil } else { table[key] = entry }
        return map(actions, key, isClient: isClient, ack: ack)
    }

    private func map(_ actions: [TransactionAction], _ key: TransactionKey, isClient: Bool, ack: Bool = false) -> [Event] {
        actions.map { a in
            switch a {
            case let .send(m): .send(m, key)
            case let .startTimer(t, d): .startTimer(TransactionTimerID(key: key, timer: t), d)
            case let .cancelTimer(t): .cancelTimer(TransactionTimerID(key: key, timer: t))
            case let .passToTransactionUser(m): isClient ? .response(m, key) : (ack ? .ackForAccepted(m, key) : .request(m, key))
            case .timeout: .timeout(key)
            case .transportError: .transportError(key)
            case .terminated: .terminated(key)
            }
        }
    }
}
