// Where inbound GSM calls go: [[inbound]] rules per SIM, [[ring_group]]s, [[queue]]s, and the
// [[webhook]]s told about what happened.
//
//   [[ring_group]]
//   name = "day"
//   strategy = "parallel"            # or "sequential"
//   members = ["alice", "bob", "number:+79161234567"]   # SIP users, or external numbers
//   member_timeout = 15              # sequential: seconds each member rings
//   timeout = 30                     # the whole group; then overflow
//   overflow = "queue:main"          # user:X, ring_group:X, queue:X, number:+X or "missed"
//
//   [[queue]]
//   name = "main"
//   members = ["alice", "bob"]
//   ring_timeout = 15                # seconds one offer rings a free member
//   max_wait = 300                   # then overflow (or missed)
//   hold_music = "/etc/simgate/hold.wav"   # default: generated music
//   prompt = "/etc/simgate/please-hold.wav"
//   prompt_interval = 30
//
//   [[inbound]]
//   sims = ["huawei1", "8970199..."] # modem ids, ICCIDs or MSISDNs; ["*"] = every SIM
//   target = "ring_group:day"
//   hours = "mon-fri 09:00-18:00, sat 10:00-14:00"   # default: always open
//   time_zone = "Europe/Moscow"
//   after_hours = "user:night"       # default: the call goes to the missed list
//   recall = true                    # call missed customers back automatically
//   recall_delays = [60, 300, 900]   # seconds after the missed call; one attempt each
import Foundation

/// A place an inbound call can be sent.
public enum InboundTarget: Sendable, Equatable, Hashable, CustomStringConvertible {
    case user(String)
    case ringGroup(String)
    case queue(String)
    /// An external phone, dialled out through a SIM.
    case number(String)
    /// Nobody: the call goes straight to the missed-call list.
    case missed

    public static let syntax = "user:NAME, ring_group:NAME, queue:NAME, number:+NUMBER or missed"

    public static func parse(_ s: String) -> InboundTarget? {
        if s == "missed" { return .missed }
        guard let colon = s.firstIndex(of: ":") else { return nil }
        let kind = s[..<colon], name = String(s[s.index(after: colon)...])
        guard !name.isEmpty, !name.contains(where: \.isWhitespace) else { return nil }
        switch kind {
        case "user": return .user(name)
        case "ring_group": return .ringGroup(name)
        case "queue": return .queue(name)
        case "number": return InboundMember.isPhoneNumber(name) ? .number(name) : nil
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .user(let n): "user:\(n)"
        case .ringGroup(let n): "ring_group:\(n)"
        case .queue(let n): "queue:\(n)"
        case .number(let n): "number:\(n)"
        case .missed: "missed"
        }
    }
}

/// Someone a ring group or queue rings.
public enum InboundMember: Sendable, Equatable, Hashable, CustomStringConvertible {
    case user(String)
    case number(String)

    /// `alice` or `user:alice` is a SIP user; `+7916...`, `8916...` or `number:...` a phone.
    public static func parse(_ s: String) -> InboundMember? {
        if s.hasPrefix("user:") { let n = String(s.dropFirst(5)); return n.isEmpty ? nil : .user(n) }
        if s.hasPrefix("number:") { let n = String(s.dropFirst(7)); return isPhoneNumber(n) ? .number(n) : nil }
        if isPhoneNumber(s) { return .number(s) }
        guard !s.isEmpty, !s.contains(where: { $0.isWhitespace || $0 == ":" }) else { return nil }
        return .user(s)
    }

