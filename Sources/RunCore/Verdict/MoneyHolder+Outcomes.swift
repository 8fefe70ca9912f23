public import Scenario
import PaymentNetwork

extension MoneyHolder {
    /// Where the money of a merchant's terminals stopped, from its transactions' outcomes: the
    /// first party along the way that holds some of it (the acquirer, for what it has not paid
    /// out; the merchant's bank, for a payout sent and not credited); `none` when all arrived.
    public static func of(terminals: Set<String>, outcomes: [TransactionOutcome]) -> MoneyHolder {
        var holders: Set<MoneyHolder> = []
        for outcome in outcomes where [.pending, .held, .returned].contains(outcome.status) {
            guard let swipe = outcome.events.first(where: { $0.kind == .swiped }), terminals.contains(swipe.node) else { continue }
            let arrived = Set(outcome.events.filter { $0.kind == .arrived }.map(\.reference))
            let sent = outcome.events.filter { $0.kind == .paidOut && ($0.facts.amount ?? .zero) > .zero && arrived.isDisjoint(with: $0.related) }
            guard !sent.isEmpty, outcome.status == .pending else {
                holders.insert(.acquirer)
                continue
            }
            // Paid to an aggregator: it holds it until it pays it on (its own paid_out), then the bank does.
            let payouts = Set(sent.flatMap(\.related))
            let atAggregator = outcome.events.contains { $0.kind == .paidToAggregator && payouts.contains($0.reference) }
            let paidOn = outcome.events.contains { $0.kind == .paidOut && $0.related.isEmpty && payouts.contains($0.reference) }
            holders.insert(atAggregator && !paidOn ? .aggregator : .bank)
        }
        return [.acquirer, .aggregator, .bank].first { holders.contains($0) } ?? .none
    }
}
