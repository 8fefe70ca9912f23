import ISO8583
import SettlementCalendar

/// The scheme's clearing: the day's batch, booking and unbooking items, and the clearing file at the cutoff.
extension SchemeStateMachine {
    /// Takes a purchase out of its clearing batch, or settles it back if already cleared.
    mutating func unclear(_ reference: TransactionReference, to state: Entry.State, now: Instant) {
        guard var purchase = journal[reference] else { return }
        switch purchase.state {
        case .authorizing, .preauthorized:
            break
        case .approved(let date):
            batches[date]?.remove(reference)
        case .cleared:
            // Settled back with the fees it was charged (a refund or a chargeback was charged none).
            let charged = [.refund, .chargeback].contains(purchase.kind) ? SchemeFees.Item.zero : fees(on: purchase.request, amount: purchase.amount).fees
            batches[openBatch(now), default: Batch()].append(BatchItem(
                reference: reference, amount: -purchase.signedAmount, issuer: purchase.issuer, acquirer: purchase.acquirer, kind: .reversal, fees: -charged))
        case .declined, .reversed, .voided, .completed, .cancelled, .expired, .relayed:
            return
        }
        purchase.state = state
        journal[reference] = purchase
        // A completion undone: its pre-authorization holds again; a refund undone: it may be refunded again.
        if let original = purchase.original {
            if purchase.kind == .completion, journal[original]?.state == .completed { journal[original]?.state = .preauthorized }
            if purchase.kind == .refund { journal[original]?.refunded -= purchase.amount }
        }
    }

    /// Books an approved purchase into the batch of the clearing date decided when it was
    /// routed (or, put back after a void, the batch still open). An approval that comes back
    /// after that day's cutoff (a slow issuer, stand-in at the timeout) still belongs to it:
    /// it is cleared into that day at once, as a late item of its clearing.
    mutating func book(_ reference: TransactionReference, now: Instant) -> (date: LocalDate, actions: [NodeAction])? {
        guard var purchase = journal[reference] else { return nil }
        let date = purchase.routedFor ?? openBatch(now)
        purchase.state = .approved(clearingDate: date)
        purchase.routedFor = nil
        journal[reference] = purchase
        batches[date, default: Batch(room: batchRoom)].append(BatchItem(reference: reference, amount: purchase.amount, issuer: purchase.issuer, acquirer: purchase.acquirer))
        return (date, date < openBatch(now) ? clear(date, now: now) : [])
    }

    /// A void was reversed: the purchase it undid is approved again, in the batch still open
    /// (a cancelled pre-authorization holds again).
    mutating func restore(_ reference: TransactionReference, now: Instant) {
        switch journal[reference]?.state {
        case .voided?:
            journal[reference]?.routedFor = nil
            _ = book(reference, now: now)
        case .cancelled?: journal[reference]?.state = .preauthorized
        default: break
        }
    }

