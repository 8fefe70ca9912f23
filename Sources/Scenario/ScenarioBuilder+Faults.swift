import Foundation
import ISO8583
import PaymentNetwork
import SettlementCalendar
import Yams

extension ScenarioBuilder {
    static let faultKinds = ["maintenance", "outage", "freeze", "hold", "network", "stale_keys", "bad_arqc", "bad_arpc", "chip_unreadable", "payout_short", "aggregator_default", "clock_skew"]
    /// Faults of a card or an issuer's cryptograms: without `from` they last the whole run.
    static let chipFaultKinds: Set<String> = ["bad_arqc", "bad_arpc", "chip_unreadable"]
    static let linkFaultKinds = ["latency", "drop", "duplicate", "corrupt", "disconnect", "slice", "slow_close"]

    func buildFaults(_ node: Node, start: Instant, zone: Zone, calendar: BusinessCalendar?, currency: Currency, network: NetworkSpec) -> [Fault] {
        guard let items = reader.sequence(node, "faults") else { return [] }
        var faults: [Fault] = []
        for item in items {
            guard let fields = reader.mapping(item, "a fault", allowed: Self.faultKinds + Self.linkFaultKinds + ["from", "to", "count", "jitter", "probability", "pause", "covers", "by"]) else { continue }
            let kinds = Self.faultKinds.filter { fields[$0] != nil }
            guard kinds.count == 1, let kindName = kinds.first, let target = fields[kindName] else {
                reader.error(item, "a fault names exactly one of: \(Self.faultKinds.joined(separator: ", "))")
                continue
            }
            var from = fields["from"].flatMap { dateTime($0, "from", zone: zone, calendar: calendar) }
            if fields["from"] == nil {
                if Self.chipFaultKinds.contains(kindName) { from = start } else { reader.needs(item, "from", "a fault needs 'from'") }
            }
            let to = fields["to"].flatMap { dateTime($0, "to", zone: zone, calendar: calendar) }
            if let from, let to, to < from, let node = fields["to"] {
                reader.error(node, "'to' (\(Values.show(to, zone))) is before 'from' (\(Values.show(from, zone)))")
            }
            let linkKinds = Self.linkFaultKinds.filter { fields[$0] != nil }
            if kindName != "clock_skew", let node = fields["by"] { reader.error(node, "'by' belongs to clock_skew, not to \(kindName)") }
            if kindName != "payout_short", let node = fields["covers"] { reader.error(node, "'covers' belongs to payout_short, not to \(kindName)") }
            if kindName != "network" {
                for key in linkKinds + ["count", "jitter", "probability", "pause"].filter({ fields[$0] != nil }) {
                    reader.error(fields[key], "'\(key)' belongs to a network fault, not to \(kindName)")
                }
            }
            guard let name = reader.string(target, kindName) else { continue }
            let kind: Fault.Kind?
            switch kindName {
            case "maintenance":
                kind = checkName(name, target, in: network.banks.map(\.name), what: "bank").map { .maintenance(bank: $0) }
            case "outage":
                kind = checkName(name, target, in: network.nodeNames, what: "node").map { .outage(node: $0) }
            case "freeze":
                if let bank = network.bank(ofAccount: name) {
                    kind = .freeze(account: name, bank: bank)
                } else {
                    reader.error(target, "no card or account '\(name)' in the network")
                    kind = nil
                }
            case "hold":
                kind = checkName(name, target, in: network.merchants.map(\.id), what: "merchant").map { .hold(merchant: $0) }
            case "stale_keys":
                kind = checkName(name, target, in: network.merchants.flatMap(\.terminals), what: "terminal").map { .staleKeys(terminal: $0) }
                if kind != nil, network.isExternal(network.acquirer.name) {
                    reader.error(target, "\(network.acquirer.name) is a system under test: its keys are its own to change, not PayLab's")
                }
            case "bad_arqc", "chip_unreadable":
                let chipCards = network.cards.filter { $0.chip != nil }.map(\.pan)
                kind = checkName(name, target, in: chipCards, what: "chip card").map { kindName == "bad_arqc" ? .badARQC(card: $0) : .chipUnreadable(card: $0) }
            case "payout_short":
                if fields["covers"] == nil { reader.needs(item, "covers", "payout_short needs 'covers': what the payout account holds for the window's payout runs") }
                if fields["to"] == nil { reader.needs(item, "to", "payout_short needs 'to': the rest is paid at the first payout run after it") }
                let covers = fields["covers"].flatMap { money($0, "covers", currency) }
                if let acquirer = checkName(name, target, in: [network.acquirer.name], what: "acquirer"), let covers {
                    kind = .payoutShort(acquirer: acquirer, covers: covers)
                } else {
                    kind = nil
                }
            case "clock_skew":
                if fields["by"] == nil { reader.needs(item, "by", "clock_skew needs 'by': how far the terminal's clock is off (-26h: behind, 10m: ahead)") }
                let by = fields["by"].flatMap { node in
                    reader.value(node, "by", expected: "a duration, negative when the clock is behind (-26h, 10m)") { text -> Duration? in
                        text.hasPrefix("-") ? Values.duration(String(text.dropFirst())).map { .zero - $0 } : Values.duration(text)
                    }
                }
                if let terminal = checkName(name, target, in: network.merchants.flatMap(\.terminals), what: "terminal"), let by {
                    kind = .clockSkew(terminal: terminal, by: by)
                } else {
                    kind = nil
                }
            case "aggregator_default":
                kind = checkName(name, target, in: network.aggregators, what: "aggregator (a merchant's via)").map { .aggregatorDefault(aggregator: $0) }
            case "bad_arpc":
                kind = checkName(name, target, in: network.banks.map(\.name), what: "bank").map { .badARPC(bank: $0) }
            default:
                kind = buildLinkFault(name, target, fields, item, linkKinds, network: network)
            }
            if let kind, case let inside = kind.insideNode ?? (["hold", "payout_short"].contains(kindName) ? network.acquirer.name : nil), let node = inside, network.isExternal(node) {
                reader.error(target, "\(node) is a system under test: PayLab cannot put a \(kindName) inside it (network faults on its links work)")
                continue
            }
            guard let kind, let from else { continue }
            var fault = Fault(kind: kind, from: from, to: to.map { max($0, from) }, line: item.mark?.line ?? 1)
            (fault.jitter, fault.probabilityPPM) = chance(fields, kind: kind)
            faults.append(fault)
        }
        return faults
    }

