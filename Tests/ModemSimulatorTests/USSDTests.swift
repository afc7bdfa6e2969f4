// USSD through real ptys: each operator's balance reply in each vendor's encoding (byte for
// byte, checked against the captures in sms-ussd.md §6), menus continued, cancelled and timed
// out, unknown codes, a silent network, balances billed by calls, SIM faults and PIN counting.
import Foundation
import SMSCore
import Testing
@testable import ModemSimulator

@Suite("USSD, balances and SIM faults", .serialized)
struct USSDTests {
    /// A fixture modem on `mccmnc` whose network answers USSD after 0.1 s.
    static func modem(_ name: String, _ vendor: Vendor, mccmnc: String = "25001", pin: String? = nil,
                      balance: Decimal = 100, menuTimeout: Double = 20) -> ModemConfig {
        var m = Fixture.modem(name, vendor, pin: pin)
        m.network.mccmnc = mccmnc
        m.balance = balance
        m.ussdDelay = 0.1
        m.ussdMenuTimeout = menuTimeout
        return m
    }

    /// Waits for `marker` without holding a thread: the pool has as many threads as cores
    /// (2 here), and a test blocked in poll() for long delays the other suites' timed reads.
    static func wait(_ port: PortClient, for marker: String, timeout: Double = 3) async -> String {
        var got = ""
        let deadline = Date().addingTimeInterval(timeout)
        while !got.contains(marker), deadline.timeIntervalSinceNow > 0 {
            got += port.read(until: marker, timeout: 0.002)
            if !got.contains(marker) { try? await Task.sleep(for: .milliseconds(10)) }
        }
        return got
    }

    /// A command line whose final result (or URC) comes later.
    static func command(_ port: PortClient, _ line: String, final: String) async -> String {
        port.send(line + "\r")
        return await wait(port, for: final)
    }

    /// What arrives within `seconds`, sleeping rather than polling.
    static func quiet(_ port: PortClient, for seconds: Double) async -> String {
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        return port.read(until: "\u{0}", timeout: 0.01)
    }

    /// Reads up to and including the line end of the next +CUSD URC.
    static func urc(_ port: PortClient, timeout: Double = 3) async -> String {
        var got = await wait(port, for: "+CUSD:", timeout: timeout)
        let deadline = Date().addingTimeInterval(timeout)
        while let r = got.range(of: "+CUSD:"), !got[r.upperBound...].contains("\r\n"), deadline.timeIntervalSinceNow > 0 {
            got += await wait(port, for: "\r\n", timeout: deadline.timeIntervalSinceNow)
        }
        return got
    }

    /// Sends a request: OK at once, then the URC the network's reply became.
    static func request(_ port: PortClient, _ line: String) async -> (ok: String, urc: String) {
        let ok = port.command(line)
        return (ok, await urc(port))
    }

    static func ucs2(_ text: String) -> String { HexText.string(UCS2.encode(text)) }

    /// The text inside a `+CUSD: m,"<hex>",dcs` URC of a Huawei, decoded through SMSCore.
    static func huaweiText(_ urc: String) throws -> String {
        let parts = urc.split(separator: "\"")
        let octets = try HexText.octets(String(parts[1]))
        if urc.hasSuffix(",72\r\n") { return UCS2.decode(octets) }
        return GSM7.string(GSM7.unpack(octets, count: octets.count * 8 / 7))
    }

    @Test("MTS *100# on Quectel: OK, then the captured UCS2 reply with dcs 72; AT+CUSD? and =?")
    func mtsQuectel() async throws {
        try await Fixture.withSimulator([Self.modem("qc", .quectel, balance: Decimal(string: "2220.76")!)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "qc")
            #expect(port.command("AT+CUSD=?") == "\r\n+CUSD: (0-2)\r\n\r\nOK\r\n")
            #expect(port.command("AT+CUSD?") == "\r\n+CUSD: 0\r\n\r\nOK\r\n")
            let r = await Self.request(port, "AT+CUSD=1,\"*100#\",15")
            #expect(r.ok == "\r\nOK\r\n")
            // obsy/sms_tool#4, byte for byte.
            #expect(r.urc == "\r\n+CUSD: 0,\"04110430043B0430043D0441003A0032003200320030002C003700360440\",72\r\n")
            #expect(port.command("AT+CUSD?") == "\r\n+CUSD: 1\r\n\r\nOK\r\n")
        }
    }

