public import SettlementCalendar

/// What an acquirer has agreed with a merchant: how and when it is paid.
public struct MerchantContract: Sendable, Equatable {
    /// The merchant id, DE42 (15 characters).
    public var id: String
    /// The merchant's name.
    public var name: String
    /// The merchant category code.
    public var mcc: String
    /// The ids of its terminals, DE41.
    public var terminals: [String]
    /// `T+1`, `D+0` and so on.
    public var terms: SettlementTerms
    /// The fee rate in millionths of the amount (0.6% is 6000): the rate before any change.
    public var feePartsPerMillion: Int64
    /// Changes of the fee schedule: from a clearing date on, another rate.
    public var feeChanges: [FeeChange] = []
    /// The largest fee for one transaction, if any.
    public var feeCap: Money?
    /// How the fee is rounded to the minor unit: up (the default), half up (as most acquirer
    /// contracts say), or down.
    public var feeRounding: Money.Rounding = .up
    /// The local time of day the acquirer pays out.
    public var payoutAt: TimeOfDay
    /// The bank node that keeps the merchant's account.
    public var accountBank: String
    /// The merchant's account number at that bank.
    public var accountNumber: String
    /// How long its terminals wait for an answer.
    public var terminalTimeout: Duration

    /// Makes a contract.
    public init(
        id: String, name: String, mcc: String, terminals: [String], terms: SettlementTerms,
        feePartsPerMillion: Int64, feeCap: Money?, payoutAt: TimeOfDay, accountBank: String,
        accountNumber: String, terminalTimeout: Duration
    ) {
        self.id = id
        self.name = name
        self.mcc = mcc
        self.terminals = terminals
        self.terms = terms
        self.feePartsPerMillion = feePartsPerMillion
        self.feeCap = feeCap
        self.payoutAt = payoutAt
        self.accountBank = accountBank
        self.accountNumber = accountNumber
        self.terminalTimeout = terminalTimeout
    }

    /// A fee rate in force from a clearing date on.
    public struct FeeChange: Sendable, Equatable {
        public var from: LocalDate
        public var partsPerMillion: Int64
        public init(from: LocalDate, partsPerMillion: Int64) {
            self.from = from
            self.partsPerMillion = partsPerMillion
        }
    }

    /// The rate in force on a clearing date (without one: the rate before any change).
    public func rate(clearedOn date: LocalDate?) -> Int64 {
        guard let date else { return feePartsPerMillion }
        return feeChanges.last { $0.from <= date }?.partsPerMillion ?? feePartsPerMillion
    }

    /// The fee on an amount: the rate in force on its clearing date, rounded as the contract says, at most the cap.
    public func fee(on amount: Money, clearedOn date: LocalDate? = nil) -> Money {
        let fee = amount.timesRate(partsPerMillion: rate(clearedOn: date), rounding: feeRounding)
        if let feeCap, fee > feeCap { return feeCap }
        return fee
    }
}
