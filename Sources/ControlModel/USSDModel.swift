// The control API's USSD shapes: `POST /v1/modems/{id}/ussd` and `/v1/modems/{id}/ussd/cancel`.

/// Body of `POST /v1/modems/{id}/ussd`: a code to start a session, or the answer to the
/// open menu (exactly one of the two).
public struct USSDRequestBody: Codable, Sendable {
    public var code: String?
    public var reply: String?
    public init(code: String? = nil, reply: String? = nil) { self.code = code; self.reply = reply }
}

/// What a USSD request came to.
public struct USSDResultInfo: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// The final answer (m=0, or m=2 with a text).
        case reply
        /// A menu: answer it with `reply` (m=1).
        case menu
        case failed
        case cancelled
    }
    public var modem: String
    public var outcome: Outcome
    /// +CUSD <m>.
    public var status: Int?
    /// The decoded text.
    public var text: String?
    /// `<str>` as the modem printed it.
    public var raw: String?
    public var dcs: Int?
    /// "UCS2", "GSM7-packed" or "text".
    public var encoding: String?
    /// Why it failed.
    public var error: String?

    public init(modem: String, outcome: Outcome, status: Int? = nil, text: String? = nil, raw: String? = nil,
                dcs: Int? = nil, encoding: String? = nil, error: String? = nil) {
        self.modem = modem; self.outcome = outcome; self.status = status; self.text = text; self.raw = raw
        self.dcs = dcs; self.encoding = encoding; self.error = error
    }
}

extension ControlRoute {
    public static func modemUSSD(_ id: String) -> String { "/v1/modems/\(id)/ussd" }
    public static func modemUSSDCancel(_ id: String) -> String { "/v1/modems/\(id)/ussd/cancel" }
}
