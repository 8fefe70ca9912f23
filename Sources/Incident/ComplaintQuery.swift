public import PaymentNetwork
public import Scenario
public import SettlementCalendar
public import RunCore

/// `paylab incident ask`: a merchant's words ("swiped 23:10 on 29 September, T+1, still
/// nothing on 2 October") turned into when the money should have arrived, whether it is late,
/// the causes that fit, when to stop waiting and call, and a scenario that shows the
/// expected timeline.
public struct ComplaintQuery: Sendable {
    /// The arrival the terms give, with its reasons.
    public var arrival: ArrivalQuery
    /// When the merchant looked, if said.
    public var now: Instant?
    /// The rule of thumb: no money four working days after the swipe (or after the expected
    /// arrival, if that is later): call the provider or the bank.
    public var escalateAfter: Instant
    /// The causes that fit what the merchant saw.
    public var causes: [String]
    /// The swipe, as the merchant gave it.
    public var swiped: LocalDateTime
    public var terms: SettlementTerms
    public var calendarName: String
    /// The calendar, and how the question named it (a built-in name or a file's path).
    public var calendar: BusinessCalendar
    public var calendarReference: String
    public var cutoff: TimeOfDay
    public var payoutAt: TimeOfDay
    /// An aggregator's (二清) terms, when the merchant is paid through one.
    public var via: SettlementTerms?

    /// Whether the money is late at `now` (false when no `now` was given).
    public var late: Bool { now.map { $0 > arrival.arrives } ?? false }

    /// Answers the question; every argument is as the command line takes it.
    public static func answer(
        swiped text: String, terms: String, calendar: String, now nowText: String?, cutoff: String, payoutAt: String, timezone: String, via: String? = nil
    ) throws -> ComplaintQuery {
        let arrival = try ArrivalQuery.answer(at: text, terms: terms, calendar: calendar, cutoff: cutoff, payoutAt: payoutAt, timezone: timezone, via: via)
        let zone = arrival.zone
        guard let swiped = LocalDateTime(text) ?? Zone.parseISO8601(text).map({ zone.local($0) }),
              let settlement = SettlementTerms(terms), let cutoffTime = TimeOfDay(cutoff), let payoutTime = TimeOfDay(payoutAt) else {
            throw ArrivalQuery.Problem(description: "--swiped: '\(text)' is not a date-time (YYYY-MM-DD HH:MM)")
        }
        var now: Instant?
        if let nowText {
            guard let local = LocalDateTime(nowText) ?? Zone.parseISO8601(nowText).map({ zone.local($0) }) else {
                throw ArrivalQuery.Problem(description: "--now: '\(nowText)' is not a date-time (YYYY-MM-DD HH:MM) that exists")
            }
            now = zone.instant(local)
        }
        let businessCalendar = try CalendarFile.resolve(calendar, relativeTo: nil)
        // Four working days after the swipe, to the end of that day.
        let fourth = try businessCalendar.businessDay(4, after: swiped.date)
        let endOfFourth = zone.instant(LocalDateTime(date: fourth, time: TimeOfDay(hour: 23, minute: 59)!))
        let escalate = max(endOfFourth, arrival.arrives)
        var query = ComplaintQuery(
            arrival: arrival, now: now, escalateAfter: escalate, causes: [], swiped: swiped, terms: settlement,
            calendarName: businessCalendar.name, calendar: businessCalendar, calendarReference: CalendarFile.reference(calendar, relativeTo: nil),
            cutoff: cutoffTime, payoutAt: payoutTime, via: via.flatMap(SettlementTerms.init))
        query.causes = try query.findCauses(businessCalendar)
        return query
    }

    /// What explains the wait the terms give, then, if the money is late, what could hold it.
    private func findCauses(_ calendar: BusinessCalendar) throws -> [String] {
        var causes: [String] = []
        if swiped.time >= cutoff {
            causes.append("cutoff: swiped at \(swiped.time), after the \(cutoff) cutoff, so it cleared on \(arrival.clearingDate), not on \(swiped.date)")
        }
        let expectedDate = arrival.zone.local(arrival.arrives).date
        var holidays: [(name: String, day: LocalDate)] = []
        var weekend: [String] = []
        var day = swiped.date.adding(days: 1)
        while day < expectedDate {
            if let name = calendar.holidays[day] {
                if !holidays.contains(where: { $0.name == name }) { holidays.append((name, day)) }
            } else if calendar.weekendDays.contains(day.weekday), calendar.workingDays[day] == nil {
                weekend.append("\(day.weekdayName) \(day)")
            }
            day = day.adding(days: 1)
        }
        for (name, inside) in holidays {
            // The run of days with that name around the one inside the wait.
            var first = inside, last = inside
            while calendar.holidays[first.adding(days: -1)] == name { first = first.adding(days: -1) }
            while calendar.holidays[last.adding(days: 1)] == name { last = last.adding(days: 1) }
            causes.append("holiday: \(name), \(first) to \(last): no business days, so no clearing and no payout")
        }
        if !weekend.isEmpty { causes.append("weekend: \(weekend.joined(separator: ", ")) are not business days") }
        if late {
            causes += [
                "maintenance: the merchant's bank was in maintenance at the payout time and takes the credit when it is back",
                "hold: the acquirer's risk control holds the merchant's payouts (it releases them, late, when the hold ends)",
                "account: the merchant's account is frozen, closed or its number wrong, and the credit was returned to the acquirer",
                "reversal: the purchase was reversed or voided after the swipe (a timeout, a cashier's void): no money is due, and the card got it back",
                via == nil
                    ? "aggregator: if the merchant is paid through an aggregator (二清) rather than by the acquirer, the acquirer may have paid the aggregator on time and the aggregator not paid it on (ask with --via and its terms)"
                    : "aggregator: the acquirer paid the aggregator (二清) when the terms say; if the aggregator has not paid it on (it is short of money, or has failed), the money stopped there: ask the aggregator, and the acquirer for its payout record",
                "payout short: the acquirer's payout account could not cover its payout run, and it pays at its next run",
            ]
        }
        return causes
    }

