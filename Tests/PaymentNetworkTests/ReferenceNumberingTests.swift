import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

/// Every hop numbers what it forwards from its own STAN counter, so the acquirer's reference
/// of one purchase can be a terminal's own reference of another (same DE41, STAN and DE7).
/// Under load this happens within seconds of the acquirer's counter passing the terminals'
/// (`paylab load` for 45 s: 634 purchases cleared twice or not at all). The run's view of the
/// network must keep each hop's references apart, whatever their values.
@Suite("References numbered by different hops")
struct ReferenceNumberingTests {
    static let terminals = (1...10).map { "T" + String(String($0 + 10_000_000).suffix(7)) }
    static let card = "6222020000000001"

    /// Leshua with ten terminals of one merchant (played by the test, as the load generator
    /// plays them), UnionPay, ICBC with a card that can pay for everything, and CMB.
    static func network() -> InMemoryNetwork {
        var merchant = Fixture.merchant()
        merchant.terminals = terminals
        let scheme = SchemeStateMachine(configuration: .init(
            name: "UnionPay", cutoff: TimeOfDay(hour: 23, minute: 0)!, timeout: .seconds(30), standInLimit: nil,
            routes: [(bin: "622202", bank: "ICBC")], zone: Fixture.zone, currency: Fixture.cny), seed: 1)
        let merchantBank = BankStateMachine(configuration: .init(
            name: "CMB", cards: [], accounts: [(number: "6214830000000001", balance: .zero, status: .active)], zone: Fixture.zone, currency: Fixture.cny), seed: 1)
        return InMemoryNetwork([Fixture.acquirer(merchant), scheme, Fixture.bank(balance: 10_000_000_000), merchantBank], start: Fixture.friday)
    }

    /// A terminal's 0200 for 100.00 under its own STAN, at `now`.
    static func purchase(terminal: String, stan: Int, at now: Instant) -> ISOMessage {
        var message = Fixture.purchase(amount: 10_000, at: now)
        message.stamp(now: now, stan: TraceNumbers.text(stan), local: Fixture.zone.local(now))
        message[DE.terminalID] = terminal
        return message
    }

    @Test("3,000 purchases in one second, 300 of them under the very references the acquirer gave others: each debited, cleared and paid out once")
    func hopReferencesEqualToTerminalReferences() throws {
        var network = Self.network()
        let now = Fixture.friday
        // The acquirer's next STAN, read off what it forwards.
        network.inject(Self.purchase(terminal: Self.terminals[0], stan: 1, at: now), from: Self.terminals[0], to: "Leshua")
        let first = try #require(network.delivered.last { $0.from == "Leshua" && $0.message.isPurchase }?.message[DE.stan]).flatMap { Int($0) }
        let next = try #require(first) % 999_999 + 1
        // Round robin, each terminal numbering from the acquirer's next STAN: the acquirer's
        // n-th hop and its terminal's n-th purchase share terminal, STAN and DE7.
        var sent = [Self.purchase(terminal: Self.terminals[0], stan: 1, at: now).transactionReference]
        for round in 0..<300 {
            for terminal in Self.terminals {
                let request = Self.purchase(terminal: terminal, stan: (next - 1 + round) % 999_999 + 1, at: now)
                sent.append(request.transactionReference)
                network.inject(request, from: terminal, to: "Leshua")
            }
        }
        let hops = Set(network.delivered.filter { $0.from == "Leshua" && $0.message.isPurchase }.map(\.message.transactionReference))
        #expect(hops.intersection(sent).count >= 300, "the premise: hop references equal to other purchases' terminal references")

        network.run(until: Fixture.at("2026-05-12 12:00"))   // cleared Friday night, paid out Monday 09:00
        var authorized: [TransactionReference: Int] = [:], cleared: [TransactionReference: Int] = [:], paid: [TransactionReference: Int] = [:]
        for event in network.timeline {
            guard case .transaction(let reference) = event.reference else { continue }
            switch (event.node, event.kind) {
            case ("ICBC", .authorized): authorized[reference, default: 0] += 1
            case ("UnionPay", .cleared): cleared[reference, default: 0] += 1
            case ("Leshua", .paidOut): paid[reference, default: 0] += 1
            default: break
            }
        }
        let wrong = sent.filter { authorized[$0] != 1 || cleared[$0] != 1 || paid[$0] != 1 }
        #expect(wrong.isEmpty, "\(wrong.count) of \(sent.count) purchases not debited, cleared and paid exactly once, first \(wrong.prefix(3))")
        #expect(Set(authorized.keys) == Set(sent) && Set(paid.keys) == Set(sent))
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 10_000_000_000 - 10_000 * Int64(sent.count)))
        #expect(network.moneyConserved)
    }

    @Test("an event keeps the hop apart that numbered its reference: the same values resolve by who reports them")
    func aliasesKeepHopsApart() {
        let aliases = ReferenceAliases(numbering: ["UnionPay": "Leshua", "ICBC": "UnionPay"])
        let terminalsOwn = TransactionReference(terminal: "T0000001", stan: "000002", transmission: "0508073000")
        let acquirers = TransactionReference(terminal: "T0000001", stan: "000777", transmission: "0508073000")
        let schemes = TransactionReference(terminal: "T0000001", stan: "000002", transmission: "0508073000")   // equal to the terminal's own
        let other = TransactionReference(terminal: "T0000001", stan: "000777", transmission: "0508073000")      // another purchase, the terminal's own STAN 777
        // Each forwarding node's own hop map: the acquirer's and the scheme's.
        var leshua = HopMap(), unionPay = HopMap()
        leshua.record(acquirers, of: terminalsOwn)
        unionPay.record(schemes, of: acquirers)
        let maps = ["Leshua": leshua, "UnionPay": unionPay]
        let hops: (String) -> HopMap? = { maps[$0] }
        #expect(aliases.resolve(schemes, reportedBy: "ICBC", hops: hops) == terminalsOwn)
        #expect(aliases.resolve(acquirers, reportedBy: "UnionPay", hops: hops) == terminalsOwn)
        #expect(aliases.resolve(other, reportedBy: "Leshua", hops: hops) == other)
        #expect(aliases.resolve(terminalsOwn, reportedBy: "T0000001", hops: hops) == terminalsOwn)
        #expect(aliases.deepest(of: terminalsOwn, forwarders: ["Leshua", "UnionPay"], hops: hops) == schemes)
        // An issuer's own chargeback, said to be numbered by it, starts a transaction of its own.
        #expect(aliases.resolve(schemes.numbered(by: "ICBC"), reportedBy: "ICBC", hops: hops) == schemes)
    }

    @Test("a counter kept to a share of the STANs (a load part's) starts inside it and wraps within it; the whole range numbers as it always did")
    func counterWithinShare() {
        var generator = SeededGenerator(seed: 7, stream: "x")
        var counter = TraceNumbers(&generator, within: 250_000...250_002)
        let taken = (0..<7).map { _ in Int(counter.take())! }
        #expect(taken.allSatisfy { (250_000...250_002).contains($0) })
        #expect(Set(taken).count == 3 && taken[3] == taken[0] && taken[6] == taken[0])
        var wholeGenerator = SeededGenerator(seed: 7, stream: "x"), sameGenerator = SeededGenerator(seed: 7, stream: "x")
        var whole = TraceNumbers(&wholeGenerator)
        #expect(Int(whole.take())! == Int(sameGenerator.next(upperBound: UInt64(900_000))) + 1)
    }
}
