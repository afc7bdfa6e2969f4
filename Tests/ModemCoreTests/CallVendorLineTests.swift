// Call and vendor line decoders beyond the captured fixtures: layouts the manuals and
// 27.007 define that no public capture shows (Quectel ^DSCI codes 6/7, +CCWA URCs, +CSSU with
// a number, SIM800 +DTMF with duration), the ^CEND cause tables, and inputs no modem should
// print (which must decode to something or nothing, never crash).
import Foundation
import Testing
@testable import ModemCore

@Suite("Call and vendor lines")
struct CallVendorLineTests {
    func decode(_ line: String, command: String? = nil, ucs2: Bool = false) -> DecodedLine? {
        ATLogDecoder.decode(Array((line + "\r\n").utf8), command: command, ucs2: ucs2).first { $0.kind != .echo }
    }

    /// `line => {json}` rows, as in the fixture files, without a command.
    func check(_ table: String, command: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        for row in table.split(separator: "\n") {
            let r = String(row).trimmingCharacters(in: .whitespaces)
            guard !r.isEmpty, let arrow = r.range(of: " => ", options: .backwards) else { continue }
            let line = String(r[..<arrow.lowerBound])
            guard let expected = try? JSONDecoder().decode([String: ATValue].self, from: Data(r[arrow.upperBound...].utf8)) else {
                Issue.record("bad expectation: \(r)", sourceLocation: sourceLocation); continue
            }
            guard let d = decode(line, command: command) else { Issue.record("nothing decoded: \(line)", sourceLocation: sourceLocation); continue }
            for (k, v) in expected {
                switch k {
                case "$kind": #expect(d.kind.rawValue == v.stringValue, "\(line): kind", sourceLocation: sourceLocation)
                case "$name": #expect(d.name == v.stringValue, "\(line): name", sourceLocation: sourceLocation)
                default: #expect(d.fields[k] == v, "\(line): \(k) = \(d.fields[k].map(String.init(describing:)) ?? "nil")", sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test func manualCallLayouts() {
        check("""
        ^DSCI: 1,0,6,0,0,"13612345678",129,,19 => {"$name": "^DSCI", "id": 1, "dir": 0, "stat": 6, "mode": 0, "mpty": 0, "number": "13612345678", "type": 129, "cause": 19, "causeMeaning": "user alerting, no answer"}
        ^DSCI: 2,0,7,0,10086,129,1 => {"id": 2, "dir": 0, "stat": 7, "statMeaning": "alerting", "number": "10086", "numType": 129, "toneInfo": 1}
        ^DSCI: 2,0,6,0,10086,129 => {"id": 2, "stat": 6, "statMeaning": "ended", "number": "10086"}
        ^DDTMF: 5 => {"$name": "^DDTMF", "digit": "5"}
        ^DDTMF: # => {"digit": "#"}
        +QTONEDET: 35 => {"code": 35, "digit": "#"}
        +QTONEDET: 42 => {"code": 42, "digit": "*"}
        +QTONEDET: 65 => {"code": 65, "digit": "A"}
        +DTMF:5,100 => {"digit": "5", "duration": 100, "durationMs": 100}
        +CPAS: 4 => {"pas": 4, "pasMeaning": "call in progress"}
        +CPAS: 3 => {"pas": 3, "pasMeaning": "ringing"}
        +CSSU: 3 => {"code2": 3, "code2Meaning": "call has been retrieved (during a voice call)"}
        +CSSU: 0,,"+79161234567",145 => {"code2": 0, "number": "+79161234567", "type": 145}
        +CSSI: 2 => {"code1": 2, "code1Meaning": "call has been forwarded"}
        +CCWA: "+79161234567",145,1,"",0 => {"$kind": "urc", "$name": "+CCWA", "number": "+79161234567", "type": 145, "class": 1, "classMeaning": "voice", "cliValidity": 0, "caller": "+79161234567"}
        +CCWA: "",128,1,,1 => {"type": 128, "class": 1, "cliValidity": 1, "caller": "withheld"}
        +CIEV: 10,"310410","AT&T","AT&T",0,0 => {"$name": "+CIEV", "ind": 10, "plmn": "310410", "mcc": "310", "mnc": "410", "longName": "AT&T", "shortName": "AT&T"}
        +CIEV: "CALL",1 => {"ind": "CALL", "indName": "call", "value": 1}
        +CIEV: 2,3 => {"ind": 2, "value": 3}
        +CLIP: "+79161234567",145,,,,0 => {"$kind": "urc", "$name": "+CLIP", "number": "+79161234567", "type": 145, "cliValidity": 0, "cliValidityMeaning": "CLI valid", "caller": "+79161234567"}
        +CLCC: 2,0,3,0,0,"+79161234567",145 => {"id": 2, "stat": 3, "statMeaning": "alerting (MO call)", "number": "+79161234567", "type": 145, "typeMeaning": "international number, ISDN/telephony numbering plan (E.164)"}
        """)
    }

    @Test func ccCauseTableIsComplete() {
        for c in [1, 3, 6, 8, 16, 17, 18, 19, 21, 22, 25, 26, 27, 28, 29, 30, 31, 34, 38, 41, 42, 43, 44, 46, 47, 49, 50,
                  55, 57, 58, 63, 65, 68, 69, 70, 79, 81, 87, 88, 91, 95, 96, 97, 98, 99, 100, 101, 102, 111, 127] {
            #expect(CallCause.meanings24008[c] != nil, "cause \(c)")
        }
        // A cause with no routing rule is still named in the typed end cause.
        #expect(CallEndCause.fromCCCause(88).text == "incompatible destination")
        #expect(CallEndCause.fromCCCause(88).kind == .unknown)
    }

    @Test func malformedCallLinesDecodeToNothingOrSomething() {
        for line in ["+CLCC:", "+CLCC: x,y,z,,", "^CEND:", "^CEND:,,,", "^DSCI: 1", "^DSCI: 1,0,99,0,0", "+CCWA:",
                     "+QTONEDET: 999999999999", "+QTONEDET: -5", "+RXDTMF: 88", "MISSED_CALL:", "VOICE CALL: ???",
                     "+CIEV: 10,,", "+CSSU: ,", "+CLIP: ,,,,,,,,,,", "^ORIG:", "+CPAS: (0-5)"] {
            _ = decode(line)
            _ = decode(line, command: "AT+CLCC")
        }
        #expect(decode("+CPAS: (0-5)", command: "AT+CPAS=?")?.fields["supportedPas"] == [0, 1, 2, 3, 4, 5])
        #expect(decode("+CLIP: 1,1", command: "AT+CLIP?")?.fields["m"] == 1)
        #expect(decode("+CCWA: 1", command: "AT+CCWA?")?.fields["n"] == 1)
    }

    @Test func vendorLayoutsFromManuals() {
        check("""
        +QIND: "act","LTE" => {"$name": "+QIND", "type": "act", "act": "LTE"}
        +QIND: SMS DONE => {"type": "SMS DONE", "event": "sms-ready"}
        +QIND: "ccinfo",1,0,-1,0,0,"10086",129 => {"type": "ccinfo", "id": 1, "stat": -1, "statMeaning": "released", "number": "10086"}
        +QIND: "csq",19,99 => {"type": "csq", "rssi": 19}
        +QCFG: "nwscanmode",0 => {"name": "nwscanmode", "value": 0, "values": [0]}
        +QSPN: "CHN-UNICOM","UNICOM","",0,"46001" => {"fnn": "CHN-UNICOM", "snn": "UNICOM", "alphabet": 0, "rplmn": "46001", "mcc": "460", "mnc": "01"}
        *PSNWID: "310","410","0041005400260054",0,"0041005400260054",0 => {"mcc": "310", "mnc": "410", "longName": "AT&T", "shortName": "AT&T"}
        ^SPN:1,1,"004D0054005300" => {"dispRplmn": 1, "coding": 1}
        ^DSFLOWQRY:00000010,00000100,00000200,00001000,00010000,00020000 => {"lastDsTime": 16, "totalRxFlow": 131072}
        """)
    }
}
