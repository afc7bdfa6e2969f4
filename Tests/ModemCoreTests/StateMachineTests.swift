import TestSupport
import Testing
@testable import ModemCore

let commonProbe = ["AT", "ATE0", "AT+CMEE=1", "AT+CLCC"]

@Suite("Modem state machine: initialisation per vendor")
struct InitTests {
    @Test func huaweiDetectedAndInitialised() throws {
        var h = ModemHarness(replies: huaweiReplies)
        h.open()
        #expect(h.written == commonProbe + ["ATI", "AT+CGMI", "AT+CGMM", "AT+CGMR", "AT+CGSN", "AT+CPIN?",
            "AT+CIMI", "AT^ICCID?", "AT+CNUM", "AT+CLIP=1", "AT+CRC=1", "AT^CURC=1", "AT+CCWA=0,0,1", "AT^CVOICE?",
            "AT+CREG=2", "AT+COPS=3,2", "AT+CSQ", "AT+CREG?", "AT+COPS?",
            // SMS set-up after init (control priority: ahead of the operator-name polls).
            "AT+COPS=3,0", "AT+CMGF=0", "AT+CPMS=\"SM\",\"SM\",\"SM\"", "AT+CNMI=2,1,0,2,0", "AT+CMGL=4",
            "AT+COPS?", "AT+CPMS?", "AT+COPS=3,2"])
        #expect(h.stateChanges == [.initializing, .free])
        let s = h.machine.status
        #expect(s.state == .free && s.vendor == .huawei && s.model == "E1550" && s.firmware == "11.609.18.00.00")
        #expect(s.identity == ModemIdentity(imei: "351234567890123", imsi: "250011234567890",
                                            iccid: "8933150116110005978", msisdn: "+33612345678"))
        #expect(s.sim == .ready)
        #expect(s.signal?.rssi == 16 && s.signal?.dBm == -81 && s.signal?.bars == 4)
        #expect(s.registration == .home && s.lac == "8BE3" && s.cellID == "2BAF")
        #expect(s.networkOperatorMCCMNC == "25001" && s.networkOperatorName == "MTS" && s.accessTechnology == "UMTS")
        #expect(s.simOperatorMCCMNC == "25001")
        #expect(s.voice?.capable == true)
        #expect(s.at.lastOKAt == .zero && s.at.timeouts == 0 && s.at.queueDepth == 0)
        #expect(h.actions.contains(.identified(s.identity)))
        #expect(h.timers[.poll] == h.now + .seconds(30))
    }

    @Test func huaweiWithoutVoice() {
        var h = ModemHarness(replies: merged(huaweiReplies, ["AT^CVOICE?": "\r\nCOMMAND NOT SUPPORT\r\n"]))
        h.open()
        #expect(h.machine.status.state == .free)
        #expect(h.machine.status.voice?.capable == false)
        #expect(h.machine.status.voice?.reason.contains("COMMAND NOT SUPPORT") == true)
    }

    @Test func quectelConfiguredDialectWithUCS2Operator() {
        var h = ModemHarness(configuration: ModemConfiguration(dialect: .quectel), replies: merged(commonReplies, [
            "AT+CGMI": ModemHarness.ok("Quectel"),
            "AT+CGMM": ModemHarness.ok("EC25"),
            "AT+CGMR": ModemHarness.ok("Revision: EC25EFAR06A06M4G"),
            "AT+CGSN": ModemHarness.ok("866758041234567"),
            "AT+QCCID": ModemHarness.ok("+QCCID: 89860318740201234567"),
            "AT+CNUM": ModemHarness.ok("+CNUM: \"\",\"\",129"),
            "AT+QPCMV?": ModemHarness.ok("+QPCMV: 0,2"),
            "AT+CREG?": ModemHarness.ok("+CREG: 2,5,\"1A2B\",\"01A2D001\",7"),
        ]))
        h.operatorName = "004D00540053"  // UCS2 "MTS" (chan_quectel runs AT+CSCS="UCS2")
        h.open()
        #expect(h.written == commonProbe + ["AT+CGMI", "AT+CGMM", "AT+CGMR", "AT+CGSN", "AT+CPIN?",
            "AT+CIMI", "AT+QCCID", "AT+CNUM", "AT+CLIP=1", "AT+CRC=1", "AT+QINDCFG=\"ccinfo\",1,0",
            "AT+QINDCFG=\"csq\",1,0", "AT+QINDCFG=\"act\",1,0", "AT+QTONEDET=1", "AT+CEREG=2", "AT+QPCMV?",
            "AT+CREG=2", "AT+COPS=3,2", "AT+CSQ", "AT+CREG?", "AT+COPS?", "AT+COPS=3,0",
            "AT+CMGF=0", "AT+CSMS=1", "AT+CPMS=\"ME\",\"ME\",\"ME\"", "AT+QINDCFG=\"smsfull\",1", "AT+CNMI=2,1,0,1,0",
            "AT+CMGL=4", "AT+COPS?", "AT+CPMS?", "AT+COPS=3,2"])
        let s = h.machine.status
        #expect(s.state == .free && s.registration == .roaming && s.accessTechnology == "UMTS")
        #expect(s.vendor == .quectel && s.firmware == "EC25EFAR06A06M4G")
        #expect(s.iccid == "89860318740201234567" && s.msisdn == nil)
        #expect(s.networkOperatorName == "MTS")
        #expect(s.voice?.capable == true)
    }

    @Test func simcomDetectedWithCRCRLFURCs() {
        var h = ModemHarness(replies: merged(commonReplies, [
            "ATI": ModemHarness.ok("Manufacturer: SIMCOM INCORPORATED", "Model: SIMCOM_SIM7600E-H", "Revision: SIM7600M22_V1.1"),
            "AT+CGMI": ModemHarness.ok("SIMCOM INCORPORATED"),
            "AT+CGMM": ModemHarness.ok("SIMCOM_SIM7600E-H"),
            "AT+CGSN": ModemHarness.ok("862636051234567"),
            "AT+CICCID": ModemHarness.ok("+ICCID: 8944110068254545455"),
            "AT+CPCMREG?": ModemHarness.ok("+CPCMREG: 0"),
        ]))
        h.open()
        #expect(Array(h.written[13...21]) == ["AT+CLIP=1", "AT+CRC=1", "AT+CLCC=1", "AT+CEREG=2", "AT+CNSMOD=1",
                                             "AT+AUTOCSQ=1,1", "AT+CPCMFRM=1", "AT+CPCMREG?", "AT+CREG=2"])
        #expect(h.written.contains("AT+CICCID"))
        #expect(h.machine.status.vendor == .simcom && h.machine.status.iccid == "8944110068254545455")
        #expect(h.machine.status.state == .free)
        h.clearLog()
        // SIMCom: CR CR LF endings, +CLIP, then an unsolicited +CSQ (AT+AUTOCSQ).
        h.feed("\r\r\n+CRING: VOICE\r\r\n\r\r\n+CLIP: \"+447700900123\",145,,,,0\r\r\n\r\n+CSQ: 25,99\r\n")
        #expect(h.callEvents == [.incoming(caller: .unknown), .callerIdentified(.number("+447700900123"))])
        #expect(h.machine.status.state == .ringing && h.machine.status.signal?.rssi == 25)
        h.feed("\r\nMISSED_CALL: 10:16AM +447700900123\r\n")
        #expect(h.machine.status.state == .free)
        #expect(h.callEvents.last == .missed(caller: .number("+447700900123"), time: "10:16AM"))
    }

    @Test func slowLastInitQueryStillCompletesInit() {
        var h = ModemHarness(replies: huaweiReplies)
        h.replies["AT+COPS?"] = [""]  // never answered
        h.open()
        #expect(h.machine.status.state == .initializing)
        h.advance(.seconds(10))
        #expect(h.machine.status.state == .free)
        #expect(h.machine.status.at.timeouts == 1)
    }

    @Test func atStatusCountsWhatTheQueueCounted() {
        // One source of truth: the health view's counters are the command queue's.
        var h = ModemHarness(replies: merged(huaweiReplies, ["AT^CVOICE?": "\r\nCOMMAND NOT SUPPORT\r\n"]))
        h.replies["AT+COPS?"] = [""]  // never answered: one timeout
        h.open()
        h.advance(.seconds(10))
        let at = h.machine.status.at
        #expect(at.channel == h.machine.queue.statistics)
        #expect(at.timeouts == 1 && at.errors >= 1)
        #expect(at.commandsSent == h.written.count)
        // Every command sent was answered, timed out, or is still out.
        #expect(at.commandsSent == at.channel.completed + at.timeouts + (h.machine.commandInFlight == nil ? 0 : 1))
    }

    @Test func genericModemStillGetsHealth() {
        var h = ModemHarness(replies: merged(commonReplies, [
            "ATI": ModemHarness.ok("ZTE CORPORATION", "MF626"),
            "AT+CGMI": ModemHarness.ok("ZTE CORPORATION"),
            "AT+CGSN": ModemHarness.ok("351234567890123"),
        ]))
        h.open()
        #expect(h.machine.status.vendor == .generic && h.machine.status.state == .free)
        #expect(h.written.contains("AT+CCID"))
        #expect(h.machine.status.voice?.capable == false)
    }
}

