import Foundation
import ISO8583
import PaymentNetwork
import Scenario
import SettlementCalendar
import RunCore

/// The scenario of an incident as it is drawn from the evidence, part by part.
struct Reproduction {
    let evidence: IncidentEvidence
    let zone: Zone
    let assuming: IncidentEvidence.Assumptions
    /// Swipes (purchases and pre-authorizations).
    let purchases: [IncidentEvidence.Transaction]
    /// What acts on a swipe as a transaction of its own: completions, cancellations, refunds
    /// (from the terminal) and chargebacks (from the issuer).
    let followUpItems: [IncidentEvidence.Transaction]
    var spec = NetworkSpec(banks: [], merchants: [], cards: [], accounts: [])
    var faults: [Fault] = []
    /// Steps with the microsecond they were sent, in the order they were drawn.
    var steps: [(at: Int64, steps: [Step])] = []
    var expectations: [Expectation] = []

    struct Card { var pan: String; var expiry: String; var approved: Int64 = 0; var codes: [String] = []; var restricted: [Int64] = []; var standInDeclined = false; var reported: AccountStatus? }
    var cards: [String: Card] = [:]
    var cardOrder: [String] = []
    var waits: [String: Int64] = [:]   // merchant -> terminal wait
    var repeats: [Int: [IncidentEvidence.Exchange]] = [:]
    var terminalLatency: [Int: Int64] = [:]   // purchase -> what the terminal's line held each frame
    var powerLosses: [(at: Int64, terminal: String, until: Int64)] = []
    var reconciliationRefunds: Set<String> = []   // terminal/DE7 of refunds the acquirer sent
    var lostReversals: [(from: Int64, to: Int64, count: Int)] = []
    var accountChanges: [(at: Int64, merchant: String, account: String)] = []
    var terminalOf: [String: String] = [:]   // transaction id -> terminal
    static let hops = [("T", "Acquirer"), ("Acquirer", "Scheme"), ("Scheme", "Issuer")]

    init(evidence: IncidentEvidence, zone: Zone, assuming: IncidentEvidence.Assumptions) {
        self.evidence = evidence
        self.zone = zone
        self.assuming = assuming
        purchases = evidence.transactions.filter { item in
            guard let request = item.exchanges.first?.request.message, !item.terminal.hasPrefix("payout"), item.requestedAt != nil else { return false }
            return request.isPurchase || request.isPreauthorization || request.isBalanceInquiry
        }
        followUpItems = evidence.transactions.filter { item in
            guard let request = item.exchanges.first?.request.message, item.requestedAt != nil else { return false }
            return request.isCompletion || request.isCancellation || request.isRefund || request.isChargeback
        }
    }

    /// A recorded microsecond as the scenario's time: to the second, in the zone.
    func at(_ micros: Int64) -> Instant {
        zone.instant(zone.local(Instant(milliseconds: micros / 1000)))
    }

    /// A hold measured in microseconds as a duration: whole seconds, or milliseconds.
    static func duration(_ micros: Int64) -> Duration {
        micros % 1_000_000 == 0 ? .seconds(micros / 1_000_000) : .milliseconds(max(1, micros / 1000))
    }

    mutating func fault(_ kind: Fault.Kind, from: Int64, to: Int64) {
        let start = at(from)
        faults.append(Fault(kind: kind, from: start, to: max(at(to), start)))
    }

    // MARK: - The network

