public import ISO8583
public import SettlementCalendar

/// What a terminal sends, built in one place: the purchase and the pre-authorization, the
/// void, and the follow-ups that name an earlier transaction (a completion, a cancellation, a
/// refund). The scenario's terminals, the load generator's and the relay benchmark's all send
/// these; the reversal is the original's (`ISOMessage.reversal`), the sign-on a
/// `NetworkManagement` request.
public struct TerminalMessages: Sendable {
    /// DE41.
    public var terminal: String
    /// DE42.
    public var merchant: String
    /// DE49, and the exponent of DE4.
    public var currency: Currency

    public init(terminal: String, merchant: String, currency: Currency) {
        self.terminal = terminal
        self.merchant = merchant
        self.currency = currency
    }

    /// A purchase (0200, processing code 000000) or a pre-authorization (0100, 030000, DE25 06)
    /// of a card's stripe with no PIN entered (DE22 022; `PINTranslation.enter` adds one), stamped with `stan` at `now`
    /// (DE12/DE13 in the terminal's `local` time, when it keeps one).
    public func purchase(pan: String, expiry: String, amount: Money, stan: String, now: Instant, local: LocalDateTime?, preauthorization: Bool = false) -> ISOMessage {
        var request = ISOMessage(mti: preauthorization ? .authorizationRequest : .financialRequest)
        request[DE.pan] = pan
        request[DE.processingCode] = preauthorization ? ProcessingCode.preauthorization : ProcessingCode.purchase
        request[DE.amount] = amount.de4
        request.stamp(now: now, stan: stan, local: local)
        request[DE.expiry] = expiry
        request[DE.entryMode] = "022"
        request[DE.conditionCode] = preauthorization ? ConditionCode.preauthorization : ConditionCode.normal
        request[DE.terminalID] = terminal
        request[DE.merchantID] = merchant
        request[DE.currency] = currency.numeric
        return request
    }

    /// A balance inquiry (0200, processing code 310000) of a card's stripe, no amount: the issuer
    /// answers with the balance in DE54 (the PIN, which it needs, goes in as for a purchase).
    public func balanceInquiry(pan: String, expiry: String, stan: String, now: Instant, local: LocalDateTime?) -> ISOMessage {
        var request = ISOMessage(mti: .financialRequest)
        request[DE.pan] = pan
        request[DE.processingCode] = ProcessingCode.balanceInquiry
        request.stamp(now: now, stan: stan, local: local)
        request[DE.expiry] = expiry
        request[DE.entryMode] = "022"
        request[DE.conditionCode] = ConditionCode.normal
        request[DE.terminalID] = terminal
        request[DE.merchantID] = merchant
        request[DE.currency] = currency.numeric
        return request
    }

    /// A void (0200, processing code 200000) of `original`, as a UnionPay POS sends it: the same
    /// card and amount, DE61 naming the original by its batch, trace and date, DE37 its RRN and
    /// DE38 its authorization code from `answer`.
    public func void(of original: ISOMessage, answer: ISOMessage?, batch: Int, stan: String, now: Instant, local: LocalDateTime?) -> ISOMessage {
        var void = original.keeping([DE.pan, DE.amount, DE.expiry, DE.entryMode, DE.conditionCode, DE.terminalID, DE.merchantID, DE.currency], mti: .financialRequest)
        void[DE.processingCode] = ProcessingCode.void
        void.stamp(now: now, stan: stan, local: local)
        Self.naming(original, batch: batch, trace: true).write(into: &void)
        if let rrn = answer?[DE.rrn] { void[DE.rrn] = rrn }
        if let code = answer?[DE.authorizationCode] { void[DE.authorizationCode] = code }
        return void
    }

    /// What acts on an earlier transaction as one of its own: a pre-authorization's completion
    /// (the 0220 advice, or online: 0200 with DE25 `06`) or cancellation (0100, 200000), or a
    /// refund (0220, 200000). DE61 names the original (a pre-authorization's follow-ups by its
    /// date alone, as UnionPay's POS specification has it), DE37 and DE38 carry its RRN and
    /// authorization code from `answer`.
    public func followUp(_ kind: FollowUp, of original: ISOMessage, answer: ISOMessage?, amount: Money?, batch: Int, stan: String, now: Instant, local: LocalDateTime?) -> ISOMessage {
        let mti: MTI
        switch kind {
        case .cancellation: mti = .authorizationRequest
        case .onlineCompletion: mti = .financialRequest
        case .completion, .refund: mti = .financialAdvice
        }
        var message = original.keeping([DE.pan, DE.expiry, DE.entryMode, DE.merchantID, DE.currency], mti: mti)
        message[DE.terminalID] = terminal
        message[DE.processingCode] = kind == .completion || kind == .onlineCompletion ? ProcessingCode.purchase : ProcessingCode.refund
        message[DE.conditionCode] = kind == .refund ? ConditionCode.normal : ConditionCode.preauthorization
        message[DE.amount] = (amount ?? original.amount ?? .zero).de4
        message.stamp(now: now, stan: stan, local: local)
        Self.naming(original, batch: batch, trace: kind == .refund).write(into: &message)
        if let rrn = answer?[DE.rrn] { message[DE.rrn] = rrn }
        if let code = answer?[DE.authorizationCode] { message[DE.authorizationCode] = code }
        return message
    }

    /// DE61 for a message about `original`: its batch and STAN when `trace`, else zeros, and its local date.
    static func naming(_ original: ISOMessage, batch: Int, trace: Bool) -> OriginalPOSData {
        let date = original[DE.localDate] ?? String((original[DE.transmissionDateTime] ?? "0000").prefix(4))
        guard trace else { return OriginalPOSData(batch: "000000", trace: "000000", date: date) }
        return OriginalPOSData(batch: String(batch % 1_000_000).leftPadded(to: 6), trace: original[DE.stan] ?? "000000", date: date)
    }

    /// The transactions that name an earlier one.
    public enum FollowUp: Sendable { case completion, onlineCompletion, cancellation, refund }
}
