// The network operator: +COPS? (27.007 7.3), and the SIM's home operator from the IMSI.

/// `+COPS: <mode>[,<format>,"<oper>"[,<AcT>]]`.
public struct OperatorReport: Equatable, Sendable {
    public var mode: Int
    /// 0 long alphanumeric, 1 short alphanumeric, 2 numeric.
    public var format: Int?
    /// The operator as sent, UCS2 hex decoded and trailing Huawei `@`/control bytes removed.
    public var name: String?
    /// MCC-MNC (`25001`) when format 2.
    public var mccmnc: String?
    public var act: Int?

    public static func parse(_ line: String) -> OperatorReport? {
        let info = ATInformationLine(line)
        guard info.name == "+COPS", let mode = info.int(0) else { return nil }
        // `+COPS: (2,"MTS",...)` is the =? scan, not a query answer.
        guard !info.parameters.hasPrefix("(") else { return nil }
        var r = OperatorReport(mode: mode, format: info.int(1), name: nil, mccmnc: nil, act: info.int(3))
        var operField = info.string(2)
        // An unclosed quote (`+COPS: 0,0,"TELE2,0`, chan_dongle's test vectors) swallows the
        // AcT into the name: split it off again.
        if info.fields.count == 3, info.parameters.filter({ $0 == "\"" }).count % 2 == 1,
           let oper = operField, let comma = oper.lastIndex(of: ","),
           let act = Int(oper[oper.index(after: comma)...]) {
            operField = String(oper[..<comma])
            r.act = act
        }
        if var oper = operField {
            if let decoded = UCS2Hex.decode(oper), r.format != 2 || decoded.allSatisfy(\.isNumber) {
                // A numeric PLMN in UCS2 is 5-6 characters of 0030-0039.
                oper = decoded
            }
            if r.format == 2 {
                if oper.count >= 5, oper.count <= 6, oper.allSatisfy(\.isNumber) { r.mccmnc = oper }
            } else {
                r.name = cleanName(oper)
            }
        }
        return r
    }

    /// chan_dongle strips trailing `@`, control and 8-bit bytes from Huawei names ("Tele2@").
    static func cleanName(_ s: String) -> String? {
        var t = Substring(s)
        while let l = t.last, l == "@" || l.unicodeScalars.allSatisfy({ $0.value < 0x20 || $0.value == 0xFFFD }) {
            t = t.dropLast()
        }
        let r = ATFramer.trimSpaces(String(t))
        return r.isEmpty ? nil : r
    }
}

/// The SIM's home PLMN from its IMSI: MCC is 3 digits, the MNC 2 or 3 depending on the MCC.
public enum HomeNetwork {
    /// MCCs whose networks use 3-digit MNCs (North America, India, parts of Latin America).
    /// Small and deliberate: a wrong split only mislabels the SIM's home operator.
    public static let threeDigitMNCCountries: Set<String> = [
        "302", "310", "311", "312", "313", "314", "315", "316", "330", "338", "342", "344", "346",
        "348", "350", "352", "354", "356", "358", "365", "405", "708", "722", "732",
    ]

    /// `250011234567890` -> `25001`; `310260...` -> `310260`. Nil for a malformed IMSI.
    public static func mccmnc(imsi: String) -> String? {
        guard imsi.count >= 6, imsi.count <= 15, imsi.allSatisfy(\.isASCIIDigit) else { return nil }
        let mcc = String(imsi.prefix(3))
        let mncLength = threeDigitMNCCountries.contains(mcc) ? 3 : 2
        return String(imsi.prefix(3 + mncLength))
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
