/// What a node says about itself, as values: a step it could not take (a fault of the node),
/// something it still waits on, and what its own books show wrong. Rendered to words only by
/// the reports; the run's invariants and the explorer's oracle match on the kind.
public struct NodeFault: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// An approval came without the clearing date (DE15) the payout is scheduled by.
        case noClearingDate = "no_clearing_date"
        /// The calendar has no day (left) to pay a merchant on.
        case noPayoutDay = "no_payout_day"
        /// A chargeback of something the bank has nothing left to take back for.
        case chargebackNotPossible = "chargeback_not_possible"
        /// A message the node made that its link's codec cannot write.
        case unsendable
    }
    public var kind: Kind
    public var detail: String
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }
    public var description: String { detail }
}

/// Something a node sends and still waits on (the "nothing waits" invariant at a run's end).
public struct NodeWait: Sendable, Equatable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case request, reversal, advice, payout, chargeback, clearing
        /// A terminal's sign-on a request waits for.
        case signOn = "sign_on"
        /// A payout credit a bank in maintenance has not taken yet.
        case queuedCredit = "queued_credit"
    }
    public var kind: Kind
    /// What it is, in words (`request T0000001/000123/...`).
    public var description: String
    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
    public static func < (lhs: NodeWait, rhs: NodeWait) -> Bool { lhs.description < rhs.description }
}

/// What a node finds wrong in its own books.
public struct AuditFailure: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// Pre-authorizations hold more on a card than it can spend.
        case holdAboveBalance = "hold_above_balance"
        /// A debit card's account below zero.
        case debitOverdrawn = "debit_overdrawn"
    }
    public var kind: Kind
    public var detail: String
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }
    public var description: String { detail }
}
