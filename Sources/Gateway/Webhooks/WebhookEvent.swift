// What a webhook receives: one JSON object per event.
//
//   {"data": {...}, "id": "6F9619FF-...", "occurredAt": "2025-03-01T12:00:00Z",
//    "timestamp": 1740830400, "type": "call.missed"}
//
// `timestamp` (Unix seconds) is also sent as the X-Simgate-Timestamp header. Because it is
// inside the signed body, a receiver that rejects old timestamps is protected from replays.
import ControlModel
import Foundation

public enum WebhookEventType: String, Sendable, CaseIterable, Codable {
    case callRinging = "call.ringing"
    case callAnswered = "call.answered"
    case callEnded = "call.ended"
    case callMissed = "call.missed"
    case missedUpdated = "missed.updated"
    /// An inbound SMS is complete, or incomplete after the reassembly timeout, or undecodable.
    case smsReceived = "sms.received"
    /// An outbound SMS changed state (queued, sending, sent, delivered, failed, partial).
    case smsStatus = "sms.status"
    /// A balance check read an amount below the SIM's `min_balance`: it left routing.
    case simLowBalance = "sim.low_balance"
    /// SIM care took a SIM out of routing for a cool-down (calls failing on the network side,
    /// registration denied), or a trial call after the cool-down failed again.
    case simQuarantined = "sim.quarantined"
}

/// The `data` of the call.* events, filled by the call bridge.
public struct CallEventData: Codable, Sendable, Equatable {
    public var callID: String
    /// "inbound" or "outbound".
    public var direction: String
    public var caller: String?
    public var callee: String?
    public var sim: String?
    public var line: String?
    /// The dispatcher (SIP user) on the call, when one answered or dialled.
    public var user: String?
    public var reason: String?
    public var durationSeconds: Double?

    public init(callID: String, direction: String, caller: String? = nil, callee: String? = nil, sim: String? = nil,
                line: String? = nil, user: String? = nil, reason: String? = nil, durationSeconds: Double? = nil) {
        self.callID = callID; self.direction = direction; self.caller = caller; self.callee = callee; self.sim = sim
        self.line = line; self.user = user; self.reason = reason; self.durationSeconds = durationSeconds
    }
}

public struct WebhookEvent: Sendable, Equatable {
    public var id: String
    public var type: WebhookEventType
    public var occurredAt: Date
    /// The encoded `data` object.
    public var data: [UInt8]

    public init<Data: Encodable>(type: WebhookEventType, occurredAt: Date, data: Data, id: String = UUID().uuidString) throws {
        self.id = id
        self.type = type
        self.occurredAt = occurredAt
        self.data = Array(try ControlJSON.encoder().encode(data))
    }

    public static func missed(_ entry: MissedCallEntry, type: WebhookEventType = .missedUpdated, at now: Date) throws -> WebhookEvent {
        var plain = entry
        plain.history = nil
        return try WebhookEvent(type: type, occurredAt: now, data: plain)
    }

    /// Whole seconds since 1970, as the timestamp header and body field carry it.
    public var timestamp: Int64 { Int64(occurredAt.timeIntervalSince1970.rounded(.down)) }

    /// The exact bytes POSTed: keys sorted, so the same event always has the same body.
    public var body: [UInt8] {
        var out = Array("{\"data\":".utf8)
        out += data
        out += Array(",\"id\":\"\(id)\",\"occurredAt\":\"\(ISO8601DateFormatter().string(from: occurredAt))\",\"timestamp\":\(timestamp),\"type\":\"\(type.rawValue)\"}".utf8)
        return out
    }
}
