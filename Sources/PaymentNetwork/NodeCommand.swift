public import ISO8583
public import SettlementCalendar
/// A command a scenario step or fault window gives a node.
public enum NodeCommand: Sendable, Equatable {
    /// Swipe a card at a terminal.
    case swipe(Swipe)
    /// A balance inquiry at a terminal (0200, processing code 310000): the swipe's amount is not used.
    case inquire(Swipe)
    /// The terminal sends the message of an earlier transaction again, same STAN.
    case repeatSwipe(id: String, of: String)
    /// The terminal voids an earlier transaction.
    case void(of: String)
    /// The terminal completes an earlier pre-authorization for an amount (the 0220 advice, or
    /// `online`: the 0200 with DE25 06 a UnionPay POS sends).
    case complete(id: String, of: String, amount: Money, online: Bool = false)
    /// The terminal cancels an earlier pre-authorization (0100, processing code 20).
    case cancel(id: String, of: String)
    /// The terminal refunds part or all of an earlier purchase or completion (0220, processing code 20).
    case refund(id: String, of: String, amount: Money)
    /// The card's issuer disputes a purchase and charges it back through the scheme (0422).
    case dispute(id: String, of: TransactionReference, reason: String)
    /// A bank starts (true) or ends (false) maintenance.
    case maintenance(Bool)
    /// A bank freezes (true) or unfreezes (false) an account or card.
    case freeze(account: String, Bool)
    /// The acquirer's risk control holds (true) or releases (false) a merchant's payouts.
    case hold(merchant: String, Bool)
    /// A terminal takes over an earlier transaction of another terminal of its merchant (its
    /// request and answer), to complete, cancel or refund it.
    case adopt(id: String, request: ISOMessage, response: ISOMessage?)
    /// The terminal settles its batch with the acquirer (0500), uploading it (0320) when the totals disagree.
    case settle
    /// A terminal loses power (false) or is switched on again (true).
    case power(Bool)
    /// The acquirer changes where a merchant is paid: parked payouts go there at the next payout run.
    case changeAccount(merchant: String, bank: String, number: String)
    /// A node starts (true) or ends (false) an outage; it comes back with its state.
    case outage(Bool)
    /// The acquirer's working keys for a terminal change under it (a POS centre re-keyed).
    case rekey(terminal: String)
    /// An issuer's answer cryptograms stop (true) or start again (false) verifying at the card (`bad_arpc`).
    case spoilARPC(Bool)
    /// The acquirer's payout account holds only `covers` for its payout runs until `until`
    /// (nil covers: the window is over).
    case payoutShort(covers: Money?, until: Instant?)
    /// An aggregator starts (true) or stops (false) keeping its sub-merchants' money (`aggregator_default`).
    case aggregatorDefault(Bool)
    /// A terminal's clock goes off by this much (nil: the window is over; a sign-on's answer sets it right sooner).
    case clockSkew(Duration?)

    /// A purchase as the terminal sees it.
    public struct Swipe: Sendable, Equatable {
        /// The scenario's id for the transaction.
        public var id: String
        /// The card number.
        public var pan: String
        /// The card's expiry, `YYMM`.
        public var expiry: String
        /// The amount that goes on the wire.
        public var amount: Money
        /// A pre-authorization (0100: funds held, not taken) rather than a purchase.
        public var preauthorization: Bool
        /// The PIN the cardholder enters (nil: none).
        public var pin: String?
        /// The chip, when the card is read by it (nil: its stripe).
        public var chip: ChipRead?
        /// The stripe's track 2, sent as DE35 when the card is swiped (nil: no DE35).
        public var track2: Track2?
        /// A chip card's stripe read after its chip could not be (DE22 80x).
        public var fallback = false

        /// Makes a swipe.
        public init(id: String, pan: String, expiry: String, amount: Money, preauthorization: Bool = false, pin: String? = nil) {
            self.preauthorization = preauthorization
            self.pin = pin
            self.id = id
            self.pan = pan
            self.expiry = expiry
            self.amount = amount
        }
    }
}
