import Foundation
import ISO8583
import PaymentNetwork
public import SettlementCalendar
import RunCore

extension IncidentEvidence {
    /// A scenario that reproduces what the evidence shows: the network it implies (terminals
    /// and merchants from DE41 and DE42, cards and their BINs from DE2, the acquirer's id from
    /// DE32), each purchase at its recorded time and amount, the cards' state that explains
    /// each decline, a dropped answer where the evidence has none on a hop, and expectations
    /// that pin each recorded answer. Hops are named by their order in a purchase: terminal to
    /// acquirer, acquirer to scheme, scheme to issuer.
    public func scenario(
        name: String, zone: Zone, calendar: String = "cn", terms: String = "T+1", payoutAt: String = "09:00", fee: String = "0.6%", feeCap: String? = nil,
        termsByMerchant: [String: String] = [:]
    ) -> String {
        // Swipes (purchases and pre-authorizations); then what acts on them as a transaction of
        // its own (completions, cancellations, refunds: from the terminal; chargebacks: from the issuer).
        let purchases = transactions.filter { item in
            guard let request = item.exchanges.first?.request.message, !item.terminal.hasPrefix("payout"), item.requestedAt != nil else { return false }
            return request.isPurchase || request.isPreauthorization
        }
        let followUps = transactions.filter { item in
            guard let request = item.exchanges.first?.request.message, item.requestedAt != nil else { return false }
            return request.isCompletion || request.isCancellation || request.isRefund || request.isChargeback
        }
        func local(_ micros: Int64) -> String {
            let time = zone.local(Instant(milliseconds: micros / 1000))
            return "\(time.date) \(String(format: "%02d:%02d:%02d", time.time.hour, time.time.minute, time.time.second))"
        }
        // Merchants and their terminals; cards and what happened to each.
        var merchants: [(id: String, terminals: [String], wait: Int64?)] = []
        var acquirerID = "48020000"
        struct Card { var pan: String; var expiry: String; var approved: Int64 = 0; var codes: [String] = []; var restricted: [Int64] = []; var standInDeclined = false; var reported: String? }
        var cards: [String: Card] = [:]
        var cardOrder: [String] = []
        for item in purchases {
            let request = item.exchanges[0].request.message
            let merchant = request[DE.merchantID] ?? "898440354110001"
            if let index = merchants.firstIndex(where: { $0.id == merchant }) {
                if !merchants[index].terminals.contains(item.terminal) { merchants[index].terminals.append(item.terminal) }
                if merchants[index].wait == nil { merchants[index].wait = item.terminalWait }
            } else {
                merchants.append((merchant, [item.terminal], item.terminalWait))
            }
            if let id = item.exchanges.lazy.compactMap({ $0.request.message[DE.acquirerID] }).first { acquirerID = id }
            let pan = request[DE.pan] ?? "6222020000000001"
            if cards[pan] == nil { cardOrder.append(pan); cards[pan] = Card(pan: pan, expiry: request[DE.expiry] ?? CardRules.defaultExpiry) }
            if item.response == "00" { cards[pan]!.approved += request.amount?.minorUnits ?? 0 }
            if let code = item.response { cards[pan]!.codes.append(code) }
            // A 62 from the issuer: frozen then (a window); from the scheme standing in: on its list for good.
            let issuerDeclined = item.exchanges.contains { $0.request.flow != item.terminalSends.first?.request.flow && $0.answer?.message[DE.responseCode] == "62" && Self.hop(of: $0, in: item) == 2 }
            // A 41 or a 43 (from the issuer or stand-in): the card was reported lost or stolen.
            if item.response == "41" { cards[pan]!.reported = "lost" }
            if item.response == "43" { cards[pan]!.reported = "stolen" }
            if item.response == "62", let at = item.requestedAt {
                if issuerDeclined { cards[pan]!.restricted.append(at) } else { cards[pan]!.standInDeclined = true }
            }
        }
        // Terminals that only completed, cancelled or refunded (another till of the merchant).
        for item in followUps {
            guard let request = item.exchanges.first?.request.message, !request.isChargeback, let merchant = request[DE.merchantID],
                  let index = merchants.firstIndex(where: { $0.id == merchant }), !merchants[index].terminals.contains(item.terminal) else { continue }
            merchants[index].terminals.append(item.terminal)
        }
        // The scheme approved in the issuer's place when it later told the issuer with advices (0220).
        let stoodIn = purchases.filter { item in item.response == "00" && item.exchanges.contains { $0.request.message.mti.original == .financialAdvice } }
        let standInLimit = stoodIn.compactMap { $0.exchanges.first?.request.message.amount?.minorUnits }.max()
        // A purchase the scheme's clearing file (0520) named although its terminal was not told
        // yes: a one-sided entry. A refund of it that no terminal sent is the acquirer's
        // reconciliation (unmatched: refund); a payout of it, unmatched: pay. The reversals the
        // acquirer sent and nobody answered tell how often it tries (reversal_attempts).
        var unmatched: String?
        var reversalAttempts: Int?
        var reconciliationRefunds: Set<String> = []   // terminal/STAN of refunds the acquirer sent
        var lostReversals: [(from: Int64, to: Int64, count: Int)] = []
        for record in transactions where record.mti == MTI.clearingRecord.rawValue {
            guard let message = record.exchanges.first?.request.message, let sent = message.originalTransmission else { continue }
            guard let purchase = purchases.first(where: { $0.terminal == record.terminal && $0.transmission == sent }), purchase.response != "00" else { continue }
            let refund = followUps.first { item in
                guard let request = item.exchanges.first?.request.message, request.isRefund else { return false }
                return item.terminal == record.terminal && request.originalTransmission == sent
            }
            if let refund {
                unmatched = "refund"
                reconciliationRefunds.insert("\(refund.terminal)/\(refund.transmission)")
            } else {
                unmatched = unmatched ?? "pay"
            }
            let reversals = purchase.exchanges.filter { $0.request.message.isReversal && Self.hop(of: $0, in: purchase) == 1 }
            if !reversals.isEmpty, reversals.allSatisfy({ $0.answer == nil }), let first = reversals.first?.request.time, let last = reversals.last?.request.time {
                reversalAttempts = max(reversalAttempts ?? 0, reversals.count)
                lostReversals.append((first - 1_000_000, last + 1_000_000, reversals.count))
            }
        }
        // A completion refused 12 whose pre-authorization nothing completed or cancelled before:
        // the pre-authorization had expired, so the scheme keeps holds fewer days than that.
        var preauthDays: Int?
        for item in followUps where item.response == "12" {
            guard let request = item.exchanges.first?.request.message, request.isCompletion, let at = item.requestedAt,
                  let sent = request.originalTransmission else { continue }
            guard let preauth = purchases.first(where: { $0.terminal == item.terminal && $0.transmission == sent }), let held = preauth.requestedAt else { continue }
            let ended = followUps.contains { other in
                guard let message = other.exchanges.first?.request.message, message.isCompletion || message.isCancellation, other.response == "00",
                      (other.requestedAt ?? .max) < at else { return false }
                return other.terminal == item.terminal && message.originalTransmission == sent
            }
            if !ended { preauthDays = min(preauthDays ?? .max, max(1, Int((at - held) / 86_400_000_000))) }
        }
        // 15: no bank issues the BIN.
        let routed = cardOrder.filter { !(cards[$0]!.codes.contains("15")) }
        let bins = Array(Set(routed.map { String($0.prefix(6)) })).sorted()
        var yaml = """
            # Written by paylab incident import from the evidence: what the messages show, to run and
            # then change to ask "what if".
            name: "\(name)"
            description: >
              Reproduces \(purchases.count) purchase\(purchases.count == 1 ? "" : "s") from the evidence, with the answers recorded.
            tags: [incident]
            timezone: \(zone.identifier)
            calendar: \(calendar)
            start: "\(local((purchases.first?.requestedAt ?? 0) - 60_000_000))"
            network:
              scheme: { name: Scheme\(standInLimit.map { ", stand_in: { limit: \(Money(minorUnits: $0).formatted(exponent: 2)) }" } ?? "")\(preauthDays.map { ", preauth_days: \($0)" } ?? "") }
              acquirer: { name: Acquirer, id: "\(acquirerID)"\(reversalAttempts.map { ", reversal_attempts: \($0)" } ?? "")\(unmatched.map { ", unmatched: \($0)" } ?? "") }
              banks:
                - { name: Issuer, bins: [\(bins.map { "\"\($0)\"" }.joined(separator: ", "))] }
                - { name: MerchantBank }
              merchants:

            """
        // A credit refused 14 is an account the bank does not have (or a closed one): written
        // wrong; a later payout of the same merchant to another account, the number corrected.
        var wrongAccounts: Set<String> = []
        var accountChanges: [(at: Int64, merchant: String, account: String)] = []
        for payout in transactions where payout.terminal.hasPrefix("payout") {
            guard let request = payout.exchanges.first?.request.message, let sent = payout.requestedAt,
                  let merchant = request[DE.merchantID], let account = request[DE.creditAccount] else { continue }
            if payout.response == "14" { wrongAccounts.insert(account) }
            let earlier = transactions.last { other in
                other.terminal.hasPrefix("payout") && (other.requestedAt ?? .max) < sent
                    && other.exchanges.first?.request.message[DE.merchantID] == merchant
            }?.exchanges.first?.request.message[DE.creditAccount]
            if let earlier, earlier != account, wrongAccounts.contains(earlier), !accountChanges.contains(where: { $0.account == account }) {
                accountChanges.append((sent - 60_000_000, merchant, account))
            }
        }
        // Each merchant's account: the one its first payout credits (DE103), else a made-up one.
        let payoutAccounts = Dictionary(transactions.filter { $0.terminal.hasPrefix("payout") }.compactMap { payout -> (String, String)? in
            guard let request = payout.exchanges.first?.request.message, let merchant = request[DE.merchantID], let account = request[DE.creditAccount] else { return nil }
            return (merchant, account)
        }, uniquingKeysWith: { first, _ in first })
        for (index, merchant) in merchants.enumerated() {
            let account = payoutAccounts[merchant.id] ?? String(format: "62148300%08d", index + 1)
            yaml += """
                    - id: "\(merchant.id)"
                      terminals: [\(merchant.terminals.map { "\"\($0)\"" }.joined(separator: ", "))]
                      settlement: \(termsByMerchant[merchant.id] ?? terms)
                      payout_at: "\(payoutAt)"
                      fee: \(fee)\(feeCap.map { "\n      fee_cap: \($0)" } ?? "")
                      account: { bank: MerchantBank, number: "\(account)"\(wrongAccounts.contains(account) ? ", status: wrong" : "") }\(merchant.wait.map { "\n      terminal_timeout: \(Self.duration($0))" } ?? "")

                """
        }
        yaml += "  cards:\n"
        for pan in cardOrder {
            let card = cards[pan]!
            var status = card.standInDeclined ? "frozen" : "active"
            if card.codes.contains("54") { status = "expired" }
            if let reported = card.reported { status = reported }
            // Short of funds explains a 51: the card holds what was approved, and no more.
            let balance = card.codes.contains("51") ? card.approved : card.approved + 10_000_000
            let limit = card.codes.contains("61") ? ", daily_limit: \(Money(minorUnits: max(card.approved, 1)).formatted(exponent: 2))" : ""
            yaml += "    - { pan: \"\(pan)\", bank: Issuer, balance: \(Money(minorUnits: balance).formatted(exponent: 2)), expiry: \"\(card.expiry)\", status: \(status)\(limit) }\n"
        }
        // A hop whose answer the evidence does not have: dropped there. When the request went no
        // further, it was the request that was lost; when it went on, the answer.
        let hops = [("T", "Acquirer"), ("Acquirer", "Scheme"), ("Scheme", "Issuer")]
        var faults: [String] = []
        // A card the issuer declined as restricted (62): frozen from the first such decline
        // until just after the last, so an approval after it goes through as it did.
        for pan in cardOrder {
            if let first = cards[pan]!.restricted.min(), let last = cards[pan]!.restricted.max() {
                faults.append("  - { freeze: \"\(pan)\", from: \"\(local(first))\", to: \"\(local(last + 1_000_000))\" }")
            }
        }
        var repeats: [Int: [Exchange]] = [:]
        var powerLosses: [(at: Int64, terminal: String, until: Int64)] = []
        var maintenance: [(from: Int64, to: Int64)] = []
        for (index, item) in purchases.enumerated() {
            let sends = item.exchanges.filter { $0.request.message.startsTransaction }
                .sorted { ($0.request.time ?? 0) < ($1.request.time ?? 0) }
            // The terminal's own sends are those on the first connection; more than one is a repeat.
            let terminalSends = item.terminalSends
            if terminalSends.count > 1 { repeats[index] = Array(terminalSends.dropFirst()) }
            var crossed: [Exchange] = []
            var flows: [String?] = []
            for exchange in sends where !flows.contains(exchange.request.flow) {
                flows.append(exchange.request.flow)
                crossed.append(exchange)
            }
            // A hop that held its frames: the next hop's request left that much later (the
            // issuer's answer came back twice that late). Latency on the link, over the
            // messages of this purchase that crossed it.
            // Whether the acquirer's request came from a repeat: the terminal's first send never
            // went further (its reversal found nothing, or the next hop began after the repeat).
            let firstRepeat = terminalSends.dropFirst().first?.request.time
            let forwardedByRepeat = crossed.count > 1 && firstRepeat.map { (crossed[1].request.time ?? 0) >= $0 } == true
            var slowed = false
            for (hop, exchange) in crossed.enumerated() where hop < hops.count && !(hop == 0 && forwardedByRepeat) {
                guard let sent = exchange.request.time else { continue }
                var held: Int64
                if hop + 1 < crossed.count, let forwarded = crossed[hop + 1].request.time {
                    held = forwarded - sent
                } else if hop == 2, let answered = exchange.answer?.time {
                    held = (answered - sent) / 2
                } else {
                    continue
                }
                // To a tenth of a second: what the nodes themselves took is noise here.
                held = (held + 50_000) / 100_000 * 100_000
                guard held >= 500_000 else { continue }
                slowed = true
                let last = item.exchanges.filter { $0.request.flow == exchange.request.flow }.compactMap(\.request.time).max() ?? sent
                let client = hop == 0 ? item.terminal : hops[hop].0
                faults.append("  - { network: \(client) -> \(hops[hop].1), latency: \(Self.duration(held)), from: \"\(local(sent))\", to: \"\(local(last + 1_000_000))\" }")
            }
            // The terminal's answer the evidence has but the terminal never took (it reversed): when
            // it signed on again between that answer and its reversal, it had lost power.
            if let terminal = crossed.first, let answered = terminal.answer?.time, item.response == nil, let sent = terminal.request.time,
               let reversal = item.exchanges.first(where: { $0.request.message.isReversal && $0.request.flow == terminal.request.flow })?.request.time,
               let back = messages.first(where: { message in
                   message.message.mti == .networkManagementRequest && message.message[DE.terminalID] == item.terminal && message.message[70] == "001"
                       && (message.time ?? 0) > answered && (message.time ?? .max) <= reversal
               })?.time {
                powerLosses.append((at: sent + (answered - sent) / 2, terminal: item.terminal, until: back))
            } else if !slowed, let terminal = crossed.first, terminal.answer != nil, item.response == nil, let sent = terminal.request.time {
                faults.append("  - { network: \(item.terminal) -> Acquirer, drop: response, count: 1, from: \"\(local(sent))\", to: \"\(local(sent + 120_000_000))\" }")
            }
            for (hop, exchange) in crossed.enumerated() where hop < hops.count && exchange.answer == nil {
                let client = hop == 0 ? item.terminal : hops[hop].0
                var lost = hop + 1 < crossed.count && !(hop == 0 && forwardedByRepeat) ? "response" : "request"
                // The issuer is the last hop: whether it had the request shows in how it answered the
                // scheme's reversal (00: it had it, so its answer was lost; 25: it never saw it).
                // (A maintenance window shows as the bank's sign-off and sign-on, not as silence.)
                if hop == 2, let reversal = item.exchanges.first(where: { $0.request.message.isReversal && $0.request.flow == exchange.request.flow }),
                   reversal.answer?.message[DE.responseCode] == "00" {
                    lost = "response"
                }
                // The one message lost, whenever within the terminal's wait it crossed.
                faults.append("  - { network: \(client) -> \(hops[hop].1), drop: \(lost), count: 1, from: \"\(local(exchange.request.time!))\", to: \"\(local(exchange.request.time! + 120_000_000))\" }")
            }
            // Every hop answered, but the terminal's answer is not the issuer's: an answer lost past the last hop.
            if !slowed, crossed.count == hops.count, crossed.allSatisfy({ $0.answer != nil }),
               crossed.last?.answer?.message[DE.responseCode] == "00", item.response == "98", let sent = crossed.last?.request.time {
                faults.append("  - { network: Scheme -> Issuer, drop: response, count: 1, from: \"\(local(sent))\", to: \"\(local(sent + 1_000_000))\" }")
            }
        }
        // Payouts show the merchant's bank: a credit refused as restricted (62) is a frozen
        // account then; a credit answered only long after it was sent, a bank in maintenance.
        var frozenAccounts: [String: (from: Int64, to: Int64)] = [:]
        var accountOrder: [String] = []
        var bankDown: [(from: Int64, to: Int64)] = []
        for payout in transactions where payout.terminal.hasPrefix("payout") {
            guard let first = payout.exchanges.first, let sent = first.request.time else { continue }
            let account = first.request.message[DE.creditAccount] ?? ""
            if payout.response == "62", !account.isEmpty {
                if frozenAccounts[account] == nil { accountOrder.append(account) }
                let window = frozenAccounts[account] ?? (sent, sent)
                frozenAccounts[account] = (min(window.from, sent), max(window.to, sent))
            }
            if let answered = payout.exchanges.compactMap(\.answer?.time).min(), answered - sent > 60_000_000 {
                bankDown.append((sent, answered))
            }
        }
        faults += accountOrder.map { account in
            let window = frozenAccounts[account]!
            return "  - { freeze: \"\(account)\", from: \"\(local(window.from))\", to: \"\(local(window.to + 1_000_000))\" }"
        }
        faults += Self.merged(bankDown).map { "  - { maintenance: MerchantBank, from: \"\(local($0.from))\", to: \"\(local($0.to))\" }" }
        // A bank's sign-off (0800, DE70 002; a bank's has no DE41) and its next sign-on: maintenance.
        var signedOff: Int64?
        for message in messages where message.message.mti == .networkManagementRequest && message.message[DE.terminalID] == nil {
            guard let at = message.time else { continue }
            if message.message[70] == "002" { signedOff = signedOff ?? at }
            if message.message[70] == "001", let from = signedOff {
                maintenance.append((from, at))
                signedOff = nil
            }
        }
        // The issuer's silences and sign-offs, overlapping ones as one window.
        faults += Self.merged(maintenance).map { "  - { maintenance: Issuer, from: \"\(local($0.from))\", to: \"\(local($0.to))\" }" }
        var steps: [(at: Int64, text: String)] = []
        var expectations: [String] = []
        for (index, item) in purchases.enumerated() {
            let request = item.exchanges[0].request.message
            steps.append((item.requestedAt!, "  - { at: \"\(local(item.requestedAt!))\", swipe: { id: t\(index + 1), terminal: \"\(item.terminal)\", card: \"\(request[DE.pan] ?? "6222020000000001")\", amount: \(item.amount ?? "1.00")\(request.isPreauthorization ? ", preauth: true" : "") } }"))
            expectations.append("  - { transaction: t\(index + 1), response: \"\(item.response ?? "none")\" }")
            // The terminal voided it: on its own connection, at the time it did.
            if let void = item.exchanges.first(where: { $0.request.message.isVoid && $0.request.flow == item.terminalSends.first?.request.flow }), let at = void.request.time {
                steps.append((at, "  - { at: \"\(local(at))\", void: t\(index + 1) }"))
                // The terminal reversed its void: the void's answer never reached it.
                let voidStan = void.request.message[DE.stan]
                let reversed = transactions.flatMap(\.exchanges).contains { exchange in
                    exchange.request.message.isReversal && exchange.request.flow == void.request.flow
                        && exchange.request.message[DE.originalData].map { Array($0).count >= 10 && String(Array($0)[4..<10]) == voidStan } == true
                }
                if reversed {
                    faults.append("  - { network: \(item.terminal) -> Acquirer, drop: response, count: 1, from: \"\(local(at))\", to: \"\(local(at + 1_000_000))\" }")
                }
            }
            for (number, again) in (repeats[index] ?? []).enumerated() {
                let id = "t\(index + 1)-repeat\(number + 1)"
                steps.append((again.request.time ?? item.requestedAt!, "  - { at: \"\(local(again.request.time ?? item.requestedAt!))\", swipe: { id: \(id), repeat: t\(index + 1) } }"))
                // An answer later than the terminal waits never reached the cashier.
                let wait = merchants.lazy.filter { $0.terminals.contains(item.terminal) }.compactMap(\.wait).first ?? 60_000_000
                let inTime = again.answer.flatMap { answer in again.request.time.flatMap { sent in answer.time.map { $0 - sent <= wait } } } ?? false
                expectations.append("  - { transaction: \(id), response: \"\(inTime ? again.answer?.message[DE.responseCode] ?? "none" : "none")\" }")
            }
        }
        // Completions, cancellations, refunds and chargebacks, each of the swipe its DE90 names.
        var ids: [String: String] = [:]   // terminal/DE7 -> id
        for (index, item) in purchases.enumerated() { ids["\(item.terminal)/\(item.transmission)"] = "t\(index + 1)" }
        for lost in lostReversals {
            faults.append("  - { network: Acquirer -> Scheme, drop: request, count: \(lost.count), from: \"\(local(lost.from))\", to: \"\(local(lost.to))\" }")
        }
        for (index, item) in followUps.enumerated() where !reconciliationRefunds.contains("\(item.terminal)/\(item.transmission)") {
            let request = item.exchanges[0].request.message
            guard let sent = request.originalTransmission, let at = item.requestedAt else { continue }
            let originalKey = "\(request[DE.terminalID] ?? "-")/\(sent)"
            // Made at another terminal of the merchant: the purchase whose RRN (DE37) it carries.
            let byRRN = request[DE.rrn].flatMap { rrn in
                purchases.first { purchase in purchase.exchanges.contains { $0.answer?.message[DE.rrn] == rrn } }.map { "\($0.terminal)/\($0.transmission)" }
            }
            guard let original = ids[originalKey] ?? byRRN.flatMap({ ids[$0] }) else { continue }
            let other = ids[originalKey] == nil ? ", terminal: \"\(item.terminal)\"" : ""
            let id = (request.isChargeback ? "cb" : "t") + "\(purchases.count + index + 1)"
            ids["\(item.terminal)/\(item.transmission)"] = id
            let amount = item.amount ?? "1.00"
            let step: String
            if request.isChargeback {
                step = "dispute: { id: \(id), of: \(original), reason: \"\(request[DE.reasonCode] ?? "4837")\" }"
            } else if request.isCompletion {
                step = "complete: { id: \(id), of: \(original), amount: \(amount)\(other) }"
            } else if request.isRefund {
                step = "refund: { id: \(id), of: \(original), amount: \(amount)\(other) }"
            } else {
                step = "cancel: { id: \(id), of: \(original)\(other) }"
            }
            steps.append((at, "  - { at: \"\(local(at))\", \(step) }"))
            expectations.append("  - { transaction: \(id), response: \"\(item.response ?? "none")\" }")
        }
        // A terminal's batch settlement (0500); the 0500 after an upload belongs to the one answered 95.
        let settlements = transactions.filter { $0.mti == MTI.batchSettlement.rawValue && $0.requestedAt != nil }.sorted { $0.requestedAt! < $1.requestedAt! }
        for (index, item) in settlements.enumerated() {
            let previous = settlements[..<index].last { $0.terminal == item.terminal }
            if previous?.response == ResponseCode.batchTotalsDisagree.rawValue { continue }
            steps.append((item.requestedAt!, "  - { at: \"\(local(item.requestedAt!))\", settle: { terminal: \"\(item.terminal)\" } }"))
        }
        for loss in powerLosses {
            steps.append((loss.at, "  - { at: \"\(local(loss.at))\", power_off: { terminal: \"\(loss.terminal)\", until: \"\(local(loss.until))\" } }"))
        }
        for change in accountChanges {
            steps.append((change.at, "  - { at: \"\(local(change.at))\", change_account: { merchant: \"\(change.merchant)\", account: { bank: MerchantBank, number: \"\(change.account)\" } } }"))
        }
        // Steps in time order (a repeat may come after another terminal's swipe).
        if !faults.isEmpty { yaml += "faults:\n" + faults.joined(separator: "\n") + "\n" }
        yaml += "steps:\n"
        yaml += steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element.text).joined(separator: "\n") + "\n"
        yaml += "expect:\n" + expectations.joined(separator: "\n") + "\n"
        return yaml
    }
}

