import SettlementCalendar
import Testing
@testable import Scenario

@Suite("Calendar files")
struct CalendarFileTests {
    static let acme = """
        name: acme-bank
        years: 2026-2027
        weekend: [friday, saturday]
        holidays:
          - { date: 2026-03-20, name: Founders Day }
          - { from: 2026-12-24, to: 2026-12-27, name: Year End }
        working_days:
          - { date: 2026-03-21, name: Founders Day makeup }
        """

    @Test("a calendar file gives its own weekend, holidays and working days")
    func customCalendar() throws {
        let calendar = try CalendarFile.parse(Self.acme, file: "acme.yaml")
        #expect(calendar.name == "acme-bank")
        #expect(try calendar.isBusinessDay(LocalDate("2026-03-22")!))   // a Sunday, but the weekend is Friday and Saturday
        #expect(try !calendar.isBusinessDay(LocalDate("2026-03-20")!))
        #expect(try calendar.isBusinessDay(LocalDate("2026-03-21")!))
        #expect(try !calendar.isBusinessDay(LocalDate("2026-12-27")!))
        #expect(throws: CalendarError.yearNotCovered(calendar: "acme-bank", year: 2028, covered: 2026...2027)) {
            try calendar.isBusinessDay(LocalDate("2028-01-03")!)
        }
        let schedule = try ArrivalSchedule.compute(
            swipedAt: LocalDateTime("2026-12-23 12:00")!, terms: SettlementTerms("T+1")!, calendar: calendar,
            cutoff: TimeOfDay(hour: 23, minute: 0)!, payoutAt: TimeOfDay(hour: 9, minute: 0)!)
        #expect(schedule.payout == .at(LocalDateTime("2026-12-28 09:00")!))
        #expect(schedule.reasons[1].contains("2026-12-24 to 2026-12-27 is the Year End holiday"))
    }

    @Test("a calendar file extends a built-in one with the years it lacks: the base's days stay, the file's are added")
    func extendsBuiltIn() throws {
        let calendar = try CalendarFile.parse("""
            name: cn-2027
            extends: cn
            years: 2027
            holidays:
              - { date: 2027-01-01, name: New Year's Day }
              - { from: 2027-02-06, to: 2027-02-12, name: Spring Festival }
            working_days:
              - { date: 2027-02-14, name: Spring Festival makeup }
            """, file: "cn-2027.yaml")
        #expect(calendar.years == 2024...2027)
        #expect(try !calendar.isBusinessDay(LocalDate("2026-10-01")!))   // cn's National Day stays
        #expect(try !calendar.isBusinessDay(LocalDate("2027-02-08")!))   // a Monday of the added holiday
        #expect(try calendar.isBusinessDay(LocalDate("2027-02-14")!))    // a Sunday made a working day
        #expect(try calendar.isBusinessDay(LocalDate("2027-01-05")!))
        // A T+1 swipe on the last day of 2026 is paid on the first business day of 2027.
        let schedule = try ArrivalSchedule.compute(swipedAt: LocalDateTime("2026-12-31 10:00")!, terms: SettlementTerms("T+1")!, calendar: calendar,
                                                   cutoff: TimeOfDay(hour: 23, minute: 0)!, payoutAt: TimeOfDay(hour: 9, minute: 0)!)
        #expect(schedule.payout == .at(LocalDateTime("2027-01-04 09:00")!))
        #expect(throws: ScenarioErrors.self) { try CalendarFile.parse("name: x\nextends: mars\nyears: 2027\n", file: "x.yaml") }
        #expect(throws: ScenarioErrors.self) { try CalendarFile.parse("name: x\nextends: cn\nyears: 2029\n", file: "x.yaml") }
    }

    @Test("problems in a calendar file are reported at their line")
    func problems() {
        do {
            _ = try CalendarFile.parse("""
                name: broken
                years: 2026
                holidays:
                  - { date: 2027-01-01, name: Outside }
                  - { from: 2026-05-05, to: 2026-05-01 }
                  - { date: 2026-02-30 }
                """, file: "broken.yaml")
            Issue.record("a broken calendar was accepted")
        } catch {
            #expect(error.diagnostics.map(\.line) == [4, 5, 6])
            #expect(error.diagnostics[0].message == "2027-01-01 is outside the years the calendar covers (2026 to 2026)")
        }
    }
}
