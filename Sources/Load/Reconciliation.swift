import PaymentNetwork
import ISO8583
public import Scenario
public import RunCore
import Synchronization

/// After a load run, with the clock run forward past the payouts: every approved purchase
/// debited once at the issuer, cleared once and paid out once to the right merchant for the
/// right amount; nothing paid for what the terminal does not hold as approved; every
/// merchant's account and every card at the balance that follows; the ledgers balanced.
public struct Reconciliation: Sendable {
    /// What is off, one sentence each (empty: reconciled).
    public var problems: [String]
    /// Approved purchases checked, and how many of them were paid out.
    public var approved: Int
    public var paidOut: Int

    public var reconciled: Bool { problems.isEmpty }

    /// What the terminals never heard back about: their money's fate is unknown to them.
    public static func abandoned(_ seen: LoadObservation) -> [String] {
        seen.abandoned == 0 ? [] : ["\(seen.abandoned) requests or reversals were still unanswered when the terminals stopped waiting (no answer for their timeout and 5 s more)"]
    }
}

/// One network's books in a load run, kept as it goes so that they do not grow with its
/// length: the approvals the terminals hold, each checked against its trail (what the issuer,
/// the scheme and the acquirer did of it) once it is paid out, then folded into running
/// totals (what each merchant's account and each card must hold at the end) and forgotten;
/// trails no approval claims, checked and forgotten at each night (a purchase the issuer
/// debited and the terminal reversed moves nothing; one that moved money is a problem).
/// What is not settled by the end is checked then, as it stands.
public final class LoadBooks: Sendable {
    let trails: ReconciliationTrails
    private let network: NetworkSpec
    private let exponent: Int
    private let merchantOf: [String: MerchantContract]
    private let issuerIsOurs: Bool
    private let schemeIsOurs: Bool

    struct Folded {
        /// Approvals not yet paid out (each on its trail, `Trail.approval`).
        var pending = 0
        /// With an acquirer under test: every approval, checked by terminal and amount at the end.
        var byAmount: [LoadPurchase] = []
        /// What each merchant's account must have been credited, and each card charged.
        var expectedCredit: [String: Money] = [:]
        var charged: [String: Money] = [:]
        var approved = 0, paidOut = 0, folded = 0
        var problems: [String] = []
    }

    private let state = Mutex(Folded())

    public init(network: NetworkSpec, exponent: Int) {
        self.network = network
        self.exponent = exponent
        trails = ReconciliationTrails(network: network)
        merchantOf = Dictionary(network.merchants.flatMap { merchant in merchant.terminals.map { ($0, merchant) } }, uniquingKeysWith: { first, _ in first })
        issuerIsOurs = !network.banks.filter { !$0.bins.isEmpty }.contains { network.external[$0.name] != nil }
        schemeIsOurs = network.external[network.scheme.name] == nil
    }

    /// Approvals the terminals now hold (taken from the generator at a night, and at the end).
    public func take(_ approvals: [LoadPurchase]) {
        state.withLock { books in
            books.approved += approvals.count
            if trails.byAmount {
                books.byAmount += approvals
                return
            }
            trails.mutate { trails in
                for purchase in approvals {
                    let reference = TransactionReference(terminal: purchase.terminal, stan: purchase.stan, transmission: purchase.transmission)
                    if trails[reference]?.approval == nil { books.pending += 1 }
                    trails[reference, default: .init()].approval = .init(amount: purchase.amount, pan: purchase.pan)
                }
            }
        }
    }

    /// Approvals still waiting for their payout, and trails kept: what the books hold now.
    public var held: (approvals: Int, trails: Int) {
        (state.withLock { $0.pending + $0.byAmount.count }, trails.count)
    }

    /// How many approvals were checked and folded into the totals so far.
    public var folded: Int { state.withLock { $0.folded } }

    /// At a night, with nothing in flight: every approval whose payout came is checked and
    /// folded, and every trail no approval claims is checked and dropped.
    public func fold() {
        guard !trails.byAmount else { return }
        state.withLock { books in
            trails.mutate { trails in
                // A trail whose approval was paid (and cleared) is settled; one no approval
                // claims is checked; both are dropped. What waits for its payout stays.
                _ = trails.removeAll { reference, trail in
                    guard let approval = trail.approval else {
                        books.problems += unclaimed(reference, trail)
                        return true
                    }
                    guard trail.paidOut > 0, !schemeIsOurs || trail.cleared > 0 else { return false }
                    settle(Self.purchase(reference, approval), trail: trail, into: &books)
                    books.pending -= 1
                    books.folded += 1
                    return true
                }
            }
        }
    }

    /// The books closed after the run (the clock past the payouts): what is still pending is
    /// checked as it stands, then the balances against the totals.
    public func close(_ result: ScenarioResult) -> Reconciliation {
        if trails.byAmount { return byTerminalAndAmount(result) }
        return state.withLock { books in
            trails.mutate { trails in
                for (reference, trail) in trails {
                    if let approval = trail.approval {
                        settle(Self.purchase(reference, approval), trail: trail, into: &books)
                    } else {
                        books.problems += unclaimed(reference, trail)
                    }
                }
            }
            var problems = books.problems
            problems += balances(result, expectedCredit: books.expectedCredit, charged: books.charged)
            problems += result.failures.map(\.description)
            return Reconciliation(problems: problems, approved: books.approved, paidOut: books.paidOut)
        }
    }

