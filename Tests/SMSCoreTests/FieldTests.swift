import Testing
@testable import SMSCore

@Suite("Addresses, timestamps, validity, DCS, UDH, status")
struct FieldTests {
    func decodeTP(_ hex: String) throws -> SMSAddress {
        var reader = PDUReader(hexOctets(hex))
        return try SMSAddress.decodeTP(&reader, "TP-OA")
    }

    // babca/python-gsmmodem@5c816bae test/test_pdu.py, TestSmsPduAddressFields.
    @Test("TP addresses: international, odd digits, alphanumeric (extension chars too), national")
    func tpAddresses() throws {
        let cases: [(String, String, UInt8)] = [
            ("+9876543210", "0A918967452301", 0x91), ("+987654321", "099189674523F1", 0x91),
            ("+27829135934", "0B917228195339F4", 0x91), ("abc", "06D061F118", 0xD0),
            ("FRANCOIS", "0ED04669D0397C26A7", 0xD0), ("a[]{}€", "14D0E10D6FE3DBA036A94D19", 0xD0),
            ("0129998765", "0AA11092997856", 0xA1),
        ]
        for (number, hex, toa) in cases {
            let address = try decodeTP(hex)
            #expect(address.number == number)
            #expect(address.typeOfAddress == toa)
            #expect(HexText.string(SMSAddress(number: number, typeOfAddress: toa).encodedTP()) == hex)
        }
        // Read limits: trailing octets belong to the next field.
        #expect(try decodeTP("06D061F118D3F1FF0032").number == "abc")
    }

    // python-gsmmodem TestSmsPduSmscFields; ModemManager test_address_encode_*.
    @Test("SMSC addresses count octets, TOA included; TP addresses count digits")
    func smscAddresses() throws {
        #expect(HexText.string(SMSAddress.encodedSMSC(SMSAddress("+9876543210"))) == "06918967452301")
        #expect(HexText.string(SMSAddress.encodedSMSC(SMSAddress("+987654321"))) == "069189674523F1")
        #expect(HexText.string(SMSAddress.encodedSMSC(SMSAddress("+19037029920"))) == "07919130079229F0")
        #expect(HexText.string(SMSAddress.encodedSMSC(SMSAddress("9037029920"))) == "06810973209902")
        #expect(HexText.string(SMSAddress("+19037029920").encodedTP()) == "0B919130079229F0")
        #expect(HexText.string(SMSAddress("9037029920").encodedTP()) == "0A810973209902")
        #expect(HexText.string(SMSAddress.encodedSMSC(nil)) == "00")
        var reader = PDUReader(hexOctets("06917228195339"))
        #expect(try SMSAddress.decodeSMSC(&reader)?.number == "+2782913593")
    }

    @Test("init(_:) picks the type of address from the text")
    func addressFromText() {
        #expect(SMSAddress("+79161234567").typeOfAddress == 0x91)
        #expect(SMSAddress("0123").typeOfAddress == 0x81)
        #expect(SMSAddress("MegaFon").typeOfAddress == 0xD0)
        #expect(SMSAddress("MegaFon").isAlphanumeric)
        #expect(!SMSAddress("+7916").isAlphanumeric)
        #expect(SMSAddress("+").isAlphanumeric)
    }

    // python-gsmmodem TestTimestamp; sms-ussd.md §1.5 for the -6 h and +5:30 zones.
    @Test("timestamps: swapped BCD, quarter-hour zone with the sign in bit 3")
    func timestamps() throws {
        let cases: [(String, String, Int64)] = [
            ("51117200000000", "2015-11-27T00:00:00+00:00", 1_448_582_400),
            ("51117200000080", "2015-11-27T00:00:00+02:00", 1_448_575_200),
            ("70402132522423", "2007-04-12T23:25:42+08:00", 1_176_391_542),
            ("7040213252242B", "2007-04-12T23:25:42-08:00", 1_176_449_142),
            ("7040213252244A", "2007-04-12T23:25:42-06:00", 1_176_441_942),
            ("70402132522422", "2007-04-12T23:25:42+05:30", 1_176_400_542),
        ]
        for (hex, iso, epoch) in cases {
            var reader = PDUReader(hexOctets(hex))
            let time = try SMSTimestamp.decode(&reader, "TP-SCTS")
            #expect(time.iso8601 == iso)
            #expect(time.secondsSince1970 == epoch)
            #expect(HexText.string(time.encoded()) == hex)
            #expect(SMSTimestamp(secondsSince1970: epoch, utcOffsetMinutes: time.utcOffsetMinutes) == time)
        }
    }

    // python-gsmmodem TestRelativeValidityPeriod, plus each range's edges (23.040 §9.2.3.12.1).
    @Test("relative validity: the four ranges of the octet")
    func relativeValidity() {
        for (minutes, octet) in [(30, 5), (16 * 60, 151), (3 * 1440, 169), (5 * 10080, 197), (5, 0), (720, 143),
                                 (750, 144), (1440, 167), (2 * 1440, 168), (30 * 1440, 196), (63 * 10080, 255)] {
            #expect(ValidityPeriod.relativeOctet(minutes: minutes) == UInt8(octet), "\(minutes) min")
            #expect(ValidityPeriod.relativeMinutes(UInt8(octet)) == minutes)
        }
        #expect(ValidityPeriod.relativeOctet(minutes: 7) == 1)          // rounds up to 10 min
        #expect(ValidityPeriod.relativeOctet(minutes: 1_000_000) == 255)
    }

