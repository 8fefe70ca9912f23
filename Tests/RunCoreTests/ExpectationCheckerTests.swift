import PaymentNetwork
import SettlementCalendar
import Testing
@testable import RunCore
@testable import Scenario

@Suite("Invariants")
struct ExpectationCheckerTests {
    @Test("a purchase still pending when its payout fell due breaks an invariant by itself")
    func unfinishedPayout() throws {
        let zone = Zone(identifier: "Asia/Shanghai")!
        let swipe = TimelineEvent(at: zone.instant(LocalDateTime("2026-05-08 10:00")!), node: "T0000001", kind: .swiped,
                                  reference: .transaction(.init(terminal: "T0000001", stan: "000001", transmission: "0508020000")),
                                  detail: "", facts: .init(transactionID: "buy"))
        var approved = swipe
        approved.kind = .authorized
        approved.facts = .init(transactionID: "buy", responseCode: .approved)
        let schedule = try ArrivalSchedule.compute(swipedAt: LocalDateTime("2026-05-08 10:00")!, terms: SettlementTerms("T+1")!,
                                                   calendar: .weekdays, cutoff: TimeOfDay(hour: 23, minute: 0)!, payoutAt: TimeOfDay(hour: 9, minute: 0)!)
        var booked = swipe
        booked.kind = .scheduled
        booked.facts = .init(schedule: schedule)
        let outcomes = TransactionOutcome.all(from: [swipe, approved, booked])
        #expect(outcomes.first?.status == .pending)
        let afterDue = ExpectationChecker.unfinishedPayouts(outcomes: outcomes, timeline: [swipe, approved, booked], end: zone.instant(LocalDateTime("2026-05-12 00:00")!), zone: zone)
        #expect(afterDue == [.invariant(.payoutMade, detail: "transaction buy's payout fell due at 2026-05-11 09:00 and was never made: the money stopped at the acquirer")])
        #expect(afterDue.map(\.description) == ["invariant: transaction buy's payout fell due at 2026-05-11 09:00 and was never made: the money stopped at the acquirer"])
        #expect(ExpectationChecker.unfinishedPayouts(outcomes: outcomes, timeline: [swipe, approved, booked], end: zone.instant(LocalDateTime("2026-05-10 00:00")!), zone: zone).isEmpty)
        let neverBooked = ExpectationChecker.unfinishedPayouts(outcomes: TransactionOutcome.all(from: [swipe, approved]), timeline: [swipe, approved], end: .init(milliseconds: 0), zone: zone)
        #expect(neverBooked == [.invariant(.bookedForPayout, detail: "transaction buy was approved but the acquirer never booked it for payout: the money stopped at the acquirer")])
    }

    @Test("a node's audit failure and fault are verdicts of their own kind: the rule names the kind, the same whatever the amounts and names")
    func typedNodeReports() {
        let audit = RunFailure.audit("ICBC", AuditFailure(.debitOverdrawn, "debit card 622202******0001 is overdrawn: its balance is -200.00"))
        #expect(audit.rule == "invariant: audit debit_overdrawn")
        #expect(audit.description == "invariant: ICBC: debit card 622202******0001 is overdrawn: its balance is -200.00")
        let other = RunFailure.audit("ABC", AuditFailure(.debitOverdrawn, "debit card 622848******0002 is overdrawn: its balance is -1.00"))
        #expect(other.rule == audit.rule)
        let fault = RunFailure.node("Leshua", NodeFault(.noPayoutDay, "no day to pay merchant 898440354110001 again after the payout was returned"))
        #expect(fault.rule == "node: no_payout_day" && fault.description.hasPrefix("node: Leshua: no day to pay"))
        let detail = JSONReport.detail(fault).rendered()
        #expect(detail.contains(#""kind":"node","node":"Leshua","rule":"no_payout_day""#), "\(detail)")
    }
}
