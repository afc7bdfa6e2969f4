// What the state machine records from URCs beyond its own decisions, for the admin's view
// (`simgate modem show`): signal per RAT, registration per domain, the SIM's own words, and
// the modem's call table. None of it changes the modem's state; it only shows it.

extension ModemStateMachine {
    /// The RAT family of the access technology last reported (labels a RAT-less +CSQ).
    var currentRATFamily: String? { RATSignal.family(ofTechnology: status.accessTechnology) }

    static let csqScaleSources: Set<String> = ["+CSQ", "^RSSI", "+QIND"]

    mutating func noteSignalReadings(_ readings: [RATSignal]) {
        for r in readings {
            // A reading made before the RAT was known is superseded by one that names it.
            if r.rat != "unknown" { status.signalReadings.removeAll { $0.rat == "unknown" } }
            if let i = status.signalReadings.firstIndex(where: { $0.rat == r.rat }) {
                var merged = r
                if Self.csqScaleSources.contains(r.source) {
                    // A +CSQ-scale reading carries only rssi/ber: the RAT's own values
                    // (rscp, rsrp, ...) from its last detailed report stay.
                    let old = status.signalReadings[i]
                    merged.rscpDBm = old.rscpDBm; merged.ecioDB = old.ecioDB
                    merged.rsrpDBm = old.rsrpDBm; merged.rsrqDB = old.rsrqDB; merged.sinrDB = old.sinrDB
                }
                status.signalReadings[i] = merged
            } else {
                status.signalReadings.append(r)
                status.signalReadings.sort { $0.rat < $1.rat }
            }
        }
    }

    mutating func noteSIMReport(_ r: SIMReport?, now: ModemInstant) {
        guard let r else { return }
        // ^SIMST "valid" says less than the +CPIN code already known: keep that code's meaning.
        if r.source == "^SIMST", r.code == "1", let old = status.simReport, old.source != "^SIMST" { return }
        var merged = r
        if r.source != "^CPIN", let old = status.simReport, old.source == "^CPIN", old.code == r.code {
            // Retry counters from ^CPIN stay valid while the code is the same.
            merged.pinRetries = old.pinRetries; merged.pukRetries = old.pukRetries
            merged.pin2Retries = old.pin2Retries; merged.puk2Retries = old.puk2Retries
        }
        status.simReport = merged
        status.simReportAt = now
    }

    mutating func noteRegistration(_ r: RegistrationReport, now: ModemInstant) {
        guard let st = r.status else { return }
        let entry = RegistrationDomainState(r, stat: st.rawValue, now: now)
        let order = ["cs", "ps", "eps", "5gs"]
        if let i = status.registrations.firstIndex(where: { $0.domain == entry.domain }) {
            var merged = entry
            // `+CREG: 1` (n=1) after `+CREG: 2,1,...`: the cell is still the one last named,
            // unless the modem lost registration.
            let old = status.registrations[i]
            if merged.lac == nil, merged.ci == nil, st.summary == .home || st.summary == .roaming, old.stat == merged.stat {
                merged.lac = old.lac; merged.lacValue = old.lacValue; merged.ci = old.ci; merged.ciValue = old.ciValue
                if merged.act == nil { merged.act = old.act; merged.actName = old.actName }
            }
            status.registrations[i] = merged
        } else {
            status.registrations.append(entry)
            status.registrations.sort { (order.firstIndex(of: $0.domain) ?? 9) < (order.firstIndex(of: $1.domain) ?? 9) }
        }
    }

    /// `^DSCI: ...` -> `^DSCI`; `VOICE CALL: END` -> `VOICE CALL`; `RING` -> `RING`.
    static func sourceName(_ line: String) -> String {
        if let name = ATInformationLine(line).name { return name }
        if let colon = line.firstIndex(of: ":") { return String(line[..<colon]) }
        return String(line.prefix(24))
    }

    /// Keeps `status.calls` in step with what the modem says about its calls.
    mutating func updateCallTable(_ c: CallURC, source: String, now: ModemInstant) {
        switch c {
        case .ring:
            if !status.calls.contains(where: { $0.incoming && ($0.status == .incoming || $0.status == .waiting) }) {
                upsertCall(id: nil, incoming: true, status: .incoming, number: nil, numberType: nil, source: source, now: now)
            }
        case .callerID(let caller, let type):
            let number: String? = if case .number(let n) = caller { n } else { nil }
            upsertCall(id: nil, incoming: true, status: .incoming, number: number, numberType: type, source: source, now: now)
        case .originated(let id):
            upsertCall(id: id, incoming: false, status: .dialing, number: nil, numberType: nil, source: source, now: now)
        case .alerting(let id):
            upsertCall(id: id, incoming: false, status: .alerting, number: nil, numberType: nil, source: source, now: now)
        case .connected(let id):
            upsertCall(id: id, incoming: nil, status: .active, number: nil, numberType: nil, source: source, now: now)
        case .ended(let id, _, _):
            removeFromCallTable(id: id)
        case .listed(let e):
            if e.status == .released {
                removeFromCallTable(id: e.id)
            } else {
                upsertCall(id: e.id, incoming: e.incoming, status: e.status, number: e.number, numberType: e.numberType,
                           source: source, now: now, mode: e.mode, multiparty: e.multiparty)
            }
        case .missed:
            status.calls.removeAll { $0.incoming && $0.status == .incoming }
        case .progressResult:
            break  // endCall prunes the table when this ends the call
        }
    }

    /// Updates the entry this report is about (same id; else the one without an id; else the
    /// only call), or adds one.
    mutating func upsertCall(id: Int?, incoming: Bool?, status callStatus: CallStatus, number: String?, numberType: Int?,
                             source: String, now: ModemInstant, mode: Int? = nil, multiparty: Bool? = nil) {
        var index: Int?
        if let id { index = status.calls.firstIndex { $0.id == id } }
        if index == nil { index = status.calls.firstIndex { $0.id == nil && (incoming == nil || $0.incoming == incoming) } }
        if index == nil, id == nil || incoming == nil, status.calls.count == 1 { index = 0 }
        if let i = index {
            var e = status.calls[i]
            if e.id == nil { e.id = id }
            if let incoming { e.incoming = incoming }
            if e.status != callStatus { e.status = callStatus; e.since = now }
            if let number { e.number = number }
            if let numberType { e.numberType = numberType }
            if let mode { e.mode = mode }
            if let multiparty { e.multiparty = multiparty }
            e.source = source
            status.calls[i] = e
        } else {
            let dir = incoming ?? status.call?.incoming ?? false
            status.calls.append(ModemCallEntry(id: id, incoming: dir, status: callStatus, number: number, numberType: numberType,
                                               mode: mode, multiparty: multiparty, source: source, since: now))
            // A modem has at most 7 call ids (27.007 +CHLD); more entries are stale guesses.
            if status.calls.count > 8 { status.calls.removeFirst(status.calls.count - 8) }
        }
    }

    /// The call `id` is gone; without an id (VOICE CALL: END, NO CARRIER) every call is.
    mutating func removeFromCallTable(id: Int?) {
        guard let id else { status.calls = []; return }
        status.calls.removeAll { $0.id == id || $0.id == nil }
    }
}
