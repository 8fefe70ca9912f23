/// A double-entry ledger: every movement debits one account and credits another.
///
/// Balances are holdings: a transfer takes money from one account and adds it to another,
/// so the sum of all balances never changes. Opening balances come from the `opening`
/// account, which goes negative by what was put in.
///
/// It keeps balances and how many postings made them, not each posting: a load run posts
/// several times a purchase for millions of purchases, and nothing reads postings back (the
/// timeline says what happened and why).
public struct Ledger: Sendable {
    /// The account opening balances are drawn from.
    public static let opening = "opening"

    /// Every account's balance.
    public private(set) var balances: [String: Money] = [:]
    /// How many postings were made.
    public private(set) var postings = 0

    /// Makes an empty ledger.
    public init() {}

    /// The balance of an account (zero when it has never moved).
    public func balance(_ account: String) -> Money { balances[account] ?? .zero }

    /// Moves money between two accounts (`memo`: why, for a reader of the code).
    public mutating func transfer(_ amount: Money, from: String, to: String, memo: @autoclosure () -> String) {
        balances[from, default: .zero] -= amount
        balances[to, default: .zero] += amount
        postings += 1
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
