// The inbound side's long-lived parts, started by the daemon: the missed-call list and the
// webhook delivery worker. The call bridge reaches them through `RunningDaemon.inbound`.
import CallCore
import Foundation
import Logging
import NIOCore
import SimgateConfig
import Storage

public struct InboundServices: Sendable {
    public let missedCalls: MissedCallService
    public let outbox: WebhookOutbox
    public let webhookWorker: WebhookDeliveryWorker
    /// Hold music and prompts of every queue, decoded at start.
    public let holdAudio: HoldAudioLibrary
    /// Writes every unanswered inbound ring to the missed-call list (see InboundRingRecorder).
    var ringRecorder: InboundRingRecorder?

    /// With `pool`, every unanswered inbound ring on its modems becomes a missed-call entry.
    /// Reads each https webhook's `ca_file`, so a bad one stops the start (naming the webhook
    /// and the file) instead of failing every delivery later.
    static func checkWebhookTrust(_ config: InboundConfig) throws {
        for hook in config.webhooks where hook.tls {
            do { _ = try WebhookHTTPClient.clients.client(caFile: hook.caFile) } catch {
                throw WebhookTrustError(description: "webhook \(hook.name): \(error)")
            }
        }
    }

    static func start(config: InboundConfig, storage: Storage, pool: ModemPool?, logger: Logger) async -> InboundServices {
        let worker = WebhookDeliveryWorker(storage: storage, webhooks: config.webhooks, logger: logger)
        let outbox = WebhookOutbox(webhooks: config.webhooks)
        let missed = MissedCallService(storage: storage, outbox: outbox, onEnqueued: { worker.wake() })
        let holdAudio = HoldAudioLibrary(config: config)
        for problem in holdAudio.problems { logger.warning("\(problem)") }
        var services = InboundServices(missedCalls: missed, outbox: outbox, webhookWorker: worker, holdAudio: holdAudio)
        await worker.start()
        if let pool {
            let publish: @Sendable (WebhookEventType, CallEventData, Date) async -> Void = { type, data, at in
                guard !outbox.webhooks.isEmpty else { return }
                do {
                    let event = try WebhookEvent(type: type, occurredAt: at, data: data)
                    _ = try await storage.transaction { tx in try outbox.enqueue(event, in: tx) }
                    worker.wake()
                } catch {
                    logger.error("cannot queue webhook", metadata: ["event": "\(type.rawValue)", "error": "\(error)"])
                }
            }
            let recorder = InboundRingRecorder(missedCalls: missed, logger: logger, lineOf: { await pool.snapshot(id: $0)?.msisdn },
                                               publish: publish)
            await recorder.attach(to: pool)
            services.ringRecorder = recorder
        }
        return services
    }

    /// Queues a call.* event in its own transaction: one insert, so delivery never delays
    /// the call. (Inside the bridge's CDR transaction use `outbox.enqueue(_:in:)`, then
    /// `webhookWorker.wake()` after the commit.)
    public func publish(_ event: WebhookEvent, storage: Storage) async throws {
        let outbox = self.outbox
        _ = try await storage.transaction { tx in try outbox.enqueue(event, in: tx) }
        webhookWorker.wake()
    }

    /// The report's view of the CDR table (written by the call bridge).
    static func callRecords(_ storage: Storage) -> @Sendable (Date, Date) async throws -> [CallRecordSummary] {
        { from, to in
            let rows = try await storage.read { tx in try tx.callRecords(startingFrom: from, before: to) }
            return CallRecordSummary.calls(from: rows)
        }
    }

    func stop() async {
        await ringRecorder?.stop()
        await webhookWorker.stop()
    }
}

/// A webhook whose `ca_file` cannot be used: the daemon does not start.
public struct WebhookTrustError: Error, CustomStringConvertible {
    public let description: String
}