    /// A network fault's `jitter` (with `latency`) and `probability` (with drop, duplicate and corrupt).
    func chance(_ fields: [String: Node], kind: Fault.Kind) -> (Duration?, Int64?) {
        guard case .network(_, _, let linkKind, _) = kind else { return (nil, nil) }
        var jitter: Duration?, probability: Int64?
        if let node = fields["jitter"] {
            if case .latency(let delay) = linkKind {
                jitter = reader.value(node, "jitter", expected: "a duration up to the latency (\(delay.compact))") {
                    Values.duration($0).flatMap { $0 > .zero && $0 <= delay ? $0 : nil }
                }
            } else {
                reader.error(node, "'jitter' spreads a latency; this network fault has none")
            }
        }
        if let node = fields["probability"] {
            switch linkKind {
            case .drop, .duplicate, .corrupt:
                probability = reader.value(node, "probability", expected: "a percentage above 0% and up to 100% (30%)") {
                    Values.rate($0).flatMap { $0 > 0 && $0 <= 1_000_000 ? $0 : nil }
                }
            default:
                reader.error(node, "'probability' goes with drop, duplicate or corrupt")
            }
        }
        return (jitter, probability)
    }

    func checkName(_ name: String, _ node: Node, in names: [String], what: String) -> String? {
        if names.contains(name) { return name }
        let hint = nearestWord(to: name, in: names).map { "; did you mean '\($0)'?" } ?? " (\(names.joined(separator: ", ")))"
        reader.error(node, "no \(what) named '\(name)' in the network\(hint)")
        return nil
    }

    func buildLinkFault(_ name: String, _ target: Node, _ fields: [String: Node], _ item: Node, _ kinds: [String], network: NetworkSpec) -> Fault.Kind? {
        let parts = name.components(separatedBy: "->").map { $0.trimmingCharacters(in: .whitespaces) }
        let links = network.links
        guard parts.count == 2, links.contains(where: { $0.client == parts[0] && $0.server == parts[1] }) else {
            let names = links.map { "\($0.client) -> \($0.server)" }
            if parts.count == 2, links.contains(where: { $0.client == parts[1] && $0.server == parts[0] }) {
                reader.error(target, "no link '\(name)' in the network: links are named in the direction their requests travel; did you mean '\(parts[1]) -> \(parts[0])'?")
                return nil
            }
            let hint = nearestWord(to: name, in: names).map { "; did you mean '\($0)'?" } ?? " (links: \(names.joined(separator: ", ")))"
            reader.error(target, "no link '\(name)' in the network: name it in the direction its requests travel\(hint)")
            return nil
        }
        guard kinds.count == 1, let kindName = kinds.first, let node = fields[kindName] else {
            reader.error(item, "a network fault has exactly one of: \(Self.linkFaultKinds.joined(separator: ", "))")
            return nil
        }
        let count = fields["count"].flatMap { reader.value($0, "count", expected: "a whole number from 1") { Int($0).flatMap { $0 >= 1 ? $0 : nil } } }
        func direction() -> Bool? {
            reader.value(node, kindName, expected: "request or response") { text in
                switch text {
                case "request", "true": return false
                case "response": return true
                default: return nil
                }
            }
        }
        let kind: Fault.LinkFaultKind?
        switch kindName {
        case "latency":
            kind = reader.value(node, "latency", expected: "a duration from 1ms to 30d (50s)") {
                Values.duration($0).flatMap { $0 > .zero && $0 <= .seconds(30 * 86400) ? $0 : nil }
            }.map { .latency($0) }
        case "drop": kind = direction().map { .drop(response: $0) }
        case "duplicate": kind = direction().map { .duplicate(response: $0) }
        case "corrupt": kind = direction().map { .corrupt(response: $0) }
        case "slice":
            // The rest of a sliced frame follows `pause` later (1s when not said).
            let pause = fields["pause"].map { node in
                reader.value(node, "pause", expected: "a duration from 1ms to 1h (3s)") { Values.duration($0).flatMap { $0 > .zero && $0 <= .seconds(3600) ? $0 : nil } }
            } ?? .seconds(1)
            kind = pause.flatMap { pause in direction().map { .slice(response: $0, pause: pause) } }
        case "slow_close":
            kind = reader.value(node, "slow_close", expected: "a duration from 1ms to 1d (30s)") {
                Values.duration($0).flatMap { $0 > .zero && $0 <= .seconds(86400) ? $0 : nil }
            }.map { .slowClose($0) }
        default:
            kind = reader.value(node, "disconnect", expected: "true") { $0 == "true" ? true : nil }.map { _ in .disconnect }
        }
        if kindName != "slice", let pause = fields["pause"] { reader.error(pause, "'pause' goes with slice: how long after its first half the rest of a frame follows") }
        if kindName == "slow_close", let node = fields["count"] { reader.error(node, "'count' counts frames; slow_close acts on the connection's close") }
        guard let kind else { return nil }
        return .network(client: parts[0], server: parts[1], kind: kind, count: count)
    }
}
