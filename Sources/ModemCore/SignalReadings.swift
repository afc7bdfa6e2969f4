// Signal per radio access technology: the numbers each report gives, in dBm and dB, kept
// per RAT so an LTE reading does not overwrite the last GSM one. Sources: 27.007 +CSQ (8.5)
// and +CESQ (8.69), Huawei ^HCSQ and ^RSSI, Quectel +QCSQ and +QIND: "csq" (at-dialects.md
// 2.6, 3.6). `SignalQuality` (Signal.swift) stays the one-number summary for the health view.

/// One technology's last reading.
public struct RATSignal: Equatable, Sendable, Codable {
    /// `GSM`, `WCDMA`, `TD-SCDMA`, `LTE`, `NR`, `CDMA`, or `unknown` (a +CSQ before the RAT is known).
    public var rat: String
    /// The line it came from (`^HCSQ`, `+CESQ`, `+CSQ`, ...).
    public var source: String
    /// 27.007 <rssi> 0...31 (from +CSQ, ^RSSI, +QIND "csq"); 99 is dropped.
    public var rssi: Int?
    /// 27.007 <ber> 0...7 (RXQUAL); 99 is dropped.
    public var ber: Int?
    /// Received signal strength (GSM RSSI / RXLEV, WCDMA and LTE carrier RSSI).
    public var rssiDBm: Int?
    public var rscpDBm: Int?
    public var ecioDB: Double?
    public var rsrpDBm: Int?
    public var rsrqDB: Double?
    public var sinrDB: Double?
    public var at: ModemInstant

    public init(rat: String, source: String, at: ModemInstant) { self.rat = rat; self.source = source; self.at = at }

    /// True when the reading holds no number (`^HCSQ: "NOSERVICE"`, all 255).
    public var isEmpty: Bool {
        rssi == nil && ber == nil && rssiDBm == nil && rscpDBm == nil && ecioDB == nil && rsrpDBm == nil
            && rsrqDB == nil && sinrDB == nil
    }

    /// RAT family of an access technology name (`UMTS`/`HSPA+` -> WCDMA, `FDD LTE` -> LTE).
    public static func family(ofTechnology name: String?) -> String? {
        guard let n = name?.uppercased(), !n.isEmpty else { return nil }
        if n.contains("NR") { return "NR" }
        if n.contains("LTE") || n.contains("E-UTRA") || n.contains("CAT-M") || n.contains("NB-IOT") || n.contains("EMTC") { return "LTE" }
        if n.contains("5G") { return "NR" }
        if n.contains("TD-SCDMA") || n.contains("TDSCDMA") || n.hasPrefix("TDS") { return "TD-SCDMA" }
        if n.contains("WCDMA") || n.contains("UMTS") || n.contains("HSPA") || n.contains("HSDPA") || n.contains("HSUPA")
            || n.contains("UTRA") || n.contains("3G") { return "WCDMA" }
        if n.contains("GSM") || n.contains("GPRS") || n.contains("EDGE") || n.contains("2G") { return "GSM" }
        if n.contains("CDMA") || n.contains("EVDO") || n.contains("HDR") { return "CDMA" }
        return nil
    }

    /// The readings one line gives (`+CESQ` can give three RATs at once); empty for lines that
    /// carry no signal. `currentRAT` labels the RAT-less 27.007 rssi of +CSQ / ^RSSI / +QIND.
    public static func readings(from line: String, currentRAT: String?, now: ModemInstant) -> [RATSignal] {
        let info = ATInformationLine(line)
        guard let name = info.name else { return [] }
        func v(_ i: Int, unknown: Int) -> Int? { info.int(i).flatMap { $0 == unknown ? nil : $0 } }
        switch name {
        case "+CSQ", "^RSSI":
            guard let raw = info.int(0) else { return [] }
            return [csqReading(source: name, rssi: raw, ber: info.int(1), currentRAT: currentRAT, now: now)]
        case "+QIND":
            guard info.string(0)?.lowercased() == "csq", let raw = info.int(1) else { return [] }
            return [csqReading(source: name, rssi: raw, ber: info.int(2), currentRAT: currentRAT, now: now)]
        case "^HCSQ":
            return hcsq(info, now: now).map { [$0] } ?? []
        case "+QCSQ":
            return qcsq(info, now: now).map { [$0] } ?? []
        case "+CESQ":
            // <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>[,<ss_rsrq>,<ss_rsrp>,<ss_sinr>] (27.007 8.69).
            var out: [RATSignal] = []
            var gsm = RATSignal(rat: "GSM", source: name, at: now)
            if let rxlev = v(0, unknown: 99), (0...63).contains(rxlev) { gsm.rssiDBm = rxlev - 111 }
            if let ber = v(1, unknown: 99), (0...7).contains(ber) { gsm.ber = ber }
            if !gsm.isEmpty { out.append(gsm) }
            var umts = RATSignal(rat: "WCDMA", source: name, at: now)
            if let rscp = v(2, unknown: 255), (0...96).contains(rscp) { umts.rscpDBm = rscp - 121 }
            if let ecno = v(3, unknown: 255), (0...49).contains(ecno) { umts.ecioDB = Double(ecno) / 2 - 24.5 }
            if !umts.isEmpty { out.append(umts) }
            var lte = RATSignal(rat: "LTE", source: name, at: now)
            if let rsrq = v(4, unknown: 255), (0...34).contains(rsrq) { lte.rsrqDB = Double(rsrq) / 2 - 20 }
            if let rsrp = v(5, unknown: 255), (0...97).contains(rsrp) { lte.rsrpDBm = rsrp - 141 }
            if !lte.isEmpty { out.append(lte) }
            var nr = RATSignal(rat: "NR", source: name, at: now)
            if let q = v(6, unknown: 255), (0...127).contains(q) { nr.rsrqDB = Double(q) / 2 - 43 }
            if let p = v(7, unknown: 255), (0...126).contains(p) { nr.rsrpDBm = p - 157 }
            if let s = v(8, unknown: 255), (0...127).contains(s) { nr.sinrDB = Double(s) / 2 - 23 }
            if !nr.isEmpty { out.append(nr) }
            return out
        default:
            return []
        }
    }

