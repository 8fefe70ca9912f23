public import PaymentNetwork
public import SettlementCalendar

/// One member's net settlement with the scheme for one clearing day: positive for what it
/// receives, negative for what it pays (the scheme's own line holds the network fees).
public struct NetSettlement: Sendable, Equatable {
    public var member: String
    public var date: LocalDate
    public var amount: Money
    /// How many clearing items it covers.
    public var items: Int

    /// Every member's net settlements, by member and clearing date (a late item's settlement
    /// of a day already settled is added to that day's), from the scheme's `settled` events.
    public static func all(in timeline: [TimelineEvent]) -> [NetSettlement] {
        var settlements: [NetSettlement] = []
        for event in timeline where event.kind == .settled {
            guard case .settlement(let member, let date) = event.reference else { continue }
            if let index = settlements.firstIndex(where: { $0.member == member && $0.date == date }) {
                settlements[index].amount += event.facts.amount ?? .zero
                settlements[index].items += event.facts.items ?? 0
            } else {
                settlements.append(NetSettlement(member: member, date: date, amount: event.facts.amount ?? .zero, items: event.facts.items ?? 0))
            }
        }
        return settlements.sorted { ($0.member, $0.date) < ($1.member, $1.date) }
    }
}

extension ScenarioResult {
    /// Every member's net settlements in this run.
    public var netSettlements: [NetSettlement] { NetSettlement.all(in: timeline) }
}
