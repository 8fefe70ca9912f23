import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

/// What a load run's nodes forget each night (`retireFinal`): only what is final at that node,
/// and the money moves on as if they had kept it. (A load run calls it only once the network
/// is quiet and every timer due by the next opening has fired: a node cannot know that
/// another still waits on something of a transaction it finished.)
@Suite("Retiring what is final")
struct RetirementTests {
    /// Friday's purchases from ten terminals (played by the test), one reversed by its terminal.
    static func fridayNetwork() -> (InMemoryNetwork, sent: [TransactionReference], reversed: TransactionReference) {
        var network = ReferenceNumberingTests.network()
        let now = Fixture.friday
        var sent: [TransactionReference] = []
        for round in 1...5 {
            for terminal in ReferenceNumberingTests.terminals {
                let request = ReferenceNumberingTests.purchase(terminal: terminal, stan: round, at: now)
                sent.append(request.transactionReference)
                network.inject(request, from: terminal, to: "Leshua")
            }
        }
        // The terminal gave up on its last purchase and reversed it (0400, DE90 naming it).
        let last = ReferenceNumberingTests.purchase(terminal: ReferenceNumberingTests.terminals[0], stan: 6, at: now)
        network.inject(last, from: last[DE.terminalID]!, to: "Leshua")
        network.inject(last.reversal(mti: .reversalRequest, now: now, stan: "000007", reason: .issuerTimeout), from: last[DE.terminalID]!, to: "Leshua")
        return (network, sent, last.transactionReference)
    }

    static func journals(_ network: InMemoryNetwork) -> [String: Int] {
        network.nodes.mapValues(\.journalCount).filter { $0.value > 0 }
    }

    @Test("after Friday's cutoff the scheme and the issuer forget what they cleared and debited; the acquirer keeps each purchase until Monday's payout, then forgets it too")
    func finalAtEachNode() throws {
        var (network, sent, _) = Self.fridayNetwork()
        #expect(Self.journals(network) == ["Leshua": 51, "UnionPay": 51, "ICBC": 51])
        // Before the cutoff nothing is final at the scheme; the issuer's debits and the reversed purchase are.
        network.run(until: Fixture.at("2026-05-08 22:00"))
        var retired = network.retireFinal()
        #expect(retired["UnionPay"] == 1 && retired["ICBC"] == 51 && retired["Leshua"] == 1, "\(retired)")
        #expect(Self.journals(network) == ["Leshua": 50, "UnionPay": 50])
        // Not cleared yet: the acquirer keeps each approval whole, with the answer a repeat
        // would be given and the hop the scheme's events are named through.
        var leshua = try #require(network.nodes["Leshua"] as? AcquirerStateMachine)
        #expect(leshua.hops.count == 50)   // the reversed purchase's hop went with it
        #expect(leshua.journal.values.filter { $0.answer != nil }.count == 50)
        // Friday night: cleared. Paid Monday 09:00: until then the acquirer owes every purchase,
        // and keeps of each what the payout reads: no answer to replay, no hop.
        network.run(until: Fixture.at("2026-05-09 10:00"))
        retired = network.retireFinal()
        #expect(retired["UnionPay"] == 50 && retired["Leshua"] == 0, "\(retired)")
        #expect(Self.journals(network) == ["Leshua": 50])
        leshua = try #require(network.nodes["Leshua"] as? AcquirerStateMachine)
        #expect(leshua.hops.count == 0)
        #expect(leshua.journal.values.allSatisfy { $0.answer == nil && $0.state == .approved && $0.request.amount != nil })
        // Should a terminal repeat one of them all the same, it is answered 94 and nothing moves twice.
        let first = sent[0]
        let repeated = ReferenceNumberingTests.purchase(terminal: first.terminal, stan: 1, at: Fixture.friday)
        #expect(repeated.transactionReference == first)
        network.inject(Fixture.signOn(first.terminal, at: Fixture.at("2026-05-09 10:00")), from: first.terminal, to: "Leshua")
        network.inject(repeated, from: first.terminal, to: "Leshua")
        let answer = try #require(network.delivered.last)
        #expect(answer.to == first.terminal && answer.message.mti == .financialResponse && answer.message.responseCode == .duplicateTransmission, "\(answer.message)")
        network.run(until: Fixture.at("2026-05-11 12:00"))
        retired = network.retireFinal()
        #expect(retired["Leshua"] == 50 && Self.journals(network).isEmpty, "\(retired)")
        let acquirer = try #require(network.nodes["Leshua"] as? AcquirerStateMachine), scheme = try #require(network.nodes["UnionPay"] as? SchemeStateMachine)
        #expect(acquirer.hops.count == 0 && scheme.hops.count == 0)
        // The money as if nothing had been forgotten: 50 purchases of 100.00, 0.6% fee, one reversed.
        #expect(network.ledger("CMB").balance("6214830000000001") == Money(minorUnits: 50 * (10_000 - 60)))
        #expect(network.ledger("ICBC").balance(ReferenceNumberingTests.card) == Money(minorUnits: 10_000_000_000 - 10_000 * Int64(sent.count)))
        #expect(network.moneyConserved)
    }

    @Test("what still waits on an answer is not final: a purchase whose issuer has not answered stays at the scheme and the acquirer")
    func waitingIsKept() {
        var network = ReferenceNumberingTests.network()
        network.drops = [(from: "ICBC", to: "UnionPay", mti: .financialResponse)]
        let request = ReferenceNumberingTests.purchase(terminal: ReferenceNumberingTests.terminals[0], stan: 1, at: Fixture.friday)
        network.inject(request, from: request[DE.terminalID]!, to: "Leshua")
        let retired = network.retireFinal()
        #expect(retired["UnionPay"] == 0 && retired["Leshua"] == 0)
        #expect(Self.journals(network)["UnionPay"] == 1 && Self.journals(network)["Leshua"] == 1)
    }
}