    /// `{"expected", "late", "escalate_after", "causes", "clearing_date", "reasons"}`.
    public var json: JSONValue {
        let zone = arrival.zone
        return .object([
            ("expected", .string(zone.iso8601(arrival.arrives))),
            ("late", .bool(late)),
            ("escalate_after", .string(zone.iso8601(escalateAfter))),
            ("causes", .array(causes.map { .string($0) })),
            ("clearing_date", .string(arrival.clearingDate.description)),
            ("reasons", .array(arrival.reasons.map { .string($0) })),
        ])
    }

    /// For people.
    public var text: String {
        let zone = arrival.zone
        func show(_ instant: Instant) -> String {
            let local = zone.local(instant)
            return "\(local.date) \(local.time) (\(local.date.weekdayName))"
        }
        var lines = ["swiped \(swiped.date) \(swiped.time) (\(swiped.date.weekdayName)), \(terms), calendar \(calendarName), \(zone.identifier)"]
        lines.append("the money should arrive \(show(arrival.arrives)); clearing date \(arrival.clearingDate)")
        lines += arrival.reasons.map { "  - \($0)" }
        if let now {
            lines.append(late
                ? "at \(show(now)) it is LATE: due \(show(arrival.arrives))"
                : "at \(show(now)) it is not late: due \(show(arrival.arrives))")
        }
        if !causes.isEmpty {
            lines.append("causes that fit:")
            lines += causes.map { "  - \($0)" }
        }
        lines.append("if nothing has arrived by \(show(escalateAfter)) (four working days after the swipe, or the due time if later),")
        lines.append("  contact the payment provider or the bank, with the terminal's slip: the time, the RRN, the STAN and the amount")
        return lines.joined(separator: "\n")
    }

    /// A scenario that shows the expected timeline (`paylab run` passes it): the default
    /// network with the merchant on these terms, one swipe at the merchant's time, written with
    /// a word on what to change.
    public func scenario(amount: String = "100.00") -> String {
        var writer = ScenarioWriter()
        writer.header = [
            "Written by paylab incident ask: the merchant's swipe on its terms, and when the money",
            "should arrive. Change it to ask \"what if\" (a maintenance, a hold, a later swipe).",
        ]
        return writer.yaml(scenarioValue(amount: Money(decimal: amount, exponent: 2) ?? Money(minorUnits: 10_000)))
    }

    /// The scenario of ``scenario(amount:)`` as a value.
    public func scenarioValue(amount: Money) -> Scenario {
        let zone = arrival.zone
        let swipedAt = zone.instant(swiped)
        var scenario = Scenario.served(start: swipedAt.advanced(by: .seconds(-600)))
        scenario.file = "complaint.yaml"
        scenario.name = "complaint: swiped \(swiped), \(terms)"
        scenario.description = """
            The merchant swiped at \(swiped) under \(terms) and asks where the money is.
            By the \(calendarName) calendar it is due \(zone.local(arrival.arrives)).

            """
        scenario.tags = ["complaint"]
        scenario.zone = zone
        scenario.calendar = calendar
        scenario.calendarReference = calendarReference
        scenario.horizon = .seconds(30 * 86400)
        scenario.network.scheme.cutoff = cutoff
        var merchant = scenario.network.merchants[0]
        merchant.name = "The merchant"
        merchant.terms = terms
        merchant.payoutAt = payoutAt
        scenario.network.merchants = [merchant]
        if let via {
            scenario.network.via[merchant.id] = NetworkSpec.Via(aggregator: "Aggregator", accountBank: merchant.accountBank, accountNumber: "6214830000009999", pays: via)
        }
        let card = scenario.network.cards[0].pan
        scenario.steps = [Step(at: swipedAt, action: .swipe(id: "complaint", terminal: merchant.terminals[0], card: card, amount: amount, keyed: nil))]
        var expected = TransactionExpectation(id: "complaint")
        expected.response = "00"
        expected.settlementDate = arrival.clearingDate
        expected.arrives = .some(arrival.arrives)
        scenario.expectations = [.transaction(expected)]
        return scenario
    }
}
