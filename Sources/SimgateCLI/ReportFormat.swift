// How `simgate report` prints a CallReport: a readable summary, or CSV for a spreadsheet.
import ControlModel
import Foundation

enum ReportFormat {
    static let csvHeader = "section,key,calls_in,calls_out,answered_in,answered_out,missed_in,missed_share,answer_p50_s,answer_p90_s"

    /// One line per bucket; sections total, hour, weekday, sim, dispatcher, then callback.
    static func csv(_ r: CallReport) -> String {
        func n(_ d: Double?) -> String { d.map { String(format: "%.1f", $0) } ?? "" }
        func share(_ d: Double?) -> String { d.map { String(format: "%.4f", $0) } ?? "" }
        func line(_ section: String, _ b: CallReportBucket) -> String {
            [section, csvField(b.key), "\(b.callsIn)", "\(b.callsOut)", "\(b.answeredIn)", "\(b.answeredOut)", "\(b.missedIn)",
             share(b.missedShare), n(b.answerP50), n(b.answerP90)].joined(separator: ",")
        }
        var lines = [csvHeader, line("total", r.total)]
        lines += r.byHour.map { line("hour", $0) }
        lines += r.byWeekday.map { line("weekday", $0) }
        lines += r.bySIM.map { line("sim", $0) }
        lines += r.byDispatcher.map { line("dispatcher", $0) }
        lines.append("callback,p50_p90_s,\(r.callbacks),,,,,,\(n(r.callbackP50)),\(n(r.callbackP90))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The widest bar: the busiest hour. 40 columns leave room for the hour and the count in
    /// an 80-column terminal.
    static let chartWidth = 40

    /// The day's shape at a glance: one bar per hour from the first busy hour to the last (quiet
    /// hours between stay as empty rows), answered, missed and outbound calls in their own
    /// shade, scaled to the busiest hour. Parts are rounded on their running sums, so a bar's
    /// length is its hour's total, rounded, and tiny parts never vanish into a neighbour.
    static func peakHours(_ hours: [CallReportBucket], ascii: Bool) -> String {
        func total(_ b: CallReportBucket) -> Int { b.callsIn + b.callsOut }
        guard let first = hours.firstIndex(where: { total($0) > 0 }),
              let last = hours.lastIndex(where: { total($0) > 0 }),
              let busiest = hours.map(total).max(), busiest > 0 else { return "" }
        let (answered, missed, outbound) = ascii ? ("#", "x", "-") : ("█", "▒", "░")
        var out = "\nPEAK HOURS  \(answered) answered  \(missed) missed  \(outbound) outbound\n"
        for b in hours[first...last] {
            let parts = [b.callsIn - b.missedIn, b.missedIn, b.callsOut]
            var bar = "", sum = 0, drawn = 0
            for (count, shade) in zip(parts, [answered, missed, outbound]) {
                sum += count
                let end = Int((Double(sum * chartWidth) / Double(busiest)).rounded())
                bar += String(repeating: shade, count: max(end - drawn, count > 0 && end == drawn ? 1 : 0))
                drawn = max(end, drawn + (count > 0 && end == drawn ? 1 : 0))
            }
            out += total(b) > 0 ? "\(b.key) \(bar) \(total(b))\n" : "\(b.key)\n"
        }
        return out
    }

    /// RFC 4180: quote fields holding a comma, quote or line break; double inner quotes.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func text(_ r: CallReport, timeZone: TimeZone, ascii: Bool = true) -> String {
        func secs(_ d: Double?) -> String { d.map { HumanFormat.duration($0 < 1 && $0 > 0 ? 1 : $0) } ?? "-" }
        func pct(_ d: Double?) -> String { HumanFormat.percent(d.map { $0 * 100 }) }
        let t = r.total
        var out = "calls \(HumanFormat.timestamp(r.from, timeZone: timeZone)) - \(HumanFormat.timestamp(r.to, timeZone: timeZone)) (\(r.timeZone))\n"
        out += "inbound \(t.callsIn), answered \(t.answeredIn), missed \(t.missedIn) (\(pct(t.missedShare))); outbound \(t.callsOut), answered \(t.answeredOut)\n"
        out += "time to answer p50 \(secs(t.answerP50)), p90 \(secs(t.answerP90)); callbacks \(r.callbacks), first callback p50 \(secs(r.callbackP50)), p90 \(secs(r.callbackP90))\n"
        func table(_ title: String, _ buckets: [CallReportBucket]) -> String {
            let shown = buckets.filter { $0.callsIn + $0.callsOut > 0 }
            guard !shown.isEmpty else { return "" }
            var tt = TextTable(columns: [.init(title), .init("IN", right: true), .init("ANSWERED", right: true), .init("MISSED", right: true),
                                         .init("SHARE", right: true), .init("P50", right: true), .init("P90", right: true), .init("OUT", right: true)])
            for b in shown {
                tt.append([[b.key], ["\(b.callsIn)"], ["\(b.answeredIn)"], ["\(b.missedIn)"], [pct(b.missedShare)], [secs(b.answerP50)],
                           [secs(b.answerP90)], ["\(b.callsOut)"]])
            }
            return "\n" + tt.render(maxWidth: nil)
        }
        out += peakHours(r.byHour, ascii: ascii)
        out += table("HOUR", r.byHour) + table("DAY", r.byWeekday) + table("SIM", r.bySIM) + table("DISPATCHER", r.byDispatcher)
        return out
    }
}
