// One table: why a GSM call ended → the SIP response the caller gets, the Reason header
// (RFC 3326, Q.850 cause), and whether the gateway may try the next modem.
//
// SIP codes follow RFC 3398 §8.2.6.1 (Q.850 cause → SIP status). A failure of the modem or
// the network (congestion, no service, AT errors, timeouts, the modem gone) is retried on the
// next modem before the caller hears anything but ringing; what the callee decided (busy, no
// answer, rejected, unknown number) is final: another SIM would get the same answer.

public struct CallCause: Equatable, Sendable {
    /// SIP final response for an unanswered call (487 when we hung up ourselves).
    public var sipStatus: Int
    public var sipReasonPhrase: String
    /// Q.850 cause for `Reason: Q.850;cause=N;text="..."` (RFC 3326).
    public var q850: Int
    public var q850Text: String
    /// Try the next candidate modem (only meaningful before the call was answered).
    public var retryOnNextModem: Bool

    /// `Q.850;cause=17;text="User busy"`.
    public var reasonHeader: String { "Q.850;cause=\(q850);text=\"\(q850Text)\"" }

    public static func of(_ cause: CallEndCause) -> CallCause {
        // A reported 24.008 cause is more precise than the kind (they share Q.850 numbering).
        if let cc = cause.ccCause, let exact = byQ850[cc] { return exact }
        switch cause.kind {
        case .normal: return make(480, "Temporarily Unavailable", 16, "Normal call clearing", retry: false)
        case .busy: return byQ850[17]!
        case .noAnswer: return byQ850[19]!
        case .rejected: return byQ850[21]!
        case .unassignedNumber: return byQ850[1]!
        case .congestion: return byQ850[34]!
        case .noDialtone: return make(503, "Service Unavailable", 41, "Temporary failure (no dial tone)", retry: true)
        case .noService: return byQ850[38]!
        case .modemError: return make(503, "Service Unavailable", 41, "Temporary failure (modem error)", retry: true)
        case .modemGone: return make(503, "Service Unavailable", 41, "Temporary failure (modem gone)", retry: true)
        case .localHangup: return make(487, "Request Terminated", 16, "Normal call clearing", retry: false)
        case .unknown: return make(480, "Temporarily Unavailable", 31, "Normal, unspecified", retry: false)
        }
    }

    /// A SIP final response from the called SIP user (inbound call) → the 24.008 cause the
    /// modem releases the GSM call with (AT+QHUP=<cause>; other vendors just hang up).
    public static func releaseCause(sipStatus: Int) -> Int {
        switch sipStatus {
        case 486, 600: return 17   // user busy
        case 408: return 18        // no user responding
        case 480, 487: return 19   // no answer (alerted) / caller gave up
        case 603: return 21        // call rejected
        case 404, 604: return 1    // unassigned number
        case 484: return 28        // invalid number format
        case 500...599: return 41  // temporary failure
        default: return 16         // normal clearing
        }
    }

    static func make(_ sip: Int, _ phrase: String, _ q850: Int, _ text: String, retry: Bool) -> CallCause {
        CallCause(sipStatus: sip, sipReasonPhrase: phrase, q850: q850, q850Text: text, retryOnNextModem: retry)
    }

    /// RFC 3398 §8.2.6.1, the causes GSM networks report.
    static let byQ850: [Int: CallCause] = [
        1: make(404, "Not Found", 1, "Unallocated (unassigned) number", retry: false),
        3: make(404, "Not Found", 3, "No route to destination", retry: false),
        // Not in RFC 3398: the subscription is barred or out of credit, so the next SIM may work.
        8: make(503, "Service Unavailable", 8, "Operator determined barring", retry: true),
        16: make(480, "Temporarily Unavailable", 16, "Normal call clearing", retry: false),
        17: make(486, "Busy Here", 17, "User busy", retry: false),
        18: make(408, "Request Timeout", 18, "No user responding", retry: false),
        19: make(480, "Temporarily Unavailable", 19, "No answer from user (user alerted)", retry: false),
        21: make(603, "Decline", 21, "Call rejected", retry: false),
        22: make(410, "Gone", 22, "Number changed", retry: false),
        27: make(502, "Bad Gateway", 27, "Destination out of order", retry: true),
        28: make(484, "Address Incomplete", 28, "Invalid number format", retry: false),
        31: make(480, "Temporarily Unavailable", 31, "Normal, unspecified", retry: false),
        34: make(503, "Service Unavailable", 34, "No circuit/channel available", retry: true),
        38: make(503, "Service Unavailable", 38, "Network out of order", retry: true),
        41: make(503, "Service Unavailable", 41, "Temporary failure", retry: true),
        42: make(503, "Service Unavailable", 42, "Switching equipment congestion", retry: true),
        47: make(503, "Service Unavailable", 47, "Resource unavailable, unspecified", retry: true),
    ]
}

extension CallCause {
    /// 3GPP TS 24.008 table 10.5.123 (cause IE, 10.5.4.11): what a network's release cause
    /// says, for `^CEND <cc_cause>`, `^DSCI` and +CEER-style reports. The numbering is Q.850's.
    public static let meanings24008: [Int: String] = [
        1: "unassigned (unallocated) number",
        3: "no route to destination",
        6: "channel unacceptable",
        8: "operator determined barring",
        16: "normal call clearing",
        17: "user busy",
        18: "no user responding",
        19: "user alerting, no answer",
        21: "call rejected",
        22: "number changed",
        24: "call rejected due to feature at the destination",
        25: "pre-emption",
        26: "non selected user clearing",
        27: "destination out of order",
        28: "invalid number format (incomplete number)",
        29: "facility rejected",
        30: "response to STATUS ENQUIRY",
        31: "normal, unspecified",
        34: "no circuit/channel available",
        38: "network out of order",
        41: "temporary failure",
        42: "switching equipment congestion",
        43: "access information discarded",
        44: "requested circuit/channel not available",
        46: "precedence call blocked",
        47: "resources unavailable, unspecified",
        49: "quality of service unavailable",
        50: "requested facility not subscribed",
        55: "incoming calls barred within the CUG",
        57: "bearer capability not authorized",
        58: "bearer capability not presently available",
        63: "service or option not available, unspecified",
        65: "bearer service not implemented",
        68: "ACM equal to or greater than ACMmax",
        69: "requested facility not implemented",
        70: "only restricted digital information bearer capability is available",
        79: "service or option not implemented, unspecified",
        81: "invalid transaction identifier value",
        87: "user not member of CUG",
        88: "incompatible destination",
        91: "invalid transit network selection",
        95: "semantically incorrect message",
        96: "invalid mandatory information",
        97: "message type non-existent or not implemented",
        98: "message type not compatible with protocol state",
        99: "information element non-existent or not implemented",
        100: "conditional IE error",
        101: "message not compatible with protocol state",
        102: "recovery on timer expiry",
        111: "protocol error, unspecified",
        127: "interworking, unspecified",
    ]
}
