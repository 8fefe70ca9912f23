public import ISO8583
public import SettlementCalendar

/// An aggregator (二清, second-level clearing): a company between the acquirer and its
/// sub-merchants. The acquirer pays the aggregator's account for the sub-merchants' sales
/// (payout credits, 0200 processing code 280000, DE103 its account, DE42 the sub-merchant),
/// and the aggregator pays each sub-merchant on its own terms, counted from the day it was
/// paid, with a payout credit of its own to the sub-merchant's bank (named by the acquirer's
/// DE37, so the merchant's money can be followed end to end). In default (`aggregator_default`)
/// it takes the money and does not pay it on.
public struct AggregatorStateMachine: NodeLogic {
    /// What an aggregator is set up with.
    public struct Configuration: Sendable {
        /// Its zone keys, by peer.
        public var security = NodeSecurity()
        public var name: String
        /// Its account, which the acquirer's payout credits name in DE103.
        public var account: String
        /// Its sub-merchants, by merchant id (DE42).
        public var subMerchants: [String: SubMerchant]
        public var calendar: BusinessCalendar
        public var zone: Zone
        public var currency: Currency
        /// How long it waits for a bank's answer before it sends a credit again.
        public var timeout: Duration

        /// One sub-merchant: where and when the aggregator pays it.
        public struct SubMerchant: Sendable {
            public var accountBank: String
            public var accountNumber: String
            /// Counted from the day the aggregator was paid.
            public var pays: SettlementTerms
            public var payoutAt: TimeOfDay
            public init(accountBank: String, accountNumber: String, pays: SettlementTerms, payoutAt: TimeOfDay) {
                self.accountBank = accountBank
                self.accountNumber = accountNumber
                self.pays = pays
                self.payoutAt = payoutAt
            }
        }

        public init(name: String, account: String, subMerchants: [String: SubMerchant], calendar: BusinessCalendar, zone: Zone, currency: Currency,
                    timeout: Duration = .seconds(45)) {
            self.name = name
            self.account = account
            self.subMerchants = subMerchants
            self.calendar = calendar
            self.zone = zone
            self.currency = currency
            self.timeout = timeout
        }
    }

    /// Money the acquirer paid for one sub-merchant, by the acquirer's RRN.
    struct Receipt: Sendable {
        enum State: Sendable { case kept, sending, paid }
        var merchant: String
        var amount: Money
        /// When the aggregator owes it on.
        var payableAt: LocalDateTime
        var state: State
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public internal(set) var ledger = Ledger()
    var generator: SeededGenerator
    var trace: TraceNumbers
    var credits: Retransmissions
    var receipts: [String: Receipt] = [:]
    /// Answers given to the acquirer's credits, by RRN (a repeat gets the same, no money).
    var answered: [String: ResponseCode] = [:]
    /// While `aggregator_default` lasts.
    var defaulting = false

    /// `stans`: the STANs it numbers what it sends from (all unless a load part's share).
    public init(configuration: Configuration, seed: UInt64, stans: ClosedRange<Int> = TraceNumbers.all) {
        self.configuration = configuration
        generator = SeededGenerator(seed: seed, stream: configuration.name)
        trace = TraceNumbers(&generator, within: stans)
        credits = Retransmissions(timeout: configuration.timeout)
    }

    var exponent: Int { configuration.currency.exponent }

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        guard message.isPayout else { return message.isResponse ? [] : [.send(message.response(code: .invalidTransaction), to: peer)] }
        return message.isResponse ? creditAnswered(message, from: peer, now: now) : paid(message, from: peer, now: now)
    }

    /// The acquirer pays the aggregator's account for a sub-merchant: kept, and owed on under the sub-merchant's terms.
    mutating func paid(_ credit: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let rrn = credit[DE.rrn] ?? ""
        if let earlier = answered[rrn] { return [.send(credit.response(code: earlier), to: acquirer)] }
        guard let amount = credit.amount, amount > .zero, credit[DE.creditAccount] == configuration.account,
              let id = credit[DE.merchantID], let merchant = configuration.subMerchants[id] else {
            answered[rrn] = .invalidCardNumber
            return [.send(credit.response(code: .invalidCardNumber), to: acquirer)]
        }
        answered[rrn] = .approved
        ledger.transfer(amount, from: Ledger.settlement(with: acquirer), to: "merchant:\(id)", memo: "payout/\(rrn) from \(acquirer)")
        let local = configuration.zone.local(now)
        let due = payoutTime(merchant, paidOn: local)
        receipts[rrn] = Receipt(merchant: id, amount: amount, payableAt: due ?? local, state: .kept)
        var actions: [NodeAction] = [
            .send(credit.response(code: .approved), to: acquirer),
            .record(TimelineEvent(at: now, node: name, kind: .paidToAggregator, reference: .payout(rrn: rrn),
                                  detail: "\(amount.formatted(exponent: exponent)) for merchant \(id) paid to \(name)'s account \(configuration.account); \(name) owes it on under \(merchant.pays)"
                                      + (due.map { ", at \($0)" } ?? ""),
                                  facts: .init(amount: amount, operation: .payout, merchant: id))),
        ]
        guard let due else { return actions + [.fault(NodeFault(.noPayoutDay, "\(name) has no day to pay merchant \(id) under \(merchant.pays)"))] }
        actions.append(.startTimer(.payout(merchant: id, at: due), at: configuration.zone.instant(due)))
        return actions
    }

