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
    /// A message came whose MAC did not check: it cannot be trusted (a terminal reverses what it answers).
    mutating func untrusted(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction]
    /// A message could not be sent: there is no connection to the peer.
    mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction]
    /// A connection to a peer is up again after an outage or a disconnect.
    mutating func peerAvailable(_ peer: String, now: Instant) -> [NodeAction]
    /// Requests this node sent and is still waiting on (for the "nothing in flight" invariant).
    var waitingOn: [NodeWait] { get }
    /// Whether it waits on anything: `waitingOn` not empty, without describing each wait. A
    /// run's end asks it after every timer, while a switch that retries thousands of reversals
    /// may wait on thousands (their sorted descriptions, each time, made such a run's end
    /// quadratic: 3,000 swipes whose issuer never answered ran for more than ten minutes).
    var isWaiting: Bool { get }
    /// The node's ledger.
    var ledger: Ledger { get }
    /// What the node finds wrong in its own books (a hold above a card's balance), one sentence each.
    var auditFailures: [AuditFailure] { get }
    /// Makes room for this many transactions in the node's books at once: a load run that
    /// knows its volume does not stall while a table of many thousands is copied to a bigger one.
    mutating func reserve(transactions: Int)
    /// The keys this node holds for its link to `peer`: the MAC it puts on what it sends there and
    /// checks on what comes from there, and the key of PIN blocks on it (nil: the link is not secured).
    func security(towards peer: String) -> LinkSecurity?
    /// The node's own reference of each request it forwarded under its own STAN, to the one it
    /// received (nil: it forwards nothing). The run maps every event back to the transaction
    /// the terminal started through these, the nodes' own maps (`ReferenceAliases`).
    var forwarded: HopMap? { get }
    /// Forgets the transactions that are final (a purchase cleared and paid, declined or
    /// reversed; nothing of it still scheduled or in flight) and the hops that lead to them:
    /// a load run that crosses business days calls it each night, when nothing of the day
    /// before can still come, so its memory holds what is outstanding, not all it ever did.
    /// It is called only when the whole network is quiet and every timer due by the next
    /// opening has fired (a node cannot know that another still waits on something of a
    /// transaction it finished). A scenario run never calls it (a chargeback may come a month
    /// later). Returns how many journal entries went.
    mutating func retireFinal(now: Instant) -> Int
    /// How many transactions the node keeps in its journal (what `retireFinal` bounds).
    var journalCount: Int { get }
}

extension NodeLogic {
    public mutating func start(now: Instant) -> [NodeAction] { [] }
    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] { [] }
    public mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] { [] }
    public mutating func untrusted(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] { [] }
    public mutating func peerAvailable(_ peer: String, now: Instant) -> [NodeAction] { [] }
    public var waitingOn: [NodeWait] { [] }
    public var isWaiting: Bool { !waitingOn.isEmpty }
    public var auditFailures: [AuditFailure] { [] }
    public mutating func reserve(transactions: Int) {}
    public func security(towards peer: String) -> LinkSecurity? { nil }
    public var forwarded: HopMap? { nil }
    public mutating func retireFinal(now: Instant) -> Int { 0 }
    public var journalCount: Int { 0 }
}
