/// Processing codes (DE3) the network uses.
public enum ProcessingCode {
    /// A purchase.
    public static let purchase = "000000"
    /// A void, as UnionPay POS terminals send it.
    public static let void = "200000"
    /// A payout credit to a merchant's account.
    public static let payoutCredit = "280000"
}
