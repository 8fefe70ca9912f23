import PaymentNetwork
import SettlementCalendar

/// A scenario as the harness runs it: every value checked and resolved (times to instants,
/// amounts to minor units, the default network filled in).
public struct Scenario: Sendable {
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
}

/// The nodes of a scenario's network.
public struct NetworkSpec: Sendable {
    /// The card scheme.
    public struct Scheme: Sendable {
        public var name = "Scheme"
        public var cutoff = TimeOfDay(hour: 23, minute: 0)!
        public var timeout: Duration = .seconds(30)
        /// The most the scheme approves in an issuer's place; nil: no stand-in.
        public var standInLimit: Money?
    }

    /// The acquirer.
    public struct Acquirer: Sendable {
        public var name = "Acquirer"
        public var id = "48020000"
        public var timeout: Duration = .seconds(45)
    }

    /// A bank, issuer or merchant's bank or both.
    public struct Bank: Sendable {
        public var name: String
        public var bins: [String]
    }

    /// A card.
    public struct Card: Sendable {
        public var pan: String
        public var bank: String
        public var balance: Money
        public var expiry: String
        public var status: BankStateMachine.AccountStatus
        public var dailyLimit: Money?
    }

    /// An extra account.
    public struct Account: Sendable {
        public var bank: String
        public var number: String
        public var balance: Money
        public var status: BankStateMachine.AccountStatus
    }

    public var scheme = Scheme()
    public var acquirer = Acquirer()
    public var banks: [Bank]
    public var merchants: [MerchantContract]
    public var cards: [Card]
    public var accounts: [Account]

    /// The default network of SCENARIOS.md.
    public static func defaults() -> NetworkSpec {
        NetworkSpec(
            banks: [Bank(name: "Issuer", bins: ["622202"]), Bank(name: "MerchantBank", bins: [])],
            merchants: [MerchantContract(
                id: "898440354110001", name: "Default Merchant", mcc: "5411", terminals: ["T0000001"],
                terms: SettlementTerms(basis: .businessDays, days: 1), feePartsPerMillion: 6000, feeCap: nil,
                payoutAt: TimeOfDay(hour: 9, minute: 0)!, accountBank: "MerchantBank",
                accountNumber: "6214830000000001", terminalTimeout: .seconds(60))],
            cards: [Card(pan: "6222020000000001", bank: "Issuer", balance: Money(minorUnits: 1_000_000),
                         expiry: "2812", status: .active, dailyLimit: nil)],
            accounts: []
        )
    }

    /// Every node's name: terminals, the acquirer, the scheme and the banks.
    public var nodeNames: [String] {
        merchants.flatMap(\.terminals) + [acquirer.name, scheme.name] + banks.map(\.name)
    }

    /// The links, named in the direction their requests travel: (client, server).
    public var links: [(client: String, server: String)] {
        var links: [(client: String, server: String)] = []
        for merchant in merchants {
            for terminal in merchant.terminals { links.append((terminal, acquirer.name)) }
        }
        links.append((acquirer.name, scheme.name))
        for bank in banks {
            links.append((scheme.name, bank.name))
            if merchants.contains(where: { $0.accountBank == bank.name }) { links.append((acquirer.name, bank.name)) }
        }
        return links
    }

    /// The bank that keeps an account number (a card's or another), if any.
    public func bank(ofAccount number: String) -> String? {
        if let card = cards.first(where: { $0.pan == number }) { return card.bank }
        if let account = accounts.first(where: { $0.number == number }) { return account.bank }
        return merchants.first(where: { $0.accountNumber == number })?.accountBank
    }
}

/// One step of a scenario.
public struct Step: Sendable {
    /// What the step does.
    public enum Action: Sendable {
        /// A card is swiped.
        case swipe(id: String, terminal: String, card: String, amount: Money, keyed: Money?)
        /// The terminal sends the message of an earlier swipe again, same STAN.
        case repeatSwipe(id: String, terminal: String, of: String)
        /// The terminal voids an earlier swipe.
        case void(id: String, terminal: String)
    }

    /// When, on the virtual clock.
    public var at: Instant
    /// What.
    public var action: Action
    /// Where it is written (line).
    public var line: Int
}

/// What a scenario expects.
public enum Expectation: Sendable {
    /// Facts about one transaction; nil fields are not checked.
    case transaction(TransactionExpectation)
    /// The balance of an account at the end of the run.
    case account(number: String, balance: Money, line: Int)
}

/// What a scenario expects of one transaction.
public struct TransactionExpectation: Sendable {
    public var id: String
    public var response: String?
    public var status: String?
    public var settlementDate: LocalDate?
    /// `.some(nil)` means "never".
    public var arrives: Instant??
    public var credited: Money?
    public var events: [EventKind]?
    public var line: Int
}

/// A fault of a scenario: one kind, bounded by `from` and `to` on the virtual clock.
public struct Fault: Sendable {
    /// What goes wrong.
    public enum Kind: Sendable {
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
    }

    /// How a link misbehaves (the wire's kinds, as the scenario names them).
    public enum LinkFaultKind: Sendable {
        case latency(Duration)
        case drop(response: Bool)
        case duplicate(response: Bool)
        case corrupt(response: Bool)
        case disconnect
    }

    public var kind: Kind
    public var from: Instant
    /// nil: to the end of the run.
    public var to: Instant?
    public var line: Int
}
