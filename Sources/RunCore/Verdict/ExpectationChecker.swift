import Scenario
import PaymentNetwork
import SettlementCalendar

/// Compares what happened with what a scenario expected, and checks the invariants.
enum ExpectationChecker {
    static func failures(
        scenario: Scenario, outcomes: [TransactionOutcome], balance: (String) -> Money?, timeline: [TimelineEvent] = []
    ) -> [RunFailure] {
        let zone = scenario.zone
        let exponent = scenario.currency.exponent
        var failures: [RunFailure] = []
        for expectation in scenario.expectations {
            switch expectation {
            case .account(let number, let expected, let line):
                let actual = balance(number)
                if actual != expected {
                    failures.append(.expectation(.init(
                        line: line, subject: "account \(number)", field: "balance", expected: expected.formatted(exponent: exponent),
                        actual: actual?.formatted(exponent: exponent) ?? "no such account")))
                }
            case .netPayouts(let merchant, let expected, let line):
                let actual = netPayouts(of: merchant, in: timeline, zone: zone)
                if actual != expected {
                    func show(_ payouts: [NetPayout]) -> String {
                        "[" + payouts.map { "\($0.date) \($0.amount.formatted(exponent: exponent))" }.joined(separator: ", ") + "]"
                    }
                    failures.append(.expectation(.init(line: line, subject: "merchant \(merchant)", field: "net_payouts", expected: show(expected), actual: show(actual))))
                }
            case .netSettlements(let member, let expected, let line):
                let actual = NetSettlement.all(in: timeline).filter { $0.member == member }.map { NetPayout(date: $0.date, amount: $0.amount) }
                if actual != expected {
                    func show(_ settlements: [NetPayout]) -> String {
                        "[" + settlements.map { "\($0.date) \($0.amount.formatted(exponent: exponent))" }.joined(separator: ", ") + "]"
                    }
                    failures.append(.expectation(.init(line: line, subject: "member \(member)", field: "net_settlements", expected: show(expected), actual: show(actual))))
                }
            case .stoppedAt(let merchant, let expected, let line):
                let terminals = scenario.network.merchants.first { $0.id == merchant }?.terminals ?? []
                let actual = MoneyHolder.of(terminals: Set(terminals), outcomes: outcomes)
                if actual != expected {
                    failures.append(.expectation(.init(line: line, subject: "merchant \(merchant)", field: "stopped_at", expected: expected.rawValue, actual: actual.rawValue)))
                }
            case .transaction(let expected):
                guard let outcome = outcomes.first(where: { $0.id == expected.id }) else {
                    failures.append(.expectation(.init(line: expected.line, subject: "transaction \(expected.id)", note: "it never happened")))
                    continue
                }
                let subject = "transaction \(expected.id)"
                func compare(_ key: String, _ expectedValue: String?, _ actual: String) {
                    if let expectedValue, expectedValue != actual {
                        failures.append(.expectation(.init(line: expected.line, subject: subject, field: key, expected: expectedValue, actual: actual)))
                    }
                }
                compare("response", expected.response, outcome.response)
                compare("status", expected.status?.rawValue, outcome.status.rawValue)
                compare("settlement_date", expected.settlementDate?.description, outcome.settlementDate?.description ?? "none")
                if let arrives = expected.arrives {
                    compare("arrives", arrives.map { Values.show($0, zone) } ?? "never", outcome.arrives.map { Values.show($0, zone) } ?? "never")
                }
                compare("credited", expected.credited?.formatted(exponent: exponent), outcome.credited.formatted(exponent: exponent))
                compare("held", expected.held?.formatted(exponent: exponent), outcome.held.formatted(exponent: exponent))
                compare("refunded", expected.refunded?.formatted(exponent: exponent), outcome.refunded.formatted(exponent: exponent))
                compare("interchange", expected.interchange?.formatted(exponent: exponent), outcome.issuerFee?.formatted(exponent: exponent) ?? "none")
                compare("issuer_fee", expected.issuerFee?.formatted(exponent: exponent), outcome.issuerFee?.formatted(exponent: exponent) ?? "none")
                compare("slip_time", expected.slipTime?.description, outcome.slipTime?.description ?? "none")
                compare("network_fee", expected.networkFee?.formatted(exponent: exponent), outcome.networkFee?.formatted(exponent: exponent) ?? "none")
                compare("mcc_on_wire", expected.mccOnWire, outcome.mccOnWire ?? "none")
                compare("balance_shown", expected.balanceShown?.formatted(exponent: exponent), outcome.balanceShown?.formatted(exponent: exponent) ?? "none")
                if let events = expected.events {
                    let actual = outcome.events.map(\.kind)
                    if !isSubsequence(events, of: actual) {
                        failures.append(.expectation(.init(
                            line: expected.line, subject: subject, field: "events",
                            expected: "[\(events.map(\.rawValue).joined(separator: ", "))] in this order", actual: "[\(actual.map(\.rawValue).joined(separator: ", "))]")))
                    }
                }
            }
        }
        return failures
    }

