import ISO8583
public import SettlementCalendar

/// DE7 and DE12/DE13 of a message made at an instant.
public enum MessageTimes {
    /// `MMDDhhmmss` in UTC, as DE7 carries it.
    public static func transmission(_ now: Instant) -> String {
        let utc = LocalDateTime(secondsSinceEpoch: now.seconds)
        return utc.date.mmdd + utc.time.hhmmss
    }
}

extension TimeOfDay {
    /// `hhmmss`, as DE12 carries it.
    public var hhmmss: String {
        String(hour).leftPadded(to: 2) + String(minute).leftPadded(to: 2) + String(second).leftPadded(to: 2)
    }
}
