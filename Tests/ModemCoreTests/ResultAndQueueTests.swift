import Testing
@testable import ModemCore

@Suite("Final results and CME/CMS tables")
struct ResultTests {
    @Test func finals() {
        #expect(ATFinalResult.parse("OK") == .ok)
        #expect(ATFinalResult.parse("ERROR") == .error)
        #expect(ATFinalResult.parse("+CME ERROR: 10") == .cmeError(.code(10)))
        #expect(ATFinalResult.parse("+CME ERROR: SIM not inserted") == .cmeError(.text("SIM not inserted")))
        #expect(ATFinalResult.parse("+CMS ERROR: 330") == .cmsError(.code(330)))
        #expect(ATFinalResult.parse("COMMAND NOT SUPPORT") == .commandNotSupported)
        #expect(ATFinalResult.parse("TOO MANY PARAMETERS") == .tooManyParameters)
        #expect(ATFinalResult.parse("NO CARRIER") == .noCarrier)
        #expect(ATFinalResult.parse("BUSY") == .busy)
        #expect(ATFinalResult.parse("NO ANSWER") == .noAnswer)
        #expect(ATFinalResult.parse("NO DIALTONE") == .noDialtone)
        #expect(ATFinalResult.parse("CONNECT 9600") == .connect("9600"))
        #expect(ATFinalResult.parse("MODEM ERROR: 3") == .modemError(3))
        #expect(ATFinalResult.parse("+CSQ: 16,99") == nil)
        #expect(ATFinalResult.parse("OKAY") == nil)
    }

    @Test func cmeMeanings() {
        #expect(CMEError.code(10).meaning == "SIM not inserted")
        #expect(CMEError.code(16).meaning == "incorrect password")
        #expect(CMEError.text("SIM not inserted").code == 10)
        #expect(CMEError.code(13).meansNoSIM)   // Huawei reports a missing SIM as 13
        #expect(!CMEError.code(14).meansNoSIM)
        #expect(CMSError.code(330).meaning == "SMSC address unknown")
        #expect(ATFinalResult.cmeError(.code(12)).meaning == "+CME ERROR: 12 (SIM PUK required)")
    }
}

@Suite("AT command queue")
struct QueueTests {
    func written(_ outs: [ATCommandQueue<String>.Output]) -> [String] {
        outs.compactMap { if case .write(let b) = $0 { return String(decoding: b.dropLast(), as: UTF8.self) } else { return nil } }
    }
    func completed(_ outs: [ATCommandQueue<String>.Output]) -> [(String, ATResponse)] {
        outs.compactMap { if case .completed(let e, let r) = $0 { return (e.tag, r) } else { return nil } }
    }

    @Test func oneInFlightAndCallPriorityOverPolls() {
        var q = ATCommandQueue<String>()
        var w = written(q.enqueue(ATCommand("AT+CSQ", priority: .poll), tag: "csq"))
        #expect(w == ["AT+CSQ"])
        w = written(q.enqueue(ATCommand("AT+CREG?", priority: .poll), tag: "creg"))
        w += written(q.enqueue(ATCommand("AT+COPS?", priority: .poll), tag: "cops"))
        w += written(q.enqueue(ATCommand("ATD+79161234567;", priority: .call, timeout: .seconds(60)), tag: "dial"))
        #expect(w == [])  // AT+CSQ still in flight
        #expect(q.depth == 4)
        let outs = q.receive(Array("\r\n+CSQ: 16,99\r\n\r\nOK\r\n".utf8))
        #expect(completed(outs).map(\.0) == ["csq"])
        #expect(completed(outs).first?.1 == ATResponse(lines: ["+CSQ: 16,99"], final: .ok))
        #expect(written(outs) == ["ATD+79161234567;"])
        let next = q.receive(Array("\r\nOK\r\n".utf8))
        #expect(written(next) == ["AT+CREG?"])
    }

