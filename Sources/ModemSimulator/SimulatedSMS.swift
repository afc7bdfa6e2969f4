// SMS in the simulated modem, PDU mode only (27.005 §3-4): message memories with a capacity,
// new-message indications per +CNMI, reading, listing and deleting, the AT+CMGS prompt, and a
// "network" that delivers messages and status reports and holds them while the modem cannot
// take them (storage full, SIM not ready, unplugged), the way a service centre retries.
// Formats and wording: sms-ussd.md §1.1, §4; at-dialects.md §1.5, §2.9, §5.6.
import Foundation
import SMSCore

/// Bounds of the SMS side, each with its reason.
enum SMSLimits {
    /// TPDU octets of the longest SMS-SUBMIT: first octet, MR, 12-octet DA, PID, DCS, 7-octet
    /// VP, UDL and 140 octets of user data (23.040 §9.2.2.2). AT+CMGS=<n> beyond it is refused.
    static let maximumTPDULength = 164
    /// Hex characters collected after the prompt: the SMSC field (up to 12 octets) plus the
    /// longest TPDU, with room for a little slack. More is refused with +CMS ERROR: 304 rather
    /// than kept, so a runaway writer cannot grow memory.
    static let maximumPromptHex = 2 * (12 + maximumTPDULength) + 16
    /// How long a +CMT/+CDS waits for AT+CNMA when +CSMS=1 before the network counts it as
    /// unacknowledged and delivers it again (27.005 §3.4.4 leaves the time to the ME; Telit
    /// documents "a timeout", sms-ussd.md §4.2).
    static let acknowledgementTimeout = 15.0
    /// 8-bit concatenation references (23.040 §9.2.3.24.1) and TP-MR are both 0...255.
    static let referenceModulus = 256
}

/// Why the AT port is not taking commands: AT+CMGS=<n> printed `> ` and the PDU is being typed.
struct SMSPrompt {
    let tpduLength: Int
    var hex: [UInt8] = []
    var overflowed = false
}

/// A message the network holds for the modem.
struct NetworkSMS: Equatable {
    enum Kind: Equatable { case deliver, statusReport }
    var kind: Kind
    var pdu: String
    var tpduLength: Int
    /// TP-DCS message class of a DELIVER (class 2 always goes to storage).
    var messageClass: Int?
}

/// SMS settings of the AT interface; ATZ and power-on restore them.
struct SMSSettings {
    /// +CNMI <mode>,<mt>,<bm>,<ds>,<bfr>; 0,0,0,0,0 after power-on (27.005 §3.4.1).
    var cnmiMode = 0
    var mt = 0
    var bm = 0
    var ds = 0
    var bfr = 0
    /// +CSMS <service>: 1 (phase 2+) makes every +CMT/+CDS wait for AT+CNMA.
    var service = 0
    /// +CPMS <mem1> (read, list, delete), <mem2> (write, send), <mem3> (where new ones go).
    var readMemory = "SM"
    var writeMemory = "SM"
    var receiveMemory = "SM"
}

extension SimulatedModem {
    static let smsMemoryNames = ["SM", "ME"]

    // MARK: AT commands

