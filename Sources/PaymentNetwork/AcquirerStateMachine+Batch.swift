public import ISO8583
public import SettlementCalendar

/// A terminal's end-of-day batch at the acquirer: its totals against the journal, the upload
/// when they disagree, and what the upload left out reversed.
extension AcquirerStateMachine {
    /// A terminal's batch (0500): its totals against the journal's for that terminal since its
    /// last settlement. Equal: settled. Different: the terminal uploads its batch (0320 each);
    /// when the upload ends, what the journal holds and the terminal does not is reversed (the
    /// cashier never completed it), and the rest is settled. A UnionPay POS's totals come in DE48
    /// and are answered 00 with DE48's reconciliation code (1 agree, 2 disagree), its upload ended
    /// by a 0320 with DE60.3 207; an ISO 8583:1987 terminal's come in DE74/76/86/88 and are
    /// answered 00 or 95, its upload ended by its next 0500.
    mutating func settleBatch(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        let terminal = message[DE.terminalID] ?? peer
        let exponent = configuration.currency.exponent
        let unionPay = BatchTotals.unionPay(message) != nil
        if uploads[terminal] != nil { return [.send(message.response(code: .approved), to: peer)] + closeUpload(terminal, now: now) }
        let open = openBatch(of: terminal)
        var mine = BatchTotals()
        for (_, purchase) in open { mine.add(purchase.request.amount ?? .zero, refund: purchase.kind == .refund) }
        let theirs = BatchTotals(message)
        var answer = message.response(code: .approved)
        if unionPay { mine.writeUnionPay(into: &answer, code: mine == theirs ? .agree : .disagree) }
        guard mine == theirs else {
            uploads[terminal] = []
            if !unionPay { answer.responseCode = .batchTotalsDisagree }
            let how = unionPay ? "answered 00 with reconciliation code 2 in DE48" : "answered 95"
            return [.send(answer, to: peer)] + open.map { reference, _ in
                .record(TimelineEvent(at: now, node: name, kind: .batchMismatch, reference: .transaction(reference),
                                      detail: "terminal \(terminal)'s batch says \(theirs.text(exponent: exponent)); the journal \(mine.text(exponent: exponent)): \(how)",
                                      facts: .init(responseCode: answer.responseCode, operation: .settlement)))
            }
        }
        return [.send(answer, to: peer)] + settled(open.map(\.key), terminal: terminal, now: now)
    }

    /// A batch upload item (0320), or the message that ends the upload (DE60.3 207).
    mutating func batchUploaded(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        let terminal = message[DE.terminalID] ?? peer
        let answer = NodeAction.send(message.response(code: .approved), to: peer)
        if NetworkManagement.unionPayCode(message) == "207" { return [answer] + closeUpload(terminal, now: now) }
        uploads[terminal]?.insert(message.originalReference)
        return [answer]
    }

    /// The terminal's approved transactions not yet settled in a batch, in order.
    func openBatch(of terminal: String) -> [(key: TransactionReference, value: Entry)] {
        journal.filter { reference, purchase in
            reference.terminal == terminal && purchase.state == .approved && [.purchase, .completion, .refund].contains(purchase.kind) && !purchase.settledInBatch
        }.sorted { $0.key < $1.key }
    }

    /// The upload is over: what it left out is reversed, what it held is settled.
    mutating func closeUpload(_ terminal: String, now: Instant) -> [NodeAction] {
        guard let uploaded = uploads.removeValue(forKey: terminal) else { return [] }
        var actions: [NodeAction] = []
        let open = openBatch(of: terminal)
        for (reference, purchase) in open where !uploaded.contains(reference) {
            actions.append(.record(TimelineEvent(at: now, node: name, kind: .batchMismatch, reference: .transaction(reference),
                                                 detail: "not in terminal \(terminal)'s batch upload: the cashier never completed it, so it is reversed",
                                                 facts: .init(operation: .settlement))))
            actions += cancelPurchase(reference, to: .reversed, now: now) + reverseUpstream(purchase.request, now: now)
        }
        return actions + settled(open.map(\.key).filter { uploaded.contains($0) }, terminal: terminal, now: now)
    }

    /// Marks transactions settled in a terminal's batch.
    mutating func settled(_ references: [TransactionReference], terminal: String, now: Instant) -> [NodeAction] {
        references.map { reference in
            journal[reference]?.settledInBatch = true
            return .record(TimelineEvent(at: now, node: name, kind: .batchSettled, reference: .transaction(reference),
                                         detail: "settled in terminal \(terminal)'s batch", facts: .init(responseCode: .approved, operation: .settlement)))
        }
    }
}
