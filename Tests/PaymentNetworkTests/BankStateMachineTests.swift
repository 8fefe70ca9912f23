import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

@Suite("Bank")
struct BankStateMachineTests {
    func reversal(of request: ISOMessage) -> ISOMessage {
        request.reversal(mti: .reversalAdvice, now: Fixture.friday.advanced(by: .seconds(60)), stan: "999999")
    }

    @Test("a debit card driven below zero (a stand-in advice past its balance) is an audit failure; a credit card spends its line without one")
    func debitNeverOverdrawn() {
        var debit = Fixture.bank(balance: 10_000)
        var advice = Fixture.purchase(amount: 30_000)
        advice.mti = .financialAdvice
        _ = debit.receive(advice, from: "UnionPay", now: Fixture.friday)
        #expect(debit.auditFailures == [AuditFailure(.debitOverdrawn, "debit card 622202******0001 is overdrawn: its balance is -200.00")])
        var configuration = Fixture.bank(balance: 0).configuration
        configuration.cards[0].creditLimit = Money(minorUnits: 50_000)
        var credit = BankStateMachine(configuration: configuration, seed: 1)
        let answer = credit.receive(Fixture.purchase(amount: 30_000), from: "UnionPay", now: Fixture.friday)
        #expect(Fixture.sent(answer)[0].0[39] == "00")
        #expect(credit.ledger.balance("6222020000000001") == Money(minorUnits: -30_000) && credit.auditFailures.isEmpty)
    }

    @Test("the issuer gives the money back on a reversal once, and answers 25 for one it never saw")
    func reversalOnce() {
        var issuer = Fixture.bank()
        let request = Fixture.purchase()
        _ = issuer.receive(request, from: "UnionPay", now: Fixture.friday)
        let first = issuer.receive(reversal(of: request), from: "UnionPay", now: Fixture.friday)
        #expect(Fixture.sent(first)[0].0[39] == "00")
        #expect(Fixture.events(first).map(\.kind) == [.reversed])
        #expect(issuer.ledger.balance("6222020000000001") == Money(minorUnits: 500_000))
        let second = issuer.receive(reversal(of: request), from: "UnionPay", now: Fixture.friday)
        #expect(Fixture.events(second).isEmpty)
        #expect(issuer.ledger.balance("6222020000000001") == Money(minorUnits: 500_000))
        var unknown = reversal(of: request)
        unknown[90] = "0200" + "000001" + "0508000000" + String(repeating: "0", count: 22)
        #expect(Fixture.sent(issuer.receive(unknown, from: "UnionPay", now: Fixture.friday))[0].0[39] == "25")
    }

    @Test("a reversed purchase gives back its daily-limit headroom: the same amount again the same day is approved")
    func dailyLimitHeadroom() {
        var issuer = Fixture.bank(dailyLimit: Money(minorUnits: 10000))
        let request = Fixture.purchase()
        _ = issuer.receive(request, from: "UnionPay", now: Fixture.friday)
        _ = issuer.receive(reversal(of: request), from: "UnionPay", now: Fixture.friday)
        let retry = Fixture.purchase(at: Fixture.friday.advanced(by: .seconds(300)))
        #expect(Fixture.sent(issuer.receive(retry, from: "UnionPay", now: Fixture.friday.advanced(by: .seconds(300))))[0].0[39] == "00")
        let more = Fixture.purchase(amount: 1, at: Fixture.friday.advanced(by: .seconds(600)))
        #expect(Fixture.sent(issuer.receive(more, from: "UnionPay", now: Fixture.friday.advanced(by: .seconds(600))))[0].0[39] == "61")
    }

    @Test("a reversal of a void takes the money from the card again, once")
    func voidReversal() {
        var issuer = Fixture.bank()
        let request = Fixture.purchase()
        _ = issuer.receive(request, from: "UnionPay", now: Fixture.friday)
        var void = request.keeping([2, 4, 41, 42, 49], mti: .financialRequest)
        void[3] = ProcessingCode.void
        void.stamp(now: Fixture.friday.advanced(by: .seconds(30)), stan: "000555", local: nil)
        void[90] = request.originalDataElements
        _ = issuer.receive(void, from: "UnionPay", now: Fixture.friday)
        #expect(issuer.ledger.balance("6222020000000001") == Money(minorUnits: 500_000))
        let undone = issuer.receive(reversal(of: void), from: "UnionPay", now: Fixture.friday)
        #expect(Fixture.events(undone).map(\.facts.operation) == [.voidReversal])
        #expect(issuer.ledger.balance("6222020000000001") == Money(minorUnits: 490_000))
        _ = issuer.receive(reversal(of: void), from: "UnionPay", now: Fixture.friday)
        #expect(issuer.ledger.balance("6222020000000001") == Money(minorUnits: 490_000))
        #expect(issuer.ledger.total == .zero)
    }

