import Testing
@testable import SMSCore

@Suite("Segmenting and joining")
struct SegmenterTests {
    func septetCount(_ text: String) -> Int { GSM7.septets(text)!.count }

    @Test("GSM-7: 160 septets fit one SMS, 161 need two of at most 153")
    func gsm7Single() {
        #expect(SMSSegmenter.plan(String(repeating: "a", count: 153)).parts.count == 1)
        #expect(SMSSegmenter.plan(String(repeating: "a", count: 154)).parts.count == 1)
        #expect(SMSSegmenter.plan(String(repeating: "a", count: 160)).parts.count == 1)
        let two = SMSSegmenter.plan(String(repeating: "a", count: 161))
        #expect(two.alphabet == .gsm7)
        #expect(two.parts.map(\.count) == [153, 8])
        #expect(SMSSegmenter.plan(String(repeating: "a", count: 306)).parts.count == 2)
        #expect(SMSSegmenter.plan(String(repeating: "a", count: 307)).parts.count == 3)
        // Extension characters count 2: 80 of them are 160 septets, 81 are 162.
        #expect(SMSSegmenter.plan(String(repeating: "€", count: 80)).parts.count == 1)
        #expect(SMSSegmenter.plan(String(repeating: "€", count: 81)).parts.count == 2)
    }

    // python-gsmmodem@5c816bae test/test_pdu.py test_encode_Gsm7_divideSMS: its texts, our 160/153 rule
    // (python-gsmmodem splits at 153 even for a single SMS; 23.040 allows 160 without a UDH).
    @Test("python-gsmmodem's division texts")
    func pythonGsmmodemTexts() {
        let base = "12345-010 12345-020 12345-030 12345-040 12345-050 12345-060 12345-070 12345-080 12345-090 12345-100 12345-010 12345-020 12345-030 12345-040 12345-050 "
        #expect(SMSSegmenter.plan(base + "123").parts.count == 1)   // 153 septets
        #expect(SMSSegmenter.plan(base + "1234").parts.count == 1)  // 154
        #expect(SMSSegmenter.plan(base + "12]").parts.count == 1)   // "]" at 153: 154 septets
        let brackets = "12345-010,12345-020,12345-030,12345-040,12345-050,12345-060,12345-070,12345-080,12345-090,12345-100,12345-110,12345-120,12345-130,12345-140,12345-150,[[[[[[[["
        #expect(septetCount(brackets) == 166)
        let plan = SMSSegmenter.plan(brackets)
        #expect(plan.parts.count == 2)
        #expect(plan.parts.allSatisfy { septetCount($0) <= 153 })
        #expect(plan.parts.joined() == brackets)
    }

    @Test("an escape pair is never split: a ']' that would take septets 153-154 moves to the next part")
    func escapeAtBoundary() {
        let text = String(repeating: "a", count: 152) + "]" + String(repeating: "b", count: 10)   // 164 septets
        let plan = SMSSegmenter.plan(text)
        #expect(plan.parts == [String(repeating: "a", count: 152), "]" + String(repeating: "b", count: 10)])
        let pdus = SMSSegmenter.submit(text, to: SMSAddress("+79161234567"), reference: 7, statusReport: false)
        #expect(pdus.count == 2)
        // Neither part's septets end in a bare escape.
        for pdu in pdus {
            guard case .submit(let submit) = try? SMSPDU.decode(hex: pdu.hex) else { Issue.record("undecodable"); continue }
            #expect(!submit.text.hasSuffix(" "))
        }
    }

    @Test("UCS2: 70 units fit one SMS, 71 need parts of 67; 67/68 at a part boundary")
    func ucs2Limits() {
        #expect(SMSSegmenter.plan(String(repeating: "ж", count: 70)).parts.count == 1)
        let two = SMSSegmenter.plan(String(repeating: "ж", count: 71))
        #expect(two.alphabet == .ucs2)
        #expect(two.parts.map(\.count) == [67, 4])
        #expect(SMSSegmenter.plan(String(repeating: "ж", count: 134)).parts.count == 2)
        #expect(SMSSegmenter.plan(String(repeating: "ж", count: 135)).parts.count == 3)
        // python-gsmmodem test_encode_Ucs2_divideSMS texts: 67 → 1 part, 68 → still one SMS for us (≤ 70).
        let base = "12345-010 12345-020 12345-030 12345-040 12345-050 12345-060 "
        #expect(SMSSegmenter.plan(base + "1234567").alphabet == .gsm7)
        #expect(SMSSegmenter.plan("ж" + base + "123456").parts.count == 1)   // 67 units
        #expect(SMSSegmenter.plan("ж" + base + "1234567").parts.count == 1)  // 68 units
    }

    @Test("an emoji at the 67th unit moves whole to the next part")
    func surrogateAtBoundary() {
        let text = String(repeating: "ж", count: 66) + "😀" + String(repeating: "ж", count: 10)   // 78 units
        let plan = SMSSegmenter.plan(text)
        #expect(plan.parts == [String(repeating: "ж", count: 66), "😀" + String(repeating: "ж", count: 10)])
        #expect(plan.parts.allSatisfy { $0.utf16.count <= 67 })
    }

