// SIM and identity lines: +CPIN, ^SIMST, ICCID in every vendor spelling, +CIMI, +CGSN,
// +CNUM (27.007 8.3, 7.1, 5.x; vendor manuals). Meanings from SIMState and IdentityParser.

enum SIMLines {
    static let named: [String: ATLineDecoding] = [
        "+CPIN": { info, _ in simState(SIMState.parse(cpin: CallLines.line(info)), code: info.string(0)) },
        "^SIMST": { info, _ in simState(SIMState.parse(simst: CallLines.line(info)), code: info.string(0)) },
        "+CCID": { info, _ in iccid(info) }, "+ICCID": { info, _ in iccid(info) },
        "+QCCID": { info, _ in iccid(info) }, "^ICCID": { info, _ in iccid(info) }, "+CICCID": { info, _ in iccid(info) },
        "+CIMI": { info, _ in imsi(IdentityParser.imsi(from: [info.parameters])) },
        "+CGSN": { info, _ in imei(IdentityParser.imei(from: [CallLines.line(info)])) },
        "+GSN": { info, _ in imei(IdentityParser.imei(from: [info.parameters])) },
        "+CNUM": { info, ctx in cnum(info, ctx) },
    ]
    static let bare: [ATBareLineDecoder] = []

    static func simState(_ s: SIMState?, code: String?) -> ATFieldSet? {
        guard let s else { return nil }
        var f = ATFieldSet()
        f.string("code", code)
        f.string("sim", s.rawValue)
        return f
    }

    static func iccid(_ info: ATInformationLine) -> ATFieldSet? {
        guard let v = IdentityParser.iccid(from: [CallLines.line(info)]) else { return nil }
        return ATFieldSet(["iccid": .string(v)])
    }

    static func imsi(_ v: String?) -> ATFieldSet? {
        guard let v else { return nil }
        var f = ATFieldSet(["imsi": .string(v)])
        if let h = HomeNetwork.mccmnc(imsi: v) {
            f.string("homeMCCMNC", h)
            f.string("mcc", String(h.prefix(3)))
            f.string("mnc", String(h.dropFirst(3)))
        }
        return f
    }

    static func imei(_ v: String?) -> ATFieldSet? {
        guard let v else { return nil }
        return ATFieldSet(["imei": .string(v), "tac": .string(String(v.prefix(8)))])
    }

    static let typeMeanings: [Int: String] = [129: "unknown/national", 145: "international", 161: "national"]

    /// `+CNUM: [<alpha>],<number>,<type>[,<speed>,<service>[,<itc>]]`.
    static func cnum(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard info.fields.count >= 3 else { return nil }
        var f = ATFieldSet()
        if let a = info.string(0) { f.string("alpha", ctx.text(a)) }
        if let n = info.string(1) { f.string("number", ctx.number(n)) }
        f.code("type", info.int(2), meanings: typeMeanings)
        f.int("speed", info.int(3))
        f.int("service", info.int(4))
        f.int("itc", info.int(5))
        return f
    }
}