    /// The approved purchase a trail's approval and reference make.
    private static func purchase(_ reference: TransactionReference, _ approval: ReconciliationTrails.Approval) -> LoadPurchase {
        LoadPurchase(terminal: reference.terminal, stan: reference.stan, transmission: reference.transmission, amount: approval.amount, pan: approval.pan)
    }

    /// One approved purchase against its trail: debited once, cleared once, paid once for the amount less the fee.
    private func settle(_ purchase: LoadPurchase, trail: ReconciliationTrails.Trail, into books: inout Folded) {
        // Named only when something is off: a night settles tens of thousands that are not.
        var name: String { "\(purchase.terminal) STAN \(purchase.stan) (\(purchase.amount.formatted(exponent: exponent)))" }
        if issuerIsOurs && trail.authorized - trail.reversed != 1 {
            books.problems.append("\(name): approved at the terminal, debited \(trail.authorized - trail.reversed) times at the issuer")
        }
        if schemeIsOurs && trail.cleared != 1 { books.problems.append("\(name): approved at the terminal, cleared \(trail.cleared) times") }
        books.charged[purchase.pan, default: .zero] += purchase.amount
        guard let merchant = merchantOf[purchase.terminal] else {
            books.problems.append("\(name): no merchant has this terminal")
            return
        }
        let net = purchase.amount - merchant.fee(on: purchase.amount)
        if trail.paidOut != 1 {
            books.problems.append("\(name): approved at the terminal, paid out \(trail.paidOut) times")
        } else if trail.paid != net {
            books.problems.append("\(name): paid out \(trail.paid.formatted(exponent: exponent)), not \(net.formatted(exponent: exponent)) (the amount less the fee)")
        }
        if trail.paidOut > 0 { books.paidOut += 1 }
        books.expectedCredit[merchant.accountNumber, default: .zero] += net
    }

    /// What the terminal does not hold as approved (or holds no more: its approval was
    /// settled at an earlier night) moves no money.
    private func unclaimed(_ reference: TransactionReference, _ trail: ReconciliationTrails.Trail) -> [String] {
        let key = "\(reference.terminal)/\(reference.stan)/\(reference.transmission)"
        var problems: [String] = []
        if trail.paidOut > 0 { problems.append("\(key): paid out \(trail.paid.formatted(exponent: exponent)), but the terminal holds no approval for it (or it was paid before)") }
        if issuerIsOurs && trail.authorized - trail.reversed > 0 {
            problems.append("\(key): the card stays debited, but the terminal holds no approval for it (or it was debited before)")
        }
        if schemeIsOurs && trail.cleared > 0 && trail.paidOut == 0 {
            problems.append("\(key): cleared \(trail.cleared) times, but the terminal holds no approval for it (or it was cleared before)")
        }
        return problems
    }

    /// Every merchant's account and every card at the balance its approved purchases make.
    private func balances(_ result: ScenarioResult, expectedCredit: [String: Money], charged: [String: Money]) -> [String] {
        var problems: [String] = []
        let balances = Dictionary(result.accounts, uniquingKeysWith: { first, _ in first })
        for merchant in network.merchants where network.external[merchant.accountBank] == nil {
            let expected = expectedCredit[merchant.accountNumber] ?? .zero
            let opening = network.accounts.first { $0.number == merchant.accountNumber }?.balance ?? .zero
            if let balance = balances[merchant.accountNumber], balance != opening + expected {
                problems.append("merchant \(merchant.id): account \(merchant.accountNumber) holds \(balance.formatted(exponent: exponent)), expected \((opening + expected).formatted(exponent: exponent))")
            }
        }
        guard issuerIsOurs else { return problems }
        for card in network.cards {
            // A credit card's balance is what it owes: a purchase adds to it.
            let expected = card.type == .credit ? card.balance + (charged[card.pan] ?? .zero) : card.balance - (charged[card.pan] ?? .zero)
            if let balance = balances[card.pan], balance != expected {
                problems.append("card \(PAN.mask(card.pan)): holds \(balance.formatted(exponent: exponent)), expected \(expected.formatted(exponent: exponent)) after its approved purchases")
            }
        }
        return problems
    }

    /// With an acquirer under test, which may give each hop its own STAN and DE7, purchases
    /// are told apart by terminal and amount: per terminal, what its terminal holds as
    /// approved must be what the issuer debited and kept, and what the scheme cleared, amount
    /// for amount. The acquirer's payouts are its own books.
    private func byTerminalAndAmount(_ result: ScenarioResult) -> Reconciliation {
        let (approvals, count) = state.withLock { ($0.byAmount, $0.approved) }
        var approved: [String: [Int64: Int]] = [:]
        for purchase in approvals { approved[purchase.terminal, default: [:]][purchase.amount.minorUnits, default: 0] += 1 }
        let (cleared, debited) = trails.read { ($0.cleared, $0.debited) }
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
        return Reconciliation(problems: problems, approved: count, paidOut: 0)
    }
}
