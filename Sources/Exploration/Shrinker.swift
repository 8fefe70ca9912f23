import PaymentNetwork
import SettlementCalendar
import RunCore

/// Cuts a failing world down while it still fails the same way: drops faults and steps
/// (with the voids and repeats that need them), cards and merchants no step uses, narrows
/// fault windows, rounds amounts, turns stand-in off. Greedy and deterministic: the first
/// smaller world that still fails is kept, and the search starts again from it.
enum Shrinker {
    static func candidates(of world: World) -> [World] {
        var out: [World] = []
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
                    case .void(let original), .again(_, let original): return original == id
                    case .swipe: return false
                    }
                }
            }
            out.append(smaller)
        }
        let usedCards = Set(world.steps.compactMap { if case .swipe(_, _, let card, _, _) = $0.action { return card } else { return nil } })
        for index in world.cards.indices.reversed() where !usedCards.contains(index) && world.cards.count > 1 {
            var smaller = world
            smaller.cards.remove(at: index)
            smaller.steps = smaller.steps.map { step in
                guard case .swipe(let id, let merchant, let card, let amount, let keyed) = step.action, card > index else { return step }
                return World.Step(at: step.at, action: .swipe(id: id, merchant: merchant, card: card - 1, amount: amount, keyed: keyed))
            }
            out.append(smaller)
        }
        let usedMerchants = Set(world.steps.compactMap { if case .swipe(_, let merchant, _, _, _) = $0.action { return merchant } else { return nil } })
        for index in world.merchants.indices.reversed() where !usedMerchants.contains(index) && world.merchants.count > 1 {
            var smaller = world
            let gone = smaller.merchants.remove(at: index)
            smaller.faults.removeAll { fault in fault.lines.contains { $0.contains(gone.terminal) || $0.contains(gone.id) || $0.contains(gone.account) } }
            smaller.steps = smaller.steps.map { step in
                guard case .swipe(let id, let merchant, let card, let amount, let keyed) = step.action, merchant > index else { return step }
                return World.Step(at: step.at, action: .swipe(id: id, merchant: merchant - 1, card: card, amount: amount, keyed: keyed))
            }
            out.append(smaller)
        }
        for index in world.faults.indices {
            guard let to = world.faults[index].to else { continue }
            let from = world.faults[index].from
            let half = (to.secondsSinceEpoch - from.secondsSinceEpoch) / 2
            guard half >= 1 else { continue }
            var later = world
            later.faults[index].from = LocalDateTime(secondsSinceEpoch: from.secondsSinceEpoch + half)
            out.append(later)
            var shorter = world
            shorter.faults[index].to = LocalDateTime(secondsSinceEpoch: to.secondsSinceEpoch - half)
            out.append(shorter)
        }
        for index in world.steps.indices {
            guard case .swipe(let id, let merchant, let card, let amount, let keyed) = world.steps[index].action else { continue }
            if keyed != nil {
                var simpler = world
                simpler.steps[index].action = .swipe(id: id, merchant: merchant, card: card, amount: amount, keyed: nil)
                out.append(simpler)
            }
            let rounded = Money(minorUnits: max(100, amount.minorUnits / 100 * 100))
            if rounded != amount {
                var simpler = world
                simpler.steps[index].action = .swipe(id: id, merchant: merchant, card: card, amount: rounded, keyed: keyed)
                out.append(simpler)
            }
        }
        if world.standInLimit != nil {
            var simpler = world
            simpler.standInLimit = nil
            out.append(simpler)
        }
        return out
    }
}
