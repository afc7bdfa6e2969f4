// Signal and serving-system lines: +CSQ (27.007 8.5), +CESQ (8.69), Huawei ^RSSI, ^HCSQ,
// ^SYSINFO, ^SYSINFOEX, ^MODE, ^SRVST, ^CSNR, Quectel +QIND "csq", +QCSQ, +QNWINFO, +QENG,
// SIMCom +CNSMOD, +CPSI.

enum SignalLines {
    static let named: [String: ATLineDecoding] = [
        "+CSQ": { csq($0, $1) },
        "+CESQ": { cesq($0, $1) },
        "^RSSI": { rssi($0, $1) },
        "^HCSQ": { hcsq($0, $1) },
        "^SYSINFO": { sysinfo($0, $1) },
        "^SYSINFOEX": { sysinfoex($0, $1) },
        "^MODE": { mode($0, $1) },
        "^SRVST": { srvst($0, $1) },
        "^CSNR": { csnr($0, $1) },
        "+QIND": { qind($0, $1) },
        "+QCSQ": { qcsq($0, $1) },
        "+QNWINFO": { qnwinfo($0, $1) },
        "+QENG": { qeng($0, $1) },
        "+CNSMOD": { cnsmod($0, $1) },
        "+CPSI": { cpsi($0, $1) },
    ]
    static let bare: [ATBareLineDecoder] = []

    static let unknownMeaning = "not known or not detectable"

    /// A test form (`+CSQ: (0-31,99),(0-7,99)`): each list under `supported<Key>`.
    static func testForm(_ info: ATInformationLine, keys: [String]) -> ATFieldSet? {
        guard info.parameters.hasPrefix("(") else { return nil }
        var f = ATFieldSet()
        var i = 0
        for item in ATRanges.topLevelItems(info.parameters) {
            guard case .group(let inner) = item, i < keys.count else { continue }
            let k = keys[i]
            f["supported" + String(k.prefix(1)).uppercased() + String(k.dropFirst())] = ATRanges.values(inner, parenthesised: false)
            i += 1
        }
        return f.values.isEmpty ? nil : f
    }

    // MARK: 27.007

    /// 27.007 8.5 <ber> (RXQUAL, 05.08 8.2.4).
    static let berMeanings: [Int: String] = [
        0: "less than 0.2 %", 1: "0.2 % to 0.4 %", 2: "0.4 % to 0.8 %", 3: "0.8 % to 1.6 %",
        4: "1.6 % to 3.2 %", 5: "3.2 % to 6.4 %", 6: "6.4 % to 12.8 %", 7: "more than 12.8 %",
        99: unknownMeaning,
    ]

    /// <rssi> with its meaning and dBm, from the typed parser.
    static func rssiFields(_ v: Int, into f: inout ATFieldSet) {
        f.int("rssi", v)
        let q = SignalQuality(csqRSSI: v)
        if let dbm = q.dBm {
            f.int("dBm", dbm)
            f.int("bars", q.bars)
            switch v {
            case 0: f.string("rssiMeaning", "-113 dBm or less")
            case 31: f.string("rssiMeaning", "-51 dBm or greater")
            case 100: f.string("rssiMeaning", "-116 dBm or less")
            case 191: f.string("rssiMeaning", "-25 dBm or greater")
            default: f.string("rssiMeaning", "\(dbm) dBm")
            }
        } else {
            f.string("rssiMeaning", unknownMeaning)
        }
    }

    /// `+CSQ: <rssi>,<ber>` (also bare `19,99` after AT+CSQ, and unsolicited on SIMCom).
    static func csq(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        if let t = testForm(info, keys: ["rssi", "ber"]) { return t }
        guard let v = info.int(0) else { return nil }
        var f = ATFieldSet()
        rssiFields(v, into: &f)
        f.code("ber", info.int(1), meanings: berMeanings)
        return f
    }

