// The SMS API types: POST /v1/sms, GET /v1/sms, GET /v1/sms/{id}, the sms.* webhook data, and
// the CLI's `simgate sms`. One message is one text as a person sees it, however many SMS parts
// (23.040 concatenation) carried it; each part keeps its own PDU, state and status report.
import Foundation

public enum SMSDirection: String, Codable, Sendable, CaseIterable {
    case inbound = "in"
    case outbound = "out"
}

/// Where a message stands.
///
/// Outbound: queued → sending → sent → delivered, or failed; `partial` when some parts were
/// delivered and others failed. Inbound: receiving (a multipart message waiting for parts) →
/// complete, or incomplete after `[sms] reassembly_timeout`; undecodable when the PDU could
/// not be read (it is kept raw with the decoder's error).
public enum SMSState: String, Codable, Sendable, CaseIterable {
    case queued, sending, sent, delivered, failed, partial
    case receiving, complete, incomplete, undecodable

    /// Nothing more will happen to the message on its own (a status report can still move
    /// a sent one to delivered, so `sent` is not final).
    public var isFinal: Bool {
        switch self {
        case .delivered, .failed, .partial, .complete, .incomplete, .undecodable: true
        case .queued, .sending, .sent, .receiving: false
        }
    }
}

/// One SMS part (one PDU).
public struct SMSPartInfo: Codable, Sendable, Equatable {
    /// 1-based sequence number within the message.
    public var number: Int
    /// The concatenation reference (UDH IE 0x00/0x08), nil for a single-part message.
    public var reference: Int?
    /// Outbound: queued, sending, sent, delivered, failed. Inbound: received.
    public var state: String
    /// Hex as the modem reads or writes it (SMSC field first).
    public var pdu: String
    /// TP-MR the network gave at +CMGS: what a status report names.
    public var messageReference: Int?
    public var modem: String?
    public var iccid: String?
    public var sentAt: Date?
    public var deliveredAt: Date?
    /// TP-ST of the status report, and its meaning (23.040 §9.2.3.15).
    public var reportStatus: Int?
    public var reportMeaning: String?
    public var text: String?
    public var error: String?

    public init(number: Int, reference: Int? = nil, state: String, pdu: String, messageReference: Int? = nil,
                modem: String? = nil, iccid: String? = nil, sentAt: Date? = nil, deliveredAt: Date? = nil,
                reportStatus: Int? = nil, reportMeaning: String? = nil, text: String? = nil, error: String? = nil) {
        self.number = number; self.reference = reference; self.state = state; self.pdu = pdu
        self.messageReference = messageReference; self.modem = modem; self.iccid = iccid; self.sentAt = sentAt
        self.deliveredAt = deliveredAt; self.reportStatus = reportStatus; self.reportMeaning = reportMeaning
        self.text = text; self.error = error
    }
}

/// An SMS-STATUS-REPORT as received, matched to a part or not (yet).
public struct SMSStatusReportInfo: Codable, Sendable, Equatable {
    public var messageReference: Int
    public var recipient: String
    public var status: Int
    public var meaning: String
    /// delivered, pending or failed.
    public var outcome: String
    /// TP-SCTS and TP-DT with the zone the SMSC gave ("2025-03-01T15:00:00+03:00").
    public var serviceCentreTime: String
    public var dischargeTime: String
    public var receivedAt: Date
    public var modem: String?
    /// The part it was matched to; nil while unmatched.
    public var partNumber: Int?

    public init(messageReference: Int, recipient: String, status: Int, meaning: String, outcome: String,
                serviceCentreTime: String, dischargeTime: String, receivedAt: Date, modem: String? = nil, partNumber: Int? = nil) {
        self.messageReference = messageReference; self.recipient = recipient; self.status = status; self.meaning = meaning
        self.outcome = outcome; self.serviceCentreTime = serviceCentreTime; self.dischargeTime = dischargeTime
        self.receivedAt = receivedAt; self.modem = modem; self.partNumber = partNumber
    }
}

public struct SMSMessage: Codable, Sendable, Equatable {
    public var id: Int64
    public var direction: SMSDirection
    public var state: SMSState
    /// The modem (and SIM) it came in on or went out through; for a queued message the
    /// one asked for, if any.
    public var modem: String?
    public var iccid: String?
    /// The other party: the sender of an inbound SMS, the recipient of an outbound one.
    public var peer: String
    public var text: String
    /// gsm7, ucs2 or 8bit.
    public var encoding: String?
    public var partsExpected: Int
    /// Inbound: parts received; outbound: parts sent (accepted by the network).
    public var partsDone: Int
    public var createdAt: Date
    /// `createdAt` in the box's zone at that moment, with its offset ("2025-03-01T15:00:00+03:00").
    public var createdLocal: String
    public var updatedAt: Date
    /// Inbound: TP-SCTS of the first part, with the SMSC's zone.
    public var serviceCentreTime: String?
    public var lastError: String?
    /// The `+CMS ERROR` code behind `lastError`, if one.
    public var lastCMS: Int?
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var deliveredAt: Date?
    /// The SIP or API user who sent it.
    public var user: String?
    public var parts: [SMSPartInfo]?
    public var reports: [SMSStatusReportInfo]?

    public init(id: Int64, direction: SMSDirection, state: SMSState, modem: String?, iccid: String?, peer: String, text: String,
                encoding: String?, partsExpected: Int, partsDone: Int, createdAt: Date, createdLocal: String, updatedAt: Date,
                serviceCentreTime: String? = nil, lastError: String? = nil, lastCMS: Int? = nil, attempts: Int = 0,
                nextAttemptAt: Date? = nil, deliveredAt: Date? = nil, user: String? = nil,
                parts: [SMSPartInfo]? = nil, reports: [SMSStatusReportInfo]? = nil) {
        self.id = id; self.direction = direction; self.state = state; self.modem = modem; self.iccid = iccid
        self.peer = peer; self.text = text; self.encoding = encoding; self.partsExpected = partsExpected
        self.partsDone = partsDone; self.createdAt = createdAt; self.createdLocal = createdLocal; self.updatedAt = updatedAt
        self.serviceCentreTime = serviceCentreTime; self.lastError = lastError; self.lastCMS = lastCMS
        self.attempts = attempts; self.nextAttemptAt = nextAttemptAt; self.deliveredAt = deliveredAt; self.user = user
        self.parts = parts; self.reports = reports
    }
}

/// POST /v1/sms. `modem` or `iccid` pins the SIM (no other is tried); otherwise the router
/// picks it (on-net first, then price, within each SIM's SMS limits).
public struct SMSSendRequest: Codable, Sendable, Equatable {
    public var to: String
    public var text: String
    public var modem: String?
    public var iccid: String?
    public var user: String?

    public init(to: String, text: String, modem: String? = nil, iccid: String? = nil, user: String? = nil) {
        self.to = to; self.text = text; self.modem = modem; self.iccid = iccid; self.user = user
    }
}

public struct SMSList: Codable, Sendable, Equatable {
    public var messages: [SMSMessage]
    public var generatedAt: Date
    public init(messages: [SMSMessage], generatedAt: Date) { self.messages = messages; self.generatedAt = generatedAt }
}

public enum SMSRoute {
    public static let list = "/v1/sms"
    public static func message(_ id: Int64) -> String { "/v1/sms/\(id)" }
}
