// SIGHUP: read the config file again and apply what can change without dropping a call.
//
// Applied at once: `[daemon] log_level` (every logger made from the daemon's follows it) and
// the numbering data (re-read from the files `[routing]` names). Everything else — modems,
// SIP, users, routing rules, webhooks, the control API — is wired into running parts whose
// state (registrations, calls up, open ports) a swap would break, so a change there is named
// in one warning as waiting for a restart, never half-applied. A file with errors changes
// nothing and its errors are logged with their lines.
import Logging
import SimgateConfig
import Synchronization

/// The daemon's log level, shared by every copy of its logger.
final class LiveLogLevel: Sendable {
    private let value: Mutex<Logger.Level>
    init(_ level: Logger.Level) { value = Mutex(level) }
    var level: Logger.Level {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// Wraps whatever handler LoggingSystem makes, taking its level from a `LiveLogLevel`. A
/// copy that sets its own level (the control API's quieter logger) keeps that level.
struct LiveLevelLogHandler: LogHandler {
    private var inner: any LogHandler
    private let live: LiveLogLevel
    private var ownLevel: Logger.Level?

    init(inner: any LogHandler, live: LiveLogLevel) {
        var inner = inner
        inner.logLevel = .trace  // filtering is done here
        self.inner = inner
        self.live = live
    }

    var logLevel: Logger.Level {
        get { ownLevel ?? live.level }
        set { ownLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        inner.log(event: event)
    }
}

enum ConfigReload {
    /// The config sections that differ between what runs and what the file now says, named
    /// as in the file; the log level is left out (it is applied live).
    static func sectionsNeedingRestart(running: GatewayConfig, file: GatewayConfig) -> [String] {
        var changed: [String] = []
        func compare<T: Equatable>(_ name: String, _ value: (GatewayConfig) -> T) {
            if value(running) != value(file) { changed.append(name) }
        }
        compare("[daemon] state_dir") { $0.daemon.stateDirectory }
        compare("[control]") { $0.control }
        compare("[modems]") { $0.modemPool }
        compare("[[modem]]") { $0.modems }
        compare("[sip]") { $0.sip }
        compare("[[user]]") { $0.users }
        compare("[[trunk]]") { $0.trunks }
        compare("[routing]") { $0.routing }
        compare("[[sim]]") { $0.sims }
        compare("[[group]]") { $0.groups }
        compare("[[webhook]], [[ring_group]], [[queue]], [[inbound]]") { $0.inbound }
        compare("[sms]") { $0.sms }
        compare("[metrics]") { $0.metrics }
        return changed
    }
}
