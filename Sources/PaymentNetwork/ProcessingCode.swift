/// Processing codes (DE3) the network uses.
public enum ProcessingCode {
    /// A purchase.
    public static let purchase = "000000"
    /// A void, as UnionPay POS terminals send it.
    public static let void = "200000"
    /// A payout credit to a merchant's account.
    public static let payoutCredit = "280000"
    /// A pre-authorization (funds held, not taken), as UnionPay POS terminals send it.
    public static let preauthorization = "030000"
    /// A balance inquiry (a 0200 that moves no money; the answer carries the balance in DE54).
    public static let balanceInquiry = "310000"
    /// A refund (a 0220), and a pre-authorization's cancellation (a 0100): money back to the card.
    public static let refund = "200000"
}

/// POS condition codes (DE25) the network uses.
public enum ConditionCode {
    /// A normal presentment.
    public static let normal = "00"
    /// A pre-authorization, its cancellation and its completion (UnionPay's `06`).
    public static let preauthorization = "06"
}
