import ISO8583
import SettlementCalendar

/// What a node's logic asks the code around it to do.
public enum NodeAction: Sendable, Equatable {
    /// Send a message to a peer node over the link between them.
    case send(ISOMessage, to: String)
    /// Call the node back with this timer at this virtual time (replaces a timer of the same key).
    case startTimer(TimerKey, at: Instant)
    /// Forget a timer.
    case cancelTimer(TimerKey)
    /// Put an event on the timeline.
    case record(TimelineEvent)
    /// The node could not do its job (a date its calendar does not cover, say): the run
    /// reports it and fails.
    case fault(String)
}

/// The name of one of a node's timers.
public struct TimerKey: Sendable, Hashable, CustomStringConvertible {
    /// What the timer is for, unique within its node.
    public var name: String

    /// Makes a key.
    public init(_ name: String) { self.name = name }

    public var description: String { name }
}

/// How long a node waits before sending an unanswered reversal or advice again: its
/// timeout, doubling with each attempt up to 64 times it, for at most ``maximumAttempts``.
public enum RepeatSchedule {
    /// Attempts after which a node gives up and reports it.
    public static let maximumAttempts = 20

    /// The wait before attempt `attempt` (the first repeat is attempt 1).
    public static func delay(after timeout: Duration, attempt: Int) -> Duration {
        timeout * (1 << min(max(attempt - 1, 0), 6))
    }
}