    @Test("Huawei: packed GSM-7 hex in, Tele2's captured packed reply out; Cyrillic as UCS2/72; text gets Nepravilnyi nomer uslugi")
    func huaweiHex() async throws {
        try await Fixture.withSimulator([Self.modem("t2", .huawei, mccmnc: "25020", balance: Decimal(string: "187.24")!),
                                         Self.modem("mts", .huawei, balance: -12.5)]) { sim, _ in
            let t2 = try await Fixture.openAT(sim, "t2")
            #expect(t2.command("AT^USSDMODE?") == "\r\n^USSDMODE: 1\r\n\r\nOK\r\n")
            // *105# packed is AA18AC3602 (sms-ussd.md §6); the reply is chan_dongle#38's capture.
            let r = await Self.request(t2, "AT+CUSD=1,\"AA18AC3602\",15")
            #expect(r.ok == "\r\nOK\r\n")
            #expect(r.urc == "\r\n+CUSD: 0,\"CF2135487D2E4131DCCD25A381E02E\",15\r\n")
            #expect(try Self.huaweiText(r.urc) == "OCTATOK 187.24 p.")
            // Plain text to a hex-mode Huawei: the real "wrong service number" reply (chan_dongle#38).
            let wrong = await Self.request(t2, "AT+CUSD=1,\"*105#\",15").urc
            #expect(wrong == "\r\n+CUSD: 0,\"CE325C1EB6A7D9EE7C1AE47EB7CB72507DCEAE9FD3\",15\r\n")
            #expect(try Self.huaweiText(wrong) == "Nepravilnyi nomer uslugi")
            let log = try await sim.ussdRequests("t2")
            #expect(log.map(\.str) == ["AA18AC3602", "*105#"])
            #expect(log.map(\.decoded) == ["*105#", nil])
            #expect(log.map(\.dcs) == [15, 15])

            let mts = try await Fixture.openAT(sim, "mts")
            let minus = await Self.request(mts, "AT+CUSD=1,\"AA180C3602\",15").urc
            #expect(minus == "\r\n+CUSD: 0,\"\(Self.ucs2("Минус:12,50р"))\",72\r\n")
            #expect(try Self.huaweiText(minus) == "Минус:12,50р")
        }
    }

    @Test("Huawei ^USSDMODE=0: text in, text out; ATZ restores the hex default")
    func huaweiTextMode() async throws {
        try await Fixture.withSimulator([Self.modem("hw", .huawei, mccmnc: "26201")]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            #expect(port.command("AT^USSDMODE=0") == "\r\nOK\r\n")
            #expect(port.command("AT^USSDMODE?") == "\r\n^USSDMODE: 0\r\n\r\nOK\r\n")
            #expect(await Self.request(port, "AT+CUSD=1,\"*100#\",15").urc == "\r\n+CUSD: 0,\"Balance: 100.00\",15\r\n")
            // Power-on restores the dongle default.
            #expect(port.command("ATZ") == "\r\nOK\r\n")
            #expect(port.command("AT^USSDMODE?") == "AT^USSDMODE?\r\r\n^USSDMODE: 1\r\n\r\nOK\r\n")  // echo is back too
        }
    }

    @Test("text-mode vendors: Beeline *102# Latin, MegaFon Cyrillic as UCS2/72, +CSCS=\"UCS2\" turns Latin into hex too")
    func textVendors() async throws {
        try await Fixture.withSimulator([Self.modem("bee", .simcom, mccmnc: "25099", balance: Decimal(string: "510.20")!),
                                         Self.modem("mf", .generic, mccmnc: "25002", balance: Decimal(string: "152.4")!)]) { sim, _ in
            let bee = try await Fixture.openAT(sim, "bee")
            #expect(await Self.request(bee, "AT+CUSD=1,\"*102#\",15").urc == "\r\n+CUSD: 0,\"Vash balans 510.20 r.\",15\r\n")
            #expect(bee.command("AT+CSCS=\"UCS2\"") == "\r\nOK\r\n")
            // The request is UCS2 hex too once the TE charset is UCS2.
            let hex = await Self.request(bee, "AT+CUSD=1,\"\(Self.ucs2("*102#"))\",15").urc
            #expect(hex == "\r\n+CUSD: 0,\"\(Self.ucs2("Vash balans 510.20 r."))\",15\r\n")
            try await sim.setBalance("bee", Decimal(string: "-12.5")!)
            #expect(bee.command("AT+CSCS=\"GSM\"") == "\r\nOK\r\n")
            #expect(await Self.request(bee, "AT+CUSD=1,\"*102#\",15").urc
                == "\r\n+CUSD: 0,\"Vash balans sostavlyaet minus 12.50 r.\",15\r\n")

            let mf = try await Fixture.openAT(sim, "mf")
            #expect(await Self.request(mf, "AT+CUSD=1,\"*100#\",15").urc == "\r\n+CUSD: 0,\"\(Self.ucs2("Баланс 152,40р."))\",72\r\n")
        }
    }

