import Scenario
public import PaymentNetwork
import SettlementCalendar
import ISO8583
import PaymentSecurity

/// Builds the nodes of a scenario's network and says which connect to which.
enum NetworkAssembly {
    /// Whose STANs each node receives, for the run's aliases (`ReferenceAliases`): the scheme
    /// the acquirer's, an issuer the scheme's. A system under test forwards under STANs the run
    /// cannot map back; a node behind one is taken to receive what it passed on (a node not
    /// named receives references that start transactions).
    static func numbering(of network: NetworkSpec) -> [String: String] {
        let acquirer = network.acquirer.name, scheme = network.scheme.name
        var numbering: [String: String] = [:]
        if network.external[acquirer] == nil { numbering[scheme] = acquirer }
        let behindScheme = network.external[scheme] == nil ? scheme : numbering[scheme]
        for bank in network.banks where !bank.bins.isEmpty { numbering[bank.name] = behindScheme }
        return numbering
    }

    /// Every node's configuration, as the scenario gives it.
    static func configurations(of scenario: Scenario) -> NodeConfigurations {
        let network = scenario.network
        let terminals = network.merchants.flatMap { merchant in
            merchant.terminals.map { terminal in
                TerminalStateMachine.Configuration(
                    id: terminal, merchantID: merchant.id, acquirer: network.acquirer.name,
                    timeout: merchant.terminalTimeout, currency: scenario.currency, zone: scenario.zone)
            }
        }
        var acquirer = AcquirerStateMachine.Configuration(
            name: network.acquirer.name, institutionID: network.acquirer.id, scheme: network.scheme.name,
            timeout: network.acquirer.timeout, merchants: network.merchants.map { merchant in
                // A sub-merchant of an aggregator is paid into the aggregator's account.
                var paid = merchant
                (paid.accountBank, paid.accountNumber) = network.payee(of: merchant)
                return paid
            }, calendar: scenario.calendar,
            zone: scenario.zone, currency: scenario.currency, mccOverride: network.acquirer.mccOverride,
            reversalAttempts: network.acquirer.reversalAttempts, unmatched: network.acquirer.unmatched.flatMap(AcquirerStateMachine.Configuration.Unmatched.init(rawValue:)))
        acquirer.fees = fees(of: scenario)
        let routes = network.banks.flatMap { bank in bank.bins.map { (bin: $0, bank: bank.name) } }
        var scheme = SchemeStateMachine.Configuration(
            name: network.scheme.name, cutoff: network.scheme.cutoff, timeout: network.scheme.timeout,
            standInLimit: network.scheme.standInLimit, routes: routes, zone: scenario.zone, currency: scenario.currency,
            standInRefusals: standInRefusals(scenario), preauthDays: network.scheme.preauthDays,
            completionTolerancePPM: network.scheme.completionTolerancePPM,
            registeredMCC: Dictionary(network.merchants.map { ($0.id, $0.mcc) }, uniquingKeysWith: { first, _ in first }),
            mccCheck: network.scheme.mccCheck, fees: fees(of: scenario),
            reconcilingAcquirers: network.acquirer.unmatched == nil ? [] : [network.acquirer.name])
        scheme.debitCards = Set(network.cards.filter { $0.type == .debit }.map(\.pan))
        let banks = network.banks.map { bank in
            let cards = network.cards.filter { $0.bank == bank.name }
            var accounts = cards.map { (number: $0.pan, balance: $0.openingLedgerBalance, status: $0.status) }
            accounts += network.accounts.filter { $0.bank == bank.name }.map { (number: $0.number, balance: $0.balance, status: $0.status) }
            // Merchants' accounts (unless written wrong: no such account), and those a step moves a merchant to.
            let merchantAccounts = network.merchants.filter { $0.accountBank == bank.name && !network.missingAccounts.contains($0.accountNumber) }.map(\.accountNumber)
                + network.laterAccounts.filter { $0.bank == bank.name }.map(\.number)
            for number in merchantAccounts where !accounts.contains(where: { $0.number == number }) {
                accounts.append((number: number, balance: .zero, status: .active))
            }
            var configuration = BankStateMachine.Configuration(
                name: bank.name,
                cards: cards.map { spec in
                    var card = BankStateMachine.Card(pan: spec.pan, expiry: spec.expiry, status: spec.status, dailyLimit: spec.dailyLimit)
                    card.pin = spec.pin
                    card.pinTries = spec.pinTries
                    card.chip = spec.chip.map { BankStateMachine.Card.Chip(imk: $0.imk, psn: $0.psn) }
                    card.creditLimit = spec.type == .credit ? spec.creditLimit ?? .zero : nil
                    return card
                },
                accounts: accounts, zone: scenario.zone, currency: scenario.currency, preauthDays: network.scheme.preauthDays,
                timeout: network.scheme.timeout, scheme: bank.bins.isEmpty ? nil : network.scheme.name)
            configuration.fees = fees(of: scenario)
            return configuration
        }
        var configurations = NodeConfigurations(terminals: terminals, acquirer: acquirer, scheme: scheme, banks: banks, aggregators: aggregators(of: scenario))
        secure(&configurations, scenario)
        return configurations
    }

