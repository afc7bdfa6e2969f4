// Who is banned, and when: sans-IO. Events come in with the time (`now`, a monotonic
// NIODeadline the caller reads, or a test makes up), decisions go out; nothing here reads a
// clock, logs, or touches a socket (SIPService+Admission.swift does that).
//
// A source is banned when, within one window (`window`, fixed: it opens at the source's first
// strike and closes `window` later), it
// - fails digest authentication `failures` times (an Authorization answered 403: a wrong
//   password, an unknown user, a replayed answer; a 401 for a nonce we never gave is not a
//   guess, since no password can be tested without our nonce, and a restart invalidates
//   every phone's nonce), or
// - has `rateLimited` messages dropped by the per-source rate limit (it keeps flooding).
// A ban lasts `banTime`; the source's messages are then dropped before parsing. Trusted
// sources never get here (the caller skips them before the rate limit).
//
// Memory is bounded whatever the sources (a spoofed flood makes up a new one per packet):
// - strikes are kept for at most `maxTracked` sources (~40 bytes each plus the table's
//   overhead: about 5 MiB at 65 536). When full, expired windows are dropped (at most once a
//   second, so a full table of live windows is not rescanned per packet), then, if still
//   full, an arbitrary source's strikes are forgotten: its count starts again. A ban is never
//   lost this way.
// - bans are kept for at most `maxBans` (16 384: about 1.5 MiB). When full, expired bans are
//   dropped; if still full, the OLDEST ban is lifted early to make room for the new one (a
//   first-in first-out queue), so a source that is misbehaving now is always banned.
import NIOCore

struct BanPolicy {
    struct Settings: Sendable, Equatable {
        /// Failed authentications that ban (0: never).
        var failures: Int
        /// Rate-limited drops that ban (0: never).
        var rateLimited: Int
        var window: TimeAmount
        var banTime: TimeAmount
        var maxTracked = 65_536
        var maxBans = 16_384
    }

    enum Reason: String, Sendable, Equatable {
        case authFailures = "auth-failures"
        case flood
    }

    enum Event: Sendable, Equatable {
        /// An Authorization was sent and did not pass (answered 403).
        case authFailed
        /// The per-source rate limit dropped a message.
        case rateLimited
    }

    struct Ban: Sendable, Equatable {
        var reason: Reason
        var since: NIODeadline
        var until: NIODeadline
        /// The failures or drops in the window that made the ban.
        var strikes: Int
        /// Messages dropped because of the ban so far.
        var hits = 0
    }

    struct Strikes {
        var windowStart: NIODeadline
        var failures: Int32 = 0
        var rateLimited: Int32 = 0
    }

    let settings: Settings
    private(set) var bans: [SourceAddress: Ban] = [:]
    private(set) var strikes: [SourceAddress: Strikes] = [:]
    /// Bans in the order they were made, with their `since` to tell a re-ban apart from the
    /// entry a lifted ban left behind; `head` is the oldest still to look at.
    private var order: [(source: SourceAddress, since: NIODeadline)] = []
    private var head = 0
    private var lastStrikePrune = NIODeadline.uptimeNanoseconds(0)
    private var lastBanPrune = NIODeadline.uptimeNanoseconds(0)
    /// Bans lifted early because the table was full (for the status counters).
    private(set) var evictedBans = 0

    init(settings: Settings) { self.settings = settings }

    var count: Int { bans.count }

    /// Whether `source` is banned at `now`; counts the hit. An expired ban is lifted here.
    /// One dictionary read when bans exist, none when there are none.
    @inline(__always)
    mutating func isBanned(_ source: SourceAddress, now: NIODeadline) -> Bool {
        guard !bans.isEmpty else { return false }
        return checkBan(source, now: now)
    }

    private mutating func checkBan(_ source: SourceAddress, now: NIODeadline) -> Bool {
        guard var ban = bans[source] else { return false }
        guard now < ban.until else {
            bans[source] = nil
            return false
        }
        ban.hits += 1
        bans[source] = ban
        return true
    }

    /// Records one event from `source`; a ban made by it is returned (once: the caller logs it).
    mutating func record(_ event: Event, from source: SourceAddress, now: NIODeadline) -> Ban? {
        let threshold = event == .authFailed ? settings.failures : settings.rateLimited
        guard threshold > 0 else { return nil }
        if let ban = bans[source], now < ban.until { return nil }
        var s: Strikes
        if let known = strikes[source] {
            s = known
        } else {
            makeRoom(now: now)
            s = Strikes(windowStart: now)
        }
        if now - s.windowStart > settings.window { s = Strikes(windowStart: now) }
        let reached: Int
        switch event {
        case .authFailed:
            s.failures += 1
            reached = Int(s.failures)
        case .rateLimited:
            s.rateLimited &+= 1
            reached = Int(s.rateLimited)
        }
        guard reached >= threshold else {
            strikes[source] = s
            return nil
        }
        strikes[source] = nil
        let ban = Ban(reason: event == .authFailed ? .authFailures : .flood, since: now, until: now + settings.banTime, strikes: reached)
        insert(ban, for: source, now: now)
        return ban
    }

    /// Lifts the ban on `source` (`simgate sip unban`) and forgets its strikes.
    mutating func lift(_ source: SourceAddress, now: NIODeadline) -> Ban? {
        strikes[source] = nil
        guard let ban = bans.removeValue(forKey: source) else { return nil }
        return now < ban.until ? ban : nil
    }

    /// The bans in force at `now`, oldest first.
    func list(now: NIODeadline) -> [(source: SourceAddress, ban: Ban)] {
        bans.filter { now < $0.value.until }.map { (source: $0.key, ban: $0.value) }.sorted { $0.ban.since < $1.ban.since }
    }

    // MARK: Bounds

    /// Makes room for one more strikes entry.
    private mutating func makeRoom(now: NIODeadline) {
        guard strikes.count >= settings.maxTracked else { return }
        if now - lastStrikePrune >= .seconds(1) {
            lastStrikePrune = now
            let window = settings.window
            strikes = strikes.filter { now - $0.value.windowStart <= window }
        }
        if strikes.count >= settings.maxTracked { strikes.remove(at: strikes.startIndex) }
    }

    private mutating func insert(_ ban: Ban, for source: SourceAddress, now: NIODeadline) {
        if bans[source] == nil, bans.count >= settings.maxBans {
            if now - lastBanPrune >= .seconds(1) {
                lastBanPrune = now
                bans = bans.filter { now < $0.value.until }
            }
            while bans.count >= settings.maxBans, head < order.count {
                let oldest = order[head]
                head += 1
                if bans[oldest.source]?.since == oldest.since {
                    bans[oldest.source] = nil
                    evictedBans += 1
                }
            }
        }
        bans[source] = ban
        order.append((source, ban.since))
        // The queue holds entries of lifted and expired bans too: compact it when it is
        // twice the table, so it stays O(maxBans).
        if order.count - head > 2 * max(settings.maxBans, bans.count) || head > order.count / 2 {
            order = bans.map { (source: $0.key, since: $0.value.since) }.sorted { $0.since < $1.since }
            head = 0
        }
    }
}
