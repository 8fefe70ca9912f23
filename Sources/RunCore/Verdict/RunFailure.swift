public import PaymentNetwork
/// Why a run failed, as a value: an expectation that did not hold, an invariant broken (by
/// kind), a node's fault, or a run that stopped. Only the reports turn it into text
/// (`description`); the explorer and the tests match on the case and the kind.
public enum RunFailure: Sendable, Equatable, CustomStringConvertible {
    /// An expectation of the scenario that did not hold.
    case expectation(Miss)
    /// A rule that always holds (docs/scenario-language.md, "What always holds"), broken.
    case invariant(Invariant, detail: String)
    /// A node could not take a step it had to (a payout with no day to be paid on), by kind.
    case node(String, NodeFault)
    /// A node's own books show something that must never be (a debit card overdrawn), by kind.
    case audit(String, AuditFailure)
    /// The run itself did not finish: it stopped, or the network could not start or stop.
    case stopped(String)

    /// An expectation missed: where it is written, what it is about (`transaction t1`, `account
    /// 6214…`, `merchant 8984…`), the field it checks with what was expected and what the run
    /// gave, or a note when it is not one field (`it never happened`).
    public struct Miss: Sendable, Equatable {
        public var line: Int
        public var subject: String
        public var field: String?
        public var expected: String?
        public var actual: String?
        public var note: String?

        public init(line: Int, subject: String, field: String, expected: String, actual: String) {
            self.line = line
            self.subject = subject
            self.field = field
            self.expected = expected
            self.actual = actual
        }

        public init(line: Int, subject: String, note: String) {
            self.line = line
            self.subject = subject
            self.note = note
        }

        /// `response expected 00, got 05`, or the note.
        public var difference: String {
            guard let field, let expected, let actual else { return note ?? "" }
            return "\(field) expected \(expected), got \(actual)"
        }
    }

    /// The rules, each with the words a report and the explorer name it by.
    public enum Invariant: String, Sendable, CaseIterable {
        /// A node's own audit of its books (its detail names the node).
        case audit
        case ledgerBalances = "ledger does not balance"
        case moneyConserved = "money not conserved"
        case framesDelivered = "frames still in flight"
        case nothingWaits = "still waits"
        case reversalHasOriginal = "which no terminal swiped"
        case creditedOnce = "credited to the merchant"
        case statusAgreesWithPayout = "is pending, yet its payout arrived"
        case undoneIsGivenBack = "never got the money back"
        case refundAtMostCaptured = "refunded more than captured"
        case chargedBackOnce = "charged back more than once"
        case bookedForPayout = "never booked"
        case payoutMade = "payout fell due"
    }

    public var description: String {
        switch self {
        case .expectation(let miss): "line \(miss.line): \(miss.subject): \(miss.difference)"
        case .invariant(_, let detail): "invariant: \(detail)"
        case .node(let node, let fault): "node: \(node): \(fault.detail)"
        case .audit(let node, let failure): "invariant: \(node): \(failure.detail)"
        case .stopped(let reason): reason
        }
    }

    /// The failure's rule without its numbers and names, the same for every world that breaks
    /// it the same way (what the explorer's shrinker keeps to).
    public var rule: String {
        switch self {
        case .expectation(let miss): "line \(miss.line)"
        case .invariant(let kind, _): "invariant: " + kind.rawValue
        case .node(_, let fault): "node: " + fault.kind.rawValue
        case .audit(_, let failure): "invariant: audit " + failure.kind.rawValue
        case .stopped(let reason): String(reason.prefix { $0 != ":" })
        }
    }
}
