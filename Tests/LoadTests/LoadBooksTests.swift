import PaymentNetwork
@testable import RunCore
import Scenario
import SettlementCalendar
import Testing
@testable import Load

/// A load run's books, night by night, from the events alone (no sockets): what is settled is
/// checked and forgotten, and every way money goes wrong is still caught, whichever night it
/// shows (a double debit, a missing clearing, a lost payout, a purchase cleared again after
/// its approval was settled).
@Suite("A load run's books across nights")
struct LoadBooksTests {
    static let options = LoadRun.Options(pace: .rate(10), duration: .seconds(1), terminals: 10, cards: 3)
    static let scenario = LoadRun.defaultScenario(options: options)
    static let merchant = scenario.network.merchants[0]

    /// The books of the default load network, and a purchase of 100.00 at terminal L0000001 with STAN `stan`.
    static func purchase(_ stan: Int) -> LoadPurchase {
        LoadPurchase(terminal: "L0000001", stan: TraceNumbers.text(stan), transmission: "0511100000", amount: Money(minorUnits: 10_000), pan: scenario.network.cards[0].pan)
    }

    static func reference(_ purchase: LoadPurchase) -> TransactionReference {
        TransactionReference(terminal: purchase.terminal, stan: purchase.stan, transmission: purchase.transmission)
    }

    /// What a node did of a purchase, as its event (the issuer's debit, the scheme's clearing, the acquirer's payout of `paid`).
    static func event(_ kind: EventKind, _ purchase: LoadPurchase, paid: Money? = nil) -> TimelineEvent {
        let node = switch kind {
        case .authorized, .reversed: "Issuer"
        case .cleared: scenario.network.scheme.name
        default: scenario.network.acquirer.name
        }
        return TimelineEvent(at: scenario.start, node: node, kind: kind, reference: .transaction(reference(purchase)), detail: "",
                             facts: .init(amount: paid ?? purchase.amount))
    }

    static var net: Money { Money(minorUnits: 10_000) - merchant.fee(on: Money(minorUnits: 10_000)) }

    static func settled(_ purchase: LoadPurchase, into books: LoadBooks) {
        books.trails.add(event(.authorized, purchase))
        books.trails.add(event(.cleared, purchase))
        books.trails.add(event(.paidOut, purchase, paid: net))
    }

    static func close(_ books: LoadBooks) -> Reconciliation {
        books.close(ScenarioResult(scenario: scenario, failures: [], transactions: [], accounts: [], timeline: [], problems: [], faultLog: [], wallTime: .zero, reasons: [:]))
    }

    @Test("a purchase debited, cleared and paid is checked at the night and forgotten; one not yet paid waits for a later night; a reversed one with no approval is dropped")
    func settledAreFolded() {
        let books = LoadBooks(network: Self.scenario.network, exponent: 2)
        let paid = Self.purchase(1), waiting = Self.purchase(2), reversed = Self.purchase(3)
        Self.settled(paid, into: books)
        books.trails.add(Self.event(.authorized, waiting))
        books.trails.add(Self.event(.cleared, waiting))
        books.trails.add(Self.event(.authorized, reversed))
        books.trails.add(Self.event(.reversed, reversed))
        books.take([paid, waiting])
        books.fold()
        #expect(books.held.approvals == 1 && books.held.trails == 1 && books.folded == 1)
        // Monday: its payout comes.
        books.trails.add(Self.event(.paidOut, waiting, paid: Self.net))
        books.fold()
        #expect(books.held.approvals == 0 && books.held.trails == 0 && books.folded == 2)
        let closed = Self.close(books)
        #expect(closed.reconciled, "\(closed.problems)")
        #expect(closed.approved == 2 && closed.paidOut == 2)
    }

    @Test("a double debit is named at the night its purchase settles")
    func doubleDebit() {
        let books = LoadBooks(network: Self.scenario.network, exponent: 2)
        let purchase = Self.purchase(1)
        Self.settled(purchase, into: books)
        books.trails.add(Self.event(.authorized, purchase))
        books.take([purchase])
        books.fold()
        let closed = Self.close(books)
        #expect(closed.problems == ["L0000001 STAN 000001 (100.00): approved at the terminal, debited 2 times at the issuer"])
    }

    @Test("a purchase never cleared, and one never paid out, are held and named at the end")
    func missingClearingAndLostPayout() {
        let books = LoadBooks(network: Self.scenario.network, exponent: 2)
        let unclear = Self.purchase(1), unpaid = Self.purchase(2)
        books.trails.add(Self.event(.authorized, unclear))
        books.trails.add(Self.event(.paidOut, unclear, paid: Self.net))
        books.trails.add(Self.event(.authorized, unpaid))
        books.trails.add(Self.event(.cleared, unpaid))
        books.take([unclear, unpaid])
        for _ in 1...3 { books.fold() }
        #expect(books.held.approvals == 2)
        let closed = Self.close(books)
        #expect(closed.problems.sorted() == [
            "L0000001 STAN 000001 (100.00): approved at the terminal, cleared 0 times",
            "L0000001 STAN 000002 (100.00): approved at the terminal, paid out 0 times",
        ])
    }

    @Test("a purchase cleared and paid again after its approval was settled is named at the next night, though the books forgot it")
    func clearedAgainAfterFolding() {
        let books = LoadBooks(network: Self.scenario.network, exponent: 2)
        let purchase = Self.purchase(1)
        Self.settled(purchase, into: books)
        books.take([purchase])
        books.fold()
        #expect(books.held.trails == 0)
        books.trails.add(Self.event(.cleared, purchase))
        books.fold()
        books.trails.add(Self.event(.paidOut, purchase, paid: Self.net))
        books.fold()
        let closed = Self.close(books)
        #expect(closed.problems == [
            "L0000001/000001/0511100000: cleared 1 times, but the terminal holds no approval for it (or it was cleared before)",
            "L0000001/000001/0511100000: paid out 99.40, but the terminal holds no approval for it (or it was paid before)",
        ], "\(closed.problems)")
    }
}
