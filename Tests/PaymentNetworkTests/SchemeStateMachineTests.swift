import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

@Suite("Scheme")
struct SchemeStateMachineTests {
    @Test("the scheme stands in up to its limit when the issuer is silent, and advises the issuer")
    func standIn() {
        var scheme = Fixture.scheme(standInLimit: Money(minorUnits: 50000))
        let routed = scheme.receive(Fixture.purchase(), from: "Leshua", now: Fixture.friday)
        let timeout = scheme.timerFired(Fixture.timers(routed)[0].0, now: Fixture.friday.advanced(by: .seconds(30)))
        let messages = Fixture.sent(timeout)
        #expect(messages.map(\.1) == ["Leshua", "ICBC"])
        #expect(messages[0].0[39] == "00")
        #expect(messages[1].0.mti == "0220")
        #expect(Fixture.events(timeout).map(\.kind) == [.stoodIn])
    }

    @Test("standing in for an issuer that signed off: the advice goes under the scheme's own STAN with its hop recorded, and a void names the purchase by that STAN")
    func standInWhileSignedOff() throws {
        var scheme = Fixture.scheme(standInLimit: Money(minorUnits: 50000))
        _ = scheme.receive(NetworkManagement.signOff.request(stan: "000777", now: Fixture.friday), from: "ICBC", now: Fixture.friday)
        let purchase = Fixture.purchase()
        let answered = scheme.receive(purchase, from: "Leshua", now: Fixture.friday)
        // Approved at once in the issuer's place, and the issuer advised (repeated until it answers).
        #expect(Fixture.sent(answered).map { "\($0.1) \($0.0.mti) \($0.0[39] ?? "")" } == ["Leshua 0210 00", "ICBC 0220 00"])
        let hops = scheme.hops.hops.map { ($0, scheme.hops[$0]!) }
        let hop = try #require(hops.first)
        #expect(hops.count == 1 && hop.1 == purchase.transactionReference && hop.0.stan != purchase[DE.stan])
        // The advice is under that hop's STAN: what the issuer records of it maps back to the purchase.
        let advice = try #require(Fixture.sent(answered).first { $0.0.mti == "0220" }?.0)
        #expect(advice.transactionReference == hop.0)
        _ = scheme.receive(advice.response(code: .approved), from: "ICBC", now: Fixture.friday.advanced(by: .seconds(61)))
        // ICBC signs on again; a void of the purchase names it, to ICBC, by the STAN ICBC knows it by.
        _ = scheme.receive(NetworkManagement.signOn.request(stan: "000778", now: Fixture.friday.advanced(by: .seconds(60))), from: "ICBC",
                           now: Fixture.friday.advanced(by: .seconds(60)))
        var void = purchase
        void[DE.stan] = "000099"
        void[DE.processingCode] = ProcessingCode.void
        void[DE.originalData] = purchase.originalDataElements
        let relayed = scheme.receive(void, from: "Leshua", now: Fixture.friday.advanced(by: .seconds(120)))
        let toIssuer = try #require(Fixture.sent(relayed).first { $0.1 == "ICBC" }?.0)
        #expect(toIssuer[DE.originalData].map { String($0.dropFirst(4).prefix(6)) } == hop.0.stan)
    }

    @Test("the scheme never stands in for a debit card: its issuer silent, the purchase is answered 91 and reversed at the issuer, no advice")
    func noStandInForDebit() {
        var configuration = Fixture.scheme(standInLimit: Money(minorUnits: 50000)).configuration
        configuration.debitCards = ["6222020000000001"]
        var scheme = SchemeStateMachine(configuration: configuration, seed: 1)
        let routed = scheme.receive(Fixture.purchase(), from: "Leshua", now: Fixture.friday)
        let timeout = scheme.timerFired(Fixture.timers(routed)[0].0, now: Fixture.friday.advanced(by: .seconds(30)))
        #expect(Fixture.sent(timeout).map { "\($0.0.mti) \($0.0[39] ?? "")" } == ["0210 91", "0420 "])
        #expect(!Fixture.events(timeout).contains { $0.kind == .stoodIn })
    }