    /// `+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>[,<ss_rsrq>,<ss_rsrp>,<ss_sinr>]`
    /// (27.007 8.69). Each level is the lower edge of its 1 dB (or 0.5 dB) step.
    static func cesq(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        if let t = testForm(info, keys: ["rxlev", "ber", "rscp", "ecno", "rsrq", "rsrp", "ssRsrq", "ssRsrp", "ssSinr"]) { return t }
        guard info.int(0) != nil || info.int(2) != nil || info.int(4) != nil else { return nil }
        var f = ATFieldSet()
        // (key, index, unknown code, valid range, derived key, conversion)
        let levels: [(String, Int, Int, ClosedRange<Int>, String, (Int) -> Double)] = [
            ("rxlev", 0, 99, 0...63, "rxlevDBm", { Double(-111 + $0) }),
            ("rscp", 2, 255, 0...96, "rscpDBm", { Double(-121 + $0) }),
            ("ecno", 3, 255, 0...49, "ecnoDB", { -24.5 + Double($0) / 2 }),
            ("rsrq", 4, 255, 0...34, "rsrqDB", { -20 + Double($0) / 2 }),
            ("rsrp", 5, 255, 0...97, "rsrpDBm", { Double(-141 + $0) }),
            ("ssRsrq", 6, 255, 0...127, "ssRsrqDB", { -43.5 + Double($0) / 2 }),
            ("ssRsrp", 7, 255, 0...126, "ssRsrpDBm", { Double(-157 + $0) }),
            ("ssSinr", 8, 255, 0...127, "ssSinrDB", { -23.5 + Double($0) / 2 }),
        ]
        for (key, i, unknown, range, derived, convert) in levels {
            guard let v = info.int(i) else { continue }
            f.int(key, v)
            if v == unknown { f.string(key + "Meaning", unknownMeaning) }
            else if range.contains(v) { setNumber(&f, derived, convert(v)) }
        }
        f.code("ber", info.int(1), meanings: berMeanings)
        return f
    }

    /// A derived value as an integer when whole (-61 dBm), else as a double (-4.5 dB).
    static func setNumber(_ f: inout ATFieldSet, _ key: String, _ d: Double) {
        // To 0.1: every scale here steps by 0.1 dB or more; this drops binary noise (13.2 - 20.2).
        guard d.isFinite, abs(d) < 1e9 else { return }
        let r = (d * 10).rounded() / 10
        if r == r.rounded() { f.int(key, Int(r)) } else { f.double(key, r) }
    }

    // MARK: Huawei

    /// `^RSSI:<rssi>` (Huawei URC, 27.007 scale).
    static func rssi(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let v = info.int(0) else { return nil }
        var f = ATFieldSet()
        rssiFields(v, into: &f)
        return f
    }

    /// `^HCSQ: <sysmode>,<v1>...` (Huawei LTE-era AT manual, ^HCSQ): the values per RAT,
    /// each converted with the typed parser's formulas; 255 = not known.
    static func hcsq(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let mode = info.string(0) else { return nil }
        var f = ATFieldSet()
        f.string("sysmode", mode)
        let keys: [String]
        switch mode.uppercased() {
        case "NOSERVICE": f.string("sysmodeMeaning", "no service"); return f
        case "GSM": keys = ["rssi"]
        case "WCDMA", "TD-SCDMA", "TDSCDMA": keys = ["rssi", "rscp", "ecio"]
        case "LTE": keys = ["rssi", "rsrp", "sinr", "rsrq"]
        case "NR": keys = ["rsrp", "sinr", "rsrq"]
        case "CDMA": keys = ["rssi", "ecio"]
        case "EVDO": keys = ["rssi", "ecio", "sinr"]
        case "CDMA-EVDO": keys = ["rssi", "ecio", "evdoRssi", "evdoEcio", "evdoSinr"]
        default: keys = ["v1", "v2", "v3", "v4"]
        }
        for (i, key) in keys.enumerated() {
            guard let v = info.int(i + 1) else { continue }
            f.int(key, v)
            if v == 255 { f.string(key + "Meaning", unknownMeaning); continue }
            guard (0...254).contains(v) else { continue }  // outside every ^HCSQ scale
            switch key {
            case "rssi", "evdoRssi": f.int("dBm", SignalQuality.HuaweiScale.rssiDBm(v))
            case "rscp": f.int("rscpDBm", SignalQuality.HuaweiScale.rscpDBm(v))
            case "rsrp": f.int("rsrpDBm", SignalQuality.HuaweiScale.rsrpDBm(v))
            case "ecio", "evdoEcio": setNumber(&f, key + "DB", SignalQuality.HuaweiScale.ecioDB(v))
            case "sinr" where mode.uppercased() != "EVDO": setNumber(&f, "sinrDB", SignalQuality.HuaweiScale.sinrDB(v))
            case "rsrq": setNumber(&f, "rsrqDB", SignalQuality.HuaweiScale.rsrqDB(v))
            default: break
            }
        }
        if keys.first == "v1" { return info.fields.count > 1 ? f : nil }
        return f
    }

