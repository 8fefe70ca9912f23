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
        #expect(Money(minorUnits: -5).formatted(exponent: 2) == "-0.05" && Money(minorUnits: 0).formatted(exponent: 2) == "0.00")
        #expect(Money(minorUnits: -123_456).formatted(exponent: 3) == "-123.456" && Money(minorUnits: 1200).formatted(exponent: 0) == "1200")
        #expect(Money(minorUnits: Int64.min).formatted(exponent: 2) == "-92233720368547758.08")
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
        #expect(ledger.postings == 2)
    }

    @Test("a fee rounds up by default, half up or down when the contract says so (0.6% of 100.05 is 0.6003)", arguments: [
        (Int64(10_005), Money.Rounding.up, Int64(61)), (10_005, .halfUp, 60), (10_005, .down, 60),
        (10_084, .halfUp, 61), (10_075, .halfUp, 60), (10_000, .up, 60), (10_000, .down, 60),
    ])
    func feeRounding(amount: Int64, rounding: Money.Rounding, fee: Int64) {
        #expect(Money(minorUnits: amount).timesRate(partsPerMillion: 6000, rounding: rounding) == Money(minorUnits: fee))
        var merchant = Fixture.merchant()
        merchant.feePartsPerMillion = 6000
        merchant.feeCap = nil
        merchant.feeRounding = rounding
        #expect(merchant.fee(on: Money(minorUnits: amount)) == Money(minorUnits: fee))
    }
}
