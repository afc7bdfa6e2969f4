// The rules of the missed-call list, as pure functions over MissedCallEntry values.
//
// Promises: every inbound call nobody answered lands in exactly one entry; a caller has at
// most one open entry, and their repeated calls add to it; status only moves forward
// (new → claimed → called-back → closed); an entry closes itself when that customer gets
// through (an answered inbound call, or an answered outbound call to their number).
// MissedCallService applies these rules inside one database transaction.
import ControlModel
import Foundation

/// One inbound call that nobody answered, as the distributor or the call bridge saw it.
public struct MissedCall: Sendable, Equatable {
    /// The number from +CLIP/+CLCC; nil, empty or "withheld"-like text when hidden.
    public var caller: String?
    public var sim: String
    public var line: String?
    public var startedAt: Date
    public var endedAt: Date
    public var reason: MissedCallReason

    public init(caller: String?, sim: String, line: String? = nil, startedAt: Date, endedAt: Date, reason: MissedCallReason) {
        self.caller = caller; self.sim = sim; self.line = line; self.startedAt = startedAt; self.endedAt = endedAt; self.reason = reason
    }

    public var waitedSeconds: Double { max(0, endedAt.timeIntervalSince(startedAt)) }
}

/// Why a change to an entry was refused.
public enum MissedCallRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    case closed(id: Int64)
    case claimedByOther(id: Int64, user: String)
    case emptyUser
    case withheldCaller(id: Int64)
    case noteTooLong(limit: Int)

    public var description: String {
        switch self {
        case .closed(let id): "missed call \(id) is closed"
        case .claimedByOther(let id, let user): "missed call \(id) is already claimed by \(user)"
        case .emptyUser: "a user name is required"
        case .withheldCaller(let id): "missed call \(id) has no caller number (withheld): it cannot be called back"
        case .noteTooLong(let limit): "the note is longer than \(limit) characters"
        }
    }
}

public enum MissedCallBook {
    /// Notes are for people: a paragraph, not a document.
    public static let maximumNoteLength = 2000
    /// Longest number kept: E.164 has at most 15 digits; a few more allow national prefixes.
    static let maximumCallerDigits = 20

    /// The form callers are matched by: digits with an optional leading "+", spaces,
    /// dashes, dots and brackets removed. nil when the number is withheld or not a number
    /// ("Restricted", "anonymous", empty), since such calls cannot be matched or called back.
    public static func callerKey(_ raw: String?) -> String? {
        guard let raw else { return nil }
        var out = ""
        for (i, ch) in raw.trimmingCharacters(in: .whitespaces).enumerated() {
            if ch == "+", i == 0 { out.append(ch); continue }
            if ch.isASCII, ch.isNumber { out.append(ch); continue }
            if " -.()".contains(ch) { continue }
            return nil
        }
        let digits = out.hasPrefix("+") ? out.count - 1 : out.count
        return (1...maximumCallerDigits).contains(digits) ? out : nil
    }

    /// Digits a number is matched on across formats: the last 10 (the national significant
    /// number in +7/+1 and many other plans), so the "+79161234567" the network presented and
    /// the "89161234567" a dispatcher dialled are one customer. Shorter numbers match whole.
    public static let matchingDigits = 10

    public static func matchingSuffix(_ key: String) -> String {
        let digits = key.filter { $0.isASCII && $0.isNumber }
        return String(digits.suffix(matchingDigits))
    }

    /// Whether two caller keys name the same customer.
    public static func sameCustomer(_ a: String, _ b: String) -> Bool {
        let da = a.filter { $0.isASCII && $0.isNumber }, db = b.filter { $0.isASCII && $0.isNumber }
        guard da.count >= matchingDigits, db.count >= matchingDigits else { return a == b }
        return da.suffix(matchingDigits) == db.suffix(matchingDigits)
    }

    /// A missed call folded into the caller's open entry, or a new entry when there is none
    /// (always new for withheld callers). A claimed or called-back entry stays where it is:
    /// the dispatcher working on it sees the count grow.
    public static func record(_ call: MissedCall, into open: MissedCallEntry?) -> MissedCallEntry {
        let caller = callerKey(call.caller)
        guard var entry = open, let caller, let existing = entry.caller, sameCustomer(existing, caller), entry.status != .closed else {
            return MissedCallEntry(id: 0, caller: caller, sim: call.sim, line: call.line, firstAt: call.startedAt,
                                   lastAt: call.endedAt, waitedSeconds: call.waitedSeconds, reason: call.reason,
                                   callCount: 1, status: .new)
        }
        entry.lastAt = max(entry.lastAt, call.endedAt)
        entry.firstAt = min(entry.firstAt, call.startedAt)
        entry.waitedSeconds += call.waitedSeconds
        entry.callCount += 1
        entry.reason = call.reason
        // The customer most recently called this SIM: call back from it, so they see a number they know.
        entry.sim = call.sim
        entry.line = call.line ?? entry.line
        return entry
    }

    /// A dispatcher takes the entry. Claiming again by the same user changes nothing.
    public static func claim(_ entry: MissedCallEntry, by user: String, at now: Date) throws(MissedCallRuleError) -> MissedCallEntry {
        let user = user.trimmingCharacters(in: .whitespaces)
        guard !user.isEmpty else { throw .emptyUser }
        guard entry.status != .closed else { throw .closed(id: entry.id) }
        if let owner = entry.claimedBy, owner != user { throw .claimedByOther(id: entry.id, user: owner) }
        var e = entry
        if e.claimedBy == nil { e.claimedBy = user; e.claimedAt = now }
        if e.status == .new { e.status = .claimed }
        return e
    }

    /// A callback is asked for by `user`: it claims the entry for them when unclaimed.
    public static func requestCallback(_ entry: MissedCallEntry, by user: String, at now: Date) throws(MissedCallRuleError) -> MissedCallEntry {
        guard entry.caller != nil else { throw .withheldCaller(id: entry.id) }
        return try claim(entry, by: user, at: now)
    }

    /// The outcome of one callback attempt ("connected", "no-answer", "busy", "failed").
    /// The entry is marked called back either way, with the latest result; it closes when
    /// the customer actually got through (`customerReached`), which the bridge reports for
    /// the answered outbound call.
    public static func callbackAttempted(_ entry: MissedCallEntry, by user: String, result: String, at now: Date) -> MissedCallEntry {
        var e = entry
        guard e.status != .closed else { return e }
        e.status = .calledBack
        e.calledBackBy = user
        e.calledBackAt = now
        e.callbackResult = result
        return e
    }

    public static func close(_ entry: MissedCallEntry, note: String, by user: String?, at now: Date) throws(MissedCallRuleError) -> MissedCallEntry {
        guard entry.status != .closed else { throw .closed(id: entry.id) }
        guard note.count <= maximumNoteLength else { throw .noteTooLong(limit: maximumNoteLength) }
        var e = entry
        e.status = .closed
        e.closedAt = now
        e.closedBy = user ?? e.claimedBy ?? "admin"
        e.note = note
        return e
    }

    /// The customer got through (inbound answered or outbound answered): close it.
    public static func customerReached(_ entry: MissedCallEntry, how: String, at now: Date) -> MissedCallEntry {
        guard entry.status != .closed else { return entry }
        var e = entry
        e.status = .closed
        e.closedAt = now
        e.closedBy = "auto"
        e.note = how
        return e
    }
}
