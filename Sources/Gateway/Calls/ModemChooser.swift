// The seam where routing decides which modem carries an outbound call. Until the routing
// issue lands: the modem named in the request (Request-URI `huawei1*NUMBER`, or the API's
// `modem`), else every free voice-capable modem in name order. Failover walks the list.
import Foundation
import ModemCore

protocol ModemChooser: Sendable {
    /// Modem ids to try, best first. Empty: no modem can take the call.
    func candidates(number: String, named: String?, among modems: [ModemController.CallFacts]) -> [String]
    /// The same for a SIP user's call (`user`: the authenticated name or "trunk:NAME"), at
    /// `now`: a routing chooser plans per user and time (limits, schedules). Defaults to the
    /// user-blind form.
    func candidates(number: String, user: String?, named: String?, among modems: [ModemController.CallFacts], now: Date) -> [String]
}

extension ModemChooser {
    func candidates(number: String, user: String?, named: String?, among modems: [ModemController.CallFacts], now: Date) -> [String] {
        candidates(number: number, named: named, among: modems)
    }
}

struct FirstFreeModemChooser: ModemChooser {
    func candidates(number: String, named: String?, among modems: [ModemController.CallFacts]) -> [String] {
        let usable = modems.filter { $0.state == .free && $0.voiceCapable }
        if let named {
            // Naming a modem means that modem (an admin testing a SIM, a caller forcing a
            // route): no failover to another SIM the caller did not ask for.
            return usable.filter { $0.id == named || $0.iccid == named }.map(\.id)
        }
        return usable.map(\.id)
    }

    /// `huawei1*79161234567` → ("huawei1", "79161234567"); a plain number → (nil, number).
    static func split(requestUser user: String) -> (modem: String?, number: String) {
        guard let star = user.firstIndex(of: "*"), star != user.startIndex else { return (nil, user) }
        let modem = String(user[..<star])
        // `*` is also a dial character (`*100#`): only a name with a letter counts as a modem.
        guard modem.contains(where: \.isLetter) else { return (nil, user) }
        return (modem, String(user[user.index(after: star)...]))
    }
}
