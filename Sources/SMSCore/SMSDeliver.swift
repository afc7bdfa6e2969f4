/// SMS-DELIVER (23.040 §9.2.2.1): a message from the SC to the MS. First octet: b7 RP,
/// b6 UDHI, b5 SRI, b2 MMS (0 = more messages waiting), b1b0 MTI 00. Then OA, PID, DCS,
/// SCTS (7), UDL, UD.
public struct SMSDeliver: Sendable, Hashable {
    public var smsc: SMSAddress?
    public var originator: SMSAddress
    public var protocolIdentifier: UInt8
    public var dataCoding: DataCodingScheme
    public var serviceCentreTime: SMSTimestamp
    public var header: UserDataHeader?
    /// Decoded text; "" for 8-bit data and compressed text.
    public var text: String
    /// The TP-UD octets after the UDH (packed septets for GSM-7, with the fill bits).
    public var userData: [UInt8]
    public var moreMessagesToSend: Bool
    public var statusReportIndication: Bool
    /// TP-RP: a reply may go through the same SC.
    public var replyPath: Bool

    public init(smsc: SMSAddress? = nil, originator: SMSAddress, protocolIdentifier: UInt8 = 0,
                dataCoding: DataCodingScheme, serviceCentreTime: SMSTimestamp, header: UserDataHeader? = nil,
                text: String, userData: [UInt8] = [], moreMessagesToSend: Bool = false,
                statusReportIndication: Bool = false, replyPath: Bool = false) {
        self.smsc = smsc
        self.originator = originator
        self.protocolIdentifier = protocolIdentifier
        self.dataCoding = dataCoding
        self.serviceCentreTime = serviceCentreTime
        self.header = header
        self.text = text
        self.userData = userData
        self.moreMessagesToSend = moreMessagesToSend
        self.statusReportIndication = statusReportIndication
        self.replyPath = replyPath
    }

    static func decode(_ reader: inout PDUReader, smsc: SMSAddress?) throws(PDUError) -> SMSDeliver {
        let first = try reader.octet("the first octet")
        let originator = try SMSAddress.decodeTP(&reader, "TP-OA")
        let pid = try reader.octet("TP-PID")
        let dcs = DataCodingScheme(raw: try reader.octet("TP-DCS"))
        let time = try SMSTimestamp.decode(&reader, "TP-SCTS")
        let ud = try UserData.decode(&reader, hasHeader: first & 0x40 != 0, coding: dcs)
        return SMSDeliver(smsc: smsc, originator: originator, protocolIdentifier: pid, dataCoding: dcs,
                          serviceCentreTime: time, header: ud.header, text: ud.text, userData: ud.payload,
                          moreMessagesToSend: first & 0x04 == 0, statusReportIndication: first & 0x20 != 0,
                          replyPath: first & 0x80 != 0)
    }

    public func encoded() -> EncodedPDU {
        var first: UInt8 = 0x00
        if !moreMessagesToSend { first |= 0x04 }
        if statusReportIndication { first |= 0x20 }
        if header != nil { first |= 0x40 }
        if replyPath { first |= 0x80 }
        var tpdu: [UInt8] = [first]
        tpdu += originator.encodedTP()
        tpdu.append(protocolIdentifier)
        tpdu.append(dataCoding.raw)
        tpdu += serviceCentreTime.encoded()
        tpdu += UserData.encode(header: header, text: text, payload: userData, coding: dataCoding)
        return EncodedPDU(smsc: SMSAddress.encodedSMSC(smsc), tpdu: tpdu)
    }
}