    @Test("menu *111#: a wrong choice repeats it with an error line, 2 opens the second level, 1 ends it; AT+CUSD=2 cancels")
    func menu() async throws {
        try await Fixture.withSimulator([Self.modem("qc", .quectel, mccmnc: "26201")]) { sim, _ in
            let port = try await Fixture.openAT(sim, "qc")
            let top = "Services:\n1 Balance\n2 Tariffs"
            #expect(await Self.request(port, "AT+CUSD=1,\"*111#\",15").urc == "\r\n+CUSD: 1,\"\(top)\",15\r\n")
            #expect(await Self.request(port, "AT+CUSD=1,\"7\",15").urc == "\r\n+CUSD: 1,\"Invalid choice\n\(top)\",15\r\n")
            #expect(await Self.request(port, "AT+CUSD=1,\"2\",15").urc == "\r\n+CUSD: 1,\"Tariffs:\n1 My tariff\n2 Change tariff\",15\r\n")
            #expect(await Self.request(port, "AT+CUSD=1,\"1\",15").urc == "\r\n+CUSD: 0,\"Your tariff: Basic\",15\r\n")
            // Session over: "1" is a new request now, an unknown code (m=0 with the network's text).
            #expect(await Self.request(port, "AT+CUSD=1,\"1\",15").urc == "\r\n+CUSD: 0,\"Unknown request\",15\r\n")
            let log = try await sim.ussdRequests("qc")
            #expect(log.map(\.continuation) == [false, true, true, true, false])

            _ = await Self.request(port, "AT+CUSD=1,\"*111#\",15")
            #expect(port.command("AT+CUSD=2") == "\r\nOK\r\n")
            #expect(await Self.quiet(port, for: 0.3) == "")
            // A cancelled menu leaves nothing behind: the next request starts over.
            #expect(await Self.request(port, "AT+CUSD=1,\"1\",15").urc == "\r\n+CUSD: 0,\"Unknown request\",15\r\n")
        }
    }

    @Test("a menu left unanswered for menuTimeout ends with +CUSD: 5; Cyrillic menus come as UCS2")
    func menuTimeout() async throws {
        try await Fixture.withSimulator([Self.modem("gn", .generic, menuTimeout: 0.3)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "gn")
            let r = await Self.request(port, "AT+CUSD=1,\"*111#\",15")
            #expect(r.urc == "\r\n+CUSD: 1,\"\(Self.ucs2("МТС Сервис:\n1 Баланс\n2 Тарифы"))\",72\r\n")
            #expect(await Self.urc(port) == "\r\n+CUSD: 5\r\n")
            // Choice 1 after the timeout is a new request; MTS's unknown-request text.
            #expect(await Self.request(port, "AT+CUSD=1,\"1\",15").urc == "\r\n+CUSD: 0,\"\(Self.ucs2("Неверная команда"))\",72\r\n")
            // The menu's "1 Баланс" leaf answered in time is the balance.
            _ = await Self.request(port, "AT+CUSD=1,\"*111#\",15")
            #expect(await Self.request(port, "AT+CUSD=1,\"1\",15").urc == "\r\n+CUSD: 0,\"\(Self.ucs2("Баланс:100,00р"))\",72\r\n")
        }
    }

