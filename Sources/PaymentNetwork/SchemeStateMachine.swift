import ISO8583
import SettlementCalendar

/// The card scheme (the switch): routes on the BIN, assigns the RRN and the clearing
/// date, and clears and settles each day at its cutoff.
public struct SchemeStateMachine: NodeLogic {
    /// What a scheme is set up with.
    public struct Configuration: Sendable {
        /// The node's name.
        public var name: String
        /// The daily cutoff (local time).
        public var cutoff: TimeOfDay
        /// How long it waits for an issuer.
        public var timeout: Duration
        /// BIN prefixes and the bank node that issues them.
        public var routes: [(bin: String, bank: String)]
        /// The local time zone.
        public var zone: Zone
        /// The currency.
        public var currency: Currency

        /// Makes a configuration.
        public init(name: String, cutoff: TimeOfDay, timeout: Duration, routes: [(bin: String, bank: String)], zone: Zone, currency: Currency) {
            self.name = name
            self.cutoff = cutoff
            self.timeout = timeout
            self.routes = routes
            self.zone = zone
            self.currency = currency
        }
    }

    private struct Waiting: Sendable {
        var acquirer: String
        var issuer: String
        var request: ISOMessage
    }

    private struct Cleared: Sendable {
        var reference: String
        var amount: Money
        var issuer: String
        var acquirer: String
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public private(set) var ledger = Ledger()
    private var generator: SeededGenerator
    private var waiting: [String: Waiting] = [:]
    private var batches: [LocalDate: [Cleared]] = [:]

    /// Makes a scheme.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        generator = SeededGenerator(seed: seed, stream: configuration.name)
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

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        switch message.mti {
        case "0200": return route(message, from: peer, now: now)
        case "0210": return issuerAnswered(message, now: now)
        default: return []
        }
    }

    private mutating func route(_ request: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        guard let pan = request[DE.pan], let issuer = issuer(of: pan) else {
            return [
                .send(request.response(code: "14"), to: acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: reference,
                                      detail: "no bank issues BIN \(PAN.bin(request[DE.pan] ?? "")): 14",
                                      facts: .init(responseCode: "14"))),
            ]
        }
        var outgoing = request
        outgoing[DE.rrn] = generator.digits(12)
        outgoing[DE.settlementDate] = clearingDate(at: configuration.zone.local(now)).mmdd
        waiting[reference] = Waiting(acquirer: acquirer, issuer: issuer, request: outgoing)
        return [
            .send(outgoing, to: issuer),
            .startTimer(TimerKey("issuer \(reference)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    private mutating func issuerAnswered(_ response: ISOMessage, now: Instant) -> [NodeAction] {
        let reference = response.transactionReference
        guard let entry = waiting.removeValue(forKey: reference) else { return [] }
        if response[DE.responseCode] == "00", let amount = entry.request.amount {
            let date = clearingDate(at: configuration.zone.local(now))
            batches[date, default: []].append(Cleared(reference: reference, amount: amount, issuer: entry.issuer, acquirer: entry.acquirer))
        }
        return [.cancelTimer(TimerKey("issuer \(reference)")), .send(response, to: entry.acquirer)]
    }

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        if key.name == "cutoff" { return clearDay(now: now) }
        let reference = String(key.name.dropFirst("issuer ".count))
        guard let entry = waiting.removeValue(forKey: reference) else { return [] }
        return [
            .send(entry.request.response(code: "91"), to: entry.acquirer),
            .record(TimelineEvent(at: now, node: name, kind: .timedOut, reference: reference,
                                  detail: "no answer from \(entry.issuer) within \(configuration.timeout): answered 91",
                                  facts: .init(responseCode: "91"))),
        ]
    }

    /// Clears the day that ends at this cutoff and settles it between issuers and acquirers.
    private mutating func clearDay(now: Instant) -> [NodeAction] {
        let date = configuration.zone.local(now).date
        var actions: [NodeAction] = []
        let exponent = configuration.currency.exponent
        for item in batches.removeValue(forKey: date) ?? [] {
            ledger.transfer(item.amount, from: Ledger.settlement(with: item.issuer), to: Ledger.settlement(with: item.acquirer), memo: "settle \(item.reference)")
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
