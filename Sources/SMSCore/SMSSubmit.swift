/// SMS-SUBMIT (23.040 §9.2.2.2): a message from the MS to the SC. First octet: b7 RP,
/// b6 UDHI, b5 SRR, b4b3 VPF (00 none, 10 relative, 01 enhanced, 11 absolute), b2 RD,
/// b1b0 MTI 01. Then MR, DA, PID, DCS, VP (0, 1 or 7 octets), UDL, UD.
public struct SMSSubmit: Sendable, Hashable {
    public var smsc: SMSAddress?
    /// TP-MR; the modem replaces it with its own counter on AT+CMGS and reports that one.
    public var messageReference: Int
    public var destination: SMSAddress
    public var protocolIdentifier: UInt8
    public var dataCoding: DataCodingScheme
    public var validityPeriod: ValidityPeriod?
    public var statusReportRequest: Bool
    public var rejectDuplicates: Bool
    public var header: UserDataHeader?
    public var text: String
    public var userData: [UInt8]
    public var replyPath: Bool

    public init(smsc: SMSAddress? = nil, messageReference: Int = 0, destination: SMSAddress, protocolIdentifier: UInt8 = 0,
                dataCoding: DataCodingScheme, validityPeriod: ValidityPeriod? = nil, statusReportRequest: Bool = false,
                rejectDuplicates: Bool = false, header: UserDataHeader? = nil, text: String, userData: [UInt8] = [],
                replyPath: Bool = false) {
        self.smsc = smsc
        self.messageReference = messageReference
        self.destination = destination
        self.protocolIdentifier = protocolIdentifier
        self.dataCoding = dataCoding
        self.validityPeriod = validityPeriod
        self.statusReportRequest = statusReportRequest
        self.rejectDuplicates = rejectDuplicates
        self.header = header
        self.text = text
        self.userData = userData
        self.replyPath = replyPath
    }

    static func decode(_ reader: inout PDUReader, smsc: SMSAddress?) throws(PDUError) -> SMSSubmit {
        let first = try reader.octet("the first octet")
        let reference = Int(try reader.octet("TP-MR"))
        let destination = try SMSAddress.decodeTP(&reader, "TP-DA")
        let pid = try reader.octet("TP-PID")
        let dcs = DataCodingScheme(raw: try reader.octet("TP-DCS"))
        let validity: ValidityPeriod?
        switch (first >> 3) & 0x03 {
        case 0b10: validity = .relative(minutes: ValidityPeriod.relativeMinutes(try reader.octet("TP-VP")))
        case 0b01: validity = .enhanced(try reader.take(7, "TP-VP (enhanced)"))
        case 0b11: validity = .absolute(try SMSTimestamp.decode(&reader, "TP-VP (absolute)"))
        default: validity = nil
        }
        let ud = try UserData.decode(&reader, hasHeader: first & 0x40 != 0, coding: dcs)
        return SMSSubmit(smsc: smsc, messageReference: reference, destination: destination, protocolIdentifier: pid,
                         dataCoding: dcs, validityPeriod: validity, statusReportRequest: first & 0x20 != 0,
                         rejectDuplicates: first & 0x04 != 0, header: ud.header, text: ud.text, userData: ud.payload,
                         replyPath: first & 0x80 != 0)
    }

    public func encoded() -> EncodedPDU {
        var first: UInt8 = 0x01
        if rejectDuplicates { first |= 0x04 }
        if let validityPeriod { first |= validityPeriod.formatBits }
        if statusReportRequest { first |= 0x20 }
        if header != nil { first |= 0x40 }
        if replyPath { first |= 0x80 }
        var tpdu: [UInt8] = [first, UInt8(messageReference & 0xFF)]
        tpdu += destination.encodedTP()
        tpdu.append(protocolIdentifier)
        tpdu.append(dataCoding.raw)
        if let validityPeriod { tpdu += validityPeriod.encoded() }
        tpdu += UserData.encode(header: header, text: text, payload: userData, coding: dataCoding)
        return EncodedPDU(smsc: SMSAddress.encodedSMSC(smsc), tpdu: tpdu)
    }
}
