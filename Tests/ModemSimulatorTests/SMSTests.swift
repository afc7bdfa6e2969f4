// SMS through real ptys: storage, indications, the AT+CMGS prompt byte for byte, faults,
// storage full, a concatenated Cyrillic message and status reports. Published PDUs carry
// their source beside them; the simulator's own PDUs are decoded with SMSCore.
import Foundation
import SMSCore
import Testing
@testable import ModemSimulator

/// Published PDUs, SMSC field first.
enum SMSVectors {
    /// SMS-DELIVER, TPDU 50 octets. ModemManager @9a2d5863 src/tests/test-modem-helpers.c
    /// (test_cmgr_response_*), as in Tests/Fixtures/at-lines/messaging.txt.
    static let deliver = "07916163838428F9040B916121021021F700005190514164220A23C4B0BCFD5E8740C4B0BCFD5E83C26E3248196687C9A0301D440DBBC3677918"
    /// SMS-STATUS-REPORT, TPDU 24 octets, MR 90, status 0x30. ModemManager @9a2d5863
    /// src/tests/test-sms-part-3gpp.c, test_pdu_not_stored.
    static let statusReport = "07914356060013F1065A098136397339F7219011700463802190117004638030"
    /// SMS-SUBMIT "Hello World!" to +27820001111, no SMSC, no report. babca/python-gsmmodem
    /// @5c816bae test/test_pdu.py, TestSmsPdu.test_encodeSmsSubmit.
    static let submit = "0001000B917228001011F100000CC8329BFD065DDF72363904"
    /// SMS-SUBMIT "www.diafaan.com" to +31628870634 with TP-SRR, MR 13, VP relative.
    /// babca/python-gsmmodem @5c816bae test/test_pdu.py, TestSmsPdu.test_decode.
    static let submitWithReport = "07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701"

    /// The <length> of AT+CMGS: octets after the SMSC field.
    static func tpduLength(_ hex: String) -> Int { hex.count / 2 - 1 - Int(hex.prefix(2), radix: 16)! }
}

/// The PDU lines of a +CMGR/+CMGL/+CMT/+CDS answer: each line that follows a header line.
func pduLines(_ text: String, after header: String) -> [String] {
    let lines = text.components(separatedBy: "\r\n")
    return lines.indices.dropLast().filter { lines[$0].hasPrefix(header) }.map { lines[$0 + 1] }
}

@Suite("SMS", .serialized)
struct SMSTests {
    @Test("Huawei: +CMTI from index 0, +CMGR marks read, +CMGL lists, +CPMS counts, +CMGD flags")
    func storeReadListDelete() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            #expect(port.command("AT+CMGF=0") == "\r\nOK\r\n")
            #expect(port.command("AT+CPMS=\"SM\",\"SM\",\"SM\"") == "\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n")
            #expect(port.command("AT+CNMI=2,1,0,2,0") == "\r\nOK\r\n")
            #expect(port.command("AT+CMGD=?") == "\r\n+CMGD: (),(0-4)\r\n\r\nOK\r\n")  // as the E1550 capture printed it

            try await sim.deliverSMSPDU("hw", hex: SMSVectors.deliver)
            #expect(port.read(until: "\r\n+CMTI: \"SM\",0\r\n") == "\r\n+CMTI: \"SM\",0\r\n")
            try await sim.deliverSMSPDU("hw", hex: SMSVectors.deliver)
            #expect(port.read(until: "\r\n+CMTI: \"SM\",1\r\n") == "\r\n+CMTI: \"SM\",1\r\n")

            #expect(port.command("AT+CPMS?") == "\r\n+CPMS: \"SM\",2,30,\"SM\",2,30,\"SM\",2,30\r\n\r\nOK\r\n")
            #expect(port.command("AT+CMGR=0") == "\r\n+CMGR: 0,,50\r\n\(SMSVectors.deliver)\r\n\r\nOK\r\n")
            #expect(port.command("AT+CMGR=0") == "\r\n+CMGR: 1,,50\r\n\(SMSVectors.deliver)\r\n\r\nOK\r\n")
            #expect(port.command("AT+CMGL=0") == "\r\n+CMGL: 1,0,,50\r\n\(SMSVectors.deliver)\r\n\r\nOK\r\n")
            #expect(port.command("AT+CMGL=0") == "\r\nOK\r\n")   // listing marked it read
            #expect(port.command("AT+CMGL=4") == "\r\n+CMGL: 0,1,,50\r\n\(SMSVectors.deliver)\r\n+CMGL: 1,1,,50\r\n\(SMSVectors.deliver)\r\n\r\nOK\r\n")
            #expect(port.command("AT+CMGL=\"ALL\"", final: "\r\n") == "\r\n+CMS ERROR: 304\r\n")   // text-mode stat
            #expect(port.command("AT+CMGD=?") == "\r\n+CMGD: (0,1),(0-4)\r\n\r\nOK\r\n")

