import Foundation
import Synchronization

/// A named time zone that turns virtual instants into local date-times and back.
///
/// It reads only the zone's rules (offsets and daylight saving), never the system clock.
public struct Zone: Sendable, Equatable {
    /// The IANA identifier (`Asia/Shanghai`).
    public let identifier: String
    private let timeZone: TimeZone
    /// Where the zone's offset stops changing, if it does by 2100 (`Asia/Shanghai` since its last
    /// daylight saving in 1991): every instant from then on has that offset, read without the
    /// zone's rules (a run converts instants thousands of times a second).
    private let settled: Settled?

    struct Settled: Sendable, Equatable {
        var since: Int
        var offset: Int
    }

    /// Each identifier's settled offset, worked out once per process.
    private static let settledOffsets = Mutex<[String: Settled?]>([:])

    /// The zone with this IANA identifier; nil when it is unknown.
    public init?(identifier: String) {
        guard let timeZone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.timeZone = timeZone
        settled = Self.settledOffsets.withLock { known in
            if let settled = known[identifier] { return settled }
            let settled = Self.settled(timeZone)
            known[identifier] = settled
            return settled
        }
    }

    /// The last transition of `timeZone` and the offset after it, checked every 15 days from
    /// there to 2100 (shorter than any daylight-saving season); nil when it still changes.
    static func settled(_ timeZone: TimeZone) -> Settled? {
        var last = Date(timeIntervalSince1970: 0)
        var transitions = 0
        while let next = timeZone.nextDaylightSavingTimeTransition(after: last) {
            transitions += 1
            if transitions > 64 { return nil }
            last = next
        }
        let since = Int(last.timeIntervalSince1970)
        let offset = timeZone.secondsFromGMT(for: last)
        for seconds in stride(from: since, to: 4_102_444_800, by: 15 * 86_400)
        where timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))) != offset {
            return nil
        }
        return Settled(since: since, offset: offset)
    }

    /// Seconds east of UTC at an instant.
    public func offsetSeconds(at instant: Instant) -> Int {
        let seconds = instant.seconds
        if let settled, seconds >= settled.since { return settled.offset }
        return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The local date-time of an instant (to the second).
    public func local(_ instant: Instant) -> LocalDateTime {
        LocalDateTime(secondsSinceEpoch: instant.seconds + offsetSeconds(at: instant))
    }

    /// The instant of a local date-time. In a gap (spring forward) the later offset is used;
    /// in an overlap, the earlier instant.
    public func instant(_ local: LocalDateTime) -> Instant {
        let naive = local.secondsSinceEpoch
        // Try the offsets in force around that time; pick one that maps back to `local`.
        let before = naive - offsetSeconds(at: Instant(milliseconds: Int64(naive - 86400) * 1000))
        let after = naive - offsetSeconds(at: Instant(milliseconds: Int64(naive + 86400) * 1000))
        let earlier = min(before, after), later = max(before, after)
        if self.local(Instant(milliseconds: Int64(earlier) * 1000)) == local { return Instant(milliseconds: Int64(earlier) * 1000) }
        return Instant(milliseconds: Int64(later) * 1000)
    }

    /// ISO 8601 with the offset: `2026-10-08T09:00:00+08:00`.
    public func iso8601(_ instant: Instant) -> String {
        let local = local(instant)
        let offset = offsetSeconds(at: instant)
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        let time = String(local.time.hour).padded(2) + ":" + String(local.time.minute).padded(2) + ":" + String(local.time.second).padded(2)
        return "\(local.date)T\(time)\(sign)\(String(magnitude / 3600).padded(2)):\(String(magnitude / 60 % 60).padded(2))"
    }

    /// Parses an ISO 8601 time with an offset (`2026-10-08T09:00:00+08:00`, or `Z`).
    public static func parseISO8601(_ text: String) -> Instant? {
        var body = Substring(text)
        var offset = 0
        if body.hasSuffix("Z") {
            body = body.dropLast()
        } else if let signIndex = body.lastIndex(where: { $0 == "+" || $0 == "-" }), body.distance(from: body.startIndex, to: signIndex) > 10 {
            let sign = body[signIndex] == "-" ? -1 : 1
            guard let time = TimeOfDay(body[body.index(after: signIndex)...]) else { return nil }
            offset = sign * time.secondsSinceMidnight
            body = body[..<signIndex]
        } else {
            return nil
        }
        guard let local = LocalDateTime(body) else { return nil }
        return Instant(milliseconds: Int64(local.secondsSinceEpoch - offset) * 1000)
    }
}
