import PaymentNetwork
import SettlementCalendar

/// What became of one swipe, read from the run's timeline.
public struct TransactionOutcome: Sendable {
    /// The final statuses of SCENARIOS.md.
    public static let statuses = ["arrived", "pending", "declined", "failed", "reversed", "voided", "returned", "held"]

    /// The scenario's id.
    public var id: String
    /// DE39 that reached the terminal, or `none`.
    public var response: String
    /// One of ``statuses``.
    public var status: String
    /// The clearing date, once the scheme cleared it.
    public var settlementDate: LocalDate?
    /// When the merchant's account was credited, if it was.
    public var arrives: Instant?
    /// The net amount credited to the merchant for it.
    public var credited: Money
    /// Its events, in order.
    public var events: [TimelineEvent]

    /// Whether nothing more can happen to it: a final status, and if approved, settled.
    public var isSettledForGood: Bool {
        switch status {
        case "declined", "failed", "reversed", "voided": return true
        case "arrived": return events.contains { $0.kind == .settled }
        default: return false
        }
    }

    /// Gathers the outcome of every swipe from a timeline.
    public static func all(from timeline: [TimelineEvent]) -> [TransactionOutcome] {
        var outcomes: [TransactionOutcome] = []
        var seen: Set<String> = []
        for event in timeline where event.kind == .swiped {
            guard let id = event.facts.transactionID, !seen.contains(id) else { continue }
            seen.insert(id)
            outcomes.append(outcome(id: id, reference: event.reference, timeline: timeline))
        }
        return outcomes
    }

    static func outcome(id: String, reference: String, timeline: [TimelineEvent]) -> TransactionOutcome {
        // A transaction's events: those under its reference, and those of the payouts that paid it.
        var references: Set<String> = [reference]
        for event in timeline where event.reference == reference { references.formUnion(event.related) }
        let events = timeline.filter { references.contains($0.reference) }
        let terminalAnswer = events.last { $0.facts.transactionID == id && ($0.kind == .authorized || $0.kind == .declined) }
        let response = terminalAnswer?.facts.responseCode ?? "none"
        let settlementDate = events.first { $0.kind == .cleared }?.facts.clearingDate
        let arrivedPayouts = Set(events.filter { $0.kind == .arrived }.map(\.reference))
        let credited = events.filter { $0.kind == .paidOut && !arrivedPayouts.isDisjoint(with: $0.related) }
            .reduce(Money.zero) { $0 + ($1.facts.amount ?? .zero) }
        let arrives = events.first { $0.kind == .arrived }?.at
        let lastPayout = events.last { $0.kind == .arrived || $0.kind == .returned }
        let status: String
        if lastPayout?.kind == .arrived {
            status = "arrived"
        } else if lastPayout?.kind == .returned {
            status = "returned"
        } else if response == "00" {
            status = "pending"
        } else if response == "none" {
            status = "failed"
        } else {
            status = "declined"
        }
        return TransactionOutcome(
            id: id, response: response, status: status, settlementDate: settlementDate, arrives: arrives,
            credited: credited, events: events)
    }
}