    /// The SMS commands; nil for any other command.
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    func executeSMS(_ cmd: ATCommand) -> CommandOutcome? {
        let args = cmd.arguments
        switch (cmd.name, cmd.form) {
        case ("+CMGF", .set):
            // PDU mode only: a modem without text mode refuses it (27.005 §3.2.3 makes text optional).
            switch args.first {
            case "0": return .ok([])
            case "1": return .cmsError(303)
            default: return .cmsError(304)
            }
        case ("+CMGF", .read):
            return .ok(["+CMGF: 0"])
        case ("+CMGF", .test):
            return .ok(["+CMGF: (0)"])

        case ("+CSMS", .set):
            guard let s = Int(args.first ?? ""), s == 0 || s == 1 else { return .cmsError(303) }
            sms.service = s
            return .ok(["+CSMS: 1,1,1"])
        case ("+CSMS", .read):
            return .ok(["+CSMS: \(sms.service),1,1,1"])
        case ("+CSMS", .test):
            return .ok(["+CSMS: (0,1)"])

        case ("+CPMS", .set):
            if let e = smsSIMError() { return .cmsError(e) }
            let names = args.map { $0.uppercased() }
            guard (1...3).contains(names.count), names.allSatisfy({ Self.smsMemoryNames.contains($0) }) else {
                return .cmsError(302)
            }
            sms.readMemory = names[0]
            if names.count >= 2 { sms.writeMemory = names[1] }
            if names.count >= 3 { sms.receiveMemory = names[2] }
            afterReply.append { self.flushNetworkQueue(announceFull: false) }
            // 27.005 §3.2.2: the set answer gives used and total of all three.
            let counts = [sms.readMemory, sms.writeMemory, sms.receiveMemory].map { m in
                "\(smsMemories[m]!.used),\(smsMemories[m]!.capacity)"
            }
            return .ok(["+CPMS: " + counts.joined(separator: ",")])
        case ("+CPMS", .read):
            if let e = smsSIMError() { return .cmsError(e) }
            let fields = [sms.readMemory, sms.writeMemory, sms.receiveMemory].map { m in
                "\"\(m)\",\(smsMemories[m]!.used),\(smsMemories[m]!.capacity)"
            }
            return .ok(["+CPMS: " + fields.joined(separator: ",")])
        case ("+CPMS", .test):
            let list = "(" + Self.smsMemoryNames.map { "\"\($0)\"" }.joined(separator: ",") + ")"
            return .ok(["+CPMS: \(list),\(list),\(list)"])

        case ("+CNMI", .set):
            var values = [sms.cnmiMode, sms.mt, sms.bm, sms.ds, sms.bfr]
            // Mode 3 (in-band in data mode) acts as 2 here: there is no data mode.
            let allowed: [ClosedRange<Int>] = [0...3, 0...3, 0...3, 0...2, 0...1]
            guard args.count <= 5 else { return .cmsError(303) }
            for (i, a) in args.enumerated() where !a.isEmpty {
                guard let v = Int(a), allowed[i].contains(v) else { return .cmsError(303) }
                values[i] = v
            }
            (sms.cnmiMode, sms.mt, sms.bm, sms.ds, sms.bfr) = (values[0], values[1], values[2], values[3], values[4])
            afterReply.append { self.flushNetworkQueue(announceFull: false) }
            return .ok([])
        case ("+CNMI", .read):
            return .ok(["+CNMI: \(sms.cnmiMode),\(sms.mt),\(sms.bm),\(sms.ds),\(sms.bfr)"])
        case ("+CNMI", .test):
            return .ok(["+CNMI: (0-3),(0-3),(0-3),(0-2),(0,1)"])

        case ("+CNMA", .action), ("+CNMA", .set):
            // PDU mode: n 0/1 RP-ACK, 2 RP-ERROR (27.005 §3.4.4); only while a +CMT/+CDS waits.
            let n = Int(args.first ?? "0") ?? -1
            guard (0...2).contains(n), args.count < 2 || args[1] == "0" else { return .cmsError(304) }
            guard sms.service == 1, let waiting = awaitingAcknowledgement else { return .cmsError(340) }
            awaitingAcknowledgement = nil
            acknowledgementSerial += 1
            if n == 2 {
                // Refused by the TE: the network keeps the message and offers it again later.
                smsNetworkQueue.append(waiting)
            } else {
                afterReply.append { self.flushNetworkQueue(announceFull: false) }
            }
            return .ok([])
        case ("+CNMA", .test):
            return .ok(["+CNMA: (0-2)"])

        case ("+CMGR", .set):
            if let e = smsSIMError() { return .cmsError(e) }
            guard let index = Int(args.first ?? ""), smsMemories[sms.readMemory]!.indexRange.contains(index) else {
                return .cmsError(321)
            }
            // An empty slot is an error too: chan_dongle's CMGR sweep over 0...255 on Huawei
            // logged "Error reading SMS message" for every empty index (sms-ussd.md §4.3).
            guard let m = smsMemories[sms.readMemory]!.read(index) else { return .cmsError(321) }
            return .ok(["+CMGR: \(m.status.rawValue),,\(Self.tpduLength(m.pdu))\r\n\(m.pdu)"])

        case ("+CMGL", .action), ("+CMGL", .set):
            if let e = smsSIMError() { return .cmsError(e) }
            // Default <stat> is 0 "received unread"; "ALL" is text mode and wrong here.
            guard let stat = args.first.map({ Int($0) }) ?? 0, (0...4).contains(stat) else { return .cmsError(304) }
            let entries = smsMemories[sms.readMemory]!.list(stat).map { m in
                "+CMGL: \(m.index),\(m.status.rawValue),,\(Self.tpduLength(m.pdu))\r\n\(m.pdu)"
            }
            return .ok(entries.isEmpty ? [] : [entries.joined(separator: "\r\n")])
        case ("+CMGL", .test):
            return .ok(["+CMGL: (0-4)"])

        case ("+CMGD", .set):
            if let e = smsSIMError() { return .cmsError(e) }
            let flag = args.count >= 2 && !args[1].isEmpty ? Int(args[1]) : 0
            guard let flag, (0...4).contains(flag) else { return .cmsError(304) }
            let index = Int(args.first ?? "")
            if flag == 0 {
                guard let index, smsMemories[sms.readMemory]!.indexRange.contains(index) else { return .cmsError(321) }
            }
            smsMemories[sms.readMemory]!.delete(index ?? 0, flag: flag)
            // Space freed: the SIM tells the network, which delivers what it held (31.102 §4.2.28).
            afterReply.append { self.flushNetworkQueue(announceFull: false) }
            return .ok([])
        case ("+CMGD", .test):
            let used = smsMemories[sms.readMemory]!.ordered.map { String($0.index) }.joined(separator: ",")
            return .ok(["+CMGD: (\(used)),(0-4)"])

        case ("+CMGS", .set):
            if let e = smsSIMError() { return .cmsError(e) }
            guard args.count == 1, let n = Int(args[0]), (1...SMSLimits.maximumTPDULength).contains(n) else {
                return .cmsError(304)
            }
            return .smsPrompt(tpduLength: n)
        case ("+CMGS", .test):
            return .ok([])
        default:
            return nil
        }
    }