    /// Huawei <srv_status>.
    static let srvStatusMeanings: [Int: String] = [
        0: "no service", 1: "restricted service", 2: "valid service",
        3: "restricted regional service", 4: "power saving or deep sleep",
    ]
    static let srvDomainMeanings: [Int: String] = [
        0: "no service", 1: "CS service only", 2: "PS service only", 3: "PS+CS service",
        4: "CS and PS not registered, searching", 255: "CDMA not supported",
    ]
    static let roamMeanings: [Int: String] = [0: "not roaming", 1: "roaming"]
    static let simStateMeanings: [Int: String] = [
        0: "invalid USIM card or pin code locked", 1: "valid USIM card",
        2: "USIM is invalid for CS", 3: "USIM is invalid for PS", 4: "USIM is invalid for PS and CS",
        240: "ROMSIM version", 255: "USIM card is not existent",
    ]
    static let lockStateMeanings: [Int: String] = [0: "SIM card not locked by CardLock", 1: "SIM card locked by CardLock"]
    /// ^SYSINFO <sys_mode>.
    static let sysModeMeanings: [Int: String] = [
        0: "no service", 1: "AMPS", 2: "CDMA", 3: "GSM/GPRS", 4: "HDR", 5: "WCDMA", 6: "GPS",
        7: "GSM/WCDMA", 8: "CDMA/HDR hybrid", 15: "TD-SCDMA",
    ]
    /// ^SYSINFO <sys_submode> (also ^MODE).
    static let sysSubmodeMeanings: [Int: String] = [
        0: "no service", 1: "GSM", 2: "GPRS", 3: "EDGE", 4: "WCDMA", 5: "HSDPA", 6: "HSUPA",
        7: "HSDPA and HSUPA", 8: "TD-SCDMA", 9: "HSPA+", 10: "EVDO Rev.0", 11: "EVDO Rev.A",
        12: "EVDO Rev.B", 13: "1xRTT", 14: "UMB", 15: "1xEVDV", 16: "3xRTT", 17: "HSPA+ (64QAM)",
        18: "HSPA+ (MIMO)",
    ]
    /// ^SYSINFOEX <sysmode>.
    static let sysmodeExMeanings: [Int: String] = [
        0: "NO SERVICE", 1: "GSM", 2: "CDMA", 3: "WCDMA", 4: "TD-SCDMA", 5: "WIMAX", 6: "LTE", 7: "NR",
    ]
    /// ^SYSINFOEX <submode>.
    static let submodeExMeanings: [Int: String] = [
        0: "NO SERVICE", 1: "GSM", 2: "GPRS", 3: "EDGE", 21: "IS95A", 22: "IS95B", 23: "CDMA2000 1X",
        24: "EVDO Rel0", 25: "EVDO RelA", 26: "EVDO RelB", 27: "HYBRID (CDMA2000 1X)",
        28: "HYBRID (EVDO Rel0)", 29: "HYBRID (EVDO RelA)", 30: "HYBRID (EVDO RelB)",
        41: "WCDMA", 42: "HSDPA", 43: "HSUPA", 44: "HSPA", 45: "HSPA+", 46: "DC-HSPA+",
        61: "TD-SCDMA", 62: "HSDPA", 63: "HSUPA", 64: "HSPA", 65: "HSPA+", 81: "802.16e",
        101: "LTE", 102: "LTE FDD", 103: "LTE TDD", 111: "NR",
    ]

    static func intAt(_ info: ATInformationLine, _ i: Int) -> Int? { info.int(i) }

    /// `^SYSINFO:<srv_status>,<srv_domain>,<roam_status>,<sys_mode>,<sim_state>[,<lock_state>[,<sys_submode>]]`
    /// (Huawei AT manual ^SYSINFO). With six fields the sixth is the submode: ModemManager
    /// reads it that way for firmware that leaves the lock out (`^SYSINFO:2,4,5,3,1,6`).
    static func sysinfo(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let srv = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.code("srvStatus", srv, meanings: srvStatusMeanings)
        f.code("srvDomain", info.int(1), meanings: srvDomainMeanings)
        f.code("roamStatus", info.int(2), meanings: roamMeanings)
        f.code("sysMode", info.int(3), meanings: sysModeMeanings)
        f.code("simState", info.int(4), meanings: simStateMeanings)
        if let sub = info.int(6) {
            f.code("lockState", info.int(5), meanings: lockStateMeanings)
            f.code("sysSubmode", sub, meanings: sysSubmodeMeanings)
        } else {
            f.code("sysSubmode", info.int(5), meanings: sysSubmodeMeanings)
        }
        return f
    }