    /// The aggregators (二清) and their sub-merchants, each paid on its own account and terms.
    static func aggregators(of scenario: Scenario) -> [AggregatorStateMachine.Configuration] {
        let network = scenario.network
        return network.aggregators.map { name in
            let subMerchants = network.merchants.filter { network.via[$0.id]?.aggregator == name }
            let account = subMerchants.compactMap { network.via[$0.id]?.accountNumber }.first ?? ""
            return AggregatorStateMachine.Configuration(
                name: name, account: account,
                subMerchants: Dictionary(subMerchants.map { merchant in
                    (merchant.id, AggregatorStateMachine.Configuration.SubMerchant(
                        accountBank: merchant.accountBank, accountNumber: merchant.accountNumber, pays: network.via[merchant.id]!.pays, payoutAt: merchant.payoutAt))
                }, uniquingKeysWith: { first, _ in first }),
                calendar: scenario.calendar, zone: scenario.zone, currency: scenario.currency, timeout: network.acquirer.timeout)
        }
    }

    /// The scheme's fee model as every member reads it: its price list, its card BIN table
    /// (which cards are credit cards) and its merchants' registered MCCs.
    static func fees(of scenario: Scenario) -> SchemeFees {
        let network = scenario.network
        return SchemeFees(
            model: network.scheme.fees, rates: network.scheme.interchange, creditCards: Set(network.cards.filter { $0.type == .credit }.map(\.pan)),
            registeredMCC: Dictionary(network.merchants.map { ($0.id, $0.mcc) }, uniquingKeysWith: { first, _ in first }),
            mccCheck: network.scheme.mccCheck, exponent: scenario.currency.exponent)
    }

    /// Each node's keys for each of its links: zone keys (ZAK and ZPK) on the links between
    /// institutions, a TMK on each terminal's link; as the scenario gives them, else derived from
    /// its seed. A link to a SUT has the keys its `external` names, or none.
    static func secure(_ configurations: inout NodeConfigurations, _ scenario: Scenario) {
        let network = scenario.network, security = network.security, seed = scenario.seed
        let terminals = Set(network.merchants.flatMap(\.terminals))
        for (client, server) in network.links {
            if terminals.contains(client) {
                let external = network.external[client] ?? network.external[server]
                let tmk = external.map { $0.tmk } ?? security.terminalMasterKey(client, seed: seed)
                guard let tmk else { continue }
                let keying = NodeSecurity.TerminalKeying(
                    tmk: tmk, mac: security.terminalMAC(dialect: external?.dialect.name ?? Dialect.default.name),
                    workingKeys: security.terminalWorkingKeys[client] ?? security.workingKeys)
                configurations.modify(client) { $0.terminals[server] = keying }
                configurations.modify(server) { $0.terminals[client] = keying }
                continue
            }
            let zone: LinkSecurity
            if let external = network.external[client] ?? network.external[server] {
                guard external.zak != nil || external.zpk != nil else { continue }
                zone = LinkSecurity(mac: external.mac ?? .x9_19, macKey: external.zak, pinKey: external.zpk)
            } else {
                let keys = security.zone(client, server, seed: seed)
                zone = LinkSecurity(mac: security.mac, macKey: keys.zak, pinKey: keys.zpk)
            }
            configurations.modify(client) { $0.zones[server] = zone }
            configurations.modify(server) { $0.zones[client] = zone }
        }
        configurations.acquirer.security.workingKeys = security.workingKeys
        for index in configurations.banks.indices {
            configurations.banks[index].cvk = security.cardVerificationKey(configurations.banks[index].name, seed: seed)
        }
    }

