import Testing
@testable import SMSCore

/// Inputs FuzzSMS found (Fuzz/corpus/sms/crash-*), kept as checks.
@Suite("FuzzSMS regressions")
struct FuzzRegressionTests {
    // crash-ucs2-udh-past-140: a SUBMIT (no SMSC field) with DCS UCS2, TP-UDL 255 and UDHL 187.
    // Tolerating the long UCS2 UDL let a 188-octet UDH through, and re-encoding it trapped on
    // a negative prefix. Now the decoder refuses a UDH longer than TP-UD can be.
    @Test("a UDH longer than 140 octets is a PDUError at the UDHL octet")
    func longUDH() {
        let hex = "554409F3DBD0FFFFFFFF08FFFFBBFF07400303000399" + String(repeating: "00", count: 200)
        let error = #expect(throws: PDUError.self) { try SMSPDU.decode(hex: hex, includesSMSC: false) }
        #expect(error?.octet == 13)   // FO 0, MR 1, DA 2-8, PID 9, DCS 10, VP 11, UDL 12, UDHL 13
    }

    @Test("encoding a header longer than a PDU does not trap")
    func longHeaderEncode() throws {
        let huge = UserDataHeader(elements: [InformationElement(identifier: 0x70, data: [UInt8](repeating: 1, count: 300))])
        for dcs in [DataCodingScheme.gsm7, .ucs2, .eightBit] {
            let pdu = SMSSubmit(destination: SMSAddress("1"), dataCoding: dcs, header: huge, text: "x", userData: [1]).encoded()
            #expect(!pdu.hex.isEmpty)
        }
    }
}
