public import ISO8583
public import SettlementCalendar

extension ISOMessage {
    /// The fields a response echoes from its request.
    static let echoedFields = [2, 3, 4, 7, 11, 12, 13, 15, 32, 37, 41, 42, 49, 90, 103]

    /// The response to this request: the response MTI, the echoed fields and DE39.
    public func response(code: ResponseCode) -> ISOMessage {
        var answer = ISOMessage(mti: mti.response)
        for field in ISOMessage.echoedFields where has(field) {
            answer.setBytes(field, bytes(field))
        }
        answer.responseCode = code
        return answer
    }

    /// The amount in DE4, if it is a valid twelve-digit number.
    public var amount: Money? {
        guard let text = self[DE.amount], text.count == 12, let units = Int64(text) else { return nil }
        return Money(minorUnits: units)
    }

    /// Stamps a message made now: DE7 (UTC), DE11, and the local time and date (DE12, DE13)
    /// when `local` is given; a reversal keeps the original's DE12 and DE13.
    public mutating func stamp(now: Instant, stan: String, local: LocalDateTime?) {
        self[DE.transmissionDateTime] = MessageTimes.transmission(now)
        self[DE.stan] = stan
        if let local {
            self[DE.localTime] = local.time.hhmmss
            self[DE.localDate] = local.date.mmdd
        }
    }

    /// The fields a reversal carries over from the message it undoes.
    static let reversedFields = [DE.pan, DE.processingCode, DE.amount, DE.localTime, DE.localDate, DE.expiry, DE.entryMode,
                                 DE.conditionCode, DE.acquirerID, DE.rrn, DE.terminalID, DE.merchantID, DE.currency]

    /// A reversal (`0400` from a terminal, `0420` from a node that forwards) of this
    /// message, a purchase or a void: its own STAN and DE7, DE90 naming this message.
    /// `reason`, when given, goes in DE39 (a terminal's: 98 timeout, A0 MAC error, 06 other).
    public func reversal(mti reversalMTI: MTI, now: Instant, stan: String, reason: ResponseCode? = nil) -> ISOMessage {
        var reversal = keeping(ISOMessage.reversedFields, mti: reversalMTI)
        reversal.stamp(now: now, stan: stan, local: nil)
        reversal[DE.originalData] = originalDataElements
        reversal.responseCode = reason
        return reversal
    }
}
extension Money {
    /// The amount as DE4 carries it: twelve digits, no sign.
    public var de4: String {
        let text = String(minorUnits.magnitude)
        return text.leftPadded(to: 12)
    }
}

extension ISOMessage {
    /// DE90 for a message that refers to this one: its MTI, STAN, DE7, DE32 (11 digits) and 11 zeros.
    public var originalDataElements: String {
        let acquirer = self[DE.acquirerID] ?? ""
        let padded = String(acquirer.suffix(11)).leftPadded(to: 11)
        return mti.rawValue + (self[DE.stan] ?? "000000") + (self[DE.transmissionDateTime] ?? "0000000000") + padded + String(repeating: "0", count: 11)
    }

    /// Whether this is a reversal (0400, 0420 and their repeats and answers; not a chargeback).
    public var isReversal: Bool { mti.messageClass == .reversal && !mti.fromIssuer }
    /// Whether this is a chargeback (0422, its repeat 0423, and their answers).
    public var isChargeback: Bool { mti.messageClass == .reversal && mti.fromIssuer }
    /// Whether this is a pre-authorization (0100, processing code 03xxxx).
    public var isPreauthorization: Bool { mti.request == .authorizationRequest && self[DE.processingCode] == ProcessingCode.preauthorization }
    /// Whether this is a pre-authorization's cancellation (0100, processing code 20xxxx).
    public var isCancellation: Bool { mti.request == .authorizationRequest && self[DE.processingCode] == ProcessingCode.refund }
    /// Whether this is a pre-authorization's completion: the advice (0220, processing code 00xxxx,
    /// DE25 `06`) or the online request a UnionPay POS sends (0200, the same codes).
    public var isCompletion: Bool {
        (mti.request == .financialAdvice || mti.request == .financialRequest) && self[DE.processingCode] == ProcessingCode.purchase
            && self[DE.conditionCode] == ConditionCode.preauthorization
    }
    /// Whether this is the online completion (0200, processing code 000000, DE25 `06`).
    public var isOnlineCompletion: Bool { isCompletion && mti.request == .financialRequest }
    /// Whether this is a refund (0220, processing code 20xxxx).
    public var isRefund: Bool { mti.request == .financialAdvice && self[DE.processingCode] == ProcessingCode.refund }
    /// Whether this is a stand-in advice: the scheme approved a purchase in the issuer's place (0220, processing code 00xxxx).
    public var isStandInAdvice: Bool { mti.request == .financialAdvice && self[DE.processingCode] == ProcessingCode.purchase && !isCompletion }
    /// Whether this is a response (third digit odd: 0210, 0410, 0430).
    public var isResponse: Bool { mti.isResponse }
    /// Whether this is a purchase request (processing code 000000 on a 0200, not a completion's DE25 `06`).
    public var isPurchase: Bool { mti == .financialRequest && self[DE.processingCode] == ProcessingCode.purchase && self[DE.conditionCode] != ConditionCode.preauthorization }
    /// Whether this is a balance inquiry (processing code 31xxxx on a 0200).
    public var isBalanceInquiry: Bool { mti == .financialRequest && self[DE.processingCode]?.hasPrefix("31") == true }
    /// Whether this is a void (processing code 20xxxx on a 0200).
    public var isVoid: Bool { mti == .financialRequest && self[DE.processingCode] == ProcessingCode.void }
    /// Whether this is a payout credit (processing code 28xxxx).
    public var isPayout: Bool { self[DE.processingCode] == ProcessingCode.payoutCredit }

    /// A copy carrying only the given fields.
    public func keeping(_ fields: [Int], mti newMTI: MTI) -> ISOMessage {
        var copy = ISOMessage(mti: newMTI)
        for field in fields where has(field) { copy.setBytes(field, bytes(field)) }
        return copy
    }
}
