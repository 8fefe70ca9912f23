public import PaymentNetwork
public import PaymentSecurity
public import SettlementCalendar

/// The nodes of a scenario's network.
public struct NetworkSpec: Sendable, Equatable {
    /// The card scheme.
    public struct Scheme: Sendable, Equatable {
        public var name = "Scheme"
        public var cutoff = TimeOfDay(hour: 23, minute: 0)!
        public var timeout: Duration = .seconds(30)
        /// The most the scheme approves in an issuer's place; nil: no stand-in.
        public var standInLimit: Money?
        /// How many days a pre-authorization holds funds if it is not completed.
        public var preauthDays = 30
        /// How far a completion may exceed its pre-authorization, in millionths (15%).
        public var completionTolerancePPM: Int64 = 150_000
        /// Whether the scheme checks DE18 against each merchant's registered MCC.
        public var mccCheck = false
        /// Issuer's fee rates by MCC, in millionths, instead of the card type's (`interchange`).
        public var interchange: [String: Int64] = [:]
        /// The fee model: `cn-2016` (issuer's fee and network fee, settled net) or `none`.
        public var fees: SchemeFees.Model = .cn2016
    }

    /// The acquirer.
    public struct Acquirer: Sendable, Equatable {
        public var name = "Acquirer"
        public var id = "48020000"
        public var timeout: Duration = .seconds(45)
        /// MCCs sent in DE18 instead of a merchant's registered one, by merchant id.
        public var mccOverride: [String: String] = [:]
        /// How many times it sends a reversal before giving up (nil: until acknowledged).
        public var reversalAttempts: Int?
        /// What its reconciliation does with a one-sided entry: `refund` or `pay` (nil: no reconciliation).
        public var unmatched: String?
    }

    /// A bank, issuer or merchant's bank or both.
    public struct Bank: Sendable, Equatable {
        public var name: String
        public var bins: [String]
        public init(name: String, bins: [String]) {
            self.name = name
            self.bins = bins
        }
    }

    /// A card.
    public struct Card: Sendable, Equatable {
        public var pan: String
        public var bank: String
        public var balance: Money
        public var expiry: String
        public var status: AccountStatus
        public var dailyLimit: Money?
        /// The card's PIN: needed on every purchase and pre-authorization (nil: none).
        public var pin: String?
        /// Wrong PINs in one day before the card is locked for the rest of it (75).
        public var pinTries = 3
        /// The card's chip: its issuer master key for application cryptograms, PSN and first ATC.
        public var chip: Chip?
        /// Debit (its balance is its account's) or credit (its balance is what is owed, up to its limit).
        public var type: CardType = .debit
        /// A credit card's limit: what it may owe.
        public var creditLimit: Money?

        /// A debit card spends its account; a credit card its line of credit.
        public enum CardType: String, Sendable, CaseIterable { case debit, credit }

        /// The balance its account opens with in its bank's books: a debit card's balance; for a
        /// credit card, what it owes as a debt (negative).
        public var openingLedgerBalance: Money { type == .credit ? Money.zero - balance : balance }

        /// An EMV chip.
        public struct Chip: Sendable, Equatable {
            public var imk: DESKey
            /// The PAN sequence number, two digits (DE23).
            public var psn: String
            /// The application transaction counter of the card's first chip transaction.
            public var atc: Int
            public init(imk: DESKey, psn: String = "00", atc: Int = 1) {
                self.imk = imk
                self.psn = psn
                self.atc = atc
            }
        }
        public init(pan: String, bank: String, balance: Money, expiry: String = CardRules.defaultExpiry, status: AccountStatus = .active, dailyLimit: Money? = nil) {
            self.pan = pan
            self.bank = bank
            self.balance = balance
            self.expiry = expiry
            self.status = status
            self.dailyLimit = dailyLimit
        }
    }

    /// An extra account.
    public struct Account: Sendable, Equatable {
        public var bank: String
        public var number: String
        public var balance: Money
        public var status: AccountStatus
        public init(bank: String, number: String, balance: Money, status: AccountStatus = .active) {
            self.bank = bank
            self.number = number
            self.balance = balance
            self.status = status
        }
    }

    public var scheme = Scheme()
    public var acquirer = Acquirer()
    public var banks: [Bank]
    public var merchants: [MerchantContract]
    public var cards: [Card]
    public var accounts: [Account]
    /// How the links are secured.
    public var security = SecuritySpec()
    /// Nodes whose place a system under test takes, by name.
    public var external: [String: ExternalSystem] = [:]
    /// Fixed addresses where PayLab's nodes listen for systems under test, by node name.
    public var listen: [String: Endpoint] = [:]
    /// Merchants' account numbers that do not exist at their bank (written wrong).
    public var missingAccounts: Set<String> = []
    /// Accounts a `change_account` step moves a merchant to: opened at their bank, linked to the acquirer.
    public var laterAccounts: [LaterAccount] = []
    /// Sub-merchants paid through an aggregator (二清), by merchant id.
    public var via: [String: Via] = [:]

