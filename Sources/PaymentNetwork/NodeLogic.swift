import ISO8583
import SettlementCalendar

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
    /// A command from the scenario (a swipe).
    mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction]
    /// The node's ledger.
    var ledger: Ledger { get }
}

extension NodeLogic {
    public mutating func start(now: Instant) -> [NodeAction] { [] }
    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] { [] }
}

/// A command a scenario step gives a node.
public enum NodeCommand: Sendable, Equatable {
    /// Swipe a card at a terminal.
    case swipe(Swipe)

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
