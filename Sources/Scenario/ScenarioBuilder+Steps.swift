import Foundation
import ISO8583
import PaymentNetwork
import SettlementCalendar
import Yams

extension ScenarioBuilder {
    func buildSteps(_ node: Node, start: Instant, zone: Zone, calendar: BusinessCalendar?, currency: Currency, network: NetworkSpec) -> [Step] {
        guard let items = reader.sequence(node, "steps") else { return [] }
        var steps: [Step] = []
        var previous = start
        var swipes: [String: String] = [:]   // transaction id: terminal
        for item in items {
            guard let fields = reader.mapping(item, "a step", allowed: ["at", "swipe", "void"]) else { continue }
            var at = previous
            if let node = fields["at"], let value = dateTime(node, "at", zone: zone, calendar: calendar) {
                if value < previous {
                    reader.error(node, "this step is at \(Values.show(value, zone)), before the step or start before it (\(Values.show(previous, zone))): steps must not go back in time")
                }
                at = max(value, previous)
            }
            previous = at
            let line = item.mark?.line ?? 1
            if fields["swipe"] != nil && fields["void"] != nil {
                reader.error(item, "a step does one thing: swipe or void, not both")
            } else if let swipe = fields["swipe"] {
                if let action = buildSwipe(swipe, currency: currency, network: network, swipes: &swipes) {
                    steps.append(Step(at: at, action: action, line: line))
                }
            } else if let void = fields["void"] {
                if let id = reader.string(void, "void") {
                    if let terminal = swipes[id] {
                        steps.append(Step(at: at, action: .void(id: id, terminal: terminal), line: line))
                    } else {
                        let hint = nearestWord(to: id, in: Array(swipes.keys)).map { "; did you mean '\($0)'?" } ?? ""
                        reader.error(void, "void names '\(id)', which no earlier step swipes\(hint)")
                    }
                }
            } else {
                reader.error(item, "a step needs one of: swipe, void")
            }
        }
        return steps
    }

    func buildSwipe(_ node: Node, currency: Currency, network: NetworkSpec, swipes: inout [String: String]) -> Step.Action? {
        guard let fields = reader.mapping(node, "a swipe", allowed: ["id", "terminal", "card", "amount", "keyed", "repeat"]) else { return nil }
        let id = fields["id"].flatMap { reader.string($0, "id") }
        if let id, let idNode = fields["id"], swipes[id] != nil {
            reader.error(idNode, "transaction id '\(id)' is used twice")
        } else if fields["id"] == nil {
            reader.error(node, "a swipe needs an 'id'")
        }
        if let repeatNode = fields["repeat"] {
            for key in ["terminal", "card", "amount", "keyed"] where fields[key] != nil {
                reader.error(repeatNode, "a repeat sends the earlier message as it was: leave out '\(key)'")
            }
            guard let original = reader.string(repeatNode, "repeat") else { return nil }
            guard let terminal = swipes[original] else {
                let hint = nearestWord(to: original, in: Array(swipes.keys)).map { "; did you mean '\($0)'?" } ?? ""
                reader.error(repeatNode, "repeat names '\(original)', which no earlier step swipes\(hint)")
                return nil
            }
            guard let id else { return nil }
            swipes[id] = terminal
            return .repeatSwipe(id: id, terminal: terminal, of: original)
        }
        let terminals = network.merchants.flatMap(\.terminals)
        let terminal = fields["terminal"].flatMap { node -> String? in
            guard let value = reader.string(node, "terminal") else { return nil }
            guard terminals.contains(value) else {
                let hint = nearestWord(to: value, in: terminals).map { "; did you mean '\($0)'?" } ?? ""
                reader.error(node, "no merchant has a terminal '\(value)'\(hint)")
                return nil
            }
            if network.isExternal(value) {
                reader.error(node, "terminal \(value) is external: its swipes come from the system under test, not from steps")
                return nil
            }
            return value
        } ?? (fields["terminal"] == nil ? terminals.first : nil)
        let card = fields["card"].flatMap { node -> String? in
            guard let value = reader.string(node, "card") else { return nil }
            guard network.cards.contains(where: { $0.pan == value }) else {
                reader.error(node, "no card '\(PAN.mask(value))' in the network's cards")
                return nil
            }
            return value
        } ?? (fields["card"] == nil ? network.cards.first?.pan : nil)
        let amount = fields["amount"].flatMap { money($0, "amount", currency) }
        if fields["amount"] == nil { reader.error(node, "a swipe needs an 'amount'") }
        let keyed = fields["keyed"].flatMap { money($0, "keyed", currency) }
        guard let id, let terminal, let card, let amount else { return nil }
        swipes[id] = terminal
        return .swipe(id: id, terminal: terminal, card: card, amount: amount, keyed: keyed)
    }
}
