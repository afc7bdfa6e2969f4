// Balance checks: for every SIM with `[[sim]] balance_ussd` or `balance_sms`, ask the operator
// (a USSD request through the modem holding the SIM, or an SMS to its short number whose
// reply SMS carries the amount), read the amount out of the reply, keep the check in SQLite,
// and take the SIM out of routing while it is below `min_balance`.
//
// When a SIM is checked:
// - at start (no check on record, or the last one older than `balance_interval`),
// - every `balance_interval` seconds,
// - after `balance_after_minutes` billed minutes since the last check (a busy SIM burns
//   money faster than the interval notices),
// - when an admin asks (`simgate balance SIM --refresh`).
// Only when its modem is free: a USSD request waits for calls anyway (USSDSession.swift),
// and a check that waits minutes behind a call only holds the modem's queue.
//
// The same loop asks for the SIM's own number (`[[sim]] number_ussd` / `number_sms`) while the modem knows
// none (AT+CNUM empty, nothing in the sim table): once at start, then hourly until a reply
// names one (SMSCore `OwnNumberReply`); the number goes into the sim table by ICCID.
//
// A reply the parser cannot read is stored whole with the reason and changes nothing: the
// SIM keeps its last known balance and its routing state. It is never taken as 0. A failed
// request (no network reply, +CUSD: 4) is retried after `failureRetry`, not the full interval.
import ControlModel
import Foundation
import Logging
import ModemCore
import RoutingCore
import SMSCore
import SimgateConfig
import Storage

