import Testing
@testable import SMSCore

let sampleTime = SMSTimestamp(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58, utcOffsetMinutes: 180)

func decodeDeliver(_ hex: String) throws -> SMSDeliver {
    guard case .deliver(let deliver) = try SMSPDU.decode(hex: hex) else {
        Issue.record("not a DELIVER: \(hex)")
        throw PDUError(octet: 0, reason: "not a DELIVER")
    }
    return deliver
}

@Suite("Encode and decode")
struct CodecTests {
    /// One value per coding group of 23.038 §4 (and each alphabet/class inside the groups
    /// that have them), with text or data that group can carry.
    static let dcsValues: [UInt8] = [
        0x00, 0x04, 0x08, 0x0C, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B,
        0x20, 0x24, 0x28, 0x34, 0x38,                         // compressed: carried as octets
        0x40, 0x44, 0x48, 0x50, 0x55, 0x5A, 0x60,             // automatic deletion
        0x80, 0x90, 0xA0, 0xB0,                               // reserved groups: GSM-7
        0xC0, 0xC8, 0xD0, 0xDB, 0xE0, 0xEB,                   // message waiting
        0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7,       // data coding / class
    ]

    @Test("every DCS group round-trips through DELIVER and SUBMIT", arguments: dcsValues)
    func dcsRoundTrip(_ raw: UInt8) throws {
        let dcs = DataCodingScheme(raw: raw)
        let carriesOctets = dcs.alphabet == .eightBit || dcs.isCompressed
        let text = carriesOctets ? "" : (dcs.alphabet == .ucs2 ? "Привет 👋 мир" : "Hello [world] €5 {ok}")
        let data: [UInt8] = carriesOctets ? [0x00, 0xFF, 0x1B, 0x80, 0x7F, 0x42] : []
        let deliver = SMSDeliver(smsc: SMSAddress("+79168999100"), originator: SMSAddress("+79161234567"),
                                 protocolIdentifier: 0x00, dataCoding: dcs, serviceCentreTime: sampleTime,
                                 text: text, userData: data)
        let back = try decodeDeliver(deliver.encoded().hex)
        #expect(back.dataCoding == dcs)
        #expect(back.text == text)
        if carriesOctets { #expect(back.userData == data) }
        #expect(back.serviceCentreTime == sampleTime)
        #expect(back.originator == deliver.originator)

        let submit = SMSSubmit(destination: SMSAddress("MegaFon"), dataCoding: dcs,
                               validityPeriod: .absolute(sampleTime), statusReportRequest: true, text: text, userData: data)
        guard case .submit(let sent) = try SMSPDU.decode(hex: submit.encoded().hex) else { Issue.record("not a submit"); return }
        #expect(sent.dataCoding == dcs)
        #expect(sent.text == text)
        #expect(sent.destination == SMSAddress("MegaFon"))
        #expect(sent.validityPeriod == .absolute(sampleTime))
        #expect(sent.statusReportRequest)
    }

    @Test("a DELIVER with a UDH keeps it, with the fill bits, in GSM-7, 8-bit and UCS2")
    func headerRoundTrip() throws {
        let header = UserDataHeader(elements: [.concatenation16(reference: 0xBEEF, total: 3, sequence: 2),
                                               InformationElement(identifier: 0x24, data: [0x01])])
        for (dcs, text) in [(DataCodingScheme.gsm7, "hellohello"), (.ucs2, "δοκιμή"), (.eightBit, "")] {
            let deliver = SMSDeliver(originator: SMSAddress("1002"), dataCoding: dcs, serviceCentreTime: sampleTime,
                                     header: header, text: text, userData: dcs == .eightBit ? [1, 2, 3] : [])
            let back = try decodeDeliver(deliver.encoded().hex)
            #expect(back.header == header)
            #expect(back.header?.concatenation == Concatenation(reference: 0xBEEF, total: 3, sequence: 2))
            #expect(back.text == text)
            if dcs == .eightBit { #expect(back.userData == [1, 2, 3]) }
        }
    }

    @Test("a STATUS-REPORT round-trips, and reports from SCs with TP-PI and user data decode")
    func statusReport() throws {
        let report = SMSStatusReport(smsc: SMSAddress("+79168999100"), messageReference: 200, recipient: SMSAddress("+79161234567"),
                                     serviceCentreTime: sampleTime, dischargeTime: sampleTime, status: DeliveryStatus(raw: 0x46))
        let encoded = report.encoded()
        #expect(try SMSPDU.decode(hex: encoded.hex) == .statusReport(report))
        // With TP-PI = 07 (PID, DCS, UDL present) and two septets of text.
        let withPI = encoded.hex + "07" + "00" + "00" + "02" + "C834"
        #expect(try SMSPDU.decode(hex: withPI) == .statusReport(report))
        // A TP-PI announcing fields that are not there, or a PI of FF: the report itself is whole and kept.
        #expect(try SMSPDU.decode(hex: encoded.hex + "01") == .statusReport(report))
        #expect(try SMSPDU.decode(hex: encoded.hex + "FF") == .statusReport(report))
    }

    @Test("the PDU without the SMSC field decodes the same TPDU")
    func withoutSMSC() throws {
        let deliver = SMSDeliver(originator: SMSAddress("+79161234567"), dataCoding: .gsm7, serviceCentreTime: sampleTime, text: "ok")
        let tpdu = String(deliver.encoded().hex.dropFirst(2))
        #expect(try SMSPDU.decode(hex: tpdu, includesSMSC: false) == SMSPDU.decode(hex: deliver.encoded().hex))
        #expect(try decodeDeliver(deliver.encoded().hex).text == "ok")
        #expect(deliver.encoded().tpduLength == tpdu.count / 2)
    }

    @Test("lowercase hex and a trailing line end are accepted")
    func hexForms() throws {
        let hex = "06917228195339040B917228214365F700003130805120618005D4F29C2E03"
        #expect(try SMSPDU.decode(hex: hex.lowercased() + "\r\n") == SMSPDU.decode(hex: hex))
    }
}

@Suite("Malformed PDUs")
struct MalformedTests {
    // Built on python-gsmmodem's "Test2" DELIVER (test_pdu.py): 06 917228195339 | 04 | 0B 91 7228214365F7 | 00 | 00 |
    // 31308051206180 | 05 | D4F29C2E03. Octet offsets: SMSC 0-6, FO 7, OA 8-15, PID 16, DCS 17, SCTS 18-24, UDL 25, UD 26-30.
    static let base = "06917228195339040B917228214365F700003130805120618005D4F29C2E03"

    static let cases: [(name: String, hex: String, includesSMSC: Bool, octet: Int)] = [
        ("empty", "", true, 0),
        ("odd number of hex digits", String(base.dropLast()), true, 30),
        ("non-hex digit", String(base.prefix(20)) + "G0" + String(base.dropFirst(22)), true, 10),
        ("SMSC only", "06917228195339", true, 7),
        ("SMSC length 12", "0C" + String(base.dropFirst(2)), true, 0),
        ("SMSC longer than the PDU", "0A9172", true, 2),
        ("MTI 11", "0003", true, 1),
        ("OA length 21 digits", "000415", true, 2),
        ("OA digits cut", "00040B917228", true, 4),
        ("no PID", String(base.prefix(32)), true, 16),
        ("no DCS", String(base.prefix(34)), true, 17),
        ("SCTS cut", String(base.prefix(40)), true, 18),
        ("no UDL", String(base.prefix(50)), true, 25),
        ("UD shorter than UDL", String(base.dropLast(2)), true, 25),
        ("GSM-7 UDL 161", String(base.prefix(50)) + "A1" + String(repeating: "00", count: 141), true, 25),
        ("8-bit UDL 141", String(base.prefix(34)) + "04" + "31308051206180" + "8D" + String(repeating: "00", count: 141), true, 25),
        ("UDHI with UDL 0", "06917228195339440B917228214365F700003130805120618000", true, 25),
        ("UDHL beyond UDL (8-bit)", "00440B917228214365F700043130805120618003" + "05000317", true, 20),
        ("UDHL beyond UDL (GSM-7)", "00440B917228214365F700003130805120618004" + "0500031703010000", true, 20),
        ("IE length past the UDH", "00440B917228214365F70004313080512061800A" + "05000417030141424344", true, 22),
        ("SUBMIT VP cut", "0011000B915155551532F40000", true, 13),
        ("SUBMIT absolute VP cut", "0019000B915155551532F4000031", true, 13),
        ("STATUS-REPORT DT cut", "0006D60B911326880736F41110117195514011101171", true, 18),
        ("STATUS-REPORT no ST", "0006D60B911326880736F411101171955140111011719571400", true, 25),
    ]

    @Test("each malformed PDU is a PDUError naming its octet", arguments: 0..<cases.count)
    func malformed(_ index: Int) {
        let c = Self.cases[index]
        do {
            let pdu = try SMSPDU.decode(hex: c.hex, includesSMSC: c.includesSMSC)
            Issue.record("\(c.name): decoded as \(pdu)")
        } catch {
            #expect(error.octet == c.octet, "\(c.name): \(error)")
            #expect(!error.reason.isEmpty)
        }
    }

    @Test("UCS2 user data shorter than TP-UDL is read as far as it goes (python-gsmmodem's UDL 0xA0 vector)")
    func lenientUCS2() throws {
        let hex = "00040B917228214365F700083130805120618010" + "04110442"   // UDL 16, 4 octets there
        #expect(try decodeDeliver(hex).text == "Бт")
    }

    @Test("the error names the octet and says why")
    func description() {
        let error = PDUError(octet: 25, reason: "TP-UDL 200 exceeds the 160 septets of user data")
        #expect(error.description == "octet 25: TP-UDL 200 exceeds the 160 septets of user data")
    }
}
