import Testing
@testable import SettlementCalendar

/// The `cn` calendar against the State Council's notice for 2026 (2025-11-04).
@Suite("China's 2026 calendar")
struct ChinaCalendarTests {
    /// The notice, as it reads: 放假 spans and 上班 weekend days.
    static let closed: [(String, String)] = [
        ("2026-01-01", "2026-01-03"),  // 元旦 1月1日(周四)至3日(周六)
        ("2026-02-15", "2026-02-23"),  // 春节 2月15日(周日)至23日(周一)
        ("2026-04-04", "2026-04-06"),  // 清明节 4月4日(周六)至6日(周一)
        ("2026-05-01", "2026-05-05"),  // 劳动节 5月1日(周五)至5日(周二)
        ("2026-06-19", "2026-06-21"),  // 端午节 6月19日(周五)至21日(周日)
        ("2026-09-25", "2026-09-27"),  // 中秋节 9月25日(周五)至27日(周日)
        ("2026-10-01", "2026-10-07"),  // 国庆节 10月1日(周四)至7日(周三)
    ]
    static let working = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]

    @Test("every day of 2026 is a business day exactly when the notice and the weekend say so")
    func everyDayOf2026() throws {
        let calendar = BusinessCalendar.china
        var day = LocalDate("2026-01-01")!
        var mismatches: [String] = []
        var businessDays = 0
        while day.year == 2026 {
            let inHoliday = Self.closed.contains { LocalDate($0.0)! <= day && day <= LocalDate($0.1)! }
            let makeup = Self.working.contains(day.description)
            let expected = !inHoliday && (makeup || day.weekday <= 5)
            if try calendar.isBusinessDay(day) != expected { mismatches.append(day.description) }
            if expected { businessDays += 1 }
            day = day.adding(days: 1)
        }
        #expect(mismatches.isEmpty, "days that disagree with the notice: \(mismatches)")
        // 261 weekdays in 2026, less 19 weekday holidays, plus 6 makeup days.
        #expect(businessDays == 248)
    }

    @Test("each makeup working day falls on a weekend and is named")
    func makeupDays() throws {
        for text in Self.working {
            let date = LocalDate(text)!
            #expect(date.weekday >= 6, "\(text) is not a weekend day")
            #expect(BusinessCalendar.china.workingDays[date] != nil)
        }
        #expect(try BusinessCalendar.china.reasonClosed(LocalDate("2026-10-03")!) == "the National Day holiday")
    }

    @Test("a date outside 2024 to 2026 is an error naming the calendar and the year")
    func outOfRange() {
        #expect(throws: CalendarError.yearNotCovered(calendar: "cn", year: 2027, covered: 2024...2026)) {
            try BusinessCalendar.china.isBusinessDay(LocalDate("2027-01-04")!)
        }
        #expect(CalendarError.yearNotCovered(calendar: "cn", year: 2027, covered: 2024...2026).description == "calendar 'cn' covers 2024 to 2026, not 2027")
    }

    @Test("2024 and 2025 notices: Spring Festival and National Day spans with their makeup days")
    func earlierYears() throws {
        let cn = BusinessCalendar.china
        #expect(try !cn.isBusinessDay(LocalDate("2024-02-16")!))
        #expect(try cn.isBusinessDay(LocalDate("2024-02-04")!))
        #expect(try cn.isBusinessDay(LocalDate("2024-02-18")!))
        #expect(try !cn.isBusinessDay(LocalDate("2025-01-28")!))
        #expect(try !cn.isBusinessDay(LocalDate("2025-10-08")!))
        #expect(try cn.isBusinessDay(LocalDate("2025-10-11")!))
        #expect(try cn.isBusinessDay(LocalDate("2025-04-27")!))
    }
}

/// Payout dates around the 2026 holidays, before and after the 23:00 cutoff.
@Suite("Settlement terms around China's 2026 holidays")
struct ChinaSettlementTests {
    func payout(_ at: String, _ terms: String) throws -> ArrivalSchedule.Payout {
        try ArrivalSchedule.compute(
            swipedAt: LocalDateTime(at)!, terms: SettlementTerms(terms)!, calendar: .china,
            cutoff: TimeOfDay(hour: 23, minute: 0)!, payoutAt: TimeOfDay(hour: 9, minute: 0)!).payout
    }

