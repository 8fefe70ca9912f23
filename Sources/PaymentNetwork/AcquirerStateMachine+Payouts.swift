import ISO8583
public import SettlementCalendar

/// Booking approvals and paying merchants what their terms make due.
extension AcquirerStateMachine {
    /// Books an approved purchase on the clearing date the scheme gave it (DE15) and
    /// schedules its payout under the merchant's terms.
    mutating func book(_ reference: TransactionReference, clearedOn de15: String?, now: Instant) -> [NodeAction] {
        guard let purchase = journal[reference] else { return [] }
        let swiped = configuration.zone.local(purchase.receivedAt)
        guard let clearing = de15.flatMap({ LocalDate(mmdd: $0, onOrAfter: swiped.date) }) else {
            return [.fault(NodeFault(.noClearingDate, "the approval of \(reference) carries no clearing date (DE15 '\(de15 ?? "")')"))]
        }
        journal[reference]?.clearingDate = clearing
        return schedulePayout(reference, clearing: clearing, now: now, detail: "booked")
    }

    /// The calendar payouts follow.
    var payoutCalendar: BusinessCalendar { configuration.calendar }

    /// A void was reversed: the purchase is approved again and paid as first scheduled.
    mutating func restore(_ reference: TransactionReference, now: Instant) -> [NodeAction] {
        if journal[reference]?.kind == .preauthorization {
            journal[reference]?.state = .approved   // a cancellation reversed: the pre-authorization holds again
            return []
        }
        guard let clearing = journal[reference]?.clearingDate else { return [] }
        journal[reference]?.state = .approved
        return schedulePayout(reference, clearing: clearing, now: now, detail: "booked again (its void was reversed)")
    }

    private mutating func schedulePayout(_ reference: TransactionReference, clearing: LocalDate, now: Instant, detail: String) -> [NodeAction] {
        guard let purchase = journal[reference], let amount = purchase.request.amount, let merchant = merchants[purchase.merchantID] else { return [] }
        let schedule: ArrivalSchedule
        let swiped = configuration.zone.local(purchase.receivedAt)
        // Every purchase of a merchant cleared the same day (and under T+0 or D+0 swiped in the
        // same second) has the same schedule: worked out once (under load, thousands a second
        // share it; a T+1 merchant's whole day does).
        if let last = lastSchedule[merchant.id], last.swiped == swiped || !ArrivalSchedule.dependsOnSwipeTime(merchant.terms),
           last.clearing == clearing, last.terms == merchant.terms, last.payoutAt == merchant.payoutAt {
            schedule = last.schedule
        } else {
            do {
                schedule = try ArrivalSchedule.compute(
                    swipedAt: swiped, clearingDate: clearing, terms: merchant.terms, calendar: payoutCalendar, payoutAt: merchant.payoutAt)
            } catch {
                return [.fault(NodeFault(.noPayoutDay, "cannot schedule the payout of \(reference): \(error)"))]
            }
            lastSchedule[merchant.id] = (swiped, clearing, merchant.terms, merchant.payoutAt, schedule)
        }
        let fee = merchant.fee(on: amount, clearedOn: clearing)
        let net = amount - fee
        ledger.transfer(net, from: Ledger.settlement(with: configuration.scheme), to: "merchant:\(merchant.id)", memo: "purchase \(reference)")
        ledger.transfer(fee, from: Ledger.settlement(with: configuration.scheme), to: "fees", memo: "fee \(reference)")
        payScheme(schemeCharges(purchase.request, amount: amount), for: reference)
        let exponent = configuration.currency.exponent
        let when: String
        switch schedule.payout {
        case .instant: when = "at once"
        case .at(let local): when = "at \(local)"
        }
        var actions: [NodeAction] = [.record(TimelineEvent(
            at: now, node: name, kind: .scheduled, reference: .transaction(reference),
            detail: "\(detail): \(net.formatted(exponent: exponent)) due to merchant \(merchant.id) \(when) under \(merchant.terms), cleared on \(clearing)"
                + (merchant.feeChanges.isEmpty ? "" : ", fee \(Self.percent(merchant.rate(clearedOn: clearing))) (the rate in force on \(clearing))"),
            facts: .init(clearingDate: clearing, amount: net, schedule: schedule)))]
        switch schedule.payout {
        case .instant:
            book.add(PayoutBook.Due(reference: reference, amount: amount, fee: fee, net: net, payableAt: nil, state: .scheduled), merchant: merchant.id)
            actions += payOut(merchant: merchant, now: now)
        case .at(let local):
            book.add(PayoutBook.Due(reference: reference, amount: amount, fee: fee, net: net, payableAt: local, state: .scheduled), merchant: merchant.id)
            actions.append(.startTimer(.payout(merchant: merchant.id, at: local), at: configuration.zone.instant(local)))
        }
        return actions
    }

