// How a SIM's operator is asked for its balance and its own number, given on a [[sim]] or on
// the [[routing.tariff]] it names (thirty prepaid SIMs of one tariff share one balance code):
//
//     balance_ussd = "*100#"              # the USSD code that answers with the balance
//     balance_sms = "777"                 # or: the short number a request is texted to
//     balance_sms_text = "BAL"            #   what is texted (Vodafone NZ)
//     balance_sms_reply_from = "777"      #   the reply's sender, when not the number itself
//     balance_interval = 21600            # s between two checks (default 6 h)
//     balance_after_minutes = 30          # also check after this many billed minutes
//     min_balance = 10.0                  # below it the SIM leaves routing (sim.low_balance)
//     number_ussd = "*111*0887#"          # asks the SIM's own number when AT+CNUM has none
//     number_sms = "…", number_sms_text = "…", number_sms_reply_from = "…"
//
// A SIM's keys win over its tariff's, key by key, except that a way of asking (USSD or SMS)
// is taken whole: a SIM with its own balance_sms does not inherit the tariff's balance_ussd.
import Foundation

public struct OperatorQueries: Sendable, Equatable {
    /// `*100#` on MTS and MegaFon, `*102#` Beeline, `*105#` Tele2, `*111#` Kyivstar.
    public var balanceUSSD: String?
    public var balanceSMS: SMSRequest?
    /// nil: the default (`SIMConfig.defaultBalanceInterval`).
    public var balanceIntervalSeconds: Double?
    public var balanceAfterMinutes: Int?
    public var minBalance: Decimal?
    /// MTS `*111*0887#`, Beeline `*110*10#`, MegaFon `*205#`, Tele2 `*201#`, lifecell `*161#`.
    public var numberUSSD: String?
    public var numberSMS: SMSRequest?

    public init(balanceUSSD: String? = nil, balanceSMS: SMSRequest? = nil, balanceIntervalSeconds: Double? = nil,
                balanceAfterMinutes: Int? = nil, minBalance: Decimal? = nil, numberUSSD: String? = nil, numberSMS: SMSRequest? = nil) {
        self.balanceUSSD = balanceUSSD; self.balanceSMS = balanceSMS; self.balanceIntervalSeconds = balanceIntervalSeconds
        self.balanceAfterMinutes = balanceAfterMinutes; self.minBalance = minBalance
        self.numberUSSD = numberUSSD; self.numberSMS = numberSMS
    }

    /// A request texted to the operator: `text` to `to`, answered by an SMS from `replyFrom`.
    public struct SMSRequest: Sendable, Equatable {
        public var to: String
        public var text: String
        /// The reply's sender; operators answer from the number asked, or from a name ("Balance").
        public var replyFrom: String
        public init(to: String, text: String, replyFrom: String? = nil) {
            self.to = to; self.text = text; self.replyFrom = replyFrom ?? to
        }
    }

    /// How the operator is asked: a USSD code or an SMS.
    public enum Request: Sendable, Equatable, CustomStringConvertible {
        case ussd(String)
        case sms(SMSRequest)

        public var description: String {
            switch self {
            case .ussd(let code): code
            case .sms(let r): "SMS \"\(r.text)\" → \(r.to)"
            }
        }
    }

    public var balanceRequest: Request? {
        if let balanceUSSD { return .ussd(balanceUSSD) }
        return balanceSMS.map(Request.sms)
    }

    public var numberRequest: Request? {
        if let numberUSSD { return .ussd(numberUSSD) }
        return numberSMS.map(Request.sms)
    }

    /// These keys over `base` (a SIM's over its tariff's).
    public func inheriting(_ base: OperatorQueries) -> OperatorQueries {
        var q = self
        if balanceRequest == nil { q.balanceUSSD = base.balanceUSSD; q.balanceSMS = base.balanceSMS }
        if numberRequest == nil { q.numberUSSD = base.numberUSSD; q.numberSMS = base.numberSMS }
        q.balanceIntervalSeconds = balanceIntervalSeconds ?? base.balanceIntervalSeconds
        q.balanceAfterMinutes = balanceAfterMinutes ?? base.balanceAfterMinutes
        q.minBalance = minBalance ?? base.minBalance
        return q
    }

