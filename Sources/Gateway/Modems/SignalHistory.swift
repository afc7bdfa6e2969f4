// The last hour or so of one modem's signal, for `simgate modem show`'s sparkline: a sample
// when the reading changes, and one a minute while it holds, so a steady hour costs 60
// samples and a flapping antenna shows every step (up to the capacity).
import Foundation

struct SignalHistory {
    struct Sample: Equatable {
        var at: Date
        /// nil: the modem reported no usable reading (rssi 99, no SIM, no network).
        var dBm: Int?
    }

    /// Enough for an hour at one sample a minute; a ring, so memory stays fixed per modem.
    static let capacity = 60
    /// A reading that holds is sampled again after this long, so the line keeps its time axis.
    static let steadyInterval: TimeInterval = 60

    private(set) var samples: [Sample] = []

    mutating func observe(_ dBm: Int?, at now: Date) {
        if let last = samples.last, last.dBm == dBm, now.timeIntervalSince(last.at) < Self.steadyInterval { return }
        if samples.count == Self.capacity { samples.removeFirst() }
        samples.append(Sample(at: now, dBm: dBm))
    }
}
