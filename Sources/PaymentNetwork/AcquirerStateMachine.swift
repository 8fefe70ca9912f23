import ISO8583
import SettlementCalendar

/// The acquirer (the payment provider): forwards its merchants' purchases to the scheme,
/// keeps each merchant's contract, and pays merchants what their terms make due.
public struct AcquirerStateMachine: NodeLogic {
    /// What an acquirer is set up with.
    public struct Configuration: Sendable {
        /// The node's name.
        public var name: String
        /// Its institution id, DE32.
        public var institutionID: String
        /// The scheme node it sends to.
        public var scheme: String
        /// How long it waits for the scheme.
        public var timeout: Duration
        /// Its merchants.
        public var merchants: [MerchantContract]
        /// The business calendar of its payouts.
        public var calendar: BusinessCalendar
        /// The scheme's daily cutoff, which decides the clearing date.
        public var cutoff: TimeOfDay
        /// The local time zone.
        public var zone: Zone
        /// The currency.
        public var currency: Currency

        /// Makes a configuration.
        public init(
            name: String, institutionID: String, scheme: String, timeout: Duration, merchants: [MerchantContract],
            calendar: BusinessCalendar, cutoff: TimeOfDay, zone: Zone, currency: Currency
        ) {
            self.name = name
            self.institutionID = institutionID
            self.scheme = scheme
            self.timeout = timeout
            self.merchants = merchants
            self.calendar = calendar
            self.cutoff = cutoff
            self.zone = zone
            self.currency = currency
        }
    }

    /// Money owed to a merchant for one approved purchase.
    struct Due: Sendable {
        var reference: String
        var amount: Money
        var net: Money
        var payout: ArrivalSchedule.Payout
    }

    /// A payout sent to a merchant's bank, waiting for its answer.
    struct PayoutInFlight: Sendable {
        var merchantID: String
        var dues: [Due]
        var total: Money
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public private(set) var ledger = Ledger()
    private var generator: SeededGenerator
    private var merchants: [String: MerchantContract] = [:]
    private var waiting: [String: (terminal: String, request: ISOMessage)] = [:]
    private var dues: [String: [Due]] = [:]
    private var payouts: [String: PayoutInFlight] = [:]
    private var nextSTAN: Int

