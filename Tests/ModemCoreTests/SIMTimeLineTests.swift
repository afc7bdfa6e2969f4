// The SIM, identity, time and power line decoders beyond the captured fixtures: forms the
// manuals document (^CPIN counters while locked, +CPINR, +QPINC, +SPIC, +CRSM EF_ICCID,
// +CGSN=<snt>, IMEISV, UCS2 +CNUM, SIMCom +CBC voltages, 4-digit +CCLK years, test forms),
// and inputs no modem should print, which must decode to something or nothing, never crash.
import Testing
@testable import ModemCore

@Suite("SIM, identity, time and power lines")
struct SIMTimeLineTests {
    func decode(_ line: String, command: String? = nil, ucs2: Bool = false) -> DecodedLine? {
        ATLogDecoder.decode(Array((line + "\r\n").utf8), command: command, ucs2: ucs2).first { $0.kind != .echo }
    }

    @Test func huaweiCPINCountersWhileLocked() throws {
        let d = try #require(decode("^CPIN: SIM PIN,3,10,3,10,3", command: "AT^CPIN?"))
        #expect(d.name == "^CPIN" && d.fields["code"] == "SIM PIN" && d.fields["simState"] == "pin-required")
        #expect(d.fields["times"] == 3 && d.fields["puk"] == 10 && d.fields["pin"] == 3)
        #expect(d.fields["puk2"] == 10 && d.fields["pin2"] == 3)
        #expect(d.fields["action"] == "enter the SIM PIN (AT+CPIN=\"<pin>\")")
    }

    @Test func retryCounters() throws {
        let r = try #require(decode("+CPINR: SIM PIN,3,3", command: "AT+CPINR=\"SIM PIN\""))
        #expect(r.fields["code"] == "SIM PIN" && r.fields["retries"] == 3 && r.fields["defaultRetries"] == 3)
        let q = try #require(decode("+QPINC: \"SC\",3,10", command: "AT+QPINC?"))
        #expect(q.fields["facility"] == "SC" && q.fields["facilityMeaning"] == "SIM PIN")
        #expect(q.fields["pinCounter"] == 3 && q.fields["pukCounter"] == 10)
        let s = try #require(decode("+SPIC: 3,3,10,10", command: "AT+SPIC"))
        #expect(s.fields["pin1"] == 3 && s.fields["pin2"] == 3 && s.fields["puk1"] == 10 && s.fields["puk2"] == 10)
    }

    @Test func cpinBareAndNonsense() throws {
        // Stray spaces and quotes around the code; free text by the implied name is no +CPIN.
        let spaced = try #require(decode("+CPIN:  \"READY\" ", command: "AT+CPIN?"))
        #expect(spaced.name == "+CPIN" && spaced.fields["simState"] == "ready")
        let info = ATInformationLine("hello")
        #expect(SIMLines.cpin(info, ATDecodingContext(command: "AT+CPIN?")) == nil)
        #expect(decode("+CPIN: ")?.kind == .unknown)
    }

    @Test func simst() throws {
        let d = try #require(decode("^SIMST:1"))
        #expect(d.kind == .urc && d.fields["simState"] == 1 && d.fields["simStateMeaning"] == "valid SIM card")
        #expect(d.fields["sim"] == "unknown" && d.fields["lockState"] == nil)
        let bad = try #require(decode("^SIMST: 4,0"))
        #expect(bad.fields["sim"] == "failure" && bad.fields["lockState"] == 0)
    }

    @Test func crsmICCIDAndStatusWords() throws {
        // ModemManager's Huawei fallback AT+CRSM=176,12258,0,0,10: EF_ICCID is BCD, swapped.
        let d = try #require(decode("+CRSM: 144,0,\"98231420326409614067\"", command: "AT+CRSM=176,12258,0,0,10"))
        #expect(d.fields["iccid"] == "89324102234690160476" && d.fields["swMeaning"] == "normal ending of the command")
        let withF = try #require(decode("+CRSM: 144,0,\"984402003576012594F9\"", command: "AT+CRSM=176,12258,0,0,10"))
        #expect(withF.fields["iccid"] == "8944200053671052499")
        let notFound = try #require(decode("+CRSM: 106,130", command: "AT+CRSM=176,28486,0,0,17"))
        #expect(notFound.fields["sw"] == "6A82" && notFound.fields["swMeaning"] == "file or application not found")
        #expect(notFound.fields["success"] == false && notFound.fields["response"] == nil)
        #expect(decode("+CRSM: 148,4")?.fields["swMeaning"] == "file ID not found / pattern not found")
        #expect(decode("+CRSM: 152,4")?.fields["sw"] == "9804")
        #expect(decode("+CRSM: 99,195")?.fields["swMeaning"] == "verification failed, 3 retries left")
        #expect(decode("+CRSM: 300,1")?.kind == .unknown)
    }

