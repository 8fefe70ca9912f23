import Testing
@testable import SettlementCalendar

@Suite("The Federal Reserve's calendar")
struct FederalReserveCalendarTests {
    let fed = BusinessCalendar.federalReserve

    func payout(_ at: String, _ terms: String) throws -> ArrivalSchedule.Payout {
        try ArrivalSchedule.compute(
            swipedAt: LocalDateTime(at)!, terms: SettlementTerms(terms)!, calendar: fed,
            cutoff: TimeOfDay(hour: 23, minute: 0)!, payoutAt: TimeOfDay(hour: 9, minute: 0)!).payout
    }

    @Test("Independence Day 2026 falls on a Saturday: the Fed is open Friday 3 July and Monday 6 July")
    func independenceDay() throws {
        #expect(try fed.isBusinessDay(LocalDate("2026-07-03")!))
        #expect(try !fed.isBusinessDay(LocalDate("2026-07-04")!))
        #expect(try fed.isBusinessDay(LocalDate("2026-07-06")!))
        #expect(try payout("2026-07-02 12:00", "T+1") == .at(LocalDateTime("2026-07-03 09:00")!))
        #expect(try payout("2026-07-03 12:00", "T+1") == .at(LocalDateTime("2026-07-06 09:00")!))
    }

    @Test("a holiday on a Sunday is observed on the Monday after")
    func sundayObserved() throws {
        // 4 July 2027 is a Sunday; 19 June 2027 a Saturday (not moved).
        #expect(try !fed.isBusinessDay(LocalDate("2027-07-05")!))
        #expect(try fed.isBusinessDay(LocalDate("2027-06-18")!))
        // Christmas 2027 is a Saturday: Friday 24 December is open.
        #expect(try fed.isBusinessDay(LocalDate("2027-12-24")!))
    }

    @Test("Columbus Day and Thanksgiving 2026 are closed, the day after Thanksgiving is open")
    func autumn() throws {
        #expect(try !fed.isBusinessDay(LocalDate("2026-10-12")!))
        #expect(try payout("2026-10-09 12:00", "T+1") == .at(LocalDateTime("2026-10-13 09:00")!))
        #expect(try !fed.isBusinessDay(LocalDate("2026-11-26")!))
        #expect(try fed.isBusinessDay(LocalDate("2026-11-27")!))
        #expect(try payout("2026-11-25 23:30", "T+1") == .at(LocalDateTime("2026-11-27 09:00")!))   // clears on Thanksgiving
        #expect(try payout("2026-11-25 12:00", "T+2") == .at(LocalDateTime("2026-11-30 09:00")!))
    }

    @Test("2025 to 2027 each have eleven holidays, fewer when one falls on a Saturday")
    func counts() {
        let perYear = Dictionary(grouping: fed.holidays.keys, by: \.year).mapValues(\.count)
        // 2025: none on a Saturday. 2026: Independence Day. 2027: Juneteenth and Christmas.
        #expect(perYear == [2025: 11, 2026: 10, 2027: 9])
    }
}
