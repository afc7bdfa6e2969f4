// Flood protection: a token bucket per source IP address. A phone sends a handful of
// requests per call; SIPVicious-style scanners send thousands per second. Requests over
// the limit are dropped unanswered, because answering (even 503) would make us an
// amplifier for spoofed sources. Sources are keyed by their address bytes (SourceAddress),
// so no String is made per datagram; `[sip] trusted` peers are not counted at all (the
// caller skips them, SIPService+Admission.swift).
import NIOCore

struct SourceRateLimiter {
    struct Bucket {
        var tokens: Double
        var last: NIODeadline
    }

    let ratePerSecond: Double
    let burst: Double
    /// Sources tracked at once. 65 536 buckets of ~48 bytes is ~3 MiB. When the table is
    /// full, idle (full) buckets are dropped first; if every tracked source is still busy
    /// (a spoofed-source flood), unknown sources share one overflow bucket, so memory stays
    /// bounded while known phones keep their own budget.
    let maxSources: Int
    private var buckets: [SourceAddress: Bucket] = [:]
    private var overflow: Bucket

    init(ratePerSecond: Double, burst: Double, maxSources: Int = 65_536) {
        self.ratePerSecond = ratePerSecond
        self.burst = max(burst, 1)
        self.maxSources = maxSources
        self.overflow = Bucket(tokens: max(burst, 1), last: .now())
    }

    var trackedSources: Int { buckets.count }

    /// Whether one more message from `source` is allowed at `now`.
    mutating func allow(_ source: SourceAddress, now: NIODeadline) -> Bool {
        if var b = buckets[source] {
            let ok = take(&b, now)
            buckets[source] = b
            return ok
        }
        if buckets.count >= maxSources { pruneIdle(now) }
        if buckets.count >= maxSources { return take(&overflow, now) }
        var b = Bucket(tokens: burst, last: now)
        let ok = take(&b, now)
        buckets[source] = b
        return ok
    }

    private func refill(_ b: inout Bucket, _ now: NIODeadline) {
        let elapsed = Double((now - b.last).nanoseconds) / 1e9
        if elapsed > 0 { b.tokens = min(burst, b.tokens + elapsed * ratePerSecond); b.last = now }
    }

    private func take(_ b: inout Bucket, _ now: NIODeadline) -> Bool {
        refill(&b, now)
        guard b.tokens >= 1 else { return false }
        b.tokens -= 1
        return true
    }

    private mutating func pruneIdle(_ now: NIODeadline) {
        buckets = buckets.filter { _, b in
            var c = b
            refill(&c, now)
            return c.tokens < burst
        }
    }
}
