public import SettlementCalendar

/// What a load run's nodes forget each night (`NodeLogic.retireFinal`): purchases that are
/// final at that node, with nothing of them still waiting, scheduled or owed. Only purchases
/// retire (a load run makes nothing else per transaction); anything else a journal holds stays.

extension AcquirerStateMachine {
    /// A purchase is final here once it was declined or reversed, or approved, booked and paid
    /// (nothing of it left in the payout book: no due, no payout in flight, nothing owed back).
    /// One approved and cleared (its clearing date is past) that waits only for its payout
    /// keeps what the payout, a refund or a reversal of it reads (its request, merchant and
    /// state), not the answer a repeat of its request would be given (no terminal repeats a
    /// request of an earlier business day) nor its hop (the scheme and the issuer, which name
    /// it under this acquirer's STAN, are done with it once it is cleared): an unpaid purchase
    /// is kept over a weekend, and a load run's memory holds three days of them on Sundays.
    public mutating func retireFinal(now: Instant) -> Int {
        let owed = book.outstanding
        var busy = Set(waiting.values.map(\.original))
        busy.formUnion(reversals.pending.keys.map { hops.original(of: $0) })
        let today = configuration.zone.local(now).date
        var cleared = Set<TransactionReference>()
        let gone = journal.retain { reference, entry in
            guard entry.kind == .purchase, !busy.contains(reference) else { return true }
            if owed.contains(reference) {
                if entry.state == .approved, let date = entry.clearingDate, date < today {
                    entry.answer = nil
                    cleared.insert(reference)
                }
                return true
            }
            switch entry.state {
            case .declined, .reversed: return false
            case .approved: return entry.clearingDate == nil
            case .forwarded, .voided, .completed: return true
            }
        }
        let journal = journal
        hops.forget { journal[$0] == nil || cleared.contains($0) }
        return gone
    }

    public var journalCount: Int { journal.count }
}

extension SchemeStateMachine {
    /// A purchase is final here once it was cleared at a cutoff, declined or reversed, and
    /// nothing waits on it (no request to its issuer, no advice or reversal unacknowledged).
    public mutating func retireFinal(now: Instant) -> Int {
        var busy = Set(waiting.values.map(\.original))
        busy.formUnion(retransmissions.pending.keys.map { hops.original(of: $0) })
        let gone = journal.removeAll { reference, entry in
            guard entry.kind == .purchase, !entry.chargedBack, !busy.contains(reference) else { return false }
            switch entry.state {
            case .cleared, .declined, .reversed: return true
            default: return false
            }
        }
        let journal = journal
        hops.forget { journal[$0] == nil }
        return gone
    }

    public var journalCount: Int { journal.count }
}

extension BankStateMachine {
    /// A purchase is final here once it was answered: declined, debited (the scheme's clearing
    /// moves no card money at the issuer), reversed, or reversed before it came and then seen.
    public mutating func retireFinal(now: Instant) -> Int {
        let busy = Set(chargebacks.pending.values.compactMap { $0.message.originalReference })
        return journal.removeAll { reference, entry in
            guard entry.kind == .purchase, !entry.disputed, !busy.contains(reference) else { return false }
            switch entry.state {
            case .answered, .debited, .reversed, .reversedFirst(seen: true): return true
            default: return false
            }
        }
    }

    public var journalCount: Int { journal.count }
}
