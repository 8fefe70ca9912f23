import Foundation
import ISO8583
import PaymentNetwork
import PaymentSecurity
import SettlementCalendar
import Yams

/// Turns a YAML tree into a ``Scenario``: checks every key and value, fills in the
/// default network, and resolves times in the scenario's zone.
struct ScenarioBuilder {
    let reader: YAMLReader

    func build(_ root: Node) -> Scenario? {
        guard let top = reader.mapping(root, "the scenario", allowed: ScenarioLoader.topKeys) else { return nil }
        let file = reader.file
        let name = top["name"].flatMap { reader.string($0, "name") }
        if name == nil, top["name"] == nil { reader.error(root, "the scenario needs a 'name'") }
        let description = top["description"].flatMap { reader.string($0, "description") } ?? ""
        let tags = top["tags"].flatMap { reader.strings($0, "tags") } ?? []
        let seed = top["seed"].flatMap { reader.value($0, "seed", expected: "a whole number from 0 to 2^64-1") { UInt64($0) } } ?? 1
        let zone = top["timezone"].flatMap { reader.value($0, "timezone", expected: "a known IANA time zone (Asia/Shanghai)") { Zone(identifier: $0) } }
            ?? Zone(identifier: "Asia/Shanghai")!
        let currency = top["currency"].flatMap {
            reader.value($0, "currency", expected: "a known ISO 4217 code (\(Currency.known.keys.sorted().joined(separator: ", ")))") { Currency.known[$0] }
        } ?? Currency.known["CNY"]!
        let calendarBuilt = top["calendar"].map { buildCalendar($0) } ?? (BusinessCalendar.china, BusinessCalendar.china.name)
        let calendar = calendarBuilt?.calendar
        let start = top["start"].flatMap { dateTime($0, "start", zone: zone, calendar: calendar) }
        if top["start"] == nil { reader.needs(root, "start", "the scenario needs a 'start' time") }
        let horizon = top["horizon"].flatMap {
            reader.value($0, "horizon", expected: "a duration from 1s to 366d (30d, 12h, 45s)") { Values.duration($0).flatMap { $0 > .zero && $0 <= .seconds(366 * 86400) ? $0 : nil } }
        } ?? .seconds(30 * 86400)
        var network = top["network"].map { buildNetwork($0, currency: currency) } ?? NetworkSpec.defaults()
        if let node = top["network"] {
            var seen: Set<String> = []
            for name in network.nodeNames where !seen.insert(name).inserted {
                reader.error(node, "the name '\(name)' is used by two nodes; the scheme, the acquirer, each bank, each terminal and each aggregator need a name of their own")
            }
            for aggregator in network.aggregators {
                let accounts = Set(network.via.values.filter { $0.aggregator == aggregator }.map(\.accountNumber))
                if accounts.count > 1 {
                    reader.error(node, "aggregator \(aggregator) is given \(accounts.count) accounts (\(accounts.sorted().joined(separator: ", "))): the acquirer pays it into one")
                }
            }
        }
        let faults = top["faults"].map { buildFaults($0, start: start ?? Instant(milliseconds: 0), zone: zone, calendar: calendar, currency: currency, network: network) } ?? []
        let steps = top["steps"].map { buildSteps($0, start: start ?? Instant(milliseconds: 0), zone: zone, calendar: calendar, currency: currency, network: &network) } ?? []
        // Ids of steps written, valid or not: an expectation of a step already reported as wrong is not a second error.
        let written = Set(top["steps"].flatMap { reader.quietSequence($0) }?.flatMap(Self.writtenIDs) ?? [])
        let expectations = top["expect"].map { buildExpectations($0, zone: zone, calendar: calendar, currency: currency, steps: steps, written: written, network: network) } ?? []

        guard let name, let calendar, let start else { return nil }
        return Scenario(
            file: file, name: name, description: description, tags: tags, seed: seed, zone: zone, currency: currency,
            calendar: calendar, calendarReference: calendarBuilt?.reference ?? calendar.name, start: start, horizon: horizon,
            network: network, faults: faults, steps: steps, expectations: expectations)
    }