    // MARK: Reading and writing

    static func read(_ r: TableReader) -> OperatorQueries {
        var q = OperatorQueries()
        q.balanceUSSD = r.string("balance_ussd") { s in
            SIMConfig.isUSSDCode(s) ? nil : "expected a USSD code like \"*100#\" (starts with * or #, digits and *, ends with #), got \"\(s)\""
        }
        q.numberUSSD = r.string("number_ussd") { s in
            SIMConfig.isUSSDCode(s) ? nil : "expected a USSD code like \"*111*0887#\" (starts with * or #, digits and *, ends with #), got \"\(s)\""
        }
        q.balanceSMS = readSMSRequest(r, "balance_sms", ussdKey: "balance_ussd")
        q.numberSMS = readSMSRequest(r, "number_sms", ussdKey: "number_ussd")
        q.balanceIntervalSeconds = r.number("balance_interval", in: SIMConfig.balanceIntervalRange)
        q.balanceAfterMinutes = r.integer("balance_after_minutes", in: 1...SIMConfig.minutesRange.upperBound).map(Int.init)
        q.minBalance = r.number("min_balance", in: -1_000_000...1_000_000_000).map(Validate.decimal)
        return q
    }

    func render(into w: inout TOMLWriter) {
        w.string("balance_ussd", balanceUSSD)
        balanceSMS?.render(into: &w, key: "balance_sms")
        if let balanceIntervalSeconds { w.number("balance_interval", balanceIntervalSeconds) }
        w.integer("balance_after_minutes", balanceAfterMinutes)
        w.decimal("min_balance", minBalance)
        w.string("number_ussd", numberUSSD)
        numberSMS?.render(into: &w, key: "number_sms")
    }

    /// An SMS sender: digits with an optional "+", or an alphanumeric name of at most 11
    /// characters (23.040 §9.1.2.5, the most a 7-bit TP-OA holds).
    public static func isSMSSender(_ s: String) -> Bool {
        if isShortNumber(s) { return true }
        return (1...11).contains(s.count) && s.contains(where: \.isLetter)
            && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || $0 == "-") }
    }

    static func isShortNumber(_ s: String) -> Bool {
        let digits = s.hasPrefix("+") ? s.dropFirst() : Substring(s)
        return !digits.isEmpty && digits.count <= 20 && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `<key>`, `<key>_text`, `<key>_reply_from`: the first two together, the third optional.
    private static func readSMSRequest(_ r: TableReader, _ key: String, ussdKey: String) -> SMSRequest? {
        let to = r.string(key) { s in
            isShortNumber(s) ? nil : "expected the number the request is texted to, like \"777\", got \"\(s)\""
        }
        let text = r.string("\(key)_text") { s in
            s.trimmingCharacters(in: .whitespaces).isEmpty ? "must be the text to send, like \"BAL\"" :
                s.count > 160 ? "at most 160 characters (one SMS), got \(s.count)" : nil
        }
        let replyFrom = r.string("\(key)_reply_from") { s in
            isSMSSender(s) ? nil : "expected the reply's sender: a number or a name of at most 11 letters and digits, got \"\(s)\""
        }
        if r.table[key] != nil, r.table[ussdKey] != nil {
            r.report(key, "give \(ussdKey) or \(key), not both: the operator is asked one way")
        }
        if r.table[key] != nil, r.table["\(key)_text"] == nil {
            r.report(key, "needs \(key)_text: what to text to \(to ?? "the number")")
        }
        if r.table[key] == nil {
            for extra in ["\(key)_text", "\(key)_reply_from"] where r.table[extra] != nil {
                r.report(extra, "needs \(key): the number the request is texted to")
            }
        }
        guard let to, let text else { return nil }
        return SMSRequest(to: to, text: text, replyFrom: replyFrom)
    }
}

extension OperatorQueries.SMSRequest {
    func render(into w: inout TOMLWriter, key: String) {
        w.string(key, to)
        w.string("\(key)_text", text)
        if replyFrom != to { w.string("\(key)_reply_from", replyFrom) }
    }
}
