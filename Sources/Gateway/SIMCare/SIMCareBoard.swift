// What SIM care knows about each SIM, read by routing on every call: whether the SIM is in
// service, and the balance last read. Keyed by the canonical ICCID, so a SIM moved to another
// modem keeps its state. Written by BalanceService; read by RoutingService (candidates and
// `simgate sims`).
import ControlModel
import Synchronization

final class SIMCareBoard: Sendable {
    private struct Entry {
        var balance: SIMBalanceInfo?
    }
    private let entries = Mutex<[String: Entry]>([:])

    /// Why the SIM must not carry calls now, or nil.
    func outOfService(iccid: String) -> String? {
        entries.withLock { map in
            guard let b = map[RoutingPolicy.canonicalICCID(iccid)]?.balance, b.low else { return nil }
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
}