            #expect(port.command("AT+CMGD=0") == "\r\nOK\r\n")
            #expect(port.command("AT+CMGD=0") == "\r\nOK\r\n")   // an empty slot deletes without error
            #expect(port.command("AT+CMGR=0", final: "\r\n") == "\r\n+CMS ERROR: 321\r\n")
            #expect(port.command("AT+CMGR=30", final: "\r\n") == "\r\n+CMS ERROR: 321\r\n")   // 0...29 on a Huawei
            #expect(port.command("AT+CMGD=0,4") == "\r\nOK\r\n")
            #expect(port.command("AT+CPMS?") == "\r\n+CPMS: \"SM\",0,30,\"SM\",0,30,\"SM\",0,30\r\n\r\nOK\r\n")
            #expect(try await sim.smsStorage("hw").memories.map(\.used) == [0, 0])
        }
    }

    @Test("27.005 numbering from 1 elsewhere; delflag 1 keeps unread; +CNMI 0 stores silently; SIM PIN gives 311")
    func genericStorage() async throws {
        try await Fixture.withSimulator([Fixture.modem("qc", .quectel, pin: "1234")]) { sim, _ in
            let port = try await Fixture.openAT(sim, "qc")
            #expect(port.command("AT+CPMS?", final: "\r\n") == "\r\n+CMS ERROR: 311\r\n")
            // Not on the network yet (PIN): the service centre holds the message.
            try await sim.deliverSMSPDU("qc", hex: SMSVectors.deliver)
            #expect(try await sim.smsStorage("qc").waitingInNetwork == [SMSVectors.deliver])
            #expect(port.command("AT+CPIN=\"1234\"") == "\r\nOK\r\n")
            port.pump(for: 0.2)
            #expect(!port.take().contains("+CMTI"))   // +CNMI is 0,0,0,0,0 after power-on: stored, not announced
            #expect(try await sim.smsStorage("qc").memories[0].messages.map(\.index) == [1])
            #expect(port.command("AT+CNMI?") == "\r\n+CNMI: 0,0,0,0,0\r\n\r\nOK\r\n")
            #expect(port.command("AT+CNMI=2,1,0,2,0") == "\r\nOK\r\n")
            try await sim.deliverSMSPDU("qc", hex: SMSVectors.deliver)
            #expect(port.read(until: "\r\n+CMTI: \"SM\",2\r\n") == "\r\n+CMTI: \"SM\",2\r\n")
            _ = port.command("AT+CMGR=1")
            #expect(port.command("AT+CMGD=1,1") == "\r\nOK\r\n")   // all read: index 1 goes, unread 2 stays
            #expect(port.command("AT+CMGL=4") == "\r\n+CMGL: 2,0,,50\r\n\(SMSVectors.deliver)\r\n\r\nOK\r\n")
            #expect(port.command("AT+CPMS=\"XX\"", final: "\r\n") == "\r\n+CMS ERROR: 302\r\n")
            #expect(port.command("AT+CMGF=1", final: "\r\n") == "\r\n+CMS ERROR: 303\r\n")   // PDU mode only
            #expect(port.command("AT+CNMI=2,9", final: "\r\n") == "\r\n+CMS ERROR: 303\r\n")
        }
    }

    @Test("AT+CMGS: CR LF '>' space and nothing more; PDU and Ctrl-Z give +CMGS: <mr>; MR counts per modem")
    func promptExactBytes() async throws {
        try await Fixture.withSimulator([Fixture.modem("gn", .generic)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "gn")
            _ = port.command("AT+CNMI=2,1,0,2,0")
            let n = SMSVectors.tpduLength(SMSVectors.submit)
            #expect(n == 24)
            port.send("AT+CMGS=\(n)\r")
            #expect(port.read(count: 4) == [0x0D, 0x0A, 0x3E, 0x20])
            port.pump(for: 0.2)
            #expect(port.take() == "")   // no line end after the prompt
            // A message arriving while the PDU is typed waits: nothing lands inside the PDU.
            try await sim.deliverSMSPDU("gn", hex: SMSVectors.deliver)
            port.send("AT+CSQ\r")        // in the prompt this is not a command (and not hex: refused at Ctrl-Z)
            port.send(bytes: [0x1B])
            #expect(port.read(until: "\",1\r\n") == "\r\nOK\r\n\r\n+CMTI: \"SM\",1\r\n")

            port.send("AT+CMGS=\(n)\r")
            #expect(port.read(until: "> ") == "\r\n> ")
            port.send(SMSVectors.submit)
            port.send(bytes: [0x1A])
            #expect(port.read(until: "OK\r\n") == "\r\n+CMGS: 0\r\n\r\nOK\r\n")
            // Command, PDU and Ctrl-Z written at once, without waiting for the prompt.
            port.send("AT+CMGS=\(n)\r\(SMSVectors.submit)\u{1A}")
            #expect(port.read(until: "OK\r\n") == "\r\n> \r\n+CMGS: 1\r\n\r\nOK\r\n")

            let sent = try await sim.sentSMS("gn")
            #expect(sent.count == 2)
            #expect(sent.map(\.messageReference) == [0, 1])
            #expect(sent[0].destination == "+27820001111")
            #expect(sent[0].text == "Hello World!")
            #expect(sent[0].tpduLength == 24)
            #expect(sent[0].pdu == SMSVectors.submit)
            #expect(sent[0].statusReportRequested == false)
            #expect(sent[0].concatenation == nil)
            #expect(port.command("AT") == "\r\nOK\r\n")
        }
    }

    @Test("echo on: the typed PDU comes back after the prompt")
    func promptEcho() async throws {
        try await Fixture.withSimulator([Fixture.modem("gn", .generic)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "gn", echoOff: false)
            port.send("AT+CMGS=24\r")
            #expect(port.read(until: "> ") == "AT+CMGS=24\r\r\n> ")
            port.send(SMSVectors.submit + "\u{1A}")
            #expect(port.read(until: "OK\r\n") == SMSVectors.submit + "\r\n+CMGS: 0\r\n\r\nOK\r\n")
        }
    }

    @Test("ESC aborts with OK and nothing sent; a wrong length or a non-SUBMIT gives +CMS ERROR: 304")
    func abortAndWrongLength() async throws {
        try await Fixture.withSimulator([Fixture.modem("sc", .simcom)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "sc")
            port.send("AT+CMGS=24\r")
            #expect(port.read(until: "> ") == "\r\n> ")
            port.send(String(SMSVectors.submit.prefix(20)))
            port.send(bytes: [0x1B])
            #expect(port.read(until: "OK\r\n") == "\r\nOK\r\n")

            port.send("AT+CMGS=23\r")
            #expect(port.read(until: "> ") == "\r\n> ")
            port.send(SMSVectors.submit + "\u{1A}")
            #expect(port.read(until: "304\r\n") == "\r\n+CMS ERROR: 304\r\n")

            port.send("AT+CMGS=\(SMSVectors.tpduLength(SMSVectors.deliver))\r")
            #expect(port.read(until: "> ") == "\r\n> ")
            port.send(SMSVectors.deliver + "\u{1A}")   // a DELIVER is not something a TE sends
            #expect(port.read(until: "304\r\n") == "\r\n+CMS ERROR: 304\r\n")

            #expect(port.command("AT+CMGS=0", final: "\r\n") == "\r\n+CMS ERROR: 304\r\n")
            #expect(port.command("AT+CMGS=165", final: "\r\n") == "\r\n+CMS ERROR: 304\r\n")
            #expect(try await sim.sentSMS("sc").isEmpty)
            #expect(port.command("AT+CSQ") == "\r\n+CSQ: 20,99\r\n\r\nOK\r\n")
        }
    }

    @Test("sms-fail: the next COUNT sends answer +CMS ERROR: CODE (recorded), then sends succeed; unregistered gives 331")
    func failedSends() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)], controlSocket: true) { sim, dir in
            let sock = "\(dir)/control.sock"
            let port = try await Fixture.openAT(sim, "hw")
            #expect(try ControlClient.send("sms-fail hw 500 2", socketPath: sock) == "ok")
            for _ in 0..<2 {
                #expect(port.command("AT+CMGS=24\r\(SMSVectors.submit)\u{1A}", final: "500\r\n") == "\r\n> \r\n+CMS ERROR: 500\r\n")
            }
            #expect(port.command("AT+CMGS=24\r\(SMSVectors.submit)\u{1A}") == "\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n")
            try await sim.setRegistration("hw", .searching)
            _ = port.read(until: "^SRVST:0\r\n")
            #expect(port.command("AT+CMGS=24\r\(SMSVectors.submit)\u{1A}", final: "331\r\n") == "\r\n> \r\n+CMS ERROR: 331\r\n")

            let reply = try ControlClient.send("sms-sent hw", socketPath: sock)
            #expect(reply.hasPrefix("ok ["))
            let sent = try JSONDecoder().decode([SentSMS].self, from: Data(reply.dropFirst(3).utf8))
            #expect(sent.map(\.cmsError) == [500, 500, nil, 331])
            #expect(sent.map(\.messageReference) == [nil, nil, 0, nil])
            #expect(sent.allSatisfy { $0.destination == "+27820001111" && $0.text == "Hello World!" })
            #expect(try ControlClient.send("sms-fail hw abc", socketPath: sock).hasPrefix("error usage: sms-fail"))
            #expect(try ControlClient.send("sms-fail hw 0", socketPath: sock) == "error a +CMS ERROR code is 1...999, got 0")
        }
    }

    @Test("storage full: Huawei ^SMMEMFULL, no +CMTI; the network holds the message until a delete frees a slot")
    func storageFull() async throws {
        var small = Fixture.modem("hw", .huawei)
        small.smsCapacity = 2
        var quiet = Fixture.modem("qc", .quectel)
        quiet.smsCapacity = 1
        try await Fixture.withSimulator([small, quiet], controlSocket: true) { sim, dir in
            let sock = "\(dir)/control.sock"
            let port = try await Fixture.openAT(sim, "hw")
            _ = port.command("AT+CNMI=2,1,0,2,0")
            for i in 0..<2 {
                #expect(try ControlClient.send("sms-pdu hw \(SMSVectors.deliver)", socketPath: sock) == "ok")
                #expect(port.read(until: "\",\(i)\r\n") == "\r\n+CMTI: \"SM\",\(i)\r\n")
            }
            #expect(port.command("AT+CPMS?") == "\r\n+CPMS: \"SM\",2,2,\"SM\",2,2,\"SM\",2,2\r\n\r\nOK\r\n")
            #expect(try ControlClient.send("sms-pdu hw \(SMSVectors.submit)", socketPath: sock)
                == "error an SMS-SUBMIT goes from the modem to the network, not to the modem")
            #expect(try ControlClient.send("sms-pdu hw 07916163838428F9040B", socketPath: sock).hasPrefix("error not a PDU the network can deliver: octet "))
            #expect(try ControlClient.send("sms-pdu hw", socketPath: sock).hasPrefix("error usage: sms-pdu"))
            try await sim.deliverSMS("hw", from: "+79161234567", text: "third")
            #expect(port.read(until: "\"SM\"\r\n") == "\r\n^SMMEMFULL: \"SM\"\r\n")
            port.pump(for: 0.2)
            #expect(port.take() == "")
            let full = try ControlClient.send("sms-storage hw", socketPath: sock)
            let status = try JSONDecoder().decode(SMSStorageStatus.self, from: Data(full.dropFirst(3).utf8))
            #expect(status.waitingInNetwork.count == 1)
            #expect(status.memories[0].used == 2)

            #expect(port.command("AT+CMGD=1", final: "\",1\r\n") == "\r\nOK\r\n\r\n+CMTI: \"SM\",1\r\n")
            let read = port.command("AT+CMGR=1")
            guard case .deliver(let third)? = try? SMSPDU.decode(hex: pduLines(read, after: "+CMGR:").first ?? "") else {
                Issue.record("no DELIVER in \(read.debugDescription)"); return
            }
            #expect(third.text == "third")
            #expect(third.originator.number == "+79161234567")
            #expect(try await sim.smsStorage("hw").waitingInNetwork.isEmpty)

            // Quectel says nothing when full; the message still waits.
            let qc = try await Fixture.openAT(sim, "qc")
            _ = qc.command("AT+CNMI=2,1,0,2,0")
            try await sim.deliverSMSPDU("qc", hex: SMSVectors.deliver)
            #expect(qc.read(until: "\",1\r\n") == "\r\n+CMTI: \"SM\",1\r\n")
            try await sim.deliverSMSPDU("qc", hex: SMSVectors.deliver)
            qc.pump(for: 0.2)
            #expect(qc.take() == "")
            #expect(qc.command("AT+CMGD=1,4", final: "\",1\r\n") == "\r\nOK\r\n\r\n+CMTI: \"SM\",1\r\n")
        }
    }

    @Test("a 3-part Cyrillic sms: three +CMTI, three PDUs that join to the text; --order/--duplicate/--drop")
    func concatenatedCyrillic() async throws {
        let text = [String](repeating: "Съешь же ещё этих мягких французских булок, да выпей чаю.", count: 3).joined(separator: " ")
        #expect((135...201).contains(text.utf16.count))   // 67 UTF-16 units per part: three parts
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)], controlSocket: true) { sim, dir in
            let port = try await Fixture.openAT(sim, "hw")
            _ = port.command("AT+CNMI=2,1,0,2,0")
            let receipt = try await sim.deliverSMS("hw", from: "+79161234567", text: text)
            #expect(receipt.parts.count == 3)
            #expect(receipt.delivered == [1, 2, 3])
            #expect(port.read(until: "\",2\r\n") == "\r\n+CMTI: \"SM\",0\r\n\r\n+CMTI: \"SM\",1\r\n\r\n+CMTI: \"SM\",2\r\n")
            var parts: [SMSDeliver] = []
            for i in 0..<3 {
                let answer = port.command("AT+CMGR=\(i)")
                guard case .deliver(let d)? = try? SMSPDU.decode(hex: pduLines(answer, after: "+CMGR:").first ?? "") else {
                    Issue.record("part \(i): \(answer.debugDescription)"); continue
                }
                parts.append(d)
            }
            #expect(parts.map(\.dataCoding.alphabet) == [.ucs2, .ucs2, .ucs2])
            #expect(parts.compactMap(\.header?.concatenation).map(\.sequence) == [1, 2, 3])
            #expect(Set(parts.compactMap(\.header?.concatenation?.reference)).count == 1)
            let joined = SMSConcatenator.join(parts)
            #expect(joined.text == text)
            #expect(joined.missing.isEmpty)

            // Faults over the control socket; the text keeps its spaces.
            _ = port.command("AT+CMGD=0,4")
            let reply = try ControlClient.send("sms hw --order 3,1,2 --duplicate 1 +79161234567 \(text)", socketPath: "\(dir)/control.sock")
            let r = try JSONDecoder().decode(SMSDeliveryReceipt.self, from: Data(reply.dropFirst(3).utf8))
            #expect(r.delivered == [3, 1, 1, 2])
            #expect(r.reference != receipt.reference)   // a new message, a new reference
            #expect(port.read(until: "\",3\r\n").components(separatedBy: "+CMTI:").count == 5)
            let listed = pduLines(port.command("AT+CMGL=4"), after: "+CMGL:").compactMap { hex -> SMSDeliver? in
                if case .deliver(let d)? = try? SMSPDU.decode(hex: hex) { d } else { nil }
            }
            #expect(listed.compactMap(\.header?.concatenation?.sequence) == [3, 1, 1, 2])
            #expect(SMSConcatenator.join(listed).text == text)

            let dropped = try await sim.deliverSMS("hw", from: "Bank", text: text, faults: SMSPartFaults(drop: [2]))
            #expect(dropped.delivered == [1, 3])
            await #expect(throws: SimulatorError.invalidArgument("part 4 does not exist: the message has 3 part(s)")) {
                try await sim.deliverSMS("hw", from: "Bank", text: text, faults: SMSPartFaults(drop: [4]))
            }
        }
    }

    @Test("status report after a send with TP-SRR: +CDS direct with ds=1, stored and +CDSI with ds=2")
    func statusReport() async throws {
        var modem = Fixture.modem("qc", .quectel)
        modem.smsReportDelay = 0.2
        try await Fixture.withSimulator([modem]) { sim, _ in
            let port = try await Fixture.openAT(sim, "qc")
            _ = port.command("AT+CNMI=2,1,0,1,0")
            let n = SMSVectors.tpduLength(SMSVectors.submitWithReport)
            #expect(port.command("AT+CMGS=\(n)\r\(SMSVectors.submitWithReport)\u{1A}") == "\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n")
            #expect(try await sim.sentSMS("qc").first?.statusReportRequested == true)
            port.pump(for: 1)
            let cds = port.take()
            #expect(cds.hasPrefix("\r\n+CDS: "))
            guard case .statusReport(let report)? = try? SMSPDU.decode(hex: pduLines(cds, after: "+CDS:").first ?? "") else {
                Issue.record("no STATUS-REPORT in \(cds.debugDescription)"); return
            }
            #expect(report.messageReference == 0)   // the MR +CMGS answered, not the SUBMIT's own 13
            #expect(report.recipient.number == "+31628870634")
            #expect(report.status.outcome == .delivered)
            #expect(cds.hasPrefix("\r\n+CDS: \(pduLines(cds, after: "+CDS:")[0].count / 2 - 8)\r\n"))

            _ = port.command("AT+CNMI=2,1,0,2,0")
            #expect(port.command("AT+CMGS=\(n)\r\(SMSVectors.submitWithReport)\u{1A}") == "\r\n> \r\n+CMGS: 1\r\n\r\nOK\r\n")
            #expect(port.read(until: "\",1\r\n") == "\r\n+CDSI: \"SM\",1\r\n")
            let stored = port.command("AT+CMGR=1")
            guard case .statusReport(let second)? = try? SMSPDU.decode(hex: pduLines(stored, after: "+CMGR:").first ?? "") else {
                Issue.record("no stored report in \(stored.debugDescription)"); return
            }
            #expect(second.messageReference == 1)

            // A raw published report goes the same way.
            try await sim.deliverSMSPDU("qc", hex: SMSVectors.statusReport)
            #expect(port.read(until: "\",2\r\n") == "\r\n+CDSI: \"SM\",2\r\n")
            #expect(port.command("AT+CMGR=2") == "\r\n+CMGR: 0,,24\r\n\(SMSVectors.statusReport)\r\n\r\nOK\r\n")
        }
    }

    @Test("+CMT direct with +CSMS=1: the next waits for AT+CNMA; CNMA with nothing to ack is +CMS ERROR: 340")
    func directDelivery() async throws {
        try await Fixture.withSimulator([Fixture.modem("gn", .generic)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "gn")
            #expect(port.command("AT+CSMS=1") == "\r\n+CSMS: 1,1,1\r\n\r\nOK\r\n")
            #expect(port.command("AT+CNMI=2,2,0,0,0") == "\r\nOK\r\n")
            #expect(port.command("AT+CNMA", final: "\r\n") == "\r\n+CMS ERROR: 340\r\n")
            try await sim.deliverSMSPDU("gn", hex: SMSVectors.deliver)
            try await sim.deliverSMSPDU("gn", hex: SMSVectors.deliver)
            #expect(port.read(until: "918\r\n") == "\r\n+CMT: ,50\r\n\(SMSVectors.deliver)\r\n")
            port.pump(for: 0.2)
            #expect(port.take() == "")   // the second waits for the acknowledgement
            #expect(try await sim.smsStorage("gn").waitingInNetwork.count == 2)
            #expect(port.command("AT+CNMA", final: "918\r\n") == "\r\nOK\r\n\r\n+CMT: ,50\r\n\(SMSVectors.deliver)\r\n")
            #expect(port.command("AT+CNMA") == "\r\nOK\r\n")
            #expect(try await sim.smsStorage("gn").memories[0].used == 0)   // direct: never stored
            #expect(try await sim.smsStorage("gn").waitingInNetwork.isEmpty)
        }
    }

    @Test("hang after the indication: +CMTI goes out, then nothing answers, and the message stays stored")
    func hangAfterIndication() async throws {
        try await Fixture.withSimulator([Fixture.modem("gn", .generic)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "gn")
            #expect(port.command("AT+CNMI=2,1,0,0,0") == "\r\nOK\r\n")
            _ = try await sim.deliverSMS("gn", from: "+79161234567", text: "code 4711", faults: SMSPartFaults(hangAfterIndication: true))
            #expect(port.read(until: "+CMTI: \"SM\",1\r\n") == "\r\n+CMTI: \"SM\",1\r\n")
            port.send("AT+CMGR=1\r")
            port.pump(for: 0.3)
            #expect(port.take() == "")   // hung: the read is never answered
            #expect(try await sim.status("gn").hung)
            #expect(try await sim.smsStorage("gn").memories[0].used == 1)
            try await sim.setHung("gn", false)
            #expect(port.command("AT+CMGL=4", final: "OK\r\n").contains("+CMGL: 1,0,,"))
        }
    }

    @Test("during a call: a 3-part SMS arrives, is read and deleted, one is sent; the audio stream keeps its pace")
    func smsDuringCall() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            let audio = try PortClient(path: try await sim.portPaths("hw").audio)
            _ = port.command("AT+CNMI=2,1,0,2,0")
            try await sim.ringIn("hw", from: "+79161234567")
            _ = port.command("ATA", final: "^CONN:1,0\r\n")
            #expect(port.command("AT^DDSETEX=2") == "\r\nOK\r\n")
            audio.pump(for: 0.3)
            _ = audio.take()
            let before = try await sim.status("hw")
            let start = Date()

            let text = String(repeating: "Ваш код 4856. ", count: 12)
            try await sim.deliverSMS("hw", from: "Bank", text: text)
            #expect(port.read(until: "\",2\r\n").components(separatedBy: "+CMTI:").count == 4)
            for i in 0..<3 { #expect(port.command("AT+CMGR=\(i)").hasPrefix("\r\n+CMGR: 0,,")) }
            #expect(port.command("AT+CMGD=0,4") == "\r\nOK\r\n")
            #expect(port.command("AT+CMGS=24\r\(SMSVectors.submit)\u{1A}") == "\r\n> \r\n+CMGS: 0\r\n\r\nOK\r\n")

            // One second of audio after the SMS work began: 50 frames of 320 bytes, none dropped.
            let second = audio.read(count: 50 * 320, timeout: 3)
            let elapsed = Date().timeIntervalSince(start)
            #expect(second.count == 16000)
            #expect(elapsed < 1.3)
            let after = try await sim.status("hw")
            #expect(after.audioFramesDropped == before.audioFramesDropped)
            #expect(after.call?.state == "active")
            #expect(after.call?.audio == true)
        }
    }

    @Test("ctl sms parsing: options before or after the text, spacing kept, errors name the problem")
    func controlParsing() throws {
        let a = try SMSControlCommand.parse("sms hw --order 2,1 +7916  two  spaces ")
        #expect(a == SMSControlCommand(modem: "hw", from: "+7916", text: "two  spaces", faults: SMSPartFaults(order: [2, 1])))
        let b = try SMSControlCommand.parse("sms hw MegaFon hello world --drop 2 --duplicate 1,3")
        #expect(b.from == "MegaFon")
        #expect(b.text == "hello world")
        #expect(b.faults == SMSPartFaults(duplicate: [1, 3], drop: [2]))
        #expect(throws: SimulatorError.invalidArgument("usage: \(SMSControlCommand.usage)")) { try SMSControlCommand.parse("sms hw +7916") }
        #expect(throws: SimulatorError.invalidArgument("--order takes part numbers like 3,1,2, got 'x'")) {
            try SMSControlCommand.parse("sms hw --order x +7916 hi")
        }
        #expect(try SMSPartFaults(order: [3, 1, 2], duplicate: [2]).deliverySequence(parts: 3) == [3, 1, 2, 2])
        #expect(throws: SimulatorError.invalidArgument("--order must list each of the 3 part(s) once, got 1,1,2")) {
            try SMSPartFaults(order: [1, 1, 2]).deliverySequence(parts: 3)
        }
    }
}