    @Test func imsi() throws {
        let d = try #require(decode("310260123456789", command: "AT+CIMI"))
        #expect(d.name == "+CIMI" && d.fields["mcc"] == "310" && d.fields["mnc"] == "260" && d.fields["msin"] == "123456789")
        let p = try #require(decode("+CIMI: \"250011234567890\"", command: "AT+CIMI"))
        #expect(p.fields["imsi"] == "250011234567890" && p.fields["mnc"] == "01")
        #expect(decode("ERRORX", command: "AT+CIMI")?.fields["imsi"] == nil)
    }

    @Test func imeiForms() throws {
        let snt = try #require(decode("+CGSN: 1,\"490154203237518\"", command: "AT+CGSN=1"))
        #expect(snt.fields["imei"] == "490154203237518" && snt.fields["snt"] == 1 && snt.fields["sntMeaning"] == "IMEI")
        #expect(snt.fields["tac"] == "49015420" && snt.fields["checkDigitValid"] == true)
        let quoted = try #require(decode("+CGSN: \"490154203237518\"", command: "AT+CGSN"))
        #expect(quoted.fields["imei"] == "490154203237518")
        let sv = try #require(decode("+CGSN: 2,\"4901542032375101\"", command: "AT+CGSN=2"))
        #expect(sv.fields["imeisv"] == "4901542032375101" && sv.fields["svn"] == "01" && sv.fields["imei"] == "49015420323751")
        #expect(decode("+CGSN: (0-3)", command: "AT+CGSN=?")?.fields["supportedSnt"] == .array([0, 1, 2, 3]))
        let huawei = try #require(decode("IMEI: 490154203237518", command: "ATI"))
        #expect(huawei.name == "IMEI" && huawei.fields["imei"] == "490154203237518")
    }

    @Test func iccidPrefixes() throws {
        #expect(decode("+QCCID: 89860117838009934120", command: "AT+QCCID")?.fields["iccid"] == "89860117838009934120")
        #expect(decode("+ICCID: 8986031746202084867F", command: "AT+CICCID")?.fields["iccid"] == "8986031746202084867")
        #expect(decode("+CCID: \"8970101234567890123\"")?.fields["iccid"] == "8970101234567890123")
        let bare = try #require(decode("89860117838009934120"))
        #expect(bare.name == "ICCID" && bare.fields["iccid"] == "89860117838009934120")
        // 15 digits answering nothing is no ICCID.
        #expect(decode("982314203264096", command: "AT+CCID")?.fields["iccid"] == nil)
    }

    @Test func cnumUCS2AndFullForm() throws {
        let d = try #require(decode("+CNUM: \"004D0079004E0075006D\",\"002B0037003900310036\",145", command: "AT+CNUM", ucs2: true))
        #expect(d.fields["alpha"] == "MyNum" && d.fields["number"] == "+7916")
        let full = try #require(decode("+CNUM: \"Voice\",\"+79161234567\",145,7,4,0", command: "AT+CNUM"))
        #expect(full.fields["speed"] == 7 && full.fields["service"] == 4 && full.fields["serviceMeaning"] == "voice")
        #expect(full.fields["itc"] == 0 && full.fields["itcMeaning"] == "3.1 kHz")
        let national = try #require(decode("+CNUM: \"\",\"0612345678\",129", command: "AT+CNUM"))
        #expect(national.fields["typeMeaning"] == "unknown type, ISDN/telephony numbering plan (national/unknown)")
        #expect(national.fields["alpha"] == nil)
    }

