public import PaymentNetwork
public import SettlementCalendar

/// One step of a scenario.
public struct Step: Sendable, Equatable {
    /// What the step does.
    public enum Action: Sendable, Equatable {
        /// A card is swiped.
        case swipe(id: String, terminal: String, card: String, amount: Money, keyed: Money?)
        /// A balance inquiry (0200, processing code 310000): the issuer shows the card's balance, nothing moves.
        case inquire(id: String, terminal: String, card: String)
        /// The terminal sends the message of an earlier swipe again, same STAN.
        case repeatSwipe(id: String, terminal: String, of: String)
        /// The terminal voids an earlier swipe.
        case void(id: String, terminal: String)
        /// A pre-authorization (0100): funds held on the card, not taken.
        case preauthorize(id: String, terminal: String, card: String, amount: Money)
        /// The completion (0220; with the step's `online`, the 0200 with DE25 06) of an earlier
        /// pre-authorization: takes at most the hold (and the tolerance), releases the rest.
        case complete(id: String, terminal: String, of: String, amount: Money)
        /// The cancellation (0100, processing code 20) of an earlier pre-authorization: the hold goes away.
        case cancel(id: String, terminal: String, of: String)
        /// A refund (0220, processing code 20) of part or all of an earlier purchase or completion.
        case refund(id: String, terminal: String, of: String, amount: Money)
        /// The card's issuer charges an earlier purchase or completion back (0422) for a reason code.
        case dispute(id: String, of: String, reason: String)
        /// The terminal's end-of-day batch settlement (0500).
        case settle(terminal: String)
        /// A terminal loses power (`on` false) or comes back (true; written as `until` of a power_off).
        case power(terminal: String, on: Bool)
        /// The acquirer pays a merchant into another account from now on (parked payouts at the next run).
        case changeAccount(merchant: String, bank: String, number: String)
    }

    /// When, on the virtual clock.
    public var at: Instant
    /// What.
    public var action: Action
    /// Where it is written (line).
    public var line: Int
    /// The PIN the cardholder enters with a swipe or pre-authorization (nil: none entered).
    public var pin: String?
    /// How the card is read: `chip`, `contactless` or `stripe` (nil: the chip of a chip card, else the stripe).
    public var entry: String?
    /// A completion sent online (0200, DE25 06, as a UnionPay POS does) rather than as the 0220 advice.
    public var online = false

    public init(at: Instant, action: Action, line: Int = 0, pin: String? = nil, entry: String? = nil, online: Bool = false) {
        self.online = online
        self.at = at
        self.action = action
        self.line = line
        self.pin = pin
        self.entry = entry
    }
}

extension Step.Action {
    /// The id of the transaction the step makes, if it makes one (a void acts on an earlier one).
    public var transactionID: String? {
        switch self {
        case .swipe(let id, _, _, _, _), .repeatSwipe(let id, _, _), .preauthorize(let id, _, _, _), .complete(let id, _, _, _),
             .cancel(let id, _, _), .refund(let id, _, _, _), .dispute(let id, _, _), .inquire(let id, _, _):
            return id
        case .void, .changeAccount, .power, .settle:
            return nil
        }
    }
}