    /// Makes an acquirer.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        generator = SeededGenerator(seed: seed, stream: configuration.name)
        nextSTAN = Int(generator.next(upperBound: UInt64(900_000))) + 1
        for merchant in configuration.merchants { merchants[merchant.id] = merchant }
    }

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        switch (message.mti, message[DE.processingCode]) {
        case ("0200", _):
            return forward(message, from: peer, now: now)
        case ("0210", ProcessingCode.payoutCredit):
            return payoutAnswered(message, now: now)
        case ("0210", _):
            return authorizationAnswered(message, now: now)
        default:
            return []
        }
    }

    private mutating func forward(_ request: ISOMessage, from terminal: String, now: Instant) -> [NodeAction] {
        guard let merchantID = request[DE.merchantID], let merchant = merchants[merchantID],
              merchant.terminals.contains(request[DE.terminalID] ?? "")
        else {
            // A terminal that is not one of ours: "do not honor" rather than forwarding.
            return [.send(request.response(code: "05"), to: terminal)]
        }
        var outgoing = request
        outgoing[DE.acquirerID] = configuration.institutionID
        let reference = request.transactionReference
        waiting[reference] = (terminal, outgoing)
        return [
            .send(outgoing, to: configuration.scheme),
            .startTimer(TimerKey("scheme \(reference)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    private mutating func authorizationAnswered(_ response: ISOMessage, now: Instant) -> [NodeAction] {
        let reference = response.transactionReference
        guard let (terminal, request) = waiting.removeValue(forKey: reference) else { return [] }
        var actions: [NodeAction] = [.cancelTimer(TimerKey("scheme \(reference)")), .send(response, to: terminal)]
        guard response[DE.responseCode] == "00", let amount = request.amount,
              let merchant = merchants[request[DE.merchantID] ?? ""] else { return actions }
        let swipedAt = swipeTime(of: request, now: now)
        let schedule: ArrivalSchedule
        do {
            schedule = try ArrivalSchedule.compute(
                swipedAt: swipedAt, terms: merchant.terms, calendar: configuration.calendar,
                cutoff: configuration.cutoff, payoutAt: merchant.payoutAt)
        } catch {
            return actions + [.fault("cannot schedule the payout of \(reference): \(error)")]
        }
        let fee = merchant.fee(on: amount)
        let net = amount - fee
        ledger.transfer(net, from: Ledger.settlement(with: configuration.scheme), to: "merchant:\(merchant.id)", memo: "purchase \(reference)")
        ledger.transfer(fee, from: Ledger.settlement(with: configuration.scheme), to: "fees", memo: "fee \(reference)")
        dues[merchant.id, default: []].append(Due(reference: reference, amount: amount, net: net, payout: schedule.payout))
        switch schedule.payout {
        case .instant:
            actions += payOut(merchant: merchant, now: now, instantOnly: true)
        case .at(let local):
            actions.append(.startTimer(TimerKey("payout \(merchant.id) \(local)"), at: configuration.zone.instant(local)))
        }
        return actions
    }

    /// The local time of the swipe: DE13 and DE12 from the terminal, in the year of `now`.
    private func swipeTime(of request: ISOMessage, now: Instant) -> LocalDateTime {
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

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        if key.name.hasPrefix("scheme ") {
            let reference = String(key.name.dropFirst("scheme ".count))
            guard let (terminal, request) = waiting.removeValue(forKey: reference) else { return [] }
            return [
                .send(request.response(code: "91"), to: terminal),
                .record(TimelineEvent(at: now, node: name, kind: .timedOut, reference: reference,
                                      detail: "no answer from \(configuration.scheme) within \(configuration.timeout): answered 91")),
            ]
        }
        if key.name.hasPrefix("payout ") {
            let merchantID = String(key.name.dropFirst("payout ".count).prefix { $0 != " " })
            guard let merchant = merchants[merchantID] else { return [] }
            return payOut(merchant: merchant, now: now, instantOnly: false)
        }
        return []
    }

    /// Sends the merchant's bank one credit for everything due by now.
    private mutating func payOut(merchant: MerchantContract, now: Instant, instantOnly: Bool) -> [NodeAction] {
        let local = configuration.zone.local(now)
        var due: [Due] = []
        var later: [Due] = []
        for item in dues[merchant.id] ?? [] {
            switch item.payout {
            case .instant: due.append(item)
            case .at(let when): if !instantOnly && when <= local { due.append(item) } else { later.append(item) }
            }
        }
        dues[merchant.id] = later
        guard !due.isEmpty else { return [] }
        let total = due.reduce(Money.zero) { $0 + $1.net }
        let rrn = generator.digits(12)
        let stan = String(nextSTAN).leftPadded(6)
        nextSTAN = nextSTAN % 999_999 + 1
        let utc = LocalDateTime(secondsSinceEpoch: now.seconds)
        var credit = ISOMessage(mti: "0200")
        credit[DE.processingCode] = ProcessingCode.payoutCredit
        credit[DE.amount] = total.de4
        credit[DE.transmissionDateTime] = utc.date.mmdd + utc.time.hhmmss
        credit[DE.stan] = stan
        credit[DE.localTime] = local.time.hhmmss
        credit[DE.localDate] = local.date.mmdd
        credit[DE.acquirerID] = configuration.institutionID
        credit[DE.rrn] = rrn
        credit[DE.merchantID] = merchant.id
        credit[DE.currency] = configuration.currency.numeric
        credit[DE.creditAccount] = merchant.accountNumber
        let payoutReference = "payout/\(rrn)"
        payouts[payoutReference] = PayoutInFlight(merchantID: merchant.id, dues: due, total: total)
        let exponent = configuration.currency.exponent
        var actions: [NodeAction] = [.send(credit, to: merchant.accountBank)]
        for item in due {
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .paidOut, reference: item.reference, related: [payoutReference],
                detail: "\(item.net.formatted(exponent: exponent)) (of \(item.amount.formatted(exponent: exponent)), after the fee) sent to \(merchant.accountBank) in payout \(rrn)",
                facts: .init(amount: item.net))))
        }
        return actions
    }

    private mutating func payoutAnswered(_ response: ISOMessage, now: Instant) -> [NodeAction] {
        let reference = "payout/\(response[DE.rrn] ?? "")"
        guard let payout = payouts.removeValue(forKey: reference), let merchant = merchants[payout.merchantID] else { return [] }
        if response[DE.responseCode] == "00" {
            ledger.transfer(payout.total, from: "merchant:\(merchant.id)", to: Ledger.settlement(with: merchant.accountBank), memo: reference)
        }
        return []
    }
}
