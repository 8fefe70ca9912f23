public import PaymentNetwork
import SettlementCalendar

/// What a scenario expects.
public enum Expectation: Sendable {
    /// Facts about one transaction; nil fields are not checked.
    case transaction(TransactionExpectation)
    /// The balance of an account at the end of the run.
    case account(number: String, balance: Money, line: Int)
}
