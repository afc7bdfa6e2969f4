// SIM care's verdict on one SIM (POST /v1/sims/{sim}/disable|enable, the webhook
// sim.quarantined, `simgate sims`).
import Foundation

public enum SIMCareRoutes {
    /// POST, body `SIMDisableRequest`: out of routing until enabled.
    public static func disable(_ sim: String) -> String { "/v1/sims/\(sim)/disable" }
    /// POST, no body: back in routing, strikes forgotten.
    public static func enable(_ sim: String) -> String { "/v1/sims/\(sim)/enable" }
}

public struct SIMDisableRequest: Codable, Sendable, Equatable {
    public var reason: String?
    public init(reason: String?) { self.reason = reason }
}

public struct SIMCareInfo: Codable, Sendable, Equatable {
    public var iccid: String
    public var modem: String?
    /// "in-service", "quarantined", "probation" (cool-down over, one trial call), "disabled".
    public var state: String
    /// Why it is out of routing now, or nil.
    public var outOfService: String?
    public var quarantinedUntil: Date?
    /// How many quarantines in a row (sets the cool-down).
    public var strike: Int?
    /// Network-side failures in a row while in service.
    public var failuresInARow: Int?
    public var lastFailure: String?

    public init(iccid: String, modem: String?, state: String, outOfService: String?, quarantinedUntil: Date?,
                strike: Int?, failuresInARow: Int?, lastFailure: String?) {
        self.iccid = iccid; self.modem = modem; self.state = state; self.outOfService = outOfService
        self.quarantinedUntil = quarantinedUntil; self.strike = strike; self.failuresInARow = failuresInARow
        self.lastFailure = lastFailure
    }
}
