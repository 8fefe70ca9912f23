import Scenario
public import SettlementCalendar

/// The answer to "a card was swiped at this time under these terms: when does the money
/// arrive, and why?", as `paylab arrival` gives it.
public struct ArrivalQuery: Sendable {
    /// The clearing date.
    public var clearingDate: LocalDate
    /// When the money arrives.
    public var arrives: Instant
    /// Why, in short sentences.
    public var reasons: [String]
    /// The zone the times are shown in.
    public var zone: Zone

    /// A problem with the question.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// What is wrong, naming the option.
        public var description: String
    }

    /// Answers the question; every argument is as the command line takes it.
    public static func answer(
        at: String, terms: String, calendar: String, cutoff: String, payoutAt: String, timezone: String
    ) throws -> ArrivalQuery {
        guard let zone = Zone(identifier: timezone) else { throw Problem(description: "--timezone: '\(timezone)' is not a known IANA time zone") }
        guard let swiped = LocalDateTime(at) ?? Zone.parseISO8601(at).map({ zone.local($0) }) else {
            throw Problem(description: "--at: '\(at)' is not a date-time (YYYY-MM-DD HH:MM) that exists")
        }
        guard let settlement = SettlementTerms(terms) else { throw Problem(description: "--terms: '\(terms)' is not T+n or D+n") }
        guard let cutoffTime = TimeOfDay(cutoff) else { throw Problem(description: "--cutoff: '\(cutoff)' is not a time of day (HH:MM)") }
        guard let payoutTime = TimeOfDay(payoutAt) else { throw Problem(description: "--payout-at: '\(payoutAt)' is not a time of day (HH:MM)") }
        let businessCalendar: BusinessCalendar
        do {
            businessCalendar = try CalendarFile.resolve(calendar, relativeTo: nil)
        } catch {
            throw Problem(description: "--calendar: " + error.diagnostics.map { $0.file == calendar ? $0.message : $0.description }.joined(separator: "; "))
        }
        let schedule: ArrivalSchedule
        do {
            schedule = try ArrivalSchedule.compute(
                swipedAt: swiped, terms: settlement, calendar: businessCalendar, cutoff: cutoffTime, payoutAt: payoutTime)
        } catch {
            throw Problem(description: error.description)
        }
        let arrives: Instant
        switch schedule.payout {
        case .instant: arrives = zone.instant(swiped)
        case .at(let local): arrives = zone.instant(local)
        }
        return ArrivalQuery(clearingDate: schedule.clearingDate, arrives: arrives, reasons: schedule.reasons, zone: zone)
    }

    /// `{"clearing_date": ..., "arrives": ..., "reasons": [...]}`.
    public var json: JSONValue {
        .object([
            ("clearing_date", .string(clearingDate.description)),
            ("arrives", .string(zone.iso8601(arrives))),
            ("reasons", .array(reasons.map { .string($0) })),
        ])
    }

    /// The arrival time and the reasons, for people.
    public var text: String {
        let local = zone.local(arrives)
        var lines = ["arrives \(local.date) \(local.time) (\(local.date.weekdayName), \(zone.identifier)); clearing date \(clearingDate)"]
        lines += reasons.map { "  - \($0)" }
        return lines.joined(separator: "\n")
    }
}
