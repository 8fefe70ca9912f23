import ISO8583
import SettlementCalendar

/// The acquirer (the payment provider): forwards its merchants' purchases to the scheme,
/// times out and reverses, refuses duplicates, keeps each merchant's contract, and pays
/// merchants what their terms make due, as far as holds and returned payouts allow.
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

    /// What became of a purchase the acquirer saw.
    enum Fate: Sendable, Equatable { case waiting, approved, declined, reversed, voided }

    /// A purchase the acquirer saw, kept to refuse duplicates and to match voids and reversals.
    struct Seen: Sendable {
        var request: ISOMessage
        var fate: Fate
        var merchantID: String
    }

    /// A request forwarded to the scheme.
    struct Waiting: Sendable {
        var terminal: String
        var request: ISOMessage
        var operation: TimelineEvent.Operation
        var original: String
    }

    /// Money owed to a merchant for one approved purchase.
    struct Due: Sendable {
        enum State: Sendable { case scheduled, held, returned, sending }
        var reference: String
        var amount: Money
        var fee: Money
        var net: Money
        /// When it may be paid; nil: at once.
        var payableAt: LocalDateTime?
        var state: State
    }

    /// A payout sent to a merchant's bank, waiting for its answer.
    struct PayoutInFlight: Sendable {
        var merchantID: String
        var references: [String]
        var total: Money
        var message: ISOMessage
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public internal(set) var ledger = Ledger()
    var generator: SeededGenerator
    var trace: TraceNumbers
    var merchants: [String: MerchantContract] = [:]
    var seen: [String: Seen] = [:]
    var waiting: [String: Waiting] = [:]
    /// Reversals sent upstream and not yet acknowledged, by their own reference.
    var reversals: [String: (message: ISOMessage, attempts: Int)] = [:]
    var dues: [String: [Due]] = [:]
    var payouts: [String: PayoutInFlight] = [:]
    var holds: Set<String> = []

    /// Makes an acquirer.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed, stream: configuration.name)
        trace = TraceNumbers(&generator)
        self.generator = generator
        for merchant in configuration.merchants { merchants[merchant.id] = merchant }
    }

    public var waitingOn: [String] {
        waiting.keys.map { "request \($0)" } + reversals.keys.map { "reversal \($0)" } + payouts.keys.map { "payout \($0)" }
    }

    // MARK: - Messages

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        if message.isResponse {
            if message.isPayout { return payoutAnswered(message, from: peer, now: now) }
            if message.mti == "0430" {
                reversals[message.transactionReference] = nil
                return [.cancelTimer(TimerKey("reversal \(message.transactionReference)"))]
            }
            return schemeAnswered(message, now: now)
        }
        if message.isReversal { return terminalReversed(message, from: peer, now: now) }
        if message.isVoid { return forwardVoid(message, from: peer, now: now) }
        if message.mti == "0200" { return forwardPurchase(message, from: peer, now: now) }
        return [.send(message.response(code: "12"), to: peer)]
    }

    private mutating func forwardPurchase(_ request: ISOMessage, from terminal: String, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        if let earlier = seen[reference] {
            if earlier.fate == .waiting {
                // The first is still on its way: its answer will serve; a second answer would contradict it.
                return [.record(TimelineEvent(at: now, node: name, kind: .duplicate, reference: reference,
                                              detail: "the same STAN \(request[DE.stan] ?? "") again while the first is in progress: ignored"))]
            }
            return [
                .send(request.response(code: "94"), to: terminal),
                .record(TimelineEvent(at: now, node: name, kind: .duplicate, reference: reference,
                                      detail: "the same STAN \(request[DE.stan] ?? "") and time again (first one \(earlier.fate)): answered 94",
                                      facts: .init(responseCode: "94"))),
            ]
        }
        guard let merchantID = request[DE.merchantID], let merchant = merchants[merchantID],
              merchant.terminals.contains(request[DE.terminalID] ?? "") else {
            return [.send(request.response(code: "05"), to: terminal)]
        }
        var outgoing = request
        outgoing[DE.acquirerID] = configuration.institutionID
        outgoing[DE.merchantType] = merchant.mcc
        seen[reference] = Seen(request: outgoing, fate: .waiting, merchantID: merchant.id)
        waiting[reference] = Waiting(terminal: terminal, request: outgoing, operation: .purchase, original: reference)
        return [
            .send(outgoing, to: configuration.scheme),
            .startTimer(TimerKey("scheme \(reference)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    private mutating func forwardVoid(_ void: ISOMessage, from terminal: String, now: Instant) -> [NodeAction] {
        let original = void.originalReference
        guard let entry = seen[original], entry.fate == .approved else {
            return [.send(void.response(code: "12"), to: terminal)]
        }
        var outgoing = void
        outgoing[DE.acquirerID] = configuration.institutionID
        outgoing[DE.originalData] = entry.request.originalDataElements
        let own = void.transactionReference
        waiting[own] = Waiting(terminal: terminal, request: outgoing, operation: .void, original: original)
        return [
            .send(outgoing, to: configuration.scheme),
            .startTimer(TimerKey("scheme \(own)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    /// The terminal gave up on a purchase: acknowledge at once, and reverse upstream what may have been approved.
    private mutating func terminalReversed(_ reversal: ISOMessage, from terminal: String, now: Instant) -> [NodeAction] {
        let original = reversal.originalReference
        guard let entry = seen[original] else {
            return [.send(reversal.response(code: "25"), to: terminal)]
        }
        var actions: [NodeAction] = [.send(reversal.response(code: "00"), to: terminal)]
        switch entry.fate {
        case .approved, .waiting:
            actions += cancelPurchase(original, to: .reversed, now: now)
            actions += reverseUpstream(entry.request, now: now)
        case .declined, .reversed, .voided:
            seen[original]?.fate = .reversed
        }
        return actions
    }

    private mutating func schemeAnswered(_ response: ISOMessage, now: Instant) -> [NodeAction] {
        let own = response.transactionReference
        guard let entry = waiting.removeValue(forKey: own) else { return [] }
        var actions: [NodeAction] = [.cancelTimer(TimerKey("scheme \(own)")), .send(response, to: entry.terminal)]
        let approved = response[DE.responseCode] == "00"
        switch entry.operation {
        case .purchase:
            seen[own]?.request.setBytes(DE.rrn, response.bytes(DE.rrn))
            guard approved else {
                seen[own]?.fate = .declined
                return actions
            }
            seen[own]?.fate = .approved
            actions += book(entry.request, now: now)
        case .void:
            if approved {
                actions += cancelPurchase(entry.original, to: .voided, now: now)
            }
        default:
            break
        }
        return actions
    }

    // MARK: - Timers, commands, failures

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        if key.name.hasPrefix("scheme ") {
            let own = String(key.name.dropFirst("scheme ".count))
            guard let entry = waiting.removeValue(forKey: own) else { return [] }
            var actions: [NodeAction] = [
                .send(entry.request.response(code: "91"), to: entry.terminal),
                .record(TimelineEvent(at: now, node: name, kind: .timedOut, reference: entry.original,
                                      detail: "no answer from \(configuration.scheme) to the \(entry.operation.rawValue) within \(configuration.timeout.compact): answered 91",
                                      facts: .init(responseCode: "91", operation: entry.operation))),
            ]
            if entry.operation == .purchase {
                seen[own]?.fate = .reversed
                actions += reverseUpstream(entry.request, now: now)
            }
            return actions
        }
        if key.name.hasPrefix("reversal ") {
            let own = String(key.name.dropFirst("reversal ".count))
            guard var pending = reversals.removeValue(forKey: own) else { return [] }
            guard pending.attempts < RepeatSchedule.maximumAttempts else {
                return [.fault("gave up on reversal \(own) after \(pending.attempts) attempts")]
            }
            pending.message.mti = "0421"
            pending.attempts += 1
            reversals[own] = pending
            return [
                .send(pending.message, to: configuration.scheme),
                .startTimer(TimerKey("reversal \(own)"), at: now.advanced(by: RepeatSchedule.delay(after: configuration.timeout, attempt: pending.attempts))),
            ]
        }
        if key.name.hasPrefix("payout ") {
            let merchantID = String(key.name.dropFirst("payout ".count).prefix { $0 != " " })
            guard let merchant = merchants[merchantID] else { return [] }
            return payOut(merchant: merchant, now: now)
        }
        return []
    }

    /// Sends the scheme a `0420` for a purchase it may have approved, repeated until acknowledged.
    mutating func reverseUpstream(_ original: ISOMessage, now: Instant) -> [NodeAction] {
        var reversal = original.keeping([DE.pan, DE.processingCode, DE.amount, DE.localTime, DE.localDate, DE.expiry, DE.acquirerID, DE.rrn, DE.terminalID, DE.merchantID, DE.currency], mti: "0420")
        reversal[DE.transmissionDateTime] = MessageTimes.transmission(now)
        reversal[DE.stan] = trace.take()
        reversal[DE.originalData] = original.originalDataElements
        let own = reversal.transactionReference
        reversals[own] = (reversal, 1)
        return [
            .send(reversal, to: configuration.scheme),
            .startTimer(TimerKey("reversal \(own)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] {
        guard case .hold(let merchantID, let on) = command, let merchant = merchants[merchantID] else { return [] }
        if on {
            holds.insert(merchantID)
            return []
        }
        holds.remove(merchantID)
        var items = dues[merchantID] ?? []
        var actions: [NodeAction] = []
        let next = nextPayoutTime(merchant, after: configuration.zone.local(now), strictly: false)
        for index in items.indices where items[index].state == .held {
            items[index].state = .scheduled
            if let next { items[index].payableAt = next }
            actions.append(.record(TimelineEvent(at: now, node: name, kind: .released, reference: items[index].reference,
                                                 detail: "hold on merchant \(merchantID) lifted: paid at the next payout time\(next.map { ", \($0)" } ?? "")")))
        }
        dues[merchantID] = items
        if let next, !actions.isEmpty {
            actions.append(.startTimer(TimerKey("payout \(merchantID) \(next)"), at: configuration.zone.instant(next)))
        }
        return actions
    }

    public mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] {
        if peer == configuration.scheme, message.mti == "0200" {
            // The scheme cannot be reached: answer the terminal at once.
            let own = message.transactionReference
            guard let entry = waiting.removeValue(forKey: own) else { return [] }
            if entry.operation == .purchase { seen[own]?.fate = .declined }
            return [
                .cancelTimer(TimerKey("scheme \(own)")),
                .send(entry.request.response(code: "96"), to: entry.terminal),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: entry.original,
                                      detail: "cannot reach \(peer): answered 96", facts: .init(responseCode: "96", operation: entry.operation))),
            ]
        }
        if message.mti == "0210", message[DE.responseCode] == "00", !message.isPayout, message[DE.processingCode] == ProcessingCode.purchase {
            // An approval the terminal cannot receive is reversed.
            let reference = message.transactionReference
            guard let entry = seen[reference], entry.fate == .approved else { return [] }
            return cancelPurchase(reference, to: .reversed, now: now) + reverseUpstream(entry.request, now: now)
        }
        if message.isPayout, message.mti == "0200" {
            // The merchant's bank is down: this payout goes again when it is back.
            let reference = "payout/\(message[DE.rrn] ?? "")"
            guard let payout = payouts.removeValue(forKey: reference) else { return [] }
            var items = dues[payout.merchantID] ?? []
            for index in items.indices where payout.references.contains(items[index].reference) { items[index].state = .returned }
            dues[payout.merchantID] = items
        }
        return []
    }

    public mutating func peerAvailable(_ peer: String, now: Instant) -> [NodeAction] {
        var actions: [NodeAction] = []
        for merchant in configuration.merchants where merchant.accountBank == peer {
            let local = configuration.zone.local(now)
            if (dues[merchant.id] ?? []).contains(where: { $0.state == .returned && ($0.payableAt.map { $0 <= local } ?? true) }) {
                actions += payOut(merchant: merchant, now: now)
            }
        }
        return actions
    }
}
