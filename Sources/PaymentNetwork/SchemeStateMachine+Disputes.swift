import ISO8583
import SettlementCalendar

/// What undoes a purchase at the scheme: refunds, chargebacks, voids and reversals.
extension SchemeStateMachine {
    /// A refund (0220) is the scheme's to accept: it checks the original and what is left to
    /// refund, answers at once, and books it into the open batch; at the cutoff the acquirer
    /// pays the issuer and the issuer is told to credit the card.
    mutating func acceptRefund(_ request: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        if journal[reference] != nil {
            return request.duplicateActions(inProgress: false, again: "again", node: name, peer: acquirer, now: now)
        }
        let original = journal.key(namedBy: request)
        guard let entry = journal[original], entry.kind == .purchase || entry.kind == .completion else {
            return refuse(request, .originalNotFound, "a refund of \(original), which is no purchase the scheme knows", to: acquirer, operation: .refund, now: now)
        }
        switch entry.state {
        case .approved, .cleared: break
        default: return refuse(request, .invalidTransaction, "a refund of a purchase that is \(entry.state)", to: acquirer, operation: .refund, now: now)
        }
        let amount = request.amount ?? .zero
        let left = entry.chargedBack ? .zero : entry.amount - entry.refunded
        guard amount > .zero, amount <= left else {
            let exponent = configuration.currency.exponent
            return refuse(request, .invalidAmount, "a refund of \(amount.formatted(exponent: exponent)) where \(left.formatted(exponent: exponent)) is left to refund",
                          to: acquirer, operation: .refund, now: now)
        }
        journal[original]?.refunded += amount
        let date = openBatch(now)
        var stored = request
        stored[DE.settlementDate] = date.mmdd
        journal[reference] = Entry(kind: .refund, original: original, request: stored, acquirersOriginalData: stored.originalDataElements, amount: amount, issuer: entry.issuer, acquirer: acquirer, state: .approved(clearingDate: date))
        batches[date, default: Batch()].append(BatchItem(reference: reference, amount: -amount, issuer: entry.issuer, acquirer: acquirer, kind: .refund))
        var answer = stored.response(code: .approved)
        answer[DE.authorizationCode] = generator.digits(6)
        return [.send(answer, to: acquirer)]
    }

    /// An issuer's chargeback (0422): checked against the purchase (once per purchase, at
    /// most what was not refunded), acknowledged at once, passed on to the acquirer until it
    /// acknowledges, and booked into the open batch: the acquirer pays the issuer back.
    mutating func relayChargeback(_ chargeback: ISOMessage, from issuer: String, now: Instant) -> [NodeAction] {
        // Numbered by the issuer: kept apart from the acquirer's references in the same tables.
        let reference = chargeback.transactionReference.numbered(by: issuer)
        if journal[reference]?.kind == .chargeback { return [.send(chargeback.response(code: .approved), to: issuer)] }
        let original = hops.original(of: chargeback.originalReference)
        guard let entry = journal[original], entry.kind == .purchase || entry.kind == .completion else {
            return refuse(chargeback, .originalNotFound, "a chargeback of \(original), which is no purchase the scheme knows", to: issuer, operation: .chargeback, now: now)
        }
        let settled: Bool
        switch entry.state {
        case .approved, .cleared: settled = true
        default: settled = false
        }
        guard settled, !entry.chargedBack else {
            return refuse(chargeback, .invalidTransaction, "a chargeback of a purchase that is \(entry.chargedBack ? "charged back already" : "\(entry.state)")",
                          to: issuer, operation: .chargeback, now: now)
        }
        let amount = chargeback.amount ?? .zero
        guard amount > .zero, amount <= entry.amount - entry.refunded else {
            return refuse(chargeback, .invalidAmount, "a chargeback of more than is left of the purchase after its refunds", to: issuer, operation: .chargeback, now: now)
        }
        journal[original]?.chargedBack = true
        let date = openBatch(now)
        journal[reference] = Entry(kind: .chargeback, original: original, request: chargeback, acquirersOriginalData: chargeback.originalDataElements, amount: amount, issuer: issuer, acquirer: entry.acquirer, state: .approved(clearingDate: date))
        batches[date, default: Batch()].append(BatchItem(reference: reference, amount: -amount, issuer: issuer, acquirer: entry.acquirer, kind: .chargeback))
        // On to the acquirer under the scheme's STAN, naming the purchase as the acquirer knows it.
        var forwarded = chargeback
        forwarded[DE.stan] = trace.take()
        forwarded[DE.originalData] = entry.acquirersOriginalData
        hops.record(forwarded.transactionReference, of: reference)
        return [.send(chargeback.response(code: .approved), to: issuer)]
            + retransmissions.start(forwarded, to: entry.acquirer, now: now)
    }

