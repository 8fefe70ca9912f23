public import ISO8583
public import SettlementCalendar

/// The business logic of one node as a state machine: it is handed an input and the
/// virtual time, changes its state, and returns what the code around it must do.
///
/// It knows no sockets and reads no clock.
public protocol NodeLogic: Sendable {
    /// The node's name, as the scenario gives it (a terminal's id for a terminal).
    var name: String { get }
    /// Called once when the run starts (to schedule daily timers, say).
    mutating func start(now: Instant) -> [NodeAction]
    /// A message arrived from a peer node.
    mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction]
    /// A timer this node asked for is due.
    mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction]
    /// A command from the scenario (a swipe, a fault window opening or closing).
    mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction]
    /// A message could not be sent: there is no connection to the peer.
    mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction]
    /// A connection to a peer is up again after an outage or a disconnect.
    mutating func peerAvailable(_ peer: String, now: Instant) -> [NodeAction]
    /// Requests this node sent and is still waiting on (for the "nothing in flight" invariant).
    var waitingOn: [String] { get }
    /// The node's ledger.
    var ledger: Ledger { get }
}

extension NodeLogic {
    public mutating func start(now: Instant) -> [NodeAction] { [] }
    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] { [] }
    public mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] { [] }
    public mutating func peerAvailable(_ peer: String, now: Instant) -> [NodeAction] { [] }
    public var waitingOn: [String] { [] }
}

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
