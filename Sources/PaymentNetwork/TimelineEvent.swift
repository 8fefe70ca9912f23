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
    ///
    /// The values live in one immutable box that copies of the event share: an event is
    /// copied at every layer it passes (the node's actions, the run, the timeline, its index),
    /// and a box is one reference to count where the values are a dozen. A change makes a new box.
    public struct Facts: Sendable, Equatable {
        private var box: Box

        private final class Box: Sendable {
            let values: Values
            init(_ values: Values) { self.values = values }
        }

        private struct Values: Sendable, Equatable {
            var transactionID: String? = nil
            var responseCode: ResponseCode? = nil
            var clearingDate: LocalDate? = nil
            var amount: Money? = nil
            var operation: Operation = .purchase
            var schedule: ArrivalSchedule? = nil
            var merchant: String? = nil
            var mcc: String? = nil
            var issuerFee: Money? = nil
            var networkFee: Money? = nil
            var items: Int? = nil
            var terminalTime: LocalDateTime? = nil
        }

        /// The box of an event with no facts, which they all share.
        private static let none = Box(Values())

        /// The scenario's transaction id (only the terminal knows it).
        public var transactionID: String? {
            get { box.values.transactionID }
            set { change { $0.transactionID = newValue } }
        }
        /// DE39.
        public var responseCode: ResponseCode? {
            get { box.values.responseCode }
            set { change { $0.responseCode = newValue } }
        }
        /// The clearing date the scheme assigned.
        public var clearingDate: LocalDate? {
            get { box.values.clearingDate }
            set { change { $0.clearingDate = newValue } }
        }
        /// An amount: the amount authorized, or the net amount paid out or credited.
        public var amount: Money? {
            get { box.values.amount }
            set { change { $0.amount = newValue } }
        }
        /// What the event is about: the purchase itself, or a void or reversal of it.
        public var operation: Operation {
            get { box.values.operation }
            set { change { $0.operation = newValue } }
        }
        /// When the merchant is paid and why, decided once when the acquirer books the approval.
        public var schedule: ArrivalSchedule? {
            get { box.values.schedule }
            set { change { $0.schedule = newValue } }
        }
        /// The merchant a payout pays (DE42 of the credit).
        public var merchant: String? {
            get { box.values.merchant }
            set { change { $0.merchant = newValue } }
        }
        /// The merchant category code the scheme saw on the wire (DE18).
        public var mcc: String? {
            get { box.values.mcc }
            set { change { $0.mcc = newValue } }
        }
        /// The issuer's fee the scheme charged on it (the acquirer pays it to the issuer).
        public var issuerFee: Money? {
            get { box.values.issuerFee }
            set { change { $0.issuerFee = newValue } }
        }
        /// The network fee the scheme charged each side of it.
        public var networkFee: Money? {
            get { box.values.networkFee }
            set { change { $0.networkFee = newValue } }
        }
        /// How many clearing items a member's net settlement covers.
        public var items: Int? {
            get { box.values.items }
            set { change { $0.items = newValue } }
        }
        /// The terminal's own date and time when it sent the request (DE13/DE12, what its slip shows).
        public var terminalTime: LocalDateTime? {
            get { box.values.terminalTime }
            set { change { $0.terminalTime = newValue } }
        }

        private mutating func change(_ body: (inout Values) -> Void) {
            var values = box.values
            body(&values)
            box = Box(values)
        }

        public static func == (lhs: Facts, rhs: Facts) -> Bool {
            lhs.box === rhs.box || lhs.box.values == rhs.box.values
        }

        /// Makes facts.
        public init(
            transactionID: String? = nil, responseCode: ResponseCode? = nil, clearingDate: LocalDate? = nil, amount: Money? = nil,
            operation: Operation = .purchase, schedule: ArrivalSchedule? = nil, merchant: String? = nil, mcc: String? = nil,
            issuerFee: Money? = nil, networkFee: Money? = nil, items: Int? = nil
        ) {
            let values = Values(
                transactionID: transactionID, responseCode: responseCode, clearingDate: clearingDate, amount: amount, operation: operation,
                schedule: schedule, merchant: merchant, mcc: mcc, issuerFee: issuerFee, networkFee: networkFee, items: items)
            box = values == Values() ? Self.none : Box(values)
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
