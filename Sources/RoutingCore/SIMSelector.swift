// SIMSelector: which SIMs may carry a call to a given operator, in which order, and why the
// others may not (DESIGN.md "An outbound call", step 2).
//
// Order: on-net first (same operator as the callee, or its configured host network), then
// the cheapest per minute, then the fewest minutes used today (spreads wear and keeps
// bundles even), then the strongest signal; the SIM id breaks ties so the order is stable.

import Foundation

/// What the modem holding a SIM reports.
public struct ModemStatus: Sendable, Codable, Hashable {
    /// Not reserved by another call or command.
    public var isFree: Bool
    /// Registered on the network (home or roaming).
    public var isRegistered: Bool
    /// Voice calls work on this modem/firmware.
    public var isVoiceCapable: Bool
    /// Signal in dBm (higher is better); nil when unknown.
    public var signalDBm: Int?

    public init(isFree: Bool, isRegistered: Bool, isVoiceCapable: Bool, signalDBm: Int?) {
        self.isFree = isFree
        self.isRegistered = isRegistered
        self.isVoiceCapable = isVoiceCapable
        self.signalDBm = signalDBm
    }
}

/// Price per minute of a SIM's tariff.
public struct SIMTariff: Sendable, Codable, Hashable {
    public var onNetPerMinute: Decimal?
    public var offNetPerMinute: Decimal?
    /// Prices for particular destination networks, keyed by compact MCC-MNC ("25099");
    /// they win over the on/off-net prices.
    public var perNetwork: [String: Decimal]

    public init(onNetPerMinute: Decimal? = nil, offNetPerMinute: Decimal? = nil, perNetwork: [String: Decimal] = [:]) {
        self.onNetPerMinute = onNetPerMinute
        self.offNetPerMinute = offNetPerMinute
        self.perNetwork = perNetwork
    }

    func pricePerMinute(to destination: MCCMNC?, onNet: Bool) -> Decimal? {
        if let destination, let price = perNetwork[destination.compact] { return price }
        return onNet ? (onNetPerMinute ?? offNetPerMinute) : offNetPerMinute
    }
}

/// A SIM the Gateway could use, with everything the choice depends on.
public struct SIMCandidate: Sendable, Codable, Hashable {
    public var id: String
    public var iccid: String
    /// From the IMSI (`OperatorMapping.network(forIMSI:)`); nil if not read yet.
    public var network: MCCMNC?
    public var modem: ModemStatus
    /// Caller groups allowed to use this SIM; nil allows every group.
    public var allowedGroups: Set<String>?
    public var tariff: SIMTariff
    public var limits: SIMLimits
    public var usage: UsageCounters
    /// Why the SIM is taken out of routing (balance below `min_balance`, quarantined,
    /// disabled by the admin); nil when it is in service.
    public var outOfService: String?

    public init(id: String, iccid: String, network: MCCMNC?, modem: ModemStatus, allowedGroups: Set<String>? = nil,
                tariff: SIMTariff = SIMTariff(), limits: SIMLimits = SIMLimits(), usage: UsageCounters,
                outOfService: String? = nil) {
        self.outOfService = outOfService
        self.id = id
        self.iccid = iccid
        self.network = network
        self.modem = modem
        self.allowedGroups = allowedGroups
        self.tariff = tariff
        self.limits = limits
        self.usage = usage
    }
}

/// Why a SIM cannot take this call.
public enum SIMRejection: Sendable, Codable, Hashable, CustomStringConvertible {
    case notFree
    case notRegistered
    case noVoice
    case groupNotAllowed(group: String?)
    case concurrentCallsReached(active: Int, limit: Int)
    case dailyCallsReached(used: Int, limit: Int)
    case dailyMinutesReached(usedMinutes: Int, limit: Int)
    case monthlyMinutesReached(usedMinutes: Int, limit: Int)
    /// Policy says on-net only and this SIM is not.
    case offNet
    /// SIM care took it out of routing (low balance, quarantine, disabled), with why.
    case outOfService(String)

