public import Scenario
public import PaymentNetwork
public import SettlementCalendar

/// What became of one swipe, read from the run's timeline.
public struct TransactionOutcome: Sendable {
    /// The scenario's id.
    public var id: String
    /// DE39 that reached the terminal, or `none`.
    public var response: String
    /// Where it ended.
    public var status: TransactionStatus
    /// The clearing date, once the scheme cleared it.
    public var settlementDate: LocalDate?
    /// When the merchant's account was credited, if it was.
    public var arrives: Instant?
    /// The net amount credited to the merchant for it.
    public var credited: Money
    /// Its events, in order.
    public var events: [TimelineEvent]
    /// What a pre-authorization still holds on the card.
    public var held: Money = .zero
    /// What was credited back to the card for it: refunds once cleared, a chargeback.
    public var refunded: Money = .zero
    /// Whether nothing more can happen to it: a final status, and if paid, settled.
    public var isSettledForGood = false
    /// The issuer's fee the scheme charged on it, once cleared (under a fee model).
    public var issuerFee: Money?
    /// The network fee the scheme charged each side of it, once cleared.
    public var networkFee: Money?
    /// What the acquirer keeps of its merchant fee once it has paid the issuer's fee and its network fee.
    public var acquirerKeeps: Money?
    /// The MCC the scheme saw in DE18, once it flagged or cleared it.
    public var mccOnWire: String?
    /// The balance a balance inquiry's answer showed at the terminal.
    public var balanceShown: Money?
    /// The terminal's date and time on its slip (DE13/DE12 of its request): its own clock's.
    public var slipTime: LocalDateTime?

    /// Gathers the outcome of every transaction a terminal started (swipes, repeats,
    /// completions, cancellations, refunds) or an issuer started (chargebacks) from a timeline.
    public static func all(from timeline: [TimelineEvent]) -> [TransactionOutcome] {
        let index = TimelineIndex(timeline)
        return index.starts.map { outcome(startingAt: $0, timeline: timeline, index: index) }
    }

    /// The outcome of the transaction that starts at `position` (one of `index.starts`).
    static func outcome(startingAt position: Int, timeline: [TimelineEvent], index: TimelineIndex) -> TransactionOutcome {
        let start = timeline[position]
        let id = start.facts.transactionID ?? ""
        return start.kind == .disputed ? chargeback(id: id, start: start, timeline: timeline, index: index)
            : outcome(id: id, swipe: start, timeline: timeline, index: index)
    }

    /// A chargeback: its events are those of its own reference.
    static func chargeback(id: String, start: TimelineEvent, timeline: [TimelineEvent], index: TimelineIndex) -> TransactionOutcome {
        let events = index.positions(of: start.reference).map { timeline[$0] }
        let answer = events.last { $0.facts.operation == .chargeback && ($0.kind == .authorized || $0.kind == .declined) }
        let response = answer?.facts.responseCode?.rawValue ?? "none"
        let status: TransactionStatus
        if answer?.kind == .declined { status = .declined } else if events.contains(where: { $0.kind == .chargedBack }) { status = .chargedBack } else { status = .pending }
        var outcome = TransactionOutcome(
            id: id, response: response, status: status, settlementDate: events.first { $0.kind == .cleared }?.facts.clearingDate,
            arrives: nil, credited: .zero, events: events)
        outcome.refunded = status == .declined ? .zero : start.facts.amount ?? .zero
        outcome.isSettledForGood = status == .declined || (status == .chargedBack && events.contains { $0.kind == .settled })
        return outcome
    }

