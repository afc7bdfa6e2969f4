import Testing
@testable import SMSCore

@Suite("GSM-7 and UCS2")
struct AlphabetTests {
    // babca/python-gsmmodem@5c816bae test/test_pdu.py, TestGsm7: text, septets, packed octets.
    static let gsm7Vectors: [(String, [UInt8], [UInt8])] = [
        ("", [], []),
        ("123", [49, 50, 51], [49, 217, 12]),
        ("12345678", Array("12345678".utf8), [49, 217, 140, 86, 179, 221, 112]),
        ("123456789", Array("123456789".utf8), [49, 217, 140, 86, 179, 221, 112, 57]),
        ("Hello World!", Array("Hello World!".utf8), [200, 50, 155, 253, 6, 93, 223, 114, 54, 57, 4]),
        ("[{abc}]~", [0x1B, 0x3C, 0x1B, 0x28, 0x61, 0x62, 0x63, 0x1B, 0x29, 0x1B, 0x3E, 0x1B, 0x3D],
         [27, 222, 6, 21, 22, 143, 55, 169, 141, 111, 211, 3]),
        ("123456789012345678901234567890", Array("123456789012345678901234567890".utf8),
         [49, 217, 140, 86, 179, 221, 112, 57, 88, 76, 54, 163, 213, 108, 55, 92, 14, 22, 147, 205, 104, 53, 219, 13, 151, 131, 1]),
        ("{åΦΓΛΩΠΨΣΘ€}", [27, 40, 15, 18, 19, 20, 21, 22, 23, 24, 25, 27, 101, 27, 41],
         [27, 212, 67, 50, 161, 84, 44, 23, 76, 102, 83, 222, 164, 0]),
        ("a[]{}€", [97, 27, 60, 27, 62, 27, 40, 27, 41, 27, 101], [225, 13, 111, 227, 219, 160, 54, 169, 77, 25]),
    ]

    @Test("python-gsmmodem's GSM-7 vectors: septets, packing, unpacking, text", arguments: 0..<gsm7Vectors.count)
    func gsm7(_ index: Int) {
        let (text, septets, packed) = Self.gsm7Vectors[index]
        #expect(GSM7.septets(text) == septets)
        #expect(GSM7.pack(septets) == packed)
        #expect(GSM7.unpack(packed, count: septets.count) == septets)
        #expect(GSM7.string(septets) == text)
    }

    @Test("0x09 is capital Ç as 23.038 has it; small ç is not in the table")
    func cedilla() {
        #expect(GSM7.string([0x09]) == "Ç")
        #expect(GSM7.septets("Ç") == [0x09])
        #expect(GSM7.septets("ç") == nil)
    }

    @Test("an escape not followed by an extension character reads as a space")
    func strayEscape() {
        #expect(GSM7.string([0x41, 0x1B]) == "A ")            // at the end
        #expect(GSM7.string([0x1B, 0x41]) == " A")            // before an undefined code: space, then the default char
        #expect(GSM7.string([0x1B, 0x1B, 0x41]) == " A")      // ESC ESC: one space
        #expect(GSM7.string([0x1B, 0x65]) == "€")
        #expect(GSM7.string([0x1B, 0x0A]) == "\u{0C}")        // form feed
    }

    @Test("every character of both tables round-trips through septets")
    func wholeTable() {
        for (septet, scalar) in GSM7.defaultTable.enumerated() where septet != 0x1B {
            #expect(GSM7.septets(String(scalar)) == [UInt8(septet)], "\(septet)")
        }
        for (code, scalar) in GSM7.extensionTable {
            #expect(GSM7.septets(String(scalar)) == [0x1B, code])
            #expect(GSM7.string([0x1B, code]) == String(scalar))
        }
    }

    @Test("fill bits shift the first septet; unpack with the same fill gives it back")
    func fillBits() {
        let septets = GSM7.septets("hellohello")!
        for fill in 0...6 {
            let packed = GSM7.pack(septets, fillBits: fill)
            #expect(packed.count == (fill + septets.count * 7 + 7) / 8)
            #expect(packed[0] & UInt8((1 << fill) - 1) == 0)
            #expect(GSM7.unpack(packed, count: septets.count, fillBits: fill) == septets)
        }
        // One fill bit after a 6-octet UDH: "h" (0x68) starts at bit 1.
        #expect(GSM7.pack([0x68], fillBits: 1) == [0xD0])
    }

    @Test("unpack stops where the octets end instead of reading past them")
    func shortUnpack() {
        #expect(GSM7.unpack([0x31, 0xD9], count: 10) == [0x31, 0x32])
        #expect(GSM7.unpack([], count: 5, fillBits: 3).isEmpty)
    }

    // babca/python-gsmmodem@5c816bae test/test_pdu.py, TestUcs2.
    @Test("UCS2 vectors, and emoji as surrogate pairs (UTF-16BE)")
    func ucs2() {
        #expect(UCS2.encode("あ叶葉") == [0x30, 0x42, 0x53, 0xF6, 0x84, 0x49])
        #expect(UCS2.decode([0x30, 0x6F, 0x30, 0x44]) == "はい")
        // 😃😎 as phones send them (sms-ussd.md §2, chan_dongle issue #8).
        #expect(UCS2.decode([0xD8, 0x3D, 0xDE, 0x03, 0xD8, 0x3D, 0xDE, 0x0E]) == "😃😎")
        #expect(UCS2.encode("😃") == [0xD8, 0x3D, 0xDE, 0x03])
    }

    @Test("a lone surrogate or an odd trailing octet does not stop the rest")
    func brokenUCS2() {
        #expect(UCS2.decode([0xD8, 0x3D, 0x00, 0x41]) == "\u{FFFD}A")
        #expect(UCS2.decode([0x00, 0x41, 0x00]) == "A")
    }
}
