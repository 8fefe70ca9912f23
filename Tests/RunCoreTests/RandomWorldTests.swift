import Foundation
import PaymentNetwork
import SettlementCalendar
import Testing
@testable import RunCore
@testable import Scenario

/// Small random fault worlds, each from its own seed, run over real TLS: a few link faults,
/// sometimes a maintenance window or stand-in, one merchant, one card. Whatever happens,
/// the money must add up: the invariants hold, and an oracle written apart from the nodes
/// agrees with the balances.
@Suite("Random fault worlds")
struct RandomWorldTests {
    /// One world as scenario text, drawn from `seed`.
    static func world(_ seed: UInt64) -> String {
        var random = SeededGenerator(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(random.next(upperBound: UInt64(items.count)))] }
        func minute(_ range: ClosedRange<Int>) -> String {
            let m = range.lowerBound + Int(random.next(upperBound: UInt64(range.count)))
            return "2026-05-08 \(10 + m / 60):" + String(m % 60).leftPad
        }
        let terms = pick(["T+0", "T+1", "D+0", "D+1"])
        let standIn = pick([false, false, true])
        var text = """
            name: world \(seed)
            seed: \(seed)
            start: 2026-05-08 10:00
            horizon: 10d
            network:
              scheme: { name: UnionPay, stand_in: \(standIn ? "{ limit: 500.00 }" : "false") }
              acquirer: { name: Leshua }
              banks:
                - { name: ICBC, bins: ["622202"] }
                - { name: CMB }
              merchants:
                - { id: "898440354110001", terminals: ["T0000001"], settlement: \(terms), fee: 0.6%, terminal_timeout: \(pick(["20s", "60s"])), account: { bank: CMB, number: "6214830000000001" } }
              cards:
                - { pan: "6222020000000001", bank: ICBC, balance: 1000.00\(pick(["", "", ", daily_limit: 300.00"])) }
            faults:\n
            """
        let links = ["T0000001 -> Leshua", "Leshua -> UnionPay", "UnionPay -> ICBC", "Leshua -> CMB"]
        var faults = 0
        for _ in 0..<Int(random.next(upperBound: UInt64(4))) {
            let kind = pick(["latency: \(pick(["5s", "25s", "50s", "70s"]))", "drop: request", "drop: response", "duplicate: request", "duplicate: response", "disconnect: true", "corrupt: request", "corrupt: response"])
            let count = kind.hasPrefix("drop") || kind.hasPrefix("duplicate") ? "\n    count: 1" : ""
            text += "  - network: \(pick(links))\n    \(kind)\(count)\n    from: \(minute(0...20))\n    to: \(minute(21...40))\n"
            faults += 1
        }
        if random.next(upperBound: UInt64(3)) == 0 {
            text += "  - maintenance: ICBC\n    from: \(minute(5...25))\n    to: \(pick(["2026-05-08 12:00", "2026-05-08 22:00"]))\n"
            faults += 1
        }
        switch random.next(upperBound: UInt64(6)) {
        case 0: text += "  - outage: \(pick(["Leshua", "UnionPay", "ICBC", "CMB"]))\n    from: \(minute(0...20))\n    to: \(minute(21...90))\n"; faults += 1
        case 1: text += "  - freeze: \"6214830000000001\"\n    from: 2026-05-08 10:00\n    to: \(pick(["2026-05-09 12:00", "2026-05-11 10:00"]))\n"; faults += 1
        case 2: text += "  - hold: \"898440354110001\"\n    from: 2026-05-08 10:00\n    to: \(pick(["2026-05-09 12:00", "2026-05-12 10:00"]))\n"; faults += 1
        default: break
        }
        if faults == 0 { text = text.replacingOccurrences(of: "faults:\n", with: "faults: []\n") }
        text += "steps:\n"
        var ids: [String] = []
        var at = 1
        for index in 0..<(1 + Int(random.next(upperBound: UInt64(4)))) {
            at += 1 + Int(random.next(upperBound: UInt64(8)))
            let when = "2026-05-08 10:" + String(at).leftPad
            switch random.next(upperBound: UInt64(6)) {
            case 0 where !ids.isEmpty:
                text += "  - at: \(when)\n    void: \(pick(ids))\n"
            case 1 where !ids.isEmpty:
                let id = "again\(index)"
                text += "  - at: \(when)\n    swipe: { id: \(id), repeat: \(pick(ids)) }\n"
            default:
                let id = "buy\(index)"
                ids.append(id)
                text += "  - at: \(when)\n    swipe: { id: \(id), amount: \(pick(["0.01", "50.00", "100.00", "299.99", "600.00"])) }\n"
            }
        }
        return text
    }

    @Test("money adds up in every world: invariants, card and merchant balances", arguments: Array(UInt64(1)...40))
    func world(seed: UInt64) async throws {
        let text = Self.world(seed)
        if let folder = ProcessInfo.processInfo.environment["PAYLAB_WORLDS"] {
            try text.write(toFile: "\(folder)/world-\(seed).yaml", atomically: true, encoding: .utf8)
        }
        let result = try await ScenarioLibraryTests.run(text, file: "world-\(seed).yaml")
        #expect(result.failures.isEmpty, "seed \(seed): \(result.failures)\n\(text)")
        // The oracle: a purchase that stands (approved, not reversed or voided) took its amount
        // from the card once; one that arrived credited the merchant its amount less the fee;
        // the merchant holds what was credited for each (a purchase reversed after its payout
        // stays credited until a later payout nets it).
        let scenario = result.scenario
        var charged = Money.zero, credited = Money.zero
        var standing: Set<EventReference> = []
        var amounts: [String: Money] = [:]
        for step in scenario.steps {
            switch step.action {
            case .swipe(let id, _, _, let amount, let keyed): amounts[id] = keyed ?? amount
            case .repeatSwipe(let id, _, let original): amounts[id] = amounts[original]   // whichever carried the message counts
            default: break   // random worlds swipe, repeat and void only
            }
        }
        for outcome in result.transactions {
            guard let amount = amounts[outcome.id] else { continue }
            // A message sent twice (a repeat) is one purchase: it charges the card once if either send stands.
            if [.arrived, .pending, .returned, .held].contains(outcome.status), let message = outcome.events.first(where: { $0.kind == .swiped })?.reference,
               standing.insert(message).inserted {
                charged += amount
            }
            if outcome.status == .arrived {
                let fee = scenario.network.merchants[0].fee(on: amount)
                #expect(outcome.credited == amount - fee, "seed \(seed): \(outcome.id) credited \(outcome.credited.minorUnits)\n\(text)")
            }
            credited += outcome.credited
        }
        let balances = Dictionary(uniqueKeysWithValues: result.accounts.map { ($0.number, $0.balance) })
        #expect(balances["6222020000000001"] == Money(minorUnits: 100_000) - charged, "seed \(seed): card\n\(text)")
        #expect(balances["6214830000000001"] == credited, "seed \(seed): merchant\n\(text)")
    }
}

private extension String {
    var leftPad: String { count >= 2 ? self : "0" + self }
}
