import ISO8583
import PaymentNetwork
import SettlementCalendar

/// What a system under test's answers say happened inside it, as timeline events in its
/// name: PayLab cannot see a SUT's books, so an issuer host that answers a reversal `00`
/// has, by its own word, given the card its money back. These take the place of the events
/// PayLab's own bank records, so the transactions' statuses mean the same whoever the bank is.
struct HostAnswers {
    /// Voids the host acknowledged, by the void's reference: the purchase each undid.
    private var voids: [TransactionReference: TransactionReference] = [:]
    /// What was already recorded once (a repeated reversal's answer moves nothing again).
    private var recorded: Set<String> = []
    /// The requests sent to the host, by STAN and DE7 (after the first hop one node's counter gives STANs).
    private var sent: [String: TransactionReference] = [:]
    /// Pre-authorizations the host approved.
    private var preauthorizations: Set<TransactionReference> = []

    /// The events an answer from `host` to `request` stands for.
    mutating func events(request: ISOMessage, answer: ISOMessage, host: String, now: Instant, exponent: Int) -> [TimelineEvent] {
        let code = answer.responseCode
        sent["\(request[DE.stan] ?? "-")|\(request[DE.transmissionDateTime] ?? "-")"] = request.transactionReference
        // The original a follow-up names in DE90: as the host saw it (a follow-up made at another
        // terminal of the merchant carries that terminal in DE41, which DE90 does not name).
        let named = request.originalReference
        let originalReference = sent["\(named.stan)|\(named.transmission)"] ?? named
        let amount = request.amount
        let shown = amount.map { $0.formatted(exponent: exponent) } ?? "?"
        func event(_ kind: EventKind, _ reference: EventReference, _ detail: String, operation: TimelineEvent.Operation, money: Bool = true) -> [TimelineEvent] {
            guard recorded.insert("\(kind) \(reference) \(operation)").inserted else { return [] }
            return [TimelineEvent(at: now, node: host, kind: kind, reference: reference, detail: detail + " (as the host answered)",
                                  facts: .init(responseCode: code, amount: money ? amount : nil, operation: operation))]
        }
        let processing = request[DE.processingCode] ?? ""
        if request.isReversal {
            guard code == .approved else { return [] }
            let original = originalReference
            if processing == ProcessingCode.void, let purchase = voids.removeValue(forKey: original) {
                let detail = request.mti.request == .authorizationRequest || preauthorizations.contains(purchase)
                    ? "cancellation reversed: held on the card again" : "void reversed: \(shown) taken from the card again"
                return event(.reversed, .transaction(purchase), detail, operation: .voidReversal)
            }
            return event(.reversed, .transaction(original), "\(shown) given back to the card", operation: .reversal)
        }
        if request.isRefund {
            guard code == .approved else { return [] }
            return event(.refunded, .transaction(request.transactionReference), "refund of \(shown) credited to the card", operation: .refund)
                + event(.refunded, .transaction(originalReference), "refund of \(shown) credited to the card", operation: .refund)
        }
        if request.isCompletion {
            let reference = EventReference.transaction(request.transactionReference)
            guard code == .approved else {
                guard let code, code != .duplicateTransmission else { return [] }
                return event(.declined, reference, "completion declined with \(code) (\(code.meaning))", operation: .completion, money: false)
            }
            return event(.completed, .transaction(originalReference), "completed for \(shown): the hold is released and \(shown) taken", operation: .completion)
                + event(.authorized, reference, "completion approved: card debited \(shown)", operation: .completion)
        }
        if request.isStandInAdvice {
            guard code == .approved else { return [] }
            return event(.authorized, .transaction(request.transactionReference), "stand-in advice applied: card debited \(shown)", operation: .advice)
        }
        if request.isCancellation {
            guard code == .approved else { return [] }
            voids[request.transactionReference] = originalReference
            return event(.cancelled, .transaction(originalReference), "pre-authorization cancelled: the hold is released", operation: .cancellation)
        }
        if request.isPreauthorization {
            let reference = EventReference.transaction(request.transactionReference)
            switch code {
            case .approved?:
                preauthorizations.insert(request.transactionReference)
                return event(.preauthorized, reference, "pre-authorized \(shown), authorization code \(answer[DE.authorizationCode] ?? "none"): held on the card", operation: .preauthorization)
            case .duplicateTransmission?, nil:
                return []
            case let code?:
                return event(.declined, reference, "declined with \(code) (\(code.meaning))", operation: .preauthorization, money: false)
            }
        }
        guard request.mti == .financialRequest else { return [] }
        if request.isPayout {
            let reference = request.payoutReference
            let account = request[DE.creditAccount] ?? "?"
            if code == .approved {
                return event(.arrived, reference, "\(shown) credited to account \(account)", operation: .payout).map { arrival in
                    var arrival = arrival
                    arrival.facts.merchant = request[DE.merchantID]
                    return arrival
                }
            }
            guard let code, code != .duplicateTransmission else { return [] }
            return event(.returned, reference, "credit of \(shown) to account \(account) refused with \(code) (\(code.meaning))", operation: .payout)
        }
        if request.isVoid {
            guard code == .approved else { return [] }
            voids[request.transactionReference] = originalReference
            return event(.voided, .transaction(originalReference), "voided: \(shown) given back to the card", operation: .void)
        }
        let reference = EventReference.transaction(request.transactionReference)
        switch code {
        case .approved?:
            return event(.authorized, reference, "approved \(shown), authorization code \(answer[DE.authorizationCode] ?? "none"), card debited", operation: .purchase)
        case .duplicateTransmission?, nil:
            return []
        case let code?:
            return event(.declined, reference, "declined with \(code) (\(code.meaning))", operation: .purchase, money: false)
        }
    }

    /// The swipes of a POS application under test: its purchase requests and PayLab's answers
    /// to them, as the events PayLab's own terminal records (the transaction's id is
    /// `TERMINAL/STAN`).
    struct TerminalSwipes {
        private var ids = ShardedDictionary<TransactionReference, String>()

        mutating func request(_ message: ISOMessage, from terminal: String, now: Instant, exponent: Int) -> [TimelineEvent] {
            guard message.isPurchase else { return [] }
            let reference = message.transactionReference
            guard ids[reference] == nil else { return [] }
            let id = "\(terminal)/\(message[DE.stan] ?? "-")"
            ids[reference] = id
            let amount = message.amount
            let card = message[DE.pan].map(PAN.mask) ?? "no card"
            return [TimelineEvent(
                at: now, node: terminal, kind: .swiped, reference: .transaction(reference),
                detail: "the POS under test sent a purchase of \(amount.map { $0.formatted(exponent: exponent) } ?? "?") on card \(card), STAN \(message[DE.stan] ?? "-")",
                facts: .init(transactionID: id, amount: amount))]
        }

        func answer(_ message: ISOMessage, to terminal: String, now: Instant) -> [TimelineEvent] {
            guard message.mti == .financialResponse, message[DE.processingCode] == ProcessingCode.purchase,
                  let id = ids[message.transactionReference], let code = message.responseCode else { return [] }
            return [TimelineEvent(
                at: now, node: terminal, kind: code.isApproval ? .authorized : .declined, reference: .transaction(message.transactionReference),
                detail: code.isApproval ? "PayLab answered the POS under test: approved" : "PayLab answered the POS under test: declined with \(code) (\(code.meaning))",
                facts: .init(transactionID: id, responseCode: code, operation: .purchase))]
        }
    }
}
