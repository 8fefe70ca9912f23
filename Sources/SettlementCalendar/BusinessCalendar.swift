/// Which days are business days: weekends, public holidays and makeup working days.
public struct BusinessCalendar: Sendable, Equatable {
    /// The calendar's name (`cn`, `weekdays`, or the name in a calendar file).
    public var name: String
    /// The years the calendar covers; nil when it covers every year (no holidays).
    public var years: ClosedRange<Int>?
    /// The weekend days, 1 (Monday) to 7 (Sunday).
    public var weekendDays: Set<Int>
    /// Public holidays, each with its name.
    public var holidays: [LocalDate: String]
    /// Weekend days that are working days, each with the reason.
    public var workingDays: [LocalDate: String]

    /// Makes a calendar.
    public init(
        name: String, years: ClosedRange<Int>?, weekendDays: Set<Int> = [6, 7],
        holidays: [LocalDate: String] = [:], workingDays: [LocalDate: String] = [:]
    ) {
        self.name = name
        self.years = years
        self.weekendDays = weekendDays
        self.holidays = holidays
        self.workingDays = workingDays
    }

    /// Monday to Friday, no holidays, every year.
    public static let weekdays = BusinessCalendar(name: "weekdays", years: nil)

    /// The names of the built-in calendars.
    public static let builtInNames = ["cn", "us-fed", "weekdays"]

    /// The calendars built in, by name.
    public static func builtIn(_ name: String) -> BusinessCalendar? {
        switch name {
        case "weekdays": return .weekdays
        case "cn": return .china
        case "us-fed": return .federalReserve
        default: return nil
        }
    }

    /// Whether a date is a business day: not a holiday, and a weekday or a makeup working day.
    public func isBusinessDay(_ date: LocalDate) throws(CalendarError) -> Bool {
        try checkCovers(date)
        if holidays[date] != nil { return false }
        if workingDays[date] != nil { return true }
        return !weekendDays.contains(date.weekday)
    }

    /// Why a date is not a business day ("a Saturday", "the National Day holiday"), or nil.
    public func reasonClosed(_ date: LocalDate) throws(CalendarError) -> String? {
        try checkCovers(date)
        if let holiday = holidays[date] { return "the \(holiday) holiday" }
        if workingDays[date] != nil { return nil }
        return weekendDays.contains(date.weekday) ? "a \(date.weekdayName)" : nil
    }

    /// The first business day on or after a date.
    public func firstBusinessDay(onOrAfter date: LocalDate) throws(CalendarError) -> LocalDate {
        var day = date
        while try !isBusinessDay(day) { day = day.adding(days: 1) }
        return day
    }

    /// The n-th business day strictly after a date (n >= 1).
    public func businessDay(_ n: Int, after date: LocalDate) throws(CalendarError) -> LocalDate {
        var day = date
        var left = n
        while left > 0 {
            day = day.adding(days: 1)
            if try isBusinessDay(day) { left -= 1 }
        }
        return day
    }

    private func checkCovers(_ date: LocalDate) throws(CalendarError) {
        if let years, !years.contains(date.year) {
            throw CalendarError.yearNotCovered(calendar: name, year: date.year, covered: years)
        }
    }
}
