// Whether a rule's weekly schedule is open at an instant, and when it next opens, in the
// rule's own time zone (a dispatcher's "9 to 6" follows their clock through DST changes).
import Foundation
import SimgateConfig

extension WeeklySchedule {
    private static func calendar(_ timeZone: TimeZone) -> Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// ISO weekday (1 = Monday) and minutes after local midnight.
    private static func local(_ date: Date, _ calendar: Calendar) -> (weekday: Int, minute: Int) {
        let c = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        let gregorian = c.weekday ?? 1   // 1 = Sunday in Foundation
        return ((gregorian + 5) % 7 + 1, (c.hour ?? 0) * 60 + (c.minute ?? 0))
    }

    public func isOpen(at date: Date, timeZone: TimeZone) -> Bool {
        let (weekday, minute) = Self.local(date, Self.calendar(timeZone))
        return intervals.contains { $0.weekday == weekday && $0.startMinute <= minute && minute < $0.endMinute }
    }

    /// `date` itself when open, else the start of the next open interval within a week;
    /// nil for a schedule with no intervals.
    public func nextOpening(atOrAfter date: Date, timeZone: TimeZone) -> Date? {
        if isOpen(at: date, timeZone: timeZone) { return date }
        let calendar = Self.calendar(timeZone)
        let midnight = calendar.startOfDay(for: date)
        for offset in 0...7 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: midnight) else { continue }
            let weekday = Self.local(day, calendar).weekday
            for start in intervals.filter({ $0.weekday == weekday }).map(\.startMinute).sorted() {
                if let candidate = calendar.date(byAdding: .minute, value: start, to: day), candidate > date { return candidate }
            }
        }
        return nil
    }
}
