/// The state of a card or an account at its bank.
public enum AccountStatus: String, Sendable, CaseIterable, Equatable {
    case active, frozen, lost, expired, stolen
    /// Closed: credits to it are returned.
    case closed
    /// Frozen for debits only (most court freezes): credits land, nothing can leave.
    case debitFrozen = "debit_frozen"
}
