public import ISO8583
import PaymentSecurity
public import SettlementCalendar

/// What a terminal sends about an earlier transaction: the same message again, a void, a
/// pre-authorization's completion or cancellation, a refund.
extension TerminalStateMachine {
    /// A transaction of its own on an earlier one: a pre-authorization's completion (0220, or
    /// online 0200 DE25 06) or cancellation (0100, processing code 20), or a refund (0220,
    /// processing code 20). DE61 names the original; DE37 and DE38 carry its RRN and authorization code.
    mutating func followUp(id: String, of original: String, kind: TerminalMessages.FollowUp, amount: Money?, now: Instant) -> [NodeAction] {
        guard let made = journal[original] else { return [] }
        let operation: TimelineEvent.Operation
        switch kind {
        case .completion, .onlineCompletion: operation = .completion
        case .cancellation: operation = .cancellation
        case .refund: operation = .refund
        }
        let message = messages.followUp(kind, of: made.request, answer: made.response, amount: amount, batch: made.batch ?? batchNumber,
                                        stan: trace.take(), now: now, local: clock(now))
        let reference = message.transactionReference
        journal[id] = Entry(request: message, batch: batchNumber)
        let shown = (message.amount ?? .zero).formatted(exponent: configuration.currency.exponent)
        let what: String
        switch operation {
        case .completion: what = "\(kind == .onlineCompletion ? "online " : "")completion of \(original) for \(shown) \(configuration.currency.code)"
        case .refund: what = "refund of \(shown) \(configuration.currency.code) on \(original)"
        default: what = "cancellation of the pre-authorization \(original)"
        }
        return [.record(TimelineEvent(
            at: now, node: name, kind: .swiped, reference: .transaction(reference),
            detail: "\(what), card \(PAN.mask(message[DE.pan] ?? "")), STAN \(reference.stan)",
            facts: .init(transactionID: id, amount: message.amount, operation: operation)))]
            + send(Waiting(transactionID: id, request: message, operation: operation, reference: reference), now: now)
    }

    /// The same bytes again: same STAN, same DE7, as a terminal that retransmits does.
    mutating func sendAgain(id: String, original: String, now: Instant) -> [NodeAction] {
        guard let made = journal[original] else { return [] }
        let request = made.request
        let reference = request.transactionReference
        journal[id] = Entry(request: request, batch: made.batch)
        let operation: TimelineEvent.Operation = request.isPreauthorization ? .preauthorization : .purchase
        return [.record(TimelineEvent(
            at: now, node: name, kind: .swiped, reference: .transaction(reference),
            detail: "the message of \(original) sent again, same STAN \(reference.stan)",
            facts: .init(transactionID: id, amount: request.amount, operation: operation)))]
            + send(Waiting(transactionID: id, request: request, operation: operation, reference: reference, isRepeat: true), now: now)
    }

    /// A `0200` with processing code `200000` that names the original by DE61 and DE37.
    mutating func void(_ original: String, now: Instant) -> [NodeAction] {
        guard let made = journal[original] else { return [] }
        let void = messages.void(of: made.request, answer: made.response, batch: made.batch ?? batchNumber, stan: trace.take(), now: now,
                                 local: clock(now))
        return send(Waiting(transactionID: original, request: void, operation: .void, reference: made.request.transactionReference), now: now)
    }
}

/// A balance inquiry: the card read as for a purchase, its PIN, and the balance the answer shows.
extension TerminalStateMachine {
    mutating func inquire(_ swipe: NodeCommand.Swipe, now: Instant) -> [NodeAction] {
        if let unreadable = chipUnreadable(swipe, operation: .inquiry, now: now) { return unreadable }
        var request = messages.balanceInquiry(pan: swipe.pan, expiry: swipe.expiry, stan: trace.take(), now: now, local: clock(now))
        readCard(swipe, into: &request, now: now)
        let reference = request.transactionReference
        journal[swipe.id] = Entry(request: request)
        return [.record(TimelineEvent(
            at: now, node: name, kind: .swiped, reference: .transaction(reference),
            detail: "balance inquiry on card \(PAN.mask(swipe.pan)), STAN \(reference.stan)",
            facts: .init(transactionID: swipe.id, operation: .inquiry)))]
            + send(Waiting(transactionID: swipe.id, request: request, operation: .inquiry, reference: reference, pin: swipe.pin), now: now)
    }

    /// The inquiry's answer: the balance DE54 shows (the ledger balance is the event's amount), or the decline.
    mutating func inquiryAnswered(_ message: ISOMessage, entry: Waiting, now: Instant) -> [NodeAction] {
        journal[entry.transactionID]?.response = message
        let code = message.responseCode ?? "??"
        var session: (arqc: [UInt8], sessionKey: DESKey)?
        if case .awaitingARPC(let arqc, let sessionKey)? = chip.removeValue(forKey: entry.request.transactionReference) { session = (arqc, sessionKey) }
        let exponent = configuration.currency.exponent
        let kind: EventKind, detail: String, shown: Money?
        if !code.isApproval {
            (kind, detail, shown) = (.declined, "declined with \(code) (\(code.meaning))", nil)
        } else if let session, !ChipData.arpcVerifies(message, arqc: session.arqc, sessionKey: session.sessionKey) {
            (kind, detail, shown) = (.declined, "answered 00, but the card declined: the issuer's ARPC (DE55 tag 91) did not verify; no balance shown", nil)
        } else if let balances = Balances(message) {
            let available = balances.available == balances.ledger ? "" : ", available \(balances.available.formatted(exponent: exponent))"
            (kind, detail, shown) = (.authorized, "balance shown: \(balances.ledger.formatted(exponent: exponent)) \(configuration.currency.code)\(available) (DE54)", balances.ledger)
        } else {
            (kind, detail, shown) = (.declined, "answered 00 with no balance that reads in DE54 (\(message[DE.additionalAmounts] ?? "absent")): nothing to show", nil)
        }
        return [.record(TimelineEvent(at: now, node: name, kind: kind, reference: .transaction(entry.reference), detail: detail,
                                      facts: .init(transactionID: entry.transactionID, responseCode: code, amount: shown, operation: .inquiry)))]
    }
}