    /// A date-time in the scenario's zone: says when a date does not exist, and when the
    /// calendar does not cover its year.
    func dateTime(_ node: Node, _ what: String, zone: Zone, calendar: BusinessCalendar?) -> Instant? {
        guard let text = reader.string(node, what) else { return nil }
        guard let instant = Values.instant(text, zone: zone) else {
            let datePart = text.prefix(10)
            if datePart.count == 10, datePart.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 ? $0.element == "-" : $0.element.isNumber }),
               LocalDate(datePart) == nil {
                reader.error(node, "\(what) '\(text)': \(datePart) is not a date that exists")
            } else {
                reader.error(node, "\(what) '\(text)' is not a date-time (YYYY-MM-DD HH:MM, or ISO 8601 with an offset)")
            }
            return nil
        }
        checkCovered(zone.local(instant).date, node, calendar)
        return instant
    }

    /// A date (`YYYY-MM-DD`) that exists and that the calendar covers.
    func date(_ node: Node, _ what: String, calendar: BusinessCalendar?) -> LocalDate? {
        guard let date = reader.value(node, what, expected: "a date that exists (YYYY-MM-DD)", { LocalDate($0) }) else { return nil }
        checkCovered(date, node, calendar)
        return date
    }

    func checkCovered(_ date: LocalDate, _ node: Node, _ calendar: BusinessCalendar?) {
        if let calendar, let years = calendar.years, !years.contains(date.year) {
            reader.error(node, CalendarError.yearNotCovered(calendar: calendar.name, year: date.year, covered: years).description)
        }
    }

    /// The calendar, and how to name it again: its built-in name, or the path its file was found at.
    private func buildCalendar(_ node: Node) -> (calendar: BusinessCalendar, reference: String)? {
        guard let name = reader.string(node, "calendar") else { return nil }
        do {
            let folder = (reader.file as NSString).deletingLastPathComponent
            let calendar = try CalendarFile.resolve(name, relativeTo: folder)
            return (calendar, CalendarFile.reference(name, relativeTo: folder))
        } catch {
            // A problem inside a calendar file is reported where it is; a missing one, here.
            for diagnostic in error.diagnostics {
                if diagnostic.file == name { reader.error(node, diagnostic.message) } else { reader.report(diagnostic) }
            }
            return nil
        }
    }

    // MARK: - Network

    private func buildNetwork(_ node: Node, currency: Currency) -> NetworkSpec {
        var network = NetworkSpec.defaults()
        guard let map = reader.mapping(node, "network", allowed: ["scheme", "acquirer", "banks", "merchants", "cards", "accounts", "security"]) else { return network }
        // `external` and `listen` of each node, read once every name is known.
        var externals: [(name: String, node: Node, server: Bool)] = []
        var listens: [(name: String, node: Node)] = []
        var merchantAccountStatuses: [(String, String, String)] = []
        var terminalKeys: [(terminal: String, key: String, node: Node)] = []
        func place(_ fields: [String: Node], of name: String, server: Bool) {
            if let node = fields["external"] { externals.append((name, node, server)) }
            if let node = fields["listen"] { listens.append((name, node)) }
        }
        if let scheme = map["scheme"], let fields = reader.mapping(scheme, "network.scheme", allowed: ["name", "cutoff", "timeout", "stand_in", "listen", "external", "preauth_days", "completion_tolerance", "mcc_check", "interchange", "fees"]) {
            buildScheme(fields, currency: currency, into: &network.scheme)
            place(fields, of: network.scheme.name, server: true)
        }
        if let acquirer = map["acquirer"], let fields = reader.mapping(acquirer, "network.acquirer", allowed: ["name", "id", "timeout", "listen", "external", "mcc_override", "reversal_attempts", "unmatched"]) {
            buildAcquirer(fields, into: &network.acquirer)
            place(fields, of: network.acquirer.name, server: true)
        }
        if let banks = map["banks"], let items = reader.sequence(banks, "network.banks") {
            network.banks = items.compactMap { item in
                guard let fields = reader.mapping(item, "a bank", allowed: ["name", "bins", "listen", "external"]) else { return nil }
                guard let name = fields["name"].flatMap({ reader.string($0, "bank name") }) else {
                    if fields["name"] == nil { reader.needs(item, "name", "a bank needs a 'name'") }
                    return nil
                }
                place(fields, of: name, server: true)
                let bins = fields["bins"].flatMap { reader.strings($0, "bins") } ?? []
                return NetworkSpec.Bank(name: name, bins: bins)
            }
        }
        if let merchants = map["merchants"], let items = reader.sequence(merchants, "network.merchants") {
            network.merchants = items.compactMap { item in
                buildMerchant(item, currency: currency, banks: network.banks, external: { terminal, node in externals.append((terminal, node, false)) },
                              terminalKey: { terminal, key, node in terminalKeys.append((terminal, key, node)) }, accountStatus: { bank, number, status in merchantAccountStatuses.append((bank, number, status)) },
                              via: { merchant, aggregator in network.via[merchant] = aggregator })
            }
        }
        if let cards = map["cards"], let items = reader.sequence(cards, "network.cards") {
            network.cards = items.compactMap { buildCard($0, currency: currency, banks: network.banks) }
        }
        if let accounts = map["accounts"], let items = reader.sequence(accounts, "network.accounts") {
            network.accounts = items.compactMap { buildAccount($0, currency: currency, banks: network.banks) }
        }
        // A merchant's account in a state of its own: written wrong (no such account), or opened in that state.
        for (bank, number, status) in merchantAccountStatuses {
            if status == "wrong" {
                network.missingAccounts.insert(number)
            } else if let status = AccountStatus(rawValue: status), !network.accounts.contains(where: { $0.number == number }) {
                network.accounts.append(NetworkSpec.Account(bank: bank, number: number, balance: .zero, status: status))
            }
        }
        for (name, node) in listens {
            if let endpoint = buildListen(node) { network.listen[name] = endpoint }
        }
        var marks: [String: Node] = [:]
        for (name, node, server) in externals {
            marks[name] = node
            if let system = buildExternal(node, of: name, server: server) { network.external[name] = system }
        }
        checkExternal(network, marks: marks)
        for (terminal, name, node) in terminalKeys {
            if network.isExternal(terminal) {
                reader.error(node, "terminal \(terminal) is external: its TMK goes in its external (tmk), and it asks for the working keys it wants at sign-on")
            } else if name == "tmk" {
                if let key = key(node, "tmk") { network.security.terminalMasterKeys[terminal] = key }
            } else if let kind = reader.value(node, "working_keys", expected: "one of single, double, double_with_track", { WorkingKeys.Kind(rawValue: $0) }) {
                network.security.terminalWorkingKeys[terminal] = kind
            }
        }
        if let node = map["security"] { checkSecurity(network, zones: buildSecurity(node, into: &network.security)) }
        return network
    }

    /// `network.scheme`'s keys but `listen` and `external`.
    private func buildScheme(_ fields: [String: Node], currency: Currency, into scheme: inout NetworkSpec.Scheme) {
        if let value = fields["name"].flatMap({ reader.string($0, "scheme name") }) { scheme.name = value }
        if let value = fields["cutoff"].flatMap({ reader.value($0, "cutoff", expected: "a time of day (\"23:00\")") { TimeOfDay($0) } }) { scheme.cutoff = value }
        if let value = fields["timeout"].flatMap({ timeout($0, "timeout") }) { scheme.timeout = value }
        if let value = fields["preauth_days"].flatMap({ reader.value($0, "preauth_days", expected: "a number of days from 1 to 366") { Int($0).flatMap { (1...366).contains($0) ? $0 : nil } } }) {
            scheme.preauthDays = value
        }
        if let value = fields["mcc_check"].flatMap({ reader.value($0, "mcc_check", expected: "true or false") { $0 == "true" ? true : $0 == "false" ? false : nil } }) {
            scheme.mccCheck = value
        }
        if let node = fields["interchange"], let rates = reader.mapping(node, "interchange", allowed: nil) {
            for (mcc, rateNode) in rates.sorted(by: { $0.key < $1.key }) {
                guard mcc.count == 4, mcc.allSatisfy(\.isNumber) else {
                    reader.error(rateNode, "interchange is keyed by a 4-digit MCC, not '\(mcc)'")
                    continue
                }
                if let rate = reader.value(rateNode, "interchange rate", expected: "a percentage (0.35%)", { Values.rate($0) }) { scheme.interchange[mcc] = rate }
            }
        }
        if let value = fields["fees"].flatMap({
            reader.value($0, "fees", expected: "one of \(SchemeFees.Model.allCases.map(\.rawValue).joined(separator: ", "))") { SchemeFees.Model(rawValue: $0) }
        }) {
            scheme.fees = value
        }
        if scheme.fees == .none, !scheme.interchange.isEmpty, let node = fields["interchange"] {
            reader.error(node, "interchange rates set the issuer's fee of a fee model: they need fees: cn-2016, not none")
        }
        if let value = fields["completion_tolerance"].flatMap({ reader.value($0, "completion_tolerance", expected: "a percentage (15%)") { Values.rate($0) } }) {
            scheme.completionTolerancePPM = value
        }
        if let standIn = fields["stand_in"] {
            if case .mapping = standIn {
                if let limit = reader.mapping(standIn, "stand_in", allowed: ["limit"]) {
                    if let node = limit["limit"] { scheme.standInLimit = money(node, "stand_in limit", currency) } else { reader.error(standIn, "stand_in needs a 'limit'") }
                }
            } else if let text = reader.string(standIn, "stand_in"), text != "false" {
                reader.error(standIn, "stand_in is false or { limit: AMOUNT }, not '\(text)'")
            }
        }
    }

    /// `network.acquirer`'s keys but `listen` and `external`.
    private func buildAcquirer(_ fields: [String: Node], into acquirer: inout NetworkSpec.Acquirer) {
        if let value = fields["name"].flatMap({ reader.string($0, "acquirer name") }) { acquirer.name = value }
        if let value = fields["id"].flatMap({ reader.value($0, "acquirer id", expected: "up to 11 digits") { $0.count <= 11 && !$0.isEmpty && $0.allSatisfy(\.isNumber) ? $0 : nil } }) { acquirer.id = value }
        if let value = fields["timeout"].flatMap({ timeout($0, "timeout") }) { acquirer.timeout = value }
        if let value = fields["reversal_attempts"].flatMap({ reader.value($0, "reversal_attempts", expected: "a number of sends from 1 to 100") { Int($0).flatMap { (1...100).contains($0) ? $0 : nil } } }) {
            acquirer.reversalAttempts = value
        }
        if let value = fields["unmatched"].flatMap({ reader.value($0, "unmatched", expected: "refund or pay") { ["refund", "pay"].contains($0) ? $0 : nil } }) {
            acquirer.unmatched = value
        }
        if let node = fields["mcc_override"], let overrides = reader.mapping(node, "mcc_override", allowed: nil) {
            for (merchant, mccNode) in overrides.sorted(by: { $0.key < $1.key }) {
                if let mcc = reader.value(mccNode, "mcc", expected: "4 digits", { $0.count == 4 && $0.allSatisfy(\.isNumber) ? $0 : nil }) {
                    acquirer.mccOverride[merchant] = mcc
                }
            }
        }
    }

    /// A node's timeout: at least a second (a zero wait would time out before any answer) and at most a day.
    private func timeout(_ node: Node, _ what: String) -> Duration? {
        reader.value(node, what, expected: "a duration from 1s to 1d (30s)") {
            Values.duration($0).flatMap { $0 >= .seconds(1) && $0 <= .seconds(86400) ? $0 : nil }
        }
    }

    func checkBank(_ node: Node?, _ banks: [NetworkSpec.Bank]) -> String? {
        guard let node, let name = reader.string(node, "bank") else { return nil }
        if banks.contains(where: { $0.name == name }) { return name }
        let hint = nearestWord(to: name, in: banks.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
        reader.error(node, "no bank named '\(name)' in the network\(hint)")
        return nil
    }

    func money(_ node: Node, _ what: String, _ currency: Currency) -> Money? {
        guard let text = reader.string(node, what) else { return nil }
        guard let amount = Money(decimal: text, exponent: currency.exponent) else {
            let decimals = text.split(separator: ".").dropFirst().first?.count ?? 0
            if decimals > currency.exponent, Money(decimal: String(text.prefix(text.count - decimals + currency.exponent)), exponent: currency.exponent) != nil {
                reader.error(node, "\(what) '\(text)' has \(decimals) decimals; \(currency.code) has \(currency.exponent)")
            } else {
                reader.error(node, "\(what) '\(text)' is not an amount (digits, a point and at most \(currency.exponent) decimals)")
            }
            return nil
        }
        // DE4 carries twelve digits of minor units.
        guard amount.minorUnits.magnitude < 1_000_000_000_000 else {
            reader.error(node, "\(what) '\(text)' is over the largest amount ISO 8583 can carry (twelve digits of minor units)")
            return nil
        }
        return amount
    }

    private func buildMerchant(
        _ node: Node, currency: Currency, banks: [NetworkSpec.Bank], external: (String, Node) -> Void, terminalKey: (String, String, Node) -> Void,
        accountStatus: (String, String, String) -> Void, via: (String, NetworkSpec.Via) -> Void = { _, _ in }
    ) -> MerchantContract? {
        let keys = ["id", "name", "mcc", "terminals", "settlement", "fee", "fee_cap", "fee_rounding", "payout_at", "account", "terminal_timeout", "via"]
        guard let fields = reader.mapping(node, "a merchant", allowed: keys) else { return nil }
        // A merchant the scenario writes starts from the default merchant's mcc (5411),
        // settlement (T+1), payout time and terminal timeout, but its fee defaults to 0%.
        var merchant = NetworkSpec.defaults().merchants[0]
        merchant.feePartsPerMillion = 0
        merchant.feeCap = nil
        if let value = fields["id"].flatMap({ reader.value($0, "merchant id", expected: "15 characters") { $0.count == 15 ? $0 : nil } }) { merchant.id = value }
        if let value = fields["name"].flatMap({ reader.string($0, "merchant name") }) { merchant.name = value }
        if let value = fields["mcc"].flatMap({ reader.value($0, "mcc", expected: "four digits") { $0.count == 4 && $0.allSatisfy(\.isNumber) ? $0 : nil } }) { merchant.mcc = value }
        if let node = fields["terminals"], let items = reader.sequence(node, "terminals") {
            merchant.terminals = items.compactMap { item -> String? in
                // A terminal is its id, or { id, tmk } with its master key, or { id, external } when a
                // POS application under test takes its place.
                var idNode = item
                if case .mapping = item {
                    guard let fields = reader.mapping(item, "a terminal", allowed: ["id", "external", "tmk", "working_keys"]) else { return nil }
                    guard let id = fields["id"] else {
                        reader.error(item, "a terminal needs an 'id'")
                        return nil
                    }
                    idNode = id
                    if let system = fields["external"], let id = reader.string(id, "terminal id") { external(id, system) }
                    if let terminalID = reader.string(id, "terminal id") {
                        for name in ["tmk", "working_keys"] {
                            if let value = fields[name] { terminalKey(terminalID, name, value) }
                        }
                    }
                }
                return reader.value(idNode, "terminal id", expected: "8 characters") { $0.count == 8 ? $0 : nil }
            }
        }
        if let value = fields["settlement"].flatMap({ reader.value($0, "settlement", expected: "settlement terms (T+0, T+1, D+0, D+1 ...)") { SettlementTerms($0) } }) { merchant.terms = value }
        if let feeNode = fields["fee"] {
            if case .sequence = feeNode {
                buildFeeSchedule(feeNode, into: &merchant)
            } else if let value = reader.value(feeNode, "fee", expected: "a percentage (0.6%), or a schedule [{ from: DATE, rate: 0.38% }, ...]", { Values.rate($0) }) {
                merchant.feePartsPerMillion = value
            }
        }
        if let node = fields["fee_cap"] { merchant.feeCap = money(node, "fee_cap", currency) }
        if let value = fields["fee_rounding"].flatMap({
            reader.value($0, "fee_rounding", expected: "one of \(Money.Rounding.allCases.map(\.rawValue).joined(separator: ", "))") { Money.Rounding(rawValue: $0) }
        }) { merchant.feeRounding = value }
        if let value = fields["payout_at"].flatMap({ reader.value($0, "payout_at", expected: "a time of day (\"09:00\")") { TimeOfDay($0) } }) { merchant.payoutAt = value }
        if let value = fields["terminal_timeout"].flatMap({ timeout($0, "terminal_timeout") }) { merchant.terminalTimeout = value }
        if let node = fields["account"], let account = reader.mapping(node, "a merchant's account", allowed: ["bank", "number", "status"]) {
            if let bank = checkBank(account["bank"], banks) { merchant.accountBank = bank }
            if let number = account["number"].flatMap({ reader.string($0, "account number") }) { merchant.accountNumber = number }
            if let statusNode = account["status"] {
                let choices = ["active", "frozen", "closed", "debit_frozen", "wrong"]
                if let value = reader.value(statusNode, "status", expected: "one of \(choices.joined(separator: ", ")) (wrong: no such account at its bank)", { choices.contains($0) ? $0 : nil }) {
                    accountStatus(merchant.accountBank, merchant.accountNumber, value)
                }
            }
        } else if fields["account"] == nil, !banks.contains(where: { $0.name == merchant.accountBank }) {
            reader.error(node, "merchant \(merchant.id) needs an 'account' at one of the network's banks")
        }
        if let node = fields["via"], let aggregator = buildVia(node, banks: banks) { via(merchant.id, aggregator) }
        return merchant
    }

    /// `via: { aggregator, account: { bank, number }, pays }`: a sub-merchant paid through an aggregator (二清).
    private func buildVia(_ node: Node, banks: [NetworkSpec.Bank]) -> NetworkSpec.Via? {
        guard let fields = reader.mapping(node, "via", allowed: ["aggregator", "account", "pays"]) else { return nil }
        guard let nameNode = fields["aggregator"], let accountNode = fields["account"], let paysNode = fields["pays"] else {
            reader.error(node, "via needs an 'aggregator', its 'account' ({ bank, number }) and when it 'pays' its merchants (T+1)")
            return nil
        }
        guard let name = reader.string(nameNode, "aggregator"),
              let account = reader.mapping(accountNode, "an aggregator's account", allowed: ["bank", "number"]),
              let bank = checkBank(account["bank"], banks), let number = account["number"].flatMap({ reader.string($0, "account number") }),
              let pays = reader.value(paysNode, "pays", expected: "settlement terms (T+0, T+1, D+0, D+1 ...), counted from the day the aggregator is paid", { SettlementTerms($0) }) else { return nil }
        return NetworkSpec.Via(aggregator: name, accountBank: bank, accountNumber: number, pays: pays)
    }

    /// `fee: [{ rate: 0.6% }, { from: 2026-06-01, rate: 0.38% }]`: the rate in force on a
    /// purchase's clearing date applies; before the first `from`, the first rate.
    private func buildFeeSchedule(_ node: Node, into merchant: inout MerchantContract) {
        guard let items = reader.sequence(node, "fee") else { return }
        if items.isEmpty { reader.error(node, "a fee schedule needs at least one { rate }") }
        var previous: LocalDate?
        for (index, item) in items.enumerated() {
            guard let fields = reader.mapping(item, "a fee schedule entry", allowed: ["from", "rate"]) else { continue }
            guard let rateNode = fields["rate"] else {
                reader.error(item, "a fee schedule entry needs a 'rate'")
                continue
            }
            guard let rate = reader.value(rateNode, "rate", expected: "a percentage (0.38%)", { Values.rate($0) }) else { continue }
            guard let fromNode = fields["from"] else {
                if index == 0 { merchant.feePartsPerMillion = rate } else { reader.error(item, "every fee schedule entry but the first needs 'from': the clearing date it applies from") }
                continue
            }
            guard let from = date(fromNode, "from", calendar: nil) else { continue }
            if let previous, from <= previous {
                reader.error(fromNode, "fee schedule dates must increase: \(from) is not after \(previous)")
                continue
            }
            previous = from
            if index == 0 { merchant.feePartsPerMillion = rate }
            merchant.feeChanges.append(.init(from: from, partsPerMillion: rate))
        }
    }

    // MARK: - Expectations

    /// The transaction ids a step item writes (`id:` of its action), whether or not the step is valid.
    static func writtenIDs(_ item: Node) -> [String] {
        guard case .mapping(let fields) = item else { return [] }
        return fields.compactMap { _, body -> String? in
            guard case .mapping(let action) = body, case .scalar(let id)? = action["id"] else { return nil }
            return id.string
        }
    }

    private func buildExpectations(
        _ node: Node, zone: Zone, calendar: BusinessCalendar?, currency: Currency, steps: [Step], written: Set<String>, network: NetworkSpec
    ) -> [Expectation] {
        guard let items = reader.sequence(node, "expect") else { return [] }
        let ids = steps.compactMap(\.action.transactionID)
        var result: [Expectation] = []
        for item in items {
            let keys = ["transaction", "response", "status", "settlement_date", "arrives", "credited", "held", "refunded", "interchange", "issuer_fee", "network_fee", "slip_time",
                        "mcc_on_wire", "balance_shown", "events", "account", "balance", "merchant", "net_payouts", "stopped_at", "member", "net_settlements"]
            guard let fields = reader.mapping(item, "an expectation", allowed: keys) else { continue }
            let line = item.mark?.line ?? 1
            if let node = fields["merchant"] {
                result += merchantExpectations(node, fields, item, line: line, calendar: calendar, currency: currency, network: network)
                continue
            }
            if let node = fields["member"] {
                result += memberExpectation(node, fields, item, line: line, calendar: calendar, currency: currency, network: network).map { [$0] } ?? []
                continue
            }
            if let accountNode = fields["account"] {
                guard let number = reader.string(accountNode, "account") else { continue }
                if let bank = network.bank(ofAccount: number) {
                    if network.isExternal(bank) {
                        reader.error(accountNode, "account '\(PAN.mask(number))' is held by \(bank), a system under test: PayLab cannot see its balance (expect what PayLab's nodes saw: the transactions)")
                    }
                } else {
                    reader.error(accountNode, "no account '\(number)' in the network")
                }
                guard let balanceNode = fields["balance"] else {
                    reader.error(item, "an account expectation needs a 'balance'")
                    continue
                }
                if let balance = money(balanceNode, "balance", currency) {
                    result.append(.account(number: number, balance: balance, line: line))
                }
                continue
            }
            guard let idNode = fields["transaction"], let id = reader.string(idNode, "transaction") else {
                if fields["transaction"] == nil { reader.needs(item, "transaction", "an expectation needs 'transaction', 'account', 'merchant' or 'member'") }
                continue
            }
            if !ids.contains(id), !written.contains(id) {
                let hint = nearestWord(to: id, in: ids).map { "; did you mean '\($0)'?" } ?? ""
                reader.error(idNode, "no step makes a transaction '\(id)'\(hint)")
            }
            var expectation = TransactionExpectation(id: id, line: line)
            expectation.response = fields["response"].flatMap { reader.value($0, "response", expected: "two characters or none") { $0.count == 2 || $0 == "none" ? $0 : nil } }
            expectation.status = fields["status"].flatMap {
                reader.value($0, "status", expected: "one of \(TransactionStatus.allCases.map(\.rawValue).joined(separator: ", "))") { TransactionStatus(rawValue: $0) }
            }
            expectation.settlementDate = fields["settlement_date"].flatMap { date($0, "settlement_date", calendar: calendar) }
            if let node = fields["arrives"] {
                if reader.string(node, "arrives") == "never" {
                    expectation.arrives = .some(nil)
                } else if let instant = dateTime(node, "arrives", zone: zone, calendar: calendar) {
                    expectation.arrives = .some(instant)
                }
            }
            expectation.credited = fields["credited"].flatMap { money($0, "credited", currency) }
            expectation.held = fields["held"].flatMap { money($0, "held", currency) }
            expectation.refunded = fields["refunded"].flatMap { money($0, "refunded", currency) }
            expectation.interchange = fields["interchange"].flatMap { money($0, "interchange", currency) }
            expectation.issuerFee = fields["issuer_fee"].flatMap { money($0, "issuer_fee", currency) }
            expectation.networkFee = fields["network_fee"].flatMap { money($0, "network_fee", currency) }
            expectation.slipTime = fields["slip_time"].flatMap { reader.value($0, "slip_time", expected: "a local date and time (YYYY-MM-DD HH:MM)") { LocalDateTime($0) } }
            expectation.balanceShown = fields["balance_shown"].flatMap { money($0, "balance_shown", currency) }
            expectation.mccOnWire = fields["mcc_on_wire"].flatMap { reader.value($0, "mcc_on_wire", expected: "4 digits") { $0.count == 4 && $0.allSatisfy(\.isNumber) ? $0 : nil } }
            if let node = fields["events"], let words = reader.sequence(node, "events") {
                expectation.events = words.compactMap { word in
                    reader.value(word, "event", expected: "a timeline event (\(EventKind.allCases.map(\.rawValue).joined(separator: ", ")))") { EventKind(rawValue: $0) }
                }
            }
            result.append(.transaction(expectation))
        }
        return result
    }
}