extension IncidentEvidence {
    /// Which hop of a purchase an exchange crossed: 0 terminal to acquirer, 1 acquirer to
    /// scheme, 2 scheme to issuer, by the order its connection first appears.
    static func hop(of exchange: Exchange, in item: Transaction) -> Int {
        var flows: [String?] = []
        for other in item.exchanges.sorted(by: { ($0.request.time ?? 0) < ($1.request.time ?? 0) }) where !flows.contains(other.request.flow) {
            flows.append(other.request.flow)
        }
        return flows.firstIndex(of: exchange.request.flow) ?? 0
    }

    /// Time windows, overlapping ones as one.
    static func merged(_ windows: [(from: Int64, to: Int64)]) -> [(from: Int64, to: Int64)] {
        var merged: [(from: Int64, to: Int64)] = []
        for window in windows.sorted(by: { $0.from < $1.from }) {
            if let last = merged.last, window.from <= last.to { merged[merged.count - 1].to = max(last.to, window.to) } else { merged.append(window) }
        }
        return merged
    }

    /// Microseconds as the scenario language writes a duration: `50s`, or `1500ms`.
    static func duration(_ micros: Int64) -> String {
        micros % 1_000_000 == 0 ? "\(micros / 1_000_000)s" : "\(max(1, micros / 1000))ms"
    }

