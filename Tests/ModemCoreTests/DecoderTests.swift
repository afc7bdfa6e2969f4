import Testing
@testable import ModemCore

@Suite("Decoders (vectors from at-dialects.md)")
struct DecoderTests {
    @Test func registrationForms() throws {
        // 1.7: `+CREG: 1,0001,0010,0` is a URC, `+CREG:2,1,0001,0010` an answer.
        let urc = try #require(RegistrationReport.parse("+CREG: 1,0001,0010,0", solicited: nil))
        #expect(urc.mode == nil && urc.status == .home && urc.lac == "0001" && urc.cellID == "0010" && urc.act == 0)
        let answer = try #require(RegistrationReport.parse("+CREG:2,1,0001,0010", solicited: nil))
        #expect(answer.mode == 2 && answer.status == .home && answer.lac == "0001" && answer.cellID == "0010")
        // 2.6: Huawei unquoted hex, with spaces.
        let hw = try #require(RegistrationReport.parse("+CREG: 2,5, 1607, 14DB", solicited: true))
        #expect(hw.status == .roaming && hw.status?.summary == .roaming && hw.lac == "1607" && hw.cellID == "14DB")
        let q = try #require(RegistrationReport.parse("+CEREG: 2,1,\"1A2B\",\"01A2D001\",7", solicited: true))
        #expect(q.domain == .eps && q.act == 7 && q.cellID == "01A2D001")
        #expect(RegistrationReport.parse("+CREG: 2", solicited: false)?.status == .searching)
        #expect(RegistrationReport.parse("+CREG: 0,3", solicited: true)?.status?.summary == .denied)
        #expect(RegistrationStatus.homeSMSOnly.allowsVoice == false)
        #expect(RegistrationReport.parse("+CREG: x", solicited: nil) == nil)
    }

    @Test func signal() throws {
        let s = try #require(SignalQuality.parse("+CSQ: 16,99"))
        #expect(s.rssi == 16 && s.dBm == -81 && s.bars == 4)
        #expect(SignalQuality.parse("+CSQ: 99,99") == SignalQuality(rssi: nil, dBm: nil, bars: 0))
        #expect(SignalQuality.parse("+CSQ: 0,0")?.dBm == -113)
        #expect(SignalQuality.parse("+CSQ: 31,0")?.dBm == -51)
        #expect(SignalQuality.parse("^RSSI:14")?.dBm == -85)
        #expect(SignalQuality.parse("^RSSI: 14")?.rssi == 14)
        #expect(SignalQuality.parse("+QIND: \"csq\",20,99")?.dBm == -73)
        let lte = try #require(SignalQuality.parse("^HCSQ: \"LTE\",45,50,120,20"))
        #expect(lte.dBm == -76)
        #expect(lte.detail == "LTE, rsrp -91 dBm, sinr 3.8 dB, rsrq -10.0 dB")
        #expect(SignalQuality.parse("^HCSQ: \"NOSERVICE\"")?.bars == 0)
    }

    @Test func operatorNames() throws {
        let n = try #require(OperatorReport.parse("+COPS: 0,2,\"25001\",2"))
        #expect(n.mccmnc == "25001" && n.act == 2 && n.name == nil)
        // UCS2 hex name (AT+CSCS="UCS2"): "MTS".
        #expect(OperatorReport.parse("+COPS: 0,0,\"004D00540053\",7")?.name == "MTS")
        #expect(OperatorReport.parse("+COPS: 0,0,\"0411043504410442\",0")?.name == "Бест")
        // Huawei trailing `@` stripped (chan_dongle "Tele2@").
        #expect(OperatorReport.parse("+COPS: 0,0,\"Tele2@\",0")?.name == "Tele2")
        #expect(OperatorReport.parse("+COPS: 0")?.format == nil)
        #expect(HomeNetwork.mccmnc(imsi: "250011234567890") == "25001")
        #expect(HomeNetwork.mccmnc(imsi: "310260123456789") == "310260")
        #expect(HomeNetwork.mccmnc(imsi: "405854000000001") == "405854")
        #expect(HomeNetwork.mccmnc(imsi: "12ab") == nil)
    }

