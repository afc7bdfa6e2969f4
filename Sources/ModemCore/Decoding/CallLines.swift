// Call lines: +CLCC, +CLIP, +CRING/RING, Huawei ^ORIG/^CONF/^CONN/^CEND/^DSCI, SIMCom
// VOICE CALL and MISSED_CALL (27.007 7.18, 7.6, 6.11; vendor manuals). The meaning comes
// from CallURC / CallListEntry, the parsers the state machine acts on.

enum CallLines {
    static let named: [String: ATLineDecoding] = [
        "+CLCC": { info, ctx in clcc(info, ctx) },
        "+CLIP": { info, _ in urc(info) },
        "+CRING": { info, _ in urc(info) },
        "^ORIG": { info, _ in urc(info) },
        "^CONF": { info, _ in urc(info) },
        "^CONN": { info, _ in urc(info) },
        "^CEND": { info, _ in urc(info) },
        "^DSCI": { info, _ in urc(info) },
    ]

    static let bare: [ATBareLineDecoder] = [
        ATBareLineDecoder(name: "RING", matches: { line, _ in line == "RING" }, decode: { line, _ in fields(CallURC.parse(line)) }),
        .prefix("VOICE CALL:", name: "VOICE CALL") { line, _ in fields(CallURC.parse(line)) },
        .prefix("MISSED_CALL:", name: "MISSED_CALL") { line, _ in fields(CallURC.parse(line)) },
    ]

    static func line(_ info: ATInformationLine) -> String {
        (info.name ?? "") + ": " + info.parameters
    }

    static func urc(_ info: ATInformationLine) -> ATFieldSet? { fields(CallURC.parse(line(info))) }

    static func clcc(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let e = CallListEntry.parseCLCC(line(info)) else { return nil }
        var f = entryFields(e)
        if let alpha = info.string(7) { f.string("alpha", ctx.text(alpha)) }
        f.int("priority", info.int(8))
        return f
    }

    static let directionMeanings: [Int: String] = [0: "mobile originated", 1: "mobile terminated"]

    static func entryFields(_ e: CallListEntry) -> ATFieldSet {
        var f = ATFieldSet()
        f.int("id", e.id)
        f.code("dir", e.incoming ? 1 : 0, meanings: directionMeanings)
        f.string("status", e.status.rawValue)
        f.int("mode", e.mode)
        f.bool("mpty", e.multiparty)
        f.string("number", e.number)
        f.int("type", e.numberType)
        f.int("cause", e.cause)
        return f
    }

    static func fields(_ c: CallURC?) -> ATFieldSet? {
        guard let c else { return nil }
        var f = ATFieldSet()
        switch c {
        case .ring(let type):
            f.string("event", "ring")
            f.string("type", type)
        case .callerID(let caller, let type):
            f.string("event", "caller-id")
            f.string("caller", caller.display)
            if case .number(let n) = caller { f.string("number", n) }
            f.int("type", type)
        case .originated(let id): f.string("event", "originated"); f.int("callX", id)
        case .alerting(let id): f.string("event", "alerting"); f.int("callX", id)
        case .connected(let id): f.string("event", "connected"); f.int("callX", id)
        case .ended(let id, let duration, let cause):
            f.string("event", "ended")
            f.int("callX", id)
            f.int("duration", duration)
            if let cause {
                f.string("cause", cause.kind.rawValue)
                f.string("causeText", cause.text)
                f.int("ccCause", cause.ccCause)
                f.int("endStatus", cause.vendorStatus)
            }
        case .listed(let e):
            f = entryFields(e)
            f.string("event", "call-state")
        case .missed(let time, let caller):
            f.string("event", "missed")
            f.string("time", time)
            f.string("caller", caller.display)
        case .progressResult(let r):
            f = ResultLines.fields(r)
            f.string("event", "call-ended")
            f.string("cause", CallEndCause.fromResult(r).kind.rawValue)
        }
        return f
    }
}