    /// The scenario `paylab incident import --scenario` writes: terms and fee inferred from
    /// the payouts the evidence holds unless `terms` is given, with a sentence for each
    /// inference.
    public func reproduction(name: String, zone: Zone, calendar: String, businessCalendar: BusinessCalendar?, terms: String?) -> (yaml: String, inferences: [String]) {
        var chosenTerms = terms ?? "T+1", payoutAt = "09:00", fee = "0.6%"
        var inferences: [String] = []
        var termsByMerchant: [String: String] = [:]
        if terms == nil, let businessCalendar, let inferred = inferredTerms(calendar: businessCalendar, zone: zone) {
            chosenTerms = inferred.terms
            // Merchants paid on other terms (a T+3 wholesaler beside a T+1 shop): each its own.
            let merchants = Set(transactions.compactMap { $0.terminal.hasPrefix("payout") ? nil : $0.exchanges.first?.request.message[DE.merchantID] })
            for merchant in merchants.sorted() {
                if let own = inferredTerms(calendar: businessCalendar, zone: zone, merchant: merchant), own.terms != inferred.terms {
                    termsByMerchant[merchant] = own.terms
                    inferences.append("merchant \(merchant): \(own.why)")
                }
            }
            payoutAt = inferred.payoutAt
            inferences.append(inferred.why)
        }
        var cap: String?
        let schedule = inferredFeeSchedule(zone: zone)
        if schedule.count > 1 {
            fee = "[" + schedule.map { entry in entry.from.map { "{ from: \($0), rate: \(entry.rate) }" } ?? "{ rate: \(entry.rate) }" }.joined(separator: ", ") + "]"
            inferences.append("fee inferred from the payouts: \(schedule.map { entry in entry.from.map { "\(entry.rate) from \($0)" } ?? entry.rate }.joined(separator: ", then "))")
        } else if let inferred = inferredFee() {
            fee = inferred
            inferences.append("fee inferred from the payouts: \(inferred)")
        } else if let inferred = inferredFeeCap(rate: 6_000) {
            cap = inferred
            inferences.append("fee inferred from the payouts: capped at \(inferred) a purchase (no rate fits; the rate, \(fee) here, cannot be told)")
        }
        return (scenario(name: name, zone: zone, calendar: calendar, terms: chosenTerms, payoutAt: payoutAt, fee: fee, feeCap: cap, termsByMerchant: termsByMerchant), inferences)
    }