    @Test("silent network: OK and no URC, a second request is refused until AT+CUSD=2; the log keeps raw str/dcs")
    func silent() async throws {
        try await Fixture.withSimulator([Self.modem("qc", .quectel)], controlSocket: true) { sim, dir in
            let sock = "\(dir)/control.sock"
            let port = try await Fixture.openAT(sim, "qc")
            _ = port.command("AT+CMEE=1")
            #expect(try ControlClient.send("ussd qc silent on", socketPath: sock) == "ok")
            #expect(port.command("AT+CUSD=1,\"*100#\",15") == "\r\nOK\r\n")
            #expect(await Self.quiet(port, for: 0.4) == "")
            #expect(port.command("AT+CUSD=1,\"*100#\",15", final: "\r\n") == "\r\n+CME ERROR: 3\r\n")
            #expect(port.command("AT+CUSD=2") == "\r\nOK\r\n")
            #expect(try ControlClient.send("ussd qc silent off", socketPath: sock) == "ok")
            #expect(try ControlClient.send("ussd qc delay 0.05", socketPath: sock) == "ok")
            #expect(await Self.request(port, "AT+CUSD=1,\"*100#\"").urc.hasPrefix("\r\n+CUSD: 0,\"0411"))

            let reply = try ControlClient.send("ussd qc log", socketPath: sock)
            #expect(reply.hasPrefix("ok ["))
            let log = try JSONDecoder().decode([USSDRequest].self, from: Data(reply.dropFirst(3).utf8))
            #expect(log.count == 3)
            #expect(log[0] == USSDRequest(n: 1, str: "*100#", dcs: 15, decoded: "*100#", continuation: false, reply: nil))
            #expect(log[1] == USSDRequest(n: 2, str: "", dcs: nil, decoded: nil, continuation: true, reply: nil), "the cancel is logged")
            #expect(log[2].dcs == nil)
            #expect(log[2].reply?.hasSuffix(",72") == true)
            #expect(try ControlClient.send("ussd qc log reset", socketPath: sock) == "ok")
            #expect(try ControlClient.send("ussd qc log", socketPath: sock) == "ok []")
            #expect(try ControlClient.send("ussd qc balance 12,5", socketPath: sock) == #"ok {"balance":"12.50","pricePerMinute":"1.50"}"#)
            #expect(try ControlClient.send("ussd qc balance lots", socketPath: sock).hasPrefix("error amount must"))
            #expect(try ControlClient.send("ussd qc frob", socketPath: sock).hasPrefix("error usage: ussd <name>"))
            #expect(try ControlClient.send("help", socketPath: sock).contains("ussd <name> balance"))
        }
    }

    @Test("no usable SIM: +CME ERROR with the SIM error; not registered: OK then +CUSD: 4")
    func refusals() async throws {
        try await Fixture.withSimulator([Self.modem("qc", .quectel, pin: "1234")]) { sim, _ in
            let port = try await Fixture.openAT(sim, "qc")
            _ = port.command("AT+CMEE=1")
            #expect(port.command("AT+CUSD=1,\"*100#\",15", final: "\r\n") == "\r\n+CME ERROR: 11\r\n")
            _ = port.command("AT+CPIN=\"1234\"")
            try await sim.setRegistration("qc", .searching)
            // No network delay: the ME answers itself, right after the OK.
            #expect(port.command("AT+CUSD=1,\"*100#\",15", final: "+CUSD: 4\r\n") == "\r\nOK\r\n\r\n+CUSD: 4\r\n")
            #expect(port.command("AT+CUSD=3", final: "\r\n") == "\r\n+CME ERROR: 50\r\n")
        }
    }

    @Test("an answered call is billed per started minute when it ends; the balance reply shows it")
    func billing() async throws {
        #expect(SimulatedModem.startedMinutes(200_000_000) == 1)
        #expect(SimulatedModem.startedMinutes(60_000_000_000) == 1)
        #expect(SimulatedModem.startedMinutes(60_500_000_000) == 2)
        try await Fixture.withSimulator([Self.modem("hw", .huawei)]) { sim, _ in
            let port = try await Fixture.openAT(sim, "hw")
            try await sim.setCallee("hw", CalleeRule(pattern: "0611", behaviour: .answer(after: 0.1, dropAfter: 0.2)))
            _ = await Self.command(port, "ATD0611;", final: "NO CARRIER\r\n")
            // Unanswered calls cost nothing.
            try await sim.setCallee("hw", CalleeRule(pattern: "0612", behaviour: .busy(after: 0.1)))
            _ = await Self.command(port, "ATD0612;", final: "BUSY\r\n")
            #expect(try await sim.account("hw") == USSDAccount(balance: "98.50", pricePerMinute: "1.50"))
            let r = await Self.request(port, "AT+CUSD=1,\"AA180C3602\",15")
            #expect(try Self.huaweiText(r.urc) == "Баланс:98,50р")
            #expect(try await sim.status("hw").balance == "98.50")
        }
    }

