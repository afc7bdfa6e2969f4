// Receiving SMS (27.005 PDU mode): the set-up after every initialisation, reading what
// `+CMTI`/`+CDSI` announce (`AT+CMGR`), the `AT+CMGL=4` scan, direct `+CMT`/`+CDS` with
// `AT+CNMA`, storage full, and deletion (`AT+CMGD`) only once the gateway says so.
//
// PDUs stay opaque octets here (SMSTransferTypes.swift); the only look inside is the TP-MTI
// bits of the first TPDU octet, to tell a status report from a message in a listing.
//
// The rules the gateway builds on:
// - Nothing is deleted unasked. `AT+CMGD=<index>` is sent only for `smsPersisted(slot)`, and
//   only for a slot this machine reported and has not deleted since. A persisted call for any
//   other slot is ignored: that can only delay a deletion (the next scan reports the message
//   again), while acting on it could delete a newer message stored in the same index.
// - A stored message is reported once per arrival: a `+CMTI` for a slot already reported and
//   not yet persisted, or already being read, is not read again.
// - Every scan (after every initialisation, on storage full, on `scanSMSStorage`) reports
//   everything in storage, including slots reported before and not persisted yet: a gateway
//   that lost a report gets another chance. Within one scan each slot appears once.
// - A slot reported n times (scans) before its first `smsPersisted` is deleted by that call;
//   the next n-1 persisted calls for it are the echoes of the same message and are ignored.
// - All slots live in the dialect's one storage (`SMSDialect.storage`, `<mem1..3>`); only a
//   `+CDSI`/`+CMTI` naming another storage (status reports in "SR") makes the machine switch
//   `<mem1>` with `AT+CPMS="<mem>"` before reading or deleting there. The scan always lists
//   the dialect's storage.

/// An SMS-related URC line (`+CMTI`, `+CDSI`, `^SMMEMFULL`, `+QIND: "smsfull"`).
public enum SMSIndication: Equatable, Sendable {
    /// A message (or, for `+CDSI`, a status report) was stored at `index` of `storage`
    /// (nil when the modem left `<mem>` empty: `+CMTI: ,2`).
    case stored(storage: String?, index: Int, statusReport: Bool)
    /// The storage is full; nil when the URC does not say which.
    case storageFull(storage: String?)

    /// `+CMTI`/`+CDSI` through the `simgate at decode` decoder (MessagingLines), one parser
    /// for both; `^SMMEMFULL: "SM"` (Huawei MU509 6.21).
    public static func parse(_ line: String) -> SMSIndication? {
        let info = ATInformationLine(line)
        switch info.name {
        case "+CMTI", "+CDSI":
            guard let f = MessagingLines.storedIndication(info, ATDecodingContext()), let index = f["index"]?.intValue else {
                return nil
            }
            return .stored(storage: f["mem"]?.stringValue?.uppercased(), index: index, statusReport: info.name == "+CDSI")
        case "^SMMEMFULL":
            return .storageFull(storage: info.string(0)?.uppercased())
        default:
            return nil
        }
    }
}

/// What the admin sees of a modem's SMS side.
public struct SMSStatus: Equatable, Sendable, Codable {
    /// Messages handed to the gateway: each stored arrival once (rescans of the same message
    /// are not counted again) and each `+CMT`/`+CDS`.
    public var received = 0
    /// `AT+CMGS` answered `+CMGS: <mr>`.
    public var sent = 0
    /// Submits that ended `.rejected` or `.failed`.
    public var failed = 0
    /// Messages deleted after the gateway persisted them.
    public var deleted = 0
    /// Storage-full reports (`+CMS ERROR: 322`, `^SMMEMFULL`, `+QIND: "smsfull"`).
    public var storageFullEvents = 0
    /// Stored or routed messages whose PDU line was missing or not valid hex; they are left
    /// in storage (never deleted unasked) and logged as unknown lines.
    public var unreadable = 0
    /// Reported slots the gateway has not yet said are persisted.
    public var awaitingPersistence = 0
    /// The last SMS failure in words (`AT+CMGS: +CMS ERROR: 331 (no network service)`).
    public var lastError: String?
    public var lastErrorAt: ModemInstant?
    /// The storage in use and its fill, from the `AT+CPMS` answers (`<used1>,<total1>`).
    public var storage: String?
    public var storageUsed: Int?
    public var storageTotal: Int?
    /// `AT+CSMS=1` accepted: every `+CMT`/`+CDS` is acknowledged with `AT+CNMA`.
    public var acknowledgesDelivery = false
    public init() {}
}