    /// The +CMS code for a SIM that cannot do SMS (27.005 §3.2.5), nil when it is ready.
    func smsSIMError() -> Int? {
        switch sim.state {
        case .ready: nil
        case .absent: config.vendor == .huawei ? 313 : 310   // Huawei reports a missing card as SIM failure
        case .pinRequired: 311
        case .pukRequired: 316
        }
    }

    /// Octets after the SMSC field of a hex PDU (SMSC first): the <length> of +CMGR/+CMT.
    static func tpduLength(_ hex: String) -> Int {
        let octets = hex.utf8.count / 2
        let smsc = Int(hex.prefix(2), radix: 16) ?? 0
        return max(0, octets - 1 - smsc)
    }

    // MARK: The prompt

    /// Feeds bytes typed after the prompt; returns how many it consumed (the rest, after a
    /// Ctrl-Z or ESC, are command lines again).
    func feedSMSPrompt(_ bytes: ArraySlice<UInt8>) -> Int {
        var consumed = 0
        // With ATE1 the typed PDU comes back, before whatever answers it.
        var echoed: [UInt8] = []
        func flushEcho() {
            if settings.echo, !echoed.isEmpty { writeBytes(echoed) }
            echoed.removeAll()
        }
        defer { flushEcho() }
        for byte in bytes {
            consumed += 1
            guard var prompt = smsPrompt else { return consumed - 1 }
            switch byte {
            case 0x1A:  // Ctrl-Z: send
                flushEcho()
                smsPrompt = nil
                finishSubmit(prompt)
                return consumed
            case 0x1B:  // ESC: abandon, nothing is sent
                flushEcho()
                smsPrompt = nil
                sendFinal("OK")
                releaseHeldSMSURCs()
                return consumed
            case 0x0D, 0x0A, 0x20:
                continue
            case 0x08:
                if !prompt.hex.isEmpty { prompt.hex.removeLast() }
            default:
                if prompt.hex.count >= SMSLimits.maximumPromptHex { prompt.overflowed = true } else { prompt.hex.append(byte) }
                echoed.append(byte)
            }
            smsPrompt = prompt
        }
        return consumed
    }

