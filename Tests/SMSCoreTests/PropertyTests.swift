import TestSupport
import Testing
@testable import SMSCore

/// SplitMix64: a small seeded generator, so a failure names the seed that reproduces it.


@Suite("Properties")
struct PropertyTests {
    static let seed: UInt64 = 0x5EED_0012
    static let cases = 3000

    /// Text drawn from pools that stress the codec: GSM-7 default and extension characters,
    /// Latin-1 outside GSM-7, Cyrillic, CJK, emoji (surrogate pairs), ZWJ sequences, flags,
    /// combining marks.
    static func randomText(_ rng: inout SplitMix64, gsm7Only: Bool) -> String {
        let gsm7: [String] = ["a", "Z", "0", " ", "@", "£", "Ç", "\n", "\r", "Δ", "ß", "é", "à", "Ñ", "¿", "§", "€", "[", "]", "{", "}", "\\", "~", "^", "|", "\u{0C}"]
        let other: [String] = ["ç", "ж", "Я", "中", "文", "😀", "👍🏽", "👨‍👩‍👧‍👦", "🇷🇺", "e\u{301}", "ğ", "ẞ", "\u{FEFF}", "𝄞", "Ω"]
        let length = Int.random(in: 0...400, using: &rng)
        var text = ""
        for _ in 0..<length {
            let pool = gsm7Only || Int.random(in: 0..<4, using: &rng) > 0 ? gsm7 : other
            text += pool.randomElement(using: &rng)!
        }
        return text
    }

    @Test("SUBMIT and DELIVER: encode → decode is the identity for random text, single and multi-part")
    func roundTrip() throws {
        print("PropertyTests.roundTrip: seed 0x\(String(Self.seed, radix: 16)), \(Self.cases) cases")
        var rng = SplitMix64(seed: Self.seed)
        var multipart = 0
        for index in 0..<Self.cases {
            let text = Self.randomText(&rng, gsm7Only: index % 3 == 0)
            let reference = Int.random(in: 0...255, using: &rng)
            let plan = SMSSegmenter.plan(text)
            #expect(plan.parts.joined().unicodeScalars.elementsEqual(text.unicodeScalars), "case \(index)")
            #expect(plan.alphabet == (GSM7.septets(text) == nil ? .ucs2 : .gsm7))
            let delivers = SMSSegmenter.deliver(text, from: SMSAddress("+79161234567"), time: sampleTime, reference: reference)
            if delivers.count > 1 { multipart += 1 }
            var parts: [SMSDeliver] = []
            for pdu in delivers {
                let deliver = try decodeDeliver(pdu.hex)
                if plan.alphabet == .gsm7 {
                    #expect(GSM7.septets(deliver.text)!.count <= (delivers.count > 1 ? 153 : 160))
                } else {
                    #expect(deliver.text.utf16.count <= (delivers.count > 1 ? 67 : 70))
                }
                parts.append(deliver)
            }
            let joined = SMSConcatenator.join(parts.shuffled(using: &rng))
            #expect(joined.missing.isEmpty)
            #expect(joined.text.unicodeScalars.elementsEqual(text.unicodeScalars), "seed 0x\(String(Self.seed, radix: 16)) case \(index)")

            let submits = SMSSegmenter.submit(text, to: SMSAddress("+79161234567"), reference: reference, statusReport: index % 2 == 0)
            var sent = ""
            for pdu in submits {
                guard case .submit(let submit) = try SMSPDU.decode(hex: pdu.hex) else { Issue.record("not a submit"); continue }
                #expect(submit.statusReportRequest == (index % 2 == 0))
                sent += submit.text
            }
            #expect(sent.unicodeScalars.elementsEqual(text.unicodeScalars), "seed 0x\(String(Self.seed, radix: 16)) case \(index)")
        }
        #expect(multipart > Self.cases / 4)
    }

    @Test("GSM-7 packing: unpack(pack(s)) == s for random septets and every fill")
    func packing() {
        var rng = SplitMix64(seed: Self.seed ^ 1)
        for _ in 0..<Self.cases {
            let septets = (0..<Int.random(in: 0...160, using: &rng)).map { _ in UInt8.random(in: 0...0x7F, using: &rng) }
            let fill = Int.random(in: 0...6, using: &rng)
            #expect(GSM7.unpack(GSM7.pack(septets, fillBits: fill), count: septets.count, fillBits: fill) == septets)
        }
    }

    @Test("random octets never trap the decoder; what decodes re-encodes to something that decodes")
    func randomOctets() {
        var rng = SplitMix64(seed: Self.seed ^ 2)
        var decoded = 0
        for _ in 0..<20_000 {
            var octets = (0..<Int.random(in: 0...60, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !octets.isEmpty, Bool.random(using: &rng) { octets[0] = 0 }   // more often past the SMSC field
            if let pdu = try? SMSPDU.decode(octets: octets) {
                decoded += 1
                #expect((try? SMSPDU.decode(hex: pdu.encoded.hex)) != nil)
            }
        }
        #expect(decoded > 0)
    }
}
