import PaymentNetwork
import Scenario
import SettlementCalendar
import RunCore

/// What a run of a world must show, checked apart from the nodes: the run's own invariants;
/// each card paid exactly for the purchases that stand; each merchant holds what was
/// credited; a purchase that arrived was credited its amount less the fee; and one that
/// nothing delayed was cleared and paid exactly when the calendar and the terms say. The
/// fee and the payout day are computed here again, not borrowed from the nodes.
enum Oracle {
    /// One broken rule.
    struct Violation: Sendable {
        /// Which rule, stable across runs (no amounts or ids): what shrinking keeps.
        var invariant: String
        /// What happened.
        var detail: String
        /// An expectation that makes `paylab run` fail the same way (a YAML `expect` item), when
        /// the run's own invariants do not.
        var expectation: String? = nil
    }

    static func check(_ world: World, _ result: ScenarioResult) -> [Violation] {
        var violations = result.failures.map { Violation(invariant: kind(of: $0), detail: $0) }
        let zone = result.scenario.zone
        let balances = Dictionary(result.accounts.map { ($0.number, $0.balance) }, uniquingKeysWith: { first, _ in first })
        var swipes: [String: (merchant: Int, card: Int, amount: Money)] = [:]
        for step in world.steps {
            switch step.action {
            case .swipe(let id, let merchant, let card, let amount, let keyed): swipes[id] = (merchant, card, keyed ?? amount)
            case .again(let id, let original): swipes[id] = swipes[original]   // the same message: whichever carried it counts
            case .void: break
            }
        }
        var charged = [Money](repeating: .zero, count: world.cards.count)
        var credited = [Money](repeating: .zero, count: world.merchants.count)
        // A message sent twice (a repeat) is one purchase: it charges the card once if either send stands.
        var standing: [EventReference: (card: Int, amount: Money)] = [:]
        for outcome in result.transactions {
            guard let swipe = swipes[outcome.id] else { continue }
            if [.arrived, .pending, .returned, .held].contains(outcome.status), let message = outcome.events.first(where: { $0.kind == .swiped })?.reference {
                standing[message] = (swipe.card, swipe.amount)
            }
            credited[swipe.merchant] += outcome.credited
            guard outcome.status == .arrived else { continue }
            let merchant = world.merchants[swipe.merchant]
            let net = swipe.amount - fee(swipe.amount, merchant)
            if outcome.credited != net {
                violations.append(Violation(invariant: "an arrival credits the amount less the fee",
                                            detail: "\(outcome.id): credited \(outcome.credited.formatted(exponent: 2)), expected \(net.formatted(exponent: 2))",
                                            expectation: "{ transaction: \(outcome.id), credited: \(net.formatted(exponent: 2)) }"))
            }
            violations += timing(outcome, world: world, merchant: merchant, zone: zone)
        }
        for (card, amount) in standing.values { charged[card] += amount }
        for (index, card) in world.cards.enumerated() {
            let expected = card.balance - charged[index]
            if let actual = balances[card.pan], actual != expected {
                violations.append(Violation(invariant: "a card pays once for each purchase that stands, and nothing for the rest",
                                            detail: "card \(card.pan): balance \(actual.formatted(exponent: 2)), expected \(expected.formatted(exponent: 2))",
                                            expectation: "{ account: \"\(card.pan)\", balance: \(expected.formatted(exponent: 2)) }"))
            }
        }
        for (index, merchant) in world.merchants.enumerated() {
            if let actual = balances[merchant.account], actual != credited[index] {
                violations.append(Violation(invariant: "a merchant holds what was credited to it",
                                            detail: "account \(merchant.account): balance \(actual.formatted(exponent: 2)), credited \(credited[index].formatted(exponent: 2))",
                                            expectation: "{ account: \"\(merchant.account)\", balance: \(credited[index].formatted(exponent: 2)) }"))
            }
        }
        return violations
    }

    /// The failure's rule without its numbers and names, so a shrunk world can be matched to it.
    static func kind(of failure: String) -> String {
        guard failure.hasPrefix("invariant: ") else { return String(failure.prefix { $0 != ":" }) }
        let text = failure.dropFirst("invariant: ".count)
        for rule in ["money not conserved", "still waits", "frames still in flight", "credited to the merchant", "which no terminal swiped",
                     "never booked", "payout fell due", "ledger does not balance", "is pending, yet its payout arrived",
                     "never got the money back"] where text.contains(rule) {
            return "invariant: " + rule
        }
        return "invariant: " + String(text.prefix(40))
    }