    /// What each payout to a merchant credited (after netting), by the local date it arrived.
    static func netPayouts(of merchant: String, in timeline: [TimelineEvent], zone: Zone) -> [NetPayout] {
        timeline.filter { $0.kind == .arrived && $0.facts.operation == .payout && $0.facts.merchant == merchant }
            .map { NetPayout(date: zone.local($0.at).date, amount: $0.facts.amount ?? .zero) }
    }

    /// Whether `needle` appears in `haystack` in order, not necessarily adjacent.
    static func isSubsequence(_ needle: [EventKind], of haystack: [EventKind]) -> Bool {
        var index = haystack.startIndex
        for kind in needle {
            guard let found = haystack[index...].firstIndex(of: kind) else { return false }
            index = found + 1
        }
        return true
    }

    /// The invariants of docs/scenario-language.md ("What always holds") that can be checked from the ledgers and the wire.
    static func invariantFailures(
        ledgers: [String: Ledger], framesInFlight: Int, waiting: [String: [String]], outcomes: [TransactionOutcome],
        timeline: [TimelineEvent], exponent: Int, stoppedEarly: Bool = false, audits: [String: [AuditFailure]] = [:], swipesVisible: Bool = true
    ) -> [RunFailure] {
        var failures: [RunFailure] = []
        for (node, items) in audits.sorted(by: { $0.key < $1.key }) {
            failures += items.map { .audit(node, $0) }
        }
        for (node, ledger) in ledgers.sorted(by: { $0.key < $1.key }) where ledger.total != .zero {
            failures.append(.invariant(.ledgerBalances, detail: "\(node)'s ledger does not balance: off by \(ledger.total.formatted(exponent: exponent))"))
        }
        // What one node holds for another must mirror what the other holds for it, once the
        // network has settled (a served run stopped by hand may stop between two nodes' entries).
        let names = stoppedEarly ? [] : ledgers.keys.sorted()
        for (i, a) in names.enumerated() {
            for b in names[(i + 1)...] {
                let sum = ledgers[a]!.balance(Ledger.settlement(with: b)) + ledgers[b]!.balance(Ledger.settlement(with: a))
                if sum != .zero {
                    failures.append(.invariant(.moneyConserved, detail: "money not conserved between \(a) and \(b): their settlement accounts differ by \(sum.formatted(exponent: exponent))"))
                }
            }
        }
        if framesInFlight != 0 {
            failures.append(.invariant(.framesDelivered, detail: "\(framesInFlight) frames still in flight at the end of the run"))
        }
        for (node, items) in waiting.sorted(by: { $0.key < $1.key }) {
            failures.append(.invariant(.nothingWaits, detail: "\(node) still waits at the end of the run on: \(items.joined(separator: "; "))"))
        }
        // Every reversal and void matches an original purchase (when the swipes are PayLab's to
        // see: an acquirer under test keeps its terminals' to itself).
        // (Lazily, and by position: copying every event of a long run cost more than the check.)
        let swiped = Set(timeline.lazy.filter { $0.kind == .swiped }.map(\.reference))
        for position in timeline.indices where swipesVisible && (timeline[position].kind == .reversed || timeline[position].kind == .voided)
            && !swiped.contains(timeline[position].reference) {
            let event = timeline[position]
            failures.append(.invariant(.reversalHasOriginal, detail: "\(event.node) recorded \(event.kind.rawValue) for \(event.reference), which no terminal swiped"))
        }
        for outcome in outcomes {
            // Payouts that credited this transaction (a netted take-back is not a credit) and arrived.
            let credits = Set(outcome.events.filter { $0.kind == .paidOut && ($0.facts.amount ?? .zero) > .zero }.flatMap(\.related))
            let arrivals = outcome.events.filter { $0.kind == .arrived && credits.contains($0.reference) }.count
            if arrivals > 1 {
                failures.append(.invariant(.creditedOnce, detail: "transaction \(outcome.id) was credited to the merchant \(arrivals) times"))
            }
            // A status agrees with the money: credited is not pending, and undone means the card got its money back.
            if outcome.status == .pending, arrivals > 0 {
                failures.append(.invariant(.statusAgreesWithPayout, detail: "transaction \(outcome.id) is pending, yet its payout arrived"))
            }
            if outcome.status == .reversed || outcome.status == .voided,
               !outcome.events.contains(where: { [.reversed, .voided].contains($0.kind) && $0.facts.amount != nil }) {
                failures.append(.invariant(.undoneIsGivenBack, detail: "transaction \(outcome.id) is \(outcome.status), yet its card never got the money back"))
            }
            // A refund never exceeds what was captured; a chargeback moves money once.
            guard let start = outcome.events.first(where: { $0.kind == .swiped && $0.facts.transactionID == outcome.id }),
                  start.facts.operation == .purchase || start.facts.operation == .completion else { continue }
            let refunds = outcome.events.filter { $0.kind == .refunded }.reduce(Money.zero) { $0 + ($1.facts.amount ?? .zero) }
            if let captured = start.facts.amount, refunds > captured {
                failures.append(.invariant(.refundAtMostCaptured, detail: "transaction \(outcome.id) was refunded \(refunds.formatted(exponent: exponent)), more than the \(captured.formatted(exponent: exponent)) captured"))
            }
            let chargebacks = outcome.events.filter { $0.kind == .chargedBack }.count
            if chargebacks > 1 {
                failures.append(.invariant(.chargedBackOnce, detail: "transaction \(outcome.id) was charged back to the merchant \(chargebacks) times"))
            }

        }
        return failures
    }