@Suite("Modem state machine: SIM")
struct SIMTests {
    @Test func pinEnteredOnceThenReady() {
        var h = ModemHarness(configuration: ModemConfiguration(dialect: .huawei, pin: SIMPIN("1234")), replies: huaweiReplies)
        h.replies["AT+CPIN?"] = [ModemHarness.ok("+CPIN: SIM PIN"), ModemHarness.ok("+CPIN: READY")]
        h.open()
        #expect(h.written.filter { $0.hasPrefix("AT+CPIN=") } == ["AT+CPIN=\"1234\""])
        #expect(h.machine.status.state == .initializing)
        h.advance(.seconds(3))  // simRetry
        #expect(h.machine.status.state == .free)
        #expect(h.written.filter { $0 == "AT+CPIN?" }.count == 2)
        // The PIN never leaves the machine except in the write itself.
        #expect(!h.machine.status.reason.contains("1234"))
        #expect(ModemStateMachine.loggable(Array("AT+CPIN=\"1234\"\r".utf8)) == "AT+CPIN=<redacted>")
        #expect("\(SIMPIN("1234")!)" == "<redacted PIN>")
    }

    @Test func wrongPINIsNeverRetried() {
        var h = ModemHarness(configuration: ModemConfiguration(dialect: .huawei, pin: SIMPIN("0000")), replies: huaweiReplies)
        h.replies["AT+CPIN?"] = [ModemHarness.ok("+CPIN: SIM PIN")]
        h.replies["AT+CPIN=\"0000\""] = ["\r\n+CME ERROR: 16\r\n"]
        h.open()
        #expect(h.machine.status.state == .simLocked)
        #expect(h.machine.status.reason.contains("not retrying"))
        #expect(h.machine.status.reason.contains("incorrect password"))
        h.advance(.seconds(600))
        #expect(h.written.filter { $0.hasPrefix("AT+CPIN=") }.count == 1)
        #expect(h.machine.status.state == .simLocked)
    }

