import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

/// Pre-authorizations, completions, cancellations, refunds and chargebacks across every node,
/// in memory (no sockets): what each message does to the money.
@Suite("Beyond the purchase: the node logic")
struct BeyondThePurchaseTests {
    static let card = "6222020000000001"
    static let merchant = "merchant:898440354110001"

    @Test("a pre-authorization holds funds without taking them: the balance stays, a purchase beyond what is left is declined 51")
    func holds() {
        var network = Fixture.network(balance: 100_000)
        network.perform(Fixture.swipe("room", 80_000, preauthorization: true), on: "T0000001", at: Fixture.friday)
        #expect(network.answer("room") == .approved)
        let mtis: [String] = network.delivered.map(\.message.mti.rawValue).filter { !$0.hasPrefix("08") }
        #expect(Array(mtis.prefix(4)) == ["0100", "0100", "0100", "0110"])
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 100_000))
        network.perform(Fixture.swipe("dinner", 30_000), on: "T0000001", at: Fixture.at("2026-05-08 19:00"))
        #expect(network.answer("dinner") == .insufficientFunds)
        network.perform(Fixture.swipe("snack", 20_000), on: "T0000001", at: Fixture.at("2026-05-08 19:05"))
        #expect(network.answer("snack") == .approved)
        network.run(until: Fixture.at("2026-05-09 00:00"))   // past the cutoff: the scheme settled the day
        #expect(network.moneyConserved)
    }

    @Test("a completion takes what it completes, releases the rest, and pays the merchant; a second completion is refused 12")
    func completion() throws {
        var network = Fixture.network(balance: 100_000)
        network.perform(Fixture.swipe("room", 80_000, preauthorization: true), on: "T0000001", at: Fixture.friday)
        network.perform(.complete(id: "checkout", of: "room", amount: Money(minorUnits: 76_000)), on: "T0000001", at: Fixture.at("2026-05-08 18:00"))
        #expect(network.answer("checkout") == .approved)
        let completion = try #require(network.delivered.first { $0.to == "ICBC" && $0.message.isCompletion }?.message)
        #expect(completion.mti == "0220" && completion[25] == "06" && completion[3] == "000000")
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 24_000))
        network.perform(.complete(id: "again", of: "room", amount: Money(minorUnits: 1_000)), on: "T0000001", at: Fixture.at("2026-05-08 18:05"))
        #expect(network.answer("again") == .invalidTransaction)
        network.run(until: Fixture.at("2026-05-11 10:00"))
        #expect(network.ledger("CMB").balance("6214830000000001") == Money(minorUnits: 75_544))   // 760.00 less the 0.6% fee
        #expect(network.kinds(try #require(network.reference(of: "room"))).contains(.completed))
        #expect(network.moneyConserved)
    }

    @Test("a completion above the hold and its tolerance is declined 13 by the scheme and takes nothing")
    func tolerance() {
        var network = Fixture.network(balance: 500_000)
        network.perform(Fixture.swipe("room", 100_000, preauthorization: true), on: "T0000001", at: Fixture.friday)
        network.perform(.complete(id: "over", of: "room", amount: Money(minorUnits: 115_001)), on: "T0000001", at: Fixture.at("2026-05-08 18:00"))
        #expect(network.answer("over") == .invalidAmount)
        network.perform(.complete(id: "edge", of: "room", amount: Money(minorUnits: 115_000)), on: "T0000001", at: Fixture.at("2026-05-08 18:01"))
        #expect(network.answer("edge") == .approved)
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 385_000))
    }

    @Test("a cancellation releases the hold; a cancellation whose answer is lost is reversed, and the hold stands again")
    func cancellation() throws {
        var network = Fixture.network(balance: 100_000)
        network.perform(Fixture.swipe("room", 90_000, preauthorization: true), on: "T0000001", at: Fixture.friday)
        network.drops = [(from: "Leshua", to: "T0000001", mti: "0110")]
        network.perform(.cancel(id: "undo", of: "room"), on: "T0000001", at: Fixture.at("2026-05-08 16:00"))
        network.run(until: Fixture.at("2026-05-08 16:05"))
        let room = try #require(network.reference(of: "room"))
        #expect(network.kinds(room).suffix(2) == [.cancelled, .reversed])
        network.perform(Fixture.swipe("more", 20_000), on: "T0000001", at: Fixture.at("2026-05-08 16:10"))
        #expect(network.answer("more") == .insufficientFunds)   // 900.00 held again of 1000.00
        network.perform(.cancel(id: "undo-2", of: "room"), on: "T0000001", at: Fixture.at("2026-05-08 16:20"))
        #expect(network.answer("undo-2") == .approved)
        network.perform(Fixture.swipe("more-2", 20_000), on: "T0000001", at: Fixture.at("2026-05-08 16:30"))
        #expect(network.answer("more-2") == .approved)
        network.run(until: Fixture.at("2026-05-09 00:00"))
        #expect(network.moneyConserved)
    }

    @Test("a pre-authorization not completed within preauth_days expires: the hold goes, and a late completion is refused 12")
    func expiry() throws {
        var network = Fixture.network(balance: 100_000, preauthDays: 3)
        network.perform(Fixture.swipe("car", 90_000, preauthorization: true), on: "T0000001", at: Fixture.friday)
        network.run(until: Fixture.at("2026-05-11 15:29"))
        let car = try #require(network.reference(of: "car"))
        #expect(!network.kinds(car).contains(.expired))
        network.run(until: Fixture.at("2026-05-11 15:30"))
        #expect(network.kinds(car).last == .expired)
        network.perform(.complete(id: "late", of: "car", amount: Money(minorUnits: 50_000)), on: "T0000001", at: Fixture.at("2026-05-12 09:00"))
        #expect(network.answer("late") == .invalidTransaction)
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 100_000))
    }

    @Test("a refund is credited to the card on its clearing, taken from the merchant, and never exceeds what was captured")
    func refund() throws {
        var network = Fixture.network(balance: 100_000)
        network.perform(Fixture.swipe("jacket", 30_000), on: "T0000001", at: Fixture.friday)
        network.run(until: Fixture.at("2026-05-11 10:00"))   // paid out Monday 09:00
        #expect(network.ledger("CMB").balance("6214830000000001") == Money(minorUnits: 29_820))
        network.perform(.refund(id: "back", of: "jacket", amount: Money(minorUnits: 10_000)), on: "T0000001", at: Fixture.at("2026-05-11 11:00"))
        #expect(network.answer("back") == .approved)
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 70_000))   // not yet: on the refund's clearing
        network.run(until: Fixture.at("2026-05-11 23:00"))
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 80_000))
        #expect(network.ledger("Leshua").balance(Self.merchant) == Money(minorUnits: -10_000))   // the merchant owes it back
        network.perform(.refund(id: "too-much", of: "jacket", amount: Money(minorUnits: 20_001)), on: "T0000001", at: Fixture.at("2026-05-12 10:00"))
        #expect(network.answer("too-much") == .invalidAmount)
        network.perform(.refund(id: "rest", of: "jacket", amount: Money(minorUnits: 20_000)), on: "T0000001", at: Fixture.at("2026-05-12 10:05"))
        #expect(network.answer("rest") == .approved)
        network.run(until: Fixture.at("2026-05-13 00:00"))
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 100_000))
        let jacket = try #require(network.reference(of: "jacket"))
        #expect(network.kinds(jacket).filter { $0 == .refunded }.count == 2)
        #expect(network.moneyConserved)
    }

    @Test("a chargeback credits the card, is taken from the merchant once, and a repeat of it moves nothing")
    func chargeback() throws {
        var network = Fixture.network(balance: 100_000)
        network.perform(Fixture.swipe("tablet", 50_000), on: "T0000001", at: Fixture.friday)
        let tablet = try #require(network.reference(of: "tablet"))
        network.drops = [(from: "Leshua", to: "UnionPay", mti: "0432")]   // the first acknowledgement is lost: the scheme repeats (0423)
        network.perform(.dispute(id: "cb", of: tablet, reason: "4837"), on: "ICBC", at: Fixture.at("2026-05-11 10:00"))
        network.run(until: Fixture.at("2026-05-12 10:00"))
        let sentToAcquirer = network.delivered.filter { $0.to == "Leshua" && $0.message.isChargeback }.map(\.message.mti.rawValue)
        #expect(sentToAcquirer == ["0422", "0423"])
        let chargeback = try #require(network.delivered.first { $0.message.mti == "0422" }?.message)
        #expect(chargeback[63] == "4837" && chargeback[90]?.hasPrefix("0200") == true)
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 100_000))
        #expect(network.ledger("Leshua").balance(Self.merchant) == Money(minorUnits: -50_000))   // paid Monday 09:00, then owes the chargeback
        #expect(network.kinds(tablet).filter { $0 == .chargedBack }.count == 1)
        #expect(network.moneyConserved)
        network.perform(.dispute(id: "cb-2", of: tablet, reason: "4837"), on: "ICBC", at: Fixture.at("2026-05-12 11:00"))
        #expect(network.faults.count == 1)   // the issuer does not charge back twice
    }

    @Test("the scheme refuses a second chargeback of the same purchase (another STAN) with 12")
    func secondChargeback() throws {
        var network = Fixture.network(balance: 100_000)
        network.perform(Fixture.swipe("tablet", 50_000), on: "T0000001", at: Fixture.friday)
        let tablet = try #require(network.reference(of: "tablet"))
        network.perform(.dispute(id: "cb", of: tablet, reason: "4837"), on: "ICBC", at: Fixture.at("2026-05-11 10:00"))
        // A second issuer (the same node restarted without its memory) charges the same purchase back.
        let first = try #require(network.delivered.first { $0.message.mti == "0422" }?.message)
        var scheme = network.nodes["UnionPay"]!
        var again = first
        again[11] = "999999"
        let answer = Fixture.sent(scheme.receive(again, from: "ICBC", now: Fixture.at("2026-05-11 11:00")))
        #expect(answer.first?.0.responseCode == .invalidTransaction)
    }
}