    /// The fee rate the first payout shows: the roundest rate (tenths of a percent before
    /// hundredths) whose fee
    /// (rounded up to the minor unit, per purchase) turns the approved purchases paid by it
    /// into its amount; nil when the evidence holds no payout or no rate fits.
    public func inferredFee() -> String? {
        inferFromFirstPayout { slice, credited in
            // Round rates first (0.6% before 0.56%): one payout often fits several once fees are rounded.
            let rates = Array(stride(from: 0, through: 1000, by: 10)) + (0...1000).filter { $0 % 10 != 0 }
            return rates.first { basisPoints in
                slice.reduce(Int64(0)) { total, amount in total + amount - (amount * Int64(basisPoints) + 9_999) / 10_000 } == credited
            }.map { String(format: "%d.%02d%%", $0 / 100, $0 % 100) }
        }
    }

    /// The fee schedule the payouts show, in order: each approved payout explained by the
    /// roundest rate that turns some of the purchases approved before it and not yet paid
    /// (one, or the earliest or latest few) into its amount; a change of rate starts at the
    /// clearing date of the first purchase it applies to (cutoff 23:00).
    public func inferredFeeSchedule(zone: Zone, cutoff: TimeOfDay = TimeOfDay(hour: 23, minute: 0)!) -> [(from: LocalDate?, rate: String)] {
        let rates = Array(stride(from: 0, through: 1000, by: 10)) + (0...1000).filter { $0 % 10 != 0 }
        var unpaid: [(approvedAt: Int64, amount: Int64)] = transactions.filter { $0.mti == "0200" && !$0.terminal.hasPrefix("payout") }
            .compactMap { item in item.approvedAt.flatMap { at in item.exchanges.first?.request.message.amount.map { (at, $0.minorUnits) } } }
            .sorted { $0.approvedAt < $1.approvedAt }
        var schedule: [(from: LocalDate?, rate: String)] = []
        let payouts = transactions.filter { $0.terminal.hasPrefix("payout") && $0.response == "00" }.sorted { ($0.requestedAt ?? 0) < ($1.requestedAt ?? 0) }
        for payout in payouts {
            guard let paidAt = payout.requestedAt, let credited = payout.exchanges.first?.request.message.amount?.minorUnits else { continue }
            let due = unpaid.filter { $0.approvedAt <= paidAt }
            guard !due.isEmpty else { continue }
            var slices = due.indices.map { [$0] }
            for count in 2...max(2, due.count) where count <= due.count {
                slices.append(Array(due.indices.prefix(count)))
                slices.append(Array(due.indices.suffix(count)))
            }
            // The rate in force so far first, then the roundest that fits.
            let current = schedule.last.flatMap { entry in rates.first { Self.percent($0) == entry.rate } }
            var found: (slice: [Int], basisPoints: Int)?
            search: for basisPoints in (current.map { [$0] } ?? []) + rates {
                for slice in slices where slice.reduce(Int64(0), { $0 + due[$1].amount - (due[$1].amount * Int64(basisPoints) + 9_999) / 10_000 }) == credited {
                    found = (slice, basisPoints)
                    break search
                }
            }
            guard let found else { return [] }
            let rate = Self.percent(found.basisPoints)
            if schedule.last?.rate != rate {
                let first = zone.local(Instant(milliseconds: due[found.slice[0]].approvedAt / 1000))
                schedule.append((schedule.isEmpty ? nil : (first.time >= cutoff ? first.date.adding(days: 1) : first.date), rate))
            }
            let paid = Set(found.slice.map { due[$0].approvedAt })
            unpaid.removeAll { paid.contains($0.approvedAt) }
        }
        return schedule
    }

