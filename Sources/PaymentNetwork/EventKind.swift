/// The words of the timeline, as docs/scenario-language.md lists them.
public enum EventKind: String, Sendable, Hashable, CaseIterable {
    case swiped, authorized, declined, failed
    case timedOut = "timed_out"
    case reversed, voided
    case stoodIn = "stood_in"
    case duplicate, cleared, settled, held, released
    case paidOut = "paid_out"
    case returned, arrived
    // Beyond the purchase.
    case preauthorized, completed, cancelled, expired, refunded, disputed
    case chargedBack = "charged_back"
    case parked
    /// The acquirer's payout account could not cover a payout run: paid after the window.
    case payoutShort = "payout_short"
    /// The acquirer's payout for a sub-merchant reached its aggregator (二清), which owes it on.
    case paidToAggregator = "paid_to_aggregator"
    /// An aggregator in default kept money it owed a sub-merchant.
    case kept
    case signedOn = "signed_on"
    case powerLost = "power_lost"
    case batchSettled = "batch_settled"
    case batchMismatch = "batch_mismatch"
    case uploaded
    case mccMismatch = "mcc_mismatch"
    case reconciled
    /// The acquirer booked an approval and fixed when it pays the merchant (PayLab's addition).
    case scheduled
    // Payment security.
    case keysIssued = "keys_issued"
    case macFailed = "mac_failed"
    case pinFailed = "pin_failed"
    case pinLocked = "pin_locked"
    case arqcFailed = "arqc_failed"
}
