/// A date and a time of day in some time zone, without the zone.
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The date.
    public var date: LocalDate
    /// The time of day.
    public var time: TimeOfDay

    /// Makes a local date-time.
    public init(date: LocalDate, time: TimeOfDay) {
        self.date = date
        self.time = time
    }

    /// Parses `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` (a `T` may stand for the space).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2, let date = LocalDate(parts[0]), let time = TimeOfDay(parts[1]) else { return nil }
        self.init(date: date, time: time)
    }

    /// Seconds since 1970-01-01 00:00 in the same (unnamed) zone.
    public var secondsSinceEpoch: Int { date.daysSinceEpoch * 86400 + time.secondsSinceMidnight }

    /// Makes a local date-time from seconds since 1970-01-01 00:00 in the same zone.
    public init(secondsSinceEpoch seconds: Int) {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        date = LocalDate(daysSinceEpoch: days)
        time = TimeOfDay(secondsSinceMidnight: seconds - days * 86400)
    }

    /// `YYYY-MM-DD HH:MM`.
    public var description: String { "\(date) \(time)" }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.date, lhs.time) < (rhs.date, rhs.time)
    }
}