    /// When a sub-merchant is paid for money the aggregator received on `local`: at once under
    /// T+0 (or D+0), else at its payout time `n` business (or calendar) days later.
    func payoutTime(_ merchant: Configuration.SubMerchant, paidOn local: LocalDateTime) -> LocalDateTime? {
        Self.payoutTime(pays: merchant.pays, payoutAt: merchant.payoutAt, paidOn: local, calendar: configuration.calendar)
    }

    /// When an aggregator paying on `pays` (counted from the day it was paid) pays money it
    /// received at `local`; nil when the calendar does not cover the days.
    public static func payoutTime(pays: SettlementTerms, payoutAt: TimeOfDay, paidOn local: LocalDateTime, calendar: BusinessCalendar) -> LocalDateTime? {
        if pays.days == 0 { return local }
        let day = pays.basis == .calendarDays ? local.date.adding(days: pays.days) : try? calendar.businessDay(pays.days, after: local.date)
        return day.map { LocalDateTime(date: $0, time: payoutAt) }
    }

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        switch key {
        case .payout(let merchant, _): return payOn(merchant, now: now)
        case .repeat(let reference): return credits.fire(reference, now: now)
        default: return []
        }
    }

    /// Pays a sub-merchant what is due by now, one credit per receipt, unless in default.
    mutating func payOn(_ id: String, now: Instant) -> [NodeAction] {
        let local = configuration.zone.local(now)
        guard let merchant = configuration.subMerchants[id] else { return [] }
        var actions: [NodeAction] = []
        for (rrn, receipt) in receipts.sorted(by: { $0.key < $1.key }) where receipt.merchant == id && receipt.state == .kept && receipt.payableAt <= local {
            if defaulting {
                actions.append(.record(TimelineEvent(at: now, node: name, kind: .kept, reference: .payout(rrn: rrn),
                                                     detail: "\(name) does not pay merchant \(id) the \(receipt.amount.formatted(exponent: exponent)) it was paid for it (aggregator default)",
                                                     facts: .init(amount: receipt.amount, operation: .payout, merchant: id))))
                continue
            }
            var credit = ISOMessage(mti: .financialRequest)
            credit[DE.processingCode] = ProcessingCode.payoutCredit
            credit[DE.amount] = receipt.amount.de4
            credit.stamp(now: now, stan: trace.take(), local: local)
            credit[DE.rrn] = rrn
            credit[DE.merchantID] = id
            credit[DE.currency] = configuration.currency.numeric
            credit[DE.creditAccount] = merchant.accountNumber
            receipts[rrn]?.state = .sending
            actions += credits.start(credit, to: merchant.accountBank, now: now)
            actions.append(.record(TimelineEvent(at: now, node: name, kind: .paidOut, reference: .payout(rrn: rrn),
                                                 detail: "\(name) pays \(receipt.amount.formatted(exponent: exponent)) on to merchant \(id)'s account \(merchant.accountNumber) at \(merchant.accountBank)",
                                                 facts: .init(amount: receipt.amount, operation: .payout, merchant: id))))
        }
        return actions
    }

    mutating func creditAnswered(_ response: ISOMessage, from bank: String, now: Instant) -> [NodeAction] {
        let rrn = response[DE.rrn] ?? ""
        guard let acknowledged = credits.acknowledge(response.transactionReference, code: response.responseCode), let receipt = receipts[rrn] else { return [] }
        if response.responseCode == .approved {
            receipts[rrn]?.state = .paid
            ledger.transfer(receipt.amount, from: "merchant:\(receipt.merchant)", to: Ledger.settlement(with: bank), memo: "payout/\(rrn) on")
            return acknowledged
        }
        // Refused: the money stays with the aggregator, paid again at the sub-merchant's next payout time.
        guard let merchant = configuration.subMerchants[receipt.merchant],
              let retry = Self.payoutTime(pays: SettlementTerms(basis: merchant.pays.basis, days: 1), payoutAt: merchant.payoutAt,
                                          paidOn: configuration.zone.local(now), calendar: configuration.calendar) else { return acknowledged }
        receipts[rrn]?.state = .kept
        receipts[rrn]?.payableAt = retry
        return acknowledged + [.startTimer(.payout(merchant: receipt.merchant, at: retry), at: configuration.zone.instant(retry))]
    }

    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] {
        guard case .aggregatorDefault(let on) = command else { return [] }
        defaulting = on
        guard !on else { return [] }
        // Out of default: what is due is paid now.
        return Set(receipts.values.filter { $0.state == .kept }.map(\.merchant)).sorted().flatMap { payOn($0, now: now) }
    }

    public var isWaiting: Bool { !credits.pending.isEmpty }

    public var waitingOn: [NodeWait] {
        credits.pending.values.map { NodeWait(.payout, "payout credit \($0.message[DE.rrn] ?? "") to \($0.peer)") }.sorted()
    }

    public func security(towards peer: String) -> LinkSecurity? { configuration.security.zones[peer] }
}
