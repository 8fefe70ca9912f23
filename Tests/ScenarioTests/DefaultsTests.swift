import PaymentNetwork
import SettlementCalendar
import Testing
@testable import Scenario

/// Every default the scenario language names, and the ones docs/scenario-language.md adds.
@Suite("Defaults of the scenario language")
struct DefaultsTests {
    func load(_ text: String) throws -> Scenario { try ScenarioLoader.parse(text, file: "defaults.yaml") }

    @Test("a scenario with only a name and a start gets the default network and top-level defaults")
    func topLevel() throws {
        let scenario = try load("name: d\nstart: 2026-05-08 10:00\n")
        #expect(scenario.seed == 1)
        #expect(scenario.zone == Zone(identifier: "Asia/Shanghai"))
        #expect(scenario.currency.code == "CNY")
        #expect(scenario.calendar.name == BusinessCalendar.china.name)
        #expect(scenario.horizon == .seconds(30 * 86400))
        let network = scenario.network
        #expect(network.scheme.name == "Scheme" && network.scheme.cutoff == TimeOfDay(hour: 23, minute: 0) && network.scheme.timeout == .seconds(30))
        #expect(network.scheme.standInLimit == nil)
        #expect(network.acquirer.name == "Acquirer" && network.acquirer.id == "48020000" && network.acquirer.timeout == .seconds(45))
        #expect(network.banks.map(\.name) == ["Issuer", "MerchantBank"] && network.banks[0].bins == ["622202"])
        let merchant = try #require(network.merchants.first)
        #expect(merchant.id == "898440354110001" && merchant.mcc == "5411" && merchant.terminals == ["T0000001"])
        #expect(merchant.terms.description == "T+1" && merchant.feePartsPerMillion == 6000 && merchant.payoutAt == TimeOfDay(hour: 9, minute: 0))
        #expect(merchant.accountBank == "MerchantBank" && merchant.accountNumber == "6214830000000001" && merchant.terminalTimeout == .seconds(60))
        let card = try #require(network.cards.first)
        #expect(card.pan == "6222020000000001" && card.bank == "Issuer" && card.balance == Money(minorUnits: 1_000_000))
        #expect(card.expiry == "2812" && card.status == .active && card.dailyLimit == nil)
    }

    @Test("a merchant the scenario writes pays no fee unless it says so, and keeps the documented mcc, terms and times")
    func writtenMerchant() throws {
        let scenario = try load("""
            name: d
            start: 2026-05-08 10:00
            network:
              merchants:
                - { id: "898440354110001", terminals: ["T0000001"], account: { bank: MerchantBank, number: "1" } }
            """)
        let merchant = try #require(scenario.network.merchants.first)
        #expect(merchant.feePartsPerMillion == 0)
        #expect(merchant.feeCap == nil)
        #expect(merchant.mcc == "5411")
        #expect(merchant.terms.description == "T+1")
        #expect(merchant.payoutAt == TimeOfDay(hour: 9, minute: 0))
        #expect(merchant.terminalTimeout == .seconds(60))
    }

    @Test("a written card is active with expiry 2812, and a written account is active")
    func writtenCardAndAccount() throws {
        let scenario = try load("""
            name: d
            start: 2026-05-08 10:00
            network:
              cards: [{ pan: "6222020000000009", bank: Issuer, balance: 5.00 }]
              accounts: [{ bank: MerchantBank, number: "77", balance: 1.00 }]
            """)
        #expect(scenario.network.cards.first?.status == .active)
        #expect(scenario.network.cards.first?.expiry == "2812")
        #expect(scenario.network.accounts.first?.status == .active)
    }

    @Test("a step without 'at' happens at the previous step's time (the first at start); a swipe uses the first terminal and card; a fault without 'to' lasts to the end")
    func stepsAndFaults() throws {
        let scenario = try load("""
            name: d
            start: 2026-05-08 10:00
            faults:
              - maintenance: Issuer
                from: 2026-05-08 10:30
            steps:
              - swipe: { id: first, amount: 1.00 }
              - at: 2026-05-08 11:00
                swipe: { id: second, amount: 2.00 }
              - void: second
            """)
        let zone = scenario.zone
        #expect(scenario.steps.map(\.at) == [
            zone.instant(LocalDateTime("2026-05-08 10:00")!), zone.instant(LocalDateTime("2026-05-08 11:00")!), zone.instant(LocalDateTime("2026-05-08 11:00")!),
        ])
        guard case .swipe(_, let terminal, let card, _, let keyed) = scenario.steps[0].action else { Issue.record("not a swipe"); return }
        #expect(terminal == "T0000001" && card == "6222020000000001" && keyed == nil)
        #expect(scenario.faults.first?.to == nil)
        #expect(scenario.expectations.isEmpty)
    }
}