    @Test("SIM faults: reject (cause 21), out of order (38), barred (8) end every ATD with NO CARRIER and +CEER")
    func simFaults() async throws {
        try await Fixture.withSimulator([Self.modem("hw", .huawei), Self.modem("qc", .quectel)], controlSocket: true) { sim, dir in
            let sock = "\(dir)/control.sock"
            let hw = try await Fixture.openAT(sim, "hw")
            #expect(try ControlClient.send("sim hw reject", socketPath: sock) == "ok")
            #expect(await Self.command(hw, "ATD+79161234567;", final: "NO CARRIER\r\n")
                == "\r\nOK\r\n\r\n^ORIG:1,0\r\n\r\n^CEND:1,0,104,21\r\n\r\nNO CARRIER\r\n")
            #expect(hw.command("AT+CEER") == "\r\n+CEER: Call rejected\r\n\r\nOK\r\n")
            #expect(try ControlClient.send("sim hw outoforder", socketPath: sock) == "ok")
            #expect(await Self.command(hw, "ATD+79161234567;", final: "NO CARRIER\r\n").contains("^CEND:1,0,104,38"))
            #expect(hw.command("AT+CEER") == "\r\n+CEER: Network out of order\r\n\r\nOK\r\n")
            #expect(try ControlClient.send("sim hw normal", socketPath: sock) == "ok")
            try await sim.setCallee("hw", CalleeRule(pattern: "*", behaviour: .busy(after: 0.1)))
            #expect(await Self.command(hw, "ATD+79161234567;", final: "BUSY\r\n").hasSuffix("\r\nBUSY\r\n"))

            let qc = try await Fixture.openAT(sim, "qc")
            try await sim.setSIMFault("qc", .barred)
            #expect(await Self.command(qc, "ATD+79161234567;", final: "NO CARRIER\r\n") == "\r\nOK\r\n\r\nNO CARRIER\r\n")
            #expect(qc.command("AT+CEER") == "\r\n+CEER: Operator determined barring\r\n\r\nOK\r\n")
            #expect(try await sim.status("qc").simFault == .barred)
        }
    }

    @Test("wrong PIN: CME 16, one try fewer, and the AT+CPIN count survives the gateway reconnecting and a replug")
    func pinCounted() async throws {
        try await Fixture.withSimulator([Self.modem("qc", .quectel, pin: "1234")], controlSocket: true) { sim, dir in
            let sock = "\(dir)/control.sock"
            var port: PortClient? = try await Fixture.openAT(sim, "qc")
            _ = port?.command("AT+CMEE=1")
            #expect(port?.command("AT+CPIN=\"0000\"", final: "\r\n") == "\r\n+CME ERROR: 16\r\n")
            #expect(try ControlClient.send("sim qc pin", socketPath: sock)
                == #"ok {"cpinAttempts":1,"pinTriesLeft":2,"pukTriesLeft":10,"state":"pin"}"#)
            port = nil  // the gateway closes the port (daemon restart)
            port = try await Fixture.openAT(sim, "qc", echoOff: false)  // echo stays off: same power cycle
            #expect(port?.command("AT+CPIN?") == "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n")
            port = nil
            try await sim.unplug("qc")
            try await sim.replug("qc")
            let again = try await Fixture.openAT(sim, "qc")
            #expect(again.command("AT+QPINC?") == "\r\n+QPINC: \"SC\",2,10\r\n\r\n+QPINC: \"P2\",3,10\r\n\r\nOK\r\n")
            #expect(try await sim.pinStatus("qc") == SIMPINStatus(state: "pin", pinTriesLeft: 2, pukTriesLeft: 10, cpinAttempts: 1))
            #expect(again.command("AT+CPIN=\"1234\"") == "\r\nOK\r\n")
            #expect(try await sim.status("qc").cpinAttempts == 2)
        }
    }
}
