import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

@Suite("Acquirer")
struct AcquirerStateMachineTests {
    @Test("the acquirer ignores a repeat while the first is in progress, and once it is answered replays that answer, byte for byte, without forwarding")
    func duplicate() {
        var acquirer = Fixture.acquirer()
        let request = Fixture.purchase()
        let forwarded = Fixture.sent(acquirer.receive(request, from: "T0000001", now: Fixture.friday))[0].0
        let during = acquirer.receive(request, from: "T0000001", now: Fixture.friday)
        #expect(Fixture.sent(during).isEmpty)
        #expect(Fixture.events(during).map(\.kind) == [.duplicate])
        let answered = acquirer.receive(Fixture.approval(of: forwarded), from: "UnionPay", now: Fixture.friday)
        let first = Fixture.sent(answered).first { $0.1 == "T0000001" }?.0
        let again = acquirer.receive(request, from: "T0000001", now: Fixture.friday.advanced(by: .seconds(5)))
        #expect(Fixture.sent(again).map(\.1) == ["T0000001"], "a repeat is answered by the acquirer, never forwarded")
        #expect(Fixture.sent(again).first?.0[39] == "00")
        #expect(Fixture.sent(again).first?.0[11] == request[11])
        #expect(first != nil && Fixture.sent(again).first?.0 == first)
        #expect(Fixture.events(again).map(\.kind) == [.duplicate])
        #expect(Fixture.events(again).first?.facts.responseCode == .approved)
    }

    @Test("a repeat of a purchase the terminal reversed is answered 94: nothing stands to replay")
    func repeatAfterReversal() {
        var acquirer = Fixture.acquirer()
        let request = Fixture.purchase()
        let forwarded = Fixture.sent(acquirer.receive(request, from: "T0000001", now: Fixture.friday))[0].0
        _ = acquirer.receive(Fixture.approval(of: forwarded), from: "UnionPay", now: Fixture.friday)
        _ = acquirer.receive(request.reversal(mti: .reversalRequest, now: Fixture.friday, stan: "000999"), from: "T0000001", now: Fixture.friday)
        let again = acquirer.receive(request, from: "T0000001", now: Fixture.friday.advanced(by: .seconds(5)))
        #expect(Fixture.sent(again).map { $0.0[39] } == ["94"])
        #expect(Fixture.events(again).map(\.kind) == [.duplicate])
    }

    @Test("the acquirer adds DE32, and on approval pays the merchant at the payout time of its terms")
    func payout() {
        var acquirer = Fixture.acquirer()
        let (forwarded, scheme) = Fixture.sent(acquirer.receive(Fixture.purchase(), from: "T0000001", now: Fixture.friday))[0]
        #expect(scheme == "UnionPay")
        #expect(forwarded[32] == "48020000")
        #expect(forwarded[18] == "5411")
        let answered = acquirer.receive(Fixture.approval(of: forwarded), from: "UnionPay", now: Fixture.friday)
        #expect(Fixture.sent(answered).map(\.1) == ["T0000001"])
        let monday = Fixture.at("2026-05-11 09:00")
        let booked = Fixture.events(answered).first { $0.kind == .scheduled }
        #expect(booked?.facts.schedule?.payout == .at(LocalDateTime("2026-05-11 09:00")!))
        let payoutTimer = Fixture.timers(answered).first { $0.1 == monday }
        #expect(payoutTimer != nil)
        let payout = acquirer.timerFired(payoutTimer!.0, now: monday)
        let (credit, bank) = Fixture.sent(payout)[0]
        #expect(bank == "CMB")
        #expect(credit[3] == "280000")
        #expect(credit[4] == "000000009940")
        #expect(credit[103] == "6214830000000001")
        #expect(Fixture.events(payout).map(\.kind) == [.paidOut])
        _ = acquirer.receive(credit.response(code: .approved), from: "CMB", now: monday)
        #expect(acquirer.ledger.balance("settlement:CMB") == Money(minorUnits: 9940))
        #expect(acquirer.ledger.balance("fees") == Money(minorUnits: 60))
        #expect(acquirer.ledger.total == .zero)
        #expect(acquirer.waitingOn.isEmpty)
    }

