/// A time of day, to the second.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds after midnight, 0 to 86399.
    public var secondsSinceMidnight: Int

    /// Makes a time of day from hours, minutes and seconds; nil when out of range.
    public init?(hour: Int, minute: Int, second: Int = 0) {
        guard (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second) else { return nil }
        secondsSinceMidnight = hour * 3600 + minute * 60 + second
    }

    /// Makes a time of day from seconds after midnight (taken modulo a day).
    public init(secondsSinceMidnight: Int) {
        self.secondsSinceMidnight = ((secondsSinceMidnight % 86400) + 86400) % 86400
    }

    /// Parses `HH:MM` or `HH:MM:SS`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0.count == 2 }),
              let hour = Int(parts[0]), let minute = Int(parts[1]) else { return nil }
        let second = parts.count == 3 ? Int(parts[2]) : 0
        guard let second else { return nil }
        self.init(hour: hour, minute: minute, second: second)
    }

    /// The hour, 0 to 23.
    public var hour: Int { secondsSinceMidnight / 3600 }
    /// The minute, 0 to 59.
    public var minute: Int { secondsSinceMidnight / 60 % 60 }
    /// The second, 0 to 59.
    public var second: Int { secondsSinceMidnight % 60 }

    /// `HH:MM`, or `HH:MM:SS` when the seconds are not zero.
    public var description: String {
        let base = String(hour).padded(2) + ":" + String(minute).padded(2)
        return second == 0 ? base : base + ":" + String(second).padded(2)
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.secondsSinceMidnight < rhs.secondsSinceMidnight }
}
