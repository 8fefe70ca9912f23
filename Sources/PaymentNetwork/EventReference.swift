public import SettlementCalendar

/// What a timeline event is about: a terminal's transaction, or a payout to a merchant.
public enum EventReference: Sendable, Hashable, CustomStringConvertible {
    /// A request that started at a terminal (a purchase, or its void or reversal).
    case transaction(TransactionReference)
    /// A payout credit the acquirer sent, by its RRN (DE37).
    case payout(rrn: String)
    /// A member's net settlement of a clearing day (the scheme's own line holds its network fees).
    case settlement(member: String, date: LocalDate)

    public var description: String {
        switch self {
        case .transaction(let reference): return reference.description
        case .payout(let rrn): return "payout/\(rrn)"
        case .settlement(let member, let date): return "settlement/\(member)/\(date)"
        }
    }
}
