// CallerPolicy: what a user or group may dial, against toll fraud (a stolen SIP password
// dialling premium or international numbers all night). A denial names the rule and
// reason; the Gateway answers 403 Forbidden.

import Foundation

/// Number classes from the national plans (libphonenumber premiumRate patterns, numbering.md §2.3).
public enum NumberClass: String, Sendable, Codable, Hashable {
    case international
    case premiumRate = "premium"
    case shortCode = "short"

    /// Premium-rate: RU/KZ +7 80[39] (809 in both), UA +380 900[239], BY +375 810 / 902.
    static func isPremiumRate(_ digits: String) -> Bool {
        (digits.count == 11 && (digits.hasPrefix("7803") || digits.hasPrefix("7809")))
            || ["3809002", "3809003", "3809009"].contains { digits.hasPrefix($0) }
            || (digits.count == 13 && (digits.hasPrefix("375810") || digits.hasPrefix("375902")))
    }
}

/// One allow/deny pattern.
public enum NumberPattern: Sendable, Codable, Hashable, CustomStringConvertible {
    /// E.164 digits the number starts with ("+7800*" → "7800"); "" matches every full number.
    case prefix(String)
    /// One E.164 number ("+79161234567").
    case exact(String)
    case numberClass(NumberClass)

    /// Parses config syntax: `+7*`, `+7800*`, `+79161234567`, `*`, `international`,
    /// `premium`, `short`. nil for anything else.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let numberClass = NumberClass(rawValue: trimmed.lowercased()) {
            self = .numberClass(numberClass)
            return
        }
        if trimmed == "*" {
            self = .prefix("")
            return
        }
        guard trimmed.hasPrefix("+") else { return nil }
        var digits = trimmed.dropFirst()
        let isPrefix = digits.hasSuffix("*")
        if isPrefix { digits = digits.dropLast() }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count <= 15, isPrefix || !digits.isEmpty else { return nil }
        self = isPrefix ? .prefix(String(digits)) : .exact(String(digits))
    }

    public var description: String {
        switch self {
        case .prefix(let digits): digits.isEmpty ? "*" : "+\(digits)*"
        case .exact(let digits): "+\(digits)"
        case .numberClass(let numberClass): numberClass.rawValue
        }
    }

    func matches(_ number: NormalizedNumber, home: Country) -> Bool {
        switch self {
        case .prefix(let digits):
            return number.kind == .e164 && number.digits.hasPrefix(digits)
        case .exact(let digits):
            return number.kind == .e164 && number.digits == digits
        case .numberClass(.shortCode):
            return number.kind != .e164
        case .numberClass(.international):
            // A Kazakh number is international from Russia although both are +7.
            return number.kind == .e164 && number.country != home
        case .numberClass(.premiumRate):
            return number.kind == .e164 && NumberClass.isPremiumRate(number.digits)
        }
    }
}

/// Rules for one user or group.
public struct CallerRules: Sendable, Codable, Hashable {
    /// When non-empty, the number must match one of these.
    public var allow: [NumberPattern]
    /// A match here denies, whatever `allow` says.
    public var deny: [NumberPattern]
    public var maxCallsPerDay: Int?
    public var maxMinutesPerDay: Int?

    public init(allow: [NumberPattern] = [], deny: [NumberPattern] = [], maxCallsPerDay: Int? = nil, maxMinutesPerDay: Int? = nil) {
        self.allow = allow
        self.deny = deny
        self.maxCallsPerDay = maxCallsPerDay
        self.maxMinutesPerDay = maxMinutesPerDay
    }
}

public struct CallerDenial: Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Codable, Hashable {
        case deniedPattern(String)
        case notInAllowList
        case dailyCallsReached(used: Int, limit: Int)
        case dailyMinutesReached(usedMinutes: Int, limit: Int)
    }

    /// "user alice" or "group drivers".
    public let rules: String
    public let reason: Reason

    public var sipStatus: Int { 403 }

    public var description: String {
        switch reason {
        case .deniedPattern(let pattern): "\(rules): number matches denied pattern \(pattern)"
        case .notInAllowList: "\(rules): number matches no allowed pattern"
        case .dailyCallsReached(let used, let limit): "\(rules): daily calls \(used)/\(limit) reached"
        case .dailyMinutesReached(let used, let limit): "\(rules): daily minutes \(used)/\(limit) reached"
        }
    }
}

public struct CallerPolicy: Sendable, Codable, Hashable {
    public var homeCountry: Country
    public var users: [String: CallerRules]
    public var groups: [String: CallerRules]
    /// Rules for every caller (e.g. deny premium for all), checked before group and user rules.
    public var everyone: CallerRules?

    public init(homeCountry: Country, users: [String: CallerRules] = [:], groups: [String: CallerRules] = [:],
                everyone: CallerRules? = nil) {
        self.homeCountry = homeCountry
        self.users = users
        self.groups = groups
        self.everyone = everyone
    }

    /// Everyone's, group and user rules all apply: each must allow the call. A caller no
    /// rule set names is allowed (configure `everyone` to close that). `usage` is the
    /// caller's own counters, already brought to `now` (`UsageCounters.current`). Limits
    /// compare the calls/minutes before this call.
    public func check(user: String, group: String?, number: NormalizedNumber, usage: UsageCounters) -> CallerDenial? {
        var sets: [(String, CallerRules)] = []
        if let everyone { sets.append(("everyone", everyone)) }
        if let group, let rules = groups[group] { sets.append(("group \(group)", rules)) }
        if let rules = users[user] { sets.append(("user \(user)", rules)) }
        for (name, rules) in sets {
            if let pattern = rules.deny.first(where: { $0.matches(number, home: homeCountry) }) {
                return CallerDenial(rules: name, reason: .deniedPattern(pattern.description))
            }
            if !rules.allow.isEmpty, !rules.allow.contains(where: { $0.matches(number, home: homeCountry) }) {
                return CallerDenial(rules: name, reason: .notInAllowList)
            }
            if let limit = rules.maxCallsPerDay, usage.callsToday >= limit {
                return CallerDenial(rules: name, reason: .dailyCallsReached(used: usage.callsToday, limit: limit))
            }
            if let limit = rules.maxMinutesPerDay, usage.secondsToday >= limit * 60 {
                return CallerDenial(rules: name, reason: .dailyMinutesReached(usedMinutes: usage.minutesToday, limit: limit))
            }
        }
        return nil
    }
}