    @Test("stand-in honours the card's status and expiry: it declines, and reverses at the issuer", arguments: [
        ("2812", ["6222020000000001": ResponseCode.restrictedCard], "62"),
        ("2604", [:], "54"),
    ])
    func standInRefuses(expiry: String, refusals: [String: ResponseCode], code: String) {
        var scheme = Fixture.scheme(standInLimit: Money(minorUnits: 50000), refusals: refusals)
        var request = Fixture.purchase()
        request[14] = expiry
        let routed = scheme.receive(request, from: "Leshua", now: Fixture.friday)
        let timeout = scheme.timerFired(Fixture.timers(routed)[0].0, now: Fixture.friday.advanced(by: .seconds(30)))
        #expect(Fixture.sent(timeout).map { "\($0.0.mti) \($0.0[39] ?? "")" } == ["0210 \(code)", "0420 "])
        let cutoff = scheme.timerFired(.cutoff, now: Fixture.at("2026-05-08 23:00"))
        #expect(Fixture.events(cutoff).isEmpty)
    }

    @Test("a request routed before the cutoff belongs to that day: DE15 to the issuer, DE15 of the late approval and the clearing all say so")
    func clearingDecidedAtRouting() {
        var scheme = Fixture.scheme()
        let routedAt = Fixture.at("2026-05-08 22:59:50")
        let (forwarded, _) = Fixture.sent(scheme.receive(Fixture.purchase(at: routedAt), from: "Leshua", now: routedAt))[0]
        #expect(forwarded[15] == "0508")
        // The cutoff passes while the issuer thinks: nothing to clear yet.
        let cutoff = scheme.timerFired(.cutoff, now: Fixture.at("2026-05-08 23:00"))
        #expect(Fixture.events(cutoff).isEmpty)
        var approval = forwarded.response(code: .approved)
        approval[38] = "123456"
        let answered = scheme.receive(approval, from: "ICBC", now: Fixture.at("2026-05-08 23:00:10"))
        #expect(Fixture.sent(answered).first { $0.1 == "Leshua" }?.0[15] == "0508")
        let cleared = Fixture.events(answered).filter { $0.kind == .cleared }
        #expect(cleared.map(\.facts.clearingDate) == [LocalDate("2026-05-08")!])
        // It is not cleared a second time at the next cutoff.
        let next = scheme.timerFired(.cutoff, now: Fixture.at("2026-05-09 23:00"))
        #expect(Fixture.events(next).filter { $0.kind == .cleared }.isEmpty)
    }

    @Test("the scheme routes on the BIN, assigns the RRN and the clearing date, and answers 15 (no such issuer) for an unknown BIN")
    func routing() throws {
        var scheme = Fixture.scheme()
        let late = Fixture.at("2026-09-29 23:10")
        let (forwarded, issuer) = Fixture.sent(scheme.receive(Fixture.purchase(), from: "Leshua", now: late))[0]
        #expect(issuer == "ICBC")
        #expect(forwarded[37]?.count == 12)
        #expect(forwarded[15] == "0930")
        #expect(scheme.issuer(of: "6222021000000001") == "Other")

        var unknown = Fixture.purchase()
        unknown[2] = "4111111111111111"
        unknown[11] = "000002"
        let answered = Fixture.sent(scheme.receive(unknown, from: "Leshua", now: late))
        try #require(answered.count == 1)
        let (answer, peer) = answered[0]
        #expect(peer == "Leshua")
        #expect(answer.mti == "0210")
        #expect(answer[39] == "15")
    }

