/// A calendar date without a time zone (proleptic Gregorian).
///
/// Kept in 6 bytes, where three `Int`s took 24: a node keeps a date with each transaction it
/// holds (its clearing date, when a payout is due), and a load run holds hundreds of thousands.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    private var storedYear: Int32
    private var storedMonth: UInt8
    private var storedDay: UInt8

    /// The year, for example 2026.
    public var year: Int { Int(storedYear) }
    /// The month, 1 to 12.
    public var month: Int { Int(storedMonth) }
    /// The day of the month, 1 to 31.
    public var day: Int { Int(storedDay) }

    /// Makes a date; returns nil when it does not exist (2026-02-30) or its year is past what
    /// a date keeps (±2,147,483,647).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(month: month, year: year),
              let storedYear = Int32(exactly: year) else { return nil }
        self.storedYear = storedYear
        storedMonth = UInt8(month)
        storedDay = UInt8(day)
    }

    /// The date that is this many days after 1970-01-01.
    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        storedDay = UInt8(doy - (153 * mp + 2) / 5 + 1)
        storedMonth = UInt8(month)
        storedYear = Int32(clamping: yoe + era * 400 + (month <= 2 ? 1 : 0))
    }

    /// Parses `YYYY-MM-DD`; nil when malformed or the date does not exist.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day of the week, 1 (Monday) to 7 (Sunday), as ISO 8601 numbers them.
    public var weekday: Int {
        let days = daysSinceEpoch
        // 1970-01-01 was a Thursday (4).
        return ((days % 7 + 7) % 7 + 3) % 7 + 1
    }

    /// The English name of the weekday.
    public var weekdayName: String {
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][weekday - 1]
    }

    /// This date moved by a number of days.
    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// `YYYY-MM-DD`.
    public var description: String {
        "\(String(year).padded(4))-\(String(month).padded(2))-\(String(day).padded(2))"
    }

    /// `MMDD`, as DE13 and DE15 carry a date.
    public var mmdd: String { String(month).padded(2) + String(day).padded(2) }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.storedYear, lhs.storedMonth, lhs.storedDay) < (rhs.storedYear, rhs.storedMonth, rhs.storedDay)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