    @Test func pinRequiredWithoutConfiguredPIN() {
        var h = ModemHarness(replies: merged(huaweiReplies, ["AT+CPIN?": ModemHarness.ok("+CPIN: SIM PIN")]))
        h.open()
        #expect(h.machine.status.state == .simLocked && h.machine.status.sim == .pinRequired)
        #expect(h.machine.status.reason == "SIM PIN required and no PIN configured")
        #expect(!h.written.contains { $0.hasPrefix("AT+CPIN=") })
    }

    @Test func noSIMByCME10AndHuaweiCME13() {
        for code in [10, 13] {
            var h = ModemHarness(replies: merged(huaweiReplies, ["AT+CPIN?": "\r\n+CME ERROR: \(code)\r\n"]))
            h.open()
            #expect(h.machine.status.state == .noSIM)
            #expect(h.written.last == "AT+CPIN?")  // init halted: no IMSI/ICCID queries
            h.clearLog()
            h.advance(.seconds(30))
            #expect(h.written == ["AT+CPIN?"])  // polls the SIM only
        }
    }

    @Test func simPulledThenReinserted() {
        var h = ModemHarness(replies: huaweiReplies)
        h.open()
        #expect(h.machine.status.state == .free)
        h.clearLog()
        h.feed("\r\n^SIMST: 255,1\r\n")
        #expect(h.machine.status.state == .noSIM && h.machine.status.sim == .absent)
        #expect(h.machine.status.reason.contains("^SIMST: 255"))
        h.feed("\r\n+CPIN: READY\r\n")
        #expect(h.written.prefix(3) == ["AT+CIMI", "AT^ICCID?", "AT+CNUM"])
        #expect(h.machine.status.state == .free)
        #expect(h.stateChanges == [.noSIM, .initializing, .free])
    }
}

