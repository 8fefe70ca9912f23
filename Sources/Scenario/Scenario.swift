public import PaymentNetwork
public import SettlementCalendar

/// A scenario as the harness runs it: every value checked and resolved (times to instants,
/// amounts to minor units, the default network filled in).
public struct Scenario: Sendable, Equatable {
    /// The file it came from.
    public var file: String
    /// Its name.
    public var name: String
    /// The real-world story it tells.
    public var description: String
    /// Tags for `--filter`.
    public var tags: [String]
    /// The seed of every random choice.
    public var seed: UInt64
    /// The local time zone.
    public var zone: Zone
    /// The currency of every amount.
    public var currency: Currency
    /// The business calendar.
    public var calendar: BusinessCalendar
    /// How the scenario named its calendar: a built-in name, or the calendar file's path as
    /// the reader found it (what a ``ScenarioWriter`` writes back).
    public var calendarReference: String
    /// When the virtual clock starts.
    public var start: Instant
    /// How long after the last step the run may go on.
    public var horizon: Duration
    /// The network.
    public var network: NetworkSpec
    /// The faults, each bounded in virtual time.
    public var faults: [Fault]
    /// The steps, in order.
    public var steps: [Step]
    /// What must have happened.
    public var expectations: [Expectation]
    /// The STANs PayLab's nodes number what they send from (nil: all of them): a load part's
    /// share, so that parts and their networks never send one host the same STAN. Not part
    /// of the language: `paylab load --part` sets it.
    public var stans: ClosedRange<Int>?

    /// Makes a scenario (`calendarReference`: the calendar's name unless a file's path is given).
    public init(
        file: String, name: String, description: String, tags: [String], seed: UInt64, zone: Zone, currency: Currency,
        calendar: BusinessCalendar, calendarReference: String? = nil, start: Instant, horizon: Duration, network: NetworkSpec,
        faults: [Fault], steps: [Step], expectations: [Expectation]
    ) {
        self.file = file
        self.name = name
        self.description = description
        self.tags = tags
        self.seed = seed
        self.zone = zone
        self.currency = currency
        self.calendar = calendar
        self.calendarReference = calendarReference ?? calendar.name
        self.start = start
        self.horizon = horizon
        self.network = network
        self.faults = faults
        self.steps = steps
        self.expectations = expectations
    }
}

extension Scenario {
    /// The default network with no steps and no expectations, starting at `start` (what
    /// `paylab serve` runs with no file).
    public static func served(start: Instant) -> Scenario {
        Scenario(
            file: "(default network)", name: "the default network", description: "", tags: [], seed: 1,
            zone: Zone(identifier: "Asia/Shanghai")!, currency: Currency.known["CNY"]!, calendar: .china, start: start,
            horizon: .seconds(86400), network: .defaults(), faults: [], steps: [], expectations: [])
    }
}

extension Scenario {
    /// The terminal a transaction was made at.
    public func terminal(of id: String) -> String? {
        for step in steps {
            switch step.action {
            case .swipe(id, let terminal, _, _, _), .preauthorize(id, let terminal, _, _), .complete(id, let terminal, _, _),
                 .refund(id, let terminal, _, _), .cancel(id, let terminal, _), .repeatSwipe(id, let terminal, _), .inquire(id, let terminal, _):
                return terminal
            default:
                continue
            }
        }
        return nil
    }

    /// The bank that issued the card a transaction's steps used (a completion's is its pre-authorization's).
    public func cardIssuer(of id: String) -> String? {
        for step in steps {
            switch step.action {
            case .swipe(id, _, let card, _, _), .preauthorize(id, _, let card, _), .inquire(id, _, let card):
                return network.cards.first { $0.pan == card }?.bank
            case .complete(id, _, let original, _), .refund(id, _, let original, _), .repeatSwipe(id, _, let original):
                return cardIssuer(of: original)
            default:
                continue
            }
        }
        return nil
    }
}