    mutating func relayVoid(_ void: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let original = journal.key(namedBy: void)
        let cancellation = void.isCancellation
        let applies: Bool
        switch journal[original]?.state {
        case .approved?: applies = !cancellation && [.purchase, .completion].contains(journal[original]?.kind)
        case .preauthorized?: applies = cancellation
        default: applies = false
        }
        guard let purchase = journal[original], applies else {
            // Not approved here, or already cleared: a void cannot undo it (nor a cancellation
            // anything but a pre-authorization that still holds).
            return [.send(void.response(code: .invalidTransaction), to: acquirer)]
        }
        var outgoing = void
        outgoing[DE.rrn] = purchase.request[DE.rrn]
        outgoing[DE.originalData] = purchase.request.originalDataElements
        journal[void.transactionReference] = Entry(kind: cancellation ? .cancellation : .void, original: original, request: outgoing, acquirersOriginalData: void.originalDataElements, amount: purchase.amount,
                                                   issuer: purchase.issuer, acquirer: acquirer, state: .declined)
        return ask(purchase.issuer, Waiting(acquirer: acquirer, issuer: purchase.issuer, request: outgoing, operation: cancellation ? .cancellation : .void,
                                            original: original, downstream: void.transactionReference), now: now)
    }

    /// Takes over an acquirer's reversal and delivers it to the issuer: a purchase's takes it
    /// out of clearing (and a late approval of it is never booked); a void's puts the purchase back.
    mutating func relayReversal(_ reversal: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let original = reversal.originalReference
        var actions: [NodeAction] = []
        let issuer: String
        // On to the issuer under the scheme's STAN, naming what it undoes as the issuer knows it.
        var forwarded = reversal
        forwarded[DE.stan] = trace.take()
        if let void = journal[original], void.kind.isVoidOrCancellation, let purchase = void.original, let entry = journal[purchase] {
            issuer = entry.issuer
            if void.state == .relayed {
                let sent = void.request
                forwarded[DE.originalData] = sent.originalDataElements
                if waiting.removeValue(forKey: sent.transactionReference) != nil { actions.append(.cancelTimer(.answer(sent.transactionReference))) }
            }
            restore(purchase, now: now)
        } else {
            guard let pan = reversal[DE.pan], let found = journal[original]?.issuer ?? self.issuer(of: pan) else {
                return [.send(reversal.response(code: .originalNotFound), to: acquirer)]
            }
            if let purchase = journal[original], purchase.refunded > .zero || purchase.chargedBack {
                // Refunded or charged back already: undoing it again would give the card its money twice.
                return [.send(reversal.response(code: .approved), to: acquirer),
                        .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(original),
                                              detail: "a reversal of a purchase already \(purchase.chargedBack ? "charged back" : "refunded"): acknowledged, nothing more undone",
                                              facts: .init(operation: .reversal)))]
            }
            issuer = found
            let sent = journal[original]?.request.transactionReference ?? original
            if journal[original] != nil { forwarded[DE.originalData] = journal[original]!.request.originalDataElements }
            if waiting.removeValue(forKey: sent) != nil { actions.append(.cancelTimer(.answer(sent))) }
            // A stand-in advice not yet acknowledged is not sent again: the reversal follows
            // any copy already on its way, so the issuer either never debits or debits and reverses.
            if let withdrawn = retransmissions.acknowledge(sent), let amount = journal[original]?.amount {
                let exponent = configuration.currency.exponent
                actions += withdrawn + [.record(TimelineEvent(
                    at: now, node: name, kind: .reversed, reference: .transaction(original),
                    detail: "stand-in approval of \(amount.formatted(exponent: exponent)) withdrawn before \(issuer) applied it: the card is not charged",
                    facts: .init(responseCode: .approved, amount: amount, operation: .reversal)))]
            }
            unclear(original, to: .reversed, now: now)
        }
        // Store and forward: the scheme acknowledges at once and repeats the reversal to the
        // issuer itself until the issuer answers, however long it is away.
        hops.record(forwarded.transactionReference, of: reversal.transactionReference)
        return actions + [.send(reversal.response(code: .approved), to: acquirer)]
            + retransmissions.start(forwarded, to: issuer, now: now)
    }
}
