import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

/// The aggregator (二清) alone: paid by the acquirer, paying its sub-merchant on its own terms.
@Suite("Aggregator")
struct AggregatorStateMachineTests {
    static func aggregator(pays: String = "T+1") -> AggregatorStateMachine {
        AggregatorStateMachine(configuration: .init(
            name: "QuickPay", account: "6214830000009999",
            subMerchants: ["898440354110020": .init(accountBank: "CMB", accountNumber: "6214830000000020", pays: SettlementTerms(pays)!, payoutAt: TimeOfDay(hour: 9, minute: 0)!)],
            calendar: .weekdays, zone: Fixture.zone, currency: Fixture.cny), seed: 1)
    }

    static func credit(account: String = "6214830000009999", merchant: String = "898440354110020", rrn: String = "123456789012") -> ISOMessage {
        var credit = ISOMessage(mti: .financialRequest)
        credit[DE.processingCode] = ProcessingCode.payoutCredit
        credit[DE.amount] = Money(minorUnits: 9940).de4
        credit.stamp(now: Fixture.friday, stan: "000777", local: Fixture.zone.local(Fixture.friday))
        credit[DE.rrn] = rrn
        credit[DE.merchantID] = merchant
        credit[DE.creditAccount] = account
        return credit
    }

    @Test("paid on Friday under T+1, it pays the sub-merchant's account on Monday 09:00 under the acquirer's RRN, and books the money both ways")
    func paysOn() throws {
        var node = Self.aggregator()
        let received = node.receive(Self.credit(), from: "Leshua", now: Fixture.friday)
        #expect(Fixture.sent(received).map { "\($0.0.mti) \($0.0[DE.responseCode] ?? "") \($0.1)" } == ["0210 00 Leshua"])
        #expect(Fixture.events(received).map(\.kind) == [.paidToAggregator])
        let (key, at) = try #require(Fixture.timers(received).first)
        #expect(at == Fixture.at("2026-05-11 09:00"))
        #expect(node.ledger.balance("merchant:898440354110020") == Money(minorUnits: 9940))
        // A repeat of the same credit: the same answer, no money twice.
        let again = node.receive(Self.credit(), from: "Leshua", now: Fixture.friday)
        #expect(Fixture.events(again).isEmpty && node.ledger.balance("merchant:898440354110020") == Money(minorUnits: 9940))
        let paying = node.timerFired(key, now: at)
        let onward = try #require(Fixture.sent(paying).first)
        #expect(onward.1 == "CMB" && onward.0[DE.creditAccount] == "6214830000000020" && onward.0[DE.rrn] == "123456789012" && onward.0.isPayout)
        #expect(node.waitingOn.map(\.kind) == [.payout])
        _ = node.receive(onward.0.response(code: .approved), from: "CMB", now: at)
        #expect(node.waitingOn.isEmpty)
        #expect(node.ledger.balance("settlement:CMB") == Money(minorUnits: 9940) && node.ledger.balance("settlement:Leshua") == Money(minorUnits: -9940))
        #expect(node.ledger.total == .zero)
    }

    @Test("in default it keeps the money (event kept), and pays what is due when the default ends")
    func defaults() throws {
        var node = Self.aggregator(pays: "T+0")
        _ = node.perform(.aggregatorDefault(true), now: Fixture.friday)
        let received = node.receive(Self.credit(), from: "Leshua", now: Fixture.friday)
        let (key, at) = try #require(Fixture.timers(received).first)
        let kept = node.timerFired(key, now: at)
        #expect(Fixture.sent(kept).isEmpty && Fixture.events(kept).map(\.kind) == [.kept])
        let later = node.perform(.aggregatorDefault(false), now: Fixture.at("2026-05-08 18:00"))
        #expect(Fixture.sent(later).map(\.1) == ["CMB"])
    }

    @Test("a credit to another account, or for a merchant it does not serve, is refused 14 and moves nothing")
    func refuses() {
        var node = Self.aggregator()
        for credit in [Self.credit(account: "6214830000000001", rrn: "1"), Self.credit(merchant: "898440354110099", rrn: "2")] {
            let answer = node.receive(credit, from: "Leshua", now: Fixture.friday)
            #expect(Fixture.sent(answer).first?.0[DE.responseCode] == "14")
        }
        #expect(node.ledger.postings == 0)
    }
}
