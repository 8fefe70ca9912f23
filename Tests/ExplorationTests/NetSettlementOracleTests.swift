import Foundation
import PaymentNetwork
import SettlementCalendar
import Testing
@testable import RunCore
@testable import Scenario
@testable import Exploration

/// The scheme's fees and net settlement against an independent computation: every cleared
/// item priced again under the 2016 price list with `Decimal` arithmetic, and every member's
/// net position of every clearing day summed from the items, not taken from the nodes.
@Suite("Net settlement, recomputed", .serialized)
struct NetSettlementOracleTests {
    static let files = ["fees-2016", "net-settlement", "mcc-code-jumping-2016", "mcc-code-jumping", "chargeback", "refund-netted-from-payout",
                        "stand-in", "online-completion", "hotel-preauthorization", "reversal-after-instant-payout", "approval-across-cutoff"]

    @Test("every member's net settlement of every day is what its items make, fees included, and sums to zero", arguments: files)
    func recomputed(file: String) async throws {
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.load(path: "Scenarios/\(file).yaml"))
        try await runner.shutdown()
        #expect(!result.netSettlements.isEmpty)
        #expect(Oracle.netSettlements(result.scenario, result).map(\.detail) == [])
        // Money is conserved with the fees in it: each day's net positions sum to zero.
        for date in Set(result.netSettlements.map(\.date)) {
            #expect(result.netSettlements.filter { $0.date == date }.reduce(Money.zero) { $0 + $1.amount } == .zero, "\(date)")
        }
    }

    @Test("a net settlement a fen off, or a fee charged at the wrong rate, is found and named")
    func tampered() async throws {
        let runner = ScenarioRunner()
        var result = await runner.run(try ScenarioLoader.load(path: "Scenarios/net-settlement.yaml"))
        try await runner.shutdown()
        let index = try #require(result.timeline.firstIndex { $0.reference.description == "settlement/CMB/2026-05-12" })
        result.timeline[index].facts.amount = result.timeline[index].facts.amount.map { $0 - Money(minorUnits: 1) }
        let found = Oracle.netSettlements(result.scenario, result)
        #expect(found.map(\.invariant) == ["a member's net settlement is its day's items, fees included"])
        #expect(found.first?.detail == "CMB: settled 2026-05-11 -995.83, 2026-05-12 999.99; its items make 2026-05-11 -995.83, 2026-05-12 1000")
        // The same run read as if the card were a debit card: the 0.45% credit fee is not the 0.35% debit fee.
        var debit = result
        debit.scenario.network.cards = debit.scenario.network.cards.map { var card = $0; card.type = .debit; return card }
        #expect(Oracle.netSettlements(debit.scenario, debit).contains { $0.invariant == "the scheme's fees follow its price list" && $0.detail.hasPrefix("phone:") })
    }
}
