public import ISO8583
public import SettlementCalendar

/// The terminal's end-of-day batch: the totals (0500), and the upload (0320) when they disagree.
extension TerminalStateMachine {
    /// The end-of-day batch: its totals go to the acquirer (0500).
    mutating func settle(now: Instant) -> [NodeAction] {
        guard !waiting.values.contains(where: { $0.operation == .settlement || $0.operation == .upload }) else { return [] }
        var totals = BatchTotals()
        for item in batch { totals.add(item.entry.request.amount ?? .zero, refund: item.entry.operation == .refund) }
        var message = ISOMessage(mti: .batchSettlement)
        message.stamp(now: now, stan: trace.take(), local: configuration.zone.local(now))
        message[DE.terminalID] = configuration.id
        message[DE.merchantID] = configuration.merchantID
        message[DE.currency] = configuration.currency.numeric
        totals.write(into: &message)
        return send(Waiting(transactionID: "batch", request: message, operation: .settlement, reference: message.transactionReference), now: now)
    }

    /// The acquirer answered the batch's totals: settled (00), or they disagree (95) and the
    /// batch goes up item by item (0320), then the totals again.
    mutating func settlementAnswered(_ message: ISOMessage, now: Instant) -> [NodeAction] {
        let code = message.responseCode ?? "??"
        let exponent = configuration.currency.exponent
        var totals = BatchTotals()
        for item in batch { totals.add(item.entry.request.amount ?? .zero, refund: item.entry.operation == .refund) }
        func mark(_ kind: EventKind, _ detail: String) -> [NodeAction] {
            batch.map { item in
                .record(TimelineEvent(at: now, node: name, kind: kind, reference: .transaction(item.entry.reference), detail: detail,
                                      facts: .init(transactionID: item.entry.transactionID, responseCode: code, operation: .settlement)))
            }
        }
        if code == .approved {
            let actions = mark(.batchSettled, "settled in the terminal's batch (\(totals.text(exponent: exponent))): totals agree")
            batch.removeAll()
            batchNumber += 1
            return actions
        }
        guard code == .batchTotalsDisagree else {
            return mark(.batchMismatch, "the batch settlement was answered \(code) (\(code.meaning)): the batch stays open")
        }
        var actions = mark(.batchMismatch, "the acquirer's totals differ from the terminal's (\(totals.text(exponent: exponent))): answered 95, uploading the batch")
        guard !batch.isEmpty else {
            return actions + settle(now: now)
        }
        for item in batch {
            var upload = item.entry.request.keeping([DE.pan, DE.processingCode, DE.amount, DE.localTime, DE.localDate, DE.expiry, DE.entryMode,
                                                     DE.conditionCode, DE.terminalID, DE.merchantID, DE.currency], mti: .batchUpload)
            upload.stamp(now: now, stan: trace.take(), local: nil)
            upload.setBytes(DE.rrn, item.response.bytes(DE.rrn))
            upload.setBytes(DE.authorizationCode, item.response.bytes(DE.authorizationCode))
            upload[DE.originalData] = item.entry.request.originalDataElements
            uploading.insert(upload.transactionReference)
            actions += transmit(Waiting(transactionID: item.entry.transactionID, request: upload, operation: .upload, reference: item.entry.reference), now: now)
        }
        return actions
    }
}
