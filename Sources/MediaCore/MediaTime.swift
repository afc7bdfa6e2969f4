/// A point on the caller's monotonic clock. MediaCore never reads a clock: the Gateway passes
/// `MediaTime(nanoseconds: ContinuousClock.now - start)` (or any monotonic source) in.
public struct MediaTime: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since an arbitrary origin chosen by the caller.
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func milliseconds(_ ms: Int64) -> MediaTime { MediaTime(nanoseconds: ms &* 1_000_000) }
    public static func microseconds(_ us: Int64) -> MediaTime { MediaTime(nanoseconds: us &* 1_000) }
    public static let zero = MediaTime(nanoseconds: 0)

    public func advanced(byMilliseconds ms: Int64) -> MediaTime { MediaTime(nanoseconds: nanoseconds &+ ms &* 1_000_000) }
    public func advanced(byNanoseconds ns: Int64) -> MediaTime { MediaTime(nanoseconds: nanoseconds &+ ns) }

    /// Nanoseconds from `earlier` to `self` (negative if `earlier` is later).
    public func nanoseconds(since earlier: MediaTime) -> Int64 { nanoseconds &- earlier.nanoseconds }

    /// This time expressed in RTP clock units (e.g. 8000 Hz), wrapping like an RTP timestamp.
    /// Used for interarrival jitter (RFC 3550 A.8), where only differences matter.
    public func rtpUnits(clockRate: UInt32) -> UInt32 {
        // Split to avoid overflow: whole seconds and the remainder.
        let secs = nanoseconds / 1_000_000_000
        let rem = nanoseconds % 1_000_000_000
        let units = secs &* Int64(clockRate) &+ (rem &* Int64(clockRate)) / 1_000_000_000
        return UInt32(truncatingIfNeeded: units)
    }

    public static func < (a: MediaTime, b: MediaTime) -> Bool { a.nanoseconds < b.nanoseconds }
    public var description: String { "\(Double(nanoseconds) / 1e6)ms" }
}
