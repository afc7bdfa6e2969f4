// Network time (NITZ, 3GPP TS 24.008 10.5.3.9) as modems report it: 27.007 +CTZV/+CTZE/
// +CTZEU (8.41, 8.42) and +CCLK (8.15), Huawei ^NWTIME and ^TIME, Quectel +QLTS, SIMCom
// *PSUTTZ and DST (at-dialects.md 3.6, 4.5). Time zones are in quarter hours, as on the air.

/// One time report: whatever of date, time, zone and daylight saving the line carries.
public struct NetworkTimeReport: Equatable, Sendable, Codable {
    /// The line that carried it (`+CTZV`, `^NWTIME`, `*PSUTTZ`, `DST`, ...).
    public var source: String
    /// Four-digit year (two-digit years are 20yy).
    public var year: Int?
    public var month: Int?
    public var day: Int?
    public var hour: Int?
    public var minute: Int?
    public var second: Int?
    /// Offset from UTC in quarter hours (`+32` = UTC+8), as the network sends it.
    public var zoneQuarterHours: Int?
    /// Daylight saving adjustment in hours (0, 1, 2), when given.
    public var dst: Int?

    public init(source: String) { self.source = source }

    /// Whether a whole date and time was given (not just a zone).
    public var hasDateTime: Bool {
        year != nil && month != nil && day != nil && hour != nil && minute != nil && second != nil
    }

    /// `+08:00`, `-03:30` from the quarter hours; nil without a zone.
    public var zoneText: String? {
        guard let q = zoneQuarterHours else { return nil }
        let minutes = abs(q) * 15
        return (q < 0 ? "-" : "+") + Self.two(minutes / 60) + ":" + Self.two(minutes % 60)
    }

    /// `2019-12-12T10:49:42+08:00` (the zone only when known); nil without a full date and time.
    public var isoText: String? {
        guard hasDateTime, let y = year, let mo = month, let d = day, let h = hour, let mi = minute, let s = second else {
            return nil
        }
        let yText = y < 1000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        return "\(yText)-\(Self.two(mo))-\(Self.two(d))T\(Self.two(h)):\(Self.two(mi)):\(Self.two(s))" + (zoneText ?? "")
    }

    static func two(_ v: Int) -> String { v < 10 && v >= 0 ? "0\(v)" : String(v) }

    /// Names of the lines this parser reads.
    public static let names: Set<String> = ["+CTZV", "+CTZE", "+CTZEU", "+CCLK", "^NWTIME", "^TIME", "+QLTS", "*PSUTTZ"]

    /// Decodes a time line; nil when it is none of them or carries nothing readable.
    ///
    /// Forms: `+CTZV: +32` (zone only; some firmwares add `,<dst>` or a whole
    /// `yy/MM/dd,hh:mm:ss+zz,dst`), `+CTZE: "+32",0,"2019/12/12,10:49:42"` (zone, dst, local
    /// time), `^NWTIME: 14/05/19,12:34:56+32,00`, `^TIME: ...` (same), `+QLTS:
    /// "2019/12/12,10:49:42+32,0"`, `+CCLK: "19/12/12,10:49:42+32"`,
    /// `*PSUTTZ: 2013,4,18,8,21,36,"+32",0`, and SIMCom's bare `DST: 1`.
    public static func parse(_ line: String) -> NetworkTimeReport? {
        if line.hasPrefix("DST:") {
            var r = NetworkTimeReport(source: "DST")
            r.dst = Int(ATFramer.trimSpaces(String(line.dropFirst(4))))
            return r.dst == nil ? nil : r
        }
        let info = ATInformationLine(line)
        guard let name = info.name, names.contains(name) else { return nil }
        var r = NetworkTimeReport(source: name)
        let f = info.fields.map { ATFramer.trimSpaces($0) }
        switch name {
        case "+CTZE", "+CTZEU":
            // <tz>,<dst>[,<time>]: the time (27.007 8.42) is "yy/MM/dd,hh:mm:ss" without zone.
            r.zoneQuarterHours = f.first.flatMap(signedInt)
            if f.count >= 2 { r.dst = Int(f[1]) }
            if f.count >= 3 { r.readDateTime(f.dropFirst(2).joined(separator: ",")) }
        case "*PSUTTZ":
            let joined = f.joined(separator: ",")
            if joined.contains("/") {
                r.readDateTime(joined)
            } else {
                // <yyyy>,<m>,<d>,<h>,<min>,<s>,"<+tz>",<dst>
                let n = f.map { Int($0) }
                if f.count >= 6 {
                    r.setDate(n[0], n[1], n[2])
                    r.setTime(n[3], n[4], n[5])
                }
                if f.count >= 7 { r.zoneQuarterHours = signedInt(f[6]) }
                if f.count >= 8 { r.dst = Int(f[7]) }
            }
        default:
            let joined = f.joined(separator: ",")
            if joined.contains("/") || joined.contains(":") {
                r.readDateTime(joined)
            } else {
                // `+CTZV: <tz>[,<dst>]`.
                r.zoneQuarterHours = f.first.flatMap(signedInt)
                if f.count >= 2 { r.dst = Int(f[1]) }
            }
        }
        guard r.hasDateTime || r.zoneQuarterHours != nil || r.dst != nil else { return nil }
        return r
    }