    /// `^SYSINFOEX:<srv_status>,<srv_domain>,<roam_status>,<sim_state>,<lock_state>,<sysmode>,<sysmode_name>,<submode>,<submode_name>`.
    static func sysinfoex(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let srv = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.code("srvStatus", srv, meanings: srvStatusMeanings)
        f.code("srvDomain", info.int(1), meanings: srvDomainMeanings)
        f.code("roamStatus", info.int(2), meanings: roamMeanings)
        f.code("simState", info.int(3), meanings: simStateMeanings)
        f.code("lockState", info.int(4), meanings: lockStateMeanings)
        f.code("sysmode", info.int(5), meanings: sysmodeExMeanings)
        f.string("sysmodeName", info.string(6))
        f.code("submode", info.int(7), meanings: submodeExMeanings)
        f.string("submodeName", info.string(8))
        return f
    }

    /// `^MODE:<sys_mode>[,<sys_submode>]` (URC; same codes as ^SYSINFO).
    static func mode(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let m = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.code("sysMode", m, meanings: sysModeMeanings)
        f.code("sysSubmode", info.int(1), meanings: sysSubmodeMeanings)
        return f
    }

    /// `^SRVST:<srv_status>` (URC).
    static func srvst(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let s = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.code("srvStatus", s, meanings: srvStatusMeanings)
        return f
    }

    /// `^CSNR: <rscp>,<ecio>` (Huawei WCDMA): already in dBm and dB.
    static func csnr(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let rscp = info.int(0) else { return nil }
        var f = ATFieldSet()
        f.int("rscp", rscp)
        f.int("rscpDBm", rscp)
        f.int("ecio", info.int(1))
        f.int("ecioDB", info.int(1))
        return f
    }

    // MARK: Quectel

    /// `+QIND: "csq",<rssi>,<ber>` here; every other +QIND kind goes to the vendor table.
    static func qind(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard info.string(0)?.lowercased() == "csq" else { return VendorLines.named["+QIND"]?(info, ctx) }
        var f = ATFieldSet()
        f.string("type", "csq")
        guard let v = info.int(1) else { return f }
        rssiFields(v, into: &f)
        f.code("ber", info.int(2), meanings: berMeanings)
        return f
    }

    /// `+QCSQ: <sysmode>[,<value1>...]` (Quectel EC2x/BG9x/RG50x manuals): values are dBm/dB
    /// as given, except LTE SINR in 1/5 dB from -20 dB (0..250).
    static func qcsq(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let mode = info.string(0) else { return nil }
        var f = ATFieldSet()
        f.string("sysmode", mode)
        let keys: [String]
        switch mode.uppercased() {
        case "NOSERVICE": f.string("sysmodeMeaning", "no service"); return f
        case "GSM": keys = ["rssi"]
        case "WCDMA", "TDSCDMA", "TD-SCDMA": keys = ["rssi", "rscp", "ecio"]
        case "LTE", "CAT-M1", "CAT-NB1", "EMTC", "NBIOT": keys = ["rssi", "rsrp", "sinr", "rsrq"]
        case "NR5G": keys = ["rsrp", "sinr", "rsrq"]
        case "CDMA": keys = ["rssi", "ecio"]
        case "HDR": keys = ["rssi", "ecio", "io"]
        default: keys = []
        }
        for (i, key) in keys.enumerated() {
            guard let v = info.int(i + 1) else { continue }
            f.int(key, v)
            switch key {
            case "rssi": f.int("dBm", v)
            case "rscp", "rsrp": f.int(key + "DBm", v)
            case "ecio", "rsrq": f.int(key + "DB", v)
            case "sinr":
                if keys.count == 4, (0...250).contains(v) { setNumber(&f, "sinrDB", Double(v) / 5 - 20) }
                else if keys.count == 3 { f.int("sinrDB", v) }
            default: break
            }
        }
        return f
    }

    /// `+QNWINFO: <act>,<oper>,<band>,<channel>` or `+QNWINFO: No Service`.
    static func qnwinfo(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let act = info.string(0) else { return nil }
        var f = ATFieldSet()
        f.string("act", act)
        if act.lowercased() == "no service" { f.string("actMeaning", "no service"); return f }
        if let oper = info.string(1) {
            f.string("oper", oper)
            RegistrationLines.plmn(oper, into: &f)
        }
        f.string("band", info.string(2))
        f.int("channel", info.int(3))
        return f
    }