/// Why an SMS command was sent (a `Purpose` of the state machine).
enum SMSStep: Sendable, Equatable {
    case format, service, storage(String), extra, indications(attempt: Int), storageQuery
    case read(SMSStorageSlot, statusReport: Bool)
    case list(storage: String)
    case delete(SMSStorageSlot)
    case acknowledge
    case submit(requestID: Int)
}

/// The receive side's bookkeeping; reset by every initialisation (the queue was flushed and
/// the scan that follows reports everything again).
struct SMSTransferState: Sendable {
    /// Set once the set-up is queued: `+CMTI` before it is left to the scan, because the
    /// modem may still be in text mode and its `+CMGR` answer would not be a PDU.
    var ready = false
    /// Reports emitted per slot since its content last changed (deleted by us).
    var outstanding: [SMSStorageSlot: Int] = [:]
    /// Persisted calls still expected for a slot already deleted (see the rules above).
    var staleEchoes: [SMSStorageSlot: Int] = [:]
    /// `AT+CMGR` queued or in flight.
    var reading: Set<SMSStorageSlot> = []
    /// `AT+CMGL` queued or in flight.
    var scanPending = false
    /// Slots reported since the pending scan was queued: that scan does not report them again.
    var reportedThisRound: Set<SMSStorageSlot> = []
    /// `<mem1>` as last set; nil when unknown (a failed `AT+CPMS`).
    var selectedStorage: String?
    /// `AT+CSMS=1` answered OK.
    var acknowledge = false
}

