// The routing seam of the call path: which SIMs may carry a call to a dialled number, best
// first, and the usage bookkeeping that keeps their limits.
//
// The outbound call flow calls, per INVITE:
//     let plan = await routing.plan(dialled: "89161234567", user: "alice", now: Date())
//     if let refusal = plan.refusal { answer refusal.sipStatus }            // 484 / 403 / 503
//     try await routing.recordCallPlaced(user: "alice", at: now)            // the caller's calls per day
//     for sim in plan.candidates { try the modem `sim.id` (ICCID `sim.iccid`), capped at sim.maxCallSeconds }
//     on answer:  try await routing.recordCallStart(iccid: sim.iccid, user: nil, at: answer)   // the SIM's calls
//     on end:     try await routing.recordCallEnd(iccid: sim.iccid, user: "alice",             // SIM's and caller's minutes
//                                     billedSeconds: routing.billedSeconds(iccid: sim.iccid, callSeconds: talk), at: end)
//
// Why the caller's call counts at the INVITE and the SIM's at the answer: `calls_per_day` of
// a [[group]] guards against toll fraud, where unanswered attempts (a stolen password
// dialling premium numbers all night) are the harm, so every call the router lets through
// counts; a SIM's tariff counts the calls that connected.
import ControlModel
import Foundation
import Logging
import RoutingCore
import SimgateConfig
import Storage
import Synchronization

public final class RoutingService: Sendable {
    public let numbering: NumberingService
    public let ledger: UsageLedger
    let policy: RoutingPolicy
    let pool: ModemPool
    /// Which modem held each ICCID at the last look: a [[sim]] keyed by modem id still
    /// applies when a later call only names the ICCID.
    private let modemOfICCID = Mutex<[String: String]>([:])
    /// SIM care's verdicts (low balance, quarantine, disabled): a SIM out of service is
    /// rejected with why.
    let care: SIMCareBoard

    init(config: GatewayConfig, storage: Storage, pool: ModemPool, logger: Logger) {
        let policy = RoutingPolicy(config: config)
        self.policy = policy
        self.pool = pool
        care = SIMCareBoard(policy: SIMHealth.Policy(
            failuresBeforeQuarantine: config.routing.quarantineAfter, firstCoolDown: config.routing.quarantineCoolDownSeconds,
            maximumCoolDown: config.routing.quarantineMaxCoolDownSeconds))
        numbering = NumberingService(
            configSources: policy.sources, mapping: policy.mapping, storage: storage,
            importDirectory: (config.daemon.stateDirectory as NSString).appendingPathComponent("numbering"), logger: logger)
        ledger = UsageLedger(storage: storage, timeZone: policy.timeZone)
    }

    public var timeZone: TimeZone { policy.timeZone }

    /// The routing decision for one call: the normalized number, the callee's operator, every
    /// SIM accepted (in the order to try) or rejected with why. `plan.candidates[i].id` is
    /// the modem id. Never throws: a storage failure counts that SIM's usage as zero and
    /// is visible in the logs.
    public func plan(dialled: String, user: String?, now: Date) async -> RoutePlan {
        let candidates = await self.candidates(now: now)
        let group = policy.group(of: user)
        let callerUsage: UsageCounters
        if let user, let usage = try? await ledger.callerUsage(user: user, at: now) {
            callerUsage = usage
        } else {
            callerUsage = UsageCounters(now: now, timeZone: policy.timeZone, monthResetDay: 1)
        }
        return policy.planner.plan(dialled: dialled, user: user ?? "", group: group, callerUsage: callerUsage,
                                   numbering: numbering.snapshot, candidates: candidates, now: now, timeZone: policy.timeZone)
    }

    /// A call through the SIM `iccid` started (dialling). Counts one call for the SIM's day and
    /// month, and for the caller and the caller's group.
    public func recordCallStart(iccid: String, user: String?, at now: Date) async throws {
        try await ledger.recordCallStart(iccid: iccid, user: user, group: policy.group(of: user),
                                         monthResetDay: simConfig(iccid: iccid)?.monthResetDay ?? 1, at: now)
    }

    /// The router accepted a call from `user`: it counts against the caller's (and the
    /// caller's group's) calls per day now, answered or not.
    public func recordCallPlaced(user: String, at now: Date) async throws {
        try await ledger.recordCallPlaced(user: user, group: policy.group(of: user), at: now)
    }

    /// The call ended; `billedSeconds` as the tariff bills it (see `billedSeconds(iccid:callSeconds:)`).
    public func recordCallEnd(iccid: String, user: String?, billedSeconds: Int, at now: Date) async throws {
        try await ledger.recordCallEnd(iccid: iccid, user: user, group: policy.group(of: user), billedSeconds: billedSeconds,
                                       monthResetDay: simConfig(iccid: iccid)?.monthResetDay ?? 1, at: now)
    }

