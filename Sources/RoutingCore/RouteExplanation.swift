// RouteExplanation: everything `simgate route explain NUMBER` shows — the normalized
// number, the operator and where that answer came from, every SIM with why it was taken
// or refused, and the final order. Codable for `--json`; `text` for people.

import Foundation

public struct RouteExplanation: Sendable, Codable, Hashable {
    public let input: String
    public let normalized: NormalizedNumber?
    public let normalizationError: NormalizationError?
    /// A caller-policy refusal, when the caller was checked.
    public let callerDenial: CallerDenial?
    public let selection: SIMSelection?

    public init(input: String, normalization: Result<NormalizedNumber, NormalizationError>,
                callerDenial: CallerDenial? = nil, selection: SIMSelection?) {
        self.input = input
        switch normalization {
        case .success(let number):
            normalized = number
            normalizationError = nil
        case .failure(let error):
            normalized = nil
            normalizationError = error
        }
        self.callerDenial = callerDenial
        self.selection = selection
    }

    /// Ranked SIM ids, best first.
    public var order: [String] { selection?.ranked.map(\.id) ?? [] }

    public var text: String {
        var lines: [String] = []
        if let normalizationError {
            lines.append("Number:   \(input) → refused (SIP \(normalizationError.sipStatus)): \(normalizationError)")
            return lines.joined(separator: "\n")
        }
        if let normalized {
            var how = normalized.derivation.rawValue
            if let removed = normalized.removedPrefix { how += ", removed \"\(removed)\"" }
            if let country = normalized.country { how += ", \(country.rawValue)" }
            lines.append("Number:   \(input) → \(normalized) (\(how))")
        }
        if let callerDenial {
            lines.append("Caller:   denied (SIP \(callerDenial.sipStatus)): \(callerDenial)")
        }
        guard let selection else { return lines.joined(separator: "\n") }
        let destination = selection.destination
        if let op = destination.operator {
            let network = op.network.map { "\($0)" } ?? "no MCC-MNC"
            lines.append("Operator: \(op.name) (\(network)), source \(destination.source.rawValue), data \(destination.dataVersion)")
        } else {
            lines.append("Operator: unknown (source none), data \(destination.dataVersion)")
        }
        lines.append("SIMs:")
        for (rank, sim) in selection.ranked.enumerated() {
            var facts = [sim.onNet ? "on-net" : "off-net"]
            facts.append(sim.pricePerMinute.map { "\($0)/min" } ?? "price unknown")
            facts.append("\(sim.minutesUsedToday) min today")
            if let signal = sim.signalDBm { facts.append("\(signal) dBm") }
            if let cap = sim.maxCallSeconds {
                facts.append("max \(cap) s, warning at \(sim.warningAtSecond ?? cap) s")
            }
            lines.append("  \(sim.id)  \(Self.network(sim.network))  accepted #\(rank + 1): " + facts.joined(separator: ", "))
        }
        for sim in selection.rejected {
            lines.append("  \(sim.id)  \(Self.network(sim.network))  rejected: "
                         + sim.reasons.map(\.description).joined(separator: "; "))
        }
        lines.append("Order:    " + (order.isEmpty ? "no SIM can take this call" : order.joined(separator: ", ")))
        return lines.joined(separator: "\n")
    }

    private static func network(_ network: MCCMNC?) -> String {
        network?.description ?? "unknown"
    }
}
