/// SMS-STATUS-REPORT (23.040 §9.2.2.3): what became of a SUBMIT that asked for a report.
/// First octet: b6 UDHI, b5 SRQ, b2 MMS, b1b0 MTI 10. Then MR, RA, SCTS (7), DT (7), ST,
/// and optionally TP-PI with the PID, DCS and UDL/UD it announces.
public struct SMSStatusReport: Sendable, Hashable {
    public var smsc: SMSAddress?
    /// TP-MR of the SUBMIT this reports on (what +CMGS answered).
    public var messageReference: Int
    public var recipient: SMSAddress
    public var serviceCentreTime: SMSTimestamp
    /// TP-DT: when the SC delivered it, or gave up.
    public var dischargeTime: SMSTimestamp
    public var status: DeliveryStatus

    public init(smsc: SMSAddress? = nil, messageReference: Int, recipient: SMSAddress, serviceCentreTime: SMSTimestamp,
                dischargeTime: SMSTimestamp, status: DeliveryStatus) {
        self.smsc = smsc
        self.messageReference = messageReference
        self.recipient = recipient
        self.serviceCentreTime = serviceCentreTime
        self.dischargeTime = dischargeTime
        self.status = status
    }

    static func decode(_ reader: inout PDUReader, smsc: SMSAddress?) throws(PDUError) -> SMSStatusReport {
        let first = try reader.octet("the first octet")
        let reference = Int(try reader.octet("TP-MR"))
        let recipient = try SMSAddress.decodeTP(&reader, "TP-RA")
        let sent = try SMSTimestamp.decode(&reader, "TP-SCTS")
        let discharged = try SMSTimestamp.decode(&reader, "TP-DT")
        let status = DeliveryStatus(raw: try reader.octet("TP-ST"))
        // TP-PI and what it announces are optional and carry nothing this type keeps. SCs and
        // modems append odd octets here (padding, a PI of FF); a report whose MR, RA and ST
        // are whole is not thrown away for them.
        if reader.remaining > 0 { _ = try? skipParameters(&reader, first: first) }
        return SMSStatusReport(smsc: smsc, messageReference: reference, recipient: recipient,
                               serviceCentreTime: sent, dischargeTime: discharged, status: status)
    }

    private static func skipParameters(_ reader: inout PDUReader, first: UInt8) throws(PDUError) {
        let indicator = try reader.octet("TP-PI")
        var extra = indicator
        while extra & 0x80 != 0, reader.remaining > 0 { extra = try reader.octet("TP-PI extension") }
        if indicator & 0x01 != 0 { _ = try reader.octet("TP-PID") }
        let dcs = indicator & 0x02 != 0 ? DataCodingScheme(raw: try reader.octet("TP-DCS")) : .gsm7
        if indicator & 0x04 != 0 { _ = try UserData.decode(&reader, hasHeader: first & 0x40 != 0, coding: dcs) }
    }

    /// The form an SC sends: no TP-PI, report qualifier 0 (a SUBMIT's report), no more messages.
    public func encoded() -> EncodedPDU {
        var tpdu: [UInt8] = [0x06, UInt8(messageReference & 0xFF)]
        tpdu += recipient.encodedTP()
        tpdu += serviceCentreTime.encoded()
        tpdu += dischargeTime.encoded()
        tpdu.append(status.raw)
        return EncodedPDU(smsc: SMSAddress.encodedSMSC(smsc), tpdu: tpdu)
    }
}
