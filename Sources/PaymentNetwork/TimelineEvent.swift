import SettlementCalendar

/// The words of the timeline, as SCENARIOS.md lists them.
public enum EventKind: String, Sendable, Hashable, CaseIterable {
    case swiped, authorized, declined, failed
    case timedOut = "timed_out"
    case reversed, voided
    case stoodIn = "stood_in"
    case duplicate, cleared, settled, held, released
    case paidOut = "paid_out"
    case returned, arrived
}

/// One thing that happened to a transaction at one node.
public struct TimelineEvent: Sendable, Equatable {
    /// When, on the virtual clock.
    public var at: Instant
    /// The node where it happened (its name, or a terminal's id).
    public var node: String
    /// What happened.
    public var kind: EventKind
    /// The transaction it concerns: `TERMINAL/STAN/DE7` of the original request, or
    /// `payout/RRN` for a payout.
    public var reference: String
    /// Other references this event ties to `reference` (the transactions a payout pays).
    public var related: [String]
    /// A sentence for people.
    public var detail: String
    /// Facts the harness checks expectations against.
    public var facts: Facts

    /// Typed facts an event may carry.
    public struct Facts: Sendable, Equatable {
        /// The scenario's transaction id (only the terminal knows it).
        public var transactionID: String?
        /// DE39.
        public var responseCode: String?
        /// The clearing date the scheme assigned.
        public var clearingDate: LocalDate?
        /// An amount: the amount authorized, or the net amount paid out or credited.
        public var amount: Money?
        /// What the event is about: the purchase itself, or a void or reversal of it.
        public var operation: Operation

        /// Makes facts.
        public init(transactionID: String? = nil, responseCode: String? = nil, clearingDate: LocalDate? = nil, amount: Money? = nil, operation: Operation = .purchase) {
            self.transactionID = transactionID
            self.responseCode = responseCode
            self.clearingDate = clearingDate
            self.amount = amount
            self.operation = operation
        }
    }

    /// The message an event is about.
    public enum Operation: String, Sendable {
        case purchase, void, reversal, advice, payout
    }

    /// Makes an event.
    public init(at: Instant, node: String, kind: EventKind, reference: String, related: [String] = [], detail: String, facts: Facts = Facts()) {
        self.at = at
        self.node = node
        self.kind = kind
        self.reference = reference
        self.related = related
        self.detail = detail
        self.facts = facts
    }
}
