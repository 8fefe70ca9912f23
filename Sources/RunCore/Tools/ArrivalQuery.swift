import PaymentNetwork
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
        package init(description: String) { self.description = description }
    }

    /// What the money is: a purchase's (to the merchant), a refund's or a chargeback's (to the card).
    public enum Kind: String, Sendable, CaseIterable {
        case purchase, refund, chargeback
    }

    /// What the question was about.
    public var kind: Kind = .purchase

    /// Answers the question; every argument is as the command line takes it.
    public static func answer(
        at: String, terms: String, calendar: String, cutoff: String, payoutAt: String, timezone: String, kind: Kind = .purchase, via: String? = nil
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
        if kind != .purchase {
            return try moneyBack(kind, at: swiped, terms: settlement, calendar: businessCalendar, cutoff: cutoffTime, payoutAt: payoutTime, zone: zone)
        }
        let schedule: ArrivalSchedule
        do {
            schedule = try ArrivalSchedule.compute(
                swipedAt: swiped, terms: settlement, calendar: businessCalendar, cutoff: cutoffTime, payoutAt: payoutTime)
        } catch {
            throw Problem(description: error.description)
        }
        var arrives: Instant
        switch schedule.payout {
        case .instant: arrives = zone.instant(swiped)
        case .at(let local): arrives = zone.instant(local)
        }
        var reasons = schedule.reasons
        if let via {
            // An aggregator (二清) is paid then, and pays the merchant on its own terms from that day.
            guard let pays = SettlementTerms(via) else { throw Problem(description: "--via: '\(via)' is not T+n or D+n (the aggregator's terms)") }
            let paid = zone.local(arrives)
            guard let onward = AggregatorStateMachine.payoutTime(pays: pays, payoutAt: payoutTime, paidOn: paid, calendar: businessCalendar) else {
                throw Problem(description: "--via: the calendar \(businessCalendar.name) does not cover the days after \(paid.date)")
            }
            reasons.append("paid to the aggregator \(paid.date) at \(paid.time); it pays the merchant under \(pays) from that day: \(onward.date) at \(onward.time)")
            arrives = zone.instant(onward)
        }
        return ArrivalQuery(clearingDate: schedule.clearingDate, arrives: arrives, reasons: reasons, zone: zone)
    }

    /// A refund or a chargeback made at `at`: when the card gets the money, and when the merchant gives it back.
    static func moneyBack(
        _ kind: Kind, at: LocalDateTime, terms: SettlementTerms, calendar: BusinessCalendar, cutoff: TimeOfDay, payoutAt: TimeOfDay, zone: Zone
    ) throws -> ArrivalQuery {
        let clearing = at.time < cutoff ? at.date : at.date.adding(days: 1)
        // The merchant's next payout run: its payout time on the first day its terms allow, after now.
        var day = at.time < payoutAt ? at.date : at.date.adding(days: 1)
        for _ in 0..<400 {
            if terms.basis == .calendarDays { break }
            do {
                if try calendar.isBusinessDay(day) { break }
            } catch {
                throw Problem(description: "\(error)")
            }
            day = day.adding(days: 1)
        }
        let netted = "the acquirer takes it back from the merchant at once; it is netted from the merchant's next payout, \(day) at \(payoutAt) (the first payout time its \(terms) terms allow)"
        let cleared = at.time < cutoff ? "made at \(at.time), before the \(cutoff) cutoff: in the batch of \(clearing)" : "made at \(at.time), after the \(cutoff) cutoff: in the batch of \(clearing)"
        switch kind {
        case .refund:
            return ArrivalQuery(
                clearingDate: clearing, arrives: zone.instant(LocalDateTime(date: clearing, time: cutoff)),
                reasons: ["a refund: the scheme accepts it at once and books it into the day's batch", cleared,
                          "the card is credited when that batch clears, at the \(cutoff) cutoff of \(clearing)", netted],
                zone: zone, kind: kind)
        default:
            return ArrivalQuery(
                clearingDate: clearing, arrives: zone.instant(at),
                reasons: ["a chargeback: the issuer credits the card at once (a provisional credit) and sends it through the scheme",
                          "the scheme settles it back from the acquirer to the issuer when the batch of \(clearing) clears, at \(cutoff)", netted],
                zone: zone, kind: kind)
        }
    }

    /// `{"clearing_date": ..., "arrives": ..., "reasons": [...]}` (and `"of"` for a refund or a chargeback).
    public var json: JSONValue {
        .object((kind == .purchase ? [] : [("of", JSONValue.string(kind.rawValue))]) + [
            ("clearing_date", .string(clearingDate.description)),
            ("arrives", .string(zone.iso8601(arrives))),
            ("reasons", .array(reasons.map { .string($0) })),
        ])
    }

    /// The arrival time and the reasons, for people.
    public var text: String {
        let local = zone.local(arrives)
        let what = kind == .purchase ? "arrives" : "the card is credited"
        var lines = ["\(what) \(local.date) \(local.time) (\(local.date.weekdayName), \(zone.identifier)); clearing date \(clearingDate)"]
        lines += reasons.map { "  - \($0)" }
        return lines.joined(separator: "\n")
    }
}
