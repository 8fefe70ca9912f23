public import SettlementCalendar
public import PaymentNetwork

/// A fault of a scenario: one kind, bounded by `from` and `to` on the virtual clock.
public struct Fault: Sendable, Equatable {
    /// What goes wrong.
    public enum Kind: Sendable, Equatable {
        /// A bank reads requests and answers nothing.
        case maintenance(bank: String)
        /// A node closes its connections and refuses new ones.
        case outage(node: String)
        /// An account (a card's or a merchant's) is frozen.
        case freeze(account: String, bank: String)
        /// Risk control holds a merchant's payouts.
        case hold(merchant: String)
        /// A link misbehaves.
        case network(client: String, server: String, kind: LinkFaultKind, count: Int?)
        /// The acquirer's working keys for a terminal change under it (a POS centre re-keyed).
        case staleKeys(terminal: String)
        /// A chip card's cryptogram (ARQC) does not verify at its issuer.
        case badARQC(card: String)
        /// An issuer's answer cryptograms (ARPC) do not verify at the card.
        case badARPC(bank: String)
        /// A chip card's chip cannot be read: a chip read sends nothing (its stripe may fall back).
        case chipUnreadable(card: String)
        /// The acquirer's payout account holds only `covers` for its payout runs in the window:
        /// merchants are paid in the order of `merchants` while it lasts, the rest after the window.
        case payoutShort(acquirer: String, covers: Money)
        /// An aggregator takes its sub-merchants' money and does not pay it on.
        case aggregatorDefault(aggregator: String)
        /// A terminal's clock is off by `by` (negative: behind) until it signs on again.
        case clockSkew(terminal: String, by: Duration)

        /// The bank whose inside the fault changes (its accounts), if any; an outage and a
        /// link fault act on connections, which PayLab holds at its end (a hold acts on the acquirer's book).
        public var insideNode: String? {
            switch self {
            case .maintenance(let bank), .freeze(_, let bank), .badARPC(let bank): bank
            case .hold, .payoutShort, .aggregatorDefault, .clockSkew: nil
            case .outage, .network, .staleKeys, .badARQC, .chipUnreadable: nil
            }
        }
    }

    /// How a link misbehaves (the wire's kinds, as the scenario names them).
    public enum LinkFaultKind: Sendable, Equatable {
        case latency(Duration)
        case drop(response: Bool)
        case duplicate(response: Bool)
        case corrupt(response: Bool)
        case disconnect
        /// Each frame written as a half frame (its length header and half its message), the rest `pause` later.
        case slice(response: Bool, pause: Duration)
        /// When the link's connection closes (an outage of either end, or a disconnect), the end still up is not told for this long: what it writes meanwhile is lost.
        case slowClose(Duration)
    }

    public var kind: Kind
    public var from: Instant
    /// nil: to the end of the run.
    public var to: Instant?
    public var line: Int
    /// A latency's spread: each frame is held the latency plus or minus up to this, drawn from the seed.
    public var jitter: Duration?
    /// The chance, in millionths, that a drop, duplicate or corruption acts on a frame (nil: every frame), drawn from the seed.
    public var probabilityPPM: Int64?

    public init(kind: Kind, from: Instant, to: Instant?, line: Int = 0) {
        self.kind = kind
        self.from = from
        self.to = to
        self.line = line
    }
}
