public import PaymentNetwork
public import SettlementCalendar

/// One step of a scenario.
public struct Step: Sendable {
    /// What the step does.
    public enum Action: Sendable {
        /// A card is swiped.
        case swipe(id: String, terminal: String, card: String, amount: Money, keyed: Money?)
        /// The terminal sends the message of an earlier swipe again, same STAN.
        case repeatSwipe(id: String, terminal: String, of: String)
        /// The terminal voids an earlier swipe.
        case void(id: String, terminal: String)
    }

    /// When, on the virtual clock.
    public var at: Instant
    /// What.
    public var action: Action
    /// Where it is written (line).
    public var line: Int
}
