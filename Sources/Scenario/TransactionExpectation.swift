public import PaymentNetwork
public import SettlementCalendar

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
