import Foundation
import PaymentNetwork
import Testing
@testable import RunCore
@testable import Scenario

/// The next day's reconciliation of the scheme's clearing file against the acquirer's journal.
@Suite("One-sided entries")
struct OneSidedEntryTests {
    @Test("the acquirer's rule decides a one-sided entry: refund gives the card its money back, pay pays the merchant; without reconciliation the books stay one-sided")
    func rules() async throws {
        let text = try String(contentsOfFile: "Scenarios/one-sided-entry.yaml", encoding: .utf8)
        let runner = ScenarioRunner()
        let refund = await runner.run(try ScenarioLoader.parse(text, file: "refund.yaml"))
        #expect(refund.passed, "\(refund.failures)")
        // pay: the merchant is paid for what the issuer debited, the card stays charged.
        let pay = await runner.run(try ScenarioLoader.parse(text.replacingOccurrences(of: "unmatched: refund", with: "unmatched: pay"), file: "pay.yaml")
            .withoutExpectations())
        let phone = try #require(pay.transactions.first)
        #expect(phone.response == "91" && phone.status == .arrived && phone.credited == Money(minorUnits: 19_880), "\(phone.status) \(phone.credited)")
        #expect(phone.events.contains { $0.kind == .reconciled })
        #expect(pay.accounts.first { $0.number == "6222020000000001" }?.balance == Money(minorUnits: 80_000))
        #expect(pay.failures.isEmpty, "\(pay.failures)")
        // No reconciliation: the acquirer and the scheme disagree about the money for good, and the run says so
        // (the scheme settled the 200.00 less the issuer's fee 0.70 and the network fee 0.07).
        let none = await runner.run(try ScenarioLoader.parse(text.replacingOccurrences(of: ", unmatched: refund", with: ""), file: "none.yaml"))
        #expect(none.failures.contains { $0 == .invariant(.moneyConserved, detail: "money not conserved between Leshua and UnionPay: their settlement accounts differ by 199.23") }, "\(none.failures)")
        try await runner.shutdown()
    }
}

extension Scenario {
    func withoutExpectations() -> Scenario {
        var copy = self
        copy.expectations = []
        return copy
    }
}
