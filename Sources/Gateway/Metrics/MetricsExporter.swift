// GET /metrics: the state Prometheus scrapes, read from the same snapshots `simgate modems`,
// `simgate sims` and `simgate sip` show, written into the daemon's registry (GatewayMetrics)
// beside the event counters, then emitted as Prometheus text (format 0.0.4).
//
// Running totals the daemon already keeps (AT commands, call counts, SIP message counts) are
// Prometheus counters here: each scrape adds what grew since the last one; a total that went
// down (a modem unplugged and found again starts its counts at 0) resets the counter, as
// Prometheus expects of a restart. Series of a modem or SIM no longer present are removed.
import ControlModel
import Foundation
import Prometheus
import Storage

actor MetricsExporter {
    /// One metric family: its name (`simgate_<subsystem>_<name>_<unit>`; no unit for a 0/1
    /// state, as Prometheus names `up`), its help text, and
    /// whether it is a gauge or a counter. Every family is defined here once, so its help text
    /// is always the same (the registry refuses a name with two).
    struct Family: Sendable {
        let subsystem: String, name: String, unit: String, help: String
        let isCounter: Bool

        init(_ subsystem: String, _ name: String, _ unit: String, counter: Bool = false, _ help: String) {
            self.subsystem = subsystem; self.name = name; self.unit = unit; self.help = help
            isCounter = counter
        }

        var descriptor: MetricNameDescriptor {
            MetricNameDescriptor(namespace: "simgate", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
        }
        var fullName: String { descriptor.name }
    }

    enum Families {
        static let modemUp = Family("modem", "up", "", "1 while the modem answers AT commands (free, ringing, dialing or in a call)")
        static let modemState = Family("modem", "state", "info", "1 for the modem's current state (label state)")
        static let signal = Family("modem", "signal", "dbm", "Received signal strength (AT+CSQ), dBm")
        static let registered = Family("modem", "registered", "", "1 while the SIM is registered (home or roaming)")
        static let callsUp = Family("modem", "calls", "active", "Calls up on the modem now")
        static let atCommands = Family("modem", "at_commands", "total", counter: true, "AT commands sent")
        static let atTimeouts = Family("modem", "at_timeouts", "total", counter: true, "AT commands the modem did not answer in time")
        static let atErrors = Family("modem", "at_errors", "total", counter: true, "AT commands answered ERROR / +CME ERROR")
        static let resets = Family("modem", "resets", "total", counter: true, "Modem resets (recovery or admin)")
        static let modemCalls = Family("modem", "calls", "total", counter: true, "Calls the modem carried (label direction)")
        static let answered = Family("modem", "calls_answered", "total", counter: true, "Calls answered on the modem")
        static let billable = Family("modem", "billable", "seconds_total", counter: true, "Billable seconds of answered calls")

        static let minutesToday = Family("sim", "minutes", "today", "Billed minutes today (tariff day in the box's time zone)")
        static let minutesPerDay = Family("sim", "minutes_per_day", "limit", "[[sim]] minutes_per_day")
        static let minutesPeriod = Family("sim", "minutes", "period", "Billed minutes this tariff month")
        static let minutesPerMonth = Family("sim", "minutes_per_month", "limit", "[[sim]] minutes_per_month")
        static let smsToday = Family("sim", "sms", "today", "SMS parts sent today")
        static let balance = Family("sim", "balance", "amount", "Last balance read from the operator (label currency)")
        static let balanceAge = Family("sim", "balance_age", "seconds", "Seconds since the balance was read")
        static let outOfRouting = Family("sim", "out_of_routing", "", "1 while the SIM is out of routing (low balance, quarantine, disabled)")

        static let sipReceived = Family("sip", "messages_received", "total", counter: true, "SIP messages received (UDP datagrams and TCP messages)")
        static let sipRateLimited = Family("sip", "rate_limited", "total", counter: true, "SIP messages dropped by the per-source rate limit")
        static let sipMalformed = Family("sip", "malformed", "total", counter: true, "Malformed SIP messages (label action: rejected or dropped)")
        static let sipBannedDropped = Family("sip", "banned_dropped", "total", counter: true, "SIP messages from banned sources, dropped unread")
        static let sipTrusted = Family("sip", "trusted_received", "total", counter: true, "SIP messages from [sip] trusted peers (no rate limit)")
        static let sipBans = Family("sip", "bans", "active", "Sources banned now (simgate sip bans)")
        static let sipTCPRefused = Family("sip", "tcp_connections_refused", "total", counter: true, "TCP connections refused (limit reached)")
        static let sipCalls = Family("sip", "calls", "active", "Calls up on the SIP side")
        static let sipTransactions = Family("sip", "transactions", "active", "SIP transactions in progress")
        static let trunkRegistered = Family("sip", "trunk_registered", "", "1 while the trunk's registration is up")

        static let missedWaiting = Family("missed", "calls", "waiting", "Missed calls nobody has claimed or called back (status new)")
        static let webhookPending = Family("webhook", "outbox", "pending", "Webhook deliveries waiting to be sent")

        static let storageWritable = Family("storage", "writable", "", "1 while the database takes writes; 0 after a write failed for want of disk (kind=disk-full) or I/O (kind=write-error)")
        static let storageWriteErrors = Family("storage", "write_errors", "total", counter: true, "Database writes that failed for want of disk or I/O (records, counters, missed calls not saved)")
    }

    private let metrics: GatewayMetrics
    private let pool: ModemPool
    private let sip: SIPService?
    private let routing: RoutingService
    private let storage: Storage
    /// The series set by the last scrape, by family name and labels; what is not set again is removed.
    private var gauges: [String: Gauge] = [:]
    private var counters: [String: (counter: Prometheus.Counter, last: Int)] = [:]

    init(metrics: GatewayMetrics, pool: ModemPool, sip: SIPService?, routing: RoutingService, storage: Storage) {
        self.metrics = metrics; self.pool = pool; self.sip = sip; self.routing = routing; self.storage = storage
    }

    /// A scrape in progress; one asked for meanwhile gets its text. Two collections
    /// interleaved at their awaits could apply an older total after a newer one, which would
    /// read as a counter reset.
    private var inFlight: Task<[UInt8], Never>?

    /// The Prometheus text of everything, read now.
    func scrape() async -> [UInt8] {
        if let inFlight { return await inFlight.value }
        let task = Task { await self.collect() }
        inFlight = task
        defer { inFlight = nil }
        return await task.value
    }

    private func collect() async -> [UInt8] {
        var seenGauges: Set<String> = []
        var seenCounters: Set<String> = []
        func gauge(_ family: Family, _ labels: [(String, String)], _ value: Double?) {
            assert(!family.isCounter, "\(family.fullName) is a counter")
            guard let value else { return }
            let key = Self.key(family, labels)
            seenGauges.insert(key)
            let g = gauges[key] ?? metrics.registry.makeGauge(descriptor: family.descriptor, labels: labels)
            gauges[key] = g
            g.set(to: value)
        }
        func total(_ family: Family, _ labels: [(String, String)], _ value: Int) {
            assert(family.isCounter, "\(family.fullName) is a gauge")
            let key = Self.key(family, labels)
            seenCounters.insert(key)
            if let entry = counters[key] {
                if value < entry.last { entry.counter.reset() }
                let grown = value < entry.last ? value : value - entry.last
                if grown > 0 { entry.counter.increment(by: Int64(grown)) }
                counters[key]?.last = value
            } else {
                let c = metrics.registry.makeCounter(descriptor: family.descriptor, labels: labels)
                if value > 0 { c.increment(by: Int64(value)) }
                counters[key] = (c, value)
            }
        }

        let now = Date()
        for m in await pool.snapshots() {
            let l = [("modem", m.id)]
            let working: Set<ModemStateName> = [.free, .ringing, .dialing, .active]
            gauge(Families.modemUp, l, working.contains(m.state) ? 1 : 0)
            gauge(Families.modemState, l + [("state", m.state.rawValue)], 1)
            gauge(Families.signal, l, m.signal.dBm.map(Double.init))
            gauge(Families.registered, l, m.registration.map { $0 == "home" || $0 == "roaming" ? 1 : 0 })
            gauge(Families.callsUp, l, Double(m.currentCalls?.count ?? 0))
            total(Families.atCommands, l, m.at.commandsSent)
            total(Families.atTimeouts, l, m.at.timeouts)
            total(Families.atErrors, l, m.at.errors)
            total(Families.resets, l, m.at.resets)
            total(Families.modemCalls, l + [("direction", "inbound")], m.calls.inbound)
            total(Families.modemCalls, l + [("direction", "outbound")], m.calls.outbound)
            total(Families.answered, l, m.calls.answered)
            total(Families.billable, l, m.calls.billableSeconds)
        }
        for s in await routing.simUsage(now: now).sims {
            var l = [("iccid", s.iccid)]
            if let modem = s.modemID { l.append(("modem", modem)) }
            gauge(Families.minutesToday, l, Double(s.minutesToday))
            gauge(Families.minutesPerDay, l, s.minutesPerDay.map(Double.init))
            gauge(Families.minutesPeriod, l, Double(s.minutesThisPeriod))
            gauge(Families.minutesPerMonth, l, s.minutesPerMonth.map(Double.init))
            gauge(Families.smsToday, l, s.smsToday.map(Double.init))
            if let b = s.balance, let amount = b.amount {
                gauge(Families.balance, l + [("currency", b.currency ?? "")], amount)
                gauge(Families.balanceAge, l, b.readAt.map { now.timeIntervalSince($0) })
            }
            gauge(Families.outOfRouting, l, s.outOfService == nil ? 0 : 1)
        }
        if let sip {
            let status = await sip.status()
            total(Families.sipReceived, [], status.counters.messagesReceived)
            total(Families.sipRateLimited, [], status.counters.rateLimited)
            total(Families.sipMalformed, [("action", "rejected")], status.counters.malformedRejected)
            total(Families.sipMalformed, [("action", "dropped")], status.counters.malformedDropped)
            total(Families.sipTCPRefused, [], status.counters.tcpConnectionsRefused)
            total(Families.sipBannedDropped, [], status.counters.bannedDropped)
            total(Families.sipTrusted, [], status.counters.trustedReceived)
            gauge(Families.sipBans, [], Double(await sip.banList().bans.count))
            gauge(Families.sipCalls, [], Double(status.activeCalls))
            gauge(Families.sipTransactions, [], Double(status.transactions))
            for t in status.trunks { gauge(Families.trunkRegistered, [("trunk", t.name)], t.state == .registered ? 1 : 0) }
        }
        if let (missed, pending) = try? await storage.read({ tx in
            (try tx.missedCallCount(status: .new), try tx.webhookDeliveryCount(state: .pending))
        }) {
            gauge(Families.missedWaiting, [], Double(missed))
            gauge(Families.webhookPending, [], Double(pending))
        }

        let alert = storage.health.alert
        gauge(Families.storageWritable, [("kind", alert?.kind.rawValue ?? "none")], alert == nil ? 1 : 0)
        total(Families.storageWriteErrors, [], storage.health.failedWrites)

        for (key, g) in gauges where !seenGauges.contains(key) {
            metrics.registry.unregisterGauge(g)
            gauges[key] = nil
        }
        for (key, c) in counters where !seenCounters.contains(key) {
            metrics.registry.unregisterCounter(c.counter)
            counters[key] = nil
        }
        return metrics.registry.emitToBuffer()
    }

    /// The scrape as an HTTP answer, in the text format Prometheus asks for.
    func response() async -> ControlResponse {
        ControlResponse(status: .ok, body: await scrape(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    private static func key(_ family: Family, _ labels: [(String, String)]) -> String {
        labels.reduce(family.fullName) { $0 + "|" + $1.0 + "=" + $1.1 }
    }
}