    /// The fee, computed here: the rate applied to the amount, rounded up to the minor unit, at most the cap.
    static func fee(_ amount: Money, _ merchant: World.Merchant) -> Money {
        let product = amount.minorUnits * merchant.feePartsPerMillion
        var fee = Money(minorUnits: product / 1_000_000 + (product % 1_000_000 == 0 ? 0 : 1))
        if let cap = merchant.feeCap, fee > cap { fee = cap }
        return fee
    }

    /// For a purchase nothing delayed (approved the moment it was swiped, no fault on the way
    /// to the merchant's account): the clearing date and the arrival time, exactly.
    static func timing(_ outcome: TransactionOutcome, world: World, merchant: World.Merchant, zone: Zone) -> [Violation] {
        guard let swiped = outcome.events.first(where: { $0.kind == .swiped }),
              let approved = outcome.events.first(where: { $0.kind == .authorized && $0.node == swiped.node }),
              approved.at == swiped.at, !outcome.events.contains(where: { $0.kind == .stoodIn }) else { return [] }
        let payoutPath = ["maintenance: \(merchant.accountBank)", "outage: \(world.acquirer)", "outage: \(merchant.accountBank)",
                          "freeze: \"\(merchant.account)\"", "hold: \"\(merchant.id)\"", "network: \(world.acquirer) -> \(merchant.accountBank)"]
        if world.faults.contains(where: { payoutPath.contains($0.lines[0]) }) { return [] }
        guard let calendar = BusinessCalendar.builtIn(world.calendar) else { return [] }
        let t = zone.local(swiped.at)
        let clearing = t.time < world.cutoff ? t.date : t.date.adding(days: 1)
        var violations: [Violation] = []
        if outcome.settlementDate != clearing {
            violations.append(Violation(invariant: "the clearing date follows the cutoff",
                                        detail: "\(outcome.id) swiped \(t): cleared \(outcome.settlementDate?.description ?? "never"), expected \(clearing)",
                                        expectation: "{ transaction: \(outcome.id), settlement_date: \(clearing) }"))
        }
        guard let expected = arrival(swipedAt: t, clearing: clearing, terms: merchant.terms, payoutAt: merchant.payoutAt, cutoff: world.cutoff, calendar: calendar) else { return violations }
        // A payout time already past when the purchase is booked (a 00:30 payout, a 04:00 swipe) pays at once.
        let expectedInstant = max(expected.map { zone.instant($0) } ?? swiped.at, swiped.at)
        let expectedLocal = zone.local(expectedInstant)
        if outcome.arrives != expectedInstant {
            violations.append(Violation(
                invariant: "money arrives when the calendar and the terms say",
                detail: "\(outcome.id) swiped \(t) on \(merchant.terms): arrived \(outcome.arrives.map { zone.local($0).description } ?? "never"), expected \(expectedLocal)",
                expectation: "{ transaction: \(outcome.id), arrives: \"\(expectedLocal)\" }"))
        }
        return violations
    }

    /// When the money of a swipe arrives: nil inside means at once; nil outside means the
    /// calendar does not cover the days needed.
    static func arrival(swipedAt t: LocalDateTime, clearing: LocalDate, terms: String, payoutAt: TimeOfDay, cutoff: TimeOfDay, calendar: BusinessCalendar) -> LocalDateTime?? {
        func open(_ day: LocalDate) -> Bool? {
            if let years = calendar.years, !years.contains(day.year) { return nil }
            if calendar.holidays[day] != nil { return false }
            return !calendar.weekendDays.contains(day.weekday) || calendar.workingDays[day] != nil
        }
        let business = terms.hasPrefix("T")
        guard let n = Int(terms.dropFirst(2)) else { return nil }
        let inHours = t.time >= TimeOfDay(hour: 8, minute: 0)! && t.time < cutoff && clearing == t.date
        var day = clearing
        if n == 0 {
            if business {
                guard let isOpen = open(t.date) else { return nil }
                if isOpen, inHours { return .some(nil) }
                while true {
                    guard let isOpen = open(day) else { return nil }
                    if isOpen { break }
                    day = day.adding(days: 1)
                }
            } else if inHours {
                return .some(nil)
            }
        } else if business {
            var counted = 0
            while counted < n {
                day = day.adding(days: 1)
                guard let isOpen = open(day) else { return nil }
                if isOpen { counted += 1 }
            }
        } else {
            day = clearing.adding(days: n)
        }
        return .some(LocalDateTime(date: day, time: payoutAt))
    }
}
