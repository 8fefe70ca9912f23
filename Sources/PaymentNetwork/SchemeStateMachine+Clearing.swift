import ISO8583
import SettlementCalendar

/// The scheme's clearing: the day's batch, booking and unbooking items, and the clearing file at the cutoff.
extension SchemeStateMachine {
    /// Takes a purchase out of its clearing batch, or settles it back if already cleared.
    mutating func unclear(_ reference: TransactionReference, to state: Purchase.State, now: Instant) {
        guard var purchase = purchases[reference] else { return }
        switch purchase.state {
        case .authorizing, .preauthorized:
            break
        case .approved(let date):
            batches[date]?.remove(reference)
        case .cleared:
            batches[openBatch(now), default: Batch()].append(BatchItem(reference: reference, amount: -purchase.signedAmount, issuer: purchase.issuer, acquirer: purchase.acquirer, kind: .reversal))
        case .declined, .reversed, .voided, .completed, .cancelled, .expired:
            return
        }
        purchase.state = state
        purchases[reference] = purchase
        // A completion undone: its pre-authorization holds again; a refund undone: it may be refunded again.
        if let original = purchase.original {
            if purchase.kind == .completion, purchases[original]?.state == .completed { purchases[original]?.state = .preauthorized }
            if purchase.kind == .refund { purchases[original]?.refunded -= purchase.amount }
        }
    }

    /// Books an approved purchase into the batch of the clearing date decided when it was
    /// routed (or, put back after a void, the batch still open). An approval that comes back
    /// after that day's cutoff (a slow issuer, stand-in at the timeout) still belongs to it:
    /// it is cleared into that day at once, as a late item of its clearing.
    mutating func book(_ reference: TransactionReference, now: Instant) -> (date: LocalDate, actions: [NodeAction])? {
        guard var purchase = purchases[reference] else { return nil }
        let date = purchase.routedFor ?? openBatch(now)
        purchase.state = .approved(clearingDate: date)
        purchase.routedFor = nil
        purchases[reference] = purchase
        batches[date, default: Batch()].append(BatchItem(reference: reference, amount: purchase.amount, issuer: purchase.issuer, acquirer: purchase.acquirer))
        return (date, date < openBatch(now) ? clear(date, now: now) : [])
    }

    /// A void was reversed: the purchase it undid is approved again, in the batch still open
    /// (a cancelled pre-authorization holds again).
    mutating func restore(_ reference: TransactionReference, now: Instant) {
        switch purchases[reference]?.state {
        case .voided?:
            purchases[reference]?.routedFor = nil
            _ = book(reference, now: now)
        case .cancelled?: purchases[reference]?.state = .preauthorized
        default: break
        }
    }

    func clearingDateOf(_ reference: TransactionReference) -> LocalDate? {
        if case .approved(let date) = purchases[reference]?.state { return date }
        return nil
    }

    /// Clears every day whose cutoff has passed (the one that ends now, and any the scheme
    /// missed while it was down) and settles it between issuers and acquirers.
    mutating func clearDay(now: Instant) -> [NodeAction] {
        var actions: [NodeAction] = []
        for date in batches.keys.filter({ $0 < openBatch(now) }).sorted() {
            actions += clear(date, now: now)
        }
        actions.append(nextCutoff(after: now))
        return actions
    }

    mutating func clear(_ date: LocalDate, now: Instant) -> [NodeAction] {
        var actions: [NodeAction] = []
        let exponent = configuration.currency.exponent
        for item in batches.removeValue(forKey: date)?.all ?? [] {
            ledger.transfer(item.amount, from: Ledger.settlement(with: item.issuer), to: Ledger.settlement(with: item.acquirer), memo: "settle \(item.reference)")
            switch item.kind {
            case .reversal:
                actions.append(.record(TimelineEvent(
                    at: now, node: name, kind: .settled, reference: .transaction(item.reference),
                    detail: "\((item.amount < .zero ? -item.amount : item.amount).formatted(exponent: exponent)) settled back between \(item.acquirer) and \(item.issuer) (reversed after clearing)",
                    facts: .init(clearingDate: date, amount: item.amount, operation: .reversal))))
                continue
            case .refund, .chargeback:
                purchases[item.reference]?.state = .cleared
                let what = item.kind == .refund ? "refund" : "chargeback"
                actions.append(.record(TimelineEvent(
                    at: now, node: name, kind: .cleared, reference: .transaction(item.reference),
                    detail: "\(what) cleared in the batch of \(date)", facts: .init(clearingDate: date, amount: item.amount, operation: item.kind))))
                actions.append(.record(TimelineEvent(
                    at: now, node: name, kind: .settled, reference: .transaction(item.reference),
                    detail: "\((-item.amount).formatted(exponent: exponent)) settled from \(item.acquirer) to \(item.issuer) (\(what))",
                    facts: .init(clearingDate: date, amount: item.amount, operation: item.kind))))
                if item.kind == .refund, let refund = purchases[item.reference] {
                    // The issuer credits the card on the refund's clearing: told by an advice (under the
                    // scheme's STAN, naming the purchase as the issuer knows it), repeated until acknowledged.
                    var advice = refund.request
                    advice[DE.stan] = trace.take()
                    if let original = refund.original, let purchase = purchases[original] { advice[DE.originalData] = purchase.request.originalDataElements }
                    actions.append(.alias(hop: advice.transactionReference, of: item.reference))
                    actions += retransmissions.start(advice, to: item.issuer, now: now)
                }
                continue
            default:
                break
            }
            purchases[item.reference]?.state = .cleared
            let charge = purchases[item.reference].flatMap { interchange(on: $0.request, amount: item.amount) }
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .cleared, reference: .transaction(item.reference),
                detail: "cleared in the batch of \(date)" + (charge.map { ", \($0.detail)" } ?? ""),
                facts: .init(clearingDate: date, amount: item.amount, mcc: purchases[item.reference]?.request[DE.merchantType], interchange: charge?.amount))))
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .settled, reference: .transaction(item.reference),
                detail: "\(item.amount.formatted(exponent: exponent)) settled from \(item.issuer) to \(item.acquirer)",
                facts: .init(clearingDate: date, amount: item.amount))))
            if configuration.reconcilingAcquirers.contains(item.acquirer), let purchase = purchases[item.reference] {
                // The acquirer's line of the clearing file, kept until it acknowledges it.
                var record = purchase.request.keeping([DE.pan, DE.processingCode, DE.amount, DE.acquirerID, DE.rrn, DE.terminalID, DE.merchantID, DE.currency],
                                                      mti: .clearingRecord)
                record.stamp(now: now, stan: trace.take(), local: nil)
                record[DE.settlementDate] = date.mmdd
                record[DE.originalData] = purchase.incoming.originalDataElements
                actions += retransmissions.start(record, to: item.acquirer, now: now)
            }
        }
        return actions
    }
}
