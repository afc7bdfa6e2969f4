// What is let in, before a message is parsed: `[sip] trusted` peers always; banned sources
// never (their datagrams are dropped unread, one dictionary read); everyone else through
// the per-source rate limit, whose drops count toward a flood ban. Failed digest
// authentications count toward a ban too (`noteAuthFailure`). The decisions are BanPolicy's;
// this file gives it the clock and the source, logs and counts.
import ControlModel
import Foundation
import NIOCore
import SIPCore
import SimgateConfig

extension BanPolicy.Settings {
    init(_ config: SIPConfig) {
        self.init(failures: config.banAfterFailures, rateLimited: config.banAfterRateLimited,
                  window: .nanoseconds(Int64(config.banWindowSeconds * 1e9)), banTime: .nanoseconds(Int64(config.banTimeSeconds * 1e9)))
    }
}

extension SIPService {
    /// Per received datagram or TCP message, on the loop: whether to parse and handle it.
    @inline(__always)
    func admit(_ remote: SocketAddress) -> Bool {
        guard let source = SourceAddress(remote) else { return true }
        if !trusted.networks.isEmpty, trusted.contains(source) {
            counters.trustedReceived += 1
            return true
        }
        let now = NIODeadline.now()
        if bans.isBanned(source, now: now) {
            counters.bannedDropped += 1
            return false
        }
        if limiter.allow(source, now: now) { return true }
        counters.rateLimited += 1
        if let ban = bans.record(.rateLimited, from: source, now: now) { announce(ban, source: source) }
        return false
    }

    /// A request carried an Authorization that did not pass (we answer 403).
    func noteAuthFailure(_ key: TransactionKey) {
        guard let remote = transactionUsers[key]?.peer.remote, let source = SourceAddress(remote), !trusted.contains(source) else { return }
        if let ban = bans.record(.authFailed, from: source, now: .now()) { announce(ban, source: source) }
    }

    /// Logged once per ban, with the source and why; credentials are never logged (the
    /// user names tried are in the "SIP authentication failed" notices before it).
    private func announce(_ ban: BanPolicy.Ban, source: SourceAddress) {
        counters.bans += 1
        metrics?.count("simgate_sip_bans_total", [("reason", ban.reason.rawValue)])
        let what = ban.reason == .flood ? "\(ban.strikes) messages over the rate limit" : "\(ban.strikes) failed authentications"
        logger.warning("SIP source banned", metadata: [
            "source": "\(source)", "reason": "\(ban.reason.rawValue)", "strikes": "\(ban.strikes)",
            "seconds": "\(Int(config.banTimeSeconds))", "detail": "\(what) within \(Int(config.banWindowSeconds)) s",
        ])
    }

    // MARK: Control API

    public func banList() async -> SIPBanList {
        let rows = (try? await loop.submit { self.bans.list(now: .now()) }.get()) ?? []
        let wall = Date(), now = NIODeadline.now()
        func date(_ d: NIODeadline) -> Date { wall.addingTimeInterval(Double((d - now).nanoseconds) / 1e9) }
        return SIPBanList(bans: rows.map {
            SIPBanInfo(source: "\($0.source)", reason: $0.ban.reason.rawValue, strikes: $0.ban.strikes, since: date($0.ban.since),
                       until: date($0.ban.until), hits: $0.ban.hits)
        }, generatedAt: wall)
    }

    public enum UnbanOutcome: Sendable, Equatable { case lifted, notBanned, notAnAddress }

    /// `simgate sip unban ADDRESS`: lifts the ban and forgets the source's strikes.
    public func unban(_ address: String) async -> UnbanOutcome {
        guard let source = SourceAddress(parsing: address) else { return .notAnAddress }
        let lifted = (try? await loop.submit { self.bans.lift(source, now: .now()) }.get()) ?? nil
        guard lifted != nil else { return .notBanned }
        logger.notice("SIP ban lifted", metadata: ["source": "\(source)"])
        return .lifted
    }
}