    /// The SIM is momentarily taken, not unfit: it keeps its place in the preference order.
    public var isOccupancy: Bool {
        switch self {
        case .notFree, .concurrentCallsReached: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .notFree: "modem busy"
        case .notRegistered: "not registered"
        case .noVoice: "no voice"
        case .groupNotAllowed(let group): "group \(group.map { "\"\($0)\"" } ?? "(none)") not allowed"
        case .concurrentCallsReached(let active, let limit): "concurrent calls \(active)/\(limit) reached"
        case .dailyCallsReached(let used, let limit): "daily calls \(used)/\(limit) reached"
        case .dailyMinutesReached(let used, let limit): "daily minutes \(used)/\(limit) reached"
        case .monthlyMinutesReached(let used, let limit): "monthly minutes \(used)/\(limit) reached"
        case .offNet: "off-net (policy: on-net only)"
        case .outOfService(let why): "out of service: \(why)"
        }
    }
}

/// A SIM that may take the call, with the facts that ranked it.
public struct RankedSIM: Sendable, Codable, Hashable {
    public let id: String
    public let iccid: String
    public let network: MCCMNC?
    public let onNet: Bool
    public let pricePerMinute: Decimal?
    public let minutesUsedToday: Int
    public let signalDBm: Int?
    /// Longest the call may last on this SIM (per-call cap and remaining bundle); nil = no cap.
    public let maxCallSeconds: Int?
    /// When to play the warning tone (seconds into the call); nil when there is no cap.
    public let warningAtSecond: Int?
}

public struct RejectedSIM: Sendable, Codable, Hashable {
    public let id: String
    public let iccid: String
    public let network: MCCMNC?
    /// Every reason, in check order.
    public let reasons: [SIMRejection]
}

public struct SIMSelection: Sendable, Codable, Hashable {
    public let destination: OperatorLookupResult
    /// Best first; the Gateway tries them in this order on modem/network failure.
    public let ranked: [RankedSIM]
    public let rejected: [RejectedSIM]
    /// Ids of the ranked SIMs and of those rejected only for being busy (modem not free,
    /// concurrent calls reached), in the same order: where each SIM stands for this call
    /// when nothing is momentarily taken. A call record's rank is its SIM's place here, so
    /// a call that left through the second-best SIM because the best one was busy says 2.
    public let preferenceOrder: [String]

    /// A SIM's place in `preferenceOrder`, 1 = the best (nil: not a candidate for this call).
    public func preferenceRank(of id: String) -> Int? {
        preferenceOrder.firstIndex(of: id).map { $0 + 1 }
    }
}

public struct SelectionPolicy: Sendable, Codable, Hashable {
    /// Seconds before the cap at which the warning tone plays.
    public var warningLeadSeconds: Int
    /// A SIM with less usable time than this left is treated as exhausted.
    public var minimumCallSeconds: Int
    /// Refuse off-net SIMs when the destination operator is known.
    public var onNetOnly: Bool

    public init(warningLeadSeconds: Int = 10, minimumCallSeconds: Int = 1, onNetOnly: Bool = false) {
        self.warningLeadSeconds = warningLeadSeconds
        self.minimumCallSeconds = minimumCallSeconds
        self.onNetOnly = onNetOnly
    }
}

public struct SIMSelector: Sendable {
    public var mapping: OperatorMapping
    public var policy: SelectionPolicy

    public init(mapping: OperatorMapping = .defaults, policy: SelectionPolicy = SelectionPolicy()) {
        self.mapping = mapping
        self.policy = policy
    }

