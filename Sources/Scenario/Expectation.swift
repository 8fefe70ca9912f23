public import PaymentNetwork
public import SettlementCalendar

/// What a scenario expects.
public enum Expectation: Sendable {
    /// Facts about one transaction; nil fields are not checked.
    case transaction(TransactionExpectation)
    /// The balance of an account at the end of the run.
    case account(number: String, balance: Money, line: Int)
}

/// What a scenario expects of one transaction.
public struct TransactionExpectation: Sendable {
    public var id: String
    public var response: String?
    public var status: TransactionStatus?
    public var settlementDate: LocalDate?
    /// `.some(nil)` means "never".
    public var arrives: Instant??
    public var credited: Money?
    public var events: [EventKind]?
    public var line: Int
}