    /// What a closed outbound record adds to the counters (nothing for an unanswered or inbound
    /// one): one call on the SIM's day and month at the answer; its billed seconds (talk time,
    /// rounded up to the tariff's step) on the SIM's day and month and the caller's and group's
    /// day at the end. Written in the transaction that closes the record (Storage.closeCall,
    /// closeInterruptedCalls), so the minutes count once even when the daemon dies mid-call.
    public func usageCharges(for row: CallDetail) -> [UsageCharge] {
        guard row.direction == "outbound", let answered = row.answerAt, let ended = row.endAt, let iccid = row.iccid else { return [] }
        let sim = policy.simConfig(iccid: iccid, modem: row.modemID)
        let talk = max(0, Int(ended.timeIntervalSince(answered).rounded(.up)))
        let billed = policy.limits(sim).billedSeconds(forCallOf: talk)
        return ledger.charges(iccid: iccid, user: row.sipUser, group: policy.group(of: row.sipUser), answeredAt: answered,
                              endedAt: ended, billedSeconds: billed, monthResetDay: sim?.monthResetDay ?? 1)
    }

    /// Talk time rounded up to the SIM tariff's billing step.
    public func billedSeconds(iccid: String, callSeconds: Int) -> Int {
        policy.limits(simConfig(iccid: iccid)).billedSeconds(forCallOf: callSeconds)
    }

    private func simConfig(iccid: String) -> SIMConfig? {
        let modem = modemOfICCID.withLock { $0[RoutingPolicy.canonicalICCID(iccid)] }
        return policy.simConfig(iccid: iccid, modem: modem)
    }

    /// One candidate per modem holding a SIM (ICCID read).
    func candidates(now: Date) async -> [SIMCandidate] {
        await candidateDetails(now: now).map(\.candidate)
    }

    private func candidateDetails(now: Date) async -> [(candidate: SIMCandidate, snapshot: ModemSnapshot)] {
        let snapshots = await pool.snapshots()
        modemOfICCID.withLock { map in
            for snapshot in snapshots { if let iccid = snapshot.iccid { map[RoutingPolicy.canonicalICCID(iccid)] = snapshot.id } }
        }
        var result: [(candidate: SIMCandidate, snapshot: ModemSnapshot)] = []
        for snapshot in snapshots {
            guard let iccid = snapshot.iccid else { continue }
            let sim = policy.simConfig(iccid: iccid, modem: snapshot.id)
            let limits = policy.limits(sim)
            let usage = (try? await ledger.simUsage(iccid: iccid, monthResetDay: limits.monthResetDay, at: now))
                ?? UsageCounters(now: now, timeZone: policy.timeZone, monthResetDay: limits.monthResetDay)
            let candidate = SIMCandidate(
                id: snapshot.id, iccid: iccid, network: network(of: snapshot),
                modem: Self.status(of: snapshot), allowedGroups: sim?.groups.map(Set.init),
                tariff: policy.tariff(sim), limits: limits, usage: usage, outOfService: care.outOfService(iccid: iccid))
            result.append((candidate: candidate, snapshot: snapshot))
        }
        return result
    }

    /// The SIM's home network from its IMSI (the mapping knows 3-digit MNCs), else from the
    /// operator code the modem layer derived.
    func network(of snapshot: ModemSnapshot) -> MCCMNC? {
        if let imsi = snapshot.imsi, let network = policy.mapping.network(forIMSI: imsi) { return network }
        return snapshot.simOperator.mccmnc.flatMap { MCCMNC($0) }
    }

    static func status(of snapshot: ModemSnapshot) -> ModemStatus {
        let registered = snapshot.registration.map { $0 == "home" || $0 == "roaming" }
            ?? [.free, .ringing, .dialing, .active].contains(snapshot.state)
        // The modem layer probes voice at start-up; until it has said no, the SIM is offered.
        return ModemStatus(isFree: snapshot.state == .free, isRegistered: registered,
                           isVoiceCapable: snapshot.voiceCapable != false, signalDBm: snapshot.signal.dBm)
    }

    /// Every SIM in a modem, plus configured SIMs (by ICCID) not in any: usage against limits.
    public func simUsage(now: Date) async -> SIMUsageList {
        var sims: [SIMUsageStatus] = []
        var seen: Set<String> = []
        for (candidate, snapshot) in await candidateDetails(now: now) {
            seen.insert(RoutingPolicy.canonicalICCID(candidate.iccid))
            sims.append(await usageStatus(iccid: candidate.iccid, modem: snapshot.id, state: snapshot.state.rawValue,
                                    network: candidate.network, signal: snapshot.signal.dBm, limits: candidate.limits,
                                    usage: candidate.usage, calls: snapshot.calls))
        }
        for iccid in policy.configuredICCIDs where !seen.contains(iccid) {
            let limits = policy.limits(policy.simConfig(iccid: iccid, modem: nil))
            let usage = (try? await ledger.simUsage(iccid: iccid, monthResetDay: limits.monthResetDay, at: now))
                ?? UsageCounters(now: now, timeZone: policy.timeZone, monthResetDay: limits.monthResetDay)
            sims.append(await usageStatus(iccid: iccid, modem: nil, state: "absent", network: nil, signal: nil,
                                    limits: limits, usage: usage, calls: nil))
        }
        return SIMUsageList(sims: sims, generatedAt: now)
    }

