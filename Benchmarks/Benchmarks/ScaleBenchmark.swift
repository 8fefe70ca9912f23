import Foundation
import PaymentNetwork
import RunCore
public import Scenario
import SettlementCalendar

/// `paylab bench scale`: one generated scenario of N swipes over a week (a merchant with ten
/// terminals, a hundred cards, T+1), run on the virtual clock as `paylab run` runs it; the
/// median wall time of several runs. A run's time should grow with its work, linearly.
public enum ScaleBenchmark {
    public struct Result: Sendable {
        public var swipes: Int
        public var runs: Int
        /// Median wall seconds of a run.
        public var seconds: Double
        /// Whether the run passed (every swipe approved, arrived and credited, invariants held).
        public var passed: Bool
        public var failures: [String]
    }

    /// The scenario: `swipes` purchases spread evenly from Monday 08:00 over seven days.
    /// `lostPayouts`: every payout request from the acquirer to the merchant's bank is lost,
    /// so that the run ends with every purchase pending and its payout overdue: the verdict's
    /// failing side at scale (each purchase's missing money found and named).
    public static func scenario(swipes: Int, lostPayouts: Bool = false) -> Scenario {
        let zone = Zone(identifier: "Asia/Shanghai")!
        let start = zone.instant(LocalDateTime("2026-06-01 08:00")!)
        var scenario = Scenario.served(start: start)
        scenario.file = "scale.yaml"
        scenario.name = "\(swipes) swipes over a week"
        scenario.horizon = .seconds(4 * 86400)
        let terminals = (1...10).map { String(format: "T%07d", $0) }
        scenario.network.merchants[0].terminals = terminals
        let bank = scenario.network.cards[0].bank
        scenario.network.cards = (1...100).map { NetworkSpec.Card(pan: String(format: "622202%010d", $0), bank: bank, balance: Money(minorUnits: 100_000_000_000)) }
        let spacing = max(1, 7 * 86_400_000 / max(swipes, 1))
        scenario.steps = (0..<swipes).map { index in
            Step(at: start.advanced(by: .milliseconds(Int64(index) * Int64(spacing))),
                 action: .swipe(id: "p\(index + 1)", terminal: terminals[index % terminals.count], card: scenario.network.cards[index % 100].pan,
                                amount: Money(minorUnits: Int64(1_000 + index % 50_000)), keyed: nil))
        }
        if lostPayouts {
            let merchant = scenario.network.merchants[0]
            scenario.faults.append(Fault(kind: .network(client: scenario.network.acquirer.name, server: scenario.network.payee(of: merchant).node,
                                                        kind: .drop(response: false), count: nil), from: start, to: nil))
        }
        return scenario
    }

    public static func run(swipes: Int, runs: Int, lostPayouts: Bool = false) async throws -> Result {
        let scenario = scenario(swipes: swipes, lostPayouts: lostPayouts)
        var times: [Double] = []
        var last: ScenarioResult?
        for _ in 0..<max(1, runs) {
            let runner = ScenarioRunner()
            let started = ContinuousClock.now
            let result = await runner.run(scenario)
            let elapsed = ContinuousClock.now - started
            try await runner.shutdown()
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            last = result
        }
        times.sort()
        var failures: [String]
        if lostPayouts {
            // Every purchase pending, and each one's overdue payout among the run's failures.
            let pending = last?.transactions.filter { $0.status == .pending }.count ?? 0
            let overdue = last?.failures.filter { $0.description.contains("payout fell due") }.count ?? 0
            failures = pending == swipes && overdue == swipes ? [] : ["\(pending) of \(swipes) swipes pending, \(overdue) overdue payouts found"]
        } else {
            let arrived = last?.transactions.filter { $0.status == .arrived }.count ?? 0
            failures = (last?.failures ?? []).prefix(5).map(\.description)
            if arrived != swipes { failures.append("\(arrived) of \(swipes) swipes arrived") }
        }
        return Result(swipes: swipes, runs: times.count, seconds: times[times.count / 2], passed: failures.isEmpty, failures: failures)
    }
}