    static func isPhoneNumber(_ s: String) -> Bool {
        let digits = s.hasPrefix("+") ? s.dropFirst() : Substring(s)
        return (3...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    public var description: String {
        switch self {
        case .user(let n): "user:\(n)"
        case .number(let n): "number:\(n)"
        }
    }
}

public struct RingGroupConfig: Sendable, Equatable {
    public enum Strategy: String, Sendable, CaseIterable { case parallel, sequential }
    public var name: String
    public var strategy: Strategy
    public var members: [InboundMember]
    public var memberTimeoutSeconds: Double
    public var timeoutSeconds: Double
    /// nil: the call is missed when the group times out.
    public var overflow: InboundTarget?

    public init(name: String, strategy: Strategy = .parallel, members: [InboundMember], memberTimeoutSeconds: Double = 15,
                timeoutSeconds: Double = 30, overflow: InboundTarget? = nil) {
        self.name = name; self.strategy = strategy; self.members = members; self.memberTimeoutSeconds = memberTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds; self.overflow = overflow
    }
}

public struct QueueConfig: Sendable, Equatable {
    public var name: String
    public var members: [InboundMember]
    public var ringTimeoutSeconds: Double
    public var maxWaitSeconds: Double
    /// A WAV file; nil: the generated default music.
    public var holdMusic: String?
    public var prompt: String?
    public var promptIntervalSeconds: Double
    public var overflow: InboundTarget?

    public init(name: String, members: [InboundMember], ringTimeoutSeconds: Double = 15, maxWaitSeconds: Double = 300,
                holdMusic: String? = nil, prompt: String? = nil, promptIntervalSeconds: Double = 30, overflow: InboundTarget? = nil) {
        self.name = name; self.members = members; self.ringTimeoutSeconds = ringTimeoutSeconds; self.maxWaitSeconds = maxWaitSeconds
        self.holdMusic = holdMusic; self.prompt = prompt; self.promptIntervalSeconds = promptIntervalSeconds; self.overflow = overflow
    }
}

/// Opening hours: intervals on days of the week, in one time zone.
public struct WeeklySchedule: Sendable, Equatable {
    public struct Interval: Sendable, Equatable {
        /// ISO 8601: 1 = Monday ... 7 = Sunday.
        public var weekday: Int
        /// Minutes after local midnight; `end` is exclusive and may be 1440 (24:00).
        public var startMinute: Int
        public var endMinute: Int
        public init(weekday: Int, startMinute: Int, endMinute: Int) {
            self.weekday = weekday; self.startMinute = startMinute; self.endMinute = endMinute
        }
    }
    public var intervals: [Interval]
    public init(intervals: [Interval]) { self.intervals = intervals }

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// `mon-fri 09:00-18:00, sat 10:00-14:00`; also `daily 08:00-20:00`. Overnight hours are
    /// two entries (`mon-fri 22:00-24:00, tue-sat 00:00-06:00`) so each day reads plainly.
    public static func parse(_ text: String) -> Result<WeeklySchedule, WebhookURLProblem> {
        func fail(_ m: String) -> Result<WeeklySchedule, WebhookURLProblem> { .failure(WebhookURLProblem(message: m)) }
        var intervals: [Interval] = []
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty, !parts.contains(where: \.isEmpty) else { return fail("empty hours; expected e.g. \"mon-fri 09:00-18:00\"") }
        for part in parts {
            let words = part.split(separator: " ", omittingEmptySubsequences: true).map { $0.lowercased() }
            guard words.count >= 2 else { return fail("\"\(part)\": expected DAYS HH:MM-HH:MM, e.g. \"mon-fri 09:00-18:00\"") }
            let days: [Int]
            if words[0] == "daily" {
                days = Array(1...7)
            } else {
                let ends = words[0].split(separator: "-").map(String.init)
                guard (1...2).contains(ends.count), let a = dayNames.firstIndex(of: ends[0]),
                      let b = dayNames.firstIndex(of: ends.last ?? "") else {
                    return fail("\"\(words[0])\": days are mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, or daily")
                }
                days = a <= b ? Array((a + 1)...(b + 1)) : Array((a + 1)...7) + Array(1...(b + 1))
            }
            for range in words.dropFirst() {
                let ends = range.split(separator: "-").map(String.init)
                guard ends.count == 2, let s = minutes(ends[0]), let e = minutes(ends[1]) else {
                    return fail("\"\(range)\": expected HH:MM-HH:MM")
                }
                guard s < e else {
                    return fail("\"\(range)\": the end must be after the start; split overnight hours at 24:00 (e.g. \"mon 22:00-24:00, tue 00:00-06:00\")")
                }
                intervals += days.map { Interval(weekday: $0, startMinute: s, endMinute: e) }
            }
        }
        return .success(WeeklySchedule(intervals: intervals))
    }

    static func minutes(_ s: String) -> Int? {
        let hm = s.split(separator: ":")
        guard hm.count == 2, hm[0].count <= 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
              (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }
}

public struct RecallConfig: Sendable, Equatable {
    /// Seconds after the missed call for each attempt; the count is the number of attempts.
    public var delaysSeconds: [Double]
    public init(delaysSeconds: [Double] = [60, 300, 900]) { self.delaysSeconds = delaysSeconds }
}

public struct InboundRuleConfig: Sendable, Equatable {
    /// Modem ids, ICCIDs or MSISDNs this rule covers; ["*"] covers every SIM.
    public var sims: [String]
    public var target: InboundTarget
    /// nil: always open.
    public var hours: WeeklySchedule?
    public var timeZone: String
    /// nil: after hours the call is missed (reason after-hours).
    public var afterHours: InboundTarget?
    /// nil: no automatic recall for this rule's missed calls.
    public var recall: RecallConfig?

    public init(sims: [String], target: InboundTarget, hours: WeeklySchedule? = nil, timeZone: String = "UTC",
                afterHours: InboundTarget? = nil, recall: RecallConfig? = nil) {
        self.sims = sims; self.target = target; self.hours = hours; self.timeZone = timeZone; self.afterHours = afterHours
        self.recall = recall
    }

    public func covers(simIdentifiers: [String]) -> Bool {
        sims.contains("*") || simIdentifiers.contains { sims.contains($0) }
    }
}

public struct InboundConfig: Sendable, Equatable {
    public var webhooks: [WebhookConfig]
    public var ringGroups: [RingGroupConfig]
    public var queues: [QueueConfig]
    public var rules: [InboundRuleConfig]

    public init(webhooks: [WebhookConfig] = [], ringGroups: [RingGroupConfig] = [], queues: [QueueConfig] = [],
                rules: [InboundRuleConfig] = []) {
        self.webhooks = webhooks; self.ringGroups = ringGroups; self.queues = queues; self.rules = rules
    }

    public func ringGroup(_ name: String) -> RingGroupConfig? { ringGroups.first { $0.name == name } }
    public func queue(_ name: String) -> QueueConfig? { queues.first { $0.name == name } }

    /// The first rule covering any of the SIM's identifiers, in file order.
    public func rule(forSIM identifiers: [String]) -> InboundRuleConfig? {
        rules.first { $0.covers(simIdentifiers: identifiers) }
    }

    init(root r: TableReader) {
        let d = r.diagnostics
        self.init()
        webhooks = (r.tableArray("webhook") ?? []).enumerated().compactMap { i, t in
            WebhookConfig.decode(reading: TableReader(t, path: "webhook[\(i)]", diagnostics: d), index: i)
        }
        var groupReaders: [TableReader] = [], queueReaders: [TableReader] = [], ruleReaders: [(TableReader, [String: InboundTarget])] = []
        ringGroups = (r.tableArray("ring_group") ?? []).enumerated().compactMap { i, t in
            let reader = TableReader(t, path: "ring_group[\(i)]", diagnostics: d)
            groupReaders.append(reader)
            return Self.ringGroup(reader)
        }
        queues = (r.tableArray("queue") ?? []).enumerated().compactMap { i, t in
            let reader = TableReader(t, path: "queue[\(i)]", diagnostics: d)
            queueReaders.append(reader)
            return Self.queue(reader)
        }
        rules = (r.tableArray("inbound") ?? []).enumerated().compactMap { i, t in
            let reader = TableReader(t, path: "inbound[\(i)]", diagnostics: d)
            let rule = Self.rule(reader)
            if let rule {
                var targets = ["target": rule.target]
                if let a = rule.afterHours { targets["after_hours"] = a }
                ruleReaders.append((reader, targets))
            }
            return rule
        }
        checkNamesAreUnique(groupReaders, kind: "ring_group")
        checkNamesAreUnique(queueReaders, kind: "queue")
        var names: [String: Int] = [:]
        for (i, w) in webhooks.enumerated() {
            if let first = names[w.name] { r.report("webhook", "webhook[\(i)]: duplicate name \"\(w.name)\" (already used by webhook[\(first)])") }
            names[w.name] = i
        }
        // Every ring_group:/queue: reference must name a defined one.
        for (reader, group) in zip(groupReaders, ringGroups) where group.overflow != nil { check(group.overflow, key: "overflow", reader) }
        for (reader, queue) in zip(queueReaders, queues) where queue.overflow != nil { check(queue.overflow, key: "overflow", reader) }
        for (reader, targets) in ruleReaders { for (key, target) in targets { check(target, key: key, reader) } }
    }

    private func check(_ target: InboundTarget?, key: String, _ reader: TableReader) {
        switch target {
        case .ringGroup(let n) where ringGroup(n) == nil:
            reader.report(key, "no [[ring_group]] named \"\(n)\"\(Self.known(ringGroups.map(\.name)))")
        case .queue(let n) where queue(n) == nil:
            reader.report(key, "no [[queue]] named \"\(n)\"\(Self.known(queues.map(\.name)))")
        default: break
        }
    }

    private static func known(_ names: [String]) -> String {
        names.isEmpty ? "" : "; defined: \(names.joined(separator: ", "))"
    }

    private func checkNamesAreUnique(_ readers: [TableReader], kind: String) {
        var seen: [String: String] = [:]
        for r in readers {
            guard let name = r.table["name"]?.stringValue else { continue }
            if let first = seen[name] { r.report("name", "duplicate \(kind) name \"\(name)\" (already used by \(first))") }
            else { seen[name] = r.path }
        }
    }

    private static func readName(_ r: TableReader) -> String? {
        r.string("name", required: true, validate: { s in
            s.isEmpty || s.contains(where: { $0.isWhitespace || $0 == ":" }) ? "must be non-empty, without spaces or \":\"" : nil
        })
    }

    private static func readTarget(_ r: TableReader, _ key: String, required: Bool = false) -> InboundTarget? {
        r.string(key, required: required, validate: { s in
            InboundTarget.parse(s) == nil ? "expected \(InboundTarget.syntax), got \"\(s)\"" : nil
        }).flatMap(InboundTarget.parse)
    }

    private static func readMembers(_ r: TableReader) -> [InboundMember]? {
        let list = r.stringArray("members", validate: { s in
            InboundMember.parse(s) == nil ? "expected a SIP user name, user:NAME, or a phone number (+79161234567), got \"\(s)\"" : nil
        })
        if r.table["members"] == nil { r.report("members", "missing required key") }
        guard let list else { return nil }
        if list.isEmpty { r.report("members", "must name at least one member"); return nil }
        return list.compactMap(InboundMember.parse)
    }

    private static func ringGroup(_ r: TableReader) -> RingGroupConfig? {
        let name = readName(r)
        let strategy = r.enumeration("strategy", RingGroupConfig.Strategy.self) ?? .parallel
        let members = readMembers(r)
        let memberTimeout = r.number("member_timeout", in: 1...600) ?? 15
        let timeout = r.number("timeout", in: 1...3600) ?? 30
        let overflow = readTarget(r, "overflow")
        r.finish()
        guard let name, let members else { return nil }
        return RingGroupConfig(name: name, strategy: strategy, members: members, memberTimeoutSeconds: memberTimeout,
                               timeoutSeconds: timeout, overflow: overflow)
    }

    private static func queue(_ r: TableReader) -> QueueConfig? {
        let name = readName(r)
        let members = readMembers(r)
        let ringTimeout = r.number("ring_timeout", in: 1...600) ?? 15
        let maxWait = r.number("max_wait", in: 1...86_400) ?? 300
        let hold = r.string("hold_music", validate: Validate.absolutePath)
        let prompt = r.string("prompt", validate: Validate.absolutePath)
        let promptInterval = r.number("prompt_interval", in: 5...3600) ?? 30
        let overflow = readTarget(r, "overflow")
        r.finish()
        guard let name, let members else { return nil }
        return QueueConfig(name: name, members: members, ringTimeoutSeconds: ringTimeout, maxWaitSeconds: maxWait,
                           holdMusic: hold, prompt: prompt, promptIntervalSeconds: promptInterval, overflow: overflow)
    }

    private static func rule(_ r: TableReader) -> InboundRuleConfig? {
        let sims = r.stringArray("sims", validate: Validate.nonEmpty)
        if r.table["sims"] == nil { r.report("sims", "missing required key (use [\"*\"] for every SIM)") }
        let target = readTarget(r, "target", required: true)
        let hours = r.string("hours", validate: { s in
            if case .failure(let p) = WeeklySchedule.parse(s) { return p.message }
            return nil
        }).flatMap { try? WeeklySchedule.parse($0).get() }
        let timeZone = r.string("time_zone", validate: { s in
            TimeZone(identifier: s) == nil ? "unknown time zone \"\(s)\" (use an IANA name such as Europe/Moscow)" : nil
        }) ?? "UTC"
        let afterHours = readTarget(r, "after_hours")
        if r.table["after_hours"] != nil, r.table["hours"] == nil {
            r.report("after_hours", "has no effect without hours")
        }
        let recallOn = r.bool("recall") ?? false
        var recall: RecallConfig?
        if let delays = r.value("recall_delays") {
            if let items = delays.arrayValue, !items.isEmpty, items.count <= 20,
               let seconds = Optional(items.compactMap(\.doubleValue)), seconds.count == items.count,
               seconds.allSatisfy({ (1...604_800).contains($0) }), zip(seconds, seconds.dropFirst()).allSatisfy({ $0 < $1 }) {
                recall = RecallConfig(delaysSeconds: seconds)
            } else {
                r.report("recall_delays", "expected 1 to 20 increasing numbers of seconds between 1 and 604800, e.g. [60, 300, 900]")
            }
            if !recallOn { r.report("recall_delays", "has no effect unless recall = true") }
        }
        r.finish()
        guard let sims, let target else { return nil }
        return InboundRuleConfig(sims: sims, target: target, hours: hours, timeZone: timeZone, afterHours: afterHours,
                                 recall: recallOn ? (recall ?? RecallConfig()) : nil)
    }
}

extension InboundConfig {
    func render(into w: inout TOMLWriter) {
        for h in webhooks {
            w.tableArray("webhook")
            w.string("name", h.name)
            w.string("url", h.url)
            w.string("ca_file", h.caFile)
            w.secret("secret", h.secret)
            if !h.events.isEmpty { w.strings("events", h.events) }
            w.number("timeout", h.timeoutSeconds)
            w.integer("max_attempts", h.maxAttempts)
            w.number("retry_initial", h.retryInitialSeconds)
            w.number("retry_max", h.retryMaxSeconds)
        }
        for g in ringGroups {
            w.tableArray("ring_group")
            w.string("name", g.name)
            w.string("strategy", g.strategy.rawValue)
            w.strings("members", g.members.map(\.description))
            w.number("member_timeout", g.memberTimeoutSeconds)
            w.number("timeout", g.timeoutSeconds)
            w.string("overflow", g.overflow?.description)
        }
        for q in queues {
            w.tableArray("queue")
            w.string("name", q.name)
            w.strings("members", q.members.map(\.description))
            w.number("ring_timeout", q.ringTimeoutSeconds)
            w.number("max_wait", q.maxWaitSeconds)
            w.string("hold_music", q.holdMusic)
            w.string("prompt", q.prompt)
            w.number("prompt_interval", q.promptIntervalSeconds)
            w.string("overflow", q.overflow?.description)
        }
        for rule in rules {
            w.tableArray("inbound")
            w.strings("sims", rule.sims)
            w.string("target", rule.target.description)
            w.string("hours", rule.hours?.description)
            w.string("time_zone", rule.timeZone)
            w.string("after_hours", rule.afterHours?.description)
            if let recall = rule.recall {
                w.bool("recall", true)
                w.raw("recall_delays", "[" + recall.delaysSeconds.map(TableReader.format).joined(separator: ", ") + "]")
            }
        }
    }
}

extension WeeklySchedule: CustomStringConvertible {
    /// The hours in the syntax `parse` reads, giving back the same intervals in the same
    /// order: runs of consecutive days with the same hours become `mon-fri 09:00-18:00`.
    public var description: String {
        func time(_ minutes: Int) -> String {
            let h = minutes / 60, m = minutes % 60
            return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
        }
        var parts: [String] = []
        var i = intervals.startIndex
        while i < intervals.endIndex {
            let first = intervals[i]
            var last = i
            while last + 1 < intervals.endIndex, intervals[last + 1].weekday == intervals[last].weekday + 1,
                  intervals[last + 1].startMinute == first.startMinute, intervals[last + 1].endMinute == first.endMinute {
                last += 1
            }
            // Weekdays outside 1...7 cannot come from `parse`; print them as numbers rather than trap.
            func day(_ d: Int) -> String { (1...7).contains(d) ? Self.dayNames[d - 1] : "day\(d)" }
            let days = last == i ? day(first.weekday) : "\(day(first.weekday))-\(day(intervals[last].weekday))"
            parts.append("\(days) \(time(first.startMinute))-\(time(first.endMinute))")
            i = last + 1
        }
        return parts.joined(separator: ", ")
    }
}