    static func outcome(id: String, swipe: TimelineEvent, timeline: [TimelineEvent], index: TimelineIndex) -> TransactionOutcome {
        let reference = swipe.reference
        // Every event of the transaction is one of its references' or its own (by id): the
        // index gives their positions, so each outcome reads only its own events.
        let positions = index.positions(of: reference)
        // Swipes of the same message: the first is the original, later ones are repeats.
        let sends = positions.filter { timeline[$0].kind == .swiped }
        let isRepeat = sends.first.flatMap { timeline[$0].facts.transactionID } != id
        let repeatStart = sends.dropFirst().first.map { timeline[$0].at }
        // When the original never reached the network (nothing but its terminal recorded
        // anything before a repeat was sent), the repeat that did carries the message: the
        // last one sent before the network first recorded anything of it. What the network
        // does from then on is that repeat's. Order, not time, decides: both can happen at the
        // same virtual instant.
        let firstInNetwork = positions.first { timeline[$0].node != swipe.node }
        let handover = firstInNetwork.flatMap { network in
            positions.dropFirst().last { $0 < network && timeline[$0].kind == .swiped }
        }
        let events = ownEvents(id: id, swipe: swipe, isRepeat: isRepeat, positions: positions, handover: handover, repeatStart: repeatStart, timeline: timeline, index: index)
        let terminalAnswer = events.last {
            $0.facts.transactionID == id && $0.facts.operation.startsTransaction && [.authorized, .declined, .cancelled].contains($0.kind)
        }
        // The acquirer answered a repeat as it had answered the original (its answer was lost
        // on the way): the repeat is a duplicate, and the original's answer is the replayed one.
        // (For a repeat, a replay of its own: one sent after it.)
        let replay = positions.first {
            timeline[$0].kind == .duplicate && timeline[$0].node != swipe.node && timeline[$0].facts.responseCode != nil
                && timeline[$0].facts.responseCode != .duplicateTransmission && (!isRepeat || timeline[$0].at >= swipe.at)
        }.map { timeline[$0] }
        let isDuplicate = isRepeat && replay != nil && !(handover.map { timeline[$0].facts.transactionID == id } ?? false)
        // The original takes a replayed answer only while it kept the message: once a repeat
        // carries it (the original was delayed past the repeat's send), the replay answered
        // that repeat's copy, and what the network did is the repeat's.
        let replayed = isRepeat || handover != nil ? nil : replay?.facts.responseCode?.rawValue
        let response = terminalAnswer?.facts.responseCode?.rawValue ?? replayed ?? "none"
        let settlementDate = events.first { $0.kind == .cleared }?.facts.clearingDate
        let arrivedPayouts = Set(events.filter { $0.kind == .arrived }.map(\.reference))
        let credited = events.filter { $0.kind == .paidOut && !arrivedPayouts.isDisjoint(with: $0.related) }
            .reduce(Money.zero) { $0 + ($1.facts.amount ?? .zero) }
        let arrives = events.first { $0.kind == .arrived }?.at
        let operation = swipe.facts.operation
        let base = isDuplicate ? .duplicate : status(of: events, response: response, operation: operation)
        var outcome = TransactionOutcome(
            id: id, response: response, status: base, settlementDate: settlementDate,
            arrives: arrives, credited: credited, events: events)
        let settled = events.contains { $0.kind == .settled }
        if let cleared = events.first(where: { $0.kind == .cleared && $0.facts.operation == .purchase }) {
            outcome.issuerFee = cleared.facts.issuerFee
            outcome.networkFee = cleared.facts.networkFee
            // The merchant fee is what the acquirer booked less than the amount for the merchant.
            if let issuerFee = cleared.facts.issuerFee, let networkFee = cleared.facts.networkFee, let amount = cleared.facts.amount,
               let booked = events.last(where: { $0.kind == .scheduled && $0.facts.schedule != nil })?.facts.amount {
                outcome.acquirerKeeps = amount - booked - issuerFee - networkFee
            }
        }
        outcome.mccOnWire = events.lazy.compactMap(\.facts.mcc).first
        // The slip's time: the request's as it was sent (a sign-on that set the clock first restamps it).
        outcome.slipTime = events.last { $0.node == swipe.node && $0.facts.transactionID == id && $0.facts.terminalTime != nil }?.facts.terminalTime
        if operation == .inquiry { outcome.balanceShown = events.last { $0.kind == .authorized && $0.facts.transactionID == id }?.facts.amount }
        outcome.isSettledForGood = base.isFinal || (base == .arrived && settled) || (base == .refunded && operation == .refund)
        outcome.refunded = events.filter { ($0.kind == .refunded || $0.kind == .disputed) && $0.node != swipe.node }
            .reduce(Money.zero) { $0 + ($1.facts.amount ?? .zero) }
        if operation == .preauthorization, base == .authorized {
            outcome.held = events.last { $0.facts.amount != nil && [.preauthorized, .reversed].contains($0.kind) }?.facts.amount ?? .zero
        }
        // What happened after the money moved: a chargeback, or refunds of part or all of it.
        if operation == .purchase || operation == .completion, !base.isFinal, base != .declined, base != .failed {
            let amount = swipe.facts.amount ?? .zero
            let refunds = events.filter { $0.kind == .refunded }.reduce(Money.zero) { $0 + ($1.facts.amount ?? .zero) }
            if events.contains(where: { $0.kind == .chargedBack }) {
                outcome.status = .chargedBack
            } else if refunds >= amount, amount > .zero {
                outcome.status = .refunded
            } else if refunds > .zero {
                outcome.status = .partiallyRefunded
            }
        }
        return outcome
    }

