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
        /// An expectation that makes `paylab run` fail the same way, when the run's own
        /// invariants do not.
        var expectation: Expectation? = nil
    }

    static func check(_ world: Scenario, _ result: ScenarioResult) -> [Violation] {
        var violations = result.failures.map { Violation(invariant: $0.rule, detail: $0.description) }
        let zone = result.scenario.zone
        let network = world.network
        let balances = Dictionary(result.accounts.map { ($0.number, $0.balance) }, uniquingKeysWith: { first, _ in first })
        var swipes: [String: (merchant: MerchantContract, card: String, amount: Money)] = [:]
        for step in world.steps {
            switch step.action {
            case .swipe(let id, let terminal, let card, let amount, let keyed):
                guard let merchant = network.merchants.first(where: { $0.terminals.contains(terminal) }) else { continue }
                swipes[id] = (merchant, card, keyed ?? amount)
            case .repeatSwipe(let id, _, let original): swipes[id] = swipes[original]   // the same message: whichever carried it counts
            default: break
            }
        }
        var charged: [String: Money] = [:]
        var credited: [String: Money] = [:]
        // A message sent twice (a repeat) is one purchase: it charges the card once if either send stands.
        var standing: [EventReference: (card: String, amount: Money)] = [:]
        for outcome in result.transactions {
            guard let swipe = swipes[outcome.id] else { continue }
            if [.arrived, .pending, .returned, .held].contains(outcome.status), let message = outcome.events.first(where: { $0.kind == .swiped })?.reference {
                standing[message] = (swipe.card, swipe.amount)
            }
            credited[swipe.merchant.id, default: .zero] += outcome.credited
            guard outcome.status == .arrived else { continue }
            let net = swipe.amount - fee(swipe.amount, swipe.merchant)
            if outcome.credited != net {
                var expected = TransactionExpectation(id: outcome.id)
                expected.credited = net
                violations.append(Violation(invariant: "an arrival credits the amount less the fee",
                                            detail: "\(outcome.id): credited \(outcome.credited.formatted(exponent: 2)), expected \(net.formatted(exponent: 2))",
                                            expectation: .transaction(expected)))
            }
            violations += timing(outcome, world: world, merchant: swipe.merchant, zone: zone)
        }
        for (card, amount) in standing.values { charged[card, default: .zero] += amount }
        for card in network.cards {
            // A credit card's balance is what it owes: a purchase adds to it.
            let expected = card.type == .credit ? card.balance + charged[card.pan, default: .zero] : card.balance - charged[card.pan, default: .zero]
            if let actual = balances[card.pan], actual != expected {
                violations.append(Violation(invariant: "a card pays once for each purchase that stands, and nothing for the rest",
                                            detail: "card \(card.pan): balance \(actual.formatted(exponent: 2)), expected \(expected.formatted(exponent: 2))",
                                            expectation: .account(number: card.pan, balance: expected, line: 0)))
            }
        }
        for merchant in network.merchants {
            let total = credited[merchant.id, default: .zero]
            if let actual = balances[merchant.accountNumber], actual != total {
                violations.append(Violation(invariant: "a merchant holds what was credited to it",
                                            detail: "account \(merchant.accountNumber): balance \(actual.formatted(exponent: 2)), credited \(total.formatted(exponent: 2))",
                                            expectation: .account(number: merchant.accountNumber, balance: total, line: 0)))
            }
        }
        return violations + netSettlements(world, result)
    }

    /// The fee, computed here: the rate applied to the amount, rounded to the minor unit as the
    /// contract says (up unless it says half up or down), at most the cap.
    static func fee(_ amount: Money, _ merchant: MerchantContract) -> Money {
        let product = amount.minorUnits * merchant.feePartsPerMillion
        let whole = product / 1_000_000, rest = product % 1_000_000
        let rounded: Int64
        switch merchant.feeRounding {
        case .up: rounded = whole + (rest == 0 ? 0 : 1)
        case .halfUp: rounded = whole + (rest >= 500_000 ? 1 : 0)
        case .down: rounded = whole
        }
        var fee = Money(minorUnits: rounded)
        if let cap = merchant.feeCap, fee > cap { fee = cap }
        return fee
    }

    /// For a purchase nothing delayed (approved the moment it was swiped, no fault on the way
    /// to the merchant's account): the clearing date and the arrival time, exactly.
    static func timing(_ outcome: TransactionOutcome, world: Scenario, merchant: MerchantContract, zone: Zone) -> [Violation] {
        guard let swiped = outcome.events.first(where: { $0.kind == .swiped }),
              let approved = outcome.events.first(where: { $0.kind == .authorized && $0.node == swiped.node }),
              approved.at == swiped.at, !outcome.events.contains(where: { $0.kind == .stoodIn }),
              // A void reversed puts the purchase back into the batch still open, maybe the next day's.
              !outcome.events.contains(where: { $0.facts.operation == .voidReversal || $0.facts.operation == .void }) else { return [] }
        let acquirer = world.network.acquirer.name, bank = merchant.accountBank
        let aggregator = world.network.via[merchant.id]?.aggregator
        let onPayoutPath = world.faults.contains { fault in
            switch fault.kind {
            case .maintenance(let name): name == bank
            case .outage(let node): node == acquirer || node == bank
            case .freeze(let account, _): account == merchant.accountNumber
            case .hold(let id): id == merchant.id
            case .network(let client, let server, _, _): (client == acquirer && server == bank) || (aggregator != nil && [client, server].contains(aggregator))
            case .payoutShort, .aggregatorDefault: true
            case .clockSkew: false
            case .staleKeys, .badARQC, .badARPC, .chipUnreadable: false
            }
        }
        if onPayoutPath { return [] }
        guard let calendar = BusinessCalendar.builtIn(world.calendar.name) else { return [] }
        let cutoff = world.network.scheme.cutoff
        let terms = merchant.terms.description
        let t = zone.local(swiped.at)
        let clearing = t.time < cutoff ? t.date : t.date.adding(days: 1)
        var violations: [Violation] = []
        if outcome.settlementDate != clearing {
            violations.append(Violation(invariant: "the clearing date follows the cutoff",
                                        detail: "\(outcome.id) swiped \(t): cleared \(outcome.settlementDate?.description ?? "never"), expected \(clearing)",
                                        expectation: .transaction(expecting(outcome.id) { $0.settlementDate = clearing })))
        }
        guard let expected = arrival(swipedAt: t, clearing: clearing, terms: terms, payoutAt: merchant.payoutAt, cutoff: cutoff, calendar: calendar) else { return violations }
        // A payout time already past when the purchase is booked (a 00:30 payout, a 04:00 swipe) pays at once.
        var expectedInstant = max(expected.map { zone.instant($0) } ?? swiped.at, swiped.at)
        let amount = swiped.facts.amount ?? .zero
        if let via = world.network.via[merchant.id] {
            // The aggregator pays on its own terms, counted from the day it was paid. (A purchase the
            // fee took whole arrives with the payout that carries it: alone at the acquirer, else
            // through the aggregator; not told apart here.)
            if amount - fee(amount, merchant) == .zero { return violations }
            guard let onward = onward(paid: zone.local(expectedInstant), pays: via.pays.description, payoutAt: merchant.payoutAt, calendar: calendar) else { return violations }
            expectedInstant = zone.instant(onward)
        }
        let expectedLocal = zone.local(expectedInstant)
        if outcome.arrives != expectedInstant {
            violations.append(Violation(
                invariant: "money arrives when the calendar and the terms say",
                detail: "\(outcome.id) swiped \(t) on \(terms): arrived \(outcome.arrives.map { zone.local($0).description } ?? "never"), expected \(expectedLocal)",
                expectation: .transaction(expecting(outcome.id) { $0.arrives = .some(expectedInstant) })))
        }
        return violations
    }

    private static func expecting(_ id: String, _ set: (inout TransactionExpectation) -> Void) -> TransactionExpectation {
        var expected = TransactionExpectation(id: id)
        set(&expected)
        return expected
    }

    /// When an aggregator that was paid at `paid` pays the merchant under `pays` (T+n business
    /// days or D+n calendar days from that day; n = 0 at once); nil when the calendar ends first.
    static func onward(paid: LocalDateTime, pays: String, payoutAt: TimeOfDay, calendar: BusinessCalendar) -> LocalDateTime? {
        guard let n = Int(pays.dropFirst(2)) else { return nil }
        if n == 0 { return paid }
        var day = paid.date, counted = 0
        while counted < n {
            day = day.adding(days: 1)
            if pays.hasPrefix("D") { counted += 1; continue }
            guard let isOpen = open(day, calendar) else { return nil }
            if isOpen { counted += 1 }
        }
        return LocalDateTime(date: day, time: payoutAt)
    }

    /// When the money of a swipe arrives: nil inside means at once; nil outside means the
    /// calendar does not cover the days needed.
    /// Whether a day is open for business, read here from the calendar's data; nil when it does not cover the day.
    static func open(_ day: LocalDate, _ calendar: BusinessCalendar) -> Bool? {
        if let years = calendar.years, !years.contains(day.year) { return nil }
        if calendar.holidays[day] != nil { return false }
        return !calendar.weekendDays.contains(day.weekday) || calendar.workingDays[day] != nil
    }

    static func arrival(swipedAt t: LocalDateTime, clearing: LocalDate, terms: String, payoutAt: TimeOfDay, cutoff: TimeOfDay, calendar: BusinessCalendar) -> LocalDateTime?? {
        func open(_ day: LocalDate) -> Bool? { Oracle.open(day, calendar) }
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
