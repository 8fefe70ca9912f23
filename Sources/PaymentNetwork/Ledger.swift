/// A double-entry ledger: every movement debits one account and credits another.
///
/// Balances are holdings: a transfer takes money from one account and adds it to another,
/// so the sum of all balances never changes. Opening balances come from the `opening`
/// account, which goes negative by what was put in.
public struct Ledger: Sendable {
    /// One posting, kept for the audit trail.
    public struct Entry: Sendable, Equatable {
        /// The account the money left.
        public var from: String
        /// The account the money went to.
        public var to: String
        /// How much.
        public var amount: Money
        /// Why.
        public var memo: String
    }

    /// The account opening balances are drawn from.
    public static let opening = "opening"

    /// Every account's balance.
    public private(set) var balances: [String: Money] = [:]
    /// Every posting, in order.
    public private(set) var entries: [Entry] = []

    /// Makes an empty ledger.
    public init() {}

    /// The balance of an account (zero when it has never moved).
    public func balance(_ account: String) -> Money { balances[account] ?? .zero }

    /// Moves money between two accounts.
    public mutating func transfer(_ amount: Money, from: String, to: String, memo: String) {
        balances[from, default: .zero] -= amount
        balances[to, default: .zero] += amount
        entries.append(Entry(from: from, to: to, amount: amount, memo: memo))
    }

    /// Opens an account with a balance.
    public mutating func open(_ account: String, balance: Money) {
        transfer(balance, from: Ledger.opening, to: account, memo: "opening balance")
    }

    /// The sum of all balances: zero in a ledger whose books balance.
    public var total: Money { balances.values.reduce(.zero, +) }

    /// The account that holds what this node owes to, or is owed by, another node.
    public static func settlement(with node: String) -> String { "settlement:\(node)" }
}