    /// The events that are this transaction's: a repeat that carried the message owns what the
    /// network did after it was sent; a repeat that did not owns its own terminal events and the
    /// duplicates it caused; the original owns the rest.
    static func ownEvents(id: String, swipe: TimelineEvent, isRepeat: Bool, positions: [Int], handover: Int?, repeatStart: Instant?,
                         timeline: [TimelineEvent], index: TimelineIndex) -> [TimelineEvent] {
        let reference = swipe.reference
        var references: Set<EventReference> = [reference]
        for position in positions { references.formUnion(timeline[position].related) }
        let related = index.positions(of: references)
        if isRepeat, let handover, timeline[handover].facts.transactionID == id {
            return related.filter { index in
                let event = timeline[index]
                guard references.contains(event.reference) else { return false }
                if let owner = event.facts.transactionID { return owner == id }
                return index > handover
            }.map { timeline[$0] }
        } else if isRepeat {
            // A repeat owns its own terminal events and the duplicates it caused.
            return index.positions(of: [reference], orTransaction: id).map { timeline[$0] }.filter {
                $0.facts.transactionID == id || ($0.reference == reference && $0.kind == .duplicate && $0.at >= swipe.at && $0.node != swipe.node)
            }
        }
        return related.filter { index in
            let event = timeline[index]
            guard references.contains(event.reference) else { return false }
            if let owner = event.facts.transactionID, owner != id { return false }
            if event.facts.transactionID == nil, let handover, index > handover { return false }
            if event.kind == .duplicate, let repeatStart, event.at >= repeatStart { return false }
            return true
        }.map { timeline[$0] }
    }

    /// The status of a transaction from its events and the answer its terminal got.
    static func status(of events: [TimelineEvent], response: String, operation: TimelineEvent.Operation = .purchase) -> TransactionStatus {
        switch operation {
        case .preauthorization:
            // The issuer's hold decides: the last thing that happened to it.
            let hold = events.last { $0.facts.amount != nil && [.preauthorized, .completed, .cancelled, .expired, .reversed].contains($0.kind) }
            switch hold.map({ ($0.kind, $0.facts.operation) }) {
            case (.completed, _)?: return .completed
            case (.cancelled, _)?: return .cancelled
            case (.expired, _)?: return .expired
            case (.reversed, .reversal)?: return .reversed
            case (.preauthorized, _)?, (.reversed, _)?: return .authorized
            case nil: return response == "none" ? .failed : .declined
            default: return .authorized
            }
        case .cancellation:
            if events.contains(where: { $0.kind == .reversed }) { return .reversed }
            if response == ResponseCode.approved.rawValue { return .cancelled }
            return response == "none" ? .failed : .declined
        case .inquiry:
            if events.contains(where: { $0.kind == .authorized && $0.facts.operation == .inquiry && $0.facts.transactionID != nil }) { return .answered }
            return response == "none" ? .failed : .declined
        case .refund:
            if events.contains(where: { $0.kind == .reversed }) { return .reversed }
            if events.contains(where: { $0.kind == .refunded }) { return .refunded }
            if response == ResponseCode.approved.rawValue { return .pending }
            return response == "none" ? .failed : .declined
        default:
            break
        }
        // Money moved back to the card by the issuer decides first; a void that was itself
        // reversed gave the money back to the purchase.
        let moved = events.filter { $0.facts.amount != nil && [.voided, .reversed].contains($0.kind) }
        switch moved.last.map({ ($0.kind, $0.facts.operation) }) {
        case (.voided, _)?: return .voided
        case (.reversed, .reversal)?: return .reversed
        default: break
        }
        // Approved, or a one-sided entry the acquirer's reconciliation paid to the merchant.
        let paidByReconciliation = events.contains { $0.kind == .reconciled && $0.facts.operation == .purchase }
        if response == ResponseCode.approved.rawValue || paidByReconciliation {
            switch events.last(where: { [.arrived, .returned, .held, .released, .parked].contains($0.kind) })?.kind {
            case .arrived?: return .arrived
            case .returned?, .parked?: return .returned
            case .held?: return .held
            default: return .pending
            }
        }
        // The card was charged but the terminal was not told yes: a reversal is on its way.
        let charged = events.contains { $0.kind == .authorized && $0.facts.amount != nil }
        if charged { return .pending }
        return response == "none" ? .failed : .declined
    }
}

extension TransactionOutcome {
    /// An event's words as this transaction's: a payout that carried several purchases says
    /// its total and this purchase's part of it (`payout of 771.34, 385.67 of it for this
    /// purchase`), not the total alone as if this purchase had been credited all of it.
    public func detail(of event: TimelineEvent, exponent: Int) -> String {
        guard event.kind == .arrived, event.facts.operation == .payout, let total = event.facts.amount,
              credited > .zero, total != credited else { return event.detail }
        return "payout of \(total.formatted(exponent: exponent)), \(credited.formatted(exponent: exponent)) of it for this purchase: \(event.detail)"
    }
}