    @Test("the scheme clears and settles the day's approvals at its cutoff")
    func cutoff() {
        var scheme = Fixture.scheme()
        let start = scheme.start(now: Fixture.friday)
        #expect(start == [.startTimer(.cutoff, at: Fixture.at("2026-05-08 23:00"))])
        let forwarded = Fixture.sent(scheme.receive(Fixture.purchase(), from: "Leshua", now: Fixture.friday))[0].0
        _ = scheme.receive(forwarded.response(code: .approved), from: "ICBC", now: Fixture.friday)
        let cutoff = scheme.timerFired(.cutoff, now: Fixture.at("2026-05-08 23:00"))
        // The item, then each member's net settlement of the day (without fees: the gross amount).
        #expect(Fixture.events(cutoff).map(\.kind) == [.cleared, .settled, .settled, .settled])
        #expect(Fixture.events(cutoff)[0].facts.clearingDate == LocalDate("2026-05-08"))
        let day = try! #require(LocalDate("2026-05-08"))
        #expect(Fixture.events(cutoff).dropFirst(2).map(\.reference) == [.settlement(member: "ICBC", date: day), .settlement(member: "Leshua", date: day)])
        #expect(Fixture.events(cutoff).dropFirst(2).map(\.facts.amount) == [Money(minorUnits: -10000), Money(minorUnits: 10000)])
        #expect(scheme.ledger.balance("settlement:ICBC") == Money(minorUnits: -10000))
        #expect(scheme.ledger.balance("settlement:Leshua") == Money(minorUnits: 10000))
        #expect(cutoff.contains(.startTimer(.cutoff, at: Fixture.at("2026-05-09 23:00"))))
    }

    @Test("under cn-2016 the issuer pays the amount less its fee plus the network fee, the acquirer is paid less both, and the scheme keeps the network fees")
    func fees() {
        var scheme = Fixture.scheme { $0.fees = SchemeFees(model: .cn2016, creditCards: []) }
        _ = scheme.start(now: Fixture.friday)
        // 100.00 on a debit card: the issuer's fee 0.35 (0.35%), the network fee 0.0325% = 0.0325, half up 0.03.
        let forwarded = Fixture.sent(scheme.receive(Fixture.purchase(), from: "Leshua", now: Fixture.friday))[0].0
        _ = scheme.receive(forwarded.response(code: .approved), from: "ICBC", now: Fixture.friday)
        let cutoff = scheme.timerFired(.cutoff, now: Fixture.at("2026-05-08 23:00"))
        #expect(Fixture.events(cutoff)[0].facts.issuerFee == Money(minorUnits: 35))
        #expect(Fixture.events(cutoff)[0].facts.networkFee == Money(minorUnits: 3))
        #expect(scheme.ledger.balance("settlement:ICBC") == Money(minorUnits: -(10000 - 35 + 3)))
        #expect(scheme.ledger.balance("settlement:Leshua") == Money(minorUnits: 10000 - 35 - 3))
        #expect(scheme.ledger.balance("network fees") == Money(minorUnits: 6))
        #expect(scheme.ledger.total == .zero)
        // One net settlement per member, in name order, the scheme's own line last here.
        let net = Fixture.events(cutoff).filter { if case .settlement = $0.reference { true } else { false } }
        #expect(net.map(\.reference.description) == ["settlement/ICBC/2026-05-08", "settlement/Leshua/2026-05-08", "settlement/UnionPay/2026-05-08"])
        #expect(net.map(\.facts.amount) == [Money(minorUnits: -9968), Money(minorUnits: 9962), Money(minorUnits: 6)])
    }

