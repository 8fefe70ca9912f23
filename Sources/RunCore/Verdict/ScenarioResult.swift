public import Scenario
public import PaymentNetwork
public import SettlementCalendar

/// What one scenario run produced and whether it met its expectations.
public struct ScenarioResult: Sendable {
    /// The scenario.
    public var scenario: Scenario
    /// Every failed expectation and broken invariant, each a value (its `description` is the sentence).
    public var failures: [RunFailure]
    /// Each swipe's outcome.
    public var transactions: [TransactionOutcome]
    /// The balance of every customer account (cards, merchants, extra accounts) at the end.
    public var accounts: [(number: String, balance: Money)]
    /// Every event, in order.
    public var timeline: [TimelineEvent]
    /// Problems seen on the wire.
    public var problems: [String]
    /// What the fault windows and link faults did, with the virtual time.
    public var faultLog: [(at: Instant, what: String)]
    /// What happened on the links to systems under test (sign-ons, echoes, timeouts, late and unmatched answers), with the virtual time.
    public var externalLog: [(at: Instant, what: String)] = []
    /// How each link was secured at the end of the run: its MAC algorithm (`none` when it carries
    /// none) and whether PIN blocks travel on it, by `client -> server`.
    public var linkSecurity: [(link: String, mac: String, pinBlocks: Bool)] = []
    /// The wall time of each step, from its start until the network was quiet again (the
    /// terminal had its answer), in `run`; for benchmarks.
    public var stepTimes: [Duration] = []
    /// The wall time from PayLab's write of each request to a SUT until its answer arrived.
    public var sutRoundTrips: [Duration] = []
    /// How long the run took in wall time.
    public var wallTime: Duration
    /// The reasons behind each transaction's arrival time, by transaction id.
    public var reasons: [String: [String]]

    /// The capture folder written for this run, if any.
    public var captureFolder: String?
    /// One line about the capture (why live capture did not run, say).
    public var captureNote: String?

    /// Whether every expectation held and no invariant broke.
    public var passed: Bool { failures.isEmpty }
}
