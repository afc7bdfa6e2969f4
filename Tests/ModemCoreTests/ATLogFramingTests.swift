// `simgate at decode` on output framed the way real ports deliver it (issue 11, point 2):
// echo or not, CR LF / bare CR / bare LF, a last line without terminator, URCs inside a
// command's response, the SMS prompt, binary garbage.
import Testing
@testable import ModemCore

@Suite("AT log framing as real ports deliver it")
struct ATLogFramingTests {
    func kinds(_ text: String, command: String? = nil) -> [DecodedLine.Kind] {
        ATLogDecoder.decode(Array(text.utf8), command: command).map(\.kind)
    }

    @Test("with and without echo: the echo names the command the lines answer")
    func echo() {
        // Echo on (ATE1): `AT+CSQ\r` then the answer; the echoed command makes +CSQ an answer.
        let on = ATLogDecoder.decode(Array("AT+CSQ\r\r\n+CSQ: 19,99\r\n\r\nOK\r\n".utf8))
        #expect(on.map(\.kind) == [.echo, .response, .final])
        #expect(on[0].fields["command"] == "AT+CSQ")
        // Echo off, no --command: the same line is a URC (SIMCom AT+AUTOCSQ sends it so).
        #expect(kinds("\r\n+CSQ: 19,99\r\n") == [.urc])
        #expect(kinds("\r\n+CSQ: 19,99\r\n\r\nOK\r\n", command: "AT+CSQ") == [.response, .final])
    }

    @Test("CR LF, bare CR, bare LF and SIMCom's CR CR LF give the same lines")
    func terminators() {
        let expected: [DecodedLine.Kind] = [.urc, .urc]
        #expect(kinds("\r\nRING\r\n\r\n+CLIP: \"+79161234567\",145,,,,0\r\n") == expected)
        #expect(kinds("RING\r+CLIP: \"+79161234567\",145,,,,0\r") == expected)
        #expect(kinds("RING\n+CLIP: \"+79161234567\",145,,,,0\n") == expected)
        #expect(kinds("\r\r\nRING\r\r\n+CLIP: \"+79161234567\",145,,,,0\r\r\n") == expected)
    }

    @Test("a last line without a terminator is decoded, not dropped")
    func unterminatedLastLine() {
        let out = ATLogDecoder.decode(Array("\r\n+CSQ: 19,99\r\n\r\nOK".utf8), command: "AT+CSQ")
        #expect(out.map(\.kind) == [.response, .final])
        #expect(out.last?.raw == "OK")
        #expect(ATLogDecoder.decode(Array("RING".utf8)).map(\.raw) == ["RING"])
    }

    @Test("URCs inside a command's response stay URCs")
    func urcInsideResponse() {
        // AT+CLIP=1 answers only OK: RING and +CLIP arriving before it are the call, not the answer.
        let out = ATLogDecoder.decode(Array("\r\nRING\r\n\r\n+CLIP: \"+79161234567\",145,,,,0\r\n\r\nOK\r\n".utf8),
                                      command: "AT+CLIP=1")
        #expect(out.map(\.kind) == [.urc, .urc, .final])
        #expect(out[1].name == "+CLIP")
        // A ^RSSI between the information line and OK of AT+CREG? (Huawei, at-dialects 1.4).
        let creg = ATLogDecoder.decode(Array("\r\n+CREG: 2,1,\"1A2B\",\"C0DE\"\r\n\r\n^RSSI:14\r\n\r\nOK\r\n".utf8),
                                       command: "AT+CREG?")
        #expect(creg.map(\.kind) == [.response, .urc, .final])
        #expect(creg[1].name == "^RSSI")
        // A final result in a log with no echo and no --command is still a final result.
        #expect(kinds("\r\nOK\r\n") == [.final])
    }

    @Test("the SMS prompt after AT+CMGS, with no terminator")
    func smsPrompt() {
        let out = ATLogDecoder.decode(Array("AT+CMGS=23\r\r\n> ".utf8))
        #expect(out.map(\.kind) == [.echo, .prompt])
        // Outside AT+CMGS a `> ` is ordinary text.
        #expect(ATLogDecoder.decode(Array("\r\n> \r\n".utf8)).map(\.kind) == [.unknown])
    }

    @Test("binary garbage is skipped with a warning, the lines around it survive")
    func garbage() {
        var bytes = Array("\r\nRING\r\n".utf8)
        bytes += [0x00, 0xFF, 0x1B, 0x07, 0x41, 0x0D, 0x0A]
        bytes += Array("\r\nNO CARRIER\r\n".utf8)
        let out = ATLogDecoder.decode(bytes)
        #expect(out.map(\.kind) == [.urc, .garbage, .urc])
        #expect(out[1].fields["bytes"] == 5)
        #expect(out[1].raw == "\\x00\\xFF\\x1B\\x07A")
        #expect(out[1].warning != nil)
        // Huawei's glued `ERROR` in front of a +CNUM line: only the front is garbage.
        let glued = ATLogDecoder.decode(Array("\r\nERROR+CNUM: \"\",\"+33612345678\",145\r\n\r\nOK\r\n".utf8),
                                        command: "AT+CNUM")
        #expect(glued.map(\.kind) == [.garbage, .response, .final])
        #expect(glued[0].raw == "ERROR" && glued[1].raw.hasPrefix("+CNUM:"))
    }

    @Test("every byte value in every position: never a crash, every line accounted for")
    func anyBytes() {
        for b in 0...255 {
            let bytes: [UInt8] = Array("\r\n+CSQ: 1".utf8) + [UInt8(b)] + Array(",99\r\nOK".utf8)
            let out = ATLogDecoder.decode(bytes, command: "AT+CSQ")
            #expect(!out.isEmpty)
        }
    }

    @Test("the charset: after AT+CSCS=\"UCS2\" text fields are UCS2 hex")
    func charsetTracking() {
        let out = ATLogDecoder.decode(Array("AT+CSCS=\"UCS2\"\r\r\nOK\r\nAT+CSQ\r\r\n+CSQ: 1,99\r\n\r\nOK\r\n".utf8))
        #expect(out.map(\.kind) == [.echo, .final, .echo, .response, .final])
        #expect(ATDecodingContext(ucs2: true).text("004D00540053") == "MTS")
        #expect(ATDecodingContext().text("004D00540053") == "MTS")       // unmistakable Latin UCS2
        #expect(ATDecodingContext().text("1A2B") == "1A2B")               // a hex id stays as it is
        #expect(ATDecodingContext().text("0411043504410442") == "Бест")
        #expect(ATDecodingContext().number("002B0037003900310036") == "+7916")
        #expect(ATDecodingContext().number("79161234") == "79161234")
    }
}
