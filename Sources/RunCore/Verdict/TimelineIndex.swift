import PaymentNetwork

/// Where each reference's events, and each transaction's own (by its id), are in a timeline:
/// built in one pass, so that reading a transaction's outcome reads its own events only and
/// the outcomes of a run of many swipes take time in proportion to its events.
struct TimelineIndex {
    private var byReference: [EventReference: [Int]] = [:]
    private var byTransaction: [String: [Int]] = [:]

    init(_ timeline: [TimelineEvent]) {
        for (position, event) in timeline.enumerated() {
            byReference[event.reference, default: []].append(position)
            if let id = event.facts.transactionID { byTransaction[id, default: []].append(position) }
        }
    }

    /// The positions of the events under `reference`, in timeline order.
    func positions(of reference: EventReference) -> [Int] { byReference[reference] ?? [] }

    /// The positions of the events under any of `references`, or of transaction `id`, in timeline order.
    func positions(of references: Set<EventReference>, orTransaction id: String? = nil) -> [Int] {
        var positions = references.flatMap { byReference[$0] ?? [] }
        if let id { positions += byTransaction[id] ?? [] }
        return Array(Set(positions)).sorted()
    }
}