    @Test("a merchant id with spaces (DE42 is ans) is paid like any other")
    func merchantWithSpaces() {
        var acquirer = Fixture.acquirer(Fixture.merchant(id: "ACME SHOP 00001"))
        let forwarded = Fixture.sent(acquirer.receive(Fixture.purchase(merchantID: "ACME SHOP 00001"), from: "T0000001", now: Fixture.friday))[0].0
        let answered = acquirer.receive(Fixture.approval(of: forwarded), from: "UnionPay", now: Fixture.friday)
        let timer = Fixture.timers(answered).first { if case .payout = $0.0 { return true } else { return false } }!
        #expect(Fixture.sent(acquirer.timerFired(timer.0, now: timer.1)).map(\.1) == ["CMB"])
    }

    @Test("the payout follows the clearing date of DE15: an approval the scheme cleared the next day is paid a day later")
    func clearingDateFromScheme() {
        let late = Fixture.at("2026-05-07 22:59")
        var acquirer = Fixture.acquirer(signedOn: late)
        let forwarded = Fixture.sent(acquirer.receive(Fixture.purchase(at: late), from: "T0000001", now: late))[0].0
        let answered = acquirer.receive(Fixture.approval(of: forwarded, clearedOn: "0508"), from: "UnionPay", now: late.advanced(by: .seconds(120)))
        let schedule = Fixture.events(answered).first { $0.kind == .scheduled }?.facts.schedule
        #expect(schedule?.clearingDate == LocalDate("2026-05-08"))
        #expect(schedule?.payout == .at(LocalDateTime("2026-05-11 09:00")!))
    }

