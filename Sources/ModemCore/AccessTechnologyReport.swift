// The access technology as vendor URCs report it: Huawei ^MODE, ^SYSINFO, ^SYSINFOEX
// (at-dialects.md 2.6), SIMCom +CNSMOD and +CPSI (4.5), Quectel +QIND: "act" (3.6).

public enum AccessTechnologyReport {
    /// The technology a line names; nil for other lines and for "no service" reports.
    public static func parse(_ line: String) -> String? {
        let info = ATInformationLine(line)
        switch info.name {
        case "^MODE":
            // ^MODE:<sys_mode>,<sys_submode>
            return huawei(mode: info.int(0), submode: info.int(1))
        case "^SYSINFO":
            // <srv_status>,<srv_domain>,<roam>,<sys_mode>,<sim_state>[,<lock>,<sys_submode>]
            guard info.int(0) != 0 else { return nil }
            return huawei(mode: info.int(3), submode: info.int(6))
        case "^SYSINFOEX":
            // <srv_status>,<srv_domain>,<roam>,<sim_state>,<lock>,<sysmode>,<sysmode_name>,<submode>,<submode_name>
            guard info.int(0) != 0 else { return nil }
            if let sub = info.string(8), info.int(7) != 0 { return sub }
            if let name = info.string(6), info.int(5) != 0 { return name }
            let names = [1: "GSM", 2: "CDMA", 3: "WCDMA", 4: "TD-SCDMA", 5: "WiMAX", 6: "LTE", 7: "NR"]
            return info.int(5).flatMap { names[$0] }
        case "+CNSMOD":
            // URC `+CNSMOD: <mode>`; the answer to AT+CNSMOD? has `<n>,<mode>`.
            let v = info.fields.count >= 2 ? info.int(1) : info.int(0)
            let names = [1: "GSM", 2: "GPRS", 3: "EDGE", 4: "WCDMA", 5: "HSDPA", 6: "HSUPA", 7: "HSPA", 8: "LTE",
                         9: "TDS-CDMA", 10: "TDS-HSDPA", 11: "TDS-HSUPA", 12: "TDS-HSPA", 13: "CDMA", 14: "EVDO",
                         15: "HYBRID (CDMA and EVDO)", 16: "1XLTE (CDMA and LTE)", 23: "EHRPD", 24: "HYBRID (CDMA and EHRPD)"]
            return v.flatMap { names[$0] }
        case "+CPSI":
            // +CPSI: <System Mode>,<Operation Mode>,... (`LTE`, `WCDMA`, `GSM`, `NR5G_SA`, `NO SERVICE`).
            guard let mode = info.string(0), mode.uppercased() != "NO SERVICE" else { return nil }
            return mode
        case "+QIND":
            guard info.string(0)?.lowercased() == "act", let t = info.string(1) else { return nil }
            // `+QIND: "act","UNKNOWN"` when out of service.
            return t.uppercased() == "UNKNOWN" ? nil : t
        default:
            return nil
        }
    }

    /// ^SYSINFO/^MODE sys_mode and sys_submode. The submode is finer, but firmwares send
    /// contradicting pairs (`^MODE: 3,4`, GSM with a WCDMA submode): ModemManager then trusts
    /// the mode, and so does this.
    static func huawei(mode: Int?, submode: Int?) -> String? {
        let modes = [1: "AMPS", 2: "CDMA", 3: "GSM", 4: "HDR", 5: "WCDMA", 6: "GPS", 7: "GSM/WCDMA",
                     8: "CDMA/HDR", 15: "TD-SCDMA", 17: "LTE"]
        let submodes = [1: "GSM", 2: "GPRS", 3: "EDGE", 4: "WCDMA", 5: "HSDPA", 6: "HSUPA", 7: "HSPA",
                        8: "TD-SCDMA", 9: "HSPA+", 10: "EVDO Rev.0", 11: "EVDO Rev.A", 12: "EVDO Rev.B",
                        17: "HSPA+ (64QAM)", 18: "HSPA+ (MIMO)"]
        guard let mode, mode != 0, let modeName = modes[mode] else { return nil }
        guard let submode, let subName = submodes[submode] else { return modeName }
        let subFamily = RATSignal.family(ofTechnology: subName)
        switch mode {
        case 3: return subFamily == "GSM" ? subName : modeName
        case 5: return subFamily == "WCDMA" ? subName : modeName
        case 7: return subFamily == "GSM" || subFamily == "WCDMA" ? subName : modeName
        case 15: return subFamily == "TD-SCDMA" || subFamily == "WCDMA" ? subName : modeName
        default: return modeName
        }
    }
}