    @Test("a family emoji stays whole; a character longer than a part is cut between scalars")
    func graphemes() {
        let family = "👨‍👩‍👧‍👦"   // 11 UTF-16 units
        let text = String(repeating: "ж", count: 60) + family + "ж"
        let plan = SMSSegmenter.plan(text)
        #expect(plan.parts == [String(repeating: "ж", count: 60), family + "ж"])
        let combining = "a" + String(repeating: "\u{301}", count: 100)   // one Character, 101 units
        let cut = SMSSegmenter.plan(combining)
        #expect(cut.parts.allSatisfy { $0.utf16.count <= 67 })
        #expect(cut.parts.joined().unicodeScalars.elementsEqual(combining.unicodeScalars))
    }

    @Test("submit: one SUBMIT per part with the 8-bit concatenation IE, the TPDU length, the VP")
    func submitParts() throws {
        let text = String(repeating: "Привет! ", count: 20)   // 160 units → 3 parts
        let pdus = SMSSegmenter.submit(text, to: SMSAddress("+79161234567"), reference: 300, statusReport: true)
        #expect(pdus.count == 3)
        var joined = ""
        for (index, pdu) in pdus.enumerated() {
            #expect(pdu.hex.hasPrefix("00"))
            #expect(pdu.tpduLength == pdu.hex.count / 2 - 1)
            guard case .submit(let submit) = try SMSPDU.decode(hex: pdu.hex) else { Issue.record("not a submit"); continue }
            #expect(submit.header?.concatenation == Concatenation(reference: 300 & 0xFF, total: 3, sequence: index + 1))
            #expect(submit.header?.elements.first?.identifier == 0x00)
            #expect(submit.statusReportRequest)
            #expect(submit.validityPeriod == .relative(minutes: 4320))
            #expect(submit.dataCoding.alphabet == .ucs2)
            joined += submit.text
        }
        #expect(joined == text)
        let single = SMSSegmenter.submit("hi", to: SMSAddress("+79161234567"), reference: 1, statusReport: false, validity: nil)
        #expect(single.count == 1)
        #expect(single[0].hex == "0001000B919761214365F7000002E834")
    }

    @Test("deliver: parts as a network sends them, joined back in any order with duplicates")
    func deliverAndJoin() throws {
        let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 8)   // 360 septets → 3 parts
        let pdus = SMSSegmenter.deliver(text, from: SMSAddress("+79161234567"), time: sampleTime, reference: 42)
        #expect(pdus.count == 3)
        let parts = try pdus.map { try decodeDeliver($0.hex) }
        #expect(parts.allSatisfy { $0.smsc == SMSAddress("+79168999100") && $0.serviceCentreTime == sampleTime })
        #expect(SMSConcatenator.join(parts) == .init(text: text, missing: []))
        #expect(SMSConcatenator.join([parts[2], parts[0], parts[1], parts[0]]) == .init(text: text, missing: []))
        let gap = SMSConcatenator.join([parts[2], parts[0]])
        #expect(gap.missing == [2])
        #expect(gap.text == parts[0].text + parts[2].text)
    }

    // ModemManager test_pdu_multipart; chan_dongle test/parse.c (ref 0xCA, parts 1 and 2).
    @Test("published two-part messages join")
    func publishedMultipart() throws {
        let mm = try ["07912160130320F5440B916171056429F5000021405291650569A00500034C0201A9E8F41C949E83C2207B599E07B1DFEE33885E9ED341E4F23C7D7697C920FA1B54C697E5E3F4BC0C6AD7D9F434081E96D341E3303C2C4EB3D3F4BC0B94A483E6E8779D4D06CDD1EF3BA80E0785E7A0B7BB0C6A97E7F3F0B9CC02B9DF7450780EA2DFDF2C50780EA2A3CBA0BA9B5C96B3F369F71954768FDFE4B4FB0C9297E1F2F2BCECA6CF41",
                      "07912160130320F6440B916171056429F5000021405291651569320500034C0202E9E8301D44479741F0B09C3E0785E56590BCCC0ED3CB6410FD0D7ABBCBA0B0FB4D4797E52E10"].map(decodeDeliver)
        #expect(SMSConcatenator.join(mm.reversed()).text == "This is a very long test designed to exercise multi part capability. It should show up as one message, not as two, as the underlying encoding represents that the parts are related to one another. ")
        let dongle = try ["07913306000000F0640B913306000000F00000610110129303801B050003CA0202C26150301C0E8741C170381C0605C3E17018"].map(decodeDeliver)
        #expect(SMSConcatenator.join(dongle) == .init(text: "aa Aaaaa Aaaaa Aaaaa", missing: [1]))
    }

    @Test("a single SMS has no UDH; the empty text is one empty part")
    func singles() throws {
        let one = SMSSegmenter.deliver("hello", from: SMSAddress("MegaFon"), time: sampleTime, reference: 1)
        #expect(one.count == 1)
        let deliver = try decodeDeliver(one[0].hex)
        #expect(deliver.header == nil)
        #expect(deliver.originator == SMSAddress("MegaFon"))
        #expect(SMSSegmenter.plan("") == SegmentPlan(alphabet: .gsm7, parts: [""]))
        #expect(try decodeDeliver(SMSSegmenter.deliver("", from: SMSAddress("1"), time: sampleTime, reference: 0)[0].hex).text == "")
    }
}
