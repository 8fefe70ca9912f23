import ISO8583
import SettlementCalendar

/// A balance inquiry (0200, processing code 31): the card's rules as for a purchase (status,
/// expiry, chip, PIN), then the balance in DE54 of the answer. Nothing moves and nothing is kept
/// but a wrong PIN's count.
extension BankStateMachine {
    mutating func inquire(_ request: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        let today = configuration.zone.local(now).date
        guard let card = request[DE.pan].flatMap({ cards[$0] }) else {
            return refuseInquiry(request, code: .invalidCardNumber, kind: .declined, detail: nil, to: scheme, now: now)
        }
        let chip = checkChip(request, card: card)
        if case .refused(let code, let kind, let detail) = chip {
            return refuseInquiry(request, code: code, kind: kind, detail: detail, to: scheme, now: now)
        }
        if let refused = checkPIN(request, card: card, from: scheme, today: today) {
            return refuseInquiry(request, answer: answering(chip, request.response(code: refused.code)), code: refused.code, kind: refused.kind,
                                 detail: refused.detail, to: scheme, now: now)
        }
        if let code = CardRules.refusal(status: status[card.pan] ?? card.status, expiry: card.expiry, today: today) {
            return refuseInquiry(request, code: code, kind: .declined, detail: nil, to: scheme, now: now)
        }
        var response = answering(chip, request.response(code: .approved))
        let balances = Balances(ledger: ledger.balance(card.pan), available: available(card.pan), currency: configuration.currency.numeric)
        balances.write(into: &response)
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference),
                                  detail: "balance inquiry answered: balance \(balances.ledger.formatted(exponent: exponent)), available \(balances.available.formatted(exponent: exponent)) (DE54); nothing moves",
                                  facts: .init(responseCode: .approved, operation: .inquiry))),
        ]
    }

    /// A refused inquiry: answered `code` (or `answer`, when the chip's data goes with it).
    private func refuseInquiry(
        _ request: ISOMessage, answer: ISOMessage? = nil, code: ResponseCode, kind: EventKind, detail: String?, to scheme: String, now: Instant
    ) -> [NodeAction] {
        [
            .send(answer ?? request.response(code: code), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: kind, reference: .transaction(request.transactionReference),
                                  detail: detail ?? "balance inquiry declined with \(code) (\(code.meaning))", facts: .init(responseCode: code, operation: .inquiry))),
        ]
    }
}
