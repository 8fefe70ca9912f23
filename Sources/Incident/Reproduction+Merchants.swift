import Foundation
import ISO8583
import PaymentNetwork
import Scenario
import SettlementCalendar
import RunCore

/// The merchants a reproduction implies: their contracts, accounts and aggregators.
extension Reproduction {
    /// Each merchant on the assumed terms, paid into the account its first payout credits
    /// (DE103), else a made-up one. A credit refused 14 is an account the bank does not have
    /// (or a closed one): written wrong; a later payout of the same merchant to another
    /// account, the number corrected.
    mutating func contracts(_ merchants: [(id: String, terminals: [String])]) -> [MerchantContract] {
        let payouts = evidence.transactions.filter { $0.terminal.hasPrefix("payout") }
        var wrongAccounts: Set<String> = []
        for payout in payouts {
            guard let request = payout.exchanges.first?.request.message, let sent = payout.requestedAt,
                  let merchant = request[DE.merchantID], let account = request[DE.creditAccount] else { continue }
            if payout.response == "14" { wrongAccounts.insert(account) }
            let earlier = evidence.transactions.last { other in
                other.terminal.hasPrefix("payout") && (other.requestedAt ?? .max) < sent
                    && other.exchanges.first?.request.message[DE.merchantID] == merchant
            }?.exchanges.first?.request.message[DE.creditAccount]
            if let earlier, earlier != account, wrongAccounts.contains(earlier), !accountChanges.contains(where: { $0.account == account }) {
                accountChanges.append((sent - 60_000_000, merchant, account))
            }
        }
        let payoutAccounts = Dictionary(payouts.compactMap { payout -> (String, String)? in
            guard let request = payout.exchanges.first?.request.message, let merchant = request[DE.merchantID], let account = request[DE.creditAccount] else { return nil }
            return (merchant, account)
        }, uniquingKeysWith: { first, _ in first })
        let aggregated = aggregators(payouts)
        let template = NetworkSpec.defaults().merchants[0]
        return merchants.enumerated().map { index, merchant in
            var contract = template
            contract.id = merchant.id
            contract.terminals = merchant.terminals
            contract.terms = assuming.termsByMerchant[merchant.id] ?? assuming.terms
            contract.payoutAt = assuming.payoutAt
            contract.feePartsPerMillion = assuming.feePartsPerMillion
            contract.feeChanges = assuming.feeChanges
            contract.feeCap = assuming.feeCap
            contract.feeRounding = assuming.feeRoundingByMerchant[merchant.id] ?? .up
            contract.accountBank = "MerchantBank"
            contract.accountNumber = payoutAccounts[merchant.id] ?? String(format: "62148300%08d", index + 1)
            if wrongAccounts.contains(contract.accountNumber) { spec.missingAccounts.insert(contract.accountNumber) }
            if let wait = waits[merchant.id] { contract.terminalTimeout = Self.duration(wait) }
            if let via = aggregated[merchant.id] {
                // Paid through an aggregator: the acquirer credits its account, it credits the merchant's.
                contract.accountNumber = via.own
                spec.via[merchant.id] = NetworkSpec.Via(aggregator: via.name, accountBank: "MerchantBank", accountNumber: via.account, pays: via.pays)
            }
            return contract
        }
    }

    /// Merchants paid through an aggregator (二清): a payout credit whose RRN comes again later
    /// from another sender to another account (DE103) is the aggregator paying it on; its terms
    /// are the business days between the two.
    func aggregators(_ payouts: [IncidentEvidence.Transaction]) -> [String: (name: String, account: String, own: String, pays: SettlementTerms)] {
        var found: [String: (name: String, account: String, own: String, pays: SettlementTerms)] = [:]
        var names: [String: String] = [:]   // aggregator account -> name
        let byRRN = Dictionary(grouping: payouts.filter { $0.response == "00" }) { $0.exchanges.first?.request.message[DE.rrn] ?? "" }
        for (_, credits) in byRRN.sorted(by: { $0.key < $1.key }) where credits.count >= 2 {
            let ordered = credits.sorted { ($0.requestedAt ?? 0) < ($1.requestedAt ?? 0) }
            guard let first = ordered.first?.exchanges.first?.request.message, let onward = ordered.last?.exchanges.first?.request.message,
                  let merchant = first[DE.merchantID], let account = first[DE.creditAccount], let own = onward[DE.creditAccount], account != own,
                  let paid = ordered.first?.requestedAt, let paidOn = ordered.last?.requestedAt, found[merchant] == nil else { continue }
            let from = zone.local(Instant(milliseconds: paid / 1000)).date, to = zone.local(Instant(milliseconds: paidOn / 1000)).date
            let days = IncidentEvidence.businessDays(after: from, until: to, calendar: assuming.calendar)
            let name = names[account] ?? "Aggregator\(names.count + 1)"
            names[account] = name
            found[merchant] = (name, account, own, SettlementTerms(basis: .businessDays, days: days))
        }
        return found
    }
}
