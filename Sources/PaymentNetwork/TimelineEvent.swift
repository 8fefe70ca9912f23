public import SettlementCalendar

/// One thing that happened to a transaction at one node.
public struct TimelineEvent: Sendable, Equatable {
    /// When, on the virtual clock.
    public var at: Instant
    /// The node where it happened (its name, or a terminal's id).
    public var node: String
    /// What happened.
    public var kind: EventKind
    /// The transaction it concerns (the original purchase's, for its void or reversal), or a payout.
    public var reference: EventReference
    /// Other references this event ties to `reference` (the payout that pays a transaction).
    public var related: [EventReference]
    /// A sentence for people.
    public var detail: String
    /// Facts the harness checks expectations against.
    public var facts: Facts

    /// Typed facts an event may carry.
    public struct Facts: Sendable, Equatable {
        /// The scenario's transaction id (only the terminal knows it).
        public var transactionID: String?
        /// DE39.
        public var responseCode: ResponseCode?
        /// The clearing date the scheme assigned.
        public var clearingDate: LocalDate?
        /// An amount: the amount authorized, or the net amount paid out or credited.
        public var amount: Money?
        /// What the event is about: the purchase itself, or a void or reversal of it.
        public var operation: Operation
        /// When the merchant is paid and why, decided once when the acquirer books the approval.
        public var schedule: ArrivalSchedule?
        /// The merchant a payout pays (DE42 of the credit).
        public var merchant: String?
        /// The merchant category code the scheme saw on the wire (DE18).
        public var mcc: String?
        /// The issuer's fee the scheme charged on it (the acquirer pays it to the issuer).
        public var issuerFee: Money?
        /// The network fee the scheme charged each side of it.
        public var networkFee: Money?
        /// How many clearing items a member's net settlement covers.
        public var items: Int?
        /// The terminal's own date and time when it sent the request (DE13/DE12, what its slip shows).
        public var terminalTime: LocalDateTime?

        /// Makes facts.
        public init(
            transactionID: String? = nil, responseCode: ResponseCode? = nil, clearingDate: LocalDate? = nil, amount: Money? = nil,
            operation: Operation = .purchase, schedule: ArrivalSchedule? = nil, merchant: String? = nil, mcc: String? = nil,
            issuerFee: Money? = nil, networkFee: Money? = nil, items: Int? = nil
        ) {
            self.issuerFee = issuerFee
            self.networkFee = networkFee
            self.items = items
            self.merchant = merchant
            self.mcc = mcc
            self.transactionID = transactionID
            self.responseCode = responseCode
            self.clearingDate = clearingDate
            self.amount = amount
            self.operation = operation
            self.schedule = schedule
        }
    }

    /// The message an event is about.
    public enum Operation: String, Sendable {
        /// Whether a terminal's request of this kind is a transaction of its own (it has an
        /// id, an answer and a status), rather than an act on an earlier one (a void).
        public var startsTransaction: Bool {
            switch self {
            case .purchase, .preauthorization, .completion, .refund, .cancellation, .inquiry: true
            default: false
            }
        }

        /// Whether a request of this kind may have moved money (so that one with no answer is reversed).
        public var movesMoney: Bool { self != .inquiry }

        /// A void, or a cancellation (a pre-authorization's void).
        public var isVoidOrCancellation: Bool { self == .void || self == .cancellation }

        case purchase, void, reversal, advice, payout
        /// A pre-authorization (0100), its cancellation (0100, processing code 20) and its completion (0220).
        case preauthorization, cancellation, completion
        /// A refund (0220, processing code 20) and a chargeback (0422).
        case refund, chargeback
        /// A terminal's batch settlement (0500) and the upload of one transaction of its batch (0320).
        case settlement, upload
        /// A balance inquiry (0200, processing code 31): answered with the balance, nothing moves.
        case inquiry
        /// The reversal of a void that got no answer: the purchase stands again.
        case voidReversal = "void_reversal"
    }

    /// Makes an event.
    public init(at: Instant, node: String, kind: EventKind, reference: EventReference, related: [EventReference] = [], detail: String, facts: Facts = Facts()) {
        self.at = at
        self.node = node
        self.kind = kind
        self.reference = reference
        self.related = related
        self.detail = detail
        self.facts = facts
    }
}
