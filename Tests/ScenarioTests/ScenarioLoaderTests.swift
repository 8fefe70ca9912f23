import Testing
@testable import Scenario
import PaymentNetwork

@Suite("Reading scenario files")
struct ScenarioLoaderTests {
    func diagnostics(_ text: String) -> [ScenarioDiagnostic] {
        do {
            _ = try ScenarioLoader.parse(text, file: "s.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test("every problem of a file is reported at once, each at its line and column")
    func allErrors() throws {
        let found = diagnostics("""
            name: Broken
            calendar: weekdays
            start: 2026-05-08 15:00
            horizn: 3d
            steps:
              - swipe: { id: buy, terminal: T0000009, amount: 100.001 }
            """)
        #expect(found.map(\.description) == [
            "s.yaml:4:1: error: unknown key 'horizn' in the scenario; did you mean 'horizon'?",
            "s.yaml:6:33: error: no merchant has a terminal 'T0000009'; did you mean 'T0000001'?",
            "s.yaml:6:51: error: amount '100.001' has 3 decimals; CNY has 2",
        ])
    }

    @Test("a YAML syntax error points at its line")
    func syntax() {
        let found = diagnostics("name: [unclosed\nstart: 2026-05-08 15:00\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("YAML syntax") == true)
        #expect(found.first?.line == 2)
    }

    @Test("a step that goes back in time is an error")
    func backInTime() {
        let found = diagnostics("""
            name: Backwards
            calendar: weekdays
            start: 2026-05-08 15:00
            steps:
              - { at: 2026-05-08 16:00, swipe: { id: a, amount: 1.00 } }
              - { at: 2026-05-08 15:30, swipe: { id: b, amount: 1.00 } }
            """)
        #expect(found.map(\.line) == [6])
        #expect(found.first?.message.contains("back in time") == true)
    }

    @Test("the default network is used when the scenario names none")
    func defaults() throws {
        let scenario = try ScenarioLoader.parse("name: Bare\ncalendar: weekdays\nstart: 2026-05-08 15:00\n", file: "s.yaml")
        #expect(scenario.network.scheme.name == "Scheme")
        #expect(scenario.network.merchants.first?.terminals == ["T0000001"])
        #expect(scenario.network.cards.first?.balance.minorUnits == 1_000_000)
        #expect(scenario.seed == 1)
    }
}