    /// The nodes PayLab plays (not those a system under test plays), altered when asked
    /// (`explore --self-test` plants its defects so, and nowhere else).
    static func nodes(of scenario: Scenario, altered alteration: (any NetworkAlteration)? = nil) -> [any NodeLogic] {
        var configurations = configurations(of: scenario)
        alteration?.alter(&configurations)
        let seed = scenario.seed
        var nodes: [any NodeLogic] = configurations.terminals.map { TerminalStateMachine(configuration: $0, seed: seed) }
        let stans = scenario.stans ?? TraceNumbers.all
        nodes.append(AcquirerStateMachine(configuration: configurations.acquirer, seed: seed, stans: stans))
        nodes.append(SchemeStateMachine(configuration: configurations.scheme, seed: seed, stans: stans))
        nodes += configurations.banks.map { BankStateMachine(configuration: $0, seed: seed, stans: stans) }
        nodes += configurations.aggregators.map { AggregatorStateMachine(configuration: $0, seed: seed, stans: stans) }
        if let alteration { nodes = nodes.map(alteration.wrap) }
        return nodes.filter { !scenario.network.isExternal($0.name) }
    }

    /// The issuers' negative file for stand-in: each card whose status its issuer refuses,
    /// with the code (the status as the scenario sets it; expiry is checked from DE14).
    static func standInRefusals(_ scenario: Scenario) -> [String: ResponseCode] {
        var refusals: [String: ResponseCode] = [:]
        for card in scenario.network.cards where card.status != .active {
            refusals[card.pan] = CardRules.refusal(status: card.status, expiry: "9912", today: LocalDate(year: 2000, month: 1, day: 1)!)
        }
        return refusals
    }

    static func servers(of scenario: Scenario) -> [String] {
        ([scenario.network.acquirer.name, scenario.network.scheme.name] + scenario.network.banks.map(\.name) + scenario.network.aggregators)
            .filter { !scenario.network.isExternal($0) }
    }
}

/// The configuration of every node of a network, before the nodes are made.
public struct NodeConfigurations: Sendable {
    public var terminals: [TerminalStateMachine.Configuration]
    public var acquirer: AcquirerStateMachine.Configuration
    public var scheme: SchemeStateMachine.Configuration
    public var banks: [BankStateMachine.Configuration]
    public var aggregators: [AggregatorStateMachine.Configuration] = []

    /// Changes the keys of the node of this name, whichever it is.
    mutating func modify(_ node: String, _ change: (inout NodeSecurity) -> Void) {
        if let index = terminals.firstIndex(where: { $0.id == node }) { change(&terminals[index].security) }
        if acquirer.name == node { change(&acquirer.security) }
        if scheme.name == node { change(&scheme.security) }
        if let index = banks.firstIndex(where: { $0.name == node }) { change(&banks[index].security) }
        if let index = aggregators.firstIndex(where: { $0.name == node }) { change(&aggregators[index].security) }
    }
}

/// A change made to a network as it is assembled: to the nodes' configurations before they are
/// made, and around each node once it is. How `explore --self-test` plants a known defect (a
/// cutoff a minute late, a bank that credits twice) without a line of it in the nodes.
public protocol NetworkAlteration: Sendable {
    /// Changes the configurations (nothing, unless the alteration is one of configuration).
    func alter(_ configurations: inout NodeConfigurations)
    /// The node, or another in its place that behaves differently (the node itself, unless the alteration wraps it).
    func wrap(_ node: any NodeLogic) -> any NodeLogic
}

extension NetworkAlteration {
    public func alter(_ configurations: inout NodeConfigurations) {}
    public func wrap(_ node: any NodeLogic) -> any NodeLogic { node }
}
