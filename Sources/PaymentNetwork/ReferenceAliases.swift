/// The references one transaction has at each hop (every hop gives a request its own STAN),
/// so that what every node records lands on the transaction the terminal started.
///
/// Each hop numbers from its own counter, so one reference's three values can name two
/// transactions on two links: the acquirer's STAN for one purchase of a terminal may be the
/// terminal's own STAN for another in the same second (under load it is, within seconds of
/// the acquirer's counter wrapping). The aliases therefore keep every reference with the node
/// that numbered it. A node that reports a reference without saying (`numberedBy` empty)
/// means the numbering of what it receives: `numbering` gives it per node (the scheme
/// receives the acquirer's STANs, an issuer the scheme's; a terminal's and the acquirer's own
/// events are on the terminals' references, which start a transaction).
public struct ReferenceAliases: Sendable {
    /// Each hop's reference (numbered by the node that forwarded it) to what it copies.
    private var origin = HopMap()
    /// For each node, whose counter numbered the references it reports without saying.
    private let numbering: [String: String]

    /// Aliases for a network whose nodes receive references numbered as `numbering` says
    /// (node name to the node whose STANs it receives; a node not named receives references
    /// that start transactions).
    public init(numbering: [String: String] = [:]) { self.numbering = numbering }

    /// Makes room for this many hops.
    public mutating func reserve(_ hops: Int) { origin.reserve(hops) }

    /// `hop`, numbered by `node`, is the copy it forwarded of what it knew as `of`.
    public mutating func add(_ hop: TransactionReference, of: TransactionReference, by node: String) {
        let key = hop.numbered(by: node), earlier = scoped(of, reportedBy: node)
        guard key != earlier else { return }
        origin.link(key, to: earlier)
    }

    /// The reference, with whose counter numbered it, as `node` reports it.
    private func scoped(_ reference: TransactionReference, reportedBy node: String) -> TransactionReference {
        reference.numberedBy.isEmpty ? reference.numbered(by: numbering[node] ?? "") : reference
    }

    /// The reference the transaction started under (following hop after hop), as the node
    /// that started it numbered it (`numberedBy` empty).
    public func resolve(_ reference: TransactionReference, reportedBy node: String) -> TransactionReference {
        var current = scoped(reference, reportedBy: node)
        var steps = 0
        while let earlier = origin[current], steps < 8 {
            current = earlier
            steps += 1
        }
        return current.numberedBy.isEmpty ? current : current.numbered(by: "")
    }

    /// The reference the last hop knows a transaction by (the issuer's view of a purchase the
    /// terminal started as `origin`): the one with the most hops back to it, as that hop's
    /// own tables hold it (`numberedBy` empty).
    public func deepest(of origin: TransactionReference) -> TransactionReference {
        var best = origin, bestDepth = 0
        for hop in self.origin.hops {
            var current = hop, depth = 0
            while let earlier = self.origin[current], depth < 8 {
                current = earlier
                depth += 1
            }
            let plain = hop.numbered(by: "")
            if current == origin, depth > bestDepth || (depth == bestDepth && plain < best) {
                best = plain
                bestDepth = depth
            }
        }
        return best
    }

    /// The event, on the references its transaction started under.
    public func resolve(_ event: TimelineEvent) -> TimelineEvent {
        var resolved = event
        resolved.reference = resolve(event.reference, reportedBy: event.node)
        if !event.related.isEmpty { resolved.related = event.related.map { resolve($0, reportedBy: event.node) } }
        return resolved
    }

    func resolve(_ reference: EventReference, reportedBy node: String) -> EventReference {
        if case .transaction(let transaction) = reference { return .transaction(resolve(transaction, reportedBy: node)) }
        return reference
    }
}
