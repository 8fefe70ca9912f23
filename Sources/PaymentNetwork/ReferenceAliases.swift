/// The references one transaction has at each hop (every hop gives a request its own STAN),
/// so that what every node records lands on the transaction the terminal started.
///
/// Each hop numbers from its own counter, so one reference's three values can name two
/// transactions on two links: the acquirer's STAN for one purchase of a terminal may be the
/// terminal's own STAN for another in the same second (under load it is, within seconds of
/// the acquirer's counter wrapping). References are therefore followed with the node that
/// numbered them, through that node's own `HopMap`. A node that reports a reference without
/// saying (`numberedBy` empty) means the numbering of what it receives: `numbering` gives it
/// per node (the scheme receives the acquirer's STANs, an issuer the scheme's; a terminal's
/// and the acquirer's own events are on the terminals' references, which start a transaction).
public struct ReferenceAliases: Sendable {
    /// For each node, whose counter numbered the references it reports without saying.
    private let numbering: [String: String]

    /// Aliases for a network whose nodes receive references numbered as `numbering` says
    /// (node name to the node whose STANs it receives; a node not named receives references
    /// that start transactions).
    public init(numbering: [String: String] = [:]) { self.numbering = numbering }

    /// The reference, with whose counter numbered it, as `node` reports it.
    private func scoped(_ reference: TransactionReference, reportedBy node: String) -> TransactionReference {
        reference.numberedBy.isEmpty ? reference.numbered(by: numbering[node] ?? "") : reference
    }

    /// One hop back: what the node that numbered `reference` received it as, if it forwarded it.
    private func earlier(_ reference: TransactionReference, hops: (String) -> HopMap?) -> TransactionReference? {
        let node = reference.numberedBy
        guard !node.isEmpty, let received = hops(node)?[reference.numbered(by: "")] else { return nil }
        return scoped(received, reportedBy: node)
    }

    /// The reference the transaction started under (following hop after hop through each
    /// node's `hops`), as the node that started it numbered it (`numberedBy` empty).
    public func resolve(_ reference: TransactionReference, reportedBy node: String, hops: (String) -> HopMap?) -> TransactionReference {
        var current = scoped(reference, reportedBy: node)
        var steps = 0
        while let earlier = earlier(current, hops: hops), steps < 8 {
            current = earlier
            steps += 1
        }
        return current.numberedBy.isEmpty ? current : current.numbered(by: "")
    }

    /// The reference the last hop knows a transaction by (the issuer's view of a purchase the
    /// terminal started as `origin`): the one with the most hops back to it, as that hop's
    /// own tables hold it (`numberedBy` empty). `forwarders`: the nodes that forward.
    public func deepest(of origin: TransactionReference, forwarders: [String], hops: (String) -> HopMap?) -> TransactionReference {
        var best = origin, bestDepth = 0
        for node in forwarders.sorted() {
            for own in hops(node)?.hops ?? [] {
                var current = own.numbered(by: node), depth = 0
                while let earlier = earlier(current, hops: hops), depth < 8 {
                    current = earlier
                    depth += 1
                }
                if current == origin, depth > bestDepth || (depth == bestDepth && own < best) {
                    best = own
                    bestDepth = depth
                }
            }
        }
        return best
    }

    /// The event, on the references its transaction started under.
    public func resolve(_ event: TimelineEvent, hops: (String) -> HopMap?) -> TimelineEvent {
        var resolved = event
        resolved.reference = resolve(event.reference, reportedBy: event.node, hops: hops)
        if !event.related.isEmpty { resolved.related = event.related.map { resolve($0, reportedBy: event.node, hops: hops) } }
        return resolved
    }

    func resolve(_ reference: EventReference, reportedBy node: String, hops: (String) -> HopMap?) -> EventReference {
        if case .transaction(let transaction) = reference { return .transaction(resolve(transaction, reportedBy: node, hops: hops)) }
        return reference
    }
}
