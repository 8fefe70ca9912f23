import Foundation
import PaymentNetwork
import Testing
@testable import RunCore
@testable import Scenario

/// Where a merchant's money stopped: the acquirer (not paid out), the merchant's bank (sent,
/// not credited), or none.
@Suite("Where the money stopped")
struct StoppedAtTests {
    static func scenario(_ fault: String) -> String {
        """
        name: stopped
        start: 2026-03-16 09:00
        horizon: 2d
        network:
          scheme: { name: UnionPay }
          acquirer: { name: Leshua }
          banks:
            - { name: ICBC, bins: ["622202"] }
            - { name: CMB }
          merchants:
            - { id: "898440354110001", terminals: ["T0000001"], fee: 0.6%, account: { bank: CMB, number: "6214830000000001" } }
          cards:
            - { pan: "6222020000000001", bank: ICBC, balance: 1000.00 }
        faults:
          - { \(fault), from: 2026-03-17 00:00 }
        steps:
          - { at: 2026-03-16 10:00, swipe: { id: buy, amount: 100.00 } }
        """
    }

    @Test("a payout sent to a bank that never answers stopped at the bank; one held by risk control at the acquirer; a run without faults, none")
    func holders() async throws {
        let runner = ScenarioRunner()
        let atBank = await runner.run(try ScenarioLoader.parse(Self.scenario("maintenance: CMB"), file: "bank.yaml"))
        let held = await runner.run(try ScenarioLoader.parse(Self.scenario("hold: \"898440354110001\""), file: "hold.yaml"))
        let clean = await runner.run(try ScenarioLoader.parse(Self.scenario("hold: \"898440354110001\"").replacingOccurrences(of: "from: 2026-03-17 00:00", with: "from: 2026-03-16 08:00, to: 2026-03-16 08:30"), file: "clean.yaml"))
        try await runner.shutdown()
        let terminals: Set<String> = ["T0000001"]
        #expect(atBank.transactions.first?.status == .pending)
        #expect(MoneyHolder.of(terminals: terminals, outcomes: atBank.transactions) == .bank)
        #expect(held.transactions.first?.status == .held)
        #expect(MoneyHolder.of(terminals: terminals, outcomes: held.transactions) == .acquirer)
        #expect(clean.transactions.first?.status == .arrived)
        #expect(MoneyHolder.of(terminals: terminals, outcomes: clean.transactions) == .none)
        #expect(MoneyHolder.of(terminals: ["T0000009"], outcomes: atBank.transactions) == .none)
    }
}