    @Test func timeoutThenNextCommandAndStaleTimerIgnored() {
        var q = ATCommandQueue<String>()
        let first = q.enqueue(ATCommand("AT+CSQ", timeout: .seconds(10)), tag: "csq")
        guard case .armTimeout(let id, let after)? = first.last else { Issue.record("no timer"); return }
        #expect(after == .seconds(10))
        _ = q.enqueue(ATCommand("AT+CREG?"), tag: "creg")
        let outs = q.timeoutFired(id: id)
        #expect(outs.contains { if case .timedOut(let e, _) = $0 { return e.tag == "csq" } else { return false } })
        #expect(written(outs) == ["AT+CREG?"])
        #expect(q.statistics.timeouts == 1 && q.statistics.consecutiveTimeouts == 1)
        #expect(q.timeoutFired(id: id).isEmpty)  // stale
        _ = q.receive(Array("\r\nOK\r\n".utf8))
        #expect(q.statistics.consecutiveTimeouts == 0)
    }

    @Test func samePrefixAmbiguityDecidedByOutstandingCommand() {
        let csq = ATCommand("AT+CSQ"), creg = ATCommand("AT+CREG?"), cpin = ATCommand("AT+CPIN?")
        #expect(ATCommandQueue<Int>.classify("+CREG: 1", outstanding: csq) == .unsolicited)
        #expect(ATCommandQueue<Int>.classify("+CREG: 2,1", outstanding: creg) == .response)
        #expect(ATCommandQueue<Int>.classify("+CPIN: READY", outstanding: csq) == .unsolicited)
        #expect(ATCommandQueue<Int>.classify("+CPIN: READY", outstanding: cpin) == .response)
        #expect(ATCommandQueue<Int>.classify("RING", outstanding: ATCommand("AT+CGSN")) == .unsolicited)
        #expect(ATCommandQueue<Int>.classify("351234567890123", outstanding: ATCommand("AT+CGSN")) == .response)
        // NO CARRIER ends a dial, but is a call-progress URC during a poll.
        #expect(ATCommandQueue<Int>.classify("NO CARRIER", outstanding: ATCommand("ATD123;")) == .final(.noCarrier))
        #expect(ATCommandQueue<Int>.classify("NO CARRIER", outstanding: csq) == .callProgress(.noCarrier))
    }

    @Test func urcsInsideResponseAreSeparated() {
        var q = ATCommandQueue<String>()
        _ = q.enqueue(ATCommand("AT+CLCC"), tag: "clcc")
        let outs = q.receive(Array("\r\n+CLCC: 1,1,4,0,0,\"+79161234567\",145\r\n\r\nRING\r\n\r\n^RSSI:14\r\n\r\nOK\r\n".utf8))
        #expect(completed(outs).first?.1.lines == ["+CLCC: 1,1,4,0,0,\"+79161234567\",145"])
        let urcs = outs.compactMap { if case .unsolicited(let l) = $0 { return l } else { return nil } }
        #expect(urcs == ["RING", "^RSSI:14"])
    }

    @Test func smsPromptWritesPayloadAndCtrlZ() {
        var q = ATCommandQueue<String>()
        _ = q.enqueue(ATCommand("AT+CMGS=18", promptPayload: "0011000B919761"), tag: "sms")
        let outs = q.receive(Array("\r\n> ".utf8))
        #expect(outs.contains { if case .write(let b) = $0 { return b == Array("0011000B919761".utf8) + [0x1A] } else { return false } })
    }

    @Test func queueIsBounded() {
        var q = ATCommandQueue<Int>()
        for i in 0..<(ATCommandQueue<Int>.maxPending + 1) { _ = q.enqueue(ATCommand("AT+CSQ", priority: .poll), tag: i) }
        #expect(q.pendingCount == ATCommandQueue<Int>.maxPending)
        let outs = q.enqueue(ATCommand("ATA", priority: .call), tag: 999)
        #expect(outs.contains { if case .dropped(let e) = $0 { return e.command.priority == .poll } else { return false } })
        #expect(q.pendingCommands.contains { $0.text == "ATA" })
    }
}
