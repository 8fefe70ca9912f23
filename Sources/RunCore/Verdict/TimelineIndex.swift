import PaymentNetwork

/// Where each reference's events, and each transaction's own (by its id), are in a timeline,
/// and where each transaction starts: built in one pass, so that reading a transaction's
/// outcome reads its own events only and the outcomes of a run of many swipes take time in
/// proportion to its events. A timeline only grows: `extend` indexes what came since.
struct TimelineIndex {
    private var byReference: [EventReference: [Int]] = [:]
    private var byTransaction: [String: [Int]] = [:]
    /// The position of each transaction's start, in timeline order: the first swipe of each
    /// id (a terminal's transaction), or a dispute (a chargeback the issuer started).
    private(set) var starts: [Int] = []
    private var started: Set<String> = []
    /// How many events of the timeline are indexed.
    private var covered = 0

    init() {}

    init(_ timeline: [TimelineEvent]) {
        extend(with: timeline)
    }

    /// Indexes the events of `timeline` past those already indexed (the timeline this index
    /// was built from, grown since).
    mutating func extend(with timeline: [TimelineEvent]) {
        timeline.withUnsafeBufferPointer { events in
            // Each event read in place (a copy would count every reference it holds).
            for position in covered..<events.count {
                byReference[events[position].reference, default: []].append(position)
                guard let id = events[position].facts.transactionID else { continue }
                byTransaction[id, default: []].append(position)
                let kind = events[position].kind
                if kind == .swiped || kind == .disputed, started.insert(id).inserted { starts.append(position) }
            }
        }
        covered = max(covered, timeline.count)
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

/// Whether every transaction of a run is settled for good, asked after each timer at a
/// run's end while the timeline grows: the answer of `TransactionOutcome.all(from:)` read
/// whole, found without reading every transaction each time. The index only takes in the new
/// events, and the transactions are read from the one found unsettled last time backwards
/// (at first from the latest: at a run's end the latest swipes wait longest for their
/// payouts): any one unsettled transaction answers no; yes is given only once every
/// transaction was read on this timeline.
struct SettlementWatch {
    private var index = TimelineIndex()
    /// Where in `index.starts` to begin reading: the transaction found unsettled last time.
    private var first: Int?
    private var answer: (events: Int, settled: Bool)?
    /// Every outcome, when the last reading read them all (the answer was yes).
    private var read: [TransactionOutcome]?

    mutating func everythingSettled(_ timeline: [TimelineEvent]) -> Bool {
        // The outcomes are the timeline's alone: asked again with no new event, the answer is the one before.
        if let answer, answer.events == timeline.count { return answer.settled }
        index.extend(with: timeline)
        read = nil
        let starts = index.starts
        // What was read, as read: most asks stop after one or two.
        var outcomes: [(at: Int, outcome: TransactionOutcome)] = []
        var settled = true
        let begin = first ?? starts.count - 1
        for step in 0..<starts.count {
            let at = (begin - step + starts.count) % starts.count
            let outcome = TransactionOutcome.outcome(startingAt: starts[at], timeline: timeline, index: index)
            if !outcome.isSettledForGood {
                first = at
                settled = false
                break
            }
            outcomes.append((at, outcome))
        }
        answer = (timeline.count, settled)
        if settled { read = outcomes.sorted { $0.at < $1.at }.map(\.outcome) }
        return settled
    }

    /// Every transaction's outcome on `timeline`, as `TransactionOutcome.all(from:)` gives
    /// them, when the last answer (yes) read them all on it; nil otherwise.
    func outcomes(of timeline: [TimelineEvent]) -> [TransactionOutcome]? {
        answer?.events == timeline.count ? read : nil
    }
}
