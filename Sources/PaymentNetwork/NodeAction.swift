public import ISO8583
public import SettlementCalendar

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
    case fault(NodeFault)
}
