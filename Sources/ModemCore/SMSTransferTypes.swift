// What the modem layer hands the gateway about SMS, and what it answers to a send.
//
// ModemCore moves SMS as 27.005 PDU-mode octets and never decodes them: the TPDU codec is
// SMSCore's (one codec, shared), and the gateway is where the two meet. Keeping PDUs opaque
// here also keeps ModemCore free of an SMSCore dependency.

/// A place in a modem's message storage (27.005 `<mem>` and `<index>`): "SM" the SIM, "ME"
/// the modem's own memory, "MT" both, "SR" status reports.
public struct SMSStorageSlot: Hashable, Sendable, Codable, CustomStringConvertible {
    public var storage: String
    public var index: Int

    public init(storage: String, index: Int) {
        self.storage = storage
        self.index = index
    }

    public var description: String { "\(storage)#\(index)" }
}

/// One PDU as the modem gave it: the SMSC address octets first, then the TPDU
/// (SMS-DELIVER or SMS-STATUS-REPORT).
public struct ReceivedSMSPDU: Sendable, Equatable {
    public var pdu: [UInt8]
    /// Where it is stored; nil when the modem routed it straight to us (`+CMT`/`+CDS`).
    public var slot: SMSStorageSlot?
    /// `<stat>` from `+CMGR`/`+CMGL` (0 received unread, 1 received read); nil for `+CMT`/`+CDS`.
    public var status: Int?
    /// True when the modem announced it as a status report (`+CDS`, `+CDSI`, storage "SR").
    public var isStatusReport: Bool

    public init(pdu: [UInt8], slot: SMSStorageSlot?, status: Int?, isStatusReport: Bool) {
        self.pdu = pdu
        self.slot = slot
        self.status = status
        self.isStatusReport = isStatusReport
    }
}

/// A message arriving from a modem.
public enum IncomingSMS: Sendable, Equatable {
    /// Read from the modem's storage (after `+CMTI`/`+CDSI`, or by the `+CMGL` scan at every
    /// start and reconnect). It stays on the SIM until the gateway reports it durably saved
    /// (`smsPersisted`), so a crash in between loses nothing: the next scan finds it again.
    case stored(ReceivedSMSPDU)
    /// Routed straight to us (`+CMT`/`+CDS`) and acknowledged to the network: it exists
    /// nowhere else, so the gateway must persist it.
    case delivered(ReceivedSMSPDU)
    /// The storage reported itself full (`+CMS ERROR: 322`, `^SMMEMFULL`); the controller has
    /// started a scan that reads and clears it.
    case storageFull(storage: String)
}

/// How an `AT+CMGS` ended.
public enum SMSSubmitResult: Sendable, Equatable {
    /// The network accepted it: `+CMGS: <mr>`, the TP-Message-Reference a status report names.
    case sent(messageReference: Int)
    /// `+CMS ERROR: <code>` (27.005 §3.2.5); `text` is the code's meaning or the modem's words.
    case rejected(cms: Int, text: String)
    /// No answer, no `> ` prompt, a plain `ERROR`, the port closed or the modem not ready.
    case failed(String)
}