    /// - Parameters:
    ///   - now, timeZone: the box's clock reading and zone, for the counter periods.
    public func select(destination: OperatorLookupResult, callerGroup: String?, candidates: [SIMCandidate],
                       now: Date, timeZone: TimeZone) -> SIMSelection {
        let destinationNetwork = destination.network.map(mapping.pricingNetwork(of:))
        var ranked: [RankedSIM] = []
        var rejected: [RejectedSIM] = []
        /// Rejected only for being busy: ranked as if free, for `preferenceOrder`.
        var busy: [RankedSIM] = []

        for sim in candidates {
            let usage = sim.usage.current(at: now, timeZone: timeZone, monthResetDay: sim.limits.monthResetDay)
            let onNet = destinationNetwork != nil && sim.network.map(mapping.pricingNetwork(of:)) == destinationNetwork
            var reasons: [SIMRejection] = []
            if !sim.modem.isFree { reasons.append(.notFree) }
            if !sim.modem.isRegistered { reasons.append(.notRegistered) }
            if !sim.modem.isVoiceCapable { reasons.append(.noVoice) }
            if let groups = sim.allowedGroups, !(callerGroup.map(groups.contains) ?? false) {
                reasons.append(.groupNotAllowed(group: callerGroup))
            }
            if usage.activeCalls >= sim.limits.maxConcurrentCalls {
                reasons.append(.concurrentCallsReached(active: usage.activeCalls, limit: sim.limits.maxConcurrentCalls))
            }
            if let limit = sim.limits.callsPerDay, usage.callsToday >= limit {
                reasons.append(.dailyCallsReached(used: usage.callsToday, limit: limit))
            }
            let step = max(1, sim.limits.billingIncrementSeconds)
            let needed = max(policy.minimumCallSeconds, 1)
            if let limit = sim.limits.minutesPerDay, (limit * 60 - usage.secondsToday) / step * step < needed {
                reasons.append(.dailyMinutesReached(usedMinutes: usage.minutesToday, limit: limit))
            }
            if let limit = sim.limits.minutesPerMonth, (limit * 60 - usage.secondsThisMonth) / step * step < needed {
                reasons.append(.monthlyMinutesReached(usedMinutes: usage.minutesThisMonth, limit: limit))
            }
            if policy.onNetOnly, destinationNetwork != nil, !onNet { reasons.append(.offNet) }
            if let why = sim.outOfService { reasons.append(.outOfService(why)) }

            let maxSeconds = sim.limits.allowedCallSeconds(after: usage)
            guard reasons.isEmpty else {
                rejected.append(RejectedSIM(id: sim.id, iccid: sim.iccid, network: sim.network, reasons: reasons))
                if reasons.allSatisfy(\.isOccupancy) {
                    busy.append(RankedSIM(
                        id: sim.id, iccid: sim.iccid, network: sim.network, onNet: onNet,
                        pricePerMinute: sim.tariff.pricePerMinute(to: destination.network, onNet: onNet),
                        minutesUsedToday: usage.minutesToday, signalDBm: sim.modem.signalDBm,
                        maxCallSeconds: maxSeconds, warningAtSecond: nil))
                }
                continue
            }
            ranked.append(RankedSIM(
                id: sim.id, iccid: sim.iccid, network: sim.network, onNet: onNet,
                pricePerMinute: sim.tariff.pricePerMinute(to: destination.network, onNet: onNet),
                minutesUsedToday: usage.minutesToday, signalDBm: sim.modem.signalDBm,
                maxCallSeconds: maxSeconds,
                warningAtSecond: maxSeconds.map { max(0, $0 - policy.warningLeadSeconds) }))
        }
        ranked.sort(by: Self.ranksBefore)
        let preference = (ranked + busy).sorted(by: Self.ranksBefore).map(\.id)
        return SIMSelection(destination: destination, ranked: ranked, rejected: rejected, preferenceOrder: preference)
    }

    static func ranksBefore(_ a: RankedSIM, _ b: RankedSIM) -> Bool {
        if a.onNet != b.onNet { return a.onNet }
        switch (a.pricePerMinute, b.pricePerMinute) {
        case let (x?, y?) where x != y: return x < y
        case (.some, nil): return true   // a known price beats an unknown one
        case (nil, .some): return false
        default: break
        }
        if a.minutesUsedToday != b.minutesUsedToday { return a.minutesUsedToday < b.minutesUsedToday }
        switch (a.signalDBm, b.signalDBm) {
        case let (x?, y?) where x != y: return x > y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        return a.id < b.id
    }
}