    static func percent(_ basisPoints: Int) -> String { String(format: "%d.%02d%%", basisPoints / 100, basisPoints % 100) }

    /// The fee cap the first payout shows when no rate fits: the same fee held back from
    /// each purchase it paid, below what `rate` (parts per million) would take from each.
    public func inferredFeeCap(rate: Int64) -> String? {
        inferFromFirstPayout { slice, credited in
            let held = slice.reduce(0, +) - credited
            guard held > 0, held % Int64(slice.count) == 0 else { return nil }
            let cap = held / Int64(slice.count)
            return slice.allSatisfy({ ($0 * rate + 999_999) / 1_000_000 >= cap }) ? Money(minorUnits: cap).formatted(exponent: 2) : nil
        }
    }

    /// The first answer `fit` gives for the purchases the first approved payout paid (one of
    /// them, or the earliest or latest few) and the amount it credited.
    private func inferFromFirstPayout(_ fit: ([Int64], Int64) -> String?) -> String? {
        guard let payout = transactions.first(where: { $0.terminal.hasPrefix("payout") && $0.response == "00" }),
              let paidAt = payout.requestedAt, let credited = payout.exchanges.first?.request.message.amount else { return nil }
        let paid = transactions.filter { $0.mti == "0200" && !$0.terminal.hasPrefix("payout") && ($0.approvedAt ?? .max) <= paidAt }
            .compactMap { $0.exchanges.first?.request.message.amount?.minorUnits }
        guard !paid.isEmpty else { return nil }
        // The purchases this payout paid: one of them, or the earliest or latest few, whose net adds up to it.
        var candidates = paid.map { [$0] }
        for count in 2...max(2, paid.count) where count <= paid.count {
            candidates.append(Array(paid.prefix(count)))
            candidates.append(Array(paid.suffix(count)))
        }
        for slice in candidates {
            if let found = fit(slice, credited.minorUnits) { return found }
        }
        return nil
    }

