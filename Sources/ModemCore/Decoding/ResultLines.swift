// Final results (V.250 5.7, 27.007 9.2, 27.005 3.2.5): OK, ERROR, +CME/+CMS ERROR with the
// 3GPP meaning of each code, call-progress results, and Huawei's vendor finals.

enum ResultLines {
    static let named: [String: ATLineDecoding] = [:]

    /// Finals have no `+NAME:` (`+CME ERROR` holds a space), so they are bare lines.
    static let bare: [ATBareLineDecoder] = [
        ATBareLineDecoder(name: "result", matches: { line, _ in ATFinalResult.parse(line) != nil },
                          decode: { line, _ in ATFinalResult.parse(line).map(fields) }),
    ]

    static func fields(_ r: ATFinalResult) -> ATFieldSet {
        var f = ATFieldSet()
        f.bool("success", r.isSuccess)
        f.string("result", r.text)
        switch r {
        case .cmeError(let e):
            f.int("code", e.code)
            f.string("meaning", e.meaning)
            if e.meansNoSIM { f.bool("noSIM", true) }
        case .cmsError(let e):
            f.int("code", e.code)
            f.string("meaning", e.meaning)
        case .modemError(let n): f.int("code", n)
        case .connect(let t): f.string("text", t)
        default: break
        }
        if r.isCallProgress { f.bool("callProgress", true) }
        return f
    }
}
