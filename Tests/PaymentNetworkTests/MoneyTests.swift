import Testing
@testable import PaymentNetwork

@Suite("Money, fees and the ledger")
struct MoneyTests {
    @Test("fees round up to the minor unit and stop at the cap")
    func fees() {
        var contract = Fixture.merchant()
        #expect(contract.fee(on: Money(minorUnits: 100_001)) == Money(minorUnits: 601))
        contract.feeCap = Money(minorUnits: 2000)
        #expect(contract.fee(on: Money(minorUnits: 10_000_000)) == Money(minorUnits: 2000))
    }

    @Test("amounts are read from text without floating point")
    func money() {
        #expect(Money(decimal: "99.4", exponent: 2) == Money(minorUnits: 9940))
        #expect(Money(decimal: "1000.00", exponent: 2) == Money(minorUnits: 100_000))
        #expect(Money(decimal: "0.001", exponent: 2) == nil)
        #expect(Money(decimal: "1e3", exponent: 2) == nil)
        #expect(Money(minorUnits: 9940).formatted(exponent: 2) == "99.40")
        #expect(Money(minorUnits: 5).formatted(exponent: 2) == "0.05")
    }

    @Test("every transfer debits one account and credits another, so the ledger always balances")
    func ledger() {
        var ledger = Ledger()
        ledger.open("card", balance: Money(minorUnits: 1000))
        ledger.transfer(Money(minorUnits: 300), from: "card", to: "settlement:Scheme", memo: "purchase")
        #expect(ledger.balance("card") == Money(minorUnits: 700))
        #expect(ledger.balance("settlement:Scheme") == Money(minorUnits: 300))
        #expect(ledger.balance(Ledger.opening) == Money(minorUnits: -1000))
        #expect(ledger.total == .zero)
        #expect(ledger.entries.map(\.memo) == ["opening balance", "purchase"])
    }
}
