import Foundation
import ISO8583
import PaymentNetwork
import PaymentSecurity
import SettlementCalendar
import Yams

/// The expectations of a merchant (`net_payouts`, `stopped_at`) and of a member of the scheme (`net_settlements`).
extension ScenarioBuilder {
    /// `{ merchant, net_payouts, stopped_at }`.
    func merchantExpectations(
        _ node: Node, _ fields: [String: Node], _ item: Node, line: Int, calendar: BusinessCalendar?, currency: Currency, network: NetworkSpec
    ) -> [Expectation] {
        var result: [Expectation] = []
        guard let id = reader.string(node, "merchant") else { return [] }
        if !network.merchants.contains(where: { $0.id == id }) {
            reader.error(node, "no merchant '\(id)' in the network\(nearestWord(to: id, in: network.merchants.map(\.id)).map { "; did you mean '\($0)'?" } ?? "")")
        }
        for key in fields.keys where !["merchant", "net_payouts", "stopped_at"].contains(key) {
            reader.error(fields[key]!, "a merchant expectation has 'net_payouts' and 'stopped_at' only, not '\(key)'")
        }
        if fields["net_payouts"] == nil, fields["stopped_at"] == nil {
            reader.error(item, "a merchant expectation needs 'net_payouts': [{ date, amount }, ...] or 'stopped_at'")
        }
        if let node = fields["stopped_at"], let party = reader.value(node, "stopped_at", expected: "one of \(MoneyHolder.allCases.map(\.rawValue).joined(separator: ", "))", { MoneyHolder(rawValue: $0) }) {
            result.append(.stoppedAt(merchant: id, party: party, line: line))
        }
        if let payoutsNode = fields["net_payouts"], let payouts = datedAmounts(payoutsNode, "net_payouts", "a net payout", calendar: calendar, currency: currency) {
            result.append(.netPayouts(merchant: id, payouts: payouts, line: line))
        }
        return result
    }

    /// `{ member, net_settlements }`.
    func memberExpectation(
        _ node: Node, _ fields: [String: Node], _ item: Node, line: Int, calendar: BusinessCalendar?, currency: Currency, network: NetworkSpec
    ) -> Expectation? {
        guard let member = reader.string(node, "member") else { return nil }
        let members = [network.scheme.name, network.acquirer.name] + network.banks.filter { !$0.bins.isEmpty }.map(\.name)
        if !members.contains(member) {
            reader.error(node, "no member '\(member)' settles with the scheme (members: \(members.joined(separator: ", ")))")
        }
        for key in fields.keys where !["member", "net_settlements"].contains(key) {
            reader.error(fields[key]!, "a member expectation has 'net_settlements' only, not '\(key)'")
        }
        guard let node = fields["net_settlements"] else {
            reader.error(item, "a member expectation needs 'net_settlements': [{ date, amount }, ...]")
            return nil
        }
        guard let settlements = datedAmounts(node, "net_settlements", "a net settlement", calendar: calendar, currency: currency) else { return nil }
        return .netSettlements(member: member, settlements: settlements, line: line)
    }

    /// `[{ date, amount }, ...]`: a merchant's net payouts or a member's net settlements.
    func datedAmounts(_ node: Node, _ key: String, _ what: String, calendar: BusinessCalendar?, currency: Currency) -> [NetPayout]? {
        guard let items = reader.sequence(node, key) else { return nil }
        return items.compactMap { entry -> NetPayout? in
            guard let pair = reader.mapping(entry, what, allowed: ["date", "amount"]) else { return nil }
            guard let dateNode = pair["date"], let amountNode = pair["amount"] else {
                reader.error(entry, "\(what) needs a 'date' and an 'amount'")
                return nil
            }
            guard let date = date(dateNode, "date", calendar: calendar), let amount = money(amountNode, "amount", currency) else { return nil }
            return NetPayout(date: date, amount: amount)
        }
    }
}
