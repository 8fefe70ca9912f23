public import PaymentNetwork
public import SettlementCalendar

/// What a scenario expects of one transaction.
public struct TransactionExpectation: Sendable, Equatable {
    public var id: String
    public var response: String?
    public var status: TransactionStatus?
    public var settlementDate: LocalDate?
    /// `.some(nil)` means "never".
    public var arrives: Instant??
    public var credited: Money?
    /// What a pre-authorization still holds on the card at the end of the run.
    public var held: Money?
    /// What was credited back to the card for it (refunds, a chargeback).
    public var refunded: Money?
    /// The interchange the scheme charged on it (the issuer's fee; the older name).
    public var interchange: Money?
    /// The issuer's fee the scheme charged on it.
    public var issuerFee: Money?
    /// The network fee the scheme charged each side of it.
    public var networkFee: Money?
    /// The date and time on the terminal's slip (its own clock).
    public var slipTime: LocalDateTime?
    /// The MCC the scheme saw in DE18.
    public var mccOnWire: String?
    /// The balance a balance inquiry's answer showed (DE54).
    public var balanceShown: Money?
    public var events: [EventKind]?
    public var line: Int

    /// An expectation of `id` that checks nothing yet; set the fields to check.
    public init(id: String, line: Int = 0) {
        self.id = id
        self.line = line
    }
}