    /// Merchants and their terminals, cards and what happened to each, the scheme and the acquirer.
    mutating func network() {
        var merchants: [(id: String, terminals: [String])] = []
        var acquirerID = "48020000"
        for item in purchases {
            let request = item.exchanges[0].request.message
            let merchant = request[DE.merchantID] ?? "898440354110001"
            if let index = merchants.firstIndex(where: { $0.id == merchant }) {
                if !merchants[index].terminals.contains(item.terminal) { merchants[index].terminals.append(item.terminal) }
            } else {
                merchants.append((merchant, [item.terminal]))
            }
            if waits[merchant] == nil, let wait = item.terminalWait { waits[merchant] = wait }
            if let id = item.exchanges.lazy.compactMap({ $0.request.message[DE.acquirerID] }).first { acquirerID = id }
            note(item, request: request)
        }
        // Terminals that only completed, cancelled or refunded (another till of the merchant).
        for item in followUpItems {
            guard let request = item.exchanges.first?.request.message, !request.isChargeback, let merchant = request[DE.merchantID],
                  let index = merchants.firstIndex(where: { $0.id == merchant }), !merchants[index].terminals.contains(item.terminal) else { continue }
            merchants[index].terminals.append(item.terminal)
        }
        // The scheme approved in the issuer's place when it later told the issuer with advices (0220).
        let stoodIn = purchases.filter { item in item.response == "00" && item.exchanges.contains { $0.request.message.mti.original == .financialAdvice } }
        spec.scheme.standInLimit = stoodIn.compactMap { $0.exchanges.first?.request.message.amount }.max()
        spec.scheme.preauthDays = preauthDays() ?? spec.scheme.preauthDays
        spec.acquirer.id = acquirerID
        reconciliation()
        // The scheme stands in only for credit cards: a card it stood in for (approved, with its
        // advice; or refused by the issuer's card rules, answered by the scheme alone) is one.
        let refusedByStandIn = purchases.filter { item in
            item.hops == 2 && spec.scheme.standInLimit != nil && !["91", "98", "96", "15", "30", "A0", nil].contains(item.response)
        }
        let creditCards = Set((stoodIn + refusedByStandIn).compactMap { $0.exchanges.first?.request.message[DE.pan] })
        // 15: no bank issues the BIN.
        let routed = cardOrder.filter { !(cards[$0]!.codes.contains("15")) }
        spec.banks = [NetworkSpec.Bank(name: "Issuer", bins: Array(Set(routed.map { String($0.prefix(6)) })).sorted()), NetworkSpec.Bank(name: "MerchantBank", bins: [])]
        spec.merchants = contracts(merchants)
        spec.cards = cardOrder.map { pan in
            let card = cards[pan]!
            var status: AccountStatus = card.standInDeclined ? .frozen : .active
            if card.codes.contains("54") { status = .expired }
            if let reported = card.reported { status = reported }
            // Short of funds explains a 51: the card holds what was approved, and no more.
            let balance = card.codes.contains("51") ? card.approved : card.approved + 10_000_000
            let limit = card.codes.contains("61") ? Money(minorUnits: max(card.approved, 1)) : nil
            var spec = NetworkSpec.Card(pan: pan, bank: "Issuer", balance: Money(minorUnits: balance), expiry: card.expiry, status: status, dailyLimit: limit)
            if creditCards.contains(pan) {
                spec.type = .credit
                spec.creditLimit = spec.balance
                spec.balance = .zero
            }
            return spec
        }
    }

    /// What a swipe tells of its card.
    private mutating func note(_ item: IncidentEvidence.Transaction, request: ISOMessage) {
        let pan = request[DE.pan] ?? "6222020000000001"
        if cards[pan] == nil {
            cardOrder.append(pan)
            cards[pan] = Card(pan: pan, expiry: request[DE.expiry] ?? CardRules.defaultExpiry)
        }
        if item.response == "00" { cards[pan]!.approved += request.amount?.minorUnits ?? 0 }
        if let code = item.response { cards[pan]!.codes.append(code) }
        // A 62 from the issuer: frozen then (a window); from the scheme standing in: on its list for good.
        let issuerDeclined = item.exchanges.contains {
            $0.request.flow != item.terminalSends.first?.request.flow && $0.answer?.message[DE.responseCode] == "62" && IncidentEvidence.hop(of: $0, in: item) == 2
        }
        // A 41 or a 43 (from the issuer or stand-in): the card was reported lost or stolen.
        if item.response == "41" { cards[pan]!.reported = .lost }
        if item.response == "43" { cards[pan]!.reported = .stolen }
        if item.response == "62", let at = item.requestedAt {
            if issuerDeclined { cards[pan]!.restricted.append(at) } else { cards[pan]!.standInDeclined = true }
        }
    }

    /// A completion refused 12 whose pre-authorization nothing completed or cancelled before:
    /// the pre-authorization had expired, so the scheme keeps holds fewer days than that.
    private func preauthDays() -> Int? {
        var days: Int?
        for item in followUpItems where item.response == "12" {
            guard let request = item.exchanges.first?.request.message, request.isCompletion, let at = item.requestedAt,
                  let sent = item.original else { continue }
            guard let preauth = purchases.first(where: { $0.terminal == item.terminal && $0.transmission == sent }), let held = preauth.requestedAt else { continue }
            let ended = followUpItems.contains { other in
                guard let message = other.exchanges.first?.request.message, message.isCompletion || message.isCancellation, other.response == "00",
                      (other.requestedAt ?? .max) < at else { return false }
                return other.terminal == item.terminal && other.original == sent
            }
            if !ended { days = min(days ?? .max, max(1, Int((at - held) / 86_400_000_000))) }
        }
        return days
    }

