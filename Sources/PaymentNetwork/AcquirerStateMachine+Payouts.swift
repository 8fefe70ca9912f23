import ISO8583
import SettlementCalendar

/// Booking approvals and paying merchants what their terms make due.
extension AcquirerStateMachine {
    /// Books an approved purchase and schedules its payout under the merchant's terms.
    mutating func book(_ request: ISOMessage, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        guard let amount = request.amount, let merchant = merchants[request[DE.merchantID] ?? ""] else { return [] }
        let schedule: ArrivalSchedule
        do {
            schedule = try ArrivalSchedule.compute(
                swipedAt: swipeTime(of: request, now: now), terms: merchant.terms, calendar: configuration.calendar,
                cutoff: configuration.cutoff, payoutAt: merchant.payoutAt)
        } catch {
            return [.fault("cannot schedule the payout of \(reference): \(error)")]
        }
        let fee = merchant.fee(on: amount)
        let net = amount - fee
        ledger.transfer(net, from: Ledger.settlement(with: configuration.scheme), to: "merchant:\(merchant.id)", memo: "purchase \(reference)")
        ledger.transfer(fee, from: Ledger.settlement(with: configuration.scheme), to: "fees", memo: "fee \(reference)")
        switch schedule.payout {
        case .instant:
            dues[merchant.id, default: []].append(Due(reference: reference, amount: amount, fee: fee, net: net, payableAt: nil, state: .scheduled))
            return payOut(merchant: merchant, now: now)
        case .at(let local):
            dues[merchant.id, default: []].append(Due(reference: reference, amount: amount, fee: fee, net: net, payableAt: local, state: .scheduled))
            return [.startTimer(TimerKey("payout \(merchant.id) \(local)"), at: configuration.zone.instant(local))]
        }
    }

    /// Takes back a purchase the merchant will not be paid for (reversed or voided).
    mutating func cancelPurchase(_ reference: String, to fate: Fate, now: Instant) -> [NodeAction] {
        guard let entry = seen[reference] else { return [] }
        let wasApproved = entry.fate == .approved
        seen[reference]?.fate = fate
        guard wasApproved, let merchant = merchants[entry.merchantID] else { return [] }
        var items = dues[merchant.id] ?? []
        guard let index = items.firstIndex(where: { $0.reference == reference }) else {
            // Already paid out: the merchant owes it back, taken from later payouts.
            let amount = entry.request.amount ?? .zero
            let fee = merchant.fee(on: amount)
            ledger.transfer(amount - fee, from: "merchant:\(merchant.id)", to: Ledger.settlement(with: configuration.scheme), memo: "\(fate) \(reference) after payout")
            ledger.transfer(fee, from: "fees", to: Ledger.settlement(with: configuration.scheme), memo: "fee back \(reference)")
            return []
        }
        let due = items.remove(at: index)
        dues[merchant.id] = items
        ledger.transfer(due.net, from: "merchant:\(merchant.id)", to: Ledger.settlement(with: configuration.scheme), memo: "\(fate) \(reference)")
        ledger.transfer(due.fee, from: "fees", to: Ledger.settlement(with: configuration.scheme), memo: "fee back \(reference)")
        return []
    }

    /// The local time of the swipe: DE13 and DE12 from the terminal, in the year of `now`.
    func swipeTime(of request: ISOMessage, now: Instant) -> LocalDateTime {
        let local = configuration.zone.local(now)
        guard let mmdd = request[DE.localDate], let hhmmss = request[DE.localTime], mmdd.count == 4, hhmmss.count == 6,
              let month = Int(mmdd.prefix(2)), let day = Int(mmdd.suffix(2)),
              let time = TimeOfDay(hour: Int(hhmmss.prefix(2)) ?? -1, minute: Int(hhmmss.dropFirst(2).prefix(2)) ?? -1, second: Int(hhmmss.suffix(2)) ?? -1)
        else { return local }
        // A swipe on 31 December answered on 1 January belongs to the year before.
        let year = month > local.date.month + 6 ? local.date.year - 1 : local.date.year
        guard let date = LocalDate(year: year, month: month, day: day) else { return local }
        return LocalDateTime(date: date, time: time)
    }