    @Test func identificationTexts() throws {
        #expect(decode("+CGMR: LE11B08SIM7600M22", command: "AT+CGMR")?.fields["revision"] == "LE11B08SIM7600M22")
        #expect(decode("+QGMR: EC25EFAR06A06M4G_01.002.01.002", command: "AT+QGMR")?.fields["revision"] == "EC25EFAR06A06M4G_01.002.01.002")
        #expect(decode("+CGMM: \"EC25\"", command: "AT+CGMM")?.fields["model"] == "EC25")
        #expect(decode("Quectel", command: "AT+GMI")?.fields["manufacturer"] == "Quectel")
        #expect(decode("+CSCS: \"UCS2\"", command: "AT+CSCS?")?.fields["chset"] == "UCS2")
    }

    @Test func clockForms() throws {
        let d = try #require(decode("+CCLK: \"2024/03/05,14:22:10+12\"", command: "AT+CCLK?"))
        #expect(d.fields["year"] == 2024 && d.fields["month"] == 3 && d.fields["day"] == 5)
        #expect(d.fields["hour"] == 14 && d.fields["minute"] == 22 && d.fields["second"] == 10)
        #expect(d.fields["timeZoneQuarterHours"] == 12 && d.fields["utcOffsetMinutes"] == 180)
        #expect(d.fields["iso8601"] == "2024-03-05T14:22:10+03:00" && d.fields["timeZone"] == "+03:00")
        let dst = try #require(decode("+CCLK: \"24/03/05,14:22:10+08,1\"", command: "AT+CCLK?"))
        #expect(dst.fields["dst"] == 1 && dst.fields["utcOffsetMinutes"] == 120)
        #expect(decode("+CCLK: \"99/13/45,25:61:61\"")?.kind == .unknown)
    }

    @Test func batteryForms() throws {
        let simcom = try #require(decode("+CBC: 0,85,4112", command: "AT+CBC"))
        #expect(simcom.fields["bcs"] == 0 && simcom.fields["bcsMeaning"] == "not charging")
        #expect(simcom.fields["bcl"] == 85 && simcom.fields["voltage"] == 4112)
        let volts = try #require(decode("+CBC: 3.921V", command: "AT+CBC"))
        #expect(volts.fields["voltage"] == 3921)
        #expect(decode("+CBC: 1,100,4200")?.fields["bcsMeaning"] == "charging")
        #expect(decode("+CBC: V")?.kind == .unknown)
    }

    @Test func functionalityAndErrorMode() throws {
        let urc = try #require(decode("+CFUN: 1"))
        #expect(urc.kind == .urc && urc.fields["fun"] == 1)
        let test = try #require(decode("+CFUN: (0,1,4),(0-1)", command: "AT+CFUN=?"))
        #expect(test.fields["supportedFun"] == .array([0, 1, 4]) && test.fields["supportedRst"] == .array([0, 1]))
        #expect(decode("+CFUN: 7")?.fields["funMeaning"] == "manufacturer specific")
        let cmee = try #require(decode("+CMEE: 2", command: "AT+CMEE?"))
        #expect(cmee.fields["n"] == 2 && cmee.fields["nMeaning"] == "+CME ERROR with verbose text")
        #expect(decode("+CMEE: (0-2)", command: "AT+CMEE=?")?.fields["supportedN"] == .array([0, 1, 2]))
    }

    @Test func hostileInputsNeverCrash() {
        let names = ["+CPIN", "^CPIN", "+CPINR", "+QPINC", "+SPIC", "^SIMST", "^ICCID", "+CCID", "+QCCID", "+CRSM",
                     "+CIMI", "+CGSN", "+GSN", "+CGMR", "+GCAP", "+CNUM", "+CSCS", "+CCLK", "+CBC", "+CFUN", "+CMEE"]
        let params = ["", ",", ",,,,,,", "\"", "\"\"\"", "(", ")(", "-1", "99999999999999999999999", "1,", ",1",
                      "\u{FFFD}\u{0}", "144,0,\"F\"", "144,0,ZZ", "1,\"\"", "0x", "3.V", "1e9V", "/,:", "98", "9" + String(repeating: "8", count: 40)]
        for n in names {
            for p in params {
                _ = decode(n + ": " + p)
                _ = decode(n + ":" + p, command: "AT" + n + "?")
            }
        }
        for p in params {
            for c in ["AT+CIMI", "AT+CGSN", "AT+CCID", "AT+CPIN?", "AT+CRSM=176,12258,0,0,10", "ATI", nil] {
                _ = decode(p, command: c)
            }
        }
        _ = decode("Manufacturer:")
        _ = decode("ESN: +GSN:")
        _ = decode("IMEI SV:")
    }
}
