/// The references one transaction has at each hop (every hop gives a request its own STAN),
/// so that what every node records lands on the transaction the terminal started.
public struct ReferenceAliases: Sendable {
    private var origin: [TransactionReference: TransactionReference] = [:]

    public init() {}

    /// Makes room for this many hops.
    public mutating func reserve(_ hops: Int) { origin.reserveCapacity(hops) }

    /// `hop` is a forwarded copy of what the node before it knew as `of`.
    public mutating func add(_ hop: TransactionReference, of: TransactionReference) {
        guard hop != of else { return }
        origin[hop] = of
    }

    /// The reference the transaction started under (following hop after hop).
    public func resolve(_ reference: TransactionReference) -> TransactionReference {
        var current = reference
        var steps = 0
        while let earlier = origin[current], steps < 8 {
            current = earlier
            steps += 1
        }
        return current
    }

    /// The reference the last hop knows a transaction by (the issuer's view of a purchase the
    /// terminal started as `origin`): the one with the most hops back to it.
    public func deepest(of origin: TransactionReference) -> TransactionReference {
        var best = origin, bestDepth = 0
        for hop in self.origin.keys {
            var current = hop, depth = 0
            while let earlier = self.origin[current], depth < 8 {
                current = earlier
                depth += 1
            }
            if current == origin, depth > bestDepth || (depth == bestDepth && hop < best) {
                best = hop
                bestDepth = depth
            }
        }
        return best
    }

    /// The event, on the references its transaction started under.
    public func resolve(_ event: TimelineEvent) -> TimelineEvent {
        guard !origin.isEmpty else { return event }
        var resolved = event
        resolved.reference = resolve(event.reference)
        resolved.related = event.related.map(resolve)
        return resolved
    }

    func resolve(_ reference: EventReference) -> EventReference {
        if case .transaction(let transaction) = reference { return .transaction(resolve(transaction)) }
        return reference
    }
}