@Suite("Modem state machine: URCs and calls")
struct URCTests {
    func ready() -> ModemHarness {
        var h = ModemHarness(replies: huaweiReplies)
        h.open()
        h.clearLog()
        return h
    }

    @Test func signalChangeByURC() {
        var h = ready()
        h.now = h.now + .seconds(5)
        h.feed("\r\n^RSSI:25\r\n")
        #expect(h.machine.status.signal == SignalQuality(rssi: 25, dBm: -63, bars: 5))
        #expect(h.machine.status.signalUpdatedAt == .zero + .seconds(5))
        h.feed("\r\n^HCSQ:\"LTE\",45,50,120,20\r\n")
        #expect(h.machine.status.signal?.detail == "LTE, rsrp -91 dBm, sinr 3.8 dB, rsrq -10.0 dB")
    }

    @Test func registrationLostByURC() {
        var h = ready()
        h.feed("\r\n+CREG: 2\r\n")
        #expect(h.machine.status.state == .notRegistered && h.machine.status.registration == .searching)
        h.feed("\r\n+CREG: 1,\"8BE3\",\"2BAF\"\r\n")
        #expect(h.machine.status.state == .free)
        #expect(h.written == ["AT+COPS?"])  // re-learn the operator on registration
    }

    @Test func inboundCallWithCallerThenHungUpByNetwork() {
        var h = ready()
        h.feed("\r\nRING\r\n\r\n+CLIP: \"+79161234567\",145,,,,0\r\n")
        #expect(h.machine.status.state == .ringing)
        h.feed("\r\nRING\r\n\r\n+CLIP: \"+79161234567\",145,,,,0\r\n")  // repeats: no new events
        h.feed("\r\n^CEND:1,0,28\r\n\r\nNO CARRIER\r\n")
        #expect(h.callEvents == [.incoming(caller: .unknown), .callerIdentified(.number("+79161234567")),
                                 .ended(callID: 1, cause: CallEndCause.fromHuaweiEndStatus(28), durationSeconds: 0)])
        #expect(h.machine.status.state == .free)
    }

    @Test func withheldCallerAndUnparsableRing() {
        var h = ready()
        h.feed("\r\n+CRING: \u{1}\r\n")  // control byte: garbage line, no ring
        h.feed("\r\n+CRING: ???\r\n\r\n+CLIP: \"\",128,,,,1\r\n")
        #expect(h.callEvents == [.incoming(caller: .unknown), .callerIdentified(.withheld)])
        // Nobody reports the end: the ring timeout closes it.
        h.advance(.seconds(13))
        #expect(h.machine.status.state == .free)
        if case .ended(_, let cause, _)? = h.callEvents.last { #expect(cause.kind == .noAnswer) } else { Issue.record("no end") }
    }

    @Test func outgoingHuaweiCallProgress() {
        var h = ready()
        h.feed("\r\n^ORIG:1,0\r\n")
        #expect(h.machine.status.state == .dialing)
        h.feed("\r\n^CONF:1\r\n\r\n^CONN:1,0\r\n")
        #expect(h.machine.status.state == .active)
        h.feed("\r\n^CEND:1,82,29\r\n")
        #expect(h.machine.status.state == .free)
        #expect(h.callEvents.count == 4)
        if case .ended(1, let c, 82)? = h.callEvents.last { #expect(c.kind == .localHangup) } else { Issue.record("end") }
    }

    @Test func quectelCCInfoAndBusyDuringPoll() {
        var h = ModemHarness(configuration: ModemConfiguration(dialect: .quectel), replies: commonReplies)
        h.open()
        h.clearLog()
        h.feed("\r\n+QIND: \"ccinfo\",1,0,2,0,0,\"+4915112345678\",145\r\n")
        #expect(h.machine.status.state == .dialing)
        // BUSY arriving while a poll is in flight is a call end, not the poll's answer.
        h.hung = true
        h.advance(.seconds(30))
        #expect(h.machine.commandInFlight?.text == "AT+CSQ")
        h.feed("\r\nBUSY\r\n")
        #expect(h.machine.status.state == .free)
        #expect(h.machine.commandInFlight?.text == "AT+CSQ")
        if case .ended(_, let c, _)? = h.callEvents.last { #expect(c.kind == .busy) } else { Issue.record("busy") }
    }

    @Test func unknownLinesAreCountedNotFatal() {
        var h = ready()
        h.feed("\r\n+WEIRD: 1,2\r\n\r\nHELLO\r\n")
        #expect(h.machine.status.at.unknownLines == 2)
        #expect(h.actions.contains(.unknownLine("+WEIRD: 1,2")))
        #expect(h.machine.status.state == .free)
    }
}

@Suite("Modem state machine: raw commands, polling, recovery")
struct RecoveryTests {
    func ready() -> ModemHarness {
        var h = ModemHarness(replies: huaweiReplies)
        h.open()
        h.clearLog()
        return h
    }
    func rawResults(_ h: ModemHarness) -> [(Int, [String], String)] {
        h.actions.compactMap { if case .rawCommandFinished(let id, let l, let f) = $0 { return (id, l, f) } else { return nil } }
    }

    @Test func rawCommandAnswered() {
        var h = ready()
        h.replies["AT+CSQ"] = [ModemHarness.ok("+CSQ: 20,99")]
        h.apply(h.machine.submitRawCommand("AT+CSQ", requestID: 7, now: h.now))
        #expect(rawResults(h).first?.0 == 7 && rawResults(h).first?.1 == ["+CSQ: 20,99"] && rawResults(h).first?.2 == "OK")
        h.replies["AT+CFOO"] = ["\r\n+CME ERROR: 4\r\n"]
        h.apply(h.machine.submitRawCommand("AT+CFOO", requestID: 8, now: h.now))
        #expect(rawResults(h).last?.2 == "+CME ERROR: 4")
        h.apply(h.machine.submitRawCommand("AT\r+CFUN=0", requestID: 9, now: h.now))
        #expect(rawResults(h).last?.0 == 9 && rawResults(h).last?.2.hasPrefix("ERROR:") == true)
        h.apply(h.machine.submitRawCommand("rm -rf", requestID: 10, now: h.now))
        #expect(rawResults(h).last?.2 == "ERROR: command must start with AT")
    }

    @Test func pollingRunsAtPollPriorityAndDialGoesFirst() {
        var h = ready()
        h.hung = true
        h.advance(.seconds(30))
        #expect(h.written == ["AT+CSQ"])
        #expect(h.machine.pendingCommands.map(\.text) == ["AT+CREG?", "AT+COPS?"])
        h.hung = false
        h.apply(h.machine.submitRawCommand("ATD+79161234567;", requestID: 1, now: h.now))
        h.feed("\r\n+CSQ: 12,99\r\n\r\nOK\r\n")
        // The raw (control) command was written before the queued polls.
        #expect(h.written == ["AT+CSQ", "ATD+79161234567;", "AT+CREG?", "AT+COPS?"])
        #expect(h.machine.status.signal?.rssi == 12)
    }

    @Test func recoveryLadder() {
        var h = ready()
        h.hung = true
        h.advance(.seconds(30))   // poll: AT+CSQ, AT+CREG?, AT+COPS? queued
        h.advance(.seconds(30))   // three 10 s timeouts -> rung 1
        #expect(h.written == ["AT+CSQ", "AT+CREG?", "AT+COPS?", "AT"])
        #expect(h.machine.status.state == .resetting)
        #expect(h.machine.status.lastRecovery?.hasPrefix("rung 1 (AT probe): 3 consecutive AT timeouts") == true)
        h.advance(.seconds(5))    // probe timeout -> rung 2
        #expect(h.written.last == "AT+CFUN=1,1")
        #expect(h.machine.status.lastRecovery?.hasPrefix("rung 2") == true)
        h.advance(.seconds(30))   // reboot wait -> probe again
        #expect(h.written.last == "AT")
        h.advance(.seconds(5))    // still nothing -> rung 3
        let reopen = h.actions.compactMap { if case .reopenPort(let r) = $0 { return r } else { return nil } }
        #expect(reopen == ["modem did not answer AT after AT+CFUN=1,1"])
        #expect(h.machine.status.at.resets == 3)
        #expect(h.machine.status.at.timeouts >= 5)
        #expect(h.machine.status.lastRecovery?.hasPrefix("rung 3 (reopen port, attempt 1)") == true)
        // The IO layer reopens; the modem answers again: full init, back to free.
        h.hung = false
        h.apply(h.machine.portClosed(reason: "reopen", now: h.now))
        #expect(h.machine.status.state == .notConnected)
        h.open()
        #expect(h.machine.status.state == .free)
        #expect(h.machine.status.at.resets == 3)
    }

    @Test func probeSuccessReinitialises() {
        var h = ready()
        h.hung = true
        h.advance(.seconds(60))
        #expect(h.machine.status.state == .resetting)
        h.hung = false
        h.feed("\r\nOK\r\n")  // the modem finally answers the probe
        #expect(h.machine.status.state == .free)
        #expect(h.machine.status.lastRecovery?.contains("re-initialising") == true)
    }

    @Test func ladderExhaustedMeansFailed() {
        var h = ready()
        h.hung = true
        var reopens = 0
        for _ in 0..<6 {
            h.advance(.seconds(200))
            let n = h.actions.filter { if case .reopenPort = $0 { return true } else { return false } }.count
            if n > reopens {
                reopens = n
                h.apply(h.machine.portClosed(reason: "reopen", now: h.now))
                h.open()
            }
        }
        #expect(reopens == 3)
        #expect(h.machine.status.state == .failed)
        #expect(h.machine.status.reason.hasPrefix("recovery ladder exhausted"))
        // An admin reset brings it back when the modem answers.
        h.hung = false
        h.apply(h.machine.resetRequested(reason: "admin", now: h.now))
        #expect(h.written.last == "AT+CFUN=1,1")
        h.feed("\r\nRDY\r\n")
        #expect(h.machine.status.state == .free)
    }

    @Test func randomBytesThenStillAnswersACommand() {
        var h = ready()
        var rng = SplitMix64(seed: 42)
        var fed = 0
        while fed < 200_000 {
            let n = Int(rng.next() % 900) + 1
            let chunk = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            h.apply(h.machine.received(chunk, now: h.now))
            fed += n
        }
        h.feed("\r\n")
        h.replies["AT+CGMR"] = [ModemHarness.ok("11.609.18.00.00")]
        h.apply(h.machine.submitRawCommand("AT+CGMR", requestID: 99, now: h.now))
        #expect(rawResults(h).contains { $0.0 == 99 && $0.1 == ["11.609.18.00.00"] && $0.2 == "OK" })
        #expect(h.machine.status.at.garbageLines > 0)
    }
}
