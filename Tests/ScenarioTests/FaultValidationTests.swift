import Testing
@testable import Scenario

@Suite("Faults in scenario files")
struct FaultValidationTests {
    func diagnostics(_ faults: String) -> [String] {
        let text = "name: F\nstart: 2026-03-16 10:00\nfaults:\n" + faults
        do {
            _ = try ScenarioLoader.parse(text, file: "f.yaml")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("a misspelt bank gets a did-you-mean at its position")
    func unknownBank() {
        #expect(diagnostics("  - { maintenance: Isuer, from: 2026-03-16 10:00 }\n")
            == ["f.yaml:4:20: error: no bank named 'Isuer' in the network; did you mean 'Issuer'?"])
    }

    @Test("a link must be named in the direction its requests travel")
    func linkDirection() {
        let found = diagnostics("  - { network: Acquirer -> T0000001, drop: request, from: 2026-03-16 10:00 }\n")
        #expect(found.count == 1)
        #expect(found.first?.contains("did you mean 'T0000001 -> Acquirer'") == true)
    }

    @Test("'to' before 'from' is an error on 'to'")
    func backwards() {
        #expect(diagnostics("  - { hold: \"898440354110001\", from: 2026-03-16 10:00, to: 2026-03-16 09:00 }\n")
            == ["f.yaml:4:60: error: 'to' (2026-03-16 09:00) is before 'from' (2026-03-16 10:00)"])
    }

    @Test("a network fault names exactly one misbehaviour")
    func twoKinds() {
        let found = diagnostics("  - { network: Acquirer -> Scheme, drop: request, latency: 5s, from: 2026-03-16 10:00 }\n")
        #expect(found == ["f.yaml:4:5: error: a network fault has exactly one of: latency, drop, duplicate, corrupt, disconnect, slice, slow_close"])
    }

    @Test("freeze names an account or card of the network")
    func freeze() {
        #expect(diagnostics("  - { freeze: \"123\", from: 2026-03-16 10:00 }\n") == ["f.yaml:4:15: error: no card or account '123' in the network"])
        #expect(diagnostics("  - { freeze: \"6214830000000001\", from: 2026-03-16 10:00 }\n").isEmpty)
    }
}