    /// A purchase the scheme's clearing file (0520) named although its terminal was not told
    /// yes: a one-sided entry. A refund of it that no terminal sent is the acquirer's
    /// reconciliation (unmatched: refund); a payout of it, unmatched: pay. The reversals the
    /// acquirer sent and nobody answered tell how often it tries (reversal_attempts).
    private mutating func reconciliation() {
        for record in evidence.transactions where record.mti == MTI.clearingRecord.rawValue {
            guard let sent = record.original else { continue }
            guard let purchase = purchases.first(where: { $0.terminal == record.terminal && $0.transmission == sent }), purchase.response != "00" else { continue }
            let refund = followUpItems.first { item in
                guard let request = item.exchanges.first?.request.message, request.isRefund else { return false }
                return item.terminal == record.terminal && item.original == sent
            }
            if let refund {
                spec.acquirer.unmatched = "refund"
                reconciliationRefunds.insert("\(refund.terminal)/\(refund.transmission)")
            } else {
                spec.acquirer.unmatched = spec.acquirer.unmatched ?? "pay"
            }
            let reversals = purchase.exchanges.filter { $0.request.message.isReversal && IncidentEvidence.hop(of: $0, in: purchase) == 1 }
            if !reversals.isEmpty, reversals.allSatisfy({ $0.answer == nil }), let first = reversals.first?.request.time, let last = reversals.last?.request.time {
                spec.acquirer.reversalAttempts = max(spec.acquirer.reversalAttempts ?? 0, reversals.count)
                lostReversals.append((first - 1_000_000, last + 1_000_000, reversals.count))
            }
        }
    }

    // MARK: - Faults

    /// A card the issuer declined as restricted (62): frozen from the first such decline
    /// until just after the last, so an approval after it goes through as it did.
    mutating func cardFaults() {
        for pan in cardOrder {
            if let first = cards[pan]!.restricted.min(), let last = cards[pan]!.restricted.max() {
                fault(.freeze(account: pan, bank: "Issuer"), from: first, to: last + 1_000_000)
            }
        }
    }

    /// For each purchase: a hop that held its frames (latency), a hop whose answer the evidence
    /// does not have (dropped there: the request when it went no further, else the answer),
    /// and a terminal that lost power between its answer and its reversal.
    mutating func hopFaults() {
        for (index, item) in purchases.enumerated() {
            let sends = item.exchanges.filter { $0.request.message.startsTransaction }
                .sorted { ($0.request.time ?? 0) < ($1.request.time ?? 0) }
            // The terminal's own sends are those on the first connection; more than one is a repeat.
            let terminalSends = item.terminalSends
            if terminalSends.count > 1 { repeats[index] = Array(terminalSends.dropFirst()) }
            var crossed: [IncidentEvidence.Exchange] = []
            var flows: [String?] = []
            for exchange in sends where !flows.contains(exchange.request.flow) {
                flows.append(exchange.request.flow)
                crossed.append(exchange)
            }
            // Whether the acquirer's request came from a repeat: the terminal's first send never
            // went further (its reversal found nothing, or the next hop began after the repeat),
            // and was never answered (an answer to it says the acquirer had it: a slow line
            // delayed it past the repeat, and the repeat was the copy).
            let firstRepeat = terminalSends.dropFirst().first?.request.time
            let forwardedByRepeat = crossed.count > 1 && firstRepeat.map { (crossed[1].request.time ?? 0) >= $0 } == true
                && !(terminalSends.count > 1 && terminalSends.allSatisfy { $0.answer != nil })
            let (slowed, terminalLine) = latencies(item, crossed: crossed, forwardedByRepeat: forwardedByRepeat)
            terminalLatency[index] = terminalLine
            lostAnswers(item, crossed: crossed, forwardedByRepeat: forwardedByRepeat, slowed: slowed)
        }
    }