    /// The settlement terms the evidence's payouts show: the first approved purchase's clearing
    /// date (its local date, or the next day after the cutoff) against the day the first payout
    /// credit after it was sent, counted in business days; nil when the evidence holds no payout.
    public func inferredTerms(calendar: BusinessCalendar, zone: Zone, cutoff: TimeOfDay = TimeOfDay(hour: 23, minute: 0)!, merchant: String? = nil) -> (terms: String, payoutAt: String, why: String)? {
        func ofMerchant(_ item: Transaction) -> Bool { merchant == nil || item.exchanges.first?.request.message[DE.merchantID] == merchant }
        guard let swipedAt = transactions.lazy.filter({ $0.mti == "0200" && !$0.terminal.hasPrefix("payout") && ofMerchant($0) }).compactMap(\.approvedAt).first,
              let payout = transactions.first(where: { $0.terminal.hasPrefix("payout") && ($0.requestedAt ?? 0) >= swipedAt && ofMerchant($0) }),
              let paidAt = payout.requestedAt else { return nil }
        let swiped = zone.local(Instant(milliseconds: swipedAt / 1000))
        let paid = zone.local(Instant(milliseconds: paidAt / 1000))
        let clearing = swiped.time >= cutoff ? swiped.date.adding(days: 1) : swiped.date
        var days = 0
        var day = clearing
        while day < paid.date, days < 30 {
            day = day.adding(days: 1)
            if (try? calendar.isBusinessDay(day)) == true { days += 1 }
        }
        // Paid at once (within a minute of the swipe): T+0, and the payout time is not shown.
        let instant = paid.date == swiped.date && paid.time <= swiped.time.advanced(minutes: 1)
        let payoutAt = instant ? "09:00" : String(format: "%02d:%02d", paid.time.hour, paid.time.minute)
        // Paid on a day that is no business day: calendar days (D+n).
        let calendarDays = paid.date.daysSinceEpoch - clearing.daysSinceEpoch
        let terms = (try? calendar.isBusinessDay(paid.date)) == false ? "D+\(calendarDays)" : instant ? "T+0" : "T+\(days)"
        return (terms, payoutAt, "terms inferred from the payouts: \(terms), paid at \(payoutAt) (a purchase at \(swiped.date) \(swiped.time) cleared on \(clearing), its first payout sent \(paid.date) \(paid.time))\(days > 3 && !instant ? "; a payout held by risk control (shorter terms and a hold) shows the same" : "")")
    }
}

private extension TimeOfDay {
    func advanced(minutes: Int) -> TimeOfDay {
        let total = min(hour * 60 + minute + minutes, 23 * 60 + 59)
        return TimeOfDay(hour: total / 60, minute: total % 60)!
    }
}
