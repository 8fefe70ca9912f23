import Foundation
import ISO8583
import PaymentNetwork
import SettlementCalendar
import Yams

extension ScenarioBuilder {
    /// What the steps so far made of a transaction id, to check the steps that name it.
    struct KnownTransaction {
        enum Kind: String { case purchase, preauthorization = "pre-authorization", completion, cancellation, refund, dispute, `repeat`, inquiry = "balance inquiry" }
        var terminal: String?
        var kind: Kind
        var amount: Money?
        /// The card it was made with.
        var card: String?
        /// What the refunds written so far take back of it.
        var refunded: Money = .zero
    }

    static let stepKinds = ["swipe", "inquire", "void", "complete", "cancel", "refund", "dispute", "change_account", "power_off", "settle"]

    func buildSteps(_ node: Node, start: Instant, zone: Zone, calendar: BusinessCalendar?, currency: Currency, network: inout NetworkSpec) -> [Step] {
        guard let items = reader.sequence(node, "steps") else { return [] }
        var steps: [Step] = []
        var previous = start
        var known: [String: KnownTransaction] = [:]
        for item in items {
            guard let fields = reader.mapping(item, "a step", allowed: ["at"] + Self.stepKinds) else { continue }
            var at = previous
            if let node = fields["at"], let value = dateTime(node, "at", zone: zone, calendar: calendar) {
                if value < previous {
                    reader.error(node, "this step is at \(Values.show(value, zone)), before the step or start before it (\(Values.show(previous, zone))): steps must not go back in time")
                }
                at = max(value, previous)
            }
            previous = at
            let line = item.mark?.line ?? 1
            let kinds = Self.stepKinds.filter { fields[$0] != nil }
            guard kinds.count == 1, let kind = kinds.first, let body = fields[kind] else {
                reader.error(item, kinds.isEmpty ? "a step needs one of: \(Self.stepKinds.joined(separator: ", "))"
                                                 : "a step does one thing: \(kinds.joined(separator: " or ")), not both")
                continue
            }
            let action: Step.Action?
            var pin: String?, entry: String?, online = false
            switch kind {
            case "swipe": action = buildSwipe(body, currency: currency, network: network, known: &known, pin: &pin, entry: &entry)
            case "inquire": action = buildInquiry(body, network: network, known: &known, pin: &pin, entry: &entry)
            case "void": action = buildVoid(body, known: known)
            case "change_account": action = buildChangeAccount(body, network: &network)
            case "settle":
                action = buildTerminalOnly(body, "a settle", network: network).map { .settle(terminal: $0) }
            case "power_off":
                if let (terminal, until) = buildPowerOff(body, at: at, zone: zone, calendar: calendar, network: network) {
                    steps.append(Step(at: until, action: .power(terminal: terminal, on: true), line: line))
                    action = .power(terminal: terminal, on: false)
                } else {
                    action = nil
                }
            default: action = buildFollowUp(kind, body, currency: currency, network: network, known: &known, online: &online)
            }
            if let action {
                steps.append(Step(at: at, action: action, line: line, pin: pin, entry: entry, online: online))
                checkPayoutCovered(action, at: at, item: item, zone: zone, calendar: calendar, network: network)
            }
        }
        // A power_off's return (at its `until`) takes its place among the later steps, in time order.
        return steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// Names for a message: the first five, and how many more.
    static func listed(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.prefix(5).joined(separator: ", ") + (names.count > 5 ? " and \(names.count - 5) more" : "")
    }

    /// A swipe or a completion is paid out on a day its merchant's terms and the calendar give:
    /// a calendar that does not cover that day cannot schedule it, so the scenario is refused
    /// here, with the remedy, instead of failing in the middle of the run.
    private func checkPayoutCovered(_ action: Step.Action, at: Instant, item: Node, zone: Zone, calendar: BusinessCalendar?, network: NetworkSpec) {
        let terminal: String
        switch action {
        case .swipe(_, let swiped, _, _, _), .complete(_, let swiped, _, _): terminal = swiped
        default: return
        }
        guard let calendar, let merchant = network.merchants.first(where: { $0.terminals.contains(terminal) }) else { return }
        // A step itself outside the calendar is reported as that already.
        if let years = calendar.years, !years.contains(zone.local(at).date.year) { return }
        do {
            _ = try ArrivalSchedule.compute(swipedAt: zone.local(at), terms: merchant.terms, calendar: calendar,
                                            cutoff: network.scheme.cutoff, payoutAt: merchant.payoutAt)
        } catch {
            guard case .yearNotCovered(_, let year, let covered) = error else { return }
            let builtIn = BusinessCalendar.builtIn(calendar.name) != nil
            reader.error(item, "this payment is paid out under \(merchant.terms) in \(year), which calendar '\(calendar.name)' does not cover (\(covered.lowerBound) to \(covered.upperBound)); "
                + (builtIn ? "give a calendar file that extends it with \(year)'s holidays and working days (extends: \(calendar.name), years: \(year)) and name it in 'calendar:'"
                           : "add \(year) to the calendar file, with its holidays and working days"))
        }
    }

    /// `settle: { terminal }` (default: the first terminal).
    private func buildTerminalOnly(_ node: Node, _ what: String, network: NetworkSpec) -> String? {
        guard let fields = reader.mapping(node, what, allowed: ["terminal"]) else { return nil }
        return terminal(fields["terminal"], network: network, external: "its batch comes from the system under test, not from steps")
    }

    /// The terminal a step names (left out: the first), one of PayLab's own; nil (reported) otherwise.
    private func terminal(_ node: Node?, network: NetworkSpec, external why: String) -> String? {
        let terminals = network.merchants.flatMap(\.terminals)
        guard let node else { return terminals.first }
        guard let value = reader.string(node, "terminal") else { return nil }
        guard terminals.contains(value) else {
            reader.error(node, "no merchant has a terminal '\(value)'\(nearestWord(to: value, in: terminals).map { "; did you mean '\($0)'?" } ?? " (terminals: \(Self.listed(terminals)))")")
            return nil
        }
        if network.isExternal(value) {
            reader.error(node, "terminal \(value) is external: \(why)")
            return nil
        }
        return value
    }

    /// `power_off: { terminal, until }`: the terminal, and when it is back.
    private func buildPowerOff(_ node: Node, at: Instant, zone: Zone, calendar: BusinessCalendar?, network: NetworkSpec) -> (String, Instant)? {
        guard let fields = reader.mapping(node, "a power_off", allowed: ["terminal", "until"]) else { return nil }
        let terminal = terminal(fields["terminal"], network: network, external: "PayLab cannot switch a system under test off")
        guard let untilNode = fields["until"] else {
            reader.error(node, "a power_off needs 'until': when the terminal is back")
            return nil
        }
        guard let until = dateTime(untilNode, "until", zone: zone, calendar: calendar) else { return nil }
        guard until > at else {
            reader.error(untilNode, "until (\(Values.show(until, zone))) must be after the step's time (\(Values.show(at, zone)))")
            return nil
        }
        guard let terminal else { return nil }
        return (terminal, until)
    }

    private func buildChangeAccount(_ node: Node, network: inout NetworkSpec) -> Step.Action? {
        guard let fields = reader.mapping(node, "a change_account", allowed: ["merchant", "account"]) else { return nil }
        let merchant = fields["merchant"].flatMap { node -> String? in
            guard let id = reader.string(node, "merchant") else { return nil }
            guard network.merchants.contains(where: { $0.id == id }) else {
                reader.error(node, "no merchant '\(id)' in the network\(nearestWord(to: id, in: network.merchants.map(\.id)).map { "; did you mean '\($0)'?" } ?? "")")
                return nil
            }
            return id
        }
        if fields["merchant"] == nil { reader.needs(node, "merchant", "a change_account needs the 'merchant' whose account changes") }
        guard let accountNode = fields["account"] else {
            reader.error(node, "a change_account needs the new 'account': { bank, number }")
            return nil
        }
        guard let account = reader.mapping(accountNode, "the new account", allowed: ["bank", "number"]) else { return nil }
        let bank = account["bank"].flatMap { node -> String? in
            guard let name = reader.string(node, "bank") else { return nil }
            guard network.banks.contains(where: { $0.name == name }) else {
                reader.error(node, "no bank '\(name)' in the network")
                return nil
            }
            if network.isExternal(name) {
                reader.error(node, "bank \(name) is a system under test: PayLab cannot open the account there")
                return nil
            }
            return name
        }
        if account["bank"] == nil { reader.needs(accountNode, "bank", "the new account needs a 'bank'") }
        let number = account["number"].flatMap { reader.string($0, "account number") }
        if account["number"] == nil { reader.needs(accountNode, "number", "the new account needs a 'number'") }
        guard let merchant, let bank, let number else { return nil }
        if !network.laterAccounts.contains(where: { $0.number == number }) { network.laterAccounts.append(.init(bank: bank, number: number)) }
        return .changeAccount(merchant: merchant, bank: bank, number: number)
    }

    private func buildVoid(_ node: Node, known: [String: KnownTransaction]) -> Step.Action? {
        guard let id = reader.string(node, "void") else { return nil }
        guard let original = known[id], let terminal = original.terminal else {
            reader.error(node, "void names '\(id)', which no earlier step swipes\(hint(id, known))")
            return nil
        }
        return .void(id: id, terminal: terminal)
    }

    private func hint(_ id: String, _ known: [String: KnownTransaction]) -> String {
        nearestWord(to: id, in: Array(known.keys)).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// `complete`, `cancel`, `refund` and `dispute`: a transaction of its own on an earlier one.
    private func buildFollowUp(
        _ kind: String, _ node: Node, currency: Currency, network: NetworkSpec, known: inout [String: KnownTransaction], online: inout Bool
    ) -> Step.Action? {
        let allowed: [String]
        switch kind {
        case "complete": allowed = ["id", "of", "amount", "terminal", "online"]
        case "refund": allowed = ["id", "of", "amount", "terminal"]
        case "cancel": allowed = ["id", "of", "terminal"]
        default: allowed = ["id", "of", "reason"]
        }
        guard let fields = reader.mapping(node, "a \(kind)", allowed: allowed) else { return nil }
        online = fields["online"].flatMap { node in
            reader.value(node, "online", expected: "true (the 0200 a UnionPay POS sends) or false (the 0220 advice)") { $0 == "true" ? true : $0 == "false" ? false : nil }
        } ?? false
        let id = fields["id"].flatMap { reader.string($0, "id") }
        if let id, let idNode = fields["id"], known[id] != nil {
            reader.error(idNode, "transaction id '\(id)' is used twice")
        } else if fields["id"] == nil {
            reader.error(node, "a \(kind) needs an 'id'")
        }
        guard let ofNode = fields["of"] else {
            reader.error(node, "a \(kind) needs 'of': the id of the transaction it \(kind == "dispute" ? "disputes" : "\(kind)s")")
            return nil
        }
        guard let of = reader.string(ofNode, "of") else { return nil }
        guard let original = known[of] else {
            reader.error(ofNode, "\(kind) names '\(of)', which no earlier step swipes\(hint(of, known))")
            return nil
        }
        // What each kind may act on.
        let fits: Bool
        switch kind {
        case "complete", "cancel": fits = original.kind == .preauthorization
        default: fits = original.kind == .purchase || original.kind == .completion
        }
        if !fits {
            let needs = kind == "complete" || kind == "cancel" ? "a pre-authorization (a swipe with preauth: true)" : "a purchase or a completion"
            reader.error(ofNode, "\(kind) names '\(of)', which is a \(original.kind.rawValue), not \(needs)")
            return nil
        }
        var amount: Money?
        if allowed.contains("amount") {
            if let amountNode = fields["amount"] {
                amount = money(amountNode, "amount", currency)
                if let value = amount, value <= .zero { reader.error(amountNode, "the amount of a \(kind) must be more than zero") }
                if kind == "refund", let value = amount, let originalAmount = original.amount, original.refunded + value > originalAmount {
                    let exponent = currency.exponent
                    reader.error(amountNode, "the refunds of '\(of)' would add up to \((original.refunded + value).formatted(exponent: exponent)), more than its \(originalAmount.formatted(exponent: exponent))")
                }
            } else {
                reader.error(node, "a \(kind) needs an 'amount'")
            }
        }
        var terminal = original.terminal
        if let terminalNode = fields["terminal"] {
            // Another terminal of the same merchant may do it (a refund at another till).
            let merchant = network.merchants.first { $0.terminals.contains(original.terminal ?? "") }
            terminal = self.terminal(terminalNode, network: network, external: "its requests come from the system under test, not from steps")
            if let value = terminal, let merchant, !merchant.terminals.contains(value) {
                reader.error(terminalNode, "a \(kind) goes through a terminal of the merchant of '\(of)' (\(merchant.terminals.joined(separator: ", "))), not \(value)")
                terminal = nil
            }
        }
        guard let id else { return nil }
        switch kind {
        case "dispute":
            guard let reasonNode = fields["reason"] else {
                reader.error(node, "a dispute needs a 'reason' (the chargeback reason code, \"4837\")")
                return nil
            }
            guard let reason = reader.string(reasonNode, "reason") else { return nil }
            if let card = original.card, let bank = network.cards.first(where: { $0.pan == card })?.bank, network.isExternal(bank) {
                reader.error(node, "the card of '\(of)' is issued by \(bank), a system under test: a chargeback starts at the issuer, and PayLab cannot make a SUT dispute")
                return nil
            }
            guard (1...4).contains(reason.count), reason.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                reader.error(reasonNode, "a chargeback reason is 1 to 4 letters or digits (\"4837\"), not '\(reason)'")
                return nil
            }
            known[id] = KnownTransaction(terminal: nil, kind: .dispute, amount: nil)
            return .dispute(id: id, of: of, reason: reason)
        case "cancel":
            guard let terminal else { return nil }
            known[id] = KnownTransaction(terminal: terminal, kind: .cancellation, amount: nil)
            return .cancel(id: id, terminal: terminal, of: of)
        case "refund":
            guard let terminal, let amount else { return nil }
            known[of]?.refunded += amount
            known[id] = KnownTransaction(terminal: terminal, kind: .refund, amount: amount)
            return .refund(id: id, terminal: terminal, of: of, amount: amount)
        default:
            guard let terminal, let amount else { return nil }
            known[id] = KnownTransaction(terminal: terminal, kind: .completion, amount: amount, card: original.card)
            return .complete(id: id, terminal: terminal, of: of, amount: amount)
        }
    }

    /// `inquire`: a balance inquiry at a terminal, with the card's PIN.
    func buildInquiry(_ node: Node, network: NetworkSpec, known: inout [String: KnownTransaction], pin: inout String?, entry: inout String?) -> Step.Action? {
        guard let fields = reader.mapping(node, "a balance inquiry", allowed: ["id", "terminal", "card", "pin", "entry"]) else { return nil }
        pin = fields["pin"].flatMap { self.pin($0) }
        entry = fields["entry"].flatMap { entryMode($0) }
        let id = newID(fields, node, "a balance inquiry", known: known)
        let terminal = terminal(fields["terminal"], network: network, external: "its requests come from the system under test, not from steps")
        let card = card(fields["card"], network: network)
        guard let id, let terminal, let card else { return nil }
        checkEntry(entry, card: card, node: fields["entry"], network: network)
        known[id] = KnownTransaction(terminal: terminal, kind: .inquiry, amount: nil, card: card)
        return .inquire(id: id, terminal: terminal, card: card)
    }

    /// A step's new transaction id (an error when it is missing or used before).
    private func newID(_ fields: [String: Node], _ node: Node, _ what: String, known: [String: KnownTransaction]) -> String? {
        let id = fields["id"].flatMap { reader.string($0, "id") }
        if let id, let idNode = fields["id"], known[id] != nil {
            reader.error(idNode, "transaction id '\(id)' is used twice")
        } else if fields["id"] == nil {
            reader.error(node, "\(what) needs an 'id'")
        }
        return id
    }

    /// A step's `card`: one of the network's (the first when left out).
    private func card(_ node: Node?, network: NetworkSpec) -> String? {
        guard let node else { return network.cards.first?.pan }
        guard let value = reader.string(node, "card") else { return nil }
        guard network.cards.contains(where: { $0.pan == value }) else {
            let pans = network.cards.map(\.pan)
            reader.error(node, "no card '\(value)' among the network's cards\(nearestWord(to: value, in: pans).map { "; did you mean '\($0)'?" } ?? " (\(Self.listed(pans)))")")
            return nil
        }
        return value
    }

    /// How the card is read.
    private func entryMode(_ node: Node) -> String? {
        reader.value(node, "entry", expected: "chip, contactless, stripe or fallback") { ["chip", "contactless", "stripe", "fallback"].contains($0) ? $0 : nil }
    }

    /// A card with no chip can only be swiped.
    private func checkEntry(_ entry: String?, card: String, node: Node?, network: NetworkSpec) {
        guard let entry, entry != "stripe", network.cards.first(where: { $0.pan == card })?.chip == nil, let node else { return }
        reader.error(node, entry == "fallback" ? "card \(card) has no chip: a fallback is a chip card's stripe read after its chip failed; swipe it (entry: stripe)"
                                               : "card \(card) has no chip (give it chip: { imk, psn, atc }): it can only be swiped")
    }

    func buildSwipe(
        _ node: Node, currency: Currency, network: NetworkSpec, known: inout [String: KnownTransaction], pin: inout String?, entry: inout String?
    ) -> Step.Action? {
        guard let fields = reader.mapping(node, "a swipe", allowed: ["id", "terminal", "card", "amount", "keyed", "repeat", "preauth", "pin", "entry"]) else { return nil }
        pin = fields["pin"].flatMap { self.pin($0) }
        entry = fields["entry"].flatMap { entryMode($0) }
        let id = newID(fields, node, "a swipe", known: known)
        if let repeatNode = fields["repeat"] {
            for key in ["terminal", "card", "amount", "keyed", "preauth", "pin", "entry"] where fields[key] != nil {
                reader.error(repeatNode, "a repeat sends the earlier message as it was: leave out '\(key)'")
            }
            guard let original = reader.string(repeatNode, "repeat") else { return nil }
            guard let earlier = known[original], let terminal = earlier.terminal,
                  earlier.kind == .purchase || earlier.kind == .preauthorization else {
                reader.error(repeatNode, known[original] == nil ? "repeat names '\(original)', which no earlier step swipes\(hint(original, known))"
                                                               : "repeat names '\(original)', a \(known[original]!.kind.rawValue): only a swipe is sent again")
                return nil
            }
            guard let id else { return nil }
            // A repeat is the same message: it stands for the same purchase (it cannot be completed or refunded apart).
            known[id] = KnownTransaction(terminal: terminal, kind: .repeat, amount: nil)
            return .repeatSwipe(id: id, terminal: terminal, of: original)
        }
        let terminal = terminal(fields["terminal"], network: network, external: "its swipes come from the system under test, not from steps")
        let card = card(fields["card"], network: network)
        let amount = fields["amount"].flatMap { money($0, "amount", currency) }
        if fields["amount"] == nil { reader.needs(node, "amount", "a swipe needs an 'amount'") }
        let keyed = fields["keyed"].flatMap { money($0, "keyed", currency) }
        let preauth = fields["preauth"].flatMap { node -> Bool? in
            reader.value(node, "preauth", expected: "true or false") { $0 == "true" ? true : $0 == "false" ? false : nil }
        } ?? false
        if preauth, let keyedNode = fields["keyed"] { reader.error(keyedNode, "a pre-authorization has no 'keyed' amount: leave it out") }
        guard let id, let terminal, let card, let amount else { return nil }
        checkEntry(entry, card: card, node: fields["entry"], network: network)
        known[id] = KnownTransaction(terminal: terminal, kind: preauth ? .preauthorization : .purchase, amount: keyed ?? amount, card: card)
        if preauth { return .preauthorize(id: id, terminal: terminal, card: card, amount: amount) }
        return .swipe(id: id, terminal: terminal, card: card, amount: amount, keyed: keyed)
    }
}
