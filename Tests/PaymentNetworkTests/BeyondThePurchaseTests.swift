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

    @Test("a chargeback credits the card, is taken from the merchant once, and a second dispute reaches the scheme, is refused 12 and moves nothing")
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
        network.run(until: Fixture.at("2026-05-13 10:00"))
        #expect(network.faults.isEmpty, "\(network.faults)")
        // The scheme refuses it (12) and it never reaches the acquirer; the card's provisional second credit is taken back.
        let refusals = network.delivered.filter { $0.to == "ICBC" && $0.message.mti == "0432" }.map { $0.message[39] }
        #expect(refusals.last == "12")
        #expect(network.delivered.filter { $0.to == "Leshua" && $0.message.isChargeback }.count == 2)
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 100_000))
        #expect(network.kinds(tablet).filter { $0 == .chargedBack }.count == 1)
        #expect(network.moneyConserved)
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

    @Test("every hop gives a request its own STAN and answers under the sender's; the issuer sees the scheme's")
    func perHopSTAN() throws {
        var network = Fixture.network()
        network.perform(Fixture.swipe("buy", 10_000), on: "T0000001", at: Fixture.friday)
        #expect(network.answer("buy") == .approved)
        let hops = network.delivered.filter { $0.message.mti == "0200" }.map { "\($0.from)->\($0.to) \($0.message[11]!)" }
        let answers = network.delivered.filter { $0.message.mti == "0210" }.map { "\($0.from)->\($0.to) \($0.message[11]!)" }
        #expect(hops.count == 3 && Set(hops.map { $0.suffix(6) }).count == 3, "\(hops)")
        // Each answer carries the STAN of the request it answers, hop by hop.
        #expect(answers.map { $0.suffix(6) } == hops.reversed().map { $0.suffix(6) }, "\(answers) \(hops)")
        // The acquirer set the RRN; the scheme kept it.
        let rrns = Set(network.delivered.filter { $0.message.mti == "0200" && $0.from != "T0000001" }.compactMap { $0.message[37] })
        #expect(rrns.count == 1)
        // And the timeline has the issuer's approval under the terminal's reference.
        let buy = try #require(network.reference(of: "buy"))
        #expect(network.kinds(buy).contains(.authorized) && network.timeline.contains { $0.node == "ICBC" && $0.reference == .transaction(buy) })
    }

    @Test("a request from a terminal that has not signed on today is refused 77; a reversal is always taken")
    func signOnAgain() {
        var acquirer = Fixture.acquirer(signedOn: Fixture.at("2026-05-07 10:00"))   // signed on yesterday
        let purchase = Fixture.purchase()
        let refused = acquirer.receive(purchase, from: "T0000001", now: Fixture.friday)
        #expect(Fixture.sent(refused).map { "\($0.0.mti) \($0.0[39] ?? "")" } == ["0210 77"])
        let reversal = purchase.reversal(mti: .reversalRequest, now: Fixture.friday, stan: "000777")
        #expect(Fixture.sent(acquirer.receive(reversal, from: "T0000001", now: Fixture.friday)).first?.0.mti == "0410")
        _ = acquirer.receive(Fixture.signOn(at: Fixture.friday), from: "T0000001", now: Fixture.friday)
        let again = Fixture.purchase(at: Fixture.friday.advanced(by: .seconds(60)))
        #expect(Fixture.sent(acquirer.receive(again, from: "T0000001", now: Fixture.friday.advanced(by: .seconds(60)))).first?.1 == "UnionPay")
    }

    @Test("a terminal that loses power with a purchase in flight reverses it once it is back and signed on")
    func powerLoss() throws {
        var network = Fixture.network()
        network.drops = [(from: "Leshua", to: "T0000001", mti: "0210")]   // the approval comes while the terminal is dark
        network.perform(.power(false), on: "T0000001", at: Fixture.friday)
        network.perform(Fixture.swipe("buy", 10_000), on: "T0000001", at: Fixture.friday)
        #expect(network.answer("buy") == nil)   // nothing could be sent: it is off
        network.perform(.power(true), on: "T0000001", at: Fixture.at("2026-05-08 15:40"))
        network.perform(Fixture.swipe("book", 12_000), on: "T0000001", at: Fixture.at("2026-05-08 15:41"))
        network.drops = []
        network.perform(.power(false), on: "T0000001", at: Fixture.at("2026-05-08 15:41"))
        network.perform(.power(true), on: "T0000001", at: Fixture.at("2026-05-08 16:00"))
        let book = try #require(network.reference(of: "book"))
        #expect(network.kinds(book).contains(.reversed))
        let mtis = network.delivered.filter { $0.from == "T0000001" }.map(\.message.mti.rawValue)
        #expect(mtis.suffix(2) == ["0800", "0400"], "\(mtis)")   // signed on, then the reversal
        network.run(until: Fixture.at("2026-05-09 00:00"))
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 500_000))
        #expect(network.moneyConserved)
    }

    @Test("a batch whose totals disagree is answered with DE48's code 2, uploaded, and closed by the end of the upload; what the terminal never completed is reversed")
    func batch() throws {
        var network = Fixture.network()
        network.perform(Fixture.swipe("coffee", 3_000), on: "T0000001", at: Fixture.friday)
        network.drops = [(from: "Leshua", to: "T0000001", mti: "0210")]
        network.perform(Fixture.swipe("cake", 5_000), on: "T0000001", at: Fixture.at("2026-05-08 15:31"))
        network.drops = [(from: "T0000001", to: "Leshua", mti: "0400")]   // and its reversal is lost
        network.run(until: Fixture.at("2026-05-08 15:32:10"))
        network.perform(.settle, on: "T0000001", at: Fixture.at("2026-05-08 15:32:20"))
        // As a UnionPay POS settles: DE48's totals (reconciliation code 0, then the host's 2), the
        // item uploaded, then the end of the upload (DE60.3 207, DE48 the count of items).
        let batch = network.delivered.filter { ["0500", "0510", "0320", "0330"].contains($0.message.mti.rawValue) }
            .map { "\($0.message.mti) \($0.message[39] ?? "") \($0.message[48].map { String($0.prefix(4)) + "/" + String($0.dropFirst(30).prefix(1)) } ?? "") \($0.message[60] ?? "")" }
        #expect(batch == ["0500  0010/0 00000001201", "0510 00 0020/2 ", "0320   ", "0330 00  ", "0320  0001/ 00000001207", "0330 00  "], "\(batch)")
        let cake = try #require(network.reference(of: "cake"))
        #expect(network.kinds(cake).contains(.batchMismatch))
        #expect(network.kinds(try #require(network.reference(of: "coffee"))).filter { $0 == .batchSettled }.count == 2)
        network.run(until: Fixture.at("2026-05-09 00:00"))
        #expect(network.ledger("ICBC").balance(Self.card) == Money(minorUnits: 497_000))
        #expect(network.moneyConserved)
    }

    @Test("a terminal's reversal keeps the purchase's STAN and gives its reason in DE39: 98 after a timeout, A0 for an answer whose MAC did not check, 06 after a power loss")
    func reversalReasons() throws {
        var terminal = Fixture.terminal()
        let sent = Fixture.sent(terminal.perform(Fixture.swipe("buy", 10_000), now: Fixture.friday))[0].0
        let timedOut = Fixture.sent(terminal.timerFired(.answer(sent.transactionReference), now: Fixture.friday.advanced(by: .seconds(60))))[0].0
        #expect(timedOut.mti == "0400" && timedOut[11] == sent[11] && timedOut[39] == "98" && timedOut[7] != sent[7])
        let second = Fixture.sent(terminal.perform(Fixture.swipe("book", 12_000), now: Fixture.friday.advanced(by: .seconds(120))))[0].0
        // An answer it cannot trust: it signs on again for new keys, then reverses under them.
        let again = Fixture.sent(terminal.untrusted(second.response(code: .approved), from: "Leshua", now: Fixture.friday.advanced(by: .seconds(121))))
        #expect(again.map(\.0.mti) == ["0800"] && again[0].0[70] == "001")
        var signedOnAgain = again[0].0.response(code: .approved)
        signedOnAgain[70] = "001"
        let untrusted = Fixture.sent(terminal.receive(signedOnAgain, from: "Leshua", now: Fixture.friday.advanced(by: .seconds(121))))
        #expect(untrusted.first?.0.mti == "0400" && untrusted.first?.0[11] == second[11] && untrusted.first?.0[39] == "A0")
        let third = Fixture.sent(terminal.perform(Fixture.swipe("pen", 500), now: Fixture.friday.advanced(by: .seconds(180))))[0].0
        #expect(third.mti == "0200")
        _ = terminal.perform(.power(false), now: Fixture.friday.advanced(by: .seconds(181)))
        let back = Fixture.sent(terminal.perform(.power(true), now: Fixture.friday.advanced(by: .seconds(300))))[0].0
        var signOn = back.response(code: .approved)
        signOn[70] = "001"
        let afterSignOn = Fixture.sent(terminal.receive(signOn, from: "Leshua", now: Fixture.friday.advanced(by: .seconds(300))))
        #expect(afterSignOn.first?.0.mti == "0400" && afterSignOn.first?.0[11] == third[11] && afterSignOn.first?.0[39] == "06")
    }
}