    @Test func identities() {
        #expect(IdentityParser.imei(from: ["351234567890123"]) == "351234567890123")
        #expect(IdentityParser.imei(from: ["+CGSN: \"351234567890123\""]) == "351234567890123")
        #expect(IdentityParser.imei(from: ["Manufacturer: huawei", "IMEI: 351234567890123"]) == "351234567890123")
        #expect(IdentityParser.imsi(from: ["+CIMI: 250011234567890"]) == "250011234567890")
        // 2.7: Huawei swapped nibbles.
        #expect(IdentityParser.iccid(from: ["^ICCID: \"983351106111005079F8\""]) == "8933150116110005978")
        #expect(IdentityParser.iccid(from: ["^ICCID: 8986000000000000000F"]) == "8986000000000000000")
        #expect(IdentityParser.iccid(from: ["+QCCID: 89701012345678901234"]) == "89701012345678901234")
        #expect(IdentityParser.iccid(from: ["+ICCID: 8970101234567890123"]) == "8970101234567890123")
        #expect(IdentityParser.iccid(from: ["+CCID: \"8970101234567890123\""]) == "8970101234567890123")
        // ModemManager test_iccid_parse_*: hex account digits are kept, a non-89 MII is no ICCID.
        #expect(IdentityParser.iccid(from: ["+CCID: \"898602F9091830030220\""]) == "898602F9091830030220")
        #expect(IdentityParser.iccid(from: ["0044200053671052499"]) == nil)
        #expect(IdentityParser.msisdn(from: ["+CNUM: \"\",\"+33612345678\",145"]) == "+33612345678")
        #expect(IdentityParser.msisdn(from: ["+CNUM: \"\",\"\",129"]) == nil)
        let ati = DeviceInfo.fromATI(["Manufacturer: huawei", "Model: E1550", "Revision: 11.609.18.00.00",
                                      "IMEI: 351234567890123", "+GCAP: +CGSM,+DS,+ES"])
        #expect(ati == DeviceInfo(manufacturer: "huawei", model: "E1550", firmware: "11.609.18.00.00"))
        let q = DeviceInfo.fromATI(["Quectel", "EC25", "Revision: EC25EFAR06A06M4G"])
        #expect(q == DeviceInfo(manufacturer: "Quectel", model: "EC25", firmware: "EC25EFAR06A06M4G"))
    }

    @Test func simStates() {
        #expect(SIMState.parse(cpin: "+CPIN: READY") == .ready)
        #expect(SIMState.parse(cpin: "+CPIN: \"SIM PIN\"") == .pinRequired)
        #expect(SIMState.parse(cpin: "+CPIN: SIM PUK") == .pukRequired)
        #expect(SIMState.parse(cpin: "+CPIN: PH-NET PIN") == .locked)
        #expect(SIMState.parse(cpin: "+CPIN: NOT READY") == .absent)
        #expect(SIMState.from(cme: .code(10)) == .absent)
        #expect(SIMState.from(cme: .code(13)) == .absent)
        #expect(SIMState.from(cme: .text("SIM not inserted")) == .absent)
        #expect(SIMState.from(cme: .code(14)) == .busy)
        #expect(SIMState.parse(simst: "^SIMST: 255") == .absent)
        #expect(SIMState.parse(simst: "^SIMST:1") == .unknown)
    }

