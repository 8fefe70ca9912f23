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
    /// A pre-authorization that holds funds on the card (not completed, cancelled or expired).
    case authorized
    /// A pre-authorization that was completed (the completion is a transaction of its own).
    case completed
    /// A pre-authorization that was cancelled: the hold went away. (PayLab's addition.)
    case cancelled
    /// A pre-authorization that was not completed in time: the hold was released.
    case expired
    /// Refunded in whole (or, for a refund, credited to the card).
    case refunded
    /// Refunded in part.
    case partiallyRefunded = "partially_refunded"
    /// Charged back by the card's issuer: taken from the merchant.
    case chargedBack = "charged_back"
    /// The same message as an earlier transaction of the terminal (a `repeat`), which the
    /// network had already handled: it was answered as that one was, and its money is that one's.
    case duplicate
    /// A balance inquiry the issuer answered: the balance was shown, nothing moved. (PayLab's addition.)
    case answered

    public var description: String { rawValue }

    /// Whether nothing more can happen to a transaction in this status.
    public var isFinal: Bool { [.declined, .failed, .reversed, .voided, .completed, .cancelled, .expired, .duplicate, .answered].contains(self) }
}