    static func csqReading(source: String, rssi raw: Int, ber: Int?, currentRAT: String?, now: ModemInstant) -> RATSignal {
        var r = RATSignal(rat: currentRAT ?? "unknown", source: source, at: now)
        if (0...31).contains(raw) {
            r.rssi = raw
            r.rssiDBm = -113 + 2 * raw
        }
        if let ber, (0...7).contains(ber) { r.ber = ber }
        return r
    }

    /// `^HCSQ: "<sysmode>",v1[,v2[,v3[,v4]]]`, ModemManager's conversions (at-dialects.md 2.6).
    static func hcsq(_ info: ATInformationLine, now: ModemInstant) -> RATSignal? {
        guard let mode = info.string(0)?.uppercased() else { return nil }
        func v(_ i: Int, _ range: ClosedRange<Int>) -> Int? { info.int(i).flatMap { range.contains($0) ? $0 : nil } }
        var r: RATSignal
        switch mode {
        case "NOSERVICE":
            return nil
        case "GSM":
            r = RATSignal(rat: "GSM", source: "^HCSQ", at: now)
            r.rssiDBm = v(1, 0...96).map { $0 - 121 }
        case "WCDMA", "TD-SCDMA", "TDSCDMA":
            r = RATSignal(rat: mode == "WCDMA" ? "WCDMA" : "TD-SCDMA", source: "^HCSQ", at: now)
            r.rssiDBm = v(1, 0...96).map { $0 - 121 }
            r.rscpDBm = v(2, 0...96).map { $0 - 121 }
            r.ecioDB = v(3, 0...65).map { Double($0) / 2 - 32.5 }
        case "LTE":
            r = RATSignal(rat: "LTE", source: "^HCSQ", at: now)
            r.rssiDBm = v(1, 0...96).map { $0 - 121 }
            r.rsrpDBm = v(2, 0...97).map { $0 - 141 }
            r.sinrDB = v(3, 0...251).map { (Double($0) / 5 - 20.2) * 10 }.map { $0.rounded() / 10 }
            r.rsrqDB = v(4, 0...34).map { Double($0) / 2 - 20 }
        default:
            return nil
        }
        return r.isEmpty ? nil : r
    }

    /// Quectel `+QCSQ: "<sysmode>",<values>` (EC2x/EG9x AT manual, AT+QCSQ): dBm and dB as
    /// given, except LTE/NR5G <sinr> in 1/5 dB from -20 dB (0...250).
    /// GSM rssi; WCDMA/TDSCDMA rssi,rscp,ecio; LTE/CAT-M1/CAT-NB1 rssi,rsrp,sinr,rsrq;
    /// NR5G rsrp,sinr,rsrq; NOSERVICE alone.
    static func qcsq(_ info: ATInformationLine, now: ModemInstant) -> RATSignal? {
        guard let mode = info.string(0)?.uppercased() else { return nil }
        func v(_ i: Int) -> Int? { info.int(i) }
        func sinr(_ i: Int) -> Double? { v(i).flatMap { (0...250).contains($0) ? Double($0) / 5 - 20 : nil } }
        var r: RATSignal
        switch mode {
        case "GSM":
            r = RATSignal(rat: "GSM", source: "+QCSQ", at: now)
            r.rssiDBm = v(1)
        case "WCDMA", "TDSCDMA":
            r = RATSignal(rat: mode == "WCDMA" ? "WCDMA" : "TD-SCDMA", source: "+QCSQ", at: now)
            r.rssiDBm = v(1)
            r.rscpDBm = v(2)
            r.ecioDB = v(3).map(Double.init)
        case "LTE", "CAT-M1", "CAT-NB1", "EMTC", "NBIOT":
            r = RATSignal(rat: "LTE", source: "+QCSQ", at: now)
            r.rssiDBm = v(1)
            r.rsrpDBm = v(2)
            r.sinrDB = sinr(3)
            r.rsrqDB = v(4).map(Double.init)
        case "NR5G":
            r = RATSignal(rat: "NR", source: "+QCSQ", at: now)
            r.rsrpDBm = v(1)
            r.sinrDB = sinr(2)
            r.rsrqDB = v(3).map(Double.init)
        default:
            return nil
        }
        return r.isEmpty ? nil : r
    }
}
