// The registration and signal line decoders beyond the captured fixtures: the 27.007 n=3/4/5
// forms, timer decoding, scan lists split over lines, and inputs no modem should print
// (which must decode to something or nothing, never crash).
import Testing
@testable import ModemCore

@Suite("Registration and signal lines")
struct RegistrationSignalLineTests {
    func decode(_ line: String, command: String? = nil, ucs2: Bool = false) -> DecodedLine? {
        ATLogDecoder.decode(Array((line + "\r\n").utf8), command: command, ucs2: ucs2).first { $0.kind != .echo }
    }

    @Test func creg3CauseForm() throws {
        // 27.007 7.2 n=3: +CREG: <n>,<stat>,<lac>,<ci>,<AcT>,<cause_type>,<reject_cause>.
        let d = try #require(decode("+CREG: 3,3,\"1A2B\",\"00C4D5E6\",7,0,15", command: "AT+CREG?"))
        #expect(d.fields["n"] == 3 && d.fields["stat"] == 3 && d.fields["statMeaning"] == "registration denied")
        #expect(d.fields["causeType"] == 0 && d.fields["rejectCause"] == 15)
        #expect(d.fields["rejectCauseMeaning"] == "no suitable cells in location/tracking area")
        #expect(d.fields["lacValue"] == .int(0x1A2B) && d.fields["ciValue"] == .int(0xC4D5E6))
        // The same as a URC (no <n>).
        let u = try #require(decode("+CREG: 3,\"1A2B\",\"00C4D5E6\",7,0,15"))
        #expect(u.kind == .urc && u.fields["n"] == nil && u.fields["stat"] == 3 && u.fields["rejectCause"] == 15)
    }

    @Test func cgregPSMForm() throws {
        // n=4: ... <AcT>,<rac>,,,<Active-Time>,<Periodic-RAU>,<GPRS-READY-timer>.
        let d = try #require(decode("+CGREG: 4,1,\"1422\",\"00000142\",3,\"0A\",,,\"00100001\",\"00000110\",\"00000101\"", command: "AT+CGREG?"))
        #expect(d.fields["rac"] == "0A" && d.fields["racValue"] == 10)
        #expect(d.fields["activeTimeSeconds"] == 60)  // unit 1 min x 1
        #expect(d.fields["periodicRAUSeconds"] == 3600)  // unit 10 min x 6
        #expect(d.fields["gprsReadyTimerSeconds"] == 10)  // unit 2 s x 5
        #expect(d.fields["causeType"] == nil)
    }

    @Test func c5gregCauseForm() throws {
        let d = try #require(decode("+C5GREG: 3,3,\"1F00\",\"00000079D903\",11,0,,0,7", command: "AT+C5GREG?"))
        #expect(d.fields["stat"] == 3 && d.fields["actName"] == "NR connected to 5GCN")
        #expect(d.fields["allowedNSSAILength"] == 0 && d.fields["allowedNSSAI"] == nil)
        #expect(d.fields["causeType"] == 0 && d.fields["rejectCause"] == 7)
    }

    @Test func gprsTimers() {
        #expect(GPRSTimer.timer2Seconds("00011000") == 48)
        #expect(GPRSTimer.timer2Seconds("11100000") == nil)  // deactivated
        #expect(GPRSTimer.timer3Seconds("00101010") == 36000)
        #expect(GPRSTimer.timer3Seconds("10000011") == 90)
        #expect(GPRSTimer.timer3Seconds("0010101") == nil)
        #expect(GPRSTimer.timer3Seconds("0010101x") == nil)
    }

    @Test func typedParserFollowsExtraFieldForms() throws {
        let novatel = try #require(RegistrationReport.parse("+CEREG: 1, 1F00, 20 ,79D903 ,7", solicited: nil))
        #expect(novatel.lac == "1F00" && novatel.cellID == "79D903" && novatel.act == 7)
        let iridium = try #require(RegistrationReport.parse("+CREG:002,001,\"18d8\",\"ffff\"", solicited: nil))
        #expect(iridium.mode == 2 && iridium.status == .home && iridium.lac == "18D8")
        #expect(RegistrationStatus.emergencyOnly.meaning == "attached for emergency bearer services only")
        #expect(AccessTechnology.standardName(act: 9) == "E-UTRAN NB-S1")
        #expect(AccessTechnology.name(act: 7) == "LTE")  // the health view keeps its short names
    }

    @Test func copsScanSplitOverLines() {
        let out = ATLogDecoder.decode(Array(("AT+COPS=?\r\r\n+COPS: (2,\"T - Mobile\",,\"31026\",0),\r\n"
            + "(1,\"AT&T\",,\"310410\",0),,(0,1,3),(0,2)\r\n\r\nOK\r\n").utf8))
        #expect(out.prefix(3).map(\.kind) == [.echo, .response, .response] && out.count == 4)
        #expect(out[1].fields["networks"]?.arrayValue?.count == 1)
        #expect(out[2].name == "+COPS" && out[2].fields["networks"]?.arrayValue?.first?.objectValue?["mnc"] == "410")
        #expect(out[2].fields["supportedModes"] == [0, 1, 3])
    }

