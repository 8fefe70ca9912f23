public import ISO8583
public import SettlementCalendar

/// The scheme's timers: the cutoff, an issuer's silence and stand-in, and a request it could not send.
extension SchemeStateMachine {
    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        switch key {
        case .cutoff:
            return clearDay(now: now)
        case .repeat(let reference):
            return retransmissions.fire(reference, now: now)
        case .answer(let own):
            guard let entry = waiting.removeValue(forKey: own) else { return [] }
            return issuerSilent(entry, now: now, why: "no answer from \(entry.issuer) within \(configuration.timeout.compact)", code: .issuerTimeout)
        case .expiry(let reference):
            // The issuer releases the hold on its own clock; from now on nothing completes it.
            if journal[reference]?.state == .preauthorized { journal[reference]?.state = .expired }
            return []
        case .payout:
            return []
        }
    }

    /// Why stand-in may not approve this purchase in the issuer's place, if it may not.
    func standInRefusal(_ request: ISOMessage, now: Instant) -> ResponseCode? {
        if let pan = request[DE.pan], let code = configuration.standInRefusals[pan] { return code }
        if CardRules.isExpired(request[DE.expiry] ?? "", today: configuration.zone.local(now).date) { return .expiredCard }
        return nil
    }

    /// The issuer did not answer in time (98), cannot be reached or has signed off (91): stand
    /// in, or answer with `code` and reverse what it may have done (when the request was `sent`).
    mutating func issuerSilent(_ entry: Waiting, now: Instant, why: String, code: ResponseCode, sent: Bool = true) -> [NodeAction] {
        let kind: EventKind = sent ? .timedOut : .declined
        guard entry.operation.startsTransaction, entry.operation.movesMoney else {
            var actions: [NodeAction] = [
                .send(entry.answer(code), to: entry.acquirer),
                .record(TimelineEvent(at: now, node: name, kind: kind, reference: .transaction(entry.original),
                                      detail: "\(why) to the \(entry.operation.rawValue): answered \(code)\(entry.operation == .void && sent ? " and reversing the void at the issuer" : "")",
                                      facts: .init(responseCode: code, operation: entry.operation))),
            ]
            if sent, entry.operation.isVoidOrCancellation {
                // The issuer may have voided: undo that, so every node keeps the purchase.
                actions += retransmissions.start(entry.request.reversal(mti: .reversalAdvice, now: now, stan: trace.take()), to: entry.issuer, now: now)
            }
            return actions
        }
        let reference = entry.original
        let exponent = configuration.currency.exponent
        var code = code, why = why
        if entry.operation == .purchase, configuration.standInLimit != nil, let pan = entry.request[DE.pan], configuration.debitCards.contains(pan) {
            // A debit card's account is its issuer's alone to debit: no stand-in, the issuer is unavailable.
            code = .issuerInoperative
            why += "; the scheme does not stand in for a debit card"
        } else if entry.operation == .purchase, let limit = configuration.standInLimit, let amount = entry.request.amount, amount <= limit, amount > .zero {
            if let refusal = standInRefusal(entry.request, now: now) {
                journal[reference]?.state = .declined
                return [
                    .send(entry.answer(refusal), to: entry.acquirer),
                    .record(TimelineEvent(at: now, node: name, kind: .stoodIn, reference: .transaction(reference),
                                          detail: "\(why): declined \(amount.formatted(exponent: exponent)) in the issuer's place with \(refusal) (\(refusal.meaning))",
                                          facts: .init(responseCode: refusal))),
                ] + (sent ? reverseAtIssuer(entry.request, issuer: entry.issuer, now: now) : [])
            }
            var response = entry.answer(.approved)
            let authorization = generator.digits(6)
            response[DE.authorizationCode] = authorization
            var lateClearing: [NodeAction] = []
            if let (date, late) = book(reference, now: now) {
                response[DE.settlementDate] = date.mmdd
                lateClearing = late
            }
            var advice = entry.request
            if !sent {
                // The issuer never had the request (it had signed off): the advice is the first it
                // hears of the purchase, under the scheme's own STAN like everything it sends, and
                // a void or reversal later names the purchase by that STAN.
                advice[DE.stan] = trace.take()
                journal[reference]?.request[DE.stan] = advice[DE.stan]
                hops.record(advice.transactionReference, of: entry.downstream)
            }
            advice.mti = .financialAdvice
            advice[DE.authorizationCode] = authorization
            advice.responseCode = .approved
            return [
                .send(response, to: entry.acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .stoodIn, reference: .transaction(reference),
                                      detail: "\(why): approved \(amount.formatted(exponent: exponent)) in the issuer's place (limit \(limit.formatted(exponent: exponent))), authorization code \(authorization)",
                                      facts: .init(responseCode: .approved, amount: amount))),
            ] + retransmissions.start(advice, to: entry.issuer, now: now) + lateClearing
        }
        journal[reference]?.state = sent ? .reversed : .declined
        return [
            .send(entry.answer(code), to: entry.acquirer),
            .record(TimelineEvent(at: now, node: name, kind: kind, reference: .transaction(reference),
                                  detail: "\(why): answered \(code) (\(code.meaning))\(sent ? " and reversing at the issuer" : "")",
                                  facts: .init(responseCode: code, operation: entry.operation))),
        ] + (sent ? reverseAtIssuer(entry.request, issuer: entry.issuer, now: now) : [])
    }

    /// Sends the issuer a `0420` for a purchase it may have approved, repeated until answered.
    mutating func reverseAtIssuer(_ original: ISOMessage, issuer: String, now: Instant) -> [NodeAction] {
        retransmissions.start(original.reversal(mti: .reversalAdvice, now: now, stan: trace.take()), to: issuer, now: now)
    }

    public mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] {
        let own = message.transactionReference
        if message.mti.isRequest, !message.mti.isRepeat, let entry = waiting[own], entry.issuer == peer {
            waiting[own] = nil
            return [.cancelTimer(.answer(own))] + issuerSilent(entry, now: now, why: "\(peer) cannot be reached", code: .issuerInoperative)
        }
        if message.isResponse, message.responseCode == .approved, let purchase = journal[own],
           [.purchase, .completion, .preauthorization].contains(purchase.kind), purchase.isInForce {
            // The acquirer cannot receive the approval: undo it at the issuer.
            unclear(own, to: .reversed, now: now)
            return reverseAtIssuer(purchase.request, issuer: purchase.issuer, now: now)
        }
        return []
    }
}
