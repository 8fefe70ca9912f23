/// Which reference a node gave each request it sent on under its own STAN (every hop numbers
/// what it forwards from its own counter): its own reference to the one it received. The
/// acquirer keeps its hops (its STAN to the terminal's), the scheme its own (its STAN to the
/// acquirer's); the run reads them through `NodeLogic.forwarded` (`ReferenceAliases`) and keeps
/// no copy.
public struct HopMap: Sendable {
    private var received = ShardedDictionary<TransactionReference, TransactionReference>()

    public init() {}

    /// `own` is the node's copy of what it received as `received`.
    public mutating func record(_ own: TransactionReference, of received: TransactionReference) {
        self.received[own] = received
    }

    /// What the node received as `own`: nil when `own` is none of its hops.
    public subscript(own: TransactionReference) -> TransactionReference? { received[own] }

    /// What the node received as `reference`, or `reference` itself when it is none of its hops
    /// (a reference the node was given, not one it numbered).
    public func original(of reference: TransactionReference) -> TransactionReference { received[reference] ?? reference }

    /// Forgets the hops whose received reference `isGone` says the node no longer keeps (a
    /// load run's nodes retire what is final each night).
    public mutating func forget(where isGone: (TransactionReference) -> Bool) {
        received.removeAll { _, received in isGone(received) }
    }

    /// How many hops it holds.
    public var count: Int { received.count }

    /// Every hop: the node's own references.
    public var hops: [TransactionReference] { received.keys }
}
