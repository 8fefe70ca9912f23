public import ISO8583
public import SettlementCalendar

/// The terminal's end-of-day batch as a UnionPay POS settles it: the totals in DE48 of a 0500;
/// the host's reconciliation code `1` closes the batch, `2` has it uploaded item by item (0320)
/// and closed with an end-of-upload message (0320, DE60.3 `207`). A host that answers 95 (the
/// ISO 8583:1987 way) gets the upload and then the totals again.
extension TerminalStateMachine {
    /// DE60 of a batch message: 60.1 `00`, 60.2 the batch number, 60.3 the network management code.
    func batchField(_ code: String) -> String { "00" + String(batchNumber % 1_000_000).leftPadded(to: 6) + code }

    /// The batch's totals.
    var batchTotals: BatchTotals {
        var totals = BatchTotals()
        for item in batch { totals.add(item.entry.request.amount ?? .zero, refund: item.entry.operation == .refund) }
        return totals
    }

    /// The end-of-day batch: its totals go to the acquirer (0500).
    mutating func settle(now: Instant) -> [NodeAction] {
        guard !waiting.values.contains(where: { $0.operation == .settlement || $0.operation == .upload }) else { return [] }
        var message = ISOMessage(mti: .batchSettlement)
        message.stamp(now: now, stan: trace.take(), local: clock(now))
        message[DE.terminalID] = configuration.id
        message[DE.merchantID] = configuration.merchantID
        message[DE.currency] = configuration.currency.numeric
        batchTotals.writeUnionPay(into: &message, code: .asked)
        message[DE.unionPayReserved] = batchField("201")
        return send(Waiting(transactionID: "batch", request: message, operation: .settlement, reference: message.transactionReference), now: now)
    }

    /// Each batch item marked with an event.
    func markBatch(_ kind: EventKind, _ detail: String, code: ResponseCode, now: Instant) -> [NodeAction] {
        batch.map { item in
            .record(TimelineEvent(at: now, node: name, kind: kind, reference: .transaction(item.entry.reference), detail: detail,
                                  facts: .init(transactionID: item.entry.transactionID, responseCode: code, operation: .settlement)))
        }
    }

    /// The batch is closed: its items settled, the next batch number open.
    mutating func closeBatch(_ detail: String, code: ResponseCode, now: Instant) -> [NodeAction] {
        let actions = markBatch(.batchSettled, detail, code: code, now: now)
        batch.removeAll()
        batchNumber += 1
        return actions
    }

    /// The acquirer answered the batch's totals: they agree (00 with DE48 code 1, or plain 00),
    /// or they disagree (00 with DE48 code 2, or 95) and the batch goes up item by item (0320).
    mutating func settlementAnswered(_ message: ISOMessage, now: Instant) -> [NodeAction] {
        let code = message.responseCode ?? "??"
        let text = batchTotals.text(exponent: configuration.currency.exponent)
        let reconciliation = BatchTotals.unionPay(message)?.code
        if code == .approved, reconciliation != .disagree {
            let certified = uploadCertificates(now: now)
            return closeBatch("settled in the terminal's batch (\(text)): totals agree", code: code, now: now) + certified
        }
        guard code == .batchTotalsDisagree || (code == .approved && reconciliation == .disagree) else {
            return markBatch(.batchMismatch, "the batch settlement was answered \(code) (\(code.meaning)): the batch stays open", code: code, now: now)
        }
        endsUpload = reconciliation == .disagree
        let how = endsUpload ? "answered 00 with reconciliation code 2 in DE48" : "answered 95"
        var actions = markBatch(.batchMismatch, "the acquirer's totals differ from the terminal's (\(text)): \(how), uploading the batch", code: code, now: now)
        guard !batch.isEmpty else { return actions + uploadDone(now: now) }
        for item in batch {
            var upload = item.entry.request.keeping([DE.pan, DE.processingCode, DE.amount, DE.localTime, DE.localDate, DE.expiry, DE.entryMode,
                                                     DE.conditionCode, DE.terminalID, DE.merchantID, DE.currency], mti: .batchUpload)
            upload.stamp(now: now, stan: trace.take(), local: nil)
            upload.setBytes(DE.rrn, item.response.bytes(DE.rrn))
            upload.setBytes(DE.authorizationCode, item.response.bytes(DE.authorizationCode))
            upload[DE.originalData] = item.entry.request.originalDataElements
            if let certificate = takeCertificate(item.entry.reference) { upload.setEMVData(certificate) }
            uploading.insert(upload.transactionReference)
            actions += transmit(Waiting(transactionID: item.entry.transactionID, request: upload, operation: .upload, reference: item.entry.reference), now: now)
        }
        return actions
    }

