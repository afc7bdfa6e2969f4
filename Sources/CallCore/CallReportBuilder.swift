// `simgate report`: the numbers a dispatch office manager asks for, computed from call
// records (CDRs) and the missed-call list. Pure: the daemon fetches the rows for the period
// and hands them here; the same function serves the API and the tests.
import ControlModel
import Foundation

/// What the report needs from one CDR (the call bridge's table has more).
public struct CallRecordSummary: Sendable, Equatable {
    public enum Direction: String, Sendable { case inbound, outbound }
    public var direction: Direction
    /// Inbound: the GSM ring; outbound: the dial.
    public var startedAt: Date
    /// When a person answered (inbound: the dispatcher; outbound: the callee); nil if never.
    public var answeredAt: Date?
    public var sim: String?
    /// The dispatcher who answered (inbound) or dialled (outbound).
    public var user: String?

    public init(direction: Direction, startedAt: Date, answeredAt: Date?, sim: String?, user: String?) {
        self.direction = direction; self.startedAt = startedAt; self.answeredAt = answeredAt; self.sim = sim; self.user = user
    }
}

public enum CallReportBuilder {
    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Nearest-rank percentile (the smallest value with at least p% of values at or below
    /// it): always one of the observed values, so "p90 = 14 s" means a real call waited 14 s.
    public static func percentile(_ p: Double, of values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Calls starting in [from, to) count; callbacks count when the first attempt falls in it.
    public static func build(records: [CallRecordSummary], missed: [MissedCallEntry], from: Date, to: Date,
                             timeZone: TimeZone) -> CallReport {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let inPeriod = records.filter { $0.startedAt >= from && $0.startedAt < to }

        var total = Accumulator(key: "total")
        var hours = (0..<24).map { Accumulator(key: $0 < 10 ? "0\($0)" : "\($0)") }
        var days = weekdays.map { Accumulator(key: $0) }
        var sims: [String: Accumulator] = [:]
        var users: [String: Accumulator] = [:]
        for r in inPeriod {
            let c = calendar.dateComponents([.hour, .weekday], from: r.startedAt)
            total.add(r)
            hours[min(max(c.hour ?? 0, 0), 23)].add(r)
            days[((c.weekday ?? 1) + 5) % 7].add(r)
            let sim = r.sim ?? "-"
            sims[sim, default: Accumulator(key: sim)].add(r)
            if let user = r.user { users[user, default: Accumulator(key: user)].add(r) }
        }
        let callbackDelays = missed.compactMap { e -> Double? in
            guard let at = e.calledBackAt, at >= from, at < to else { return nil }
            return max(0, at.timeIntervalSince(e.firstAt))
        }
        return CallReport(
            from: from, to: to, timeZone: timeZone.identifier, total: total.bucket,
            callbackP50: percentile(50, of: callbackDelays), callbackP90: percentile(90, of: callbackDelays),
            callbacks: callbackDelays.count, byHour: hours.map(\.bucket), byWeekday: days.map(\.bucket),
            bySIM: sims.keys.sorted().compactMap { sims[$0]?.bucket },
            byDispatcher: users.keys.sorted().compactMap { users[$0]?.bucket })
    }

    struct Accumulator {
        var bucket: CallReportBucket
        var answerDelays: [Double] = []

        init(key: String) { bucket = CallReportBucket(key: key) }

        mutating func add(_ r: CallRecordSummary) {
            switch r.direction {
            case .inbound:
                bucket.callsIn += 1
                if let answered = r.answeredAt {
                    bucket.answeredIn += 1
                    answerDelays.append(max(0, answered.timeIntervalSince(r.startedAt)))
                } else {
                    bucket.missedIn += 1
                }
                bucket.missedShare = Double(bucket.missedIn) / Double(bucket.callsIn)
                bucket.answerP50 = CallReportBuilder.percentile(50, of: answerDelays)
                bucket.answerP90 = CallReportBuilder.percentile(90, of: answerDelays)
            case .outbound:
                bucket.callsOut += 1
                if r.answeredAt != nil { bucket.answeredOut += 1 }
            }
        }
    }
}

extension CallRecordSummary {
    /// One summary per call from its CDR rows (one row per modem attempt; failover adds
    /// rows): the call started at its first attempt, was answered if any attempt was, and is
    /// counted on the modem (SIM) and SIP user of the answered attempt, else of the last.
    public static func calls(from attempts: [CallDetail]) -> [CallRecordSummary] {
        var order: [String] = []
        var byCall: [String: [CallDetail]] = [:]
        for a in attempts {
            if byCall[a.callID] == nil { order.append(a.callID) }
            byCall[a.callID, default: []].append(a)
        }
        return order.compactMap { id -> CallRecordSummary? in
            guard let rows = byCall[id]?.sorted(by: { $0.attempt < $1.attempt }), let first = rows.first, let last = rows.last else { return nil }
            let answered = rows.first { $0.answerAt != nil }
            let chosen = answered ?? last
            return CallRecordSummary(direction: first.direction == "inbound" ? .inbound : .outbound,
                                     startedAt: rows.map(\.inviteAt).min() ?? first.inviteAt, answeredAt: answered?.answerAt,
                                     sim: chosen.modemID, user: chosen.sipUser)
        }
    }
}