    /// A hop that held its frames: the next hop's request left that much later (the issuer's
    /// answer came back twice that late). Latency on the link, over the messages of this
    /// purchase that crossed it. Returns whether any hop was slow.
    /// Also what the terminal's own line held, if it was slow.
    private mutating func latencies(_ item: IncidentEvidence.Transaction, crossed: [IncidentEvidence.Exchange], forwardedByRepeat: Bool)
        -> (slowed: Bool, terminalLine: Int64?) {
        var slowed = false, terminalLine: Int64?
        for (hop, exchange) in crossed.enumerated() where hop < Self.hops.count && !(hop == 0 && forwardedByRepeat) {
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
            let client = hop == 0 ? item.terminal : Self.hops[hop].0
            if hop == 0 { terminalLine = held }
            fault(.network(client: client, server: Self.hops[hop].1, kind: .latency(Self.duration(held)), count: nil), from: sent, to: last + 1_000_000)
        }
        return (slowed, terminalLine)
    }

    private mutating func lostAnswers(_ item: IncidentEvidence.Transaction, crossed: [IncidentEvidence.Exchange], forwardedByRepeat: Bool, slowed: Bool) {
        // The terminal's answer the evidence has but the terminal never took (it reversed): when
        // it signed on again between that answer and its reversal, it had lost power.
        let terminalReversal = crossed.first.flatMap { terminal in item.exchanges.first { $0.request.message.isReversal && $0.request.flow == terminal.request.flow } }
        if terminalReversal?.request.message[DE.responseCode] == ResponseCode.macFailure.rawValue { return }
        if let terminal = crossed.first, let answered = terminal.answer?.time, item.response == nil, let sent = terminal.request.time,
           let reversal = terminalReversal?.request.time,
           let back = evidence.messages.first(where: { message in
               message.message.mti == .networkManagementRequest && message.message[DE.terminalID] == item.terminal && NetworkManagement(of: message.message) == .signOn
                   && (message.time ?? 0) > answered && (message.time ?? .max) <= reversal
           })?.time {
            powerLosses.append((at: sent + (answered - sent) / 2, terminal: item.terminal, until: back))
        } else if !slowed, let terminal = crossed.first, terminal.answer != nil, item.response == nil, let sent = terminal.request.time {
            fault(.network(client: item.terminal, server: "Acquirer", kind: .drop(response: true), count: 1), from: sent, to: sent + 120_000_000)
        }
        for (hop, exchange) in crossed.enumerated() where hop < Self.hops.count && exchange.answer == nil {
            let client = hop == 0 ? item.terminal : Self.hops[hop].0
            var response = hop + 1 < crossed.count && !(hop == 0 && forwardedByRepeat)
            // The issuer is the last hop: whether it had the request shows in how it answered the
            // scheme's reversal (00: it had it, so its answer was lost; 25: it never saw it).
            // (A maintenance window shows as the bank's sign-off and sign-on, not as silence.)
            if hop == 2, let reversal = item.exchanges.first(where: { $0.request.message.isReversal && $0.request.flow == exchange.request.flow }),
               reversal.answer?.message[DE.responseCode] == "00" {
                response = true
            }
            // The one message lost, whenever within the terminal's wait it crossed.
            let sent = exchange.request.time!
            fault(.network(client: client, server: Self.hops[hop].1, kind: .drop(response: response), count: 1), from: sent, to: sent + 120_000_000)
        }
        // The scheme answered without the issuer hearing of it: 98 after its timeout, the request
        // lost on its way (written into a connection nobody read); 91 at once, the issuer unreachable.
        if crossed.count == Self.hops.count - 1, let scheme = crossed.last, let sent = scheme.request.time, !forwardedByRepeat {
            switch scheme.answer?.message[DE.responseCode] {
            case ResponseCode.issuerTimeout.rawValue?:
                fault(.network(client: "Scheme", server: "Issuer", kind: .drop(response: false), count: 1), from: sent, to: sent + 120_000_000)
            case ResponseCode.issuerInoperative.rawValue?:
                fault(.outage(node: "Issuer"), from: sent, to: sent + 1_000_000)
            default: break
            }
        }
        // Every hop answered, but the terminal's answer is not the issuer's: an answer lost past the last hop.
        if !slowed, crossed.count == Self.hops.count, crossed.allSatisfy({ $0.answer != nil }),
           crossed.last?.answer?.message[DE.responseCode] == "00", item.response == "98", let sent = crossed.last?.request.time {
            fault(.network(client: "Scheme", server: "Issuer", kind: .drop(response: true), count: 1), from: sent, to: sent + 1_000_000)
        }
    }