    /// What the scheme keeps back of a purchase it settles: the issuer's fee and the acquirer's network fee.
    func schemeCharges(_ request: ISOMessage, amount: Money) -> Money {
        let fees = configuration.fees.fees(on: amount, of: request)
        return fees.issuer + fees.network
    }

    /// Books the scheme's fees out of the merchant fees the acquirer keeps (negative: gives them back).
    mutating func payScheme(_ charges: Money, for reference: TransactionReference) {
        guard charges != .zero else { return }
        ledger.transfer(charges, from: "fees", to: Ledger.settlement(with: configuration.scheme), memo: "scheme fees \(reference)")
    }

    /// Takes back a purchase the merchant will not be paid for (reversed or voided). Paid
    /// already, or being paid: the merchant owes it back, and later payouts net it.
    mutating func cancelPurchase(_ reference: TransactionReference, to state: Entry.State, now: Instant) -> [NodeAction] {
        guard let purchase = journal[reference], purchase.state == .approved, let merchant = merchants[purchase.merchantID] else { return [] }
        journal[reference]?.state = state
        switch purchase.kind {
        case .preauthorization:
            return []   // nothing was due to the merchant
        case .refund:
            return giveBackRefund(reference, merchant: merchant, now: now)
        case .completion:
            // The pre-authorization holds again at the issuer, and may be completed again.
            if let original = purchase.original, journal[original]?.state == .completed { journal[original]?.state = .approved }
        default:
            break
        }
        let settlement = Ledger.settlement(with: configuration.scheme)
        payScheme(-schemeCharges(purchase.request, amount: purchase.request.amount ?? .zero), for: reference)
        if let due = book.removeUnpaid(reference, merchant: merchant.id) {
            ledger.transfer(due.net, from: "merchant:\(merchant.id)", to: settlement, memo: "\(state) \(reference)")
            ledger.transfer(due.fee, from: "fees", to: settlement, memo: "fee back \(reference)")
            return []
        }
        let amount = purchase.request.amount ?? .zero
        let fee = merchant.fee(on: amount, clearedOn: purchase.clearingDate)
        ledger.transfer(amount - fee, from: "merchant:\(merchant.id)", to: settlement, memo: "\(state) \(reference) after payout")
        ledger.transfer(fee, from: "fees", to: settlement, memo: "fee back \(reference)")
        book.oweBack(PayoutBook.Clawback(reference: reference, net: amount - fee), merchant: merchant.id)
        return []
    }

    /// An approved refund: the merchant gives the money back, netted from its next payouts.
    mutating func takeBackRefund(_ reference: TransactionReference, now: Instant) -> [NodeAction] {
        guard let refund = journal[reference], let amount = refund.request.amount, let original = refund.original else { return [] }
        journal[original]?.refunded += amount
        if refund.reconciliation {
            // The money the scheme settled for a purchase the journal has as failed goes back to the card.
            ledger.transfer(amount, from: "unmatched", to: Ledger.settlement(with: configuration.scheme), memo: "reconciliation refund \(reference)")
            return []
        }
        return takeBack(amount, for: reference, merchant: refund.merchantID, now: now,
                        why: "refund of \(amount.formatted(exponent: configuration.currency.exponent)) on \(original)", kind: .scheduled)
    }

