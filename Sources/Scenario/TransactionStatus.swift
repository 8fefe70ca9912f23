/// The final status of a transaction, in the words of the scenario language.
public enum TransactionStatus: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Credited to the merchant.
    case arrived
    /// Approved, not yet credited when the run ended.
    case pending
    /// Refused.
    case declined
    /// The terminal could not reach the acquirer: nothing left it.
    case failed
    /// Reversed: the card got its money back.
    case reversed
    /// Voided: the card got its money back.
    case voided
    /// The payout bounced and was not yet paid again.
    case returned
    /// Risk control holds the payout.
    case held

    public var description: String { rawValue }

    /// Whether nothing more can happen to a transaction in this status.
    public var isFinal: Bool { [.declined, .failed, .reversed, .voided].contains(self) }
}
