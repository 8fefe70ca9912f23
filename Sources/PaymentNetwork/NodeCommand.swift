/// A command a scenario step or fault window gives a node.
public enum NodeCommand: Sendable, Equatable {
    /// Swipe a card at a terminal.
    case swipe(Swipe)
    /// The terminal sends the message of an earlier transaction again, same STAN.
    case repeatSwipe(id: String, of: String)
    /// The terminal voids an earlier transaction.
    case void(of: String)
    /// A bank starts (true) or ends (false) maintenance.
    case maintenance(Bool)
    /// A bank freezes (true) or unfreezes (false) an account or card.
    case freeze(account: String, Bool)
    /// The acquirer's risk control holds (true) or releases (false) a merchant's payouts.
    case hold(merchant: String, Bool)
    /// A node starts (true) or ends (false) an outage; it comes back with its state.
    case outage(Bool)

    /// A purchase as the terminal sees it.
    public struct Swipe: Sendable, Equatable {
        /// The scenario's id for the transaction.
        public var id: String
        /// The card number.
        public var pan: String
        /// The card's expiry, `YYMM`.
        public var expiry: String
        /// The amount that goes on the wire.
        public var amount: Money

        /// Makes a swipe.
        public init(id: String, pan: String, expiry: String, amount: Money) {
            self.id = id
            self.pan = pan
            self.expiry = expiry
            self.amount = amount
        }
    }
}
