public import PaymentNetwork
import ISO8583
public import Scenario
public import RunCore

/// After a load run, with the clock run forward past the payouts: every approved purchase
/// debited once at the issuer, cleared once and paid out once to the right merchant for the
/// right amount; nothing paid for what the terminal does not hold as approved; every
/// merchant's account and every card at the balance that follows; the ledgers balanced.
/// One pass over the timeline: linear at any volume.
public struct Reconciliation: Sendable {
    /// What is off, one sentence each (empty: reconciled).
    public var problems: [String]
    /// Approved purchases checked, and how many of them were paid out.
    public var approved: Int
    public var paidOut: Int

    public var reconciled: Bool { problems.isEmpty }

    /// `folded`: the run's events as they happened (a load run keeps no timeline).
    public static func check(_ result: ScenarioResult, folded: ReconciliationTrails, seen: LoadObservation) -> Reconciliation {
        let scenario = result.scenario
        let network = scenario.network
        let exponent = scenario.currency.exponent
        let issuers = Set(network.banks.filter { !$0.bins.isEmpty }.map(\.name))
        let issuerIsOurs = !issuers.contains { network.external[$0] != nil }
        // A system under test in the acquirer's or the scheme's place keeps its own books:
        // what it pays out, or what it clears, is not on PayLab's timeline.
        let acquirerIsOurs = network.external[network.acquirer.name] == nil
        let schemeIsOurs = network.external[network.scheme.name] == nil
        if !acquirerIsOurs {
            return byTerminalAndAmount(result, folded: folded, seen: seen, issuerIsOurs: issuerIsOurs, schemeIsOurs: schemeIsOurs)
        }
        return folded.read { state in
            check(result, trails: state.trails, seen: seen, issuerIsOurs: issuerIsOurs, schemeIsOurs: schemeIsOurs)
        }
    }

    /// Each approved purchase against its trail, each trail against the approvals, the balances against both.
    static func check(_ result: ScenarioResult, trails: ShardedDictionary<TransactionReference, ReconciliationTrails.Trail>, seen: LoadObservation,
                      issuerIsOurs: Bool, schemeIsOurs: Bool) -> Reconciliation {
        let network = result.scenario.network
        let exponent = result.scenario.currency.exponent
        let merchantOf = Dictionary(network.merchants.flatMap { merchant in merchant.terminals.map { ($0, merchant) } }, uniquingKeysWith: { first, _ in first })
        var problems: [String] = []
        var expectedCredit: [String: Money] = [:]
        var charged: [String: Money] = [:]
        var paidOut = 0
        var accounted: Set<TransactionReference> = []
        accounted.reserveCapacity(seen.approved.count)
        for purchase in seen.approved {
            let key = TransactionReference(terminal: purchase.terminal, stan: purchase.stan, transmission: purchase.transmission)
            accounted.insert(key)
            let trail = trails[key] ?? ReconciliationTrails.Trail()
            let name = "\(purchase.terminal) STAN \(purchase.stan) (\(purchase.amount.formatted(exponent: exponent)))"
            if issuerIsOurs && trail.authorized - trail.reversed != 1 {
                problems.append("\(name): approved at the terminal, debited \(trail.authorized - trail.reversed) times at the issuer")
            }
            if schemeIsOurs && trail.cleared != 1 { problems.append("\(name): approved at the terminal, cleared \(trail.cleared) times") }
            charged[purchase.pan, default: .zero] += purchase.amount
            guard let merchant = merchantOf[purchase.terminal] else {
                problems.append("\(name): no merchant has this terminal")
                continue
            }
            let net = purchase.amount - merchant.fee(on: purchase.amount)
            if trail.paidOut != 1 {
                problems.append("\(name): approved at the terminal, paid out \(trail.paidOut) times")
            } else if trail.paid != net {
                problems.append("\(name): paid out \(trail.paid.formatted(exponent: exponent)), not \(net.formatted(exponent: exponent)) (the amount less the fee)")
            }
            if trail.paidOut > 0 { paidOut += 1 }
            expectedCredit[merchant.accountNumber, default: .zero] += net
        }
        // What the terminal does not hold as approved moves no money.
        for (key, trail) in trails where !accounted.contains(key) {
            let key = "\(key.terminal)/\(key.stan)/\(key.transmission)"
            if trail.paidOut > 0 { problems.append("\(key): paid out \(trail.paid.formatted(exponent: exponent)), but the terminal holds no approval for it") }
            if issuerIsOurs && trail.authorized - trail.reversed > 0 {
                problems.append("\(key): the card stays debited, but the terminal holds no approval for it")
            }
        }
        let balances = Dictionary(result.accounts, uniquingKeysWith: { first, _ in first })
        for merchant in network.merchants where network.external[merchant.accountBank] == nil {
            let expected = expectedCredit[merchant.accountNumber] ?? .zero
            let opening = network.accounts.first { $0.number == merchant.accountNumber }?.balance ?? .zero
            if let balance = balances[merchant.accountNumber], balance != opening + expected {
                problems.append("merchant \(merchant.id): account \(merchant.accountNumber) holds \(balance.formatted(exponent: exponent)), expected \((opening + expected).formatted(exponent: exponent))")
            }
        }
        if issuerIsOurs {
            for card in network.cards {
                // A credit card's balance is what it owes: a purchase adds to it.
                let expected = card.type == .credit ? card.balance + (charged[card.pan] ?? .zero) : card.balance - (charged[card.pan] ?? .zero)
                if let balance = balances[card.pan], balance != expected {
                    problems.append("card \(PAN.mask(card.pan)): holds \(balance.formatted(exponent: exponent)), expected \(expected.formatted(exponent: exponent)) after its approved purchases")
                }
            }
        }
        problems += result.failures.map(\.description)
        return Reconciliation(problems: problems, approved: seen.approved.count, paidOut: paidOut)
    }

