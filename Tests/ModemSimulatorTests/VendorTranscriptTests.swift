// Exact bytes each simulated vendor answers, through real ptys (at-dialects.md transcripts).
import Testing
@testable import ModemSimulator

@Suite("Vendor transcripts over a pty", .serialized)
struct VendorTranscriptTests {
    @Test("Huawei: echo on at power-on, ATI block, ATE0, bare IMEI, swapped ICCID, COMMAND NOT SUPPORT")
    func huawei() async throws {
        try await Fixture.withSimulator([Fixture.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw", echoOff: false)
            #expect(port.command("ATI") == "ATI\r\r\nManufacturer: huawei\r\nModel: E1752\r\nRevision: 11.126.16.04.00\r\nIMEI: 354099000000012\r\n+GCAP: +CGSM,+DS,+ES\r\n\r\nOK\r\n")
            #expect(port.command("AT+CSQ") == "AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n")
            #expect(port.command("ATE0") == "ATE0\r\r\nOK\r\n")
            #expect(port.command("AT+CGSN") == "\r\n354099000000012\r\n\r\nOK\r\n")
            #expect(port.command("AT+CGMI") == "\r\nhuawei\r\n\r\nOK\r\n")
            #expect(port.command("AT^ICCID?") == "\r\n^ICCID: \"980701000000000010F2\"\r\n\r\nOK\r\n")
            #expect(port.command("AT^CVOICE?") == "\r\n^CVOICE:0,8000,16,20\r\n\r\nOK\r\n")
            #expect(port.command("AT+QPCMV?", final: "\r\n") == "\r\nCOMMAND NOT SUPPORT\r\n")
            #expect(port.command("AT+CMEE=1;+CIMI") == "\r\n250010000000001\r\n\r\nOK\r\n")
            #expect(port.command("AT+CREG=2;+CREG?") == "\r\n+CREG: 2,1,1A2B,0000C0DE\r\n\r\nOK\r\n")
            #expect(port.command("AT+COPS=3,2;+COPS?") == "\r\n+COPS: 0,2,\"25001\",2\r\n\r\nOK\r\n")
            #expect(port.command("AT+CNUM") == "\r\n+CNUM: \"\",\"+79160000001\",145\r\n\r\nOK\r\n")
            // ATZ restores the profile: echo comes back on (§1.3).
            #expect(port.command("ATZ") == "\r\nOK\r\n")
            #expect(port.command("AT") == "AT\r\r\nOK\r\n")
        }
    }

    @Test("Quectel: three-line ATI, +QCCID, +CMEE 0/1/2 spellings, numeric +COPS, QPCMV")
    func quectel() async throws {
        try await Fixture.withSimulator([Fixture.modem("qc", .quectel, technology: .lte)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "qc", echoOff: false)
            #expect(port.command("ATI") == "ATI\r\r\nQuectel\r\nEC25\r\nRevision: EC25EFAR06A06M4G\r\n\r\nOK\r\n")
            _ = port.command("ATE0")
            #expect(port.command("AT+QCCID") == "\r\n+QCCID: 8970100000000000012\r\n\r\nOK\r\n")
            #expect(port.command("AT+FOO", final: "\r\n") == "\r\nERROR\r\n")
            #expect(port.command("AT+CMEE=1") == "\r\nOK\r\n")
            #expect(port.command("AT+FOO", final: "\r\n") == "\r\n+CME ERROR: 4\r\n")
            #expect(port.command("AT+CMEE=2") == "\r\nOK\r\n")
            #expect(port.command("AT+CPIN=\"1111\"", final: "\r\n") == "\r\n+CME ERROR: operation not allowed\r\n")
            #expect(port.command("AT+COPS=3,2;+COPS?") == "\r\n+COPS: 0,2,\"25001\",7\r\n\r\nOK\r\n")
            #expect(port.command("AT+CEREG=2;+CEREG?") == "\r\n+CEREG: 2,1,\"1A2B\",\"0000C0DE\",7\r\n\r\nOK\r\n")
            #expect(port.command("AT+QPCMV?") == "\r\n+QPCMV: 0\r\n\r\nOK\r\n")
            #expect(port.command("AT+QPCMV=1,0;+QPCMV?") == "\r\n+QPCMV: 1,0\r\n\r\nOK\r\n")
            // Switching to UAC while serial voice is on fails (§3.2 pitfall).
            #expect(port.command("AT+QPCMV=1,2", final: "\r\n") == "\r\n+CME ERROR: operation not allowed\r\n")
            #expect(port.command("AT+QINDCFG=\"csq\",1,0;+QINDCFG=\"csq\"") == "\r\n+QINDCFG: \"csq\",1\r\n\r\nOK\r\n")
            #expect(port.command("AT^CVOICE?", final: "\r\n") == "\r\n+CME ERROR: operation not supported\r\n")
        }
    }

    @Test("SIMCom: labelled ATI, +CGMR prefix, +CICCID, +CPCMREG refused outside a call")
    func simcom() async throws {
        try await Fixture.withSimulator([Fixture.modem("sc", .simcom, technology: .lte)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "sc", echoOff: false)
            #expect(port.command("ATI") == "ATI\r\r\nManufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600E-H\r\nRevision: LE20B04SIM7600M22\r\nIMEI: 862000000000031\r\n+GCAP: +CGSM\r\n\r\nOK\r\n")
            _ = port.command("ATE0")
            #expect(port.command("AT+CGMR") == "\r\n+CGMR: LE20B04SIM7600M22\r\n\r\nOK\r\n")
            #expect(port.command("AT+CICCID") == "\r\n+ICCID: 8970100000000000012\r\n\r\nOK\r\n")
            #expect(port.command("AT+CPCMREG?") == "\r\n+CPCMREG: 0\r\n\r\nOK\r\n")
            #expect(port.command("AT+CMEE=1;+CPCMREG=1", final: "\r\n") == "\r\n+CME ERROR: 3\r\n")
        }
    }

    @Test("AT+CFUN=1,1: OK, silence for the reboot time, boot URCs, echo back on")
    func reboot() async throws {
        try await Fixture.withSimulator([Fixture.modem("qc", .quectel)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "qc")
            #expect(port.command("AT+CFUN=1,1") == "\r\nOK\r\n")
            port.send("AT\r")
            let boot = port.read(until: "PB DONE\r\n", timeout: 3)
            // The AT sent while rebooting got no answer: only the banner arrives.
            #expect(boot == "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+QIND: PB DONE\r\n")
            #expect(port.command("AT") == "AT\r\r\nOK\r\n")
        }
    }
}
