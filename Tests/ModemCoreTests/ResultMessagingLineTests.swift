// Final results and SMS/USSD lines beyond the fixtures: identity answers never read as PDUs,
// verbose error text mapped to codes, hostile input never crashes.
import Testing
@testable import ModemCore

@Suite("Result and messaging lines")
struct ResultMessagingLineTests {
    func decode(_ line: String, command: String? = nil) -> (String, [String: ATValue])? {
        ATLineCatalog.decode(line, context: ATDecodingContext(command: command)).map { ($0.name, $0.fields.values) }
    }

    @Test func identityAnswersAreNotPDUs() {
        // IMEI, IMSI, ICCID (with its F filler), with and without the command that asked.
        for line in ["357341051234567", "250011234567890", "8970101234567890123F", "89701012345678901234"] {
            #expect(decode(line)?.0 != "PDU", "\(line)")
        }
        #expect(decode("07914306073011F004058122", command: "AT+CGSN")?.0 != "PDU")
        #expect(decode("07914306073011F004058122", command: "AT+CCID")?.0 != "PDU")
        #expect(decode("07914306073011F004058122", command: "AT+CMGR=1")?.0 == "PDU")
        // Short or odd hex is not a PDU; digits-only short lines are not either.
        #expect(decode("0791ABC")?.0 != "PDU")
        #expect(decode("12345678901234")?.0 != "PDU")
    }

    @Test func verboseErrorsMapToCodes() {
        #expect(CMEError.text("SIM NOT INSERTED").code == 10)
        #expect(CMEError.text("network not allowed, emergency calls only").code == 32)
        #expect(CMEError.text("no such thing").code == nil)
        #expect(CMSError.text("invalid memory index").code == 321)
        #expect(CMSError.code(230).meaning == "error specific to an application")
        let (name, f) = try! #require(decode("+CME ERROR: SIM PUK required"))
        #expect(name == "+CME ERROR" && f["code"] == .int(12) && f["simState"] == "puk-required" && f["category"] == "pin")
    }

    @Test func everyCMEAndCMSCodeHasACategory() {
        for c in CMEError.meanings.keys {
            let f = decode("+CME ERROR: \(c)")?.1
            #expect(f?["code"] == .int(c) && f?["category"] != nil && f?["meaning"] == .string(CMEError.meanings[c]!))
        }
        for c in CMSError.meanings.keys {
            #expect(decode("+CMS ERROR: \(c)")?.1["category"] != nil)
        }
    }

    @Test func finalsFromTheLogDecoderKeepTheirKind() {
        let out = ATLogDecoder.decode(Array("AT+CMGS=23\r\r\n+CMS ERROR: 330\r\n".utf8))
        #expect(out.map(\.kind) == [.echo, .final])
        #expect(out[1].fields["meaning"] == "SMSC address unknown" && out[1].fields["success"] == .bool(false))
    }

    @Test func ussdTextWithCommasAndQuotes() {
        let f = decode("+CUSD: 1,\"Menu: 1,Yes 2,No\",15")?.1
        #expect(f?["m"] == .int(1) && f?["str"] == "Menu: 1,Yes 2,No" && f?["dcs"] == .int(15))
        // Without a DCS the whole rest is the text.
        #expect(decode("+CUSD: 0,\"Balance 5,00\"")?.1["str"] == "Balance 5,00")
        // The read answer is <n>.
        #expect(decode("+CUSD: 1", command: "AT+CUSD?")?.1["n"] == .int(1))
        #expect(USSDPackedText.unpackHex("AA180C3602") == "*100#")
    }

    @Test func hostileLinesNeverCrash() {
        let lines = ["+CMTI:", "+CMTI: ,", "+CMGR:", "+CMGR: ,,", "+CMGL: x", "+CPMS: ((((", "+CPMS: ,,,,,",
                     "+CUSD: ", "+CUSD: 1,\"", "+CUSD: 1,,", "+CUSD: 99999999999999999999", "+CSCA: ,999999",
                     "+CNMI: (", "+CMGS: 1,", "+CDS: 1,2", "+CME ERROR: -1", "+CMS ERROR: 9223372036854775807",
                     "MODEM ERROR: x", "CONNECT ", String(repeating: "F", count: 1001), "+CUSD: 0,\"FF\",72",
                     "+CSMP: ,,,999", "+CMT: ,", "+CMGR: 1,,x 0G"]
        for l in lines { _ = decode(l); _ = ATLogDecoder.decode(Array((l + "\r\n").utf8)) }
        for b in 0..<256 { _ = USSDPackedText.unpackHex(String(b, radix: 16).count == 1 ? "0\(String(b, radix: 16))" : String(b, radix: 16)) }
    }
}
