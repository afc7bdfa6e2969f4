// Queueing events for webhooks: one outbox row per (webhook, event), written in the caller's
// transaction, so an event exists exactly when the change it announces was committed. The
// delivery worker sends them later; nothing on a call's path ever waits for HTTP.
import Foundation
import SimgateConfig
import Storage

public struct WebhookOutbox: Sendable {
    public let webhooks: [WebhookConfig]

    public init(webhooks: [WebhookConfig]) { self.webhooks = webhooks }

    /// Queues `event` for every webhook that wants its type; returns how many rows were added.
    @discardableResult
    public func enqueue(_ event: WebhookEvent, in tx: StorageTransaction) throws -> Int {
        var added = 0
        let body = event.body
        for hook in webhooks where hook.wants(event.type.rawValue) {
            let item = WebhookOutboxItem(webhook: hook.name, url: hook.url, eventID: event.id, eventType: event.type.rawValue,
                                         body: body, createdAt: event.occurredAt)
            if try tx.enqueueWebhook(item) { added += 1 }
        }
        return added
    }
}
