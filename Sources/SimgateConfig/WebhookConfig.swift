// [[webhook]]: an HTTP endpoint (a CRM, a chat bot) told about calls and missed calls.
//
//   [[webhook]]
//   name = "crm"                                  # optional; default "webhook<N>"
//   url = "http://10.0.0.7:8080/simgate/events"   # or https://crm.example.com/hooks
//   ca_file = "/etc/simgate/crm-ca.pem"           # optional: trust these PEM certificates
//                                                 # instead of the system's (https only)
//   secret = "at least 16 characters"             # HMAC-SHA256 key; never logged
//   events = ["call.missed", "missed.updated"]    # optional; default: every event
//   timeout = 10                                  # seconds per attempt
//   max_attempts = 10                             # then the delivery is marked failed
//   retry_initial = 5                             # first retry delay; doubles each time
//   retry_max = 3600                              # cap on one delay
import Foundation

public struct WebhookConfig: Sendable, Equatable {
    /// Every event simgate sends. A CRM that wants all of them leaves `events` out.
    public static let eventTypes = ["call.ringing", "call.answered", "call.ended", "call.missed", "missed.updated",
                                     "sms.received", "sms.status"]
    /// Same floor as the control API's token: shorter keys are guessable.
    public static let minimumSecretLength = 16

    public var name: String
    /// The URL as written, for display.
    public var url: String
    public var host: String
    public var port: Int
    /// Path and query, starting with "/".
    public var path: String
    /// https: the delivery goes over TLS, checked against the system's roots or `caFile`.
    public var tls: Bool
    public var caFile: String?
    public var secret: SecretString
    /// Empty: every event.
    public var events: [String]
    public var timeoutSeconds: Double
    public var maxAttempts: Int
    public var retryInitialSeconds: Double
    public var retryMaxSeconds: Double

    public init(name: String, url: String, host: String, port: Int, path: String, tls: Bool = false, caFile: String? = nil,
                secret: SecretString, events: [String] = [],
                timeoutSeconds: Double = 10, maxAttempts: Int = 10, retryInitialSeconds: Double = 5, retryMaxSeconds: Double = 3600) {
        self.name = name; self.url = url; self.host = host; self.port = port; self.path = path; self.secret = secret
        self.tls = tls; self.caFile = caFile
        self.events = events; self.timeoutSeconds = timeoutSeconds; self.maxAttempts = maxAttempts
        self.retryInitialSeconds = retryInitialSeconds; self.retryMaxSeconds = retryMaxSeconds
    }

    public func wants(_ eventType: String) -> Bool { events.isEmpty || events.contains(eventType) }

    /// Splits an http or https URL into host, port, path and whether it is TLS; a message when
    /// it is not one we can use.
    public static func parseURL(_ text: String) -> Result<(host: String, port: Int, path: String, tls: Bool), WebhookURLProblem> {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return .failure(WebhookURLProblem(message: "not a URL: \"\(text)\" (expected http[s]://host[:port]/path)"))
        }
        guard scheme == "http" || scheme == "https" else {
            return .failure(WebhookURLProblem(message: "unsupported scheme \"\(scheme)\" (expected http[s]://host[:port]/path)"))
        }
        let tls = scheme == "https"
        guard let host = components.host, !host.isEmpty else {
            return .failure(WebhookURLProblem(message: "missing host in \"\(text)\""))
        }
        if components.user != nil || components.password != nil {
            return .failure(WebhookURLProblem(message: "credentials in the URL would be logged; use secret instead"))
        }
        let port = components.port ?? (tls ? 443 : 80)
        guard (1...65535).contains(port) else {
            return .failure(WebhookURLProblem(message: "port must be between 1 and 65535, got \(port)"))
        }
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        return .success((host, port, path, tls))
    }

    static func decode(reading r: TableReader, index: Int) -> WebhookConfig? {
        let name = r.string("name", validate: { s in
            s.isEmpty || s.count > 64 || s.contains(where: { $0.isWhitespace }) ? "must be 1 to 64 characters without spaces" : nil
        }) ?? "webhook\(index)"
        var parsed: (host: String, port: Int, path: String, tls: Bool)?
        let url = r.string("url", required: true, validate: { s in
            switch parseURL(s) {
            case .success(let p): parsed = p; return nil
            case .failure(let problem): return problem.message
            }
        })
        // Never echo the secret in a message.
        let secret = r.secret("secret", required: true, validate: { s in
            s.count < minimumSecretLength ? "too short: use at least \(minimumSecretLength) characters (e.g. openssl rand -hex 16)" : nil
        })
        let events = r.stringArray("events", validate: { s in
            eventTypes.contains(s) ? nil : "unknown event \"\(s)\"; known: \(eventTypes.joined(separator: ", "))"
        }) ?? []
        let caFile = r.string("ca_file", validate: { s in s.hasPrefix("/") ? nil : "must be an absolute path" })
        if caFile != nil, parsed?.tls == false { r.report("ca_file", "only an https url uses ca_file") }
        let timeout = r.number("timeout", in: 0.1...300) ?? 10
        let maxAttempts = r.integer("max_attempts", in: 1...1000).map(Int.init) ?? 10
        let retryInitial = r.number("retry_initial", in: 0.01...86_400) ?? 5
        let retryMax = r.number("retry_max", in: 0.01...604_800) ?? 3600
        if retryMax < retryInitial { r.report("retry_max", "must not be less than retry_initial") }
        r.finish()
        guard let url, let parsed, let secret, retryMax >= retryInitial, caFile == nil || parsed.tls else { return nil }
        return WebhookConfig(name: name, url: url, host: parsed.host, port: parsed.port, path: parsed.path,
                             tls: parsed.tls, caFile: caFile, secret: secret,
                             events: events, timeoutSeconds: timeout, maxAttempts: maxAttempts,
                             retryInitialSeconds: retryInitial, retryMaxSeconds: retryMax)
    }
}

public struct WebhookURLProblem: Error, Sendable, Equatable {
    public var message: String
}
