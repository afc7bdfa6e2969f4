/// One TPDU as a modem reads or sends it, told apart by TP-MTI (23.040 §9.2.3.1).
public enum SMSPDU: Sendable, Hashable {
    case deliver(SMSDeliver)
    case submit(SMSSubmit)
    case statusReport(SMSStatusReport)
}

extension SMSPDU {
    /// `includesSMSC`: the +CMGR/+CMGL/+CMT/+CDS form (24.011 SMSC address first; "00" = none).
    /// MTI 01 from storage is a SUBMIT the TE wrote; a SUBMIT-REPORT never reaches this
    /// decoder (the modem answers +CMGS with the MR instead), so MTI 01 reads as SUBMIT.
    public static func decode(hex: String, includesSMSC: Bool = true) throws(PDUError) -> SMSPDU {
        try decode(octets: try HexText.octets(hex), includesSMSC: includesSMSC)
    }

    public static func decode(octets: [UInt8], includesSMSC: Bool = true) throws(PDUError) -> SMSPDU {
        var reader = PDUReader(octets)
        let smsc = includesSMSC ? try SMSAddress.decodeSMSC(&reader) : nil
        guard reader.remaining > 0 else {
            throw PDUError(octet: reader.position, reason: "PDU ends before the first octet of the TPDU")
        }
        let start = reader.position
        let first = reader.octets[start]
        let pdu: SMSPDU
        switch first & 0x03 {
        case 0b00: pdu = .deliver(try SMSDeliver.decode(&reader, smsc: smsc))
        case 0b01: pdu = .submit(try SMSSubmit.decode(&reader, smsc: smsc))
        case 0b10: pdu = .statusReport(try SMSStatusReport.decode(&reader, smsc: smsc))
        default:
            throw PDUError(octet: start, reason: "TP-MTI 11 is reserved (first octet 0x\(HexText.string([first])))")
        }
        return pdu
    }

    public var encoded: EncodedPDU {
        switch self {
        case .deliver(let deliver): deliver.encoded()
        case .submit(let submit): submit.encoded()
        case .statusReport(let report): report.encoded()
        }
    }
}

/// A PDU ready for the AT layer.
public struct EncodedPDU: Sendable, Hashable {
    /// Uppercase hex, SMSC field first ("00" = use the SIM's SMSC).
    public var hex: String
    /// Octets after the SMSC field: the <length> of AT+CMGS (27.005 §3.5.1).
    public var tpduLength: Int

    public init(hex: String, tpduLength: Int) {
        self.hex = hex
        self.tpduLength = tpduLength
    }

    init(smsc: [UInt8], tpdu: [UInt8]) {
        self.init(hex: HexText.string(smsc + tpdu), tpduLength: tpdu.count)
    }
}
