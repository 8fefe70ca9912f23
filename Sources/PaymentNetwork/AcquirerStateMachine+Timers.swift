public import ISO8583
public import SettlementCalendar

/// The acquirer's timers, commands and failures: its waits on the scheme, reversals, outages and a request it could not send.
extension AcquirerStateMachine {
    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        switch key {
        case .answer(let own):
            guard let entry = waiting.removeValue(forKey: own) else { return [] }
            var actions: [NodeAction] = entry.terminal.isEmpty ? [] : [.send(entry.answer(.issuerInoperative), to: entry.terminal)]
            actions += [
                .record(TimelineEvent(at: now, node: name, kind: .timedOut, reference: .transaction(entry.original),
                                      detail: "no answer from \(configuration.scheme) to the \(entry.operation.rawValue) within \(configuration.timeout.compact): answered 91",
                                      facts: .init(responseCode: .issuerInoperative, operation: entry.operation))),
            ]
            if entry.operation.startsTransaction, entry.operation != .cancellation {
                journal[entry.original]?.state = .reversed
            }
            // What may have taken effect upstream is undone: the purchase, or the void (an inquiry moved nothing).
            if entry.operation.isVoidOrCancellation { journal[entry.downstream]?.state = .declined }
            if entry.operation.movesMoney { actions += reverseUpstream(entry.request, now: now) }
            return actions
        case .repeat(let reference):
            if credits.isPending(reference) { return credits.fire(reference, now: now) }
            if let limit = configuration.reversalAttempts, reversals.attempts(reference) >= limit, let pending = reversals.giveUp(reference) {
                // This acquirer gives up: the entry is one-sided until the next day's reconciliation finds it.
                return [.record(TimelineEvent(
                    at: now, node: name, kind: .timedOut, reference: .transaction(pending.message.originalReference.numbered(by: name)),
                    detail: "no answer to the reversal after \(limit) attempts: given up; the scheme may have it as approved until reconciliation",
                    facts: .init(operation: .reversal)))]
            }
            return reversals.fire(reference, now: now)
        case .payout(let merchantID, _):
            guard let merchant = merchants[merchantID] else { return [] }
            return payOut(merchant: merchant, now: now)
        case .cutoff, .expiry:
            return []
        }
    }

    /// Sends the scheme a `0420` for a purchase or void that may have taken effect, repeated until acknowledged.
    mutating func reverseUpstream(_ original: ISOMessage, now: Instant) -> [NodeAction] {
        reversals.start(original.reversal(mti: .reversalAdvice, now: now, stan: trace.take()), to: configuration.scheme, now: now)
    }

    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] {
        if case .changeAccount(let merchantID, let bank, let number) = command { return changeAccount(merchantID, bank: bank, number: number, now: now) }
        if case .payoutShort(let covers, let until) = command {
            payoutCover = covers.map { ($0, until, nil) }
            return []
        }
        if case .rekey(let terminal) = command {
            rekey(terminal)
            return []
        }
        guard case .hold(let merchantID, let on) = command, let merchant = merchants[merchantID] else { return [] }
        book.setHold(merchantID, on)
        guard !on else { return [] }
        let next = nextPayoutTime(merchant, after: configuration.zone.local(now), strictly: false)
        var actions: [NodeAction] = book.release(merchantID, payableAt: next).map { due in
            .record(TimelineEvent(at: now, node: name, kind: .released, reference: .transaction(due.reference),
                                  detail: "hold on merchant \(merchantID) lifted: paid at the next payout time\(next.map { ", \($0)" } ?? "")"))
        }
        if let next, !actions.isEmpty {
            actions.append(.startTimer(.payout(merchant: merchantID, at: next), at: configuration.zone.instant(next)))
        }
        return actions
    }

    public mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] {
        if peer == configuration.scheme, message.mti.isRequest, !message.mti.isRepeat, let entry = waiting[message.transactionReference] {
            // The scheme cannot be reached: answer the terminal at once; nothing left here.
            let own = message.transactionReference
            waiting[own] = nil
            if entry.operation.startsTransaction, entry.operation != .cancellation { journal[entry.original]?.state = .declined }
            if entry.operation.isVoidOrCancellation { journal[entry.downstream]?.state = .declined }
            return [.cancelTimer(.answer(own))]
                + (entry.terminal.isEmpty ? [] : [.send(entry.answer(.systemMalfunction), to: entry.terminal)])
                + [.record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(entry.original),
                                         detail: "cannot reach \(peer): answered 96", facts: .init(responseCode: .systemMalfunction, operation: entry.operation)))]
        }
        if message.isResponse, message.responseCode == .approved, !message.isPayout, let entry = journal[message.transactionReference],
           entry.state == .approved {
            // An approval the terminal cannot receive is reversed.
            return cancelPurchase(message.transactionReference, to: .reversed, now: now) + reverseUpstream(entry.request, now: now)
        }
        if message.isPayout, message.mti == .financialRequest {
            // The merchant's bank is down and the credit never left: the payout goes again when it is back.
            // (A repeat that cannot be sent may follow a credit that landed: it is tried again, same RRN.)
            _ = credits.acknowledge(message.transactionReference)
            _ = book.returned(message[DE.rrn] ?? "", retry: nil)
        }
        return []
    }

    public mutating func peerAvailable(_ peer: String, now: Instant) -> [NodeAction] {
        var actions: [NodeAction] = []
        let local = configuration.zone.local(now)
        for merchant in merchants.values.sorted(by: { $0.id < $1.id }) where merchant.accountBank == peer && book.hasReturned(merchant.id, by: local) {
            actions += payOut(merchant: merchant, now: now)
        }
        return actions
    }
}
