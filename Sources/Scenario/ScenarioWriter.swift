import Foundation
import ISO8583
import PaymentSecurity
import PaymentNetwork
import SettlementCalendar

/// Writes a ``Scenario`` as the scenario language (docs/scenario-language.md): the inverse of
/// the reader. Every value is written out, defaults included, so the file says all that runs
/// and reads back into an equal scenario (lines aside). Incident import, explore and load
/// build `Scenario` values and write them here; nothing else writes scenario YAML.
public struct ScenarioWriter {
    /// Lines written before the scenario (each becomes a `#` comment).
    public var header: [String] = []
    /// A comment written above a step, by the step's index in `steps`.
    public var stepComments: [Int: String] = [:]
    /// A comment written above an expectation, by its index in `expectations`.
    public var expectationComments: [Int: String] = [:]

    public init() {}

    /// The scenario as YAML.
    public func yaml(_ scenario: Scenario) -> String {
        var out = Output(zone: scenario.zone, exponent: scenario.currency.exponent)
        for line in header { out.line(line.isEmpty ? "#" : "# \(line)") }
        out.line("name: \(Self.scalar(scenario.name))")
        if !scenario.description.isEmpty { out.line("description: \(Self.block(scenario.description, indent: "  ") ?? Self.quote(scenario.description))") }
        if !scenario.tags.isEmpty { out.line("tags: [\(scenario.tags.map(Self.scalar).joined(separator: ", "))]") }
        out.line("seed: \(scenario.seed)")
        out.line("timezone: \(scenario.zone.identifier)")
        out.line("currency: \(scenario.currency.code)")
        out.line("calendar: \(Self.scalar(scenario.calendarReference))")
        out.line("start: \(out.time(scenario.start))")
        out.line("horizon: \(Self.duration(scenario.horizon))")
        network(scenario.network, &out)
        if !scenario.faults.isEmpty {
            out.line("faults:")
            for fault in scenario.faults { out.line("  - \(Self.fault(fault, &out))") }
        }
        steps(scenario.steps, &out)
        if !scenario.expectations.isEmpty {
            out.line("expect:")
            for (index, expectation) in scenario.expectations.enumerated() {
                if let comment = expectationComments[index] { out.line("  # \(comment)") }
                out.line("  - \(Self.expectation(expectation, &out))")
            }
        }
        return out.text
    }

    // MARK: - The network

