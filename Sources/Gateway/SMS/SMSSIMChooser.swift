// Which SIM sends an SMS: the call's order (on-net first, then the cheaper price — per SMS
// part here, `sms_price` — then the less used today, then the stronger signal, then the id),
// within each SIM's SMS limits and pace. Pure: the routing facts, counters and the time come in.
import Foundation

/// One SIM the router offers for an SMS (RoutingService.smsRoute builds these).
public struct SMSSIMOption: Sendable, Equatable {
    public var modemID: String
    public var iccid: String
    public var isRegistered: Bool
    /// Same (pricing) network as the recipient's operator.
    public var onNet: Bool
    /// Per part; nil unknown (ranked after known prices, as for calls).
    public var price: Decimal?
    public var signalDBm: Int?
    public var smsPerDay: Int?
    public var smsPerMonth: Int?
    /// The SIM's `sms_min_interval`; nil: `[sms] min_interval`.
    public var minIntervalSeconds: Double?
    public var monthResetDay: Int

    public init(modemID: String, iccid: String, isRegistered: Bool = true, onNet: Bool = false, price: Decimal? = nil,
                signalDBm: Int? = nil, smsPerDay: Int? = nil, smsPerMonth: Int? = nil, minIntervalSeconds: Double? = nil,
                monthResetDay: Int = 1) {
        self.modemID = modemID; self.iccid = iccid; self.isRegistered = isRegistered; self.onNet = onNet; self.price = price
        self.signalDBm = signalDBm; self.smsPerDay = smsPerDay; self.smsPerMonth = smsPerMonth
        self.minIntervalSeconds = minIntervalSeconds; self.monthResetDay = monthResetDay
    }
}

/// The router's answer for one recipient.
public struct SMSRoute: Sendable, Equatable {
    /// The number to put in TP-DA: "+" and E.164 digits, or a short code as dialled; nil when
    /// the number could not be read (then `error` says why).
    public var number: String?
    public var error: String?
    public var options: [SMSSIMOption]

    public init(number: String?, error: String? = nil, options: [SMSSIMOption]) {
        self.number = number; self.error = error; self.options = options
    }
}

/// A SIM's SMS usage now.
public struct SMSSIMUsage: Sendable, Equatable {
    public var today: Int
    public var thisMonth: Int
    public var lastSentAt: Date?

    public init(today: Int = 0, thisMonth: Int = 0, lastSentAt: Date? = nil) {
        self.today = today; self.thisMonth = thisMonth; self.lastSentAt = lastSentAt
    }
}

public enum SMSSIMChoice: Sendable, Equatable {
    /// Send through `option` at `at` (now, or when its minimum interval has passed).
    case send(SMSSIMOption, at: Date)
    /// No SIM may send it now; why, per SIM.
    case unavailable(String)
}

public struct SMSSIMChooser: Sendable {
    public var defaultMinIntervalSeconds: Double

    public init(defaultMinIntervalSeconds: Double) { self.defaultMinIntervalSeconds = defaultMinIntervalSeconds }

    /// - Parameters:
    ///   - requested: a modem id or ICCID the sender named: only that SIM, no failover.
    ///   - pinned: the ICCID earlier parts of this message went through: only that SIM, so the
    ///     recipient's phone gets every part from one number.
    ///   - excluded: SIMs that failed this message with a temporary error: used only when no other SIM may.
    public func choose(options: [SMSSIMOption], usage: [String: SMSSIMUsage], requested: String?, pinned: String?,
                       excluded: Set<String>, now: Date) -> SMSSIMChoice {
        var pool = options
        if let pinned {
            pool = pool.filter { Self.sameICCID($0.iccid, pinned) }
            if pool.isEmpty { return .unavailable("the SIM \(pinned) that sent the first parts is not in any modem") }
        } else if let requested {
            pool = pool.filter { $0.modemID == requested || Self.sameICCID($0.iccid, requested) }
            if pool.isEmpty { return .unavailable("no modem or SIM \"\(requested)\" is present") }
        }
        var reasons: [String] = []
        var eligible: [SMSSIMOption] = []
        for option in pool {
            let used = usage[Self.canonical(option.iccid)] ?? SMSSIMUsage()
            if !option.isRegistered { reasons.append("\(option.modemID): not registered"); continue }
            if let limit = option.smsPerDay, used.today >= limit {
                reasons.append("\(option.modemID): daily SMS \(used.today)/\(limit) reached"); continue
            }
            if let limit = option.smsPerMonth, used.thisMonth >= limit {
                reasons.append("\(option.modemID): monthly SMS \(used.thisMonth)/\(limit) reached"); continue
            }
            eligible.append(option)
        }
        guard !eligible.isEmpty else {
            return .unavailable(reasons.isEmpty ? "no SIM in any modem" : reasons.joined(separator: "; "))
        }
        // A SIM that failed this message goes last: the next attempt tries another SIM when one may send.
        let fresh = eligible.filter { !excluded.contains(Self.canonical($0.iccid)) }
        let ranked = (fresh.isEmpty ? eligible : fresh).sorted { a, b in
            Self.ranksBefore(a, usage[Self.canonical(a.iccid)] ?? SMSSIMUsage(), b, usage[Self.canonical(b.iccid)] ?? SMSSIMUsage())
        }
        // Prefer a SIM ready now; a SIM inside its interval is skipped when another is ready, and
        // waited for (not failed) when every eligible SIM is pacing.
        var best: (SMSSIMOption, Date)?
        for option in ranked {
            let ready = readyAt(option, usage[Self.canonical(option.iccid)])
            if ready <= now { return .send(option, at: now) }
            if best == nil || ready < best!.1 { best = (option, ready) }
        }
        return .send(best!.0, at: best!.1)
    }

    /// When the SIM's minimum interval since its last part has passed.
    public func readyAt(_ option: SMSSIMOption, _ usage: SMSSIMUsage?) -> Date {
        guard let last = usage?.lastSentAt else { return .distantPast }
        return last.addingTimeInterval(option.minIntervalSeconds ?? defaultMinIntervalSeconds)
    }

    static func ranksBefore(_ a: SMSSIMOption, _ ua: SMSSIMUsage, _ b: SMSSIMOption, _ ub: SMSSIMUsage) -> Bool {
        if a.onNet != b.onNet { return a.onNet }
        switch (a.price, b.price) {
        case let (x?, y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        if ua.today != ub.today { return ua.today < ub.today }
        switch (a.signalDBm, b.signalDBm) {
        case let (x?, y?) where x != y: return x > y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        return a.modemID < b.modemID
    }

    /// Modems print the ICCID with or without the trailing F filler, in either case.
    static func canonical(_ iccid: String) -> String { RoutingPolicy.canonicalICCID(iccid) }
    static func sameICCID(_ a: String, _ b: String) -> Bool { canonical(a) == canonical(b) }
}
