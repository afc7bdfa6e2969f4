// The seam between the missed-call list and the call bridge: a callback rings the
// dispatcher's phone first and, once they answer, dials the customer (by default from the
// SIM the customer called, so they see a number they know). The bridge implements it.
import Foundation

public struct CallbackRequest: Sendable, Equatable {
    public var taskID: Int64
    public var missedCallID: Int64
    /// The SIP user whose phone rings first.
    public var user: String
    public var customer: String
    /// The SIM the customer called; the bridge falls back to the cheapest route when it is
    /// not available.
    public var preferredSIM: String?
    public init(taskID: Int64, missedCallID: Int64, user: String, customer: String, preferredSIM: String?) {
        self.taskID = taskID; self.missedCallID = missedCallID; self.user = user; self.customer = customer
        self.preferredSIM = preferredSIM
    }
}

/// How one callback attempt ended.
public enum CallbackOutcome: String, Sendable, Equatable, CaseIterable {
    /// The customer answered and spoke with the dispatcher.
    case connected
    case customerNoAnswer = "no-answer"
    case customerBusy = "busy"
    /// The dispatcher's phone did not answer, so the customer was never dialled.
    case dispatcherNoAnswer = "dispatcher-no-answer"
    /// No SIM, modem error, network failure.
    case failed

    public var reachedCustomer: Bool { self == .connected }
}

public protocol CallbackDialer: Sendable {
    /// Places the callback and returns when it has ended (or failed to start).
    func dial(_ request: CallbackRequest) async -> CallbackOutcome
}
