/// TP-ST of an SMS-STATUS-REPORT (23.040 §9.2.3.15).
public struct DeliveryStatus: Sendable, Hashable {
    public var raw: UInt8

    public init(raw: UInt8) { self.raw = raw }

    public enum Outcome: String, Sendable { case delivered, pending, failed }

    /// 0x00-0x1F the transaction completed, 0x20-0x3F the SC is still trying, 0x40-0x7F it
    /// gave up (0x40-0x5F permanent error, 0x60-0x7F temporary error but the SC stopped).
    /// Values with bit 7 set are reserved; treated as failed, as chan_dongle does (`st & 0x40`
    /// would miss them, but nothing more will come for them either).
    public var outcome: Outcome {
        switch raw {
        case 0x00...0x1F: .delivered
        case 0x20...0x3F: .pending
        default: .failed
        }
    }

    public var meaning: String {
        switch raw {
        case 0x00: "received by SME"
        case 0x01: "forwarded to SME, delivery unconfirmed"
        case 0x02: "replaced by the SC"
        case 0x03...0x0F: "completed (reserved value)"
        case 0x10...0x1F: "completed (SC-specific value)"
        case 0x20: "congestion, SC still trying"
        case 0x21: "SME busy, SC still trying"
        case 0x22: "no response from SME, SC still trying"
        case 0x23: "service rejected, SC still trying"
        case 0x24: "quality of service not available, SC still trying"
        case 0x25: "error in SME, SC still trying"
        case 0x26...0x2F: "temporary error, SC still trying (reserved value)"
        case 0x30...0x3F: "temporary error, SC still trying (SC-specific value)"
        case 0x40: "remote procedure error"
        case 0x41: "incompatible destination"
        case 0x42: "connection rejected by SME"
        case 0x43: "not obtainable"
        case 0x44: "quality of service not available"
        case 0x45: "no interworking available"
        case 0x46: "validity period expired"
        case 0x47: "deleted by originating SME"
        case 0x48: "deleted by SC administration"
        case 0x49: "message does not exist"
        case 0x4A...0x4F: "permanent error (reserved value)"
        case 0x50...0x5F: "permanent error (SC-specific value)"
        case 0x60: "congestion, SC stopped trying"
        case 0x61: "SME busy, SC stopped trying"
        case 0x62: "no response from SME, SC stopped trying"
        case 0x63: "service rejected, SC stopped trying"
        case 0x64: "quality of service not available, SC stopped trying"
        case 0x65: "error in SME, SC stopped trying"
        case 0x66...0x6F: "temporary error, SC stopped trying (reserved value)"
        case 0x70...0x7F: "temporary error, SC stopped trying (SC-specific value)"
        default: "reserved status value"
        }
    }
}