    /// `+QENG: "servingcell",<state>,<rat>,...` (Quectel EC2x/RG50x engineering mode), and the
    /// EN-DC split form whose lines lead with the RAT (`+QENG: "LTE",...`, `"NR5G-NSA",...`).
    static func qeng(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let first = info.string(0) else { return nil }
        var f = ATFieldSet()
        var i = 0
        if first.lowercased() == "servingcell" {
            f.string("type", "servingcell")
            f.string("state", info.string(1))
            i = 2
            guard info.string(2) != nil else { return f }
        } else if first.lowercased().hasPrefix("neighbourcell") {
            // `+QENG: "neighbourcell intra","LTE",<earfcn>,<pcid>,<rsrq>,<rsrp>,<rssi>,<sinr>,...`
            // and `"neighbourcell","WCDMA",<uarfcn>,...` (Quectel EC2x manual, AT+QENG).
            f.string("type", first)
            guard let rat = info.string(1) else { return f }
            f.string("rat", rat)
            let keys: [String]
            switch rat.uppercased() {
            case "LTE": keys = ["earfcn", "pcid", "rsrq", "rsrp", "rssi", "sinr", "srxlev", "cellReselPriority",
                                "sNonIntraSearch", "threshServingLow", "sIntraSearch"]
            case "WCDMA": keys = ["uarfcn", "cellReselPriority", "threshXHigh", "threshXLow", "psc", "rscp", "ecno", "srxlev"]
            default: keys = []
            }
            for (k, key) in keys.enumerated() {
                guard let v = info.string(2 + k), v != "-" else { continue }
                if let n = Int(v) { f.int(key, n) } else { f.string(key, v) }
            }
            return f
        }
        guard let rat = info.string(i) else { return f }
        f.string("rat", rat)
        let keys: [String]
        switch rat.uppercased() {
        case "LTE": keys = ["isTdd", "mcc", "mnc", "cellId", "pcid", "earfcn", "freqBandInd", "ulBandwidth", "dlBandwidth",
                            "tac", "rsrp", "rsrq", "rssi", "sinr", "cqi", "txPower", "srxlev"]
        case "WCDMA": keys = ["mcc", "mnc", "lac", "cellId", "uarfcn", "psc", "rac", "rscp", "ecio", "phych", "sf", "slot",
                              "speechCode", "comMod"]
        case "GSM": keys = ["mcc", "mnc", "lac", "cellId", "bsic", "arfcn", "band", "rxlev", "txp", "rla", "drx", "c1", "c2",
                            "gprs", "tch", "ts", "ta", "maio", "hsn", "rxlevsub", "rxlevfull", "rxqualsub", "rxqualfull", "voicecodec"]
        case "NR5G-SA": keys = ["duplexMode", "mcc", "mnc", "cellId", "pcid", "tac", "arfcn", "band", "nrDlBandwidth", "rsrp",
                                "rsrq", "sinr", "scs", "srxlev"]
        case "NR5G-NSA": keys = ["mcc", "mnc", "pcid", "rsrp", "sinr", "rsrq", "arfcn", "band", "nrDlBandwidth", "scs"]
        default: keys = []
        }
        for (k, key) in keys.enumerated() {
            guard let v = info.string(i + 1 + k), v != "-" else { continue }
            switch key {
            case "cellId", "lac", "tac": f.hex(key, v)
            case "mcc", "mnc", "isTdd", "duplexMode": f.string(key, v)
            default:
                if let n = Int(v) { f.int(key, n) } else { f.string(key, v) }
            }
        }
        return f
    }

    // MARK: SIMCom

    /// SIM7500/7600 <stat> of +CNSMOD.
    static let cnsmodMeanings: [Int: String] = [
        0: "no service", 1: "GSM", 2: "GPRS", 3: "EGPRS (EDGE)", 4: "WCDMA", 5: "HSDPA only (WCDMA)",
        6: "HSUPA only (WCDMA)", 7: "HSPA (HSDPA and HSUPA, WCDMA)", 8: "LTE", 9: "TDS-CDMA",
        10: "TDS-HSDPA only", 11: "TDS-HSUPA only", 12: "TDS-HSPA (HSDPA and HSUPA)", 13: "CDMA",
        14: "EVDO", 15: "HYBRID (CDMA and EVDO)", 16: "1XLTE (CDMA and LTE)", 23: "eHRPD",
        24: "HYBRID (CDMA and eHRPD)",
    ]