    static func at(_ text: String) -> ArrivalSchedule.Payout { .at(LocalDateTime(text)!) }

    @Test("Spring Festival: the Saturday before and the Saturday after are working days", arguments: [
        ("2026-02-13 10:00", "T+1", at("2026-02-14 09:00")),   // Saturday 14 is a makeup working day
        ("2026-02-13 23:10", "T+1", at("2026-02-24 09:00")),   // clears Saturday 14; next business day after the holiday
        ("2026-02-13 10:00", "T+2", at("2026-02-24 09:00")),
        ("2026-02-14 10:00", "T+0", .instant),                   // a makeup working day is a business day
        ("2026-02-15 10:00", "T+0", at("2026-02-24 09:00")),   // inside the holiday
        ("2026-02-15 10:00", "D+0", .instant),
        ("2026-02-14 23:30", "D+0", at("2026-02-15 09:00")),
        ("2026-02-14 10:00", "D+1", at("2026-02-15 09:00")),
        ("2026-02-23 12:00", "T+1", at("2026-02-24 09:00")),   // clears Monday 23, a holiday; the next business day is Tuesday 24
    ])
    func springFestival(at: String, terms: String, expected: ArrivalSchedule.Payout) throws {
        #expect(try payout(at, terms) == expected)
    }

    @Test("Labour Day: 1 to 5 May off, Saturday 9 May working", arguments: [
        ("2026-04-30 22:50", "T+1", at("2026-05-06 09:00")),
        ("2026-04-30 23:10", "T+1", at("2026-05-06 09:00")),   // clears 1 May
        ("2026-04-30 22:50", "T+2", at("2026-05-07 09:00")),
        ("2026-05-08 10:00", "T+1", at("2026-05-09 09:00")),   // Saturday 9 May works
        ("2026-05-03 10:00", "T+0", at("2026-05-06 09:00")),
        ("2026-04-30 22:50", "D+1", at("2026-05-01 09:00")),
        ("2026-04-30 07:30", "D+0", at("2026-04-30 09:00")),
    ])
    func labourDay(at: String, terms: String, expected: ArrivalSchedule.Payout) throws {
        #expect(try payout(at, terms) == expected)
    }

    @Test("National Day: twenty minutes decide eight days", arguments: [
        ("2026-09-29 22:50", "T+1", at("2026-09-30 09:00")),
        ("2026-09-29 23:10", "T+1", at("2026-10-08 09:00")),
        ("2026-09-30 22:50", "T+1", at("2026-10-08 09:00")),
        ("2026-09-30 22:50", "T+2", at("2026-10-09 09:00")),
        ("2026-09-30 22:50", "T+3", at("2026-10-10 09:00")),   // Saturday 10 October works
        ("2026-09-30 23:10", "T+0", at("2026-10-08 09:00")),
        ("2026-09-30 22:50", "T+0", .instant),
        ("2026-09-30 23:10", "D+0", at("2026-10-01 09:00")),
        ("2026-09-30 23:10", "D+1", at("2026-10-02 09:00")),
        ("2026-09-19 10:00", "T+1", at("2026-09-20 09:00")),   // Sunday 20 September works
    ])
    func nationalDay(at: String, terms: String, expected: ArrivalSchedule.Payout) throws {
        #expect(try payout(at, terms) == expected)
    }

    @Test("the reasons say why, in the words a merchant understands")
    func reasons() throws {
        let schedule = try ArrivalSchedule.compute(
            swipedAt: LocalDateTime("2026-09-29 23:10")!, terms: SettlementTerms("T+1")!, calendar: .china,
            cutoff: TimeOfDay(hour: 23, minute: 0)!, payoutAt: TimeOfDay(hour: 9, minute: 0)!)
        #expect(schedule.reasons == [
            "swiped 23:10, after the 23:00 cutoff: clearing date 2026-09-30",
            "T+1: the next business day after 2026-09-30 is 2026-10-08, because 2026-10-01 to 2026-10-07 is the National Day holiday",
            "paid out at 09:00 on 2026-10-08",
        ])
    }
}
