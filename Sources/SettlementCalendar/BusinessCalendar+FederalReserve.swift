extension BusinessCalendar {
    /// The Federal Reserve's bank holidays, 2025 to 2027.
    ///
    /// The rules of the Federal Reserve's holiday schedule: a holiday that falls on a
    /// Sunday is observed on the Monday after; one that falls on a Saturday is not moved
    /// (Federal Reserve Banks are open on the Friday before).
    public static let federalReserve: BusinessCalendar = {
        var holidays: [LocalDate: String] = [:]
        for year in 2025...2027 {
            let fixed: [(String, Int, Int)] = [
                ("New Year's Day", 1, 1), ("Juneteenth National Independence Day", 6, 19), ("Independence Day", 7, 4),
                ("Veterans Day", 11, 11), ("Christmas Day", 12, 25),
            ]
            for (name, month, day) in fixed {
                let date = LocalDate(year: year, month: month, day: day)!
                switch date.weekday {
                case 7: holidays[date.adding(days: 1)] = "\(name) (observed)"
                case 6: break
                default: holidays[date] = name
                }
            }
            holidays[nthWeekday(1, 3, month: 1, year: year)] = "Birthday of Martin Luther King, Jr."
            holidays[nthWeekday(1, 3, month: 2, year: year)] = "Washington's Birthday"
            holidays[lastWeekday(1, month: 5, year: year)] = "Memorial Day"
            holidays[nthWeekday(1, 1, month: 9, year: year)] = "Labor Day"
            holidays[nthWeekday(1, 2, month: 10, year: year)] = "Columbus Day"
            holidays[nthWeekday(4, 4, month: 11, year: year)] = "Thanksgiving Day"
        }
        return BusinessCalendar(name: "us-fed", years: 2025...2027, holidays: holidays)
    }()

    /// The n-th given weekday (1 Monday ... 7 Sunday) of a month.
    static func nthWeekday(_ weekday: Int, _ n: Int, month: Int, year: Int) -> LocalDate {
        let first = LocalDate(year: year, month: month, day: 1)!
        let offset = (weekday - first.weekday + 7) % 7
        return first.adding(days: offset + 7 * (n - 1))
    }

    /// The last given weekday of a month.
    static func lastWeekday(_ weekday: Int, month: Int, year: Int) -> LocalDate {
        let last = LocalDate(year: year, month: month, day: LocalDate.daysIn(month: month, year: year))!
        return last.adding(days: -((last.weekday - weekday + 7) % 7))
    }
}