    private func usageStatus(iccid: String, modem: String?, state: String, network: MCCMNC?, signal: Int?,
                             limits: SIMLimits, usage: UsageCounters, calls: CallStats?) async -> SIMUsageStatus {
        var status = SIMUsageStatus(
            iccid: iccid, modemID: modem, state: state, mccmnc: network?.description,
            operatorName: network.flatMap { policy.mapping.entry(for: $0)?.name },
            signalDBm: signal, minutesToday: usage.minutesToday, minutesPerDay: limits.minutesPerDay,
            minutesThisPeriod: usage.minutesThisMonth, minutesPerMonth: limits.minutesPerMonth,
            periodStart: usage.monthStart, callsToday: usage.callsToday, callsPerDay: limits.callsPerDay,
            activeCalls: usage.activeCalls, asr: calls?.asr, acd: calls?.acd)
        let sim = policy.simConfig(iccid: iccid, modem: modem)
        if let sms = try? await ledger.smsUsage(iccid: iccid, monthResetDay: limits.monthResetDay, at: usage.dayStart) {
            status.smsToday = sms.today
            status.smsThisPeriod = sms.thisMonth
        }
        status.smsPerDay = sim?.smsPerDay
        status.smsPerMonth = sim?.smsPerMonth
        status.balance = care.balance(iccid: iccid)
        status.outOfService = care.outOfService(iccid: iccid)
        return status
    }
}

extension RoutingService {
    /// `recordCallPlaced`, a storage failure logged (the call goes on: a counter that could
    /// not be written must not drop a dispatcher's call).
    func recordCallPlacedLogging(user: String, logger: Logger) async {
        do { try await recordCallPlaced(user: user, at: Date()) } catch {
            logger.error("cannot count the caller's call", metadata: ["user": "\(user)", "error": "\(error)"])
        }
    }

    /// RFC 3326 Reason for a refused call, so the phone (and its log) shows why:
    /// `SIP;cause=403;text="group drivers: daily calls 2/2 reached"`.
    static func reasonHeader(_ refusal: RouteRefusal) -> String {
        let text = String(String.UnicodeScalarView(refusal.description.unicodeScalars.filter {
            $0 != "\"" && $0 != "\\" && $0.value >= 0x20 && $0.value != 0x7F
        }))
        return "SIP;cause=\(refusal.sipStatus);text=\"\(text)\""
    }
}

extension RoutingService {
    /// The SIMs that could send an SMS to `number`, with what the SMS choice needs (on-net,
    /// price per part, SMS limits and pace); SMSSIMChooser ranks them. The number is read
    /// as for a call (same normalizer, same operator lookup), so an SMS and a call to one
    /// number leave through the same network.
    public func smsRoute(to number: String, now: Date) async -> SMSRoute {
        let normalized: NormalizedNumber
        switch policy.planner.normalizer.normalize(number) {
        case .success(let value): normalized = value
        case .failure(let error): return SMSRoute(number: nil, error: "\(error)", options: [])
        }
        let destination = numbering.snapshot.lookup(normalized).network.map(policy.mapping.pricingNetwork(of:))
        var options: [SMSSIMOption] = []
        // Every modem holding a SIM, busy or not: a modem in a voice call still takes AT+CMGS
        // (SMS goes over the signalling channel), and its command queue orders it.
        for (candidate, snapshot) in await candidateDetails(now: now) {
            let sim = policy.simConfig(iccid: candidate.iccid, modem: snapshot.id)
            let onNet = destination != nil && candidate.network.map(policy.mapping.pricingNetwork(of:)) == destination
            options.append(SMSSIMOption(
                modemID: snapshot.id, iccid: candidate.iccid, isRegistered: candidate.modem.isRegistered, onNet: onNet,
                price: policy.smsPrice(sim), signalDBm: snapshot.signal.dBm, smsPerDay: sim?.smsPerDay,
                smsPerMonth: sim?.smsPerMonth, minIntervalSeconds: sim?.smsMinIntervalSeconds,
                monthResetDay: sim?.monthResetDay ?? 1))
        }
        let text = normalized.kind == .e164 ? "+" + normalized.digits : normalized.digits
        return SMSRoute(number: text, options: options)
    }
}
