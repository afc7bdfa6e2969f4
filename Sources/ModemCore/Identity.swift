// Identities: IMEI (+CGSN, +GSN, ATI), IMSI (+CIMI), ICCID (+CCID, ^ICCID, +QCCID, +ICCID),
// own number (+CNUM), and manufacturer/model/firmware (+CGMI, +CGMM, +CGMR, ATI).

/// IMEI, IMSI, ICCID and MSISDN as far as known.
public struct ModemIdentity: Equatable, Hashable, Sendable, Codable {
    public var imei: String?
    public var imsi: String?
    public var iccid: String?
    public var msisdn: String?
    public init(imei: String? = nil, imsi: String? = nil, iccid: String? = nil, msisdn: String? = nil) {
        self.imei = imei; self.imsi = imsi; self.iccid = iccid; self.msisdn = msisdn
    }
}

public enum IdentityParser {
    /// Strips an optional `+NAME:` / `NAME:` label and quotes: `+CGSN: "3520..."` -> `3520...`.
    static func value(_ line: String, labels: [String]) -> String {
        var t = Substring(line)
        for l in labels where t.uppercased().hasPrefix(l.uppercased()) {
            t = t.dropFirst(l.count)
            break
        }
        return ATFramer.trimSpaces(String(t)).filter { $0 != "\"" }
    }

    /// The IMEI from the lines of `AT+CGSN`/`AT+GSN`/`ATI`: 15 digits (14 without the check
    /// digit, 16 for an IMEISV), bare or after `+CGSN:` (Neoway) or `IMEI:` (Huawei ATI).
    public static func imei(from lines: [String]) -> String? {
        for line in lines {
            let v = value(line, labels: ["+CGSN:", "+GSN:", "IMEI:"])
            if (14...16).contains(v.count), v.allSatisfy(\.isASCIIDigit) { return v }
        }
        return nil
    }

    /// The IMSI from `AT+CIMI`: 6 to 15 digits, bare or after `+CIMI:`.
    public static func imsi(from lines: [String]) -> String? {
        for line in lines {
            let v = value(line, labels: ["+CIMI:"])
            if (6...15).contains(v.count), v.allSatisfy(\.isASCIIDigit) { return v }
        }
        return nil
    }

    /// The ICCID from `+CCID:`, `+ICCID:`, `+QCCID:`, `^ICCID:` or a bare line.
    public static func iccid(from lines: [String]) -> String? {
        for line in lines {
            let v = value(line, labels: ["+CCID:", "+ICCID:", "+QCCID:", "^ICCID:", "+CICCID:"])
            if let id = normaliseICCID(v) { return id }
        }
        return nil
    }

    /// BCD as the SIM stores it (EF_ICCID, 11.11 10.1.1): each pair of digits swapped, an odd
    /// length padded with `F` first (`983351...` -> `893315...`).
    public static func swapNibbles(_ s: String) -> String {
        var chars = Array(s)
        if chars.count % 2 == 1 { chars.append("F") }
        var out = ""
        var i = 0
        while i + 1 < chars.count { out.append(chars[i + 1]); out.append(chars[i]); i += 2 }
        return out
    }

    /// Natural-order ICCID with the `F` pad removed. EF_ICCID is stored nibble-swapped; old
    /// Huawei firmware returns it raw (`"983351106111005079F8"` = 8933150116110005978): every
    /// ICCID starts with 89 (telecom industry identifier), so a leading `98` means swapped.
    public static func normaliseICCID(_ raw: String) -> String? {
        var t = raw.uppercased()
        // Hex digits occur: the F pad, and Chinese issuers' account digits (`898602F909...`).
        guard (18...22).contains(t.count), t.allSatisfy({ $0.isASCIIDigit || ("A"..."F").contains($0) }) else { return nil }
        if t.hasPrefix("98") { t = swapNibbles(t) }
        while t.hasSuffix("F") { t.removeLast() }
        // 89 is the telecom MII (E.118); anything else is not an ICCID (ModemManager agrees).
        guard t.count >= 18, t.hasPrefix("89") else { return nil }
        return t
    }

    /// `+CNUM: "<alpha>","<number>",<type>`: the first non-empty number. Quotes may be stray
    /// or missing; an empty number means the SIM has no MSISDN stored.
    public static func msisdn(from lines: [String]) -> String? {
        for line in lines {
            let info = ATInformationLine(line)
            guard info.name == "+CNUM", info.fields.count >= 2 else { continue }
            let n = info.fields[1].filter { $0 != "\"" && !$0.isWhitespace }
            if !n.isEmpty, n.allSatisfy({ $0.isASCIIDigit || $0 == "+" }) { return n }
        }
        return nil
    }
}

/// Manufacturer, model and firmware as reported by the device.
public struct DeviceInfo: Equatable, Sendable, Codable {
    public var manufacturer: String?
    public var model: String?
    public var firmware: String?
    public init(manufacturer: String? = nil, model: String? = nil, firmware: String? = nil) {
        self.manufacturer = manufacturer; self.model = model; self.firmware = firmware
    }

    /// One-value answers of `AT+CGMI`/`AT+CGMM`/`AT+CGMR` (bare, or `+CGMI: x` on some).
    public static func singleValue(_ lines: [String]) -> String? {
        for line in lines {
            let v = IdentityParser.value(line, labels: ["+CGMI:", "+CGMM:", "+CGMR:", "+GMI:", "+GMM:", "+GMR:", "Revision:"])
            if !v.isEmpty { return v }
        }
        return nil
    }

    /// `ATI`: Huawei prints `Manufacturer: huawei`, `Model: E1550`, `Revision: ...`,
    /// `IMEI: ...`, `+GCAP: ...`; Quectel prints `Quectel`, `EC25`, `Revision: ...`.
    public static func fromATI(_ lines: [String]) -> DeviceInfo {
        var d = DeviceInfo()
        var bare: [String] = []
        for line in lines {
            let lower = line.lowercased()
            if lower.hasPrefix("manufacturer:") { d.manufacturer = IdentityParser.value(line, labels: ["Manufacturer:"]) }
            else if lower.hasPrefix("model:") { d.model = IdentityParser.value(line, labels: ["Model:"]) }
            else if lower.hasPrefix("revision:") { d.firmware = IdentityParser.value(line, labels: ["Revision:"]) }
            else if lower.hasPrefix("imei:") || line.hasPrefix("+") { continue }
            else { bare.append(line) }
        }
        if d.manufacturer == nil, bare.count >= 1 { d.manufacturer = bare[0] }
        if d.model == nil, bare.count >= 2 { d.model = bare[1] }
        return d
    }
}
