/// What a load run's nodes forget each night (`NodeLogic.retireFinal`): purchases that are
/// final at that node, with nothing of them still waiting, scheduled or owed. Only purchases
/// retire (a load run makes nothing else per transaction); anything else a journal holds stays.

extension AcquirerStateMachine {
    /// A purchase is final here once it was declined or reversed, or approved, booked and paid
    /// (nothing of it left in the payout book: no due, no payout in flight, nothing owed back).
    public mutating func retireFinal() -> Int {
        var busy = book.outstanding
        busy.formUnion(waiting.values.map(\.original))
        busy.formUnion(reversals.pending.keys.map { hops.original(of: $0) })
        let gone = journal.removeAll { reference, entry in
            guard entry.kind == .purchase, !busy.contains(reference) else { return false }
            switch entry.state {
            case .declined, .reversed: return true
            case .approved: return entry.clearingDate != nil
            case .forwarded, .voided, .completed: return false
            }
        }
        let journal = journal
        hops.forget { journal[$0] == nil }
        return gone
    }

    public var journalCount: Int { journal.count }
}

extension SchemeStateMachine {
    /// A purchase is final here once it was cleared at a cutoff, declined or reversed, and
    /// nothing waits on it (no request to its issuer, no advice or reversal unacknowledged).
    public mutating func retireFinal() -> Int {
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
    public mutating func retireFinal() -> Int {
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