    /// Money the merchant gives back for a refund or a chargeback: taken from what the
    /// acquirer owes it, and netted from its next payouts.
    private mutating func takeBack(_ amount: Money, for reference: TransactionReference, merchant: String, now: Instant, why: String, kind: EventKind) -> [NodeAction] {
        ledger.transfer(amount, from: "merchant:\(merchant)", to: Ledger.settlement(with: configuration.scheme), memo: "\(why) \(reference)")
        book.oweBack(PayoutBook.Clawback(reference: reference, net: amount, why: kind == .chargedBack ? "charged back" : "refunded"), merchant: merchant)
        return [.record(TimelineEvent(
            at: now, node: name, kind: kind, reference: .transaction(reference),
            detail: "\(why): \(amount.formatted(exponent: configuration.currency.exponent)) taken back from merchant \(merchant), netted from its next payouts",
            facts: .init(amount: -amount, operation: kind == .chargedBack ? .chargeback : .refund)))]
    }

    /// A refund reversed after its approval: what the merchant gave back is owed to it again.
    private mutating func giveBackRefund(_ reference: TransactionReference, merchant: MerchantContract, now: Instant) -> [NodeAction] {
        guard let refund = journal[reference], let amount = refund.request.amount else { return [] }
        if let original = refund.original { journal[original]?.refunded -= amount }
        ledger.transfer(amount, from: Ledger.settlement(with: configuration.scheme), to: "merchant:\(merchant.id)", memo: "refund reversed \(reference)")
        let netted = amount - book.forgive(reference, merchant: merchant.id)
        guard netted > .zero else { return [] }
        // Part of it was already netted from a payout: pay that part at the next payout run.
        book.add(PayoutBook.Due(reference: reference, amount: netted, fee: .zero, net: netted, payableAt: nil, state: .scheduled), merchant: merchant.id)
        return []
    }

    /// One line of the scheme's clearing file (0520), the day after: a purchase the scheme
    /// cleared. When the journal has it as approved, it matches; when the journal has it as
    /// failed (a one-sided entry: "charged, but the slip says failed"), the acquirer's rule
    /// resolves it: `refund` gives the card its money back through the next clearing, `pay`
    /// pays the merchant as if it had been approved.
    mutating func reconcile(_ record: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let acknowledge = NodeAction.send(record.response(code: .approved), to: scheme)
        guard !record.isResponse else { return [] }
        // The scheme names the purchase under this acquirer's STAN; the journal keeps the terminal's.
        let reference = hops.original(of: record.originalReference)
        guard let rule = configuration.unmatched, let purchase = journal[reference], !purchase.resolvedByReconciliation,
              purchase.state != .approved, purchase.state != .completed, let amount = record.amount else { return [acknowledge] }
        journal[reference]?.resolvedByReconciliation = true
        var actions: [NodeAction] = [acknowledge]
        // A reversal of it still being repeated is withdrawn: reconciliation settles it now.
        // The reversal names the purchase as forwarded, under this acquirer's STAN.
        let forwarded = purchase.request.transactionReference
        for (own, pending) in reversals.pending where pending.message.originalReference == forwarded {
            _ = reversals.giveUp(own)
            actions.append(.cancelTimer(.repeat(own)))
        }
        let shown = amount.formatted(exponent: configuration.currency.exponent)
        let what = "the scheme cleared \(shown) for it on \(record[DE.settlementDate] ?? "?"), the journal has it as \(purchase.state)"
        switch rule {
        case .pay:
            actions.append(.record(TimelineEvent(at: now, node: name, kind: .reconciled, reference: .transaction(reference),
                                                 detail: "\(what): a one-sided entry, paid to the merchant (unmatched: pay)",
                                                 facts: .init(amount: amount, operation: .purchase))))
            journal[reference]?.state = .approved
            return actions + book(reference, clearedOn: record[DE.settlementDate], now: now)
        case .refund:
            actions.append(.record(TimelineEvent(at: now, node: name, kind: .reconciled, reference: .transaction(reference),
                                                 detail: "\(what): a one-sided entry, refunded to the card through the next clearing (unmatched: refund)",
                                                 facts: .init(amount: amount, operation: .refund))))
            ledger.transfer(amount, from: Ledger.settlement(with: configuration.scheme), to: "unmatched", memo: "one-sided \(reference)")
            payScheme(schemeCharges(purchase.request, amount: amount), for: reference)   // the scheme's fees on what it cleared stay paid
            var refund = purchase.request.keeping([DE.pan, DE.expiry, DE.entryMode, DE.acquirerID, DE.merchantType, DE.terminalID, DE.merchantID, DE.currency],
                                                  mti: .financialAdvice)
            refund[DE.processingCode] = ProcessingCode.refund
            refund[DE.conditionCode] = ConditionCode.normal
            refund[DE.amount] = amount.de4
            refund.stamp(now: now, stan: trace.take(), local: configuration.zone.local(now))
            refund[DE.originalData] = purchase.request.originalDataElements
            if let rrn = record[DE.rrn] { refund[DE.rrn] = rrn }
            let own = refund.transactionReference
            journal[own] = Entry(kind: .refund, original: reference, reconciliation: true, request: refund, merchantID: purchase.merchantID,
                                      receivedAt: now, state: .forwarded, clearingDate: nil)
            waiting[own] = Waiting(terminal: "", request: refund, operation: .refund, original: own, downstream: own)
            return actions + [.send(refund, to: configuration.scheme), .startTimer(.answer(own), at: now.advanced(by: configuration.timeout))]
        }
    }

