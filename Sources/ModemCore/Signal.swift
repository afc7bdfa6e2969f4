// Signal quality: +CSQ (27.007 8.5), Huawei ^RSSI and ^HCSQ, Quectel +QIND: "csq".

/// One signal reading, normalised to dBm and phone-style bars.
public struct SignalQuality: Equatable, Sendable, Codable {
    /// 27.007 <rssi> 0...31 (99 = unknown is stored as nil); nil for ^HCSQ-only readings.
    public var rssi: Int?
    /// Received signal strength in dBm, nil when unknown.
    public var dBm: Int?
    /// 0...5 bars.
    public var bars: Int
    /// Extra per-technology values (`LTE rsrp -95 dBm, sinr 12.0 dB, rsrq -9.5 dB`).
    public var detail: String?

    public init(rssi: Int?, dBm: Int?, bars: Int, detail: String? = nil) {
        self.rssi = rssi; self.dBm = dBm; self.bars = bars; self.detail = detail
    }

    /// From a 27.007 rssi: 0 = -113 dBm or less, 1 = -111, 2...30 = -109...-53, 31 = -51 or
    /// more, 99 = not known (section 2.6).
    public init(csqRSSI: Int) {
        if (0...31).contains(csqRSSI) {
            let dbm = -113 + 2 * csqRSSI
            self.init(rssi: csqRSSI, dBm: dbm, bars: SignalQuality.bars(dBm: dbm))
        } else if (100...191).contains(csqRSSI) {
            // TD-SCDMA range of 27.007 8.5: 100 = -116 dBm or less ... 191 = -25 dBm or more.
            let dbm = csqRSSI - 216
            self.init(rssi: csqRSSI, dBm: dbm, bars: SignalQuality.bars(dBm: dbm))
        } else {
            self.init(rssi: nil, dBm: nil, bars: 0)
        }
    }

    /// Bars from dBm, GSM-style thresholds (-105/-97/-89/-81/-73 dBm: csq 4/8/12/16/20).
    public static func bars(dBm: Int) -> Int {
        switch dBm {
        case ..<(-109): return 0
        case ..<(-97): return 1
        case ..<(-89): return 2
        case ..<(-81): return 3
        case ..<(-73): return 4
        default: return 5
        }
    }

    /// `+CSQ: <rssi>,<ber>` (also unsolicited with SIMCom `AT+AUTOCSQ=1,1`), `^RSSI:<rssi>`,
    /// `+QIND: "csq",<rssi>,<ber>`, `^HCSQ: "<mode>",...`. Nil for other lines.
    public static func parse(_ line: String) -> SignalQuality? {
        let info = ATInformationLine(line)
        switch info.name {
        case "+CSQ", "^RSSI":
            guard let v = info.int(0) else { return nil }
            return SignalQuality(csqRSSI: v)
        case "+QIND":
            guard info.string(0)?.lowercased() == "csq", let v = info.int(1) else { return nil }
            return SignalQuality(csqRSSI: v)
        case "^HCSQ":
            return parseHCSQ(info)
        default:
            return nil
        }
    }

    /// `^HCSQ: "<sysmode>",v1[,v2[,v3[,v4]]]` (ModemManager's conversions, section 2.6):
    /// rssi dBm = v-121, rsrp dBm = v-141, sinr dB = v/5-20.2, rsrq dB = v/2-20,
    /// rscp dBm = v-121, ecio dB = v/2-32.5; 255 = unknown.
    static func parseHCSQ(_ info: ATInformationLine) -> SignalQuality? {
        guard let mode = info.string(0)?.uppercased() else { return nil }
        // 255 = not known; anything else outside the 0...254 scales is not a reading.
        func v(_ i: Int) -> Int? { info.int(i).flatMap { (0...254).contains($0) ? $0 : nil } }
        switch mode {
        case "NOSERVICE":
            return SignalQuality(rssi: nil, dBm: nil, bars: 0, detail: "no service")
        case "GSM":
            guard let r = v(1) else { return nil }
            let dbm = HuaweiScale.rssiDBm(r)
            return SignalQuality(rssi: nil, dBm: dbm, bars: bars(dBm: dbm), detail: "GSM")
        case "WCDMA":
            guard let r = v(1) else { return nil }
            let dbm = r - 121
            var parts = ["WCDMA"]
            if let rscp = v(2) { parts.append("rscp \(HuaweiScale.rscpDBm(rscp)) dBm") }
            if let ecio = v(3) { parts.append("ecio \(format(HuaweiScale.ecioDB(ecio))) dB") }
            return SignalQuality(rssi: nil, dBm: dbm, bars: bars(dBm: dbm), detail: parts.joined(separator: ", "))
        case "LTE":
            guard let r = v(1) else { return nil }
            let dbm = r - 121
            var parts = ["LTE"]
            if let rsrp = v(2) { parts.append("rsrp \(HuaweiScale.rsrpDBm(rsrp)) dBm") }
            if let sinr = v(3) { parts.append("sinr \(format(HuaweiScale.sinrDB(sinr))) dB") }
            if let rsrq = v(4) { parts.append("rsrq \(format(HuaweiScale.rsrqDB(rsrq))) dB") }
            return SignalQuality(rssi: nil, dBm: dbm, bars: bars(dBm: dbm), detail: parts.joined(separator: ", "))
        default:
            return nil
        }
    }

    /// Huawei ^HCSQ scales (ModemManager's conversions, at-dialects 2.6).
    public enum HuaweiScale {
        public static func rssiDBm(_ v: Int) -> Int { v - 121 }
        public static func rscpDBm(_ v: Int) -> Int { v - 121 }
        public static func rsrpDBm(_ v: Int) -> Int { v - 141 }
        public static func sinrDB(_ v: Int) -> Double { Double(v) / 5 - 20.2 }
        public static func rsrqDB(_ v: Int) -> Double { Double(v) / 2 - 20 }
        public static func ecioDB(_ v: Int) -> Double { Double(v) / 2 - 32.5 }
    }

    static func format(_ d: Double) -> String {
        let tenths = (d * 10).rounded()
        let whole = Int(tenths) / 10
        let frac = abs(Int(tenths) % 10)
        let sign = tenths < 0 && whole == 0 ? "-" : ""
        return "\(sign)\(whole).\(frac)"
    }
}
