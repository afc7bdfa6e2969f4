// The control API's balance shapes: `GET /v1/balances`, `POST /v1/balances/{sim}/refresh`,
// and the balance shown in `simgate sims`.
import Foundation

/// A SIM's money balance as last read from its operator.
public struct SIMBalanceInfo: Codable, Sendable, Equatable {
    public var iccid: String
    public var modem: String?
    /// The amount of the newest check that read one (2 decimals), and its currency.
    public var amount: Double?
    public var currency: String?
    /// When that amount was read.
    public var readAt: Date?
    /// The newest check, read or not: when, what the operator said, why it gave no amount.
    public var checkedAt: Date?
    public var reply: String?
    public var error: String?
    /// `[[sim]] min_balance`, and whether the last amount is below it (the SIM is out of routing).
    public var minBalance: Double?
    public var low: Bool
    /// `[[sim]] balance_ussd`.
    public var request: String?

    public init(iccid: String, modem: String?, amount: Double?, currency: String?, readAt: Date?, checkedAt: Date?,
                reply: String?, error: String?, minBalance: Double?, low: Bool, request: String?) {
        self.iccid = iccid; self.modem = modem; self.amount = amount; self.currency = currency; self.readAt = readAt
        self.checkedAt = checkedAt; self.reply = reply; self.error = error; self.minBalance = minBalance; self.low = low
        self.request = request
    }

    /// "2220.76 RUB", or nil when no amount was ever read.
    public var amountText: String? {
        amount.map { String(format: "%.2f", $0) + (currency.map { " " + $0 } ?? "") }
    }
}

public struct SIMBalanceList: Codable, Sendable {
    public var balances: [SIMBalanceInfo]
    public var generatedAt: Date
    public init(balances: [SIMBalanceInfo], generatedAt: Date) { self.balances = balances; self.generatedAt = generatedAt }
}

extension ControlRoute {
    public static let balances = "/v1/balances"
    public static func balanceRefresh(_ sim: String) -> String { "/v1/balances/\(sim)/refresh" }
}