    @Test func copsReadForms() throws {
        let d = try #require(decode("+COPS: 4,1,\"MTS\",2", command: "AT+COPS?"))
        #expect(d.fields["modeMeaning"] == "manual/automatic" && d.fields["formatMeaning"] == "short alphanumeric")
        #expect(d.fields["oper"] == "MTS" && d.fields["actName"] == "UTRAN")
        let cyr = try #require(decode("+COPS: 0,0,\"0411043504410442\",0", command: "AT+COPS?", ucs2: true))
        #expect(cyr.fields["oper"] == "Бест")
        let test = try #require(decode("+COPS: ,,(0-4),(0-2)", command: "AT+COPS=?"))
        #expect(test.fields["networks"] == [] && test.fields["supportedFormats"] == [0, 1, 2])
    }

    @Test func signalConversions() throws {
        let c = try #require(decode("+CESQ: 63,0,96,49,34,97,127,126,127", command: "AT+CESQ"))
        #expect(c.fields["rxlevDBm"] == -48 && c.fields["rscpDBm"] == -25 && c.fields["ecnoDB"] == 0)
        #expect(c.fields["rsrqDB"] == -3 && c.fields["rsrpDBm"] == -44)
        #expect(c.fields["ssRsrqDB"] == 20 && c.fields["ssRsrpDBm"] == -31 && c.fields["ssSinrDB"] == 40)
        let t = try #require(decode("+CSQ: 150,99", command: "AT+CSQ"))
        #expect(t.fields["dBm"] == -66)  // TD-SCDMA range
        let nr = try #require(decode("^HCSQ: \"NR\",70,140,20"))
        #expect(nr.fields["rsrpDBm"] == -71 && nr.fields["sinrDB"] == 7.8 && nr.fields["rsrqDB"] == -10)
        let w = try #require(decode("+QCSQ: \"WCDMA\",-71,-75,-4", command: "AT+QCSQ"))
        #expect(w.fields["dBm"] == -71 && w.fields["rscpDBm"] == -75 && w.fields["ecioDB"] == -4)
        let gsm = try #require(decode("+QENG: \"servingcell\",\"NOCONN\",\"GSM\",460,00,550A,2187,26,62,-,-73,255,255,0,38,38,1,-,-,-,-,-,-,-,-,-,\"-\"", command: "AT+QENG=\"servingcell\""))
        #expect(gsm.fields["lac"] == "550A" && gsm.fields["cellId"] == "2187" && gsm.fields["rxlev"] == -73)
    }

    @Test func quectelEngineeringForms() throws {
        let cmd = "AT+QENG=\"servingcell\""
        let w = try #require(decode("+QENG: \"servingcell\",\"NOCONN\",\"WCDMA\",460,01,A809,A9B1C2,10663,279,1,-75,-4,-,-,-,-,-", command: cmd))
        #expect(w.fields["rat"] == "WCDMA" && w.fields["lacValue"] == .int(0xA809) && w.fields["uarfcn"] == 10663)
        #expect(w.fields["psc"] == 279 && w.fields["rscp"] == -75 && w.fields["ecio"] == -4 && w.fields["phych"] == nil)
        let n = try #require(decode("+QENG: \"neighbourcell intra\",\"LTE\",38950,276,-3,-88,-65,0,37,7,16,6,44", command: "AT+QENG=\"neighbourcell\""))
        #expect(n.fields["type"] == "neighbourcell intra" && n.fields["pcid"] == 276 && n.fields["rsrp"] == -88)
        #expect(n.fields["sIntraSearch"] == 44)
        let search = try #require(decode("+QENG: \"servingcell\",\"SEARCH\"", command: cmd))
        #expect(search.fields["state"] == "SEARCH" && search.fields["rat"] == nil)
    }

    @Test func hostileInputsNeverCrash() {
        let names = ["+CREG", "+CGREG", "+CEREG", "+C5GREG", "+COPS", "+CSQ", "+CESQ", "^RSSI", "^HCSQ", "^SYSINFO",
                     "^SYSINFOEX", "^MODE", "^SRVST", "^CSNR", "+QIND", "+QCSQ", "+QNWINFO", "+QENG", "+CNSMOD", "+CPSI"]
        let bodies = ["", " ", ",", ",,,,,,,,,,,,", "(", ")", "((((", "))))", "(,)", "\"", "\",\"", "(\"", "9999999999999999999999",
                      "-", "0-99999999", "(0-99999999)", "x,y,z", "1,\"", "2,1,\"FFFFFFFFFFFFFFFFFFFF\",\"ZZ\",99999999999999999999",
                      "(2,\"a\",\"b\",\"c\",),2),,,(", "\"servingcell\",\"NOCONN\",\"LTE\"", "LTE,,,,,,,,,,,,,,,,,,", "4,1,,,,,,,,,,,",
                      "\"NR\",255,255,255", "\"CDMA-EVDO\",1,2,3,4,5,6,7",
                      "\"LTE\",-9223372036854775808,-9223372036854775808,-9223372036854775808,9223372036854775807",
                      "LTE,Online,1-2,0x1,1,1,B,1,1,1,-9223372036854775808,-9223372036854775808,9223372036854775807,1",
                      "-9223372036854775808,9223372036854775807,-9223372036854775808,-9223372036854775808,255,0,0,0,0"]
        for name in names {
            for body in bodies {
                for command in [nil, "AT\(name)?", "AT\(name)=?"] as [String?] {
                    _ = decode("\(name): \(body)", command: command)
                }
            }
        }
        #expect(ATRanges.values("(5-1)") == .string("5-1"))
        #expect(ATRanges.topLevelItems("((a),b") == [.group("(a),b")])
    }
}
