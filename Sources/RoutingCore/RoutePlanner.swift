// RoutePlanner: the whole routing decision for one outbound call, in the order of DESIGN.md
// "An outbound call" step 2 — normalize, check the caller, look up the operator, choose
// SIMs — as one pure function the Gateway and `simgate route explain` both call.

import Foundation

/// Why no SIM is offered, as the cause the Gateway turns into a SIP response.
public enum RouteRefusal: Sendable, Codable, Hashable, CustomStringConvertible {
    /// 484 Address Incomplete.
    case badNumber(NormalizationError)
    /// 403 Forbidden.
    case callerDenied(CallerDenial)
    /// 503 Service Unavailable: every SIM was rejected (or there is none).
    case noSIMAvailable

    public var sipStatus: Int {
        switch self {
        case .badNumber: 484
        case .callerDenied: 403
        case .noSIMAvailable: 503
        }
    }

    public var description: String {
        switch self {
        case .badNumber(let error): error.description
        case .callerDenied(let denial): denial.description
        case .noSIMAvailable: "no SIM can take this call"
        }
    }
}

public struct RoutePlan: Sendable, Codable, Hashable {
    /// nil when a SIM can be tried: `explanation.selection.ranked` is the order.
    public let refusal: RouteRefusal?
    public let explanation: RouteExplanation

    public var candidates: [RankedSIM] { explanation.selection?.ranked ?? [] }
}

public struct RoutePlanner: Sendable {
    public var normalizer: NumberNormalizer
    public var callerPolicy: CallerPolicy
    public var selector: SIMSelector

    public init(normalizer: NumberNormalizer, callerPolicy: CallerPolicy, selector: SIMSelector) {
        self.normalizer = normalizer
        self.callerPolicy = callerPolicy
        self.selector = selector
    }

    /// - Parameters:
    ///   - callerUsage: the caller's own counters (calls/minutes today).
    ///   - numbering: the current snapshot (the Gateway passes whichever it holds now).
    public func plan(dialled: String, user: String, group: String?, callerUsage: UsageCounters,
                     numbering: NumberingSnapshot, candidates: [SIMCandidate], now: Date, timeZone: TimeZone) -> RoutePlan {
        let normalization = normalizer.normalize(dialled)
        let number: NormalizedNumber
        switch normalization {
        case .success(let value):
            number = value
        case .failure(let error):
            return RoutePlan(refusal: .badNumber(error),
                             explanation: RouteExplanation(input: dialled, normalization: normalization, selection: nil))
        }
        // The caller's day is the box's day.
        let usage = callerUsage.current(at: now, timeZone: timeZone, monthResetDay: 1)
        if let denial = callerPolicy.check(user: user, group: group, number: number, usage: usage) {
            return RoutePlan(refusal: .callerDenied(denial),
                             explanation: RouteExplanation(input: dialled, normalization: normalization,
                                                           callerDenial: denial, selection: nil))
        }
        let selection = selector.select(destination: numbering.lookup(number), callerGroup: group,
                                        candidates: candidates, now: now, timeZone: timeZone)
        return RoutePlan(refusal: selection.ranked.isEmpty ? .noSIMAvailable : nil,
                         explanation: RouteExplanation(input: dialled, normalization: normalization, selection: selection))
    }
}