    /// An aggregator between the acquirer and a sub-merchant: the acquirer pays its account on
    /// the merchant's terms, and it pays the merchant's own account on `pays`, counted from the
    /// day it was paid.
    public struct Via: Sendable, Equatable {
        public var aggregator: String
        /// Where its account is kept (its bank, for the record) and the number the acquirer's credits name.
        public var accountBank: String
        public var accountNumber: String
        public var pays: SettlementTerms
        public init(aggregator: String, accountBank: String, accountNumber: String, pays: SettlementTerms) {
            self.aggregator = aggregator
            self.accountBank = accountBank
            self.accountNumber = accountNumber
            self.pays = pays
        }
    }

    /// The aggregators' names, in order.
    public var aggregators: [String] { Array(Set(via.values.map(\.aggregator))).sorted() }

    /// Where the acquirer pays a merchant: its own account, or its aggregator's.
    public func payee(of merchant: MerchantContract) -> (node: String, account: String) {
        via[merchant.id].map { ($0.aggregator, $0.accountNumber) } ?? (merchant.accountBank, merchant.accountNumber)
    }

    /// An account a merchant is moved to by a `change_account` step.
    public struct LaterAccount: Sendable, Equatable {
        public var bank: String
        public var number: String
        public init(bank: String, number: String) {
            self.bank = bank
            self.number = number
        }
    }

    /// Makes a network with the default scheme and acquirer.
    public init(banks: [Bank], merchants: [MerchantContract], cards: [Card], accounts: [Account]) {
        self.banks = banks
        self.merchants = merchants
        self.cards = cards
        self.accounts = accounts
    }

    /// The default network of docs/scenario-language.md ("The network").
    public static func defaults() -> NetworkSpec {
        NetworkSpec(
            banks: [Bank(name: "Issuer", bins: ["622202"]), Bank(name: "MerchantBank", bins: [])],
            merchants: [MerchantContract(
                id: "898440354110001", name: "Default Merchant", mcc: "5411", terminals: ["T0000001"],
                terms: SettlementTerms(basis: .businessDays, days: 1), feePartsPerMillion: 6000, feeCap: nil,
                payoutAt: TimeOfDay(hour: 9, minute: 0)!, accountBank: "MerchantBank",
                accountNumber: "6214830000000001", terminalTimeout: .seconds(60))],
            cards: [Card(pan: "6222020000000001", bank: "Issuer", balance: Money(minorUnits: 1_000_000),
                         expiry: CardRules.defaultExpiry, status: .active, dailyLimit: nil)],
            accounts: []
        )
    }

    /// An account's balance as the scenario speaks of it, from its bank's books: for a credit
    /// card, what it owes (its books keep the debt as a negative balance).
    public func shownBalance(_ number: String, books: Money) -> Money {
        cards.contains { $0.pan == number && $0.type == .credit } ? Money.zero - books : books
    }

    /// Every node's name: terminals, the acquirer, the scheme and the banks.
    public var nodeNames: [String] {
        merchants.flatMap(\.terminals) + [acquirer.name, scheme.name] + banks.map(\.name) + aggregators
    }

    /// The links, named in the direction their requests travel: (client, server).
    public var links: [(client: String, server: String)] {
        var links: [(client: String, server: String)] = []
        for merchant in merchants {
            for terminal in merchant.terminals { links.append((terminal, acquirer.name)) }
        }
        links.append((acquirer.name, scheme.name))
        for bank in banks {
            // The scheme talks to the banks that issue cards; a bank with no BIN only keeps accounts.
            if !bank.bins.isEmpty { links.append((scheme.name, bank.name)) }
            if merchants.contains(where: { via[$0.id] == nil && $0.accountBank == bank.name }) || laterAccounts.contains(where: { $0.bank == bank.name }) {
                links.append((acquirer.name, bank.name))
            }
        }
        // An aggregator is paid by the acquirer, and pays its sub-merchants' banks.
        for aggregator in aggregators {
            links.append((acquirer.name, aggregator))
            let banks = Set(merchants.filter { via[$0.id]?.aggregator == aggregator }.map(\.accountBank))
            for bank in self.banks.map(\.name) where banks.contains(bank) { links.append((aggregator, bank)) }
        }
        return links
    }

    /// The links where one end is a system under test: (client, server).
    public var externalLinks: [(client: String, server: String)] {
        links.filter { external[$0.client] != nil || external[$0.server] != nil }
    }

    /// Whether a node is a system under test.
    public func isExternal(_ node: String) -> Bool { external[node] != nil }

    /// The bank that keeps an account number (a card's or another), if any.
    public func bank(ofAccount number: String) -> String? {
        if let card = cards.first(where: { $0.pan == number }) { return card.bank }
        if let account = accounts.first(where: { $0.number == number }) { return account.bank }
        if missingAccounts.contains(number) { return nil }
        return merchants.first(where: { $0.accountNumber == number })?.accountBank ?? laterAccounts.first(where: { $0.number == number })?.bank
    }
}
