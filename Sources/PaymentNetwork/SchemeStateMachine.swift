import ISO8583
import SettlementCalendar

/// The card scheme (the switch): routes on the BIN, assigns the RRN and the clearing
/// date, times out on issuers (answering `91`, or standing in up to a limit and advising
/// the issuer afterwards), relays reversals and voids, and clears and settles each day at
/// its cutoff.
public struct SchemeStateMachine: NodeLogic {
    /// What a scheme is set up with.
    public struct Configuration: Sendable {
        /// The node's name.
        public var name: String
        /// The daily cutoff (local time).
        public var cutoff: TimeOfDay
        /// How long it waits for an issuer.
        public var timeout: Duration
        /// The most it approves in an issuer's place; nil: no stand-in.
        public var standInLimit: Money?
        /// BIN prefixes and the bank node that issues them.
        public var routes: [(bin: String, bank: String)]
        /// The local time zone.
        public var zone: Zone
        /// The currency.
        public var currency: Currency

        /// Makes a configuration.
        public init(name: String, cutoff: TimeOfDay, timeout: Duration, standInLimit: Money? = nil, routes: [(bin: String, bank: String)], zone: Zone, currency: Currency) {
            self.name = name
            self.cutoff = cutoff
            self.timeout = timeout
            self.standInLimit = standInLimit
            self.routes = routes
            self.zone = zone
            self.currency = currency
        }
    }

    private struct Waiting: Sendable {
        var acquirer: String
        var issuer: String
        var request: ISOMessage
        var operation: TimelineEvent.Operation
        var original: String
    }

    /// An approved purchase, until it is cleared.
    private struct Approved: Sendable {
        var request: ISOMessage
        var amount: Money
        var issuer: String
        var acquirer: String
        var clearingDate: LocalDate
        var cleared: Bool
    }

    private struct BatchItem: Sendable {
        var reference: String
        var amount: Money
        var issuer: String
        var acquirer: String
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public private(set) var ledger = Ledger()
    private var generator: SeededGenerator
    private var trace: TraceNumbers
    private var waiting: [String: Waiting] = [:]
    private var approved: [String: Approved] = [:]
    private var batches: [LocalDate: [BatchItem]] = [:]
    /// Reversals and advices the scheme itself sends to issuers, until answered.
    private var repeating: [String: (message: ISOMessage, issuer: String, attempts: Int)] = [:]

    /// Makes a scheme.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed, stream: configuration.name)
        trace = TraceNumbers(&generator)
        self.generator = generator
    }

    public var waitingOn: [String] {
        waiting.keys.map { "request \($0)" } + repeating.keys.map { "advice or reversal \($0)" }
            + batches.filter { !$0.value.isEmpty }.map { "clearing of \($0.value.count) item(s) on \($0.key)" }
    }

    /// The clearing date of a request made at local time `local`.
    public func clearingDate(at local: LocalDateTime) -> LocalDate {
        local.time < configuration.cutoff ? local.date : local.date.adding(days: 1)
    }

    /// The bank that issues a PAN: the longest BIN prefix that matches.
    public func issuer(of pan: String) -> String? {
        configuration.routes.filter { pan.hasPrefix($0.bin) }.max { $0.bin.count < $1.bin.count }?.bank
    }

    public mutating func start(now: Instant) -> [NodeAction] {
        [nextCutoff(after: now)]
    }

    private func nextCutoff(after now: Instant) -> NodeAction {
        let local = configuration.zone.local(now)
        var date = local.date
        if local.time >= configuration.cutoff { date = date.adding(days: 1) }
        return .startTimer(TimerKey("cutoff"), at: configuration.zone.instant(LocalDateTime(date: date, time: configuration.cutoff)))
    }

