/// A question a calendar cannot answer.
public enum CalendarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The date's year is outside the years the calendar covers.
    case yearNotCovered(calendar: String, year: Int, covered: ClosedRange<Int>)

    /// One sentence naming the calendar and the year.
    public var description: String {
        switch self {
        case .yearNotCovered(let calendar, let year, let covered):
            return "calendar '\(calendar)' covers \(covered.lowerBound) to \(covered.upperBound), not \(year)"
        }
    }
}
