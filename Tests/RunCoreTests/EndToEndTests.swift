import PaymentNetwork
import SettlementCalendar
import Testing
@testable import RunCore
@testable import Scenario

/// Whole runs over real TLS on loopback.
@Suite("End to end over loopback TLS")
struct EndToEndTests {
    static let happyPath = """
        name: Happy path
        calendar: weekdays
        start: 2026-05-08 15:00
        steps:
          - at: 2026-05-08 15:30
            swipe: { id: buy, terminal: T0000001, card: "6222020000000001", amount: 100.00 }
        expect:
          - transaction: buy
            arrives: 2026-05-11 09:00
        """

    @Test("a Friday swipe arrives Monday 09:00, the card is debited and the merchant credited net of the fee")
    func happyPath() async throws {
        let scenario = try ScenarioLoader.parse(Self.happyPath, file: "happy.yaml")
        let runner = ScenarioRunner()
        let result = await runner.run(scenario)
        try await runner.shutdown()
        #expect(result.failures.isEmpty, "\(result.failures)")
        let buy = try #require(result.transactions.first)
        #expect(buy.response == "00")
        #expect(buy.status == .arrived)
        #expect(buy.arrives == scenario.zone.instant(LocalDateTime("2026-05-11 09:00")!))
        #expect(buy.settlementDate == LocalDate("2026-05-08"))
        #expect(buy.credited == Money(minorUnits: 9940))
        let balances = Dictionary(uniqueKeysWithValues: result.accounts.map { ($0.number, $0.balance) })
        #expect(balances["6222020000000001"] == Money(minorUnits: 990_000))
        #expect(balances["6214830000000001"] == Money(minorUnits: 9940))
        #expect(result.problems.isEmpty, "\(result.problems)")
    }

    @Test("a wrong arrival expectation fails and says what was expected and what happened")
    func wrongArrival() async throws {
        let scenario = try ScenarioLoader.load(path: "Tests/Fixtures/wrong-arrival.yaml")
        let runner = ScenarioRunner()
        let result = await runner.run(scenario)
        try await runner.shutdown()
        #expect(!result.passed)
        #expect(result.failures == [.expectation(.init(line: 9, subject: "transaction buy", field: "arrives", expected: "2026-05-12 09:00", actual: "2026-05-11 09:00"))])
        let json = JSONReport.scenario(result).rendered()
        #expect(json.contains(#""failure_details":[{"kind":"expectation","line":9,"subject":"transaction buy","field":"arrives","expected":"2026-05-12 09:00","actual":"2026-05-11 09:00","sentence":"line 9: transaction buy: arrives expected 2026-05-12 09:00, got 2026-05-11 09:00"}]"#), "\(json.prefix(800))")
        #expect(result.failures.map(\.description) == ["line 9: transaction buy: arrives expected 2026-05-12 09:00, got 2026-05-11 09:00"])
        #expect(TextReport.render(result).contains("FAIL"))
    }

    @Test("the same scenario and seed give the same timeline")
    func deterministic() async throws {
        let scenario = try ScenarioLoader.parse(Self.happyPath, file: "happy.yaml")
        let runner = ScenarioRunner()
        let first = await runner.run(scenario)
        let second = await runner.run(scenario)
        try await runner.shutdown()
        #expect(first.timeline == second.timeline)
        var reseeded = scenario
        reseeded.seed = 99
        let third = await ScenarioRunner().run(reseeded)
        #expect(third.timeline.map(\.detail) != first.timeline.map(\.detail))
    }

    @Test("a declined swipe moves no money and ends declined")
    func declined() async throws {
        let text = """
            name: Too poor
            calendar: weekdays
            start: 2026-05-08 15:00
            network:
              cards:
                - { pan: "6222020000000001", bank: Issuer, balance: 50.00 }
            steps:
              - swipe: { id: buy, amount: 100.00 }
            expect:
              - { transaction: buy, response: "51", status: declined, arrives: never, credited: 0 }
              - { account: "6222020000000001", balance: 50.00 }
            """
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.parse(text, file: "declined.yaml"))
        try await runner.shutdown()
        #expect(result.failures.isEmpty, "\(result.failures)")
    }
}
