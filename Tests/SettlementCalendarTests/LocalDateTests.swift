import Testing
import SettlementCalendar

@Suite("A local date kept in 6 bytes")
struct LocalDateTests {
    @Test("every day from 1600 to 2400 gives back its year, month and day, orders by them, and counts its days")
    func everyDay() throws {
        let first = try #require(LocalDate(year: 1600, month: 1, day: 1))
        var before: LocalDate?
        for days in first.daysSinceEpoch..<(first.daysSinceEpoch + 800 * 366) {
            let date = LocalDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(LocalDate(year: date.year, month: date.month, day: date.day) == date)
            #expect(LocalDate(date.description) == date)
            if let before {
                #expect(before < date && !(date < before) && before != date)
                #expect((before.year, before.month, before.day) < (date.year, date.month, date.day))
            }
            before = date
        }
    }

    @Test("refuses a date that does not exist or a year it cannot keep; is six bytes")
    func bounds() {
        #expect(LocalDate(year: 2026, month: 2, day: 29) == nil && LocalDate(year: 2028, month: 2, day: 29) != nil)
        #expect(LocalDate(year: 2026, month: 13, day: 1) == nil && LocalDate(year: 2026, month: 4, day: 31) == nil)
        #expect(LocalDate(year: Int(Int32.max) + 1, month: 1, day: 1) == nil && LocalDate(year: -1, month: 12, day: 31) != nil)
        #expect(LocalDate(year: -1, month: 12, day: 31)! < LocalDate(year: 0, month: 1, day: 1)!)
        #expect(MemoryLayout<LocalDate>.size == 6)
    }
}
