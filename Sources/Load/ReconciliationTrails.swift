public import PaymentNetwork
public import Scenario
import Synchronization

/// What a load run's reconciliation needs of its events, folded as they happen (the run keeps
/// no timeline): for each purchase, how often the issuer debited and reversed it, the scheme
/// cleared it and the acquirer paid it out, and for how much; and per terminal and amount,
/// what was cleared and debited (for an acquirer under test, which numbers its own hops).
/// A few dozen bytes a purchase, where its events took kilobytes.
public final class ReconciliationTrails: Sendable {
    struct Trail {
        var authorized: Int32 = 0, reversed: Int32 = 0, cleared: Int32 = 0, paidOut: Int32 = 0
        var paid: Money = .zero
        /// What the terminal holds as approved, once the generator gave it to the books
        /// (`LoadBooks.take`): the purchase is then checked against this trail when paid out.
        /// Kept here, under the trail's reference, not in a table of its own: a waiting
        /// purchase costs one entry, and a weekend holds three days of them.
        var approval: Approval?
    }

    /// An approval as the terminal holds it: its reference is the trail's.
    struct Approval {
        var amount: Money
        var pan: String
    }

    struct State {
        var trails = ShardedDictionary<TransactionReference, Trail>()
        var cleared: [String: [Int64: Int]] = [:]
        var debited: [String: [Int64: Int]] = [:]
    }

    private let state = Mutex(State())
    private let issuers: Set<String>
    private let scheme: String
    private let acquirer: String
    /// Whether to keep the per-terminal amounts (an acquirer under test) rather than the trails.
    let byAmount: Bool

    public init(network: NetworkSpec) {
        issuers = Set(network.banks.filter { !$0.bins.isEmpty }.map(\.name))
        scheme = network.scheme.name
        acquirer = network.acquirer.name
        byAmount = network.external[network.acquirer.name] != nil
    }

    /// Folds one event in (the network's event loop calls it as each happens).
    public func add(_ event: TimelineEvent) {
        guard case .transaction(let reference) = event.reference else { return }
        let issuer = issuers.contains(event.node)
        state.withLock { state in
            if byAmount {
                guard let amount = event.facts.amount?.minorUnits else { return }
                switch event.kind {
                case .cleared where event.node == scheme: state.cleared[reference.terminal, default: [:]][amount, default: 0] += 1
                case .authorized where issuer: state.debited[reference.terminal, default: [:]][amount, default: 0] += 1
                case .reversed where issuer: state.debited[reference.terminal, default: [:]][amount, default: 0] -= 1
                default: break
                }
                return
            }
            switch event.kind {
            case .authorized where issuer: state.trails[reference, default: Trail()].authorized += 1
            case .reversed where issuer: state.trails[reference, default: Trail()].reversed += 1
            case .cleared where event.node == scheme: state.trails[reference, default: Trail()].cleared += 1
            case .paidOut where event.node == acquirer:
                state.trails[reference, default: Trail()].paidOut += 1
                state.trails[reference, default: Trail()].paid += event.facts.amount ?? .zero
            default: break
            }
        }
    }

    /// The same, from a whole timeline.
    public convenience init(network: NetworkSpec, timeline: [TimelineEvent]) {
        self.init(network: network)
        for event in timeline { add(event) }
    }

    func read<T>(_ body: (State) -> T) -> T { state.withLock { body($0) } }

    /// Changes the trails (a night's fold takes out the settled ones).
    func mutate<T>(_ body: (inout ShardedDictionary<TransactionReference, Trail>) -> T) -> T { state.withLock { body(&$0.trails) } }

    /// How many purchases have a trail.
    var count: Int { state.withLock { $0.trails.count } }
}