    /// Payouts show the merchant's bank: a credit refused as restricted (62) is a frozen
    /// account then; a credit answered only long after it was sent, a bank in maintenance. A
    /// bank's sign-off (0800, DE70 002; a bank's has no DE41) and its next sign-on: the issuer's
    /// maintenance.
    mutating func bankFaults() {
        var frozenAccounts: [String: (from: Int64, to: Int64)] = [:]
        var accountOrder: [String] = []
        var bankDown: [(from: Int64, to: Int64)] = []
        for payout in evidence.transactions where payout.terminal.hasPrefix("payout") {
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
        for account in accountOrder {
            guard let bank = spec.bank(ofAccount: account) else { continue }
            let window = frozenAccounts[account]!
            fault(.freeze(account: account, bank: bank), from: window.from, to: window.to + 1_000_000)
        }
        for window in IncidentEvidence.merged(bankDown) { fault(.maintenance(bank: "MerchantBank"), from: window.from, to: window.to) }
        var maintenance: [(from: Int64, to: Int64)] = []
        var signedOff: Int64?
        for message in evidence.messages where message.message.mti == .networkManagementRequest && message.message[DE.terminalID] == nil {
            guard let at = message.time else { continue }
            if NetworkManagement(of: message.message) == .signOff { signedOff = signedOff ?? at }
            if NetworkManagement(of: message.message) == .signOn, let from = signedOff {
                maintenance.append((from, at))
                signedOff = nil
            }
        }
        // The issuer's silences and sign-offs, overlapping ones as one window.
        for window in IncidentEvidence.merged(maintenance) { fault(.maintenance(bank: "Issuer"), from: window.from, to: window.to) }
    }

    // MARK: - Steps and expectations

    mutating func step(_ micros: Int64, _ action: Step.Action, pin: String? = nil, entry: String? = nil, online: Bool = false) {
        steps.append((micros, [Step(at: at(micros), action: action, pin: pin, entry: entry, online: online)]))
    }

    mutating func expect(_ id: String, response: String?) {
        var expected = TransactionExpectation(id: id)
        expected.response = response ?? "none"
        expectations.append(.transaction(expected))
    }

    /// Each swipe (and balance inquiry) at its time, its void and its repeats, each with the answer the terminal got.
    mutating func swipes() {
        for (index, item) in purchases.enumerated() {
            let request = item.exchanges[0].request.message
            let id = "t\(index + 1)", card = request[DE.pan] ?? "6222020000000001"
            let amount = item.amount.flatMap { Money(decimal: $0, exponent: 2) } ?? Money(minorUnits: 100)
            terminalOf[id] = item.terminal
            let action: Step.Action
            if request.isBalanceInquiry {
                action = .inquire(id: id, terminal: item.terminal, card: card)
            } else if request.isPreauthorization {
                action = .preauthorize(id: id, terminal: item.terminal, card: card, amount: amount)
            } else {
                action = .swipe(id: id, terminal: item.terminal, card: card, amount: amount, keyed: nil)
            }
            step(item.requestedAt!, action, pin: pin(for: item, card: card), entry: entry(for: item, card: card))
            expect(id, response: item.response)
            voids(item, id: id, terminal: item.terminal)
            for (number, again) in (repeats[index] ?? []).enumerated() {
                let repeatID = "\(id)-repeat\(number + 1)"
                step(again.request.time ?? item.requestedAt!, .repeatSwipe(id: repeatID, terminal: item.terminal, of: id))
                // An answer later than the terminal waits never reached the cashier (a slow line
                // holds it on its way back to the terminal too).
                let merchant = spec.merchants.first { $0.terminals.contains(item.terminal) }
                let wait = merchant.flatMap { waits[$0.id] } ?? 60_000_000
                let held = terminalLatency[index] ?? 0
                let inTime = again.answer.flatMap { answer in again.request.time.flatMap { sent in answer.time.map { $0 + held - sent <= wait } } } ?? false
                expect(repeatID, response: inTime ? again.answer?.message[DE.responseCode] : nil)
            }
        }
    }

    /// The terminal voided a transaction: on its own connection, at the time it did.
    mutating func voids(_ item: IncidentEvidence.Transaction, id: String, terminal: String) {
        guard let void = item.exchanges.first(where: { $0.request.message.isVoid && $0.request.flow == item.terminalSends.first?.request.flow }),
              let at = void.request.time else { return }
        step(at, .void(id: id, terminal: terminal))
        // The terminal reversed its void: the void's answer never reached it.
        let voidStan = void.request.message[DE.stan]
        let reversed = evidence.transactions.flatMap(\.exchanges).contains { exchange in
            exchange.request.message.isReversal && exchange.request.flow == void.request.flow
                && exchange.request.message[DE.originalData].map { Array($0).count >= 10 && String(Array($0)[4..<10]) == voidStan } == true
        }
        if reversed { fault(.network(client: terminal, server: "Acquirer", kind: .drop(response: true), count: 1), from: at, to: at + 1_000_000) }
    }

    /// Completions, cancellations, refunds and chargebacks, each of the swipe it names (DE90, or a
    /// UnionPay POS's DE61; made at another terminal of the merchant, the purchase whose RRN it carries).
    mutating func followUps() {
        var ids: [String: String] = [:]   // terminal/DE7 -> id
        for (index, item) in purchases.enumerated() { ids["\(item.terminal)/\(item.transmission)"] = "t\(index + 1)" }
        for lost in lostReversals {
            fault(.network(client: "Acquirer", server: "Scheme", kind: .drop(response: false), count: lost.count), from: lost.from, to: lost.to)
        }
        for (index, item) in followUpItems.enumerated() where !reconciliationRefunds.contains("\(item.terminal)/\(item.transmission)") {
            let request = item.exchanges[0].request.message
            guard let sent = item.original, let when = item.requestedAt else { continue }
            let originalKey = "\(request[DE.terminalID] ?? "-")/\(sent)"
            let byRRN = request[DE.rrn].flatMap { rrn in
                purchases.first { purchase in purchase.exchanges.contains { $0.answer?.message[DE.rrn] == rrn } }.map { "\($0.terminal)/\($0.transmission)" }
            }
            guard let original = ids[originalKey] ?? byRRN.flatMap({ ids[$0] }) else { continue }
            let terminal = ids[originalKey] == nil ? item.terminal : terminalOf[original] ?? item.terminal
            let id = (request.isChargeback ? "cb" : "t") + "\(purchases.count + index + 1)"
            ids["\(item.terminal)/\(item.transmission)"] = id
            let amount = item.amount.flatMap { Money(decimal: $0, exponent: 2) } ?? Money(minorUnits: 100)
            let action: Step.Action
            if request.isChargeback {
                action = .dispute(id: id, of: original, reason: request[DE.reasonCode] ?? "4837")
            } else if request.isCompletion {
                action = .complete(id: id, terminal: terminal, of: original, amount: amount)
            } else if request.isRefund {
                action = .refund(id: id, terminal: terminal, of: original, amount: amount)
            } else {
                action = .cancel(id: id, terminal: terminal, of: original)
            }
            if !request.isChargeback { terminalOf[id] = terminal }
            step(when, action, online: request.isOnlineCompletion)
            expect(id, response: item.response)
            if request.isCompletion { voids(item, id: id, terminal: terminal) }
        }
    }

    /// Batch settlements (the 0500 after an upload belongs to the one answered 95), power
    /// losses, and a merchant's account corrected.
    mutating func terminalSteps() {
        let settlements = evidence.transactions.filter { $0.mti == MTI.batchSettlement.rawValue && $0.requestedAt != nil }.sorted { $0.requestedAt! < $1.requestedAt! }
        for (index, item) in settlements.enumerated() {
            let previous = settlements[..<index].last { $0.terminal == item.terminal }
            if previous?.response == ResponseCode.batchTotalsDisagree.rawValue { continue }
            step(item.requestedAt!, .settle(terminal: item.terminal))
        }
        for loss in powerLosses {
            // A power-off is two steps: the terminal goes dark, and is back at `until`.
            steps.append((loss.at, [Step(at: at(loss.until), action: .power(terminal: loss.terminal, on: true)),
                                    Step(at: at(loss.at), action: .power(terminal: loss.terminal, on: false))]))
        }
        for change in accountChanges {
            step(change.at, .changeAccount(merchant: change.merchant, bank: "MerchantBank", number: change.account))
            if !spec.laterAccounts.contains(where: { $0.number == change.account }) {
                spec.laterAccounts.append(.init(bank: "MerchantBank", number: change.account))
            }
        }
    }

    /// The steps in time order (a repeat may come after another terminal's swipe), as the
    /// language orders them: by time, then by the order they are written.
    func orderedSteps() -> [Step] {
        let written = steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.flatMap(\.element.steps)
        return written.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }
}