    /// Approved purchases still `pending` when the run ended although their payout fell
    /// due before the end (or was never booked): money that should have moved and did not.
    static func unfinishedPayouts(outcomes: [TransactionOutcome], timeline: [TimelineEvent], end: Instant, zone: Zone) -> [RunFailure] {
        var failures: [RunFailure] = []
        let pending = outcomes.filter { $0.status == .pending && $0.response == ResponseCode.approved.rawValue }
        guard !pending.isEmpty else { return [] }
        // Each purchase's events found through an index: a run whose payouts were lost has as
        // many pending purchases as swipes, and filtering the whole timeline for each made its
        // end quadratic (12,000 swipes: 77 s, three quarters of it here).
        let index = TimelineIndex(timeline)
        // A payout made to a sub-merchant's aggregator was made: what the aggregator does with it is the aggregator's.
        let arrivedPayouts = Set(timeline.lazy.filter { $0.kind == .arrived || $0.kind == .paidToAggregator }.map(\.reference))
        for outcome in pending {
            // The purchase's message may have gone through as a repeat's: look at every event of its reference.
            guard let reference = outcome.events.first(where: { $0.kind == .swiped })?.reference else { continue }
            let events = index.positions(of: reference).map { timeline[$0] }
            if events.contains(where: { $0.kind == .paidOut && !arrivedPayouts.isDisjoint(with: $0.related) }) { continue }
            // Reversed or voided through the other transaction of the same message (a repeat and its original).
            if TransactionOutcome.status(of: events, response: outcome.response).isFinal { continue }
            guard let booking = events.last(where: { $0.kind == .scheduled }), let schedule = booking.facts.schedule else {
                failures.append(.invariant(.bookedForPayout, detail: "transaction \(outcome.id) was approved but the acquirer never booked it for payout: the money stopped at the acquirer"))
                continue
            }
            let due: Instant
            switch schedule.payout {
            case .instant: due = booking.at
            case .at(let local): due = zone.instant(local)
            }
            if due <= end {
                failures.append(.invariant(.payoutMade, detail: "transaction \(outcome.id)'s payout fell due at \(Values.show(due, zone)) and was never made: the money stopped at the \(MoneyHolder.of(terminals: [events.first { $0.kind == .swiped }?.node ?? ""], outcomes: [outcome]).rawValue)"))
            }
        }
        return failures
    }
}