    @Test func callURCs() {
        #expect(CallURC.parse("RING") == .ring(type: nil))
        #expect(CallURC.parse("+CRING: VOICE") == .ring(type: "VOICE"))
        #expect(CallURC.parse("+CLIP: \"+79161234567\",145,,,,0") == .callerID(.number("+79161234567"), numberType: 145))
        #expect(CallURC.parse("+CLIP: \"\",128,,,,1") == .callerID(.withheld, numberType: 128))
        #expect(CallURC.parse("+CLIP: \"\",128,,,,2") == .callerID(.unavailable, numberType: 128))
        #expect(CallURC.parse("+CLIP: \"\",128") == .callerID(.unavailable, numberType: 128))
        #expect(CallURC.parse("^ORIG:1,0") == .originated(id: 1))
        #expect(CallURC.parse("^CONF:1") == .alerting(id: 1))
        #expect(CallURC.parse("^CONN:1,0") == .connected(id: 1))
        // 2.4 captures: ^CEND:1,82,29 (client end), ^CEND: 1,9,67,16 (cc_cause 16), ^CEND:1,0,48.
        if case .ended(1, 82, let c?) = CallURC.parse("^CEND:1,82,29") { #expect(c.kind == .localHangup && c.vendorStatus == 29) }
        else { Issue.record("^CEND:1,82,29") }
        if case .ended(1, 9, let c?) = CallURC.parse("^CEND: 1,9,67,16") { #expect(c.kind == .normal && c.ccCause == 16 && c.vendorStatus == 67) }
        else { Issue.record("^CEND: 1,9,67,16") }
        if case .ended(1, 0, let c?) = CallURC.parse("^CEND:1,0,48") { #expect(c.kind == .unknown && c.vendorStatus == 48) }
        else { Issue.record("^CEND:1,0,48") }
        #expect(CallURC.parse("VOICE CALL: BEGIN") == .connected(id: nil))
        #expect(CallURC.parse("VOICE CALL: END: 000042") == .ended(id: nil, durationSeconds: 42, cause: nil))
        #expect(CallURC.parse("VOICE CALL: END") == .ended(id: nil, durationSeconds: nil, cause: nil))
        #expect(CallURC.parse("MISSED_CALL: 10:16AM 13800138000") == .missed(time: "10:16AM", caller: .number("13800138000")))
        #expect(CallURC.parse("NO CARRIER") == .progressResult(.noCarrier))
        #expect(CallURC.parse("BUSY") == .progressResult(.busy))
        // +CLCC rows (5.2), incl. the LTE PS bearer and a number with A-D.
        let row = CallListEntry.parseCLCC("+CLCC: 1,1,4,0,0,\"+7913913ABCA\",145")
        #expect(row?.incoming == true && row?.status == .incoming && row?.number == "+7913913ABCA" && row?.isVoice == true)
        #expect(CallListEntry.parseCLCC("+CLCC: 1,0,0,1,0,\"\",128")?.isVoice == false)
        #expect(CallListEntry.parseCLCC("+CLCC: 2,0,3,0,0")?.status == .alerting)
        // Quectel ccinfo with stat -1 = released.
        if case .listed(let e) = CallURC.parse("+QIND: \"ccinfo\",2,0,-1,0,0,\"+4915112345678\",145") {
            #expect(e.id == 2 && e.status == .released && e.number == "+4915112345678")
        } else { Issue.record("ccinfo") }
        // ^DSCI: Quectel codes (3 = connected) vs other chipsets (+CLCC codes, cause 19).
        if case .listed(let e) = CallURC.parse("^DSCI: 1,0,3,0,13800138000,129", quectelDSCI: true) {
            #expect(e.status == .active && e.number == "13800138000")
        } else { Issue.record("quectel dsci") }
        if case .listed(let e) = CallURC.parse("^DSCI: 1,0,6,0,0,\"136123\",129,,19", quectelDSCI: false) {
            #expect(e.status == .released && e.cause == 19)
        } else { Issue.record("other dsci") }
    }

    @Test func urcDispatch() {
        #expect(ModemURC.decode("^BOOT:20273899,0,0,0,75") == .ignored(name: "^BOOT"))
        // `^MODE: 3,4` contradicts itself (GSM mode, WCDMA submode): the mode wins, as in ModemManager.
        #expect(ModemURC.decode("^MODE:3,4") == .accessTechnology("GSM"))
        #expect(ModemURC.decode("^SRVST:2") == .ignored(name: "^SRVST"))
        #expect(ModemURC.decode("^SIMST: 255,1") == .sim(.absent))
        #expect(ModemURC.decode("+QIND: \"act\",\"LTE\"") == .accessTechnology("LTE"))
        #expect(ModemURC.decode("+CNSMOD: 8") == .accessTechnology("LTE"))
        #expect(ModemURC.decode("+QTONEDET: 35") == .dtmf("#"))
        #expect(ModemURC.decode("+QTONEDET: 49") == .dtmf("1"))
        #expect(ModemURC.decode("+RXDTMF: 5") == .dtmf("5"))
        #expect(ModemURC.decode("RDY") == .moduleReady)
        #expect(ModemURC.decode("+CREG: 5") == .registration(RegistrationReport.parse("+CREG: 5", solicited: false)!))
        #expect(ModemURC.decode("HELLO WORLD") == .unknown("HELLO WORLD"))
        #expect(ModemURC.decode("+FOO: 1") == .unknown("+FOO: 1"))
        // A ring line that cannot be parsed still rings.
        #expect(ModemURC.decode("+CRING: \u{FFFD}\u{FFFD}") == .call(.ring(type: "\u{FFFD}\u{FFFD}")))
    }

    @Test func logDecoder() {
        let out = ATLogDecoder.decode(Array("AT+CREG?\r\r\n+CREG: 2,1,\"8BE3\",\"2BAF\"\r\n\r\nOK\r\n\r\n+CREG: 5\r\n\r\n^FOO\r\n".utf8))
        #expect(out.map(\.kind) == [.echo, .response, .final, .urc, .unknown])
        #expect(out[1].name == "+CREG" && out[1].fields["n"] == .int(2) && out[1].fields["stat"] == .int(1) && out[1].fields["lac"] == "8BE3")
        #expect(out[2].name == "OK" && out[2].fields["success"] == .bool(true) && out[2].fields["result"] == "ok")
        #expect(out[3].fields["stat"] == .int(5) && out[3].fields["statMeaning"] == "registered, roaming" && out[3].fields["n"] == nil)
        // With --command and no echo: `+CREG: 1,0001,0010,0` read as an answer (first field <n>).
        let a = ATLogDecoder.decode(Array("\r\n+CREG: 1,0001,0010,0\r\n\r\n+CME ERROR: 10\r\n".utf8), command: "AT+CREG?")
        #expect(a.map(\.kind) == [.response, .final])
        #expect(a[0].fields["n"] == .int(1))
        #expect(a[1].fields["code"] == .int(10) && a[1].fields["meaning"] == "SIM not inserted" && a[1].fields["simState"] == "absent")
        let b = ATLogDecoder.decode(Array("\r\n^CEND:1,82,29\r\n\nNO CARRIER\r\n\r\n+CLIP: \"\",128,,,,1\r\n".utf8))
        #expect(b.map(\.kind) == [.urc, .urc, .urc])
        #expect(b[0].fields["endStatus"] == .int(29) && b[0].fields["durationSeconds"] == .int(82))
        #expect(b[2].fields["caller"] == "withheld")
        let imsi = ATLogDecoder.decode(Array("\r\n250011234567890\r\n\r\nOK\r\n".utf8), command: "AT+CIMI")
        #expect(imsi[0].kind == .response && imsi[0].name == "+CIMI" && imsi[0].fields["imsi"] == .string("250011234567890"))
        #expect(imsi[0].fields["mcc"] == .string("250") && imsi[0].fields["mnc"] == .string("01"))
    }
}

@Suite("Vendor dialects")
struct DialectTests {
    @Test func usbTable() throws {
        let (d, m) = try #require(ModemDialect.forUSB(vendorID: 0x12D1, productID: 0x1001))
        #expect(d.vendor == .huawei && m.atInterface == 2 && m.audioInterface == 1 && m.usbID == "12d1:1001")
        #expect(ModemDialect.forUSB(vendorID: 0x12D1, productID: 0x1436)?.1.atInterface == 4)
        #expect(ModemDialect.forUSB(vendorID: 0x2C7C, productID: 0x0125)?.1.audioInterface == 1)
        #expect(ModemDialect.forUSB(vendorID: 0x1E0E, productID: 0x9001)?.1.audioInterface == 4)
        #expect(ModemDialect.forUSB(vendorID: 0x1E0E, productID: 0x9011)?.1.atInterface == 4)
        #expect(ModemDialect.forUSB(vendorID: 0xFFFF, productID: 1) == nil)
    }

    @Test func detection() {
        #expect(ModemDialect.detect(["Manufacturer: huawei", "Model: E1550"]).vendor == .huawei)
        #expect(ModemDialect.detect(["Quectel", "EC25", "Revision: EC25EFAR06A06M4G"]).vendor == .quectel)
        #expect(ModemDialect.detect(["SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H"]).vendor == .simcom)
        #expect(ModemDialect.detect(["ZTE CORPORATION", "MF626"]).vendor == .generic)
    }

    @Test func voiceProbes() {
        let ok = ModemDialect.huawei.judgeVoiceProbe(ATResponse(lines: ["^CVOICE:0,8000,16,20"], final: .ok))
        #expect(ok.capable && ok.sampleRate == 8000)
        let off = ModemDialect.huawei.judgeVoiceProbe(ATResponse(lines: ["^CVOICE:1"], final: .ok))
        #expect(!off.capable && off.reason.contains("^CVOICE:1"))
        let none = ModemDialect.huawei.judgeVoiceProbe(ATResponse(lines: [], final: .commandNotSupported))
        #expect(!none.capable && none.reason.contains("COMMAND NOT SUPPORT"))
        #expect(ModemDialect.quectel.judgeVoiceProbe(ATResponse(lines: ["+QPCMV: 0,2"], final: .ok)).capable)
        #expect(!ModemDialect.quectel.judgeVoiceProbe(ATResponse(lines: [], final: .error)).capable)
        #expect(ModemDialect.simcom.judgeVoiceProbe(ATResponse(lines: ["+CPCMREG: 0"], final: .ok)).capable)
        #expect(!ModemDialect.simcom.judgeVoiceProbe(ATResponse(lines: [], final: .cmeError(.code(4)))).capable)
        #expect(!ModemDialect.generic.judgeVoiceProbe(ATResponse(lines: [], final: .ok)).capable)
    }

    @Test func callCommands() {
        #expect(ModemDialect.huawei.calls.dial("+79161234567") == ["ATD+79161234567;"])
        // Dial strings are sanitised: no command injection through a number.
        #expect(ModemDialect.huawei.calls.dial("123;+CFUN=0") == ["ATD123+C0;"])
        #expect(ModemDialect.huawei.calls.dtmf("5", 1) == "AT^DTMF=1,5")
        #expect(ModemDialect.huawei.calls.dtmf("A", 1) == nil)
        #expect(ModemDialect.quectel.calls.hangUpCall(2) == ["AT+QHUP=16,2"])
        #expect(ModemDialect.quectel.calls.audioStart == .beforeCallSetup)
        #expect(ModemDialect.simcom.calls.enableAudio == ["AT+CPCMREG=1"] && ModemDialect.simcom.calls.audioStart == .whenActive)
        #expect(ModemDialect.huawei.calls.enableAudio == ["AT^DDSETEX=2"])
    }
}