actor BalanceService {
    /// How often the schedule is looked at. Checks are hours apart; a second is plenty.
    static let tick: Duration = .seconds(1)
    /// After a failed request: soon enough to notice a network that came back, rare enough
    /// not to hammer one that refuses.
    static let failureRetry: TimeInterval = 300

    private let storage: Storage
    private let pool: ModemPool
    private let routing: RoutingService
    private let board: SIMCareBoard
    private let outbox: WebhookOutbox
    private let wakeWebhooks: @Sendable () -> Void
    private let logger: Logger
    private var loop: Task<Void, Never>?
    /// Per ICCID: when the next check is due, and the billed seconds of the month at the last one.
    private var schedule: [String: (due: Date, billedAtCheck: Int)] = [:]
    private var running: Set<String> = []
    /// Per ICCID: when to ask for the own number again (a reply that named none).
    private var numberDue: [String: Date] = [:]
    /// A code that names no number is asked again this much later, not every tick.
    static let numberRetry: TimeInterval = 3600
    /// How long an SMS request waits for the operator's reply SMS. Operators answer within
    /// seconds; an SMSC that queues behind traffic can take minutes.
    static let smsReplyTimeout: Double = 180
    private let sms: SMSService

    init(storage: Storage, pool: ModemPool, routing: RoutingService, sms: SMSService, outbox: WebhookOutbox,
         wakeWebhooks: @escaping @Sendable () -> Void, logger: Logger) {
        self.storage = storage
        self.sms = sms
        self.pool = pool
        self.routing = routing
        self.board = routing.care
        self.outbox = outbox
        self.wakeWebhooks = wakeWebhooks
        self.logger = logger
    }

    func start() {
        guard loop == nil else { return }
        loop = Task { [weak self] in
            while !Task.isCancelled {
                await self?.checkDueSIMs(now: Date())
                try? await Task.sleep(for: Self.tick)
            }
        }
    }

    func stop() {
        loop?.cancel()
        loop = nil
    }

    /// Every SIM with a balance request, with what is known of its balance.
    func balances() async -> [SIMBalanceInfo] {
        var out: [SIMBalanceInfo] = []
        for (snapshot, sim) in await targets() where sim.balanceRequest != nil {
            guard let iccid = snapshot.iccid else { continue }
            out.append(await known(iccid: iccid, modem: snapshot.id, sim: sim))
        }
        return out
    }

    /// Checks one SIM now (by ICCID or modem id); nil when no modem holds such a SIM with a
    /// balance request.
    func refresh(sim key: String) async -> SIMBalanceInfo? {
        for (snapshot, sim) in await targets() where sim.balanceRequest != nil {
            guard let iccid = snapshot.iccid,
                  snapshot.id == key || RoutingPolicy.canonicalICCID(iccid) == RoutingPolicy.canonicalICCID(key) else { continue }
            return await check(iccid: iccid, modem: snapshot.id, sim: sim, now: Date())
        }
        return nil
    }

    // MARK: - Inside

    /// Modems holding a SIM whose [[sim]] says how to ask for its balance or number.
    private func targets() async -> [(ModemSnapshot, SIMConfig)] {
        var out: [(ModemSnapshot, SIMConfig)] = []
        for snapshot in await pool.snapshots() {
            guard let iccid = snapshot.iccid, let sim = routing.policy.simConfig(iccid: iccid, modem: snapshot.id),
                  sim.balanceRequest != nil || sim.numberRequest != nil else { continue }
            out.append((snapshot, sim))
        }
        return out
    }

    private func checkDueSIMs(now: Date) async {
        for (snapshot, sim) in await targets() where snapshot.state == .free {
            guard let iccid = snapshot.iccid else { continue }
            let key = RoutingPolicy.canonicalICCID(iccid)
            guard !running.contains(key) else { continue }
            if let request = sim.numberRequest, snapshot.msisdn == nil, now >= numberDue[key] ?? .distantPast {
                running.insert(key)
                numberDue[key] = now.addingTimeInterval(Self.numberRetry)
                let modem = snapshot.id, imei = snapshot.imei
                Task { await self.askNumber(iccid: key, modem: modem, imei: imei, request: request, now: now) }
                continue
            }
            guard sim.balanceRequest != nil else { continue }
            if schedule[key] == nil {
                // First look since start: the history says when the last check was.
                let last = try? await storage.read { try $0.latestBalanceCheck(iccid: key) }
                let billed = await billedSeconds(iccid: key, sim: sim, now: now)
                schedule[key] = (last.map { $0.checkedAt.addingTimeInterval(sim.balanceIntervalSeconds) } ?? now, billed)
                if let last, board.balance(iccid: key) == nil {
                    board.setBalance(await known(iccid: key, modem: snapshot.id, sim: sim, latest: last))
                }
            }
            guard let entry = schedule[key] else { continue }
            var due = now >= entry.due
            if !due, let minutes = sim.balanceAfterMinutes {
                let billed = await billedSeconds(iccid: key, sim: sim, now: now)
                // A new tariff month starts the count again from 0.
                if billed < entry.billedAtCheck { schedule[key]?.billedAtCheck = 0 }
                due = billed - (schedule[key]?.billedAtCheck ?? 0) >= minutes * 60
            }
            guard due else { continue }
            running.insert(key)
            let modem = snapshot.id
            Task {
                _ = await self.check(iccid: key, modem: modem, sim: sim, now: now)
            }
        }
    }

    private func askNumber(iccid: String, modem: String, imei: String?, request: OperatorQueries.Request, now: Date) async {
        defer { running.remove(iccid) }
        // Known from an earlier run: the modem may not have read the sim table yet at start-up.
        if let stored = try? await storage.sim(iccid: iccid)?.msisdn {
            await pool.learnNumber(id: modem, iccid: iccid, number: stored)
            return
        }
        let text: String
        switch await ask(request, iccid: iccid, modem: modem) {
        case .text(let t), .menu(let t): text = t
        case .failed(let why):
            logger.info("own-number request failed", metadata: ["iccid": "\(iccid)", "modem": "\(modem)", "reason": "\(why)"])
            return
        }
        guard let number = OwnNumberReply.parse(text) else {
            logger.info("own-number reply names no number (check number_ussd / number_sms)",
                        metadata: ["iccid": "\(iccid)", "modem": "\(modem)", "reply": "\(text)"])
            return
        }
        do {
            _ = try await storage.recordSIM(iccid: iccid, msisdn: number, modemIMEI: imei, at: now)
        } catch {
            logger.error("cannot store the SIM's number", metadata: ["iccid": "\(iccid)", "error": "\(error)"])
        }
        await pool.learnNumber(id: modem, iccid: iccid, number: number)
        logger.notice("SIM's own number learned from its operator", metadata: ["iccid": "\(iccid)", "modem": "\(modem)", "number": "\(number)"])
    }

    private func billedSeconds(iccid: String, sim: SIMConfig, now: Date) async -> Int {
        (try? await routing.ledger.simUsage(iccid: iccid, monthResetDay: sim.monthResetDay, at: now))?.secondsThisMonth ?? 0
    }

    private func check(iccid rawICCID: String, modem: String, sim: SIMConfig, now: Date) async -> SIMBalanceInfo {
        let iccid = RoutingPolicy.canonicalICCID(rawICCID)
        running.insert(iccid)
        defer { running.remove(iccid) }
        guard let request = sim.balanceRequest else { return await known(iccid: iccid, modem: modem, sim: sim) }
        var record = SIMBalanceCheck(iccid: iccid, modem: modem, checkedAt: now, request: request.description, amountMinor: nil,
                                     currency: nil, reply: nil, error: nil)
        switch await ask(request, iccid: iccid, modem: modem) {
        case .menu(let text):
            // A menu is not a balance, whatever numbers it lists: read nothing.
            record.reply = text
            record.error = "the operator answered with a menu, not a balance (check balance_ussd)"
        case .text(let text):
            record.reply = text
            switch BalanceReply.parse(text) {
            case .balance(let money, _):
                record.amountMinor = money.minorUnits
                record.currency = money.currency
            case .unparsed(let reason):
                record.error = "reply not read as a balance: \(reason)"
            }
        case .failed(let why):
            record.error = why
        }
        let billed = await billedSeconds(iccid: iccid, sim: sim, now: now)
        let retry = record.error != nil && record.amountMinor == nil && record.reply == nil
        schedule[iccid] = (now.addingTimeInterval(retry ? min(Self.failureRetry, sim.balanceIntervalSeconds) : sim.balanceIntervalSeconds),
                           billed)

        let stored = record
        let info = await known(iccid: iccid, modem: modem, sim: sim, latest: stored)
        let previous = board.balance(iccid: iccid)
        let becameLow = info.low && previous?.low != true
        let outbox = self.outbox
        do {
            try await storage.transaction { tx in
                try tx.insertBalanceCheck(stored)
                if becameLow {
                    try outbox.enqueue(WebhookEvent(type: .simLowBalance, occurredAt: now, data: info), in: tx)
                }
            }
        } catch {
            logger.error("cannot store the balance check", metadata: ["iccid": "\(iccid)", "error": "\(error)"])
        }
        board.setBalance(info)
        if becameLow {
            logger.warning("SIM balance below min_balance: out of routing",
                           metadata: ["iccid": "\(iccid)", "modem": "\(modem)", "balance": "\(info.amountText ?? "?")"])
            wakeWebhooks()
        } else if previous?.low == true, !info.low {
            logger.notice("SIM balance back at or above min_balance: in routing again", metadata: ["iccid": "\(iccid)"])
        }
        if let error = record.error {
            logger.info("balance check gave no amount", metadata: ["iccid": "\(iccid)", "modem": "\(modem)", "reason": "\(error)"])
        }
        return info
    }

    /// What is known of a SIM's balance: the newest check, and the newest amount read (which
    /// may be older, when the last reply could not be read).
    private func known(iccid: String, modem: String?, sim: SIMConfig, latest: SIMBalanceCheck? = nil) async -> SIMBalanceInfo {
        let key = RoutingPolicy.canonicalICCID(iccid)
        var last = latest
        var read = last?.amountMinor != nil ? last : nil
        if read == nil {
            // Both rows from one snapshot: read apart, a check stored between the two reads
            // showed its amount without its reply (seen under CI load).
            do {
                let rows = try await storage.read { tx in
                    let newest = try latest ?? tx.latestBalanceCheck(iccid: key)
                    return (newest, try tx.latestBalance(iccid: key))
                }
                last = rows.0
                read = rows.0?.amountMinor != nil ? rows.0 : rows.1
            } catch {
                logger.error("cannot read the SIM's balance history", metadata: ["iccid": "\(key)", "error": "\(error)"])
            }
        }
        // Compared in kopecks (minor units), not in floating point: 9.99 < 10.00 exactly.
        let minMinor = sim.minBalance.map { NSDecimalNumber(decimal: $0 * 100).int64Value }
        var low = false
        if let amount = read?.amountMinor, let minMinor { low = amount < minMinor }
        return SIMBalanceInfo(
            iccid: key, modem: modem, amount: read?.amountMinor.map { Double($0) / 100 }, currency: read?.currency,
            readAt: read?.checkedAt, checkedAt: last?.checkedAt, reply: last?.reply, error: last?.error,
            minBalance: sim.minBalance.map { NSDecimalNumber(decimal: $0).doubleValue }, low: low, request: sim.balanceRequest?.description)
    }

    /// What the operator said to a request.
    private enum Answer {
        case text(String)
        /// A USSD menu (m=1), already closed: an answer that asks for a choice.
        case menu(String)
        case failed(String)
    }

    /// Asks the operator through the modem holding the SIM: a USSD request, or an SMS whose
    /// reply SMS is the answer.
    private func ask(_ request: OperatorQueries.Request, iccid: String, modem: String) async -> Answer {
        switch request {
        case .ussd(let code):
            switch await pool.ussd(id: modem, text: code, continuing: false)?.outcome ?? .failed("modem \(modem) is gone") {
            case .reply(let reply):
                guard reply.sessionOpen else { return .text(reply.text ?? "") }
                _ = await pool.cancelUSSD(id: modem)
                return .menu(reply.text ?? "")
            case .failed(let why): return .failed(why)
            case .cancelled: return .failed("cancelled")
            }
        case .sms(let r):
            do {
                let exchange = try await sms.askOperator(iccid: iccid, modemID: modem, to: r.to, text: r.text, replyFrom: r.replyFrom,
                                                         timeout: Self.smsReplyTimeout)
                if let reply = exchange.reply { return .text(reply.text) }
                if exchange.request.state == .failed {
                    return .failed("the request SMS to \(r.to) failed: \(exchange.request.lastError ?? "refused")")
                }
                return .failed("no reply SMS from \(r.replyFrom) within \(Int(Self.smsReplyTimeout)) s (SMS \(exchange.request.id) is \(exchange.request.state.rawValue))")
            } catch {
                return .failed("the request SMS to \(r.to) was not sent: \(error)")
            }
        }
    }
}
