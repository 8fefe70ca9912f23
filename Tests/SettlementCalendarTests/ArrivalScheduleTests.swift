import Testing
@testable import SettlementCalendar

@Suite("Arrival schedule on the weekdays calendar")
struct ArrivalScheduleTests {
    let nine = TimeOfDay(hour: 9, minute: 0)!
    let cutoff = TimeOfDay(hour: 23, minute: 0)!

    func schedule(_ at: String, _ terms: String) throws -> ArrivalSchedule {
        try ArrivalSchedule.compute(
            swipedAt: LocalDateTime(at)!, terms: SettlementTerms(terms)!, calendar: .weekdays, cutoff: cutoff, payoutAt: nine)
    }

    @Test("a Friday swipe before the cutoff clears Friday and T+1 pays Monday")
    func fridayTPlusOne() throws {
        let result = try schedule("2026-05-08 15:30", "T+1")
        #expect(result.clearingDate == LocalDate("2026-05-08"))
        #expect(result.payout == .at(LocalDateTime("2026-05-11 09:00")!))
        #expect(result.reasons.contains { $0.contains("2026-05-09 to 2026-05-10 is the weekend") })
    }

    @Test("a swipe after the cutoff clears the next day")
    func afterCutoff() throws {
        let result = try schedule("2026-05-06 23:10", "T+1")
        #expect(result.clearingDate == LocalDate("2026-05-07"))
        #expect(result.payout == .at(LocalDateTime("2026-05-08 09:00")!))
        #expect(result.reasons.first == "swiped 23:10, after the 23:00 cutoff: clearing date 2026-05-07")
    }

    @Test("D+1 counts calendar days, weekends included")
    func dPlusOne() throws {
        let result = try schedule("2026-05-08 15:30", "D+1")
        #expect(result.payout == .at(LocalDateTime("2026-05-09 09:00")!))
    }

    @Test("a payout schedule depends on the swipe's time only under T+0 and D+0: the acquirer shares one schedule among a T+1 day's swipes")
    func swipeTimeMatters() throws {
        let clearing = LocalDate("2026-05-08")!
        func payout(_ at: String, _ terms: String) throws -> ArrivalSchedule {
            try ArrivalSchedule.compute(swipedAt: LocalDateTime(at)!, clearingDate: clearing, terms: SettlementTerms(terms)!, calendar: .weekdays, payoutAt: nine)
        }
        for terms in ["T+1", "T+2", "D+1", "D+3"] {
            #expect(!ArrivalSchedule.dependsOnSwipeTime(SettlementTerms(terms)!))
            #expect(try payout("2026-05-08 07:59", terms) == payout("2026-05-08 15:30", terms), "\(terms)")
            #expect(try payout("2026-05-07 23:10", terms) == payout("2026-05-08 22:59", terms), "\(terms)")
        }
        for terms in ["T+0", "D+0"] {
            #expect(ArrivalSchedule.dependsOnSwipeTime(SettlementTerms(terms)!))
            #expect(try payout("2026-05-08 07:59", terms) != payout("2026-05-08 15:30", terms), "\(terms)")
        }
    }

    @Test("T+0 is instant on a business day between 08:00 and the cutoff, else the next business day")
    func tPlusZero() throws {
        #expect(try schedule("2026-05-08 15:30", "T+0").payout == .instant)
        #expect(try schedule("2026-05-09 15:30", "T+0").payout == .at(LocalDateTime("2026-05-11 09:00")!))
        #expect(try schedule("2026-05-08 07:59", "T+0").payout == .at(LocalDateTime("2026-05-08 09:00")!))
    }

    @Test("dates convert to and from day numbers and know their weekday")
    func dates() {
        let date = LocalDate("2026-05-08")!
        #expect(date.weekday == 5)
        #expect(LocalDate(daysSinceEpoch: date.daysSinceEpoch) == date)
        #expect(LocalDate("2026-02-29") == nil)
        #expect(LocalDate("2028-02-29") != nil)
    }

    @Test("a zone turns local times into instants and back")
    func zone() {
        let zone = Zone(identifier: "Asia/Shanghai")!
        let local = LocalDateTime("2026-09-29 23:10")!
        let instant = zone.instant(local)
        #expect(zone.local(instant) == local)
        #expect(zone.iso8601(instant) == "2026-09-29T23:10:00+08:00")
        #expect(Zone.parseISO8601("2026-09-29T23:10:00+08:00") == instant)
    }
}