    /// Reads `yy/MM/dd,hh:mm:ss[±zz][,dst]` (also with 4-digit years and `-` date separators).
    mutating func readDateTime(_ text: String) {
        // Huawei `^TIME: 14/08/05 04:00:21`: a space instead of the comma between date and time.
        var text = text
        if !text.contains(","), let sp = text.firstIndex(of: " ") {
            text = String(text[..<sp]) + "," + String(text[text.index(after: sp)...])
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { ATFramer.trimSpaces(String($0)) }
        guard let datePart = parts.first else { return }
        let date = datePart.split(whereSeparator: { $0 == "/" || $0 == "-" }).map { Int($0) }
        if date.count == 3 { setDate(date[0], date[1], date[2]) }
        guard parts.count >= 2 else { return }
        // hh:mm:ss then an optional signed zone glued on: `10:49:42+32`, `10:49:42-20`.
        var timeText = Substring(parts[1])
        var zoneText: Substring = ""
        if let signAt = timeText.firstIndex(where: { $0 == "+" || $0 == "-" }) {
            zoneText = timeText[signAt...]
            timeText = timeText[..<signAt]
        }
        let time = timeText.split(separator: ":").map { Int(ATFramer.trimSpaces(String($0))) }
        if time.count >= 3 { setTime(time[0], time[1], time[2]) }
        else if time.count == 2 { setTime(time[0], time[1], 0) }
        if !zoneText.isEmpty { zoneQuarterHours = Self.signedInt(String(zoneText)) }
        if parts.count >= 3 { dst = Int(parts[2]) }
    }

    mutating func setDate(_ y: Int?, _ m: Int?, _ d: Int?) {
        guard let y, let m, let d, (0...9999).contains(y), (1...12).contains(m), (1...31).contains(d) else { return }
        year = y < 100 ? 2000 + y : y
        month = m
        day = d
    }

    mutating func setTime(_ h: Int?, _ m: Int?, _ s: Int?) {
        guard let h, let m, let s, (0...23).contains(h), (0...59).contains(m), (0...60).contains(s) else { return }
        hour = h
        minute = m
        second = s
    }

    /// `+32`, `-20`, `32`; zones beyond ±14 hours (±56 quarters) are not real.
    static func signedInt(_ text: String) -> Int? {
        let t = ATFramer.trimSpaces(text)
        let v: Int?
        if t.hasPrefix("+") { v = Int(t.dropFirst()) } else { v = Int(t) }
        guard let v, (-56...56).contains(v) else { return nil }
        return v
    }
}

/// What the modem last learnt of the network's time, merged from every report: a zone-only
/// `+CTZV` updates the zone and keeps the last full time.
public struct NetworkTimeState: Equatable, Sendable, Codable {
    /// The last report that carried a whole date and time.
    public var time: NetworkTimeReport?
    public var timeReceivedAt: ModemInstant?
    public var zoneQuarterHours: Int?
    public var dst: Int?
    /// The line of the last report of any kind, and when it came.
    public var source: String
    public var receivedAt: ModemInstant

    public init(source: String, receivedAt: ModemInstant) { self.source = source; self.receivedAt = receivedAt }

    public mutating func merge(_ r: NetworkTimeReport, now: ModemInstant) {
        if r.hasDateTime {
            time = r
            timeReceivedAt = now
        }
        if let z = r.zoneQuarterHours { zoneQuarterHours = z }
        if let d = r.dst { dst = d }
        source = r.source
        receivedAt = now
    }
}
