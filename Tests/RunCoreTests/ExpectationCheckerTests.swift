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
}