    func clearingDateOf(_ reference: TransactionReference) -> LocalDate? {
        if case .approved(let date) = journal[reference]?.state { return date }
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

    /// The account of the scheme's own ledger that the network fees of both sides accrue to.
    static let networkFees = "network fees"

    /// Clears a day's batch: each item's amount, less the issuer's fee and plus or less the
    /// network fees, is posted between its issuer and acquirer, and each member is settled
    /// once for its net position of the day (event `settled` under the member's net settlement).
    mutating func clear(_ date: LocalDate, now: Instant) -> [NodeAction] {
        let items = batches.removeValue(forKey: date)?.all ?? []
        var actions: [NodeAction] = []
        actions.reserveCapacity(items.count + 8)   // an event an item, and the settlements: no array grown by doubling at a cutoff
        var net = NetPositions()
        for var item in items {
            var feeDetail = ""
            if item.kind == .purchase, let purchase = journal[item.reference] {
                (item.fees, feeDetail) = fees(on: purchase.request, amount: item.amount)
            }
            post(item, into: &net)
            actions += clearingEvents(of: item, date: date, feeDetail: feeDetail, now: now)
        }
        return actions + net.settlements(date: date, scheme: name, exponent: configuration.currency.exponent, now: now)
    }

    /// The item's money in the scheme's books: the issuer pays its side, the acquirer is paid
    /// its side, and the network fees stay with the scheme.
    private mutating func post(_ item: BatchItem, into net: inout NetPositions) {
        let issuerPays = item.fees.issuerPays(item.amount), acquirerGets = item.fees.acquirerGets(item.amount)
        if item.fees == .zero {
            ledger.transfer(item.amount, from: Ledger.settlement(with: item.issuer), to: Ledger.settlement(with: item.acquirer), memo: "settle \(item.reference)")
        } else {
            ledger.transfer(issuerPays, from: Ledger.settlement(with: item.issuer), to: Self.networkFees, memo: "settle \(item.reference): from \(item.issuer)")
            ledger.transfer(acquirerGets, from: Self.networkFees, to: Ledger.settlement(with: item.acquirer), memo: "settle \(item.reference): to \(item.acquirer)")
        }
        net.add(-issuerPays, to: item.issuer)
        net.add(acquirerGets, to: item.acquirer)
        if item.fees.network != .zero { net.add(issuerPays - acquirerGets, to: name) }
    }

    private mutating func clearingEvents(of item: BatchItem, date: LocalDate, feeDetail: String, now: Instant) -> [NodeAction] {
        var actions: [NodeAction] = []
        let exponent = configuration.currency.exponent
        let netted = "in the net settlement of \(date)"
        switch item.kind {
        case .reversal:
            return [.record(TimelineEvent(
                at: now, node: name, kind: .settled, reference: .transaction(item.reference),
                detail: "\((item.amount < .zero ? -item.amount : item.amount).formatted(exponent: exponent)) settled back between \(item.acquirer) and \(item.issuer) \(netted) (reversed after clearing"
                    + (item.fees == .zero ? ")" : "; its fees given back)"),
                facts: .init(clearingDate: date, amount: item.amount, operation: .reversal, issuerFee: item.fees.issuer, networkFee: item.fees.network)))]
        case .refund, .chargeback:
            journal[item.reference]?.state = .cleared
            let what = item.kind == .refund ? "refund" : "chargeback"
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .cleared, reference: .transaction(item.reference),
                detail: "\(what) cleared in the batch of \(date)", facts: .init(clearingDate: date, amount: item.amount, operation: item.kind))))
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .settled, reference: .transaction(item.reference),
                detail: "\((-item.amount).formatted(exponent: exponent)) settled from \(item.acquirer) to \(item.issuer) \(netted) (\(what))",
                facts: .init(clearingDate: date, amount: item.amount, operation: item.kind))))
            if item.kind == .refund { actions += adviseRefund(item.reference, to: item.issuer, now: now) }
            return actions
        default:
            break
        }
        journal[item.reference]?.state = .cleared
        let request = journal[item.reference]?.request
        let charging = configuration.fees.model != .none
        actions.append(.record(TimelineEvent(
            at: now, node: name, kind: .cleared, reference: .transaction(item.reference),
            detail: "cleared in the batch of \(date)" + (feeDetail.isEmpty ? "" : ", \(feeDetail)"),
            facts: .init(clearingDate: date, amount: item.amount, mcc: request?[DE.merchantType], issuerFee: charging ? item.fees.issuer : nil,
                         networkFee: charging ? item.fees.network : nil))))
        let detail = item.fees == .zero
            ? "\(item.amount.formatted(exponent: exponent)) settled from \(item.issuer) to \(item.acquirer) \(netted)"
            : "settled \(netted): \(item.issuer) pays \(item.fees.issuerPays(item.amount).formatted(exponent: exponent)), \(item.acquirer) is paid \(item.fees.acquirerGets(item.amount).formatted(exponent: exponent))"
        actions.append(.record(TimelineEvent(
            at: now, node: name, kind: .settled, reference: .transaction(item.reference), detail: detail,
            facts: .init(clearingDate: date, amount: item.amount))))
        if configuration.reconcilingAcquirers.contains(item.acquirer), let purchase = journal[item.reference] {
            // The acquirer's line of the clearing file, kept until it acknowledges it.
            var record = purchase.request.keeping([DE.pan, DE.processingCode, DE.amount, DE.acquirerID, DE.rrn, DE.terminalID, DE.merchantID, DE.currency],
                                                  mti: .clearingRecord)
            record.stamp(now: now, stan: trace.take(), local: nil)
            record[DE.settlementDate] = date.mmdd
            record[DE.originalData] = purchase.acquirersOriginalData
            actions += retransmissions.start(record, to: item.acquirer, now: now)
        }
        return actions
    }

    /// The issuer credits the card on the refund's clearing: told by an advice (under the
    /// scheme's STAN, naming the purchase as the issuer knows it), repeated until acknowledged.
    private mutating func adviseRefund(_ reference: TransactionReference, to issuer: String, now: Instant) -> [NodeAction] {
        guard let refund = journal[reference] else { return [] }
        var advice = refund.request
        advice[DE.stan] = trace.take()
        if let original = refund.original, let purchase = journal[original] { advice[DE.originalData] = purchase.request.originalDataElements }
        hops.record(advice.transactionReference, of: reference)
        return retransmissions.start(advice, to: issuer, now: now)
    }
}

/// Each member's net position of one clearing day, and how many items made it.
struct NetPositions {
    private var positions: [String: (amount: Money, items: Int)] = [:]

    mutating func add(_ amount: Money, to member: String) {
        positions[member, default: (.zero, 0)].amount += amount
        positions[member, default: (.zero, 0)].items += 1
    }

    /// One `settled` event per member (in name order): what it receives (positive) or pays.
    func settlements(date: LocalDate, scheme: String, exponent: Int, now: Instant) -> [NodeAction] {
        positions.keys.sorted().map { member in
            let (amount, items) = positions[member]!
            let what = member == scheme ? "keeps \(amount.formatted(exponent: exponent)) of network fees"
                : amount < .zero ? "pays \((-amount).formatted(exponent: exponent))" : "receives \(amount.formatted(exponent: exponent))"
            return .record(TimelineEvent(
                at: now, node: scheme, kind: .settled, reference: .settlement(member: member, date: date),
                detail: "net settlement of \(date): \(member) \(what) for \(items) item\(items == 1 ? "" : "s")",
                facts: .init(clearingDate: date, amount: amount, items: items)))
        }
    }
}