    /// What the terminals never heard back about: their money's fate is unknown to them.
    public static func abandoned(_ seen: LoadObservation) -> [String] {
        seen.abandoned == 0 ? [] : ["\(seen.abandoned) requests or reversals were still unanswered when the terminals stopped waiting (no answer for their timeout and 5 s more)"]
    }

    /// With an acquirer under test, which may give each hop its own STAN and DE7, purchases
    /// are told apart by terminal and amount: per terminal, what its terminal holds as
    /// approved must be what the issuer debited and kept, and what the scheme cleared, amount
    /// for amount. The acquirer's payouts are its own books.
    static func byTerminalAndAmount(_ result: ScenarioResult, folded: ReconciliationTrails, seen: LoadObservation, issuerIsOurs: Bool, schemeIsOurs: Bool) -> Reconciliation {
        let exponent = result.scenario.currency.exponent
        var approved: [String: [Int64: Int]] = [:]
        for purchase in seen.approved { approved[purchase.terminal, default: [:]][purchase.amount.minorUnits, default: 0] += 1 }
        let (cleared, debited) = folded.read { ($0.cleared, $0.debited) }
        var problems: [String] = []
        func compare(_ theirs: [String: [Int64: Int]], _ what: String) {
            for terminal in Set(approved.keys).union(theirs.keys).sorted() {
                let mine = (approved[terminal] ?? [:]).filter { $0.value != 0 }, other = (theirs[terminal] ?? [:]).filter { $0.value != 0 }
                guard mine != other else { continue }
                for amount in Set(mine.keys).union(other.keys).sorted() where mine[amount, default: 0] != other[amount, default: 0] {
                    problems.append("terminal \(terminal): \(mine[amount, default: 0]) approved for \(Money(minorUnits: amount).formatted(exponent: exponent)), \(other[amount, default: 0]) \(what)")
                }
            }
        }
        if schemeIsOurs { compare(cleared, "cleared by the scheme") }
        if issuerIsOurs { compare(debited, "debited at the issuer") }
        problems += result.failures.map(\.description)
        return Reconciliation(problems: problems, approved: seen.approved.count, paidOut: 0)
    }
}