/// Strict hex for PDU lines: an odd length or any non-hex character is garbage (a cut line,
/// a URC spliced in), never guessed at.
enum PDUHex {
    static func decode(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard !u.isEmpty, u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = UCS2Hex.hexValue(u[i]), let lo = UCS2Hex.hexValue(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A received PDU line: SMSC field then at least one TPDU octet, and as many TPDU octets
    /// as the header's `<length>` says (a mismatch is a cut or spliced line).
    static func receivedPDU(_ line: String, announcedLength: Int?) -> [UInt8]? {
        guard let bytes = decode(line), let smsc = bytes.first, Int(smsc) + 1 < bytes.count else { return nil }
        if let n = announcedLength, n != bytes.count - 1 - Int(smsc) { return nil }
        return bytes
    }

    /// TP-MTI 10 (23.040 9.2.3.1): an SMS-STATUS-REPORT.
    static func isStatusReport(_ pdu: [UInt8]) -> Bool {
        guard let smsc = pdu.first, Int(smsc) + 1 < pdu.count else { return false }
        return pdu[Int(smsc) + 1] & 0x03 == 0x02
    }
}

/// Information lines of `AT+CMGR`/`AT+CMGL` paired into header and PDU: every bare line up
/// to the next header belongs to it (a Huawei URC inside a PDU line splits the PDU in two;
/// the URC was already taken out as unsolicited, the halves are joined here).
struct SMSListingEntry: Equatable {
    var index: Int?
    var status: Int?
    var length: Int?
    var pduText: String?
    var header: String

    static func parse(_ lines: [String], name: String) -> [SMSListingEntry] {
        var entries: [SMSListingEntry] = []
        let context = ATDecodingContext()
        for line in lines {
            let info = ATInformationLine(line)
            if info.name == name {
                let fields = name == "+CMGL" ? MessagingLines.cmgl(info, context) : MessagingLines.cmgr(info, context)
                entries.append(SMSListingEntry(index: fields?["index"]?.intValue, status: fields?["stat"]?.intValue,
                                               length: fields?["length"]?.intValue, pduText: fields?["pdu"]?.stringValue,
                                               header: line))
            } else if info.name == nil, !entries.isEmpty {
                entries[entries.count - 1].pduText = (entries[entries.count - 1].pduText ?? "") + line
            }
        }
        return entries
    }
}

extension ModemStateMachine {
    /// Longest wait for `AT+CMGL=4`. ModemManager allows 120 s; an EC25 lists a full 255-slot
    /// store in a few seconds, and while the listing runs call control waits behind it, so
    /// 60 s bounds that wait for a wedged modem while leaving slow SIMs ten times their need.
    public static let smsListTimeout: Duration = .seconds(60)

    // MARK: Events

    /// The gateway has the message from `slot` durably stored: delete it from the modem
    /// (`AT+CMGD=<index>`). Ignored for slots not reported (see the rules at the top).
    public mutating func smsPersisted(_ slot: SMSStorageSlot, now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        if let echoes = sms.staleEchoes[slot] {
            sms.staleEchoes[slot] = echoes > 1 ? echoes - 1 : nil
            return out
        }
        guard let reports = sms.outstanding.removeValue(forKey: slot) else { return out }
        if reports > 1 { sms.staleEchoes[slot] = reports - 1 }
        syncSMSCounts()
        guard isPortUsable, sms.ready else { return out }
        selectStorage(slot.storage, now: now, &out)
        enqueue(ATCommand("AT+CMGD=\(slot.index)", timeout: configuration.commandTimeout), Tag(purpose: .sms(.delete(slot))),
                now: now, &out)
        settle(now: now, &out)
        return out
    }

    /// Lists the whole storage again (`AT+CMGL=4`) and reports every message in it.
    public mutating func scanSMSStorage(now: ModemInstant) -> [ModemAction] {
        var out: [ModemAction] = []
        guard isPortUsable, sms.ready else { return out }
        requestSMSScan(now: now, &out)
        settle(now: now, &out)
        return out
    }

    // MARK: Set-up

    /// After every completed initialisation (start-up and every reconnect): PDU mode,
    /// storage, indications, then the scan. Every step is optional: a modem that refuses one
    /// still works for calls (failures only show in `status.sms.lastError`).
    mutating func startSMSSetup(now: ModemInstant, _ out: inout [ModemAction]) {
        guard status.sim == .ready else { return }
        let d = dialect.sms
        sms.ready = true
        sms.selectedStorage = d.storage
        status.sms.storage = d.storage
        var steps: [(String, SMSStep)] = [("AT+CMGF=0", .format)]
        if let service = d.service { steps.append(("AT+CSMS=\(service)", .service)) }
        steps.append((d.storageCommand, .storage(d.storage)))
        for c in d.extraCommands { steps.append((c, .extra)) }
        if let first = d.indicationCommands.first { steps.append((first, .indications(attempt: 0))) }
        for (text, step) in steps {
            enqueue(ATCommand(text, timeout: configuration.commandTimeout), Tag(purpose: .sms(step)), now: now, &out)
        }
        requestSMSScan(now: now, &out)
    }

    /// Forgets the receive bookkeeping (the queue is being flushed for a new initialisation).
    mutating func resetSMSTransfer() {
        sms = SMSTransferState()
        syncSMSCounts()
        status.sms.acknowledgesDelivery = false
    }

    mutating func requestSMSScan(now: ModemInstant, _ out: inout [ModemAction]) {
        guard !sms.scanPending else { return }
        sms.scanPending = true
        sms.reportedThisRound = []
        let storage = dialect.sms.storage
        selectStorage(storage, now: now, &out)
        enqueue(ATCommand("AT+CMGL=4", timeout: Self.smsListTimeout), Tag(purpose: .sms(.list(storage: storage))), now: now, &out)
    }

    /// Points `<mem1>` (read, list, delete) at `storage` when it is not there already. SMS
    /// commands share one priority, so the queue runs this before the command that needs it.
    mutating func selectStorage(_ storage: String, now: ModemInstant, _ out: inout [ModemAction]) {
        guard sms.selectedStorage != storage else { return }
        sms.selectedStorage = storage
        enqueue(ATCommand("AT+CPMS=\"\(storage)\"", timeout: configuration.commandTimeout),
                Tag(purpose: .sms(.storage(storage))), now: now, &out)
    }

    mutating func syncSMSCounts() {
        status.sms.awaitingPersistence = sms.outstanding.count
    }

    mutating func noteSMSError(_ text: String, now: ModemInstant) {
        status.sms.lastError = text
        status.sms.lastErrorAt = now
    }

    // MARK: Indications

    mutating func smsIndication(_ indication: SMSIndication, now: ModemInstant, _ out: inout [ModemAction]) {
        switch indication {
        case .stored(let storage, let index, let statusReport):
            // `+CMTI: "SM",-1` (Huawei) names no slot; before set-up the scan will find it.
            guard index >= 0, isPortUsable, sms.ready else { return }
            let slot = SMSStorageSlot(storage: storage ?? sms.selectedStorage ?? dialect.sms.storage, index: index)
            guard sms.outstanding[slot] == nil, !sms.reading.contains(slot) else { return }
            sms.reading.insert(slot)
            selectStorage(slot.storage, now: now, &out)
            enqueue(ATCommand("AT+CMGR=\(index)", timeout: configuration.commandTimeout),
                    Tag(purpose: .sms(.read(slot, statusReport: statusReport || slot.storage == "SR"))), now: now, &out)
        case .storageFull(let storage):
            storageFull(storage ?? sms.selectedStorage ?? dialect.sms.storage, now: now, &out)
        }
    }

    mutating func storageFull(_ storage: String, now: ModemInstant, _ out: inout [ModemAction]) {
        status.sms.storageFullEvents += 1
        noteSMSError("SMS storage \(storage) full", now: now)
        out.append(.incomingSMS(.storageFull(storage: storage)))
        if isPortUsable, sms.ready { requestSMSScan(now: now, &out) }
    }

    /// `+CMT: [<alpha>],<length>` / `+CDS: <length>` and the PDU line after it.
    mutating func smsRouted(header: String, body: String?, now: ModemInstant, _ out: inout [ModemAction]) {
        let info = ATInformationLine(header)
        let isReport = info.name == "+CDS"
        guard info.name == "+CMT" || isReport else {
            // +CBM: cell broadcast is not handled; counted like any unknown line.
            unknownSMSLine(body.map { header + " | " + $0 } ?? header, now: now, &out)
            return
        }
        let fields = isReport ? MessagingLines.cds(info, ATDecodingContext()) : MessagingLines.cmt(info, ATDecodingContext())
        guard let body, fields?["mode"]?.stringValue == "pdu",
              let pdu = PDUHex.receivedPDU(body, announcedLength: fields?["length"]?.intValue) else {
            // Not acknowledged: with +CSMS=1 the network delivers it again, which is the
            // only chance a garbled copy has.
            status.sms.unreadable += 1
            unknownSMSLine(body.map { header + " | " + $0 } ?? header, now: now, &out)
            return
        }
        status.sms.received += 1
        out.append(.incomingSMS(.delivered(ReceivedSMSPDU(pdu: pdu, slot: nil, status: nil, isStatusReport: isReport))))
        if sms.acknowledge {
            // RP-ACK has a network deadline (the SC's relay timer, tens of seconds; modemsim
            // waits 15 s): ahead of queued SMS reads and polls, behind only call control.
            enqueue(ATCommand("AT+CNMA", priority: .call, timeout: configuration.commandTimeout),
                    Tag(purpose: .sms(.acknowledge)), now: now, &out)
        }
    }

    mutating func unknownSMSLine(_ line: String, now: ModemInstant, _ out: inout [ModemAction]) {
        status.at.noteUnknown(line, now: now)
        out.append(.unknownLine(line))
    }

    // MARK: Answers

    mutating func smsCompleted(_ step: SMSStep, _ r: ATResponse, now: ModemInstant, _ out: inout [ModemAction]) {
        if case .cmsError(let e) = r.final, e.code == 322 {
            // Memory full on any SMS command: report it and read the storage out.
            if case .submit = step {} else { storageFull(sms.selectedStorage ?? dialect.sms.storage, now: now, &out) }
        }
        switch step {
        case .format:
            if !r.final.isSuccess { noteSMSError("AT+CMGF=0 (PDU mode) refused: \(r.final.meaning)", now: now) }
        case .service:
            sms.acknowledge = r.final.isSuccess && dialect.sms.service == 1
            status.sms.acknowledgesDelivery = sms.acknowledge
            if !r.final.isSuccess { noteSMSError("AT+CSMS refused: \(r.final.meaning)", now: now) }
        case .storage(let storage):
            if r.final.isSuccess {
                noteStorageCounts(r.lines, storage: storage)
            } else {
                // Unknown now; the next operation selects it again.
                if sms.selectedStorage == storage { sms.selectedStorage = nil }
                noteSMSError("AT+CPMS=\"\(storage)\" refused: \(r.final.meaning)", now: now)
            }
        case .extra:
            break
        case .indications(let attempt):
            let list = dialect.sms.indicationCommands
            if !r.final.isSuccess {
                if attempt + 1 < list.count {
                    enqueue(ATCommand(list[attempt + 1], timeout: configuration.commandTimeout),
                            Tag(purpose: .sms(.indications(attempt: attempt + 1))), now: now, &out)
                } else {
                    noteSMSError("no AT+CNMI setting accepted (last: \(r.final.meaning)); new messages are found by scans only", now: now)
                }
            }
        case .storageQuery:
            if r.final.isSuccess { noteStorageCounts(r.lines, storage: nil) }
        case .read(let slot, let statusReport):
            sms.reading.remove(slot)
            guard r.final.isSuccess else {
                // 321: the slot is empty (deleted meanwhile, or a bogus index).
                if case .cmsError(let e) = r.final, e.code == 321 { return }
                noteSMSError("AT+CMGR=\(slot.index) failed: \(r.final.meaning)", now: now)
                return
            }
            // A scan that ran while this read waited has reported the slot already.
            guard sms.outstanding[slot] == nil else { return }
            for entry in SMSListingEntry.parse(r.lines, name: "+CMGR").prefix(1) {
                reportStored(entry, slot: slot, statusReport: statusReport, now: now, &out)
            }
        case .list(let storage):
            sms.scanPending = false
            guard r.final.isSuccess else {
                noteSMSError("AT+CMGL=4 failed: \(r.final.meaning)", now: now)
                return
            }
            var seen: Set<SMSStorageSlot> = []
            for entry in SMSListingEntry.parse(r.lines, name: "+CMGL") {
                guard let index = entry.index else {
                    status.sms.unreadable += 1
                    unknownSMSLine(entry.header, now: now, &out)
                    continue
                }
                let slot = SMSStorageSlot(storage: storage, index: index)
                // Once per scan, and not again when a +CMGR reported it after the scan was queued.
                guard seen.insert(slot).inserted, !sms.reportedThisRound.contains(slot) else { continue }
                reportStored(entry, slot: slot, statusReport: storage == "SR", now: now, &out)
            }
            queueStorageQuery(now: now, &out)
        case .delete(let slot):
            if r.final.isSuccess {
                status.sms.deleted += 1
                queueStorageQuery(now: now, &out)
            } else {
                noteSMSError("AT+CMGD=\(slot.index) (\(slot)) failed: \(r.final.meaning); the next scan reports it again", now: now)
            }
        case .acknowledge:
            if !r.final.isSuccess { noteSMSError("AT+CNMA refused: \(r.final.meaning)", now: now) }
        case .submit(let requestID):
            submitCompleted(requestID: requestID, r, now: now, &out)
        }
    }

    mutating func smsTimedOut(_ entry: ATCommandQueue<Tag>.Entry, step: SMSStep, now: ModemInstant, _ out: inout [ModemAction]) {
        switch step {
        case .read(let slot, _): sms.reading.remove(slot)
        case .list: sms.scanPending = false
        case .storage(let storage): if sms.selectedStorage == storage { sms.selectedStorage = nil }
        case .submit(let requestID):
            submitTimedOut(requestID: requestID, promptWritten: entry.promptWritten, now: now, &out)
            return
        default: break
        }
        noteSMSError("\(entry.command.displayText) timed out", now: now)
    }

    /// A queued SMS command dropped without an answer (queue full, flush).
    mutating func smsDropped(_ step: SMSStep, reason: String, now: ModemInstant, _ out: inout [ModemAction]) {
        switch step {
        case .read(let slot, _): sms.reading.remove(slot)
        case .list: sms.scanPending = false
        case .submit(let requestID): finishSubmit(requestID: requestID, .failed(reason), now: now, &out)
        default: break
        }
    }

    mutating func reportStored(_ entry: SMSListingEntry, slot: SMSStorageSlot, statusReport: Bool, now: ModemInstant,
                               _ out: inout [ModemAction]) {
        guard let text = entry.pduText, let pdu = PDUHex.receivedPDU(text, announcedLength: entry.length) else {
            status.sms.unreadable += 1
            unknownSMSLine(entry.pduText.map { entry.header + " | " + $0 } ?? entry.header, now: now, &out)
            return
        }
        let reports = sms.outstanding[slot] ?? 0
        if reports == 0 { status.sms.received += 1 }
        sms.outstanding[slot] = reports + 1
        sms.reportedThisRound.insert(slot)
        syncSMSCounts()
        let isReport = statusReport || PDUHex.isStatusReport(pdu)
        out.append(.incomingSMS(.stored(ReceivedSMSPDU(pdu: pdu, slot: slot, status: entry.status, isStatusReport: isReport))))
    }

    mutating func queueStorageQuery(now: ModemInstant, _ out: inout [ModemAction]) {
        guard !queue.contains(text: "AT+CPMS?") else { return }
        enqueue(ATCommand("AT+CPMS?", timeout: configuration.commandTimeout), Tag(purpose: .sms(.storageQuery)), now: now, &out)
    }

    /// `+CPMS: <used1>,<total1>,...` (set) or `+CPMS: "<mem1>",<used1>,<total1>,...` (read).
    mutating func noteStorageCounts(_ lines: [String], storage: String?) {
        guard let line = lines.first(where: { $0.hasPrefix("+CPMS") }),
              let f = MessagingLines.cpms(ATInformationLine(line), ATDecodingContext()) else { return }
        let mem1 = f["mem1"]?.stringValue?.uppercased() ?? storage
        // Only the dialect's storage is shown: a moment on "SR" says nothing about the store.
        guard mem1 == nil || mem1 == dialect.sms.storage else { return }
        if let used = f["used1"]?.intValue { status.sms.storageUsed = used }
        if let total = f["total1"]?.intValue { status.sms.storageTotal = total }
        status.sms.storage = dialect.sms.storage
    }
}
