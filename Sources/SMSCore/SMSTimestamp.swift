/// TP-SCTS, TP-DT and the absolute TP-VP (23.040 §9.2.3.11): seven octets of nibble-swapped
/// BCD, YY MM DD hh mm ss TZ, the zone in quarter hours with bit 3 of the stored octet as
/// the sign (`80` = +02:00, `2B` = -08:00, `4A` = -06:00).
public struct SMSTimestamp: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// Local time minus UTC.
    public var utcOffsetMinutes: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, utcOffsetMinutes: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// The UTC instant `secondsSince1970`, shown in the zone `utcOffsetMinutes`.
    public init(secondsSince1970: Int64, utcOffsetMinutes: Int) {
        let local = secondsSince1970 + Int64(utcOffsetMinutes) * 60
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        let (y, m, d) = Self.civil(fromDays: days)
        self.init(year: y, month: m, day: d, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60,
                  second: secondOfDay % 60, utcOffsetMinutes: utcOffsetMinutes)
    }

    /// "2015-11-27T00:00:00+02:00".
    public var iso8601: String {
        let sign = utcOffsetMinutes < 0 ? "-" : "+"
        let zone = abs(utcOffsetMinutes)
        return "\(pad(year, 4))-\(pad(month))-\(pad(day))T\(pad(hour)):\(pad(minute)):\(pad(second))\(sign)\(pad(zone / 60)):\(pad(zone % 60))"
    }

    /// Seconds since 1970-01-01T00:00:00Z of this local time in its zone.
    public var secondsSince1970: Int64 {
        let days = Self.days(year: year, month: month, day: day)
        return days * 86_400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second) - Int64(utcOffsetMinutes) * 60
    }

    private func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    // Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm):
    // arithmetic only, so a nonsense month from a broken SC gives a nonsense number, not a trap.
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    // MARK: wire form

    /// Swapped BCD as real SCs send it: a nibble above 9 is read as its value rather than
    /// refused, since an odd clock field is no reason to lose the message it stamps.
    static func decode(_ reader: inout PDUReader, _ field: String) throws(PDUError) -> SMSTimestamp {
        let o = try reader.take(7, field)
        func bcd(_ octet: UInt8) -> Int { Int(octet & 0x0F) * 10 + Int(octet >> 4) }
        let quarters = Int(o[6] & 0x07) * 10 + Int(o[6] >> 4)
        let offset = (o[6] & 0x08 != 0 ? -quarters : quarters) * 15
        return SMSTimestamp(year: 2000 + bcd(o[0]), month: bcd(o[1]), day: bcd(o[2]), hour: bcd(o[3]),
                            minute: bcd(o[4]), second: bcd(o[5]), utcOffsetMinutes: offset)
    }

    func encoded() -> [UInt8] {
        func bcd(_ value: Int) -> UInt8 {
            let v = ((value % 100) + 100) % 100
            return UInt8(v % 10) << 4 | UInt8(v / 10)
        }
        let quarters = min(79, abs(utcOffsetMinutes) / 15)
        var zone = bcd(quarters)
        if utcOffsetMinutes < 0 { zone |= 0x08 }
        return [bcd(year), bcd(month), bcd(day), bcd(hour), bcd(minute), bcd(second), zone]
    }
}
