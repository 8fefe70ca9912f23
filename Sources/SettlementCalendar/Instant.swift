/// A point on the virtual clock: milliseconds since 1970-01-01 00:00 UTC.
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var milliseconds: Int64

    /// Makes an instant.
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// Seconds since the Unix epoch, rounded down.
    public var seconds: Int { Int((milliseconds >= 0 ? milliseconds : milliseconds - 999) / 1000) }

    /// This instant moved by a duration.
    public func advanced(by duration: Duration) -> Instant {
        let (seconds, attoseconds) = duration.components
        return Instant(milliseconds: milliseconds + seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// The duration from this instant to another.
    public func duration(to other: Instant) -> Duration { .milliseconds(other.milliseconds - milliseconds) }

    /// Milliseconds since the epoch, for debugging; use a ``Zone`` to show it to people.
    public var description: String { "@\(milliseconds)ms" }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.milliseconds < rhs.milliseconds }
}

extension Duration {
    /// `45s`, `1h30m`, `500ms`: as scenarios write durations.
    public var compact: String {
        let (seconds, attoseconds) = components
        let milliseconds = attoseconds / 1_000_000_000_000_000
        if seconds == 0 { return "\(milliseconds)ms" }
        var parts: [String] = []
        var rest = seconds
        for (unit, size) in [("d", Int64(86400)), ("h", 3600), ("m", 60)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        if rest > 0 || parts.isEmpty { parts.append("\(rest)s") }
        if milliseconds > 0 { parts.append("\(milliseconds)ms") }
        return parts.joined()
    }
}