    // MARK: - Messages

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        if message.isResponse { return issuerAnswered(message, now: now) }
        if message.isReversal { return relayReversal(message, from: peer, now: now) }
        if message.isVoid { return relayVoid(message, from: peer, now: now) }
        if message.mti == "0200" { return route(message, from: peer, now: now) }
        return [.send(message.response(code: "12"), to: peer)]
    }

    private mutating func route(_ request: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        guard let pan = request[DE.pan], let issuer = issuer(of: pan) else {
            return [
                .send(request.response(code: "14"), to: acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: reference,
                                      detail: "no bank issues BIN \(PAN.bin(request[DE.pan] ?? "")): answered 14",
                                      facts: .init(responseCode: "14"))),
            ]
        }
        var outgoing = request
        outgoing[DE.rrn] = generator.digits(12)
        outgoing[DE.settlementDate] = clearingDate(at: configuration.zone.local(now)).mmdd
        waiting[reference] = Waiting(acquirer: acquirer, issuer: issuer, request: outgoing, operation: .purchase, original: reference)
        return [
            .send(outgoing, to: issuer),
            .startTimer(TimerKey("issuer \(reference)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    private mutating func relayVoid(_ void: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let original = void.originalReference
        guard let entry = approved[original], !entry.cleared else {
            // Not approved here, or already cleared: a void cannot undo it.
            return [.send(void.response(code: "12"), to: acquirer)]
        }
        let own = void.transactionReference
        var outgoing = void
        outgoing[DE.rrn] = entry.request[DE.rrn]
        waiting[own] = Waiting(acquirer: acquirer, issuer: entry.issuer, request: outgoing, operation: .void, original: original)
        return [
            .send(outgoing, to: entry.issuer),
            .startTimer(TimerKey("issuer \(own)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    /// Passes an acquirer's reversal to the issuer and takes the purchase out of clearing.
    private mutating func relayReversal(_ reversal: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let original = reversal.originalReference
        guard let pan = reversal[DE.pan], let issuer = approved[original]?.issuer ?? issuer(of: pan) else {
            return [.send(reversal.response(code: "25"), to: acquirer)]
        }
        unclear(original, now: now)
        let own = reversal.transactionReference
        waiting[own] = Waiting(acquirer: acquirer, issuer: issuer, request: reversal, operation: .reversal, original: original)
        // The acquirer repeats its reversal until answered; no timer here.
        return [.send(reversal, to: issuer)]
    }

    /// Removes a purchase from its clearing batch, or settles it back if already cleared.
    private mutating func unclear(_ reference: String, now: Instant) {
        guard let entry = approved.removeValue(forKey: reference) else { return }
        if entry.cleared {
            let date = clearingDate(at: configuration.zone.local(now))
            batches[date, default: []].append(BatchItem(reference: reference, amount: -entry.amount, issuer: entry.issuer, acquirer: entry.acquirer))
        } else {
            batches[entry.clearingDate]?.removeAll { $0.reference == reference }
        }
    }

    private mutating func issuerAnswered(_ response: ISOMessage, now: Instant) -> [NodeAction] {
        let own = response.transactionReference
        // An answer to our own advice (0230) or reversal (0430), not a late 0210.
        if let pending = repeating[own], response.mti.prefix(3) == pending.message.mti.prefix(2) + "3" {
            repeating[own] = nil
            return [.cancelTimer(TimerKey("repeat \(own)"))]
        }
        guard let entry = waiting.removeValue(forKey: own) else { return [] }
        var actions: [NodeAction] = [.cancelTimer(TimerKey("issuer \(own)")), .send(response, to: entry.acquirer)]
        guard response[DE.responseCode] == "00" else { return actions }
        switch entry.operation {
        case .purchase:
            if let amount = entry.request.amount {
                let date = clearingDate(at: configuration.zone.local(now))
                approved[own] = Approved(request: entry.request, amount: amount, issuer: entry.issuer, acquirer: entry.acquirer, clearingDate: date, cleared: false)
                batches[date, default: []].append(BatchItem(reference: own, amount: amount, issuer: entry.issuer, acquirer: entry.acquirer))
            }
        case .void:
            unclear(entry.original, now: now)
        default:
            break
        }
        return actions
    }

    // MARK: - Timers

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        if key.name == "cutoff" { return clearDay(now: now) }
        if key.name.hasPrefix("repeat ") {
            let own = String(key.name.dropFirst("repeat ".count))
            guard var pending = repeating[own] else { return [] }
            guard pending.attempts < RepeatSchedule.maximumAttempts else {
                repeating[own] = nil
                return [.fault("gave up on \(pending.message.mti) \(own) to \(pending.issuer) after \(pending.attempts) attempts")]
            }
            pending.message.mti = String(pending.message.mti.prefix(3)) + "1"
            pending.attempts += 1
            repeating[own] = pending
            return [
                .send(pending.message, to: pending.issuer),
                .startTimer(TimerKey("repeat \(own)"), at: now.advanced(by: RepeatSchedule.delay(after: configuration.timeout, attempt: pending.attempts))),
            ]
        }
        let own = String(key.name.dropFirst("issuer ".count))
        guard let entry = waiting.removeValue(forKey: own) else { return [] }
        return issuerSilent(entry, now: now, why: "no answer from \(entry.issuer) within \(configuration.timeout.compact)")
    }

    /// The issuer did not answer (or cannot be reached): stand in, or answer 91 and reverse.
    private mutating func issuerSilent(_ entry: Waiting, now: Instant, why: String) -> [NodeAction] {
        guard entry.operation == .purchase else {
            return [
                .send(entry.request.response(code: "91"), to: entry.acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .timedOut, reference: entry.original,
                                      detail: "\(why) to the \(entry.operation.rawValue): answered 91",
                                      facts: .init(responseCode: "91", operation: entry.operation))),
            ]
        }
        let reference = entry.original
        if let limit = configuration.standInLimit, let amount = entry.request.amount, amount <= limit, amount > .zero {
            var response = entry.request.response(code: "00")
            let authorization = generator.digits(6)
            response[DE.authorizationCode] = authorization
            let date = clearingDate(at: configuration.zone.local(now))
            approved[reference] = Approved(request: entry.request, amount: amount, issuer: entry.issuer, acquirer: entry.acquirer, clearingDate: date, cleared: false)
            batches[date, default: []].append(BatchItem(reference: reference, amount: amount, issuer: entry.issuer, acquirer: entry.acquirer))
            var advice = entry.request
            advice.mti = "0220"
            advice[DE.authorizationCode] = authorization
            advice[DE.responseCode] = "00"
            repeating[reference] = (advice, entry.issuer, 1)
            let exponent = configuration.currency.exponent
            return [
                .send(response, to: entry.acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .stoodIn, reference: reference,
                                      detail: "\(why): approved \(amount.formatted(exponent: exponent)) in the issuer's place (limit \(limit.formatted(exponent: exponent))), authorization code \(authorization)",
                                      facts: .init(responseCode: "00", amount: amount))),
                .send(advice, to: entry.issuer),
                .startTimer(TimerKey("repeat \(reference)"), at: now.advanced(by: configuration.timeout)),
            ]
        }
        var actions: [NodeAction] = [
            .send(entry.request.response(code: "91"), to: entry.acquirer),
            .record(TimelineEvent(at: now, node: name, kind: .timedOut, reference: reference,
                                  detail: "\(why): answered 91 and reversing at the issuer",
                                  facts: .init(responseCode: "91"))),
        ]
        actions += reverseAtIssuer(entry.request, issuer: entry.issuer, now: now)
        return actions
    }

    /// Sends the issuer a `0420` for a purchase it may have approved, repeated until answered.
    private mutating func reverseAtIssuer(_ original: ISOMessage, issuer: String, now: Instant) -> [NodeAction] {
        var reversal = original.keeping([DE.pan, DE.processingCode, DE.amount, DE.localTime, DE.localDate, DE.expiry, DE.acquirerID, DE.rrn, DE.terminalID, DE.merchantID, DE.currency], mti: "0420")
        reversal[DE.transmissionDateTime] = MessageTimes.transmission(now)
        reversal[DE.stan] = trace.take()
        reversal[DE.originalData] = original.originalDataElements
        let own = reversal.transactionReference
        repeating[own] = (reversal, issuer, 1)
        return [
            .send(reversal, to: issuer),
            .startTimer(TimerKey("repeat \(own)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    public mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] {
        let own = message.transactionReference
        if message.mti == "0200", let entry = waiting[own], entry.issuer == peer {
            waiting[own] = nil
            return [.cancelTimer(TimerKey("issuer \(own)"))] + issuerSilent(entry, now: now, why: "\(peer) cannot be reached")
        }
        if message.mti == "0210", message[DE.responseCode] == "00", message[DE.processingCode] == ProcessingCode.purchase,
           let entry = approved[own] {
            // The acquirer cannot receive the approval: undo it at the issuer.
            unclear(own, now: now)
            return reverseAtIssuer(entry.request, issuer: entry.issuer, now: now)
        }
        return []
    }

    /// Clears the day that ends at this cutoff and settles it between issuers and acquirers.
    private mutating func clearDay(now: Instant) -> [NodeAction] {
        let date = configuration.zone.local(now).date
        var actions: [NodeAction] = []
        let exponent = configuration.currency.exponent
        for item in batches.removeValue(forKey: date) ?? [] {
            ledger.transfer(item.amount, from: Ledger.settlement(with: item.issuer), to: Ledger.settlement(with: item.acquirer), memo: "settle \(item.reference)")
            if item.amount < .zero {
                actions.append(.record(TimelineEvent(
                    at: now, node: name, kind: .settled, reference: item.reference,
                    detail: "\((-item.amount).formatted(exponent: exponent)) settled back from \(item.acquirer) to \(item.issuer) (reversed after clearing)",
                    facts: .init(clearingDate: date, amount: item.amount, operation: .reversal))))
                continue
            }
            approved[item.reference]?.cleared = true
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .cleared, reference: item.reference,
                detail: "cleared in the batch of \(date)", facts: .init(clearingDate: date, amount: item.amount))))
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .settled, reference: item.reference,
                detail: "\(item.amount.formatted(exponent: exponent)) settled from \(item.issuer) to \(item.acquirer)",
                facts: .init(clearingDate: date, amount: item.amount))))
        }
        actions.append(nextCutoff(after: now))
        return actions
    }
}
