// The per-call cap of one SIM for one call (issue 5: "the call is ended at the cap, with a
// warning tone a few seconds before"). The router computes it when it ranks the SIM
// (RankedSIM.maxCallSeconds: the SIM's `max_call_seconds`, shortened to what is left of its
// day/month bundle); the call bridge arms two timers from the answer: the warning tone to
// the SIP phone at `warningAtSecond`, both legs hung up at `seconds`.
import RoutingCore

public struct CallCap: Sendable, Equatable {
    /// Longest the answered call may last, seconds from the answer.
    public var seconds: Int
    /// When the phone hears the warning beeps, seconds from the answer (≤ `seconds`).
    public var warningAtSecond: Int

    public init(seconds: Int, warningAtSecond: Int) {
        self.seconds = max(1, seconds)
        self.warningAtSecond = min(max(0, warningAtSecond), self.seconds)
    }

    public init?(_ sim: RankedSIM) {
        guard let seconds = sim.maxCallSeconds else { return nil }
        self.init(seconds: seconds, warningAtSecond: sim.warningAtSecond ?? seconds)
    }

    /// The CDR's cause text and the Reason header's text: an admin reading either sees the cap
    /// ended the call, not the callee.
    public var text: String { "per-call limit of \(seconds) s reached" }

    /// Q.850 cause 16 (normal call clearing): the call did not fail; RFC 3326 lets the text
    /// say why it was cleared.
    public static let q850 = 16

    /// `Reason: Q.850;cause=16;text="per-call limit of 60 s reached"` on the BYE to the phone.
    public var reasonHeader: String { "Q.850;cause=\(Self.q850);text=\"\(text)\"" }

    /// Modem id → cap, for every ranked SIM that has one.
    public static func byModem(_ plan: RoutePlan) -> [String: CallCap] {
        var caps: [String: CallCap] = [:]
        for sim in plan.candidates { if let cap = CallCap(sim) { caps[sim.id] = cap } }
        return caps
    }

    /// Modem id → the rank its call record shows: its place in the router's preference
    /// order, where a SIM that is only busy keeps its place (SIMSelection.preferenceOrder).
    public static func ranks(_ plan: RoutePlan) -> [String: Int] {
        var ranks: [String: Int] = [:]
        let order = plan.explanation.selection?.preferenceOrder ?? plan.candidates.map(\.id)
        for (index, id) in order.enumerated() where ranks[id] == nil { ranks[id] = index + 1 }
        return ranks
    }
}