    @Test("a request that reaches the scheme twice goes to the issuer once; once answered, a copy gets 94")
    func duplicate() {
        var scheme = Fixture.scheme()
        let request = Fixture.purchase()
        let forwarded = Fixture.sent(scheme.receive(request, from: "Leshua", now: Fixture.friday))[0].0
        let during = scheme.receive(request, from: "Leshua", now: Fixture.friday)
        #expect(Fixture.sent(during).isEmpty)
        #expect(Fixture.events(during).map(\.kind) == [.duplicate])
        _ = scheme.receive(forwarded.response(code: .approved), from: "ICBC", now: Fixture.friday)
        #expect(Fixture.sent(scheme.receive(request, from: "Leshua", now: Fixture.friday)).map { $0.0[39] } == ["94"])
        // A 94 from the issuer answers a copy, not the request: the scheme keeps waiting for the real answer.
        var other = Fixture.purchase(at: Fixture.friday.advanced(by: .seconds(60)))
        other[11] = "000003"
        let sent = Fixture.sent(scheme.receive(other, from: "Leshua", now: Fixture.friday.advanced(by: .seconds(60))))[0].0
        #expect(scheme.receive(sent.response(code: .duplicateTransmission), from: "ICBC", now: Fixture.friday.advanced(by: .seconds(61))).isEmpty)
        #expect(Fixture.sent(scheme.receive(sent.response(code: .approved), from: "ICBC", now: Fixture.friday.advanced(by: .seconds(62)))).map(\.1) == ["Leshua"])
    }

    @Test("an issuer's approval that arrives after the acquirer reversed the purchase is never cleared")
    func lateApprovalAfterReversal() {
        var scheme = Fixture.scheme()
        let request = Fixture.purchase()
        let forwarded = Fixture.sent(scheme.receive(request, from: "Leshua", now: Fixture.friday))[0].0
        let reversal = request.reversal(mti: .reversalAdvice, now: Fixture.friday.advanced(by: .seconds(20)), stan: "000321")
        let relayed = scheme.receive(reversal, from: "Leshua", now: Fixture.friday.advanced(by: .seconds(20)))
        // Store and forward: the acquirer is acknowledged at once, the issuer gets the reversal until it answers.
        #expect(Fixture.sent(relayed).map { "\($0.0.mti) \($0.1)" } == ["0430 Leshua", "0420 ICBC"])
        let late = scheme.receive(forwarded.response(code: .approved), from: "ICBC", now: Fixture.friday.advanced(by: .seconds(25)))
        #expect(Fixture.sent(late).isEmpty)
        let cutoff = scheme.timerFired(.cutoff, now: Fixture.at("2026-05-08 23:00"))
        #expect(Fixture.events(cutoff).isEmpty)
    }

    @Test("a void the issuer does not answer is answered 91 and reversed at the issuer; the purchase stays in its batch")
    func voidTimeout() throws {
        var scheme = Fixture.scheme()
        let request = Fixture.purchase()
        let forwarded = Fixture.sent(scheme.receive(request, from: "Leshua", now: Fixture.friday))[0].0
        _ = scheme.receive(forwarded.response(code: .approved), from: "ICBC", now: Fixture.friday)
        var void = request.keeping([2, 4, 41, 42, 49], mti: .financialRequest)
        void[3] = ProcessingCode.void
        void.stamp(now: Fixture.friday.advanced(by: .seconds(60)), stan: "000555", local: nil)
        void[90] = request.originalDataElements
        let relayed = scheme.receive(void, from: "Leshua", now: Fixture.friday.advanced(by: .seconds(60)))
        let silent = scheme.timerFired(Fixture.timers(relayed)[0].0, now: Fixture.friday.advanced(by: .seconds(90)))
        #expect(Fixture.sent(silent).map { "\($0.0.mti) \($0.1)" } == ["0210 Leshua", "0420 ICBC"])
        // The scheme sent the void on under its own STAN; its reversal names it so.
        let sentVoid = try #require(Fixture.sent(relayed).first { $0.1 == "ICBC" }?.0)
        #expect(sentVoid[11] != void[11])
        #expect(Fixture.sent(silent)[1].0.originalReference == sentVoid.transactionReference)
        let cutoff = scheme.timerFired(.cutoff, now: Fixture.at("2026-05-08 23:00"))
        #expect(Fixture.events(cutoff).map(\.kind) == [.cleared, .settled, .settled, .settled])
    }
}
