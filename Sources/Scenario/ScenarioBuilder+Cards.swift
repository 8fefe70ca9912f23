import Foundation
import ISO8583
import PaymentNetwork
import PaymentSecurity
import Yams

/// `network.cards` and `network.accounts`: balances, statuses, PINs and chips.
extension ScenarioBuilder {
    func status(_ node: Node?) -> AccountStatus? {
        guard let node else { return .active }
        return reader.value(node, "status", expected: "one of \(AccountStatus.allCases.map(\.rawValue).joined(separator: ", "))") { AccountStatus(rawValue: $0) }
    }

    func buildCard(_ node: Node, currency: Currency, banks: [NetworkSpec.Bank]) -> NetworkSpec.Card? {
        guard let fields = reader.mapping(node, "a card", allowed: ["pan", "bank", "balance", "expiry", "status", "daily_limit", "pin", "pin_tries", "chip", "type", "credit_limit"]) else { return nil }
        let pan = fields["pan"].flatMap { reader.value($0, "pan", expected: "12 to 19 digits") { (12...19).contains($0.count) && $0.allSatisfy(\.isNumber) ? $0 : nil } }
        if fields["pan"] == nil { reader.needs(node, "pan", "a card needs a 'pan'") }
        let bank = checkBank(fields["bank"], banks)
        if fields["bank"] == nil { reader.needs(node, "bank", "a card needs a 'bank'") }
        let balance = fields["balance"].map { money($0, "balance", currency) } ?? .zero
        let expiry = fields["expiry"].map { reader.value($0, "expiry", expected: "YYMM") { $0.count == 4 && $0.allSatisfy(\.isNumber) && (1...12).contains(Int($0.suffix(2)) ?? 0) ? $0 : nil } } ?? CardRules.defaultExpiry
        let dailyLimit = fields["daily_limit"].flatMap { money($0, "daily_limit", currency) }
        let pin = fields["pin"].flatMap { self.pin($0) }
        let tries = fields["pin_tries"].flatMap { reader.value($0, "pin_tries", expected: "a number of wrong PINs from 1 to 99") { Int($0).flatMap { (1...99).contains($0) ? $0 : nil } } }
        if let node = fields["pin_tries"], fields["pin"] == nil { reader.error(node, "pin_tries counts wrong PINs: give the card a 'pin'") }
        guard let pan, let bank, let balance, let expiry, let status = status(fields["status"]) else { return nil }
        var card = NetworkSpec.Card(pan: pan, bank: bank, balance: balance, expiry: expiry, status: status, dailyLimit: dailyLimit)
        card.pin = pin
        card.pinTries = tries ?? card.pinTries
        card.chip = fields["chip"].flatMap { chip($0) }
        card.type = fields["type"].flatMap { reader.value($0, "type", expected: "debit or credit") { NetworkSpec.Card.CardType(rawValue: $0) } } ?? .debit
        card.creditLimit = fields["credit_limit"].flatMap { money($0, "credit_limit", currency) }
        if card.type == .credit, card.creditLimit == nil { reader.needs(node, "credit_limit", "a credit card needs a 'credit_limit' (what it may owe)") }
        if card.type == .debit, let node = fields["credit_limit"] { reader.error(node, "a debit card spends its balance and has no credit_limit: leave it out, or give type: credit") }
        if card.type == .credit, let limit = card.creditLimit, balance > limit, let node = fields["balance"] {
            reader.error(node, "a credit card's balance is what it owes: \(balance.formatted(exponent: currency.exponent)) is over its credit_limit \(limit.formatted(exponent: currency.exponent))")
        }
        return card
    }

    /// A card's `chip`: `{ imk, psn, atc }`.
    func chip(_ node: Node) -> NetworkSpec.Card.Chip? {
        guard let fields = reader.mapping(node, "a chip", allowed: ["imk", "psn", "atc"]) else { return nil }
        guard let imkNode = fields["imk"] else {
            reader.needs(node, "imk", "a chip needs its issuer master key: imk")
            return nil
        }
        guard let imk = key(imkNode, "imk") else { return nil }
        var chip = NetworkSpec.Card.Chip(imk: imk)
        if let value = fields["psn"].flatMap({ reader.value($0, "psn", expected: "two digits (\"01\")") { $0.count == 2 && $0.allSatisfy(\.isNumber) ? $0 : nil } }) { chip.psn = value }
        if let value = fields["atc"].flatMap({ reader.value($0, "atc", expected: "a counter from 0 to 65535") { Int($0).flatMap { (0...65535).contains($0) ? $0 : nil } } }) { chip.atc = value }
        return chip
    }

    /// A PIN: 4 to 12 digits.
    func pin(_ node: Node) -> String? {
        reader.value(node, "pin", expected: "4 to 12 digits, quoted (\"123456\")") { text in
            (4...12).contains(text.count) && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber) ? text : nil
        }
    }

    func buildAccount(_ node: Node, currency: Currency, banks: [NetworkSpec.Bank]) -> NetworkSpec.Account? {
        guard let fields = reader.mapping(node, "an account", allowed: ["bank", "number", "balance", "status"]) else { return nil }
        let bank = checkBank(fields["bank"], banks)
        let number = fields["number"].flatMap { reader.string($0, "account number") }
        if fields["number"] == nil { reader.needs(node, "number", "an account needs a 'number'") }
        let balance = fields["balance"].map { money($0, "balance", currency) } ?? .zero
        guard let bank, let number, let balance, let status = status(fields["status"]) else { return nil }
        return NetworkSpec.Account(bank: bank, number: number, balance: balance, status: status)
    }
}