    @Test("a bank in maintenance answers nothing, and credits queued payouts when it ends")
    func maintenance() {
        var bank = BankStateMachine(configuration: .init(
            name: "CMB", cards: [], accounts: [(number: "6214830000000001", balance: .zero, status: .active)], zone: Fixture.zone, currency: Fixture.cny), seed: 1)
        _ = bank.perform(.maintenance(true), now: Fixture.friday)
        #expect(bank.receive(Fixture.credit(), from: "Leshua", now: Fixture.friday).isEmpty)
        #expect(bank.receive(Fixture.purchase(), from: "UnionPay", now: Fixture.friday).isEmpty)
        let end = bank.perform(.maintenance(false), now: Fixture.friday.advanced(by: .seconds(3600)))
        #expect(Fixture.events(end).map(\.kind) == [.arrived])
        #expect(bank.ledger.balance("6214830000000001") == Money(minorUnits: 9940))
    }

    @Test("the issuer approves and debits, or declines with the code of the first check that fails", arguments: [
        (500_000 as Int64, AccountStatus.active, "2812", "00"),
        (5_000, .active, "2812", "51"),
        (500_000, .frozen, "2812", "62"),
        (500_000, .lost, "2812", "41"), (500_000, .stolen, "2812", "43"),
        (500_000, .active, "2604", "54"),
    ])
    func checks(balance: Int64, status: AccountStatus, expiry: String, code: String) {
        var issuer = Fixture.bank(balance: balance, status: status, expiry: expiry)
        let actions = issuer.receive(Fixture.purchase(), from: "UnionPay", now: Fixture.friday)
        let (answer, peer) = Fixture.sent(actions)[0]
        #expect(peer == "UnionPay")
        #expect(answer[39] == code)
        let debited = Money(minorUnits: balance - 10000)
        #expect(issuer.ledger.balance("6222020000000001") == (code == "00" ? debited : Money(minorUnits: balance)))
        #expect(issuer.ledger.total == .zero)
    }

    @Test("the issuer answers 13 for a zero amount and 14 for an unknown card")
    func amountAndCard() {
        var issuer = Fixture.bank()
        var zero = Fixture.purchase()
        zero[4] = "000000000000"
        #expect(Fixture.sent(issuer.receive(zero, from: "UnionPay", now: Fixture.friday))[0].0[39] == "13")
        var unknown = Fixture.purchase()
        unknown[2] = "6222029999999999"
        unknown[11] = "000002"
        #expect(Fixture.sent(issuer.receive(unknown, from: "UnionPay", now: Fixture.friday))[0].0[39] == "14")
    }

    @Test("a purchase that reaches the issuer twice is charged once; the copy is answered 94")
    func duplicatePurchase() {
        var issuer = Fixture.bank()
        let request = Fixture.purchase()
        #expect(Fixture.sent(issuer.receive(request, from: "UnionPay", now: Fixture.friday))[0].0[39] == "00")
        let copy = issuer.receive(request, from: "UnionPay", now: Fixture.friday)
        #expect(Fixture.sent(copy)[0].0[39] == "94")
        #expect(Fixture.events(copy).map(\.kind) == [.duplicate])
        #expect(issuer.ledger.balance("6222020000000001") == Money(minorUnits: 490_000))
    }

    @Test("a payout credit repeated (its answer lost) is answered as the first was, and credited once")
    func repeatedCredit() {
        var bank = BankStateMachine(configuration: .init(
            name: "CMB", cards: [], accounts: [(number: "6214830000000001", balance: .zero, status: .active)], zone: Fixture.zone, currency: Fixture.cny), seed: 1)
        _ = bank.receive(Fixture.credit(), from: "Leshua", now: Fixture.friday)
        var again = Fixture.credit()
        again.mti = again.mti.repeated
        let answer = bank.receive(again, from: "Leshua", now: Fixture.friday)
        #expect(Fixture.sent(answer).map { "\($0.0.mti) \($0.0[39] ?? "")" } == ["0211 00"])
        #expect(Fixture.events(answer).isEmpty)
        #expect(bank.ledger.balance("6214830000000001") == Money(minorUnits: 9940))
    }

    @Test("the merchant's bank credits an active account and refuses a frozen one")
    func merchantCredit() {
        var open = BankStateMachine(configuration: .init(
            name: "CMB", cards: [], accounts: [(number: "6214830000000001", balance: .zero, status: .active)], zone: Fixture.zone, currency: Fixture.cny), seed: 1)
        let actions = open.receive(Fixture.credit(), from: "Leshua", now: Fixture.friday)
        #expect(Fixture.sent(actions)[0].0[39] == "00")
        #expect(Fixture.events(actions).map(\.kind) == [.arrived])
        #expect(open.ledger.balance("6214830000000001") == Money(minorUnits: 9940))

        var frozen = BankStateMachine(configuration: .init(
            name: "CMB", cards: [], accounts: [(number: "6214830000000001", balance: .zero, status: .frozen)], zone: Fixture.zone, currency: Fixture.cny), seed: 1)
        let refused = frozen.receive(Fixture.credit(), from: "Leshua", now: Fixture.friday)
        #expect(Fixture.sent(refused)[0].0[39] == "62")
        #expect(Fixture.events(refused).map(\.kind) == [.returned])
        #expect(frozen.ledger.balance("6214830000000001") == .zero)
    }
}
