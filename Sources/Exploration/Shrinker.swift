import PaymentNetwork
import Scenario
import SettlementCalendar
import RunCore

/// Cuts a failing world down while it still fails the same way: drops faults and steps
/// (with the voids and repeats that need them), cards and merchants no step uses (with the
/// faults that name them), narrows fault windows, rounds amounts, turns stand-in off. Greedy
/// and deterministic: the first smaller world that still fails is kept, and the search starts
/// again from it.
enum Shrinker {
    static func candidates(of world: Scenario) -> [Scenario] {
        var out: [Scenario] = []
        for index in world.faults.indices {
            var smaller = world
            smaller.faults.remove(at: index)
            out.append(smaller)
        }
        for index in world.steps.indices.reversed() {
            var smaller = world
            let removed = smaller.steps.remove(at: index)
            if case .swipe(let id, _, _, _, _) = removed.action {
                smaller.steps.removeAll { step in
                    switch step.action {
                    case .void(id, _), .repeatSwipe(_, _, of: id): true
                    default: false
                    }
                }
            }
            out.append(smaller)
        }
        let usedCards = Set(world.steps.compactMap { if case .swipe(_, _, let card, _, _) = $0.action { card } else { nil } })
        for card in world.network.cards.reversed() where !usedCards.contains(card.pan) && world.network.cards.count > 1 {
            var smaller = world
            smaller.network.cards.removeAll { $0.pan == card.pan }
            smaller.faults.removeAll { if case .freeze(card.pan, _) = $0.kind { true } else { false } }
            out.append(smaller)
        }
        let usedTerminals = Set(world.steps.compactMap { if case .swipe(_, let terminal, _, _, _) = $0.action { terminal } else { nil } })
        for merchant in world.network.merchants.reversed() where usedTerminals.isDisjoint(with: merchant.terminals) && world.network.merchants.count > 1 {
            var smaller = world
            smaller.network.merchants.removeAll { $0.id == merchant.id }
            smaller.faults.removeAll { names($0.kind, merchant) }
            out.append(smaller)
        }
        for index in world.faults.indices {
            guard let to = world.faults[index].to else { continue }
            let from = world.faults[index].from
            let half = (to.milliseconds - from.milliseconds) / 2 / 1000 * 1000
            guard half >= 1000 else { continue }
            var later = world
            later.faults[index].from = Instant(milliseconds: from.milliseconds + half)
            out.append(later)
            var shorter = world
            shorter.faults[index].to = Instant(milliseconds: to.milliseconds - half)
            out.append(shorter)
        }
        for index in world.steps.indices {
            guard case .swipe(let id, let terminal, let card, let amount, let keyed) = world.steps[index].action else { continue }
            if keyed != nil {
                var simpler = world
                simpler.steps[index].action = .swipe(id: id, terminal: terminal, card: card, amount: amount, keyed: nil)
                out.append(simpler)
            }
            let rounded = Money(minorUnits: max(100, amount.minorUnits / 100 * 100))
            if rounded != amount {
                var simpler = world
                simpler.steps[index].action = .swipe(id: id, terminal: terminal, card: card, amount: rounded, keyed: keyed)
                out.append(simpler)
            }
        }
        if world.network.scheme.standInLimit != nil {
            var simpler = world
            simpler.network.scheme.standInLimit = nil
            out.append(simpler)
        }
        return out
    }

    /// Whether a fault names the merchant, its terminal or its account.
    private static func names(_ kind: Fault.Kind, _ merchant: MerchantContract) -> Bool {
        switch kind {
        case .hold(let id): id == merchant.id
        case .freeze(let account, _): account == merchant.accountNumber
        case .network(let client, _, _, _), .staleKeys(let client): merchant.terminals.contains(client)
        case .maintenance, .outage, .badARQC, .badARPC, .chipUnreadable, .payoutShort, .aggregatorDefault: false
        case .clockSkew(let terminal, _): merchant.terminals.contains(terminal)
        }
    }
}
