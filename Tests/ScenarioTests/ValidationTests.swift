import Testing
@testable import Scenario
import Foundation

/// Every kind of mistake a scenario author makes, reported at its line and column.
@Suite("Scenario validation")
struct ValidationTests {
    static let base = "name: V\nstart: 2026-03-16 10:00\n"

    func errors(_ body: String) -> [String] {
        do {
            _ = try ScenarioLoader.parse(Self.base + body, file: "v.yaml")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("each mistake is reported at its exact position", arguments: [
        // YAML syntax: an unclosed flow sequence.
        ("steps: [\n  - x\n", "v.yaml:4:3: error: YAML syntax"),
        // Unknown key, with the near miss.
        ("horizn: 3d\n", "v.yaml:3:1: error: unknown key 'horizn' in the scenario; did you mean 'horizon'?"),
        ("steps:\n  - { at: 2026-03-16 10:05, swipe: { id: a, amout: 1.00 } }\n", "v.yaml:4:45: error: unknown key 'amout' in a swipe; did you mean 'amount'?"),
        // Wrong types.
        ("seed: [1]\n", "v.yaml:3:7: error: seed must be a single value, not a list or a mapping"),
        ("steps: 3\n", "v.yaml:3:8: error: steps must be a list"),
        ("seed: twelve\n", "v.yaml:3:7: error: seed 'twelve' is not a whole number"),
        // A date that does not exist.
        ("steps:\n  - { at: 2026-02-30 10:05, swipe: { id: a, amount: 1.00 } }\n", "v.yaml:4:11: error: at '2026-02-30 10:05': 2026-02-30 is not a date that exists"),
        // Too many decimals.
        ("steps:\n  - { swipe: { id: a, amount: 1.005 } }\n", "v.yaml:4:31: error: amount '1.005' has 3 decimals; CNY has 2"),
        // Unknown settlement terms.
        ("network:\n  merchants:\n    - { id: \"898440354110001\", settlement: T+X, account: { bank: MerchantBank, number: \"1\" } }\n",
         "v.yaml:5:44: error: settlement 'T+X' is not settlement terms (T+0, T+1, D+0, D+1 ...)"),
        // Names the scenario does not define.
        ("steps:\n  - { swipe: { id: a, terminal: T0000002, amount: 1.00 } }\n", "v.yaml:4:33: error: no merchant has a terminal 'T0000002'; did you mean 'T0000001'?"),
        ("steps:\n  - { swipe: { id: a, card: \"6222020000000009\", amount: 1.00 } }\n", "v.yaml:4:29: error: no card '6222020000000009' among the network's cards; did you mean '6222020000000001'?"),
        ("steps:\n  - { swipe: { id: a, card: \"6250000000009999\", amount: 1.00 } }\n", "v.yaml:4:29: error: no card '6250000000009999' among the network's cards (6222020000000001)"),
        ("steps:\n  - { swipe: { id: a, terminal: POS9, amount: 1.00 } }\n", "v.yaml:4:33: error: no merchant has a terminal 'POS9' (terminals: T0000001)"),
        // Toxiproxy's spread and chance, each with the kind it belongs to.
        ("faults:\n  - { network: T0000001 -> Acquirer, drop: request, jitter: 1s, from: 2026-03-16 10:00 }\n", "v.yaml:4:61: error: 'jitter' spreads a latency; this network fault has none"),
        ("faults:\n  - { network: T0000001 -> Acquirer, latency: 1s, jitter: 2s, from: 2026-03-16 10:00 }\n", "v.yaml:4:59: error: jitter '2s' is not a duration up to the latency (1s)"),
        ("faults:\n  - { network: T0000001 -> Acquirer, latency: 1s, probability: 5%, from: 2026-03-16 10:00 }\n", "v.yaml:4:64: error: 'probability' goes with drop, duplicate or corrupt"),
        ("faults:\n  - { network: T0000001 -> Acquirer, drop: request, probability: 0%, from: 2026-03-16 10:00 }\n", "v.yaml:4:66: error: probability '0%' is not a percentage above 0% and up to 100% (30%)"),
        // A payment paid out on a day the calendar does not cover, with the remedy.
        ("steps:\n  - { at: 2026-12-31 10:00, swipe: { id: a, amount: 1.00 } }\n", "v.yaml:4:5: error: this payment is paid out under T+1 in 2027, which calendar 'cn' does not cover (2024 to 2026); give a calendar file that extends it"),
        // A duplicated key, where it comes again; a tab, named as one.
        ("seed: 1\nseed: 2\n", "v.yaml:4:1: error: key 'seed' appears twice in one mapping (first at line 3); give it once"),
        ("steps:\n  - { swipe: { id: a, amount: 1.00, id: b } }\n", "v.yaml:4:37: error: key 'id' appears twice in one mapping (first at line 4); give it once"),
        ("steps:\n\t- { swipe: { id: a, amount: 1.00 } }\n", "v.yaml:4:1: error: a tab: YAML indents with spaces, never tabs; replace the tab with spaces"),
        ("steps:\n  - { void: nothing }\n", "v.yaml:4:13: error: void names 'nothing', which no earlier step swipes"),
        ("steps:\n  - { swipe: { id: b, repeat: a } }\n", "v.yaml:4:31: error: repeat names 'a', which no earlier step swipes"),
        ("expect:\n  - { transaction: ghost, status: arrived }\n", "v.yaml:4:20: error: no step makes a transaction 'ghost'"),
        ("faults:\n  - { hold: \"898440354110002\", from: 2026-03-16 10:00 }\n", "v.yaml:4:13: error: no merchant named '898440354110002' in the network; did you mean '898440354110001'?"),
        ("faults:\n  - { outage: Schema, from: 2026-03-16 10:00 }\n", "v.yaml:4:15: error: no node named 'Schema' in the network; did you mean 'Scheme'?"),
        ("network:\n  cards:\n    - { pan: \"6222020000000001\", bank: Isuer }\n", "v.yaml:5:40: error: no bank named 'Isuer' in the network; did you mean 'Issuer'?"),
        // Steps that go back in time.
        ("steps:\n  - { at: 2026-03-16 09:00, swipe: { id: a, amount: 1.00 } }\n", "v.yaml:4:11: error: this step is at 2026-03-16 09:00, before the step or start before it (2026-03-16 10:00): steps must not go back in time"),
        // A fault whose end comes before its start.
        ("faults:\n  - { maintenance: Issuer, from: 2026-03-16 12:00, to: 2026-03-16 11:00 }\n", "v.yaml:4:56: error: 'to' (2026-03-16 11:00) is before 'from' (2026-03-16 12:00)"),
        // A transaction id used twice.
        ("steps:\n  - { swipe: { id: a, amount: 1.00 } }\n  - { swipe: { id: a, amount: 2.00 } }\n", "v.yaml:5:20: error: transaction id 'a' is used twice"),
        // A date outside the calendar's years.
        ("steps:\n  - { at: 2027-01-04 10:00, swipe: { id: a, amount: 1.00 } }\n", "v.yaml:4:11: error: calendar 'cn' covers 2024 to 2026, not 2027"),
        // A timeout no answer could beat.
        ("network:\n  scheme: { timeout: 0s }\n", "v.yaml:4:22: error: timeout '0s' is not a duration from 1s to 1d (30s)"),
        // A horizon that would run for years.
        ("horizon: 9999d\n", "v.yaml:3:10: error: horizon '9999d' is not a duration from 1s to 366d (30d, 12h, 45s)"),
    ])
    func mistake(body: String, expected: String) {
        // One mistake, one error: nothing else is reported with it.
        #expect(errors(body).count == 1, "\(errors(body))")
        let found = errors(body)
        #expect(found.contains { $0.hasPrefix(expected) }, "got \(found)")
    }

    @Test("every error of a file is reported at once, in the order of the file")
    func allAtOnce() {
        let found = errors("""
            horizn: 3d
            steps:
              - { at: 2026-02-30 10:05, swipe: { id: a, amount: 1.005 } }
              - { void: nothing }
            expect:
              - { transaction: ghost }
            """)
        #expect(found.count == 5, "\(found)")
        #expect(found.map { Int($0.split(separator: ":")[1])! } == [3, 5, 5, 6, 8])
    }

    @Test("the start is checked against the calendar too")
    func startOutsideCalendar() {
        do {
            _ = try ScenarioLoader.parse("name: V\nstart: 2023-12-29 10:00\n", file: "v.yaml")
            Issue.record("accepted a start the calendar does not cover")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["v.yaml:2:8: error: calendar 'cn' covers 2024 to 2026, not 2023"])
        }
    }
}

@Suite("Scenario files that are broken at random")
struct ScenarioFuzzTests {
    @Test("mutated scenario files are rejected with positioned errors or accepted, never a crash")
    func mutations() throws {
        let original = try String(contentsOfFile: "Scenarios/holiday-cutoff.yaml", encoding: .utf8)
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var generator = SystemRandomNumberGenerator()
        let noise = ["{", "}", "[", "]", ":", "-", "\"", "'", "&a", "*a", "!!int", "\t", "  ", "2026-13-45", "9999999999999.99", "~", "%", "#"]
        var rejected = 0
        for _ in 0..<400 {
            var mutated = lines
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<mutated.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: mutated.remove(at: index)
                case 1: mutated.insert(mutated[index], at: index)
                case 2:
                    var line = mutated[index]
                    let position = line.index(line.startIndex, offsetBy: Int.random(in: 0...line.count, using: &generator))
                    line.insert(contentsOf: noise.randomElement(using: &generator)!, at: position)
                    mutated[index] = line
                default: mutated[index] = String(mutated[index].shuffled(using: &generator))
                }
                if mutated.isEmpty { mutated = [""] }
            }
            do {
                _ = try ScenarioLoader.parse(mutated.joined(separator: "\n"), file: "m.yaml")
            } catch {
                rejected += 1
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.allSatisfy { $0.line >= 1 && $0.column >= 1 })
            }
        }
        #expect(rejected > 100)
    }
}
