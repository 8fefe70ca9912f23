public import PaymentNetwork
public import SettlementCalendar

/// What a scenario expects.
public enum Expectation: Sendable, Equatable {
    /// Facts about one transaction; nil fields are not checked.
    case transaction(TransactionExpectation)
    /// The balance of an account at the end of the run.
    case account(number: String, balance: Money, line: Int)
    /// What a merchant's payouts credited, by the local date of each payout (netting included).
    case netPayouts(merchant: String, payouts: [NetPayout], line: Int)
    /// A member's net settlements with the scheme, by clearing date (positive: it receives).
    case netSettlements(member: String, settlements: [NetPayout], line: Int)
    /// Where a merchant's money stopped at the end of the run, when some has not arrived.
    case stoppedAt(merchant: String, party: MoneyHolder, line: Int)
}

/// The party that holds a merchant's money that has not arrived.
public enum MoneyHolder: String, Sendable, CaseIterable {
    /// Not paid out (not due yet, held, parked, or the payout account short).
    case acquirer
    /// Paid to an aggregator that has not paid it on.
    case aggregator
    /// Sent to the merchant's bank, not credited (refused, or not answered).
    case bank
    /// Everything arrived.
    case none
}

/// One payout's net credit to a merchant.
public struct NetPayout: Sendable, Equatable {
    public var date: LocalDate
    public var amount: Money
    public init(date: LocalDate, amount: Money) {
        self.date = date
        self.amount = amount
    }
}
