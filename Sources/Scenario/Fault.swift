public import SettlementCalendar

/// A fault of a scenario: one kind, bounded by `from` and `to` on the virtual clock.
public struct Fault: Sendable {
    /// What goes wrong.
    public enum Kind: Sendable {
        /// A bank reads requests and answers nothing.
        case maintenance(bank: String)
        /// A node closes its connections and refuses new ones.
        case outage(node: String)
        /// An account (a card's or a merchant's) is frozen.
        case freeze(account: String, bank: String)
        /// Risk control holds a merchant's payouts.
        case hold(merchant: String)
        /// A link misbehaves.
        case network(client: String, server: String, kind: LinkFaultKind, count: Int?)
    }

    /// How a link misbehaves (the wire's kinds, as the scenario names them).
    public enum LinkFaultKind: Sendable {
        case latency(Duration)
        case drop(response: Bool)
        case duplicate(response: Bool)
        case corrupt(response: Bool)
        case disconnect
    }

    public var kind: Kind
    public var from: Instant
    /// nil: to the end of the run.
    public var to: Instant?
    public var line: Int
}
