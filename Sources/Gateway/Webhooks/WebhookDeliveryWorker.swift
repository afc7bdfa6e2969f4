// Sends the webhook outbox: each pending delivery whose time has come is POSTed, signed;
// 2xx marks it delivered, anything else schedules a retry (WebhookRetryPolicy) until the
// webhook's max_attempts, after which it is marked failed and shown by `simgate webhooks`.
//
// Deliveries to one webhook go one at a time, oldest first (a CRM sees events in order);
// different webhooks are served concurrently, so one slow receiver delays only itself.
// At-least-once: a receiver that answered 2xx but whose answer was lost gets the event
// again; X-Simgate-Delivery carries the event id to deduplicate by.
import CallCore
import Foundation
import Logging
import SimgateConfig
import Storage

public actor WebhookDeliveryWorker {
    let storage: Storage
    let webhooks: [String: WebhookConfig]
    let logger: Logger
    let clock: @Sendable () -> Date
    let random: @Sendable () -> Double
    /// Deliveries taken per pass: bounds memory when a long outage left many waiting.
    let batchSize: Int
    /// Rows can also be queued by other writers (the call bridge's transactions) without a
    /// wake-up; the worker looks at least this often.
    let idlePollSeconds: Double

    private var loop: Task<Void, Never>?
    private var waiter: CheckedContinuation<Void, Never>?
    private var woken = false

    public init(storage: Storage, webhooks: [WebhookConfig], logger: Logger,
                clock: @escaping @Sendable () -> Date = Date.init,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                batchSize: Int = 64, idlePollSeconds: Double = 5) {
        self.storage = storage
        self.webhooks = Dictionary(webhooks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.logger = logger; self.clock = clock; self.random = random
        self.batchSize = batchSize; self.idlePollSeconds = idlePollSeconds
    }

    public func start() {
        guard loop == nil else { return }
        loop = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                await self.runOnce()
            }
        }
    }

    public func stop() async {
        loop?.cancel()
        signal()
        await loop?.value
        loop = nil
    }

    /// Something was queued: look now instead of at the next poll.
    public nonisolated func wake() {
        Task { await self.signal() }
    }

    private func signal() {
        woken = true
        if let w = waiter { waiter = nil; w.resume() }
    }

    private func runOnce() async {
        let sent = await deliverDue()
        guard sent == 0, !Task.isCancelled else { return }
        let next = (try? await storage.read { tx in try tx.nextWebhookDue() }) ?? nil
        let wait = next.map { max(0.001, min(idlePollSeconds, $0.timeIntervalSince(clock()))) } ?? idlePollSeconds
        await idle(seconds: wait)
    }

    private func idle(seconds: Double) async {
        if woken { woken = false; return }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            await self?.signal()
        }
        await withCheckedContinuation { waiter = $0 }
        timer.cancel()
        woken = false
    }

    /// One pass: every delivery due now (up to `batchSize`); returns how many were attempted.
    @discardableResult
    public func deliverDue() async -> Int {
        let now = clock()
        let due: [WebhookOutboxItem]
        do {
            let limit = batchSize
            due = try await storage.read { tx in try tx.dueWebhookDeliveries(now: now, limit: limit) }
        } catch {
            logger.error("webhook outbox unreadable", metadata: ["error": "\(error)"])
            return 0
        }
        let byWebhook = Dictionary(grouping: due, by: \.webhook)
        await withTaskGroup(of: Void.self) { tasks in
            for (_, items) in byWebhook {
                tasks.addTask { for item in items { await self.deliver(item) } }
            }
        }
        return due.count
    }

    private func deliver(_ item: WebhookOutboxItem) async {
        let attempts = item.attempts + 1
        guard let hook = webhooks[item.webhook] else {
            await record(item.id) { tx in
                try tx.markWebhookAttemptFailed(id: item.id, attempts: item.attempts,
                                                error: "webhook \"\(item.webhook)\" is no longer in the config", nextAttemptAt: nil)
            }
            return
        }
        let headers = [
            (WebhookSignature.header, WebhookSignature.sign(body: item.body, secret: hook.secret.exposedValue)),
            (WebhookSignature.timestampHeader, String(Int64(item.createdAt.timeIntervalSince1970.rounded(.down)))),
            (WebhookSignature.eventHeader, item.eventType),
            (WebhookSignature.deliveryHeader, item.eventID),
            ("User-Agent", "simgate/\(Daemon.version)"),
        ]
        let outcome: String?
        do {
            let status = try await WebhookHTTPClient.post(to: hook, headers: headers, body: item.body)
            outcome = (200..<300).contains(status) ? nil : "HTTP \(status)"
        } catch {
            outcome = "\(error)"
        }
        let now = clock()
        guard let error = outcome else {
            await record(item.id) { tx in try tx.markWebhookDelivered(id: item.id, attempts: attempts, at: now) }
            return
        }
        let delay = WebhookRetryPolicy(hook).delay(afterFailedAttempts: attempts, random: random())
        let next = delay.map { now.addingTimeInterval($0) }
        if next == nil {
            logger.warning("webhook delivery failed for good", metadata: [
                "webhook": "\(hook.name)", "event": "\(item.eventType)", "attempts": "\(attempts)", "error": "\(error)"])
        } else {
            logger.info("webhook delivery will be retried", metadata: [
                "webhook": "\(hook.name)", "event": "\(item.eventType)", "attempt": "\(attempts)", "error": "\(error)"])
        }
        await record(item.id) { tx in try tx.markWebhookAttemptFailed(id: item.id, attempts: attempts, error: error, nextAttemptAt: next) }
    }

    private func record(_ id: Int64, _ body: @escaping @Sendable (StorageTransaction) throws -> Void) async {
        do { try await storage.transaction(body) } catch {
            logger.error("cannot record webhook delivery", metadata: ["id": "\(id)", "error": "\(error)"])
        }
    }

    /// Pending and failed deliveries for `simgate webhooks`.
    public static func status(storage: Storage, now: Date) async throws -> WebhookDeliveryListValue {
        try await storage.read { tx in
            WebhookDeliveryListValue(items: try tx.webhookDeliveries(states: [.pending, .failed], limit: 1000),
                                     delivered: try tx.webhookDeliveryCount(state: .delivered))
        }
    }
}

public struct WebhookDeliveryListValue: Sendable {
    public var items: [WebhookOutboxItem]
    public var delivered: Int
}
