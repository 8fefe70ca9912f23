/// Known defects that `paylab explore --self-test` plants in the nodes, one at a time, to
/// show that exploration finds them. A test-only switch: no scenario file can set it, and
/// a normal run never does.
public enum PlantedDefect: String, Sendable, CaseIterable {
    /// The merchant's bank credits a payout twice.
    case payoutPaidTwice = "payout-paid-twice"
    /// The issuer acknowledges a reversal without giving the card its money back.
    case reversalNotCredited = "reversal-not-credited"
    /// The scheme's cutoff is one minute late: a swipe in that minute is cleared a day early.
    case cutoffOffByOneMinute = "cutoff-off-by-one-minute"
    /// The acquirer counts public holidays as business days (and makeup days as weekends).
    case holidayIgnored = "holiday-ignored"
    /// The acquirer rounds fees down instead of up.
    case feeRoundedDown = "fee-rounded-down"
}
