// The daemon's metrics, in Prometheus text on GET /metrics (MetricsExporter.swift). Two kinds:
// - events, counted where they happen through swift-metrics (`count`): SIP requests by method
//   and responses by code, calls by direction and outcome, call attempts by cause, the RTP
//   received from phones (packets, losses, a jitter histogram), callbacks by kind (manual or
//   recall) and outcome, recalls finished (reached the customer or gave up), SIP sources
//   banned (by reason);
// - state, read when Prometheus scrapes from the snapshots `simgate` shows (modems, SIMs, SIP,
//   missed calls, webhook outbox): nothing on the hot paths keeps it twice.
//
// Each daemon has a registry of its own rather than the process-wide MetricsSystem: tests run
// several daemons in one process, and their series must not mix.
import CallCore
import CoreMetrics
import Prometheus
import Synchronization

public final class GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// swift-metrics counters by name and labels: made once, then only incremented.
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])

    /// SIP methods counted under their own name; anything else a scanner sends is "other",
    /// so junk methods cannot grow the label set without bound.
    static let sipMethods: [String] = [
        "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "UPDATE", "PRACK", "SUBSCRIBE", "NOTIFY",
        "REFER", "MESSAGE", "PUBLISH",
    ]

    /// Interarrival jitter (RFC 3550 §6.4.1) of each call's received stream: a phone on a
    /// good LAN stays under 5 ms; past 40 ms the jitter buffer starts to drop audio.
    private let jitter: CoreMetrics.Recorder
    private let sipRequests: [String: CoreMetrics.Counter]
    /// By status code: at most 600 entries (100...699), made on first use.
    private let sipResponses = Mutex<[Int: CoreMetrics.Counter]>([:])

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["simgate_media_jitter_milliseconds"] = [1, 2, 5, 10, 20, 40, 80, 160]
        self.factory = factory
        jitter = CoreMetrics.Recorder(label: "simgate_media_jitter_milliseconds", dimensions: [], aggregate: true, factory: factory)
        sipRequests = Dictionary(uniqueKeysWithValues: (Self.sipMethods + ["other"]).map { method in
            (method, CoreMetrics.Counter(label: "simgate_sip_requests_received_total", dimensions: [("method", method)], factory: factory))
        })
        // Callbacks are rare: their series exist from the start at 0, so a dashboard's
        // increase() has a baseline and an alert on "no recall ever reached anyone" can fire.
        for kind in ["manual", "recall"] {
            for outcome in CallbackOutcome.allCases { count("simgate_callbacks_total", [("kind", kind), ("outcome", outcome.rawValue)], by: 0) }
        }
        for result in ["reached", "gave_up"] { count("simgate_recalls_finished_total", [("result", result)], by: 0) }
        // SIP bans by reason (SIPService+Admission.swift): rare, so made at 0 for increase().
        for reason in ["auth-failures", "flood"] { count("simgate_sip_bans_total", [("reason", reason)], by: 0) }
    }

    /// Adds `n` to the counter `name` with `labels` (same names, same order each time).
    func count(_ name: String, _ labels: [(String, String)] = [], by n: Int = 1) {
        let key = labels.reduce(name) { $0 + "|" + $1.0 + "=" + $1.1 }
        let counter = counters.withLock { table in
            if let c = table[key] { return c }
            let c = CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
            table[key] = c
            return c
        }
        counter.increment(by: n)
    }

    /// Per SIP message: a dictionary read and an atomic add, no string built (the SIP path is
    /// a hot one: scanners send thousands of requests a second).
    func sipRequestReceived(method: String) {
        (sipRequests[method] ?? sipRequests["other"])?.increment()
    }

    func sipResponseSent(code: Int) {
        let counter = sipResponses.withLock { table in
            if let c = table[code] { return c }
            let c = CoreMetrics.Counter(label: "simgate_sip_responses_sent_total", dimensions: [("code", String(code))], factory: factory)
            table[code] = c
            return c
        }
        counter.increment()
    }

    /// One call over: its last attempt's cause is the outcome; every attempt counts by cause,
    /// and its media (the phone's stream as received) by packets, losses and jitter.
    func callEnded(direction: String, attempts: [CallBridge.AttemptResult]) {
        guard let outcome = attempts.last?.cause.kind.rawValue else { return }
        count("simgate_calls_total", [("direction", direction), ("outcome", outcome)])
        for attempt in attempts {
            count("simgate_call_attempts_total", [("direction", direction), ("cause", attempt.cause.kind.rawValue)])
            guard let media = attempt.media, media.received > 0 else { continue }
            count("simgate_media_rtp_packets_received_total", [("direction", direction)], by: media.received)
            count("simgate_media_rtp_packets_lost_total", [("direction", direction)], by: media.lost)
            jitter.record(media.jitterMilliseconds)
        }
    }
}