    /// After a settlement that agreed: each chip transaction's TC goes up (0320 with DE55), as a
    /// UnionPay POS uploads its IC card transactions' TCs.
    mutating func uploadCertificates(now: Instant) -> [NodeAction] {
        var actions: [NodeAction] = []
        for item in batch {
            guard let certificate = takeCertificate(item.entry.reference) else { continue }
            var upload = item.entry.request.keeping([DE.pan, DE.processingCode, DE.amount, DE.localTime, DE.localDate, DE.expiry, DE.entryMode,
                                                     DE.cardSequenceNumber, DE.conditionCode, DE.terminalID, DE.merchantID, DE.currency], mti: .batchUpload)
            upload.stamp(now: now, stan: trace.take(), local: nil)
            upload.setBytes(DE.rrn, item.response.bytes(DE.rrn))
            upload.setBytes(DE.authorizationCode, item.response.bytes(DE.authorizationCode))
            upload.setEMVData(certificate)
            certifying.insert(upload.transactionReference)
            actions += transmit(Waiting(transactionID: item.entry.transactionID, request: upload, operation: .upload, reference: item.entry.reference), now: now)
        }
        return actions
    }

    /// Every item is up: the end-of-upload message (0320, DE60.3 207, DE48 the number of items),
    /// or, after a 95, the totals again.
    mutating func uploadDone(now: Instant) -> [NodeAction] {
        guard endsUpload else { return settle(now: now) }
        var end = ISOMessage(mti: .batchUpload)
        end.stamp(now: now, stan: trace.take(), local: nil)
        end[DE.terminalID] = configuration.id
        end[DE.merchantID] = configuration.merchantID
        end[DE.additionalData] = String(min(batch.count, 9999)).leftPadded(to: 4)
        end[DE.unionPayReserved] = batchField(Self.endOfUpload)
        return transmit(Waiting(transactionID: "batch", request: end, operation: .upload, reference: end.transactionReference), now: now)
    }

    /// DE60.3 of the message that ends a batch upload.
    static let endOfUpload = "207"

    /// An upload answered: the end of the upload closes the batch; the last item's answer ends the upload.
    mutating func uploadAnswered(_ message: ISOMessage, entry: Waiting, now: Instant) -> [NodeAction] {
        let code = message.responseCode ?? "??"
        if certifying.remove(message.transactionReference) != nil {
            return [.record(TimelineEvent(at: now, node: name, kind: .uploaded, reference: .transaction(entry.reference),
                                          detail: "its transaction certificate (TC, DE55 9F26 with 9F27 40) uploaded (0320), answered \(code)",
                                          facts: .init(transactionID: entry.transactionID, responseCode: code, operation: .upload)))]
        }
        if entry.transactionID == "batch" {
            endsUpload = false
            return closeBatch("settled in the terminal's batch after its upload (end of upload answered \(code))", code: code, now: now)
        }
        uploading.remove(message.transactionReference)
        let uploaded = NodeAction.record(TimelineEvent(at: now, node: name, kind: .uploaded, reference: .transaction(entry.reference),
                                                       detail: "uploaded in the batch (0320), answered \(code)",
                                                       facts: .init(transactionID: entry.transactionID, responseCode: code, operation: .upload)))
        return uploading.isEmpty ? [uploaded] + uploadDone(now: now) : [uploaded]
    }

    /// A chip transaction's certificate, for its upload (once).
    mutating func takeCertificate(_ reference: TransactionReference) -> [BERTLV]? {
        guard case .certified(let certificate)? = chip[reference] else { return nil }
        chip[reference] = nil
        return certificate
    }
}
