// How the CLI writes times, ages, signal and ratios for people. Pure functions: "now" is
// always a parameter, so the same snapshot prints the same text in a test and on a terminal.
import ControlModel
import Foundation

enum HumanFormat {
    /// The shortest readable duration, two units at most: `45s`, `3m`, `2h05m`, `3d04h`.
    /// Below an hour the seconds are dropped (a state held for 3m12s reads as `3m`): the table
    /// needs the order of magnitude, `modem show` prints the exact time next to it.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" + twoDigits((s % 3600) / 60) + "m" }
        let days = s / 86_400
        if days >= 100 { return "\(days)d" }
        return "\(days)d" + twoDigits((s % 86_400) / 3600) + "h"
    }

    /// One unit only, for the narrowest tables: `45s`, `3m`, `2h`, `3d`.
    static func coarseDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }

    static func coarseAge(of date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        return coarseDuration(now.timeIntervalSince(date))
    }

    /// A duration to the second, for call lengths: `45s`, `1m45s`, `1h02m03s`.
    static func preciseDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + twoDigits(s % 60) + "s" }
        return "\(s / 3600)h" + twoDigits((s % 3600) / 60) + "m" + twoDigits(s % 60) + "s"
    }

    /// How long ago `date` was, relative to `now`; `-` when unknown. A date in the future
    /// (clocks of daemon and CLI disagree) reads as `0s` rather than a negative age.
    static func age(of date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        return duration(now.timeIntervalSince(date))
    }

    /// 27.007 +CSQ: rssi 0...31 maps to -113...-51 dBm in 2 dB steps; 99 is "unknown".
    static func dBm(_ signal: SignalInfo) -> Int? {
        if let dBm = signal.dBm { return dBm }
        if let rssi = signal.rssi, (0...31).contains(rssi) { return -113 + 2 * rssi }
        return nil
    }

    /// Five positions, filled up to `bars` (0...5): `▂▄▆__` for 3 bars, or `3/5` in ASCII.
    static func bars(_ bars: Int?, ascii: Bool) -> String? {
        guard let bars else { return nil }
        let n = min(max(bars, 0), 5)
        if ascii { return "\(n)/5" }
        let glyphs: [Character] = ["▂", "▃", "▄", "▆", "█"]
        return String(glyphs.prefix(n)) + String(repeating: "_", count: 5 - n)
    }

    /// Table form: `-73 ▂▄▆__` (dBm without unit, the header says SIGNAL), `-` when unknown.
    static func signalCell(_ signal: SignalInfo, ascii: Bool) -> String {
        let parts = [dBm(signal).map(String.init), bars(signal.bars, ascii: ascii)].compactMap { $0 }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }

    /// Detail form: `-73 dBm ▂▃▄__ 3/5 (rssi 20, RSRP -95)`.
    /// One character per sample, -113 dBm (27.007's floor) at the bottom, -51 at the top; a
    /// sample without a reading is a space, so a lost network shows as a gap.
    static func sparkline(_ dBm: [Int?], ascii: Bool) -> String {
        let levels: [Character] = ascii ? ["_", ".", "-", "~", "=", "^", "\"", "'"] : ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        return String(dBm.map { value -> Character in
            guard let value else { return " " }
            let step = (Double(min(max(value, -113), -51) + 113) / 62 * Double(levels.count - 1)).rounded()
            return levels[Int(step)]
        })
    }

    /// "-97…-71 dBm" (or "-85 dBm" when steady, "no reading" when none).
    static func signalRange(_ dBm: [Int?], ascii: Bool) -> String {
        let known = dBm.compactMap { $0 }
        guard let low = known.min(), let high = known.max() else { return "no reading" }
        return low == high ? "\(low) dBm" : "\(low)\(ascii ? ".." : "…")\(high) dBm"
    }

    static func signalDetail(_ signal: SignalInfo, ascii: Bool) -> String {
        var parts: [String] = []
        if let dBm = dBm(signal) { parts.append("\(dBm) dBm") }
        if let bars = signal.bars {
            if !ascii, let glyphs = self.bars(bars, ascii: false) { parts.append(glyphs) }
            parts.append("\(min(max(bars, 0), 5))/5")
        }
        var extra: [String] = []
        if let rssi = signal.rssi { extra.append(rssi == 99 ? "rssi 99 = unknown" : "rssi \(rssi)") }
        if let detail = signal.detail, !detail.isEmpty { extra.append(detail) }
        if !extra.isEmpty { parts.append("(" + extra.joined(separator: ", ") + ")") }
        return parts.isEmpty ? "unknown" : parts.joined(separator: " ")
    }

    /// Registration in four letters for the table.
    static func registrationShort(_ registration: String?) -> String {
        switch registration {
        case nil: return "-"
        case "home": return "home"
        case "roaming": return "roam"
        case "searching": return "srch"
        case "denied": return "deny"
        case "not-registered": return "none"
        case "unknown": return "?"
        case let other?: return String(other.prefix(4))
        }
    }

    /// The table's STATE word; long names shortened so STATE + age stays within 12 columns.
    static func stateShort(_ state: ModemStateName) -> String {
        switch state {
        case .notConnected: return "absent"
        case .initializing: return "init"
        case .noSIM: return "no-sim"
        case .simLocked: return "locked"
        case .notRegistered: return "no-reg"
        case .free: return "free"
        case .ringing: return "ring"
        case .dialing: return "dial"
        case .active: return "call"
        case .resetting: return "reset"
        case .failed: return "failed"
        }
    }

    /// `Kyivstar`, else the MCC-MNC `25503`, else `-`.
    static func operatorShort(_ info: OperatorInfo) -> String {
        if let name = info.name, !name.isEmpty { return name }
        if let code = info.mccmnc, !code.isEmpty { return code }
        return "-"
    }

    /// `Kyivstar (255-03)` style, with whatever is known.
    static func operatorLong(_ info: OperatorInfo) -> String {
        switch (info.name.flatMap { $0.isEmpty ? nil : $0 }, info.mccmnc.flatMap { $0.isEmpty ? nil : $0 }) {
        case (let name?, let code?): return "\(name) (\(code))"
        case (let name?, nil): return name
        case (nil, let code?): return code
        case (nil, nil): return "unknown"
        }
    }

    /// `63%/105s` (or `63/105` without units): answer-seizure ratio in percent and average
    /// call duration in seconds, both rounded; `-` before the first call.
    static func asrACD(_ calls: CallStats, units: Bool = true) -> String {
        guard let asr = calls.asr else { return "-" }
        let acd = calls.acd.map { "\(Int($0.rounded()))" + (units ? "s" : "") } ?? "-"
        return "\(Int(asr.rounded()))" + (units ? "%/" : "/") + acd
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1f%%", value)
    }

    /// `2025-03-01 14:05:09` in the given zone: absolute times in `show` and `status`.
    static func timestamp(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d",
                      c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    private static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
