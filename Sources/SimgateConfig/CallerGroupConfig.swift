// [[group]]: callers (SIP users, by their [[user]] name) who share dialling rules, against
// toll fraud: a stolen password must not dial premium or international numbers all night.
//
//     [[group]]
//     name = "drivers"
//     members = ["alice", "bob"]
//     allow = ["+7*"]                     # when given, the number must match one
//     deny = ["premium", "international"] # a match refuses the call whatever allow says
//     calls_per_day = 200                 # per member
//     minutes_per_day = 300               # per member
//
// Patterns: `*` (any full number), `+7*` (E.164 prefix), `+79161234567` (one number), and
// the classes `international`, `premium`, `short`: the syntax RoutingCore's NumberPattern
// reads.

public struct CallerGroupConfig: Sendable, Equatable {
    public var name: String
    public var members: [String]
    public var allow: [String]
    public var deny: [String]
    public var callsPerDay: Int?
    public var minutesPerDay: Int?

    public init(name: String, members: [String] = [], allow: [String] = [], deny: [String] = [],
                callsPerDay: Int? = nil, minutesPerDay: Int? = nil) {
        self.name = name
        self.members = members
        self.allow = allow
        self.deny = deny
        self.callsPerDay = callsPerDay
        self.minutesPerDay = minutesPerDay
    }

    static func decode(reading r: TableReader) -> CallerGroupConfig? {
        let name = r.string("name", required: true) { s in
            ModemConfig.isValidID(s) ? nil : "expected 1 to \(ModemConfig.maximumIDLength) of a-z, 0-9, '_' or '-', got \"\(s)\""
        }
        let members = r.stringArray("members", validate: Validate.nonEmpty) ?? []
        let allow = r.stringArray("allow", validate: Validate.numberPattern) ?? []
        let deny = r.stringArray("deny", validate: Validate.numberPattern) ?? []
        let calls = r.integer("calls_per_day", in: SIMConfig.callsRange).map(Int.init)
        let minutes = r.integer("minutes_per_day", in: SIMConfig.minutesRange).map(Int.init)
        r.finish()
        guard let name else { return nil }
        return CallerGroupConfig(name: name, members: members, allow: allow, deny: deny,
                                 callsPerDay: calls, minutesPerDay: minutes)
    }
}

extension Validate {
    /// The grammar of RoutingCore's `NumberPattern(_:)`.
    static func numberPattern(_ s: String) -> String? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if ["international", "premium", "short", "*"].contains(t.lowercased()) { return nil }
        var digits = Substring(t)
        if digits.first == "+" {
            digits = digits.dropFirst()
            let isPrefix = digits.last == "*"
            if isPrefix { digits = digits.dropLast() }
            if digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits.count <= 15, isPrefix || !digits.isEmpty {
                return nil
            }
        }
        return "expected +DIGITS, +DIGITS*, *, international, premium or short, got \"\(s)\""
    }
}

extension GatewayConfig {
    /// Checks across [[sim]], [[group]] and [routing]: names that must exist or not repeat.
    static func checkRouting(routing: RoutingConfig, sims: [TableReader], groups: [TableReader]) {
        Validate.unique("name", in: groups) { $0.table["name"]?.stringValue }
        Validate.unique("iccid", in: sims) { $0.table["iccid"]?.stringValue }
        Validate.unique("modem", in: sims) { $0.table["modem"]?.stringValue }
        // A caller's rules must be unambiguous: one group per member.
        var memberOf: [String: (group: String, line: Int)] = [:]
        for g in groups {
            guard let name = g.table["name"]?.stringValue, let members = g.table["members"]?.arrayValue else { continue }
            for (i, member) in members.enumerated() {
                guard let user = member.stringValue else { continue }
                if let first = memberOf[user], first.group != name {
                    g.diagnostics.report(line: member.position.line, key: g.keyPath("members[\(i)]"),
                                         "\"\(user)\" is already a member of group \"\(first.group)\" (line \(first.line)); a user belongs to one group")
                } else {
                    memberOf[user] = (name, member.position.line)
                }
            }
        }
        let groupNames = Set(groups.compactMap { $0.table["name"]?.stringValue })
        let tariffNames = Set(routing.tariffs.map(\.name))
        for s in sims {
            if let tariff = s.table["tariff"]?.stringValue, !tariff.isEmpty, !tariffNames.contains(tariff) {
                let known = tariffNames.isEmpty ? "no [[routing.tariff]] is defined" : "known: \(tariffNames.sorted().joined(separator: ", "))"
                s.report("tariff", "no tariff named \"\(tariff)\" (\(known))")
            }
            for (i, item) in (s.table["groups"]?.arrayValue ?? []).enumerated() {
                guard let group = item.stringValue, !group.isEmpty, !groupNames.contains(group) else { continue }
                s.diagnostics.report(line: item.position.line, key: s.keyPath("groups[\(i)]"), "no [[group]] named \"\(group)\"")
            }
        }
    }
}

extension CallerGroupConfig {
    func render(into w: inout TOMLWriter) {
        w.tableArray("group")
        w.string("name", name)
        w.strings("members", members)
        w.strings("allow", allow)
        w.strings("deny", deny)
        w.integer("calls_per_day", callsPerDay)
        w.integer("minutes_per_day", minutesPerDay)
    }
}
