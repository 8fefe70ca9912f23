public import SettlementCalendar

/// One of a node's timers. A node has at most one timer per key: starting it again moves it.
public enum TimerKey: Sendable, Hashable, CustomStringConvertible {
    /// The wait for the answer to a request this node sent (a purchase, a void).
    case answer(TransactionReference)
    /// The next retransmission of a reversal or advice that is not yet acknowledged.
    case `repeat`(TransactionReference)
    /// The end of a pre-authorization's life: its hold is released unless it was completed.
    case expiry(TransactionReference)
    /// The scheme's daily cutoff.
    case cutoff
    /// A payout run for one merchant at a local time.
    case payout(merchant: String, at: LocalDateTime)

    public var description: String {
        switch self {
        case .answer(let reference): return "answer \(reference)"
        case .repeat(let reference): return "repeat \(reference)"
        case .expiry(let reference): return "expiry \(reference)"
        case .cutoff: return "cutoff"
        case .payout(let merchant, let at): return "payout \(merchant) \(at)"
        }
    }
}
