import Foundation
import PaymentNetwork
import Scenario
import SettlementCalendar
import RunCore

/// The scheme's net settlement, recomputed apart from the nodes: every item the scheme cleared
/// (a purchase or completion, a refund, a chargeback, a purchase settled back after clearing)
/// is priced again under the 2016 price list as published, with `Decimal` arithmetic, and each
/// member's net position of each clearing day is summed from them.
extension Oracle {
    static func netSettlements(_ world: Scenario, _ result: ScenarioResult) -> [Violation] {
        let network = world.network, scheme = network.scheme.name
        guard network.external.isEmpty else { return [] }
        let cards = cardOfTransaction(world)
        var ids: [EventReference: String] = [:]
        for event in result.timeline where event.kind == .swiped || event.kind == .disputed {
            if ids[event.reference] == nil, let id = event.facts.transactionID { ids[event.reference] = id }
        }
        var positions: [String: [LocalDate: Decimal]] = [:]
        var violations: [Violation] = []
        for event in result.timeline where event.node == scheme {
            let settledBack = event.kind == .settled && event.facts.operation == .reversal
            guard event.kind == .cleared || settledBack, case .transaction = event.reference,
                  let date = event.facts.clearingDate, let amount = event.facts.amount.map(decimal),
                  let id = ids[event.reference], let (pan, merchant, charged) = cards[id],
                  let issuer = network.banks.first(where: { bank in bank.bins.contains { pan.hasPrefix($0) } })?.name else { continue }
            var issuerFee = Decimal(0), networkFee = Decimal(0)
            if charged && (event.kind == .cleared ? event.facts.operation == .purchase : true) {
                let card = network.cards.first { $0.pan == pan }
                (issuerFee, networkFee) = fees(on: abs(amount), credit: card?.type == .credit, merchant: merchant, network: network)
                if amount < 0 { (issuerFee, networkFee) = (-issuerFee, -networkFee) }
                // The transaction whose timeline holds the clearing (a repeat that carried a lost original holds it).
                if event.kind == .cleared, network.scheme.fees == .cn2016, let outcome = result.transactions.first(where: { $0.events.contains(event) }),
                   outcome.issuerFee.map(decimal) != issuerFee || outcome.networkFee.map(decimal) != networkFee {
                    violations.append(Violation(invariant: "the scheme's fees follow its price list",
                                                detail: "\(outcome.id): issuer's fee \(outcome.issuerFee?.formatted(exponent: 2) ?? "none"), network fee \(outcome.networkFee?.formatted(exponent: 2) ?? "none"); expected \(issuerFee), \(networkFee)"))
                }
            }
            positions[issuer, default: [:]][date, default: 0] -= amount - issuerFee + networkFee
            positions[network.acquirer.name, default: [:]][date, default: 0] += amount - issuerFee - networkFee
            if networkFee != 0 { positions[scheme, default: [:]][date, default: 0] += 2 * networkFee }
        }
        let actual = result.netSettlements
        for member in Set(positions.keys).union(actual.map(\.member)).sorted() {
            let mine = actual.filter { $0.member == member }
            let dates = Set(positions[member, default: [:]].keys).union(mine.map(\.date)).sorted()
            let expected = dates.map { date in (date, positions[member]?[date] ?? 0) }.filter { entry in entry.1 != 0 || mine.contains { $0.date == entry.0 } }
            let got = mine.map { ($0.date, decimal($0.amount)) }
            guard !expected.elementsEqual(got, by: { $0.0 == $1.0 && $0.1 == $1.1 }) else { continue }
            violations.append(Violation(
                invariant: "a member's net settlement is its day's items, fees included",
                detail: "\(member): settled \(got.map { "\($0.0) \($0.1)" }.joined(separator: ", ")); its items make \(expected.map { "\($0.0) \($0.1)" }.joined(separator: ", "))",
                expectation: .netSettlements(member: member, settlements: expected.compactMap { entry in
                    Money(decimal: "\(entry.1)", exponent: 2).map { NetPayout(date: entry.0, amount: $0) }
                }, line: 0)))
        }
        return violations
    }

    /// The 2016 price list: the issuer's fee 0.35% of a debit purchase (at most 13.00) or 0.45%
    /// of a credit one, or the scheme's rate for the MCC it charges; the network fee 0.0325%, at
    /// most 3.25. Each rounded half up to the fen.
    static func fees(on amount: Decimal, credit: Bool, merchant: MerchantContract?, network: NetworkSpec) -> (issuer: Decimal, network: Decimal) {
        guard network.scheme.fees == .cn2016 else { return (0, 0) }
        var rate = Decimal(string: credit ? "0.0045" : "0.0035")!
        if let merchant {
            let wire = network.acquirer.mccOverride[merchant.id] ?? merchant.mcc
            let charged = network.scheme.mccCheck ? merchant.mcc : wire
            if let ppm = network.scheme.interchange[charged] { rate = Decimal(ppm) / 1_000_000 }
        }
        var issuer = rounded(amount * rate)
        if !credit { issuer = min(issuer, 13) }
        let networkFee = min(rounded(amount * Decimal(string: "0.000325")!), Decimal(string: "3.25")!)
        return (issuer, networkFee)
    }

    private static func rounded(_ value: Decimal) -> Decimal {
        var input = value, output = Decimal()
        NSDecimalRound(&output, &input, 2, .plain)
        return output
    }

    private static func decimal(_ money: Money) -> Decimal { Decimal(money.minorUnits) / 100 }

    /// Each transaction's card, merchant, and whether its clearing is charged fees (a refund's
    /// or a chargeback's is not): a refund, completion or chargeback is on its original's card.
    private static func cardOfTransaction(_ world: Scenario) -> [String: (pan: String, merchant: MerchantContract?, charged: Bool)] {
        let merchants = world.network.merchants
        func merchant(_ terminal: String) -> MerchantContract? { merchants.first { $0.terminals.contains(terminal) } }
        var cards: [String: (pan: String, merchant: MerchantContract?, charged: Bool)] = [:]
        for step in world.steps {
            switch step.action {
            case .swipe(let id, let terminal, let card, _, _), .preauthorize(let id, let terminal, let card, _):
                cards[id] = (card, merchant(terminal), true)
            case .repeatSwipe(let id, _, let original): cards[id] = cards[original]
            case .complete(let id, let terminal, let original, _): cards[id] = cards[original].map { ($0.pan, merchant(terminal), true) }
            case .refund(let id, _, let original, _), .dispute(let id, let original, _): cards[id] = cards[original].map { ($0.pan, $0.merchant, false) }
            default: break
            }
        }
        return cards
    }
}