    /// The first payout time of a merchant at or after `local` (strictly after, when `strictly`), on a day its terms allow.
    func nextPayoutTime(_ merchant: MerchantContract, after local: LocalDateTime, strictly: Bool) -> LocalDateTime? {
        var day = local.date
        if strictly ? local.time >= merchant.payoutAt : local.time > merchant.payoutAt { day = day.adding(days: 1) }
        for _ in 0..<400 {
            if merchant.terms.basis == .calendarDays { return LocalDateTime(date: day, time: merchant.payoutAt) }
            guard let open = try? configuration.calendar.isBusinessDay(day) else { return nil }
            if open { return LocalDateTime(date: day, time: merchant.payoutAt) }
            day = day.adding(days: 1)
        }
        return nil
    }

    /// Sends the merchant's bank one credit for everything due by now, unless a hold stops it.
    mutating func payOut(merchant: MerchantContract, now: Instant) -> [NodeAction] {
        let local = configuration.zone.local(now)
        var items = dues[merchant.id] ?? []
        let dueNow = items.indices.filter { index in
            let item = items[index]
            return (item.state == .scheduled || item.state == .returned) && (item.payableAt.map { $0 <= local } ?? true)
        }
        guard !dueNow.isEmpty else { return [] }
        if holds.contains(merchant.id) {
            var actions: [NodeAction] = []
            for index in dueNow where items[index].state != .held {
                items[index].state = .held
                actions.append(.record(TimelineEvent(at: now, node: name, kind: .held, reference: items[index].reference,
                                                     detail: "payout to merchant \(merchant.id) held by risk control")))
            }
            dues[merchant.id] = items
            return actions
        }
        for index in dueNow { items[index].state = .sending }
        dues[merchant.id] = items
        let paying = dueNow.map { items[$0] }
        let total = paying.reduce(Money.zero) { $0 + $1.net }
        let rrn = generator.digits(12)
        var credit = ISOMessage(mti: "0200")
        credit[DE.processingCode] = ProcessingCode.payoutCredit
        credit[DE.amount] = total.de4
        credit[DE.transmissionDateTime] = MessageTimes.transmission(now)
        credit[DE.stan] = trace.take()
        credit[DE.localTime] = local.time.hhmmss
        credit[DE.localDate] = local.date.mmdd
        credit[DE.acquirerID] = configuration.institutionID
        credit[DE.rrn] = rrn
        credit[DE.merchantID] = merchant.id
        credit[DE.currency] = configuration.currency.numeric
        credit[DE.creditAccount] = merchant.accountNumber
        let payoutReference = "payout/\(rrn)"
        payouts[payoutReference] = PayoutInFlight(merchantID: merchant.id, references: paying.map(\.reference), total: total, message: credit)
        let exponent = configuration.currency.exponent
        var actions: [NodeAction] = [.send(credit, to: merchant.accountBank)]
        for item in paying {
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .paidOut, reference: item.reference, related: [payoutReference],
                detail: "\(item.net.formatted(exponent: exponent)) (of \(item.amount.formatted(exponent: exponent)), after the fee) sent to \(merchant.accountBank) in payout \(rrn)",
                facts: .init(amount: item.net, operation: .payout))))
        }
        return actions
    }

    mutating func payoutAnswered(_ response: ISOMessage, from bank: String, now: Instant) -> [NodeAction] {
        let reference = "payout/\(response[DE.rrn] ?? "")"
        guard let payout = payouts.removeValue(forKey: reference), let merchant = merchants[payout.merchantID] else { return [] }
        var items = dues[merchant.id] ?? []
        if response[DE.responseCode] == "00" {
            ledger.transfer(payout.total, from: "merchant:\(merchant.id)", to: Ledger.settlement(with: bank), memo: reference)
            items.removeAll { payout.references.contains($0.reference) }
            dues[merchant.id] = items
            return []
        }
        // Refused (a frozen account, say): pay again at the next payout time the terms allow.
        guard let retry = nextPayoutTime(merchant, after: configuration.zone.local(now), strictly: true) else {
            return [.fault("no day to pay merchant \(merchant.id) again after the payout was returned")]
        }
        for index in items.indices where payout.references.contains(items[index].reference) {
            items[index].state = .returned
            items[index].payableAt = retry
        }
        dues[merchant.id] = items
        return [.startTimer(TimerKey("payout \(merchant.id) \(retry)"), at: configuration.zone.instant(retry))]
    }
}
