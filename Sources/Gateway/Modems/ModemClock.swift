// One monotonic clock for the modem layer, and the mapping from its instants to wall time
// for display ("free since 10:42"). The sans-IO core only ever sees monotonic instants, so
// a wall-clock jump (NTP, DST) can never fire a timer early or stretch a timeout.
import Foundation
import NIOCore

struct GatewayClock: Sendable {
    private let monotonicOrigin: NIODeadline
    private let wallOrigin: Date

    init() {
        monotonicOrigin = .now()
        wallOrigin = Date()
    }

    /// Nanoseconds on the monotonic clock since this process started.
    func nowNanoseconds() -> UInt64 {
        UInt64(max(0, (NIODeadline.now() - monotonicOrigin).nanoseconds))
    }

    func date(atNanoseconds ns: UInt64) -> Date {
        wallOrigin.addingTimeInterval(Double(ns) / 1e9)
    }
}