    /// `+CNSMOD: <n>,<stat>` (read) or `+CNSMOD: <stat>` (URC after AT+CNSMOD=1).
    static func cnsmod(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        if info.parameters.hasPrefix("(") {
            var f = ATFieldSet()
            f["supportedN"] = ATRanges.values(info.parameters)
            return f
        }
        var f = ATFieldSet()
        if info.fields.count >= 2 {
            guard let n = info.int(0) else { return nil }
            f.code("n", n, meanings: [0: "URC disabled", 1: "URC enabled"])
            f.code("stat", info.int(1), meanings: cnsmodMeanings)
        } else {
            guard let s = info.int(0) else { return nil }
            f.code("stat", s, meanings: cnsmodMeanings)
        }
        return f
    }

    /// `+CPSI: <System Mode>,<Operation Mode>[,...]` (SIMCom SIM7500/7600 manual, AT+CPSI):
    /// the fields depend on the system mode.
    static func cpsi(_ info: ATInformationLine, _ ctx: ATDecodingContext) -> ATFieldSet? {
        guard let sys = info.string(0) else { return nil }
        var f = ATFieldSet()
        f.string("systemMode", sys)
        f.string("operationMode", info.string(1))
        if let mm = info.string(2) {
            f.string("mccMnc", mm)
            let parts = mm.split(separator: "-", maxSplits: 1)
            if parts.count == 2 { f.string("mcc", String(parts[0])); f.string("mnc", String(parts[1])) }
        }
        func hexID(_ key: String, _ i: Int) {
            guard var v = info.string(i) else { return }
            if v.hasPrefix("0x") || v.hasPrefix("0X") { v = String(v.dropFirst(2)) }
            f.hex(key, v)
        }
        func int(_ key: String, _ i: Int) { f.int(key, info.int(i)) }
        // SIM7500/7600 print LTE/NR RSRP, RSRQ and RSSI in tenths (`-889` = -88.9 dBm); SIM7000
        // (`LTE CAT-M1`, `LTE NB-IOT`) in whole units (`-82`). RSRP says which: no real RSRP is
        // beyond -200 dBm.
        func tenths(_ key: String, _ i: Int, _ derived: String, scaleFrom rsrpIndex: Int) {
            guard let v = info.int(i) else { return }
            f.int(key, v)
            let scaled = (info.int(rsrpIndex) ?? 0).magnitude > 200
            setNumber(&f, derived, scaled ? Double(v) / 10 : Double(v))
        }
        let upper = sys.uppercased()
        let family = upper.hasPrefix("LTE") ? "LTE" : upper
        switch family {
        case "GSM":
            hexID("lac", 3)
            int("cellId", 4)
            f.string("absoluteRFChNum", info.string(5))
            int("rxLev", 6)
            int("trackLOAdjust", 7)
            f.string("c1C2", info.string(8))
        case "WCDMA":
            hexID("lac", 3)
            int("cellId", 4)
            f.string("frequencyBand", info.string(5))
            int("psc", 6)
            int("freq", 7)
            int("ssc", 8)
            if let e = info.string(9), let d = Double(e) { f.double("ecio", d) }
            int("rscp", 10)
            int("qual", 11)
            int("rxLev", 12)
            int("txPwr", 13)
        case "LTE":
            hexID("tac", 3)
            int("sCellId", 4)
            int("pCellId", 5)
            f.string("frequencyBand", info.string(6))
            int("earfcn", 7)
            int("dlBw", 8)
            int("ulBw", 9)
            tenths("rsrq", 10, "rsrqDB", scaleFrom: 11)
            tenths("rsrp", 11, "rsrpDBm", scaleFrom: 11)
            tenths("rssi", 12, "rssiDBm", scaleFrom: 11)
            int("rssnr", 13)
        case "NR5G_SA":
            hexID("tac", 3)
            int("sCellId", 4)
            int("pCellId", 5)
            f.string("frequencyBand", info.string(6))
            int("earfcn", 7)
            tenths("rsrp", 8, "rsrpDBm", scaleFrom: 8)
            tenths("rsrq", 9, "rsrqDB", scaleFrom: 8)
            tenths("snr", 10, "snrDB", scaleFrom: 8)
        default:
            break
        }
        return f
    }
}
