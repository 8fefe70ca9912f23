import ISO8583
import SettlementCalendar

/// What follows a bank's authorization: reversals, voids, completions and cancellations, refunds, advices and chargebacks.
extension BankStateMachine {
    mutating func reverse(_ reversal: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let original = reversal.originalReference
        guard let found = journal[original] else {
            journal[original] = Entry(kind: .purchase, state: .reversedFirst(seen: false))
            return [.send(reversal.response(code: .originalNotFound), to: scheme)]
        }
        if found.kind.isVoidOrCancellation {
            guard found.state == .approved, let purchase = found.original else { return [.send(reversal.response(code: .originalNotFound), to: scheme)] }
            return reverseVoid(reversal, of: purchase, from: scheme, now: now)
        }
        if found.isHold {
            let hold = found
            guard hold.state == .holding else { return [.send(reversal.response(code: .approved), to: scheme)] }
            setHold(original, to: .holdReversed)
            return [
                .send(reversal.response(code: .approved), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .reversed, reference: .transaction(original),
                                      detail: "pre-authorization reversed: the hold of \(hold.amount.formatted(exponent: exponent)) is released",
                                      facts: .init(responseCode: .approved, amount: hold.amount, operation: .reversal))),
            ]
        }
        guard found.isDebit else {
            // Seen and declined: a stand-in advice for it that comes later moves nothing either.
            if found.state == .answered { journal[original]?.state = .reversedFirst(seen: true) }
            return [.send(reversal.response(code: .originalNotFound), to: scheme)]
        }
        guard let entry = undo(original, to: .reversed, memo: "reversal") else {
            // Already reversed or voided: acknowledge again, move nothing.
            return [.send(reversal.response(code: .approved), to: scheme)]
        }
        return [
            .send(reversal.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .reversed, reference: .transaction(original),
                                  detail: "\(entry.amount.formatted(exponent: exponent)) given back to the card",
                                  facts: .init(responseCode: .approved, amount: entry.amount, operation: .reversal))),
        ]
    }

    /// A void whose answer was lost is reversed: the purchase stands again and the card is debited again.
    mutating func reverseVoid(_ reversal: ISOMessage, of purchase: TransactionReference, from scheme: String, now: Instant) -> [NodeAction] {
        let voidReference = reversal.originalReference
        journal[voidReference]?.state = .undone
        if let hold = journal[purchase], hold.isHold {
            // A cancellation reversed: the pre-authorization holds again.
            guard hold.state == .cancelled else { return [.send(reversal.response(code: .approved), to: scheme)] }
            setHold(purchase, to: .holding)
            return [
                .send(reversal.response(code: .approved), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .reversed, reference: .transaction(purchase),
                                      detail: "cancellation reversed: \(hold.amount.formatted(exponent: exponent)) held on the card again",
                                      facts: .init(responseCode: .approved, amount: hold.amount, operation: .voidReversal))),
            ]
        }
        guard var entry = journal[purchase], entry.state == .voided else {
            return [.send(reversal.response(code: .approved), to: scheme)]
        }
        entry.state = .debited
        journal[purchase] = entry
        ledger.transfer(entry.amount, from: entry.pan, to: Ledger.settlement(with: entry.scheme), memo: "void reversed \(purchase)")
        if entry.fees != .zero { ledger.transfer(entry.fees, from: Ledger.settlement(with: entry.scheme), to: Self.feeIncome, memo: "fees \(purchase)") }
        if let day = spent[entry.pan], day.date == entry.day { spent[entry.pan] = (day.date, day.total + entry.amount) }
        return [
            .send(reversal.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .reversed, reference: .transaction(purchase),
                                  detail: "void reversed: \(entry.amount.formatted(exponent: exponent)) taken from the card again",
                                  facts: .init(responseCode: .approved, amount: entry.amount, operation: .voidReversal))),
        ]
    }

    mutating func void(_ void: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let original = journal.key(namedBy: void) { $0.isDebit }
        guard let entry = undo(original, to: .voided, memo: "void") else {
            return [.send(void.response(code: .invalidTransaction), to: scheme)]
        }
        journal[void.transactionReference] = Entry(kind: .void, state: .approved, original: original)
        return [
            .send(void.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .voided, reference: .transaction(original),
                                  detail: "voided: \(entry.amount.formatted(exponent: exponent)) given back to the card",
                                  facts: .init(responseCode: .approved, amount: entry.amount, operation: .void))),
        ]
    }

    /// A pre-authorization's cancellation (0100, processing code 20): the hold goes away.
    mutating func cancel(_ cancellation: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let original = journal.key(namedBy: cancellation) { $0.isHold }
        guard let hold = journal[original], hold.isHold, hold.state == .holding else {
            return [.send(cancellation.response(code: .invalidTransaction), to: scheme)]
        }
        setHold(original, to: .cancelled)
        journal[cancellation.transactionReference] = Entry(kind: .cancellation, state: .approved, original: original)
        return [
            .send(cancellation.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .cancelled, reference: .transaction(original),
                                  detail: "pre-authorization cancelled: the hold of \(hold.amount.formatted(exponent: exponent)) is released",
                                  facts: .init(responseCode: .approved, amount: hold.amount, operation: .cancellation))),
        ]
    }

    /// A completion (0220): the hold is released and the completed amount taken, once.
    mutating func complete(_ completion: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = completion.transactionReference
        let original = journal.key(namedBy: completion) { $0.isHold }
        if journal[reference]?.isDebit == true {
            return [.send(completion.response(code: .approved), to: scheme)]   // a repeat: answered again, nothing taken twice
        }
        let found = journal[original].flatMap { $0.isHold ? $0 : nil }
        guard let hold = found, hold.state == .holding, let amount = completion.amount, amount > .zero else {
            let code: ResponseCode = found == nil ? .originalNotFound : .invalidTransaction
            return [
                .send(completion.response(code: code), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                      detail: found == nil ? "a completion of a pre-authorization this bank never approved: answered 25"
                                          : "a completion of a pre-authorization that is \(found!.holdState): answered 12",
                                      facts: .init(responseCode: code, operation: .completion))),
            ]
        }
        // What the hold kept back is the card's again; the completion may take a little more (the scheme's tolerance).
        guard available(hold.pan) + hold.amount >= amount else {
            return [
                .send(completion.response(code: .insufficientFunds), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                      detail: "a completion of \(amount.formatted(exponent: exponent)) beyond what the card has: answered 51",
                                      facts: .init(responseCode: .insufficientFunds, operation: .completion))),
            ]
        }
        setHold(original, to: .completed)
        debit(card: hold.pan, amount: amount, scheme: scheme, reference: reference, kind: .completion, today: configuration.zone.local(now).date,
              request: completion, preauthorization: original)
        var response = completion.response(code: .approved)
        response[DE.authorizationCode] = completion[DE.authorizationCode] ?? generator.digits(6)
        let released = hold.amount - amount
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .completed, reference: .transaction(original),
                                  detail: "completed for \(amount.formatted(exponent: exponent)): the hold of \(hold.amount.formatted(exponent: exponent)) is released\(released > .zero ? " (\(released.formatted(exponent: exponent)) back to the card's available funds)" : "") and \(amount.formatted(exponent: exponent)) taken",
                                  facts: .init(responseCode: .approved, amount: amount, operation: .completion))),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference),
                                  detail: "completion approved: card debited \(amount.formatted(exponent: exponent))",
                                  facts: .init(responseCode: .approved, amount: amount, operation: .completion))),
        ]
    }

    /// The scheme cleared a refund (0220, processing code 20): the card is credited, once.
    mutating func applyRefund(_ advice: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = advice.transactionReference
        guard let pan = advice[DE.pan], cards[pan] != nil, let amount = advice.amount, amount > .zero else {
            return [.send(advice.response(code: .invalidCardNumber), to: scheme)]
        }
        guard journal[reference]?.kind != .refund else { return [.send(advice.response(code: .approved), to: scheme)] }
        journal[reference] = Entry(kind: .refund, state: .credited, pan: pan, amount: amount, scheme: scheme)
        ledger.transfer(amount, from: Ledger.settlement(with: scheme), to: pan, memo: "refund \(reference)")
        let original = journal.key(namedBy: advice) { $0.isDebit }
        if journal[original]?.isDebit == true { journal[original]?.refunded += amount }
        let detail = "refund of \(amount.formatted(exponent: exponent)) credited to card \(PAN.mask(pan))"
        return [
            .send(advice.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .refunded, reference: .transaction(reference), detail: detail,
                                  facts: .init(responseCode: .approved, amount: amount, operation: .refund))),
            .record(TimelineEvent(at: now, node: name, kind: .refunded, reference: .transaction(original), detail: detail,
                                  facts: .init(responseCode: .approved, amount: amount, operation: .refund))),
        ]
    }

    /// The cardholder disputes a purchase: the card gets the money back at once (provisional
    /// credit) and a chargeback (0422) goes to the scheme, repeated until acknowledged.
    mutating func dispute(id: String, of original: TransactionReference, reason: String, now: Instant) -> [NodeAction] {
        // A purchase charged back already may be disputed again (an analyst raises it twice):
        // the chargeback goes to the scheme, which refuses a second one (12), and the first stands.
        guard let entry = journal[original], entry.state == .debited, let request = entry.request else {
            return [.fault(NodeFault(.chargebackNotPossible, "cannot charge back \(original) for \(id): this bank did not debit the card for it, or it was undone"))]
        }
        let again = entry.disputed
        let amount = entry.amount - entry.refunded
        guard amount > .zero else { return [.fault(NodeFault(.chargebackNotPossible, "cannot charge back \(original) for \(id): it was refunded in full"))] }
        journal[original]?.disputed = true
        var chargeback = request.keeping([DE.pan, DE.expiry, DE.acquirerID, DE.rrn, DE.terminalID, DE.merchantID, DE.currency], mti: .chargeback)
        chargeback[DE.processingCode] = ProcessingCode.purchase
        chargeback[DE.amount] = amount.de4
        chargeback.stamp(now: now, stan: trace.take(), local: configuration.zone.local(now))
        chargeback[DE.reasonCode] = reason
        chargeback[DE.originalData] = request.originalDataElements
        let reference = chargeback.transactionReference
        journal[reference.numbered(by: name)] = Entry(kind: .chargeback, state: .disputing(again: again), pan: entry.pan, amount: amount, scheme: entry.scheme, original: original)
        ledger.transfer(amount, from: Ledger.settlement(with: entry.scheme), to: entry.pan, memo: "chargeback \(reference)")
        let shown = amount.formatted(exponent: exponent)
        return [
            .record(TimelineEvent(at: now, node: name, kind: .disputed, reference: .transaction(reference.numbered(by: name)),
                                  detail: "chargeback of \(original), reason \(reason): \(shown) credited to card \(PAN.mask(entry.pan)), sent to \(entry.scheme)",
                                  facts: .init(transactionID: id, amount: amount, operation: .chargeback))),
            // A second dispute's credit is provisional until the scheme answers (it refuses one
            // of a purchase charged back already): the purchase's own refund stays the first's.
            .record(TimelineEvent(at: now, node: name, kind: .disputed, reference: .transaction(original),
                                  detail: again ? "disputed again, reason \(reason): \(shown) credited to the card until the scheme answers"
                                                : "disputed by the cardholder, reason \(reason): \(shown) credited back to the card",
                                  facts: .init(amount: again ? nil : amount, operation: .chargeback))),
        ] + chargebacks.start(chargeback, to: entry.scheme, now: now)
    }

    /// The scheme answered a chargeback: accepted, or refused (then the card's provisional credit is taken back).
    mutating func chargebackAnswered(_ response: ISOMessage, now: Instant) -> [NodeAction] {
        let reference = response.transactionReference
        let own = reference.numbered(by: name)
        guard let acknowledged = chargebacks.acknowledge(reference, code: response.responseCode), let dispute = journal[own],
              case .disputing(let again) = dispute.state, let purchase = dispute.original else { return [] }
        journal[own]?.state = .settled
        let code = response.responseCode ?? "??"
        guard !code.isApproval else {
            return acknowledged + [.record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference.numbered(by: name)),
                                                         detail: "chargeback accepted by \(dispute.scheme)", facts: .init(responseCode: code, operation: .chargeback)))]
        }
        ledger.transfer(dispute.amount, from: dispute.pan, to: Ledger.settlement(with: dispute.scheme), memo: "chargeback refused \(reference)")
        journal[purchase]?.disputed = again
        return acknowledged + [.record(TimelineEvent(
            at: now, node: name, kind: .declined, reference: .transaction(reference.numbered(by: name)),
            detail: "chargeback refused with \(code) (\(code.meaning)): the provisional credit of \(dispute.amount.formatted(exponent: exponent)) is taken back from the card",
            facts: .init(responseCode: code, operation: .chargeback)))]
    }

    /// The scheme approved in our place: post the debit, even past the balance, once.
    mutating func applyAdvice(_ advice: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = advice.transactionReference
        let response = advice.response(code: .approved)
        // Not once more, and not for a purchase reversed before the bank saw it.
        let applied = journal[reference].map { $0.isDebit || $0.state == .reversedFirst(seen: false) || $0.state == .reversedFirst(seen: true) } ?? false
        guard !applied, let pan = advice[DE.pan], cards[pan] != nil,
              let amount = advice.amount else {
            return [.send(response, to: scheme)]
        }
        debit(card: pan, amount: amount, scheme: scheme, reference: reference, kind: .advice, today: configuration.zone.local(now).date, request: advice)
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference),
                                  detail: "stand-in advice applied: card debited \(amount.formatted(exponent: exponent))",
                                  facts: .init(amount: amount, operation: .advice))),
        ]
    }
}
