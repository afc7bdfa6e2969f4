// What SIM care knows about each SIM, read by routing on every call: whether the SIM is in
// service (its health: quarantined, on probation, disabled by the admin), and the balance
// last read. Keyed by the canonical ICCID, so a SIM moved to another modem keeps its state.
// Written by BalanceService and SIMHealthService; read by RoutingService (candidates and
// `simgate sims`).
import ControlModel
import Foundation
import RoutingCore
import Synchronization

final class SIMCareBoard: Sendable {
    private struct Entry {
        var balance: SIMBalanceInfo?
        var health = SIMHealth()
    }
    private let entries = Mutex<[String: Entry]>([:])
    let policy: SIMHealth.Policy

    init(policy: SIMHealth.Policy = SIMHealth.Policy()) {
        self.policy = policy
    }

    /// Why the SIM must not carry calls now, or nil. Health first (an admin's word, then a
    /// quarantine), then the balance.
    func outOfService(iccid: String, now: Date = Date()) -> String? {
        entries.withLock { map in
            guard let entry = map[RoutingPolicy.canonicalICCID(iccid)] else { return nil }
            if let why = entry.health.outOfService(at: now.timeIntervalSince1970) {
                guard let until = entry.health.quarantinedUntil(at: now.timeIntervalSince1970) else { return why }
                return why + " until " + Self.clock(Date(timeIntervalSince1970: until))
            }
            guard let b = entry.balance, b.low else { return nil }
            let min = b.minBalance.map { String(format: "%.2f", $0) } ?? "?"
            return "balance \(b.amountText ?? "?") below min_balance \(min)"
        }
    }

    func balance(iccid: String) -> SIMBalanceInfo? {
        entries.withLock { $0[RoutingPolicy.canonicalICCID(iccid)]?.balance }
    }

    /// Stores `info`; returns the previous one.
    @discardableResult
    func setBalance(_ info: SIMBalanceInfo) -> SIMBalanceInfo? {
        entries.withLock { map in
            let key = RoutingPolicy.canonicalICCID(info.iccid)
            let old = map[key]?.balance
            map[key, default: Entry()].balance = info
            return old
        }
    }

    var balances: [SIMBalanceInfo] {
        entries.withLock { $0.values.compactMap(\.balance) }.sorted { $0.iccid < $1.iccid }
    }

    // MARK: Health

    func health(iccid: String) -> SIMHealth {
        entries.withLock { $0[RoutingPolicy.canonicalICCID(iccid)]?.health ?? SIMHealth() }
    }

    /// Applies one event to the SIM's health; returns what it decided and the new health.
    func updateHealth<A>(iccid: String, _ event: (inout SIMHealth, SIMHealth.Policy) -> A) -> (A, SIMHealth) {
        let policy = self.policy
        return entries.withLock { map in
            let key = RoutingPolicy.canonicalICCID(iccid)
            var entry = map[key, default: Entry()]
            let result = event(&entry.health, policy)
            map[key] = entry
            return (result, entry.health)
        }
    }

    /// Restores stored health (at start).
    func restoreHealth(_ states: [String: SIMHealth]) {
        entries.withLock { map in
            for (iccid, health) in states { map[RoutingPolicy.canonicalICCID(iccid), default: Entry()].health = health }
        }
    }

    func careInfo(iccid: String, modem: String?, now: Date = Date()) -> SIMCareInfo {
        let health = self.health(iccid: iccid)
        let t = now.timeIntervalSince1970
        let state: String, strike: Int?, failures: Int?
        switch health.state {
        case .inService(let n): (state, strike, failures) = ("in-service", nil, n)
        case .quarantined(_, let until, _, let s): (state, strike, failures) = (t < until ? "quarantined" : "probation", s, nil)
        case .probation(let s, _): (state, strike, failures) = ("probation", s, nil)
        }
        return SIMCareInfo(
            iccid: RoutingPolicy.canonicalICCID(iccid), modem: modem, state: health.disabled != nil ? "disabled" : state,
            outOfService: outOfService(iccid: iccid, now: now),
            quarantinedUntil: health.quarantinedUntil(at: t).map(Date.init(timeIntervalSince1970:)),
            strike: strike, failuresInARow: failures, lastFailure: health.lastFailure)
    }

    /// "14:05:09Z": the admin reads it next to `date -u`.
    static func clock(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "HH:mm:ss'Z'"
        return f.string(from: date)
    }
}
