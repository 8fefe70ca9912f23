/// When a swipe's money is due to reach the merchant under its terms, and why.
///
/// This is rule 1 and 2 of "When the money arrives" in docs/scenario-language.md: the clearing date from
/// the cutoff, then the payout day from the terms. What can stand in the way at payout
/// time (maintenance, a frozen account, a hold, an outage) is decided by the network.
public struct ArrivalSchedule: Sendable, Equatable {
    /// When the payout happens.
    public enum Payout: Sendable, Equatable {
        /// Right after the authorization.
        case instant
        /// At this local date and time.
        case at(LocalDateTime)
    }

    /// The clearing (settlement) date, DE15.
    public var clearingDate: LocalDate
    /// When the payout is due.
    public var payout: Payout
    /// Short sentences explaining both.
    public var reasons: [String]

    /// The schedule of a swipe at local time `swipedAt`, its clearing date decided by the
    /// cutoff (rule 1), with the reason for the clearing date first.
    public static func compute(
        swipedAt: LocalDateTime, terms: SettlementTerms, calendar: BusinessCalendar,
        cutoff: TimeOfDay, payoutAt: TimeOfDay
    ) throws(CalendarError) -> ArrivalSchedule {
        let clearing = clearingDate(swipedAt: swipedAt, cutoff: cutoff)
        var schedule = try compute(swipedAt: swipedAt, clearingDate: clearing, terms: terms, calendar: calendar, payoutAt: payoutAt)
        schedule.reasons.insert(clearingReason(swipedAt: swipedAt, clearingDate: clearing, cutoff: cutoff), at: 0)
        return schedule
    }

    /// Rule 1: the date of the swipe if it is before the cutoff, else the next day.
    public static func clearingDate(swipedAt: LocalDateTime, cutoff: TimeOfDay) -> LocalDate {
        swipedAt.time < cutoff ? swipedAt.date : swipedAt.date.adding(days: 1)
    }

    /// Why a swipe cleared on the date it did.
    public static func clearingReason(swipedAt t: LocalDateTime, clearingDate clearing: LocalDate, cutoff: TimeOfDay) -> String {
        if clearing != clearingDate(swipedAt: t, cutoff: cutoff) {
            return "swiped \(t.time), but approved after the \(cutoff) cutoff: the scheme cleared it on \(clearing)"
        }
        return "swiped \(t.time), \(t.time < cutoff ? "before" : "after") the \(cutoff) cutoff: clearing date \(clearing)"
    }

    /// Whether the payout ``compute(swipedAt:clearingDate:terms:calendar:payoutAt:)`` gives
    /// depends on the time of the swipe, not only on its clearing date: only T+0 and D+0 (paid at
    /// once between 08:00 and the cutoff). A T+1 schedule is the same for every swipe cleared
    /// the same day.
    public static func dependsOnSwipeTime(_ terms: SettlementTerms) -> Bool { terms.days == 0 }

    /// The payout of a swipe at local time `swipedAt` that the scheme cleared on
    /// `clearingDate` (DE15): rule 2 alone. The reasons explain the payout day; a swipe
    /// cleared on its own day was cleared before the cutoff, which is what instant payout needs.
    public static func compute(
        swipedAt: LocalDateTime, clearingDate clearing: LocalDate, terms: SettlementTerms, calendar: BusinessCalendar,
        payoutAt: TimeOfDay
    ) throws(CalendarError) -> ArrivalSchedule {
        var reasons: [String] = []
        let t = swipedAt
        let beforeCutoff = clearing == t.date
        let opening = TimeOfDay(hour: 8, minute: 0)!
        let payoutDay: LocalDate
        switch (terms.basis, terms.days) {
        case (.businessDays, 0):
            let closed = try calendar.reasonClosed(t.date)
            if closed == nil, t.time >= opening, beforeCutoff {
                reasons.append("T+0: swiped on a business day between 08:00 and the cutoff: paid at once")
                return ArrivalSchedule(clearingDate: clearing, payout: .instant, reasons: reasons)
            }
            payoutDay = try calendar.firstBusinessDay(onOrAfter: clearing)
            var why = "T+0: "
            if let closed { why += "\(t.date) is \(closed)" } else if !beforeCutoff { why += "swiped after the cutoff" } else { why += "swiped before 08:00" }
            reasons.append(why + ", so it is paid on the first business day on or after \(clearing): \(payoutDay)" + (try skipped(from: clearing, to: payoutDay, calendar: calendar)) + (try makeup(payoutDay, calendar: calendar)))
        case (.calendarDays, 0):
            if t.time >= opening, beforeCutoff {
                reasons.append("D+0: swiped between 08:00 and the cutoff: paid at once")
                return ArrivalSchedule(clearingDate: clearing, payout: .instant, reasons: reasons)
            }
            payoutDay = clearing
            reasons.append("D+0: swiped \(beforeCutoff ? "before 08:00" : "after the cutoff"), so it is paid on the clearing date \(clearing)")
        case (.businessDays, let n):
            payoutDay = try calendar.businessDay(n, after: clearing)
            let ordinal = n == 1 ? "the next business day" : "business day \(n)"
            reasons.append("T+\(n): \(ordinal) after \(clearing) is \(payoutDay)" + (try skipped(from: clearing.adding(days: 1), to: payoutDay, calendar: calendar)) + (try makeup(payoutDay, calendar: calendar)))
        case (.calendarDays, let n):
            payoutDay = clearing.adding(days: n)
            reasons.append("D+\(n): \(n) calendar day\(n == 1 ? "" : "s") after \(clearing) is \(payoutDay)")
        }
        reasons.append("paid out at \(payoutAt) on \(payoutDay)")
        return ArrivalSchedule(
            clearingDate: clearing, payout: .at(LocalDateTime(date: payoutDay, time: payoutAt)), reasons: reasons)
    }

    /// "; 2026-02-14 is a Saturday but a makeup working day for Spring Festival" when it is one.
    private static func makeup(_ day: LocalDate, calendar: BusinessCalendar) throws(CalendarError) -> String {
        guard let why = calendar.workingDays[day], calendar.weekendDays.contains(day.weekday), try calendar.isBusinessDay(day) else { return "" }
        return "; \(day) is a \(day.weekdayName) but a \(why)"
    }

    /// ", because 2026-10-01 to 2026-10-07 is the National Day holiday" for the closed days between two dates.
    private static func skipped(from start: LocalDate, to end: LocalDate, calendar: BusinessCalendar) throws(CalendarError) -> String {
        var groups: [(first: LocalDate, last: LocalDate, why: String)] = []
        var day = start
        while day < end {
            if let why = try calendar.reasonClosed(day) {
                let label = why.hasPrefix("a ") ? "the weekend" : why
                if let last = groups.last, last.why == label, last.last.adding(days: 1) == day {
                    groups[groups.count - 1].last = day
                } else {
                    groups.append((day, day, label))
                }
            }
            day = day.adding(days: 1)
        }
        guard !groups.isEmpty else { return "" }
        let parts = groups.map { group -> String in
            let span = group.first == group.last ? "\(group.first) is" : "\(group.first) to \(group.last) is"
            return "\(span) \(group.why)"
        }
        return ", because " + parts.joined(separator: " and ")
    }
}