    @Test("enhanced validity is carried as its seven octets")
    func enhancedValidity() throws {
        let submit = SMSSubmit(destination: SMSAddress("+15555551234"), dataCoding: .gsm7,
                               validityPeriod: .enhanced([0x42, 0x3C, 0, 0, 0, 0, 0]), text: "hi")
        let hex = submit.encoded().hex
        #expect(hex.hasPrefix("0009"))   // VPF 01
        guard case .submit(let back) = try SMSPDU.decode(hex: hex) else { Issue.record("not a submit"); return }
        #expect(back.validityPeriod == .enhanced([0x42, 0x3C, 0, 0, 0, 0, 0]))
        #expect(back.text == "hi")
    }

    // 23.038 §4 group by group.
    @Test("DCS: alphabet, class and compression for every coding group")
    func dcsGroups() {
        let cases: [(UInt8, SMSAlphabet, Int?, Bool)] = [
            (0x00, .gsm7, nil, false), (0x04, .eightBit, nil, false), (0x08, .ucs2, nil, false), (0x0C, .gsm7, nil, false),
            (0x10, .gsm7, 0, false), (0x11, .gsm7, 1, false), (0x12, .gsm7, 2, false), (0x13, .gsm7, 3, false),
            (0x18, .ucs2, 0, false), (0x15, .eightBit, 1, false), (0x20, .gsm7, nil, true), (0x3A, .ucs2, 2, true),
            (0x40, .gsm7, nil, false), (0x48, .ucs2, nil, false), (0x54, .eightBit, 0, false), (0x60, .gsm7, nil, true),
            (0x80, .gsm7, nil, false), (0xB8, .gsm7, nil, false),
            (0xC0, .gsm7, nil, false), (0xC8, .gsm7, nil, false), (0xD9, .gsm7, nil, false), (0xE8, .ucs2, nil, false),
            (0xF0, .gsm7, 0, false), (0xF1, .gsm7, 1, false), (0xF4, .eightBit, 0, false), (0xF5, .eightBit, 1, false),
            (0xF7, .eightBit, 3, false),
        ]
        for (raw, alphabet, messageClass, compressed) in cases {
            let dcs = DataCodingScheme(raw: raw)
            #expect(dcs.alphabet == alphabet, "0x\(HexText.string([raw]))")
            #expect(dcs.messageClass == messageClass, "0x\(HexText.string([raw]))")
            #expect(dcs.isCompressed == compressed, "0x\(HexText.string([raw]))")
        }
        #expect(DataCodingScheme(raw: 0x48).isMarkedForAutomaticDeletion)
        #expect(DataCodingScheme(raw: 0xC8).messageWaiting?.active == true)
        #expect(DataCodingScheme(raw: 0xC8).messageWaiting?.store == false)
        #expect(DataCodingScheme(raw: 0xD9).messageWaiting?.kind == .fax)
        #expect(DataCodingScheme(raw: 0x00).messageWaiting == nil)
        #expect(DataCodingScheme(alphabet: .ucs2, messageClass: 0).raw == 0x18)
    }

    // python-gsmmodem TestUdhConcatenation / TestUdhPortAddress.
    @Test("UDH: concatenation 8/16-bit, ports 8/16-bit, unknown IEs kept")
    func udh() throws {
        func header(_ hex: String) throws -> UserDataHeader {
            let octets = hexOctets(hex)
            return try UserDataHeader.decode([UInt8(octets.count)] + octets[...], base: 0)
        }
        #expect(try header("0003170301").concatenation == Concatenation(reference: 23, total: 3, sequence: 1))
        #expect(try header("080401800402").concatenation == Concatenation(reference: 384, total: 4, sequence: 2))
        #expect(try header("04026432").ports! == (100, 50))
        #expect(try header("050404D21466").ports! == (1234, 5222))
        #expect(HexText.string(InformationElement.concatenation8(reference: 23, total: 3, sequence: 1).data) == "170301")
        #expect(HexText.string(InformationElement.concatenation16(reference: 384, total: 4, sequence: 2).data) == "01800402")
        let mixed = try header("7002AABB0003170301")
        #expect(mixed.elements.first == InformationElement(identifier: 0x70, data: [0xAA, 0xBB]))
        #expect(mixed.concatenation?.reference == 23)
        #expect(HexText.string(mixed.encoded()) == "097002AABB0003170301")
        // Void concatenation IEs (23.040 §9.2.3.24.1): sequence 0, sequence > total, total 0.
        #expect(try header("0003170300").concatenation == nil)
        #expect(try header("0003170304").concatenation == nil)
        #expect(try header("0003170000").concatenation == nil)
        // An IE running past the header is an error naming the IE's length octet.
        let error = try #require(throws: PDUError.self) { try header("0005170301") }
        #expect(error.octet == 2)
    }

    @Test("status values: outcome and meaning (23.040 §9.2.3.15)")
    func statuses() {
        #expect(DeliveryStatus(raw: 0x00).outcome == .delivered)
        #expect(DeliveryStatus(raw: 0x00).meaning == "received by SME")
        #expect(DeliveryStatus(raw: 0x02).outcome == .delivered)
        #expect(DeliveryStatus(raw: 0x21).outcome == .pending)
        #expect(DeliveryStatus(raw: 0x21).meaning == "SME busy, SC still trying")
        #expect(DeliveryStatus(raw: 0x30).outcome == .pending)
        #expect(DeliveryStatus(raw: 0x46).outcome == .failed)
        #expect(DeliveryStatus(raw: 0x46).meaning == "validity period expired")
        #expect(DeliveryStatus(raw: 0x61).outcome == .failed)
        #expect(DeliveryStatus(raw: 0x61).meaning == "SME busy, SC stopped trying")
        #expect(DeliveryStatus(raw: 0x80).outcome == .failed)
    }
}