    private func network(_ network: NetworkSpec, _ out: inout Output) {
        out.line("network:")
        let scheme = network.scheme
        var fields = ["name: \(Self.scalar(scheme.name))", "cutoff: \"\(scheme.cutoff)\"", "timeout: \(Self.duration(scheme.timeout))",
                      "stand_in: \(scheme.standInLimit.map { "{ limit: \(out.money($0)) }" } ?? "false")",
                      "preauth_days: \(scheme.preauthDays)", "completion_tolerance: \(Self.rate(scheme.completionTolerancePPM))",
                      "mcc_check: \(scheme.mccCheck)", "fees: \(scheme.fees.rawValue)"]
        if !scheme.interchange.isEmpty {
            fields.append("interchange: { \(scheme.interchange.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \(Self.rate($0.value))" }.joined(separator: ", ")) }")
        }
        fields += Self.placement(of: scheme.name, in: network)
        out.line("  scheme: { \(fields.joined(separator: ", ")) }")
        let acquirer = network.acquirer
        fields = ["name: \(Self.scalar(acquirer.name))", "id: \"\(acquirer.id)\"", "timeout: \(Self.duration(acquirer.timeout))"]
        if let attempts = acquirer.reversalAttempts { fields.append("reversal_attempts: \(attempts)") }
        if let unmatched = acquirer.unmatched { fields.append("unmatched: \(unmatched)") }
        if !acquirer.mccOverride.isEmpty {
            fields.append("mcc_override: { \(acquirer.mccOverride.sorted { $0.key < $1.key }.map { "\(Self.scalar($0.key)): \"\($0.value)\"" }.joined(separator: ", ")) }")
        }
        fields += Self.placement(of: acquirer.name, in: network)
        out.line("  acquirer: { \(fields.joined(separator: ", ")) }")
        out.line("  banks:")
        for bank in network.banks {
            let bins = "bins: [\(bank.bins.map { "\"\($0)\"" }.joined(separator: ", "))]"
            out.line("    - { \((["name: \(Self.scalar(bank.name))", bins] + Self.placement(of: bank.name, in: network)).joined(separator: ", ")) }")
        }
        out.line("  merchants:")
        for merchant in network.merchants { out.line("    - \(Self.merchant(merchant, network, &out))") }
        out.line(network.cards.isEmpty ? "  cards: []" : "  cards:")
        for card in network.cards {
            var fields = ["pan: \"\(card.pan)\"", "bank: \(Self.scalar(card.bank))", "balance: \(out.money(card.balance))",
                          "expiry: \"\(card.expiry)\"", "status: \(card.status.rawValue)"]
            if let limit = card.dailyLimit { fields.append("daily_limit: \(out.money(limit))") }
            if card.type == .credit { fields += ["type: credit"] + (card.creditLimit.map { ["credit_limit: \(out.money($0))"] } ?? []) }
            if let pin = card.pin { fields += ["pin: \"\(pin)\"", "pin_tries: \(card.pinTries)"] }
            if let chip = card.chip { fields.append("chip: { imk: \"\(chip.imk.hex)\", psn: \"\(chip.psn)\", atc: \(chip.atc) }") }
            out.line("    - { \(fields.joined(separator: ", ")) }")
        }
        if !network.accounts.isEmpty {
            out.line("  accounts:")
            for account in network.accounts {
                out.line("    - { bank: \(Self.scalar(account.bank)), number: \(Self.scalar(account.number)), balance: \(out.money(account.balance)), status: \(account.status.rawValue) }")
            }
        }
        if network.security != SecuritySpec() { out.line("  security: \(Self.security(network.security))") }
    }

    private static func merchant(_ merchant: MerchantContract, _ network: NetworkSpec, _ out: inout Output) -> String {
        let terminals = merchant.terminals.map { id in
            if let system = network.external[id] { return "{ id: \(scalar(id)), external: \(external(system, server: false)) }" }
            var fields: [String] = []
            if let tmk = network.security.terminalMasterKeys[id] { fields.append("tmk: \"\(tmk.hex)\"") }
            if let kind = network.security.terminalWorkingKeys[id] { fields.append("working_keys: \(kind.rawValue)") }
            return fields.isEmpty ? scalar(id) : "{ id: \(scalar(id)), \(fields.joined(separator: ", ")) }"
        }
        var fields = ["id: \"\(merchant.id)\"", "name: \(scalar(merchant.name))", "mcc: \"\(merchant.mcc)\"", "settlement: \(merchant.terms)"]
        if merchant.feeChanges.isEmpty {
            fields.append("fee: \(rate(merchant.feePartsPerMillion))")
        } else {
            // A schedule's first entry with no date is the rate before the first change.
            var entries = merchant.feeChanges.first?.partsPerMillion == merchant.feePartsPerMillion ? [] : ["{ rate: \(rate(merchant.feePartsPerMillion)) }"]
            entries += merchant.feeChanges.map { "{ from: \($0.from), rate: \(rate($0.partsPerMillion)) }" }
            fields.append("fee: [\(entries.joined(separator: ", "))]")
        }
        if let cap = merchant.feeCap { fields.append("fee_cap: \(out.money(cap))") }
        fields.append("fee_rounding: \(merchant.feeRounding.rawValue)")
        fields.append("payout_at: \"\(merchant.payoutAt)\"")
        var account = "account: { bank: \(scalar(merchant.accountBank)), number: \(scalar(merchant.accountNumber))"
        if network.missingAccounts.contains(merchant.accountNumber) { account += ", status: wrong" }
        fields.append(account + " }")
        if let via = network.via[merchant.id] {
            fields.append("via: { aggregator: \(scalar(via.aggregator)), account: { bank: \(scalar(via.accountBank)), number: \(scalar(via.accountNumber)) }, pays: \(via.pays) }")
        }
        fields.append("terminal_timeout: \(duration(merchant.terminalTimeout))")
        fields.append("terminals: [\(terminals.joined(separator: ", "))]")
        return "{ \(fields.joined(separator: ", ")) }"
    }

    /// `network.security`, when it is not all defaults (terminals' TMKs are written with the terminals).
    private static func security(_ security: SecuritySpec) -> String {
        var fields = ["mac: \(security.mac.rawValue)", "working_keys: \(security.workingKeys.rawValue)"]
        if let mac = security.terminalMAC { fields.append("terminal_mac: \(mac.rawValue)") }
        let zones = security.zones.sorted { $0.key < $1.key }.map { link, keys in
            let given = [("zpk", keys.zpk), ("zak", keys.zak)].compactMap { name, key in key.map { "\(name): \"\($0.hex)\"" } }
            return "\(scalar(link)): { \(given.joined(separator: ", ")) }"
        }
        if !zones.isEmpty { fields.append("zones: { \(zones.joined(separator: ", ")) }") }
        return "{ \(fields.joined(separator: ", ")) }"
    }

    /// A server node's `listen` or `external`.
    private static func placement(of node: String, in network: NetworkSpec) -> [String] {
        var fields: [String] = []
        if let endpoint = network.listen[node] { fields.append("listen: \"\(endpoint)\"") }
        if let system = network.external[node] { fields.append("external: \(external(system, server: true))") }
        return fields
    }

    private static func external(_ system: ExternalSystem, server: Bool) -> String {
        var fields: [String] = []
        if server, let address = system.address { fields.append("address: \"\(address)\"") }
        fields.append("tls: \(system.tls.rawValue)")
        if let ca = system.ca { fields.append("ca: \(scalar(ca))") }
        fields.append("dialect: \(scalar(system.dialectReference))")
        var framing = ["length: \(system.framing.length.rawValue)", "includes_length: \(system.framing.includesLength)"]
        if let tpdu = system.framing.tpdu { framing.append("tpdu: \"\(Hex.encode(tpdu))\"") }
        if !system.framing.header.isEmpty { framing.append("header: \"\(Hex.encode(system.framing.header))\"") }
        fields.append("framing: { \(framing.joined(separator: ", ")) }")
        fields.append("timeout: \(duration(system.timeout))")
        fields.append("echo: \(system.echo == .zero ? "0" : duration(system.echo))")
        fields.append("match: [\(system.match.map(String.init).joined(separator: ", "))]")
        if let mac = system.mac, system.zak != nil { fields.append("mac: \(mac.rawValue)") }
        for (name, key) in [("zak", system.zak), ("zpk", system.zpk), ("tmk", system.tmk)] {
            if let key { fields.append("\(name): \"\(key.hex)\"") }
        }
        return "{ \(fields.joined(separator: ", ")) }"
    }

    // MARK: - Faults, steps, expectations

    private static func fault(_ fault: Fault, _ out: inout Output) -> String {
        var fields: [String]
        switch fault.kind {
        case .maintenance(let bank): fields = ["maintenance: \(scalar(bank))"]
        case .outage(let node): fields = ["outage: \(scalar(node))"]
        case .freeze(let account, _): fields = ["freeze: \(scalar(account))"]
        case .hold(let merchant): fields = ["hold: \"\(merchant)\""]
        case .staleKeys(let terminal): fields = ["stale_keys: \(scalar(terminal))"]
        case .badARQC(let card): fields = ["bad_arqc: \"\(card)\""]
        case .badARPC(let bank): fields = ["bad_arpc: \(scalar(bank))"]
        case .chipUnreadable(let card): fields = ["chip_unreadable: \"\(card)\""]
        case .aggregatorDefault(let aggregator): fields = ["aggregator_default: \(scalar(aggregator))"]
        case .clockSkew(let terminal, let by):
            fields = ["clock_skew: \(scalar(terminal))", "by: \(by < .zero ? "-" + duration(.zero - by) : duration(by))"]
        case .payoutShort(let acquirer, let covers): fields = ["payout_short: \(scalar(acquirer))", "covers: \(out.money(covers))"]
        case .network(let client, let server, let kind, let count):
            fields = ["network: \(scalar("\(client) -> \(server)"))"]
            switch kind {
            case .latency(let delay): fields.append("latency: \(duration(delay))")
            case .drop(let response): fields.append("drop: \(response ? "response" : "request")")
            case .duplicate(let response): fields.append("duplicate: \(response ? "response" : "request")")
            case .corrupt(let response): fields.append("corrupt: \(response ? "response" : "request")")
            case .disconnect: fields.append("disconnect: true")
            case .slice(let response, let pause): fields += ["slice: \(response ? "response" : "request")", "pause: \(duration(pause))"]
            case .slowClose(let delay): fields.append("slow_close: \(duration(delay))")
            }
            if let count { fields.append("count: \(count)") }
            if let jitter = fault.jitter { fields.append("jitter: \(duration(jitter))") }
            if let probability = fault.probabilityPPM { fields.append("probability: \(rate(probability))") }
        }
        fields.append("from: \(out.time(fault.from))")
        if let to = fault.to { fields.append("to: \(out.time(to))") }
        return "{ \(fields.joined(separator: ", ")) }"
    }

    private func steps(_ steps: [Step], _ out: inout Output) {
        guard !steps.isEmpty else { return }
        out.line("steps:")
        for (index, step) in steps.enumerated() {
            let body: String
            switch step.action {
            case .swipe(let id, let terminal, let card, let amount, let keyed):
                body = "swipe: { id: \(Self.scalar(id)), terminal: \(Self.scalar(terminal)), card: \"\(card)\", amount: \(out.money(amount))\(keyed.map { ", keyed: \(out.money($0))" } ?? "")\(step.pin.map { ", pin: \"\($0)\"" } ?? "")\(step.entry.map { ", entry: \($0)" } ?? "") }"
            case .inquire(let id, let terminal, let card):
                body = "inquire: { id: \(Self.scalar(id)), terminal: \(Self.scalar(terminal)), card: \"\(card)\"\(step.pin.map { ", pin: \"\($0)\"" } ?? "")\(step.entry.map { ", entry: \($0)" } ?? "") }"
            case .repeatSwipe(let id, _, let original):
                body = "swipe: { id: \(Self.scalar(id)), repeat: \(Self.scalar(original)) }"
            case .void(let id, _):
                body = "void: \(Self.scalar(id))"
            case .preauthorize(let id, let terminal, let card, let amount):
                body = "swipe: { id: \(Self.scalar(id)), terminal: \(Self.scalar(terminal)), card: \"\(card)\", amount: \(out.money(amount)), preauth: true\(step.pin.map { ", pin: \"\($0)\"" } ?? "")\(step.entry.map { ", entry: \($0)" } ?? "") }"
            case .complete(let id, let terminal, let original, let amount):
                body = "complete: { id: \(Self.scalar(id)), of: \(Self.scalar(original)), amount: \(out.money(amount)), terminal: \(Self.scalar(terminal))\(step.online ? ", online: true" : "") }"
            case .cancel(let id, let terminal, let original):
                body = "cancel: { id: \(Self.scalar(id)), of: \(Self.scalar(original)), terminal: \(Self.scalar(terminal)) }"
            case .refund(let id, let terminal, let original, let amount):
                body = "refund: { id: \(Self.scalar(id)), of: \(Self.scalar(original)), amount: \(out.money(amount)), terminal: \(Self.scalar(terminal)) }"
            case .dispute(let id, let original, let reason):
                body = "dispute: { id: \(Self.scalar(id)), of: \(Self.scalar(original)), reason: \"\(reason)\" }"
            case .settle(let terminal):
                body = "settle: { terminal: \(Self.scalar(terminal)) }"
            case .power(let terminal, on: false):
                // Its return is the first power-on of the terminal after it.
                let back = steps[(index + 1)...].first { if case .power(terminal, on: true) = $0.action { true } else { false } }
                body = "power_off: { terminal: \(Self.scalar(terminal)), until: \(back.map { out.time($0.at) } ?? "\"?\"") }"
            case .power(_, on: true):
                continue
            case .changeAccount(let merchant, let bank, let number):
                body = "change_account: { merchant: \"\(merchant)\", account: { bank: \(Self.scalar(bank)), number: \(Self.scalar(number)) } }"
            }
            if let comment = stepComments[index] { out.line("  # \(comment)") }
            out.line("  - { at: \(out.time(step.at)), \(body) }")
        }
    }

    private static func expectation(_ expectation: Expectation, _ out: inout Output) -> String {
        switch expectation {
        case .account(let number, let balance, _):
            return "{ account: \(scalar(number)), balance: \(out.money(balance)) }"
        case .netPayouts(let merchant, let payouts, _):
            return "{ merchant: \"\(merchant)\", net_payouts: [\(payouts.map { "{ date: \($0.date), amount: \(out.money($0.amount)) }" }.joined(separator: ", "))] }"
        case .stoppedAt(let merchant, let party, _):
            return "{ merchant: \"\(merchant)\", stopped_at: \(party.rawValue) }"
        case .netSettlements(let member, let settlements, _):
            return "{ member: \(scalar(member)), net_settlements: [\(settlements.map { "{ date: \($0.date), amount: \(out.money($0.amount)) }" }.joined(separator: ", "))] }"
        case .transaction(let expected):
            var fields = ["transaction: \(scalar(expected.id))"]
            if let response = expected.response { fields.append("response: \(scalar(response))") }
            if let status = expected.status { fields.append("status: \(status.rawValue)") }
            if let date = expected.settlementDate { fields.append("settlement_date: \(date)") }
            if let arrives = expected.arrives { fields.append("arrives: \(arrives.map { out.time($0) } ?? "never")") }
            if let credited = expected.credited { fields.append("credited: \(out.money(credited))") }
            if let held = expected.held { fields.append("held: \(out.money(held))") }
            if let shown = expected.balanceShown { fields.append("balance_shown: \(out.money(shown))") }
            if let refunded = expected.refunded { fields.append("refunded: \(out.money(refunded))") }
            if let interchange = expected.interchange { fields.append("interchange: \(out.money(interchange))") }
            if let fee = expected.issuerFee { fields.append("issuer_fee: \(out.money(fee))") }
            if let fee = expected.networkFee { fields.append("network_fee: \(out.money(fee))") }
            if let slip = expected.slipTime { fields.append("slip_time: \"\(slip)\"") }
            if let mcc = expected.mccOnWire { fields.append("mcc_on_wire: \"\(mcc)\"") }
            if let events = expected.events { fields.append("events: [\(events.map(\.rawValue).joined(separator: ", "))]") }
            return "{ \(fields.joined(separator: ", ")) }"
        }
    }

    // MARK: - Values

    /// A string as YAML writes it plainly when it can (a name, an id that starts with a
    /// letter, `Acquirer -> Scheme`), else double-quoted: what starts with a digit (a PAN, a
    /// merchant id), reads as a boolean or null, or holds YAML's own punctuation.
    public static func scalar(_ text: String) -> String {
        let plain = text.first.map { $0.isASCII && $0.isLetter } == true && !text.hasSuffix(" ")
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || " _./>+-".contains($0)) }
            && !["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"].contains(text.lowercased())
        return plain ? text : quote(text)
    }

    /// A YAML double-quoted string (JSON's escapes are YAML's).
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Text of several lines as a YAML literal block (`|` or `|-`), when it reads back the same:
    /// no line starts with a space or ends with one, and nothing needs escaping.
    static func block(_ text: String, indent: String) -> String? {
        guard text.contains("\n") else { return nil }
        var body = text
        let chomp: String
        if body.hasSuffix("\n") {
            body.removeLast()
            chomp = ""
        } else {
            chomp = "-"
        }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, !first.isEmpty, !body.hasSuffix("\n"),
              lines.allSatisfy({ !$0.hasPrefix(" ") && !$0.hasSuffix(" ") }),
              body.unicodeScalars.allSatisfy({ $0 == "\n" || ($0.value >= 0x20 && ![0x7F, 0x85, 0x2028, 0x2029].contains($0.value)) }) else { return nil }
        return "|\(chomp)\n" + lines.map { $0.isEmpty ? "" : indent + $0 }.joined(separator: "\n")
    }

    /// A duration in the largest unit that divides it (`30d`, `45s`, `500ms`).
    public static func duration(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where milliseconds % size == 0 && milliseconds != 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }

    /// Millionths as a percentage (6000 is `0.6%`).
    public static func rate(_ partsPerMillion: Int64) -> String {
        var text = Money(minorUnits: partsPerMillion).formatted(exponent: 4)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text + "%"
    }

    /// The text being written, with the scenario's zone and currency for times and amounts.
    private struct Output {
        let zone: Zone
        let exponent: Int
        var text = ""

        mutating func line(_ line: String) { text += line + "\n" }
        func money(_ amount: Money) -> String { amount.formatted(exponent: exponent) }
        /// Local time when it names one instant, else ISO 8601 with the offset.
        func time(_ instant: Instant) -> String {
            let local = zone.local(instant)
            return zone.instant(local) == instant ? "\"\(local)\"" : "\"\(zone.iso8601(instant))\""
        }
    }
}

extension Scenario {
    /// The scenario with every item's line set to 0: where a thing was written is not what it
    /// is (what a written scenario read back is compared by).
    public var withoutLines: Scenario {
        var copy = self
        copy.faults = faults.map { var fault = $0; fault.line = 0; return fault }
        copy.steps = steps.map { var step = $0; step.line = 0; return step }
        copy.expectations = expectations.map { expectation in
            switch expectation {
            case .transaction(var expected):
                expected.line = 0
                return .transaction(expected)
            case .account(let number, let balance, _): return .account(number: number, balance: balance, line: 0)
            case .netPayouts(let merchant, let payouts, _): return .netPayouts(merchant: merchant, payouts: payouts, line: 0)
            case .netSettlements(let member, let settlements, _): return .netSettlements(member: member, settlements: settlements, line: 0)
            case .stoppedAt(let merchant, let party, _): return .stoppedAt(merchant: merchant, party: party, line: 0)
            }
        }
        return copy
    }
}