    /// The scheme passes on the issuer's chargeback (0422): acknowledged at once (0432), and
    /// the amount taken back from the merchant, once per chargeback.
    mutating func chargedBack(_ chargeback: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = chargeback.transactionReference
        if chargeback.isResponse { return [] }
        let original = hops.original(of: chargeback.originalReference)
        guard let purchase = journal[original], let amount = chargeback.amount, amount > .zero else {
            return [.send(chargeback.response(code: .originalNotFound), to: scheme)]
        }
        // Numbered by the scheme: kept apart from the terminals' references in the journal.
        let own = reference.numbered(by: scheme)
        guard journal[own] == nil else {
            return [.send(chargeback.response(code: .approved), to: scheme)]   // a repeat: answered again, nothing moves twice
        }
        journal[own] = Entry(kind: .chargeback, original: original, request: chargeback, merchantID: purchase.merchantID, receivedAt: now, state: .approved)
        let reason = chargeback[DE.reasonCode].map { ", reason \($0)" } ?? ""
        let shown = amount.formatted(exponent: configuration.currency.exponent)
        return [.send(chargeback.response(code: .approved), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .chargedBack, reference: .transaction(original),
                                      detail: "charged back by the issuer\(reason): \(shown) taken back from merchant \(purchase.merchantID)",
                                      facts: .init(amount: amount, operation: .chargeback)))]
            // The chargeback's own reference is the scheme's: said so, for the run's view of the network.
            + takeBack(amount, for: reference.numbered(by: scheme), merchant: purchase.merchantID, now: now, why: "chargeback\(reason) of \(original)", kind: .chargedBack)
    }

    /// A merchant's account changes: later payouts go there, and parked ones at the next payout run.
    mutating func changeAccount(_ merchantID: String, bank: String, number: String, now: Instant) -> [NodeAction] {
        guard var merchant = merchants[merchantID] else { return [] }
        let before = "\(merchant.accountNumber) at \(merchant.accountBank)"
        merchant.accountBank = bank
        merchant.accountNumber = number
        merchants[merchantID] = merchant
        guard let next = nextPayoutTime(merchant, after: configuration.zone.local(now), strictly: false) else {
            return [.fault(NodeFault(.noPayoutDay, "no day to pay merchant \(merchantID) after its account changed"))]
        }
        let unparked = book.unpark(merchantID, payableAt: next)
        var actions: [NodeAction] = unparked.map { due in
            .record(TimelineEvent(at: now, node: name, kind: .released, reference: .transaction(due.reference),
                                  detail: "merchant \(merchantID)'s account changed from \(before) to \(number) at \(bank): the parked payout goes there at \(next)"))
        }
        if !unparked.isEmpty { actions.append(.startTimer(.payout(merchant: merchantID, at: next), at: configuration.zone.instant(next))) }
        return actions
    }

    /// A rate in millionths as a percentage: `0.38%`.
    static func percent(_ partsPerMillion: Int64) -> String {
        let fraction = String(partsPerMillion % 10_000)
        var text = "\(partsPerMillion / 10_000)." + fraction.leftPadded(to: 4)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "%"
    }

    /// The first payout time of a merchant at or after `local` (strictly after, when `strictly`), on a day its terms allow.
    func nextPayoutTime(_ merchant: MerchantContract, after local: LocalDateTime, strictly: Bool) -> LocalDateTime? {
        var day = local.date
        if strictly ? local.time >= merchant.payoutAt : local.time > merchant.payoutAt { day = day.adding(days: 1) }
        for _ in 0..<400 {
            if merchant.terms.basis == .calendarDays { return LocalDateTime(date: day, time: merchant.payoutAt) }
            guard let open = try? payoutCalendar.isBusinessDay(day) else { return nil }
            if open { return LocalDateTime(date: day, time: merchant.payoutAt) }
            day = day.adding(days: 1)
        }
        return nil
    }

    /// Pays a merchant everything due by now, less what it owes back, unless a hold stops
    /// it: one credit to its bank, or, when nothing is left to transfer (fees took it all,
    /// or it was netted), a payout settled here at once.
    mutating func payOut(merchant: MerchantContract, now: Instant) -> [NodeAction] {
        let local = configuration.zone.local(now)
        let dueNow = book.payable(merchant.id, at: local)
        guard !dueNow.isEmpty else { return [] }
        if book.holds.contains(merchant.id) {
            return book.hold(dueNow.map(\.reference), merchant: merchant.id).map { due in
                .record(TimelineEvent(at: now, node: name, kind: .held, reference: .transaction(due.reference),
                                      detail: "payout to merchant \(merchant.id) held by risk control"))
            }
        }
        var actions: [NodeAction] = []
        if payoutCover != nil {
            actions += payEarlier(than: merchant, now: now)
            if let postponed = postponeUncovered(merchant, dueNow, now: now) { return actions + postponed }
        }
        let rrn = generator.digits(12)
        let payout = book.startPayout(rrn, merchant: merchant.id, paying: dueNow.map(\.reference))
        let exponent = configuration.currency.exponent
        let sending = payout.total > .zero
        if sending {
            var credit = ISOMessage(mti: .financialRequest)
            credit[DE.processingCode] = ProcessingCode.payoutCredit
            credit[DE.amount] = payout.total.de4
            credit.stamp(now: now, stan: trace.take(), local: local)
            credit[DE.acquirerID] = configuration.institutionID
            credit[DE.rrn] = rrn
            credit[DE.merchantID] = merchant.id
            credit[DE.currency] = configuration.currency.numeric
            credit[DE.creditAccount] = merchant.accountNumber
            actions += credits.start(credit, to: merchant.accountBank, now: now)
        }
        let payoutReference = EventReference.payout(rrn: rrn)
        // One array for every due's event (a Monday's payout pays a weekend's purchases).
        let related = [payoutReference]
        let how = sending ? "sent to \(merchant.accountBank) in payout \(rrn)" : "settled in payout \(rrn) without a transfer"
        actions.reserveCapacity(actions.count + dueNow.count + payout.netted.count)
        for item in dueNow {
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .paidOut, reference: .transaction(item.reference), related: related,
                detail: "\(item.net.formatted(exponent: exponent)) (of \(item.amount.formatted(exponent: exponent)), after the fee) \(how)",
                facts: .init(amount: item.net, operation: .payout))))
        }
        for clawback in payout.netted {
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .paidOut, reference: .transaction(clawback.reference), related: [payoutReference],
                detail: "\(clawback.net.formatted(exponent: exponent)) the merchant owed back (\(clawback.why)) netted from payout \(rrn)",
                facts: .init(amount: -clawback.net, operation: .payout))))
        }
        if !sending {
            _ = book.paid(rrn)
            let why = payout.netted.isEmpty ? "the fees took the whole amount" : "netted against what the merchant owed back"
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .arrived, reference: payoutReference,
                detail: "nothing to credit to account \(merchant.accountNumber): \(why)",
                facts: .init(responseCode: .approved, amount: .zero, operation: .payout, merchant: merchant.id))))
        }
        return actions
    }

    /// While the payout account is short, the merchants ahead of this one in the order of
    /// `merchants` and due at this run are paid first (one merchant's timer runs them).
    private mutating func payEarlier(than merchant: MerchantContract, now: Instant) -> [NodeAction] {
        let local = configuration.zone.local(now)
        var actions: [NodeAction] = []
        for earlier in configuration.merchants.prefix(while: { $0.id != merchant.id }) where !book.payable(earlier.id, at: local).isEmpty {
            if let current = merchants[earlier.id] { actions += payOut(merchant: current, now: now) }
        }
        return actions
    }

    /// While the payout account is short: a payout it covers is taken from what it holds (nil:
    /// pay it); one it cannot cover, and every one after it, waits for the first payout run
    /// after the window (event `payout_short`).
    private mutating func postponeUncovered(_ merchant: MerchantContract, _ dueNow: [PayoutBook.Due], now: Instant) -> [NodeAction]? {
        guard let cover = payoutCover else { return nil }
        let needed = max(dueNow.reduce(Money.zero) { $0 + $1.net } - book.owedBack(by: merchant.id), .zero)
        if needed <= cover.left {
            payoutCover?.left = cover.left - needed
            return nil
        }
        // Paid in order: once one cannot be covered, the rest wait too.
        payoutCover?.left = .zero
        if cover.stoppedAt == nil { payoutCover?.stoppedAt = merchant.id }
        let after = configuration.zone.local(cover.until ?? now)
        guard let next = nextPayoutTime(merchant, after: after, strictly: false) else {
            return [.fault(NodeFault(.noPayoutDay, "no day to pay merchant \(merchant.id) after its payout could not be covered"))]
        }
        let exponent = configuration.currency.exponent
        return book.postpone(dueNow.map(\.reference), merchant: merchant.id, to: next).map { due in
            .record(TimelineEvent(at: now, node: name, kind: .payoutShort, reference: .transaction(due.reference),
                                  detail: (cover.stoppedAt.map { "the payout run stopped at merchant \($0), which the payout account could not cover" }
                                      ?? "the payout account holds \(cover.left.formatted(exponent: exponent)), not the \(needed.formatted(exponent: exponent)) merchant \(merchant.id) is due")
                                      + ": paid at the first payout run after the window, \(next)",
                                  facts: .init(amount: due.net, operation: .payout)))
        } + [.startTimer(.payout(merchant: merchant.id, at: next), at: configuration.zone.instant(next))]
    }

    mutating func payoutAnswered(_ response: ISOMessage, from bank: String, now: Instant) -> [NodeAction] {
        let rrn = response[DE.rrn] ?? ""
        guard let acknowledged = credits.acknowledge(response.transactionReference, code: response.responseCode) else { return [] }
        if response.responseCode == .approved {
            guard let payout = book.paid(rrn) else { return acknowledged }
            ledger.transfer(payout.total, from: "merchant:\(payout.merchantID)", to: Ledger.settlement(with: bank), memo: "payout/\(rrn)")
            return acknowledged
        }
        guard let merchantID = book.merchant(ofPayout: rrn), let merchant = merchants[merchantID] else { return acknowledged }
        if response.responseCode == .invalidCardNumber {
            // No such account, or a closed one: trying again every day cannot help. Parked until the account changes.
            return acknowledged + book.park(rrn).map { due in
                .record(TimelineEvent(at: now, node: name, kind: .parked, reference: .transaction(due.reference), related: [.payout(rrn: rrn)],
                                      detail: "payout to account \(merchant.accountNumber) at \(bank) returned (no such account, or closed): parked until merchant \(merchant.id)'s account changes",
                                      facts: .init(amount: due.net, operation: .payout)))
            }
        }
        // Refused (a frozen account, say): pay again at the next payout time the terms allow.
        guard let retry = nextPayoutTime(merchant, after: configuration.zone.local(now), strictly: true) else {
            return acknowledged + [.fault(NodeFault(.noPayoutDay, "no day to pay merchant \(merchant.id) again after the payout was returned"))]
        }
        _ = book.returned(rrn, retry: retry)
        return acknowledged + [.startTimer(.payout(merchant: merchant.id, at: retry), at: configuration.zone.instant(retry))]
    }
}

extension LocalDate {
    /// The date of an `MMDD` (DE15) on or after `earliest`, within a year of it.
    public init?(mmdd: String, onOrAfter earliest: LocalDate) {
        guard mmdd.count == 4, let month = Int(mmdd.prefix(2)), let day = Int(mmdd.suffix(2)) else { return nil }
        for year in [earliest.year, earliest.year + 1] {
            if let date = LocalDate(year: year, month: month, day: day), date >= earliest {
                self = date
                return
            }
        }
        return nil
    }
}