    /// Ctrl-Z: check the PDU against AT+CMGS=<n>, then "send" it.
    func finishSubmit(_ prompt: SMSPrompt) {
        defer { releaseHeldSMSURCs() }
        let text = String(decoding: prompt.hex, as: UTF8.self)
        guard !prompt.overflowed, let octets = try? HexText.octets(text), let smscLength = octets.first,
              octets.count - 1 - Int(smscLength) == prompt.tpduLength,
              case .submit(let submit)? = try? SMSPDU.decode(octets: octets, includesSMSC: true)
        else {
            // A length that disagrees with the PDU, bad hex, or not an SMS-SUBMIT.
            sendFinal("+CMS ERROR: 304")
            return
        }
        var record = SentSMS(
            pdu: text.uppercased(), tpduLength: prompt.tpduLength, destination: submit.destination.number,
            text: submit.text, statusReportRequested: submit.statusReportRequest,
            concatenation: submit.header?.concatenation.map { SMSPart(reference: $0.reference, total: $0.total, sequence: $0.sequence) },
            messageReference: nil, cmsError: nil)
        var failure: Int?
        if let f = smsFailures {
            failure = f.code
            smsFailures = f.count > 1 ? (f.code, f.count - 1) : nil
        } else if !effectiveRegistration.isRegistered {
            failure = 331  // no network service
        }
        if let failure {
            record.cmsError = failure
            smsSent.append(record)
            sendFinal("+CMS ERROR: \(failure)")
            return
        }
        let mr = messageReference
        messageReference = (messageReference + 1) % SMSLimits.referenceModulus
        record.messageReference = mr
        smsSent.append(record)
        write("\r\n+CMGS: \(mr)\r\n\r\nOK\r\n")
        answerOperatorService(submit)
        if submit.statusReportRequest {
            let submitted = Self.smsNow()
            // Not one of `timers`: the service centre's report outlives an unplug of the modem
            // and waits in the network until the modem is back.
            loop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(max(0, config.smsReportDelay) * 1e9))) { [weak self] in
                guard let self else { return }
                let report = SMSStatusReport(
                    smsc: Self.serviceCentre, messageReference: mr, recipient: submit.destination,
                    serviceCentreTime: submitted, dischargeTime: Self.smsNow(), status: DeliveryStatus(raw: 0))
                self.networkDelivers(report.encoded(), kind: .statusReport, messageClass: nil)
            }
        }
    }

    // MARK: The network side

    /// An SMS to one of the operator's SMS services (balance by SMS) is answered by an SMS
    /// from the service, a moment after the network took the request.
    private func answerOperatorService(_ submit: SMSSubmit) {
        guard let service = USSDOperator.forNetwork(network.mccmnc).smsService(to: submit.destination.number, text: submit.text)
        else { return }
        schedule(after: config.smsReportDelay) { [weak self] in
            guard let self else { return }
            _ = try? self.deliverText(from: service.replyFrom, text: service.reply(self.ussd.balanceCents, Date()), faults: SMSPartFaults())
        }
    }

    /// The service centre the simulated network's messages carry.
    static let serviceCentre = SMSAddress("+79168999100")

    /// Local time with the host's zone (23.040 time stamps carry quarter hours).
    static func smsNow() -> SMSTimestamp {
        let offset = TimeZone.current.secondsFromGMT() / 60
        return SMSTimestamp(secondsSince1970: Int64(Date().timeIntervalSince1970), utcOffsetMinutes: offset - offset % 15)
    }

    /// `sms`: the network splits `text` as a real one would and hands the parts over.
    func deliverText(from: String, text: String, faults: SMSPartFaults) throws(SimulatorError) -> SMSDeliveryReceipt {
        let sender = SMSAddress(from)
        if sender.isAlphanumeric {
            guard (1...11).contains(from.count) else { throw .invalidArgument("an alphanumeric sender is 1...11 characters, got '\(from)'") }
        } else {
            let digits = from.hasPrefix("+") ? from.dropFirst() : Substring(from)
            guard (1...20).contains(digits.count) else { throw .invalidArgument("a sender number is 1...20 digits, got '\(from)'") }
        }
        guard !text.isEmpty else { throw .invalidArgument("the text must not be empty") }
        let plan = SMSSegmenter.plan(text)
        guard plan.parts.count < SMSLimits.referenceModulus else {
            throw .invalidArgument("the text needs \(plan.parts.count) parts; a concatenated SMS has at most 255")
        }
        let reference = plan.parts.count > 1 ? concatenationReference : 0
        if plan.parts.count > 1 { concatenationReference = (concatenationReference + 1) % SMSLimits.referenceModulus }
        let parts = SMSSegmenter.deliver(text, from: sender, time: Self.smsNow(), reference: reference, smsc: Self.serviceCentre)
        let sequence = try faults.deliverySequence(parts: parts.count)
        let messageClass = try? SMSPDU.decode(hex: parts[0].hex)
        for n in sequence {
            var cls: Int?
            if case .deliver(let d)? = messageClass { cls = d.dataCoding.messageClass }
            networkDelivers(parts[n - 1], kind: .deliver, messageClass: cls)
        }
        if faults.hangAfterIndication { hung = true }
        return SMSDeliveryReceipt(reference: reference, parts: parts.map(\.hex), delivered: sequence)
    }

    /// `sms-pdu`: a raw SMS-DELIVER or SMS-STATUS-REPORT, SMSC field first.
    func deliverPDU(hex: String) throws(SimulatorError) {
        let pdu: SMSPDU
        do {
            pdu = try SMSPDU.decode(hex: hex, includesSMSC: true)
        } catch {
            throw .invalidArgument("not a PDU the network can deliver: \(error)")
        }
        let encoded = EncodedPDU(hex: hex.uppercased(), tpduLength: Self.tpduLength(hex))
        switch pdu {
        case .deliver(let d): networkDelivers(encoded, kind: .deliver, messageClass: d.dataCoding.messageClass)
        case .statusReport: networkDelivers(encoded, kind: .statusReport, messageClass: nil)
        case .submit: throw .invalidArgument("an SMS-SUBMIT goes from the modem to the network, not to the modem")
        }
    }

    func networkDelivers(_ pdu: EncodedPDU, kind: NetworkSMS.Kind, messageClass: Int?) {
        smsNetworkQueue.append(NetworkSMS(kind: kind, pdu: pdu.hex, tpduLength: pdu.tpduLength, messageClass: messageClass))
        flushNetworkQueue(announceFull: true)
    }

    /// Whether the modem is on the network with a usable SIM, so the network can deliver.
    var canReceiveSMS: Bool {
        isPlugged && !hung && !booting && replay == nil && sim.state == .ready && effectiveRegistration.isRegistered
    }

    /// Hands over what the network holds, oldest first, until something blocks (storage full,
    /// a +CMT waiting for its +CNMA). `announceFull`: a new arrival found the storage full,
    /// which Huawei reports with ^SMMEMFULL.
    func flushNetworkQueue(announceFull: Bool) {
        guard canReceiveSMS else { return }
        while let next = smsNetworkQueue.first {
            switch offer(next) {
            case .taken:
                smsNetworkQueue.removeFirst()
            case .waitingForAcknowledgement:
                return
            case .storageFull(let memory):
                if announceFull, let urc = dialect.smsMemoryFullURC(memory) { emitSMSURC(urc) }
                return
            }
        }
    }

    private enum Offer { case taken, waitingForAcknowledgement, storageFull(String) }

    /// Routes one message per +CNMI (27.005 §3.4.1, sms-ussd.md §4.1).
    private func offer(_ message: NetworkSMS) -> Offer {
        let indications = sms.cnmiMode != 0
        let direct: Bool
        switch message.kind {
        case .deliver:
            // mt 2: direct except class 2 (SIM-specific, always stored); mt 3: only class 3 direct.
            direct = indications && ((sms.mt == 2 && message.messageClass != 2) || (sms.mt == 3 && message.messageClass == 3))
        case .statusReport:
            // ds 0 (or ds 1 with indications off): not routed to the TE, the ME drops it.
            if sms.ds == 0 || (sms.ds == 1 && !indications) { return .taken }
            direct = sms.ds == 1
        }
        if direct {
            if sms.service == 1 && awaitingAcknowledgement != nil { return .waitingForAcknowledgement }
            let urc = message.kind == .deliver ? "+CMT: ,\(message.tpduLength)" : "+CDS: \(message.tpduLength)"
            emitSMSURC(urc + "\r\n" + message.pdu)
            if sms.service == 1 { awaitForAcknowledgement(message) }
            return .taken
        }
        let memory = sms.receiveMemory
        guard let index = smsMemories[memory]!.store(pdu: message.pdu, status: .receivedUnread) else { return .storageFull(memory) }
        if message.kind == .deliver, indications, sms.mt != 0 {
            emitSMSURC("+CMTI: \"\(memory)\",\(index)")
        } else if message.kind == .statusReport, indications {
            emitSMSURC("+CDSI: \"\(memory)\",\(index)")
        }
        return .taken
    }

    private func awaitForAcknowledgement(_ message: NetworkSMS) {
        awaitingAcknowledgement = message
        acknowledgementSerial += 1
        let serial = acknowledgementSerial
        schedule(after: SMSLimits.acknowledgementTimeout) {
            guard self.acknowledgementSerial == serial, let unacked = self.awaitingAcknowledgement else { return }
            // No RP-ACK: the service centre keeps the message and tries again.
            self.awaitingAcknowledgement = nil
            self.smsNetworkQueue.insert(unacked, at: 0)
            self.flushNetworkQueue(announceFull: false)
        }
    }

    /// SMS indications wait while the prompt reserves the port (27.005 §3.4.1: the TA buffers
    /// indications while the TA-TE link is reserved) so they never land inside a PDU.
    func emitSMSURC(_ text: String) {
        if smsPrompt != nil { heldSMSURCs.append(text) } else { sendURC(text) }
    }

    func releaseHeldSMSURCs() {
        let held = heldSMSURCs
        heldSMSURCs.removeAll()
        for urc in held { sendURC(urc) }
    }

    // MARK: Control

    func failNextSends(code: Int, count: Int) throws(SimulatorError) {
        guard (1...999).contains(code) else { throw .invalidArgument("a +CMS ERROR code is 1...999, got \(code)") }
        guard (0...10000).contains(count) else { throw .invalidArgument("count must be 0...10000, got \(count)") }
        smsFailures = count == 0 ? nil : (code, count)
    }

    func smsStorageStatus() -> SMSStorageStatus {
        SMSStorageStatus(
            memories: Self.smsMemoryNames.map { name in
                let m = smsMemories[name]!
                return SMSMemoryStatus(storage: name, capacity: m.capacity, used: m.used, messages: m.ordered.map {
                    StoredSMS(storage: name, index: $0.index, status: $0.status.rawValue, pdu: $0.pdu)
                })
            },
            waitingInNetwork: (awaitingAcknowledgement.map { [$0.pdu] } ?? []) + smsNetworkQueue.map(\.pdu))
    }
}
