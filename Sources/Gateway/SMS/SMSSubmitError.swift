// Whether a failed AT+CMGS is worth trying again: the `+CMS ERROR` classes of 27.005 §3.2.5
// (300-500 the ME/TA's own codes) and 24.011 Annex E (1-127, RP causes the network sent back,
// passed through by the modem), plus the vendor range from 512.
//
// Temporary means "the same PDU may go through later or through another SIM": the network or
// the modem was unavailable. Permanent means resending the same PDU to the same number would
// fail the same way: the number or the PDU itself is wrong. SIM-refused means the network
// refuses this SIM's subscription (barred, not subscribed): the message may go through another
// SIM, and SIM health quarantines this one (SIMHealthService). An unknown code
// counts as temporary, bounded by `[sms] max_attempts`: retrying a few times costs less than
// dropping a message over a code nobody listed.
import ModemCore

public enum SMSSubmitErrorClass: String, Sendable, Equatable {
    case temporary, permanent
    case simRefused = "sim-refused"
}

public enum SMSSubmitError {
    /// The class of a `+CMS ERROR: code`, with the reason for the choice.
    public static func classify(cms code: Int) -> SMSSubmitErrorClass {
        switch code {
        // RP causes (24.011 Annex E, table E-2).
        case 1: .permanent     // unassigned (unallocated) number: the number does not exist
        case 8: .simRefused    // operator determined barring: the SIM may not send there
        case 10: .simRefused   // call barred: a barring service is active on the SIM
        case 17: .temporary    // network failure (24.011 E.2: "the network cannot deliver now")
        case 21: .permanent    // short message transfer rejected: the SC refused this message
        case 22: .temporary    // congestion / memory capacity exceeded: the SC is full for now
        case 27: .permanent    // destination out of order: the recipient's side is unusable
        case 28: .permanent    // unidentified subscriber
        case 29: .simRefused   // facility rejected: the SIM's subscription lacks the service
        case 30: .permanent    // unknown subscriber (HLR does not know the number)
        case 38: .temporary    // network out of order: expected to clear
        case 41: .temporary    // temporary failure (named so)
        case 42: .temporary    // congestion
        case 47: .temporary    // resources unavailable, unspecified
        case 50: .simRefused   // requested facility not subscribed: this SIM has no SMS
        case 69: .permanent    // requested facility not implemented
        case 81: .permanent    // invalid short message transfer reference value: a malformed RP
        case 95...99: .permanent   // invalid message / IE errors: the PDU is wrong and stays wrong
        case 111: .permanent   // protocol error, unspecified
        case 127: .temporary   // interworking unspecified: often a passing gateway fault
        // ME/TA codes (27.005 §3.2.5).
        case 300: .temporary   // ME failure: the next SIM (another modem) may well work
        case 301: .temporary   // SMS service of ME reserved: busy with another SMS operation
        case 302: .temporary   // operation not allowed: seen during a call or while registering
        case 303: .permanent   // operation not supported by this modem
        case 304: .permanent   // invalid PDU mode parameter: our PDU is wrong (IceWarp deletes on it too)
        case 305: .permanent   // invalid text mode parameter: likewise
        case 310...313: .temporary // SIM not inserted / PIN / PH-SIM PIN / SIM failure: this SIM, another may do
        case 314: .temporary   // SIM busy
        case 315...318: .temporary // SIM wrong / PUK / PIN2 / PUK2: this SIM is unusable, another is not
        case 320: .temporary   // memory failure
        case 321: .permanent   // invalid memory index: never right for +CMGS
        case 322: .temporary   // memory full
        case 330: .temporary   // SMSC address unknown: this SIM lacks AT+CSCA, another SIM may have it
        case 331: .temporary   // no network service
        case 332: .temporary   // network timeout
        case 340: .permanent   // no +CNMA acknowledgement expected: a protocol mix-up, not a send failure
        case 500: .temporary   // unknown error: usually weak signal (NowSMS), retried
        case 512...: .temporary // vendor codes: 512 SIM not ready / MM establishment failure, 513-531 state errors
        default: .temporary    // unlisted: retried within max_attempts (see the file comment)
        }
    }

    /// A short meaning for a code the modem gave without words.
    public static func meaning(cms code: Int) -> String {
        switch code {
        case 1: "unassigned number"
        case 8: "operator determined barring"
        case 10: "call barred"
        case 17: "network failure"
        case 21: "short message transfer rejected"
        case 22: "congestion or memory capacity exceeded"
        case 27: "destination out of order"
        case 28: "unidentified subscriber"
        case 29: "facility rejected"
        case 30: "unknown subscriber"
        case 38: "network out of order"
        case 41: "temporary failure"
        case 42: "congestion"
        case 47: "resources unavailable"
        case 50: "requested facility not subscribed"
        case 69: "requested facility not implemented"
        case 95...99: "invalid message"
        case 111: "protocol error"
        case 127: "interworking unspecified"
        case 300: "ME failure"
        case 301: "SMS service of ME reserved"
        case 302: "operation not allowed"
        case 303: "operation not supported"
        case 304: "invalid PDU mode parameter"
        case 305: "invalid text mode parameter"
        case 310: "SIM not inserted"
        case 311: "SIM PIN required"
        case 313: "SIM failure"
        case 314: "SIM busy"
        case 320: "memory failure"
        case 321: "invalid memory index"
        case 322: "memory full"
        case 330: "SMSC address unknown"
        case 331: "no network service"
        case 332: "network timeout"
        case 340: "no +CNMA acknowledgement expected"
        case 500: "unknown error"
        case 512: "SIM not ready / MM establishment failure"
        default: "error \(code)"
        }
    }

    /// What a failed submit means for the part: `failed(String)` (no answer, no prompt, modem
    /// gone) is a modem problem, so temporary.
    public static func classify(_ result: SMSSubmitResult) -> (SMSSubmitErrorClass, cms: Int?, text: String)? {
        switch result {
        case .sent: return nil
        case let .rejected(cms, text):
            let words = text.isEmpty ? meaning(cms: cms) : text
            return (classify(cms: cms), cms, "+CMS ERROR: \(cms) (\(words))")
        case let .failed(reason):
            return (.temporary, nil, reason)
        }
    }
}

/// Exponential backoff of one message's retries: `initial`, doubled per attempt, capped at `max`.
public struct SMSRetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var initialSeconds: Double
    public var maxSeconds: Double

    public init(maxAttempts: Int, initialSeconds: Double, maxSeconds: Double) {
        self.maxAttempts = maxAttempts
        self.initialSeconds = initialSeconds
        self.maxSeconds = maxSeconds
    }

    /// The delay before attempt `attempts + 1`, after `attempts` failed ones; nil when no attempt is left.
    public func delay(afterAttempts attempts: Int) -> Double? {
        guard attempts < maxAttempts else { return nil }
        let exponent = Double(max(0, attempts - 1))
        return min(maxSeconds, initialSeconds * pow2(exponent))
    }

    private func pow2(_ e: Double) -> Double { e >= 60 ? .greatestFiniteMagnitude : Double(1 << Int(e)) }
}