    @Test("an approval that arrives after the terminal reversed the purchase is not booked, and the reversal goes upstream")
    func lateApprovalAfterReversal() {
        var acquirer = Fixture.acquirer()
        var terminal = Fixture.terminal()
        let swipe = terminal.perform(.swipe(.init(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 10000))), now: Fixture.friday)
        let forwarded = Fixture.sent(acquirer.receive(Fixture.sent(swipe)[0].0, from: "T0000001", now: Fixture.friday))[0].0
        let timedOut = terminal.timerFired(Fixture.timers(swipe)[0].0, now: Fixture.friday.advanced(by: .seconds(60)))
        let reversed = acquirer.receive(Fixture.sent(timedOut)[0].0, from: "T0000001", now: Fixture.friday.advanced(by: .seconds(60)))
        #expect(Fixture.sent(reversed).map { "\($0.0.mti) \($0.1)" } == ["0410 T0000001", "0420 UnionPay"])
        let late = acquirer.receive(Fixture.approval(of: forwarded), from: "UnionPay", now: Fixture.friday.advanced(by: .seconds(61)))
        #expect(late.isEmpty)
        #expect(acquirer.ledger.balance("merchant:898440354110001") == .zero)
    }

    @Test("a T+0 purchase paid out and then reversed is netted from the merchant's next payout")
    func reversalAfterInstantPayout() {
        var acquirer = Fixture.acquirer(Fixture.merchant(terms: "T+0"))
        let first = Fixture.purchase()
        let forwarded = Fixture.sent(acquirer.receive(first, from: "T0000001", now: Fixture.friday))[0].0
        let paid = acquirer.receive(Fixture.approval(of: forwarded), from: "UnionPay", now: Fixture.friday)
        let credit = Fixture.sent(paid).first { $0.1 == "CMB" }!.0
        _ = acquirer.receive(credit.response(code: .approved), from: "CMB", now: Fixture.friday)
        // The terminal never got the approval and reverses: the merchant owes 99.40 back.
        let reversal = first.reversal(mti: .reversalRequest, now: Fixture.friday.advanced(by: .seconds(60)), stan: "000777")
        _ = acquirer.receive(reversal, from: "T0000001", now: Fixture.friday.advanced(by: .seconds(60)))
        #expect(acquirer.ledger.balance("merchant:898440354110001") == Money(minorUnits: -9940))
        // A void of a paid-out purchase is refused: it cannot be taken back from the card and the merchant both.
        let second = Fixture.purchase(amount: 20000, at: Fixture.friday.advanced(by: .seconds(120)))
        let forwardedSecond = Fixture.sent(acquirer.receive(second, from: "T0000001", now: Fixture.friday.advanced(by: .seconds(120))))[0].0
        let netted = acquirer.receive(Fixture.approval(of: forwardedSecond), from: "UnionPay", now: Fixture.friday.advanced(by: .seconds(120)))
        let nettedCredit = Fixture.sent(netted).first { $0.1 == "CMB" }!.0
        #expect(nettedCredit[4] == "000000009940") // 198.80 due, 99.40 owed back
        #expect(Fixture.events(netted).filter { $0.kind == .paidOut }.compactMap(\.facts.amount) == [Money(minorUnits: 19880), Money(minorUnits: -9940)])
        _ = acquirer.receive(nettedCredit.response(code: .approved), from: "CMB", now: Fixture.friday.advanced(by: .seconds(120)))
        #expect(acquirer.ledger.balance("merchant:898440354110001") == .zero)
        #expect(acquirer.ledger.total == .zero)
    }

    @Test("a void after the purchase was paid out is refused 12")
    func voidAfterPayout() {
        var acquirer = Fixture.acquirer(Fixture.merchant(terms: "T+0"))
        let purchase = Fixture.purchase()
        let forwarded = Fixture.sent(acquirer.receive(purchase, from: "T0000001", now: Fixture.friday))[0].0
        _ = acquirer.receive(Fixture.approval(of: forwarded), from: "UnionPay", now: Fixture.friday)
        var void = purchase.keeping([2, 4, 41, 42, 49], mti: .financialRequest)
        void[3] = ProcessingCode.void
        void.stamp(now: Fixture.friday.advanced(by: .seconds(30)), stan: "000888", local: nil)
        void[90] = purchase.originalDataElements
        let refused = acquirer.receive(void, from: "T0000001", now: Fixture.friday.advanced(by: .seconds(30)))
        #expect(Fixture.sent(refused).map { $0.0[39] } == ["12"])
    }

    @Test("a purchase whose fee takes the whole amount is settled at its payout time with nothing to transfer")
    func zeroNet() {
        var acquirer = Fixture.acquirer()
        let forwarded = Fixture.sent(acquirer.receive(Fixture.purchase(amount: 1), from: "T0000001", now: Fixture.friday))[0].0
        let answered = acquirer.receive(Fixture.approval(of: forwarded), from: "UnionPay", now: Fixture.friday)
        let timer = Fixture.timers(answered).first { if case .payout = $0.0 { return true } else { return false } }!
        let payout = acquirer.timerFired(timer.0, now: timer.1)
        #expect(Fixture.sent(payout).isEmpty)
        #expect(Fixture.events(payout).map(\.kind) == [.paidOut, .arrived])
        #expect(acquirer.waitingOn.isEmpty)
        // Nothing is left to pay at the next payout time either.
        #expect(acquirer.timerFired(timer.0, now: timer.1.advanced(by: .seconds(86400))).isEmpty)
    }

    @Test("a reversal is repeated as 0421 until acknowledged, however long the scheme is away")
    func storeAndForward() {
        var acquirer = Fixture.acquirer()
        let forwarding = acquirer.receive(Fixture.purchase(), from: "T0000001", now: Fixture.friday)
        let silent = acquirer.timerFired(Fixture.timers(forwarding)[0].0, now: Fixture.friday.advanced(by: .seconds(45)))
        #expect(Fixture.sent(silent).map { "\($0.0.mti) \($0.0[39] ?? "")" } == ["0210 91", "0420 "])
        var timer = Fixture.timers(silent)[0]
        var last = Fixture.sent(silent).last!.0
        for _ in 0..<40 {
            let again = acquirer.timerFired(timer.0, now: timer.1)
            last = Fixture.sent(again)[0].0
            #expect(last.mti == "0421")
            let next = Fixture.timers(again)[0]
            #expect(timer.1.duration(to: next.1) <= .seconds(45 * 64))
            timer = next
        }
        let done = acquirer.receive(last.response(code: .approved), from: "UnionPay", now: timer.1)
        #expect(done == [.cancelTimer(timer.0)])
        #expect(acquirer.waitingOn.isEmpty)
    }
}
