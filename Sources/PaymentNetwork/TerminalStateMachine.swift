import ISO8583
import SettlementCalendar

/// A card terminal: sends purchases to its acquirer and waits for the answer; with no
/// answer in time it reverses (`0400`, repeated as `0401` until answered). It also
/// voids, and sends a message again when told to.
public struct TerminalStateMachine: NodeLogic {
    /// What a terminal is set up with.
    public struct Configuration: Sendable {
        /// The terminal id, DE41 (8 characters).
        public var id: String
        /// The merchant it belongs to, DE42 (15 characters).
        public var merchantID: String
        /// The acquirer node it sends to.
        public var acquirer: String
        /// How long it waits for an answer.
        public var timeout: Duration
        /// The currency of its amounts.
        public var currency: Currency
        /// The local time zone.
        public var zone: Zone

        /// Makes a configuration.
        public init(id: String, merchantID: String, acquirer: String, timeout: Duration, currency: Currency, zone: Zone) {
            self.id = id
            self.merchantID = merchantID
            self.acquirer = acquirer
            self.timeout = timeout
            self.currency = currency
            self.zone = zone
        }
    }

    /// A request waiting for its answer.
    private struct Waiting: Sendable {
        var transactionID: String
        var request: ISOMessage
        var operation: TimelineEvent.Operation
        /// The reference events are recorded under (the original's, for a void or reversal).
        var reference: String
        /// How many times a reversal was sent.
        var attempts = 1
    }

    public let configuration: Configuration
    public var name: String { configuration.id }
    public private(set) var ledger = Ledger()
    private var trace: TraceNumbers
    /// Requests waiting for an answer, by their own reference.
    private var waiting: [String: Waiting] = [:]
    /// Each transaction's purchase request and its answer, by scenario id.
    private var purchases: [String: (request: ISOMessage, response: ISOMessage?)] = [:]

    /// Makes a terminal whose STANs start at a number drawn from the seed.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed, stream: configuration.id)
        trace = TraceNumbers(&generator)
    }

    public var waitingOn: [String] { waiting.values.map { "\($0.operation.rawValue) of \($0.transactionID)" }.sorted() }

    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] {
        switch command {
        case .swipe(let swipe): return purchase(swipe, now: now)
        case .repeatSwipe(let id, let original): return sendAgain(id: id, original: original, now: now)
        case .void(let original): return void(original, now: now)
        default: return []
        }
    }

    private mutating func purchase(_ swipe: NodeCommand.Swipe, now: Instant) -> [NodeAction] {
        let local = configuration.zone.local(now)
        var request = ISOMessage(mti: "0200")
        request[DE.pan] = swipe.pan
        request[DE.processingCode] = ProcessingCode.purchase
        request[DE.amount] = swipe.amount.de4
        request[DE.transmissionDateTime] = MessageTimes.transmission(now)
        request[DE.stan] = trace.take()
        request[DE.localTime] = local.time.hhmmss
        request[DE.localDate] = local.date.mmdd
        request[DE.expiry] = swipe.expiry
        request[DE.entryMode] = "021"
        request[DE.conditionCode] = "00"
        request[DE.terminalID] = configuration.id
        request[DE.merchantID] = configuration.merchantID
        request[DE.currency] = configuration.currency.numeric
        let reference = request.transactionReference
        purchases[swipe.id] = (request, nil)
        waiting[reference] = Waiting(transactionID: swipe.id, request: request, operation: .purchase, reference: reference)
        let amountText = swipe.amount.formatted(exponent: configuration.currency.exponent)
        return [
            .record(TimelineEvent(
                at: now, node: name, kind: .swiped, reference: reference,
                detail: "\(amountText) \(configuration.currency.code) on card \(PAN.mask(swipe.pan)), STAN \(request[DE.stan]!)",
                facts: .init(transactionID: swipe.id, amount: swipe.amount))),
            .send(request, to: configuration.acquirer),
            .startTimer(TimerKey("answer \(reference)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    /// The same bytes again: same STAN, same DE7, as a terminal that retransmits does.
    private mutating func sendAgain(id: String, original: String, now: Instant) -> [NodeAction] {
        guard let request = purchases[original]?.request else { return [] }
        let reference = request.transactionReference
        purchases[id] = (request, nil)
        waiting[reference] = Waiting(transactionID: id, request: request, operation: .purchase, reference: reference)
        return [
            .record(TimelineEvent(
                at: now, node: name, kind: .swiped, reference: reference,
                detail: "the message of \(original) sent again, same STAN \(request[DE.stan] ?? "")",
                facts: .init(transactionID: id, amount: request.amount))),
            .send(request, to: configuration.acquirer),
            .startTimer(TimerKey("answer \(reference)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    /// A `0200` with processing code `200000` that points at the original through DE90 and DE37.
    private mutating func void(_ original: String, now: Instant) -> [NodeAction] {
        guard let (request, response) = purchases[original] else { return [] }
        let local = configuration.zone.local(now)
        var void = request.keeping([DE.pan, DE.amount, DE.expiry, DE.entryMode, DE.conditionCode, DE.terminalID, DE.merchantID, DE.currency], mti: "0200")
        void[DE.processingCode] = ProcessingCode.void
        void[DE.transmissionDateTime] = MessageTimes.transmission(now)
        void[DE.stan] = trace.take()
        void[DE.localTime] = local.time.hhmmss
        void[DE.localDate] = local.date.mmdd
        void[DE.originalData] = request.originalDataElements
        if let rrn = response?[DE.rrn] { void[DE.rrn] = rrn }
        let own = void.transactionReference
        waiting[own] = Waiting(transactionID: original, request: void, operation: .void, reference: request.transactionReference)
        return [
            .send(void, to: configuration.acquirer),
            .startTimer(TimerKey("answer \(own)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        let own = message.transactionReference
        guard message.isResponse, let entry = waiting[own] else { return [] }
        waiting[own] = nil
        let code = message[DE.responseCode] ?? "??"
        var actions: [NodeAction] = [.cancelTimer(TimerKey("answer \(own)"))]
        switch entry.operation {
        case .purchase:
            purchases[entry.transactionID]?.response = message
            let approved = code == "00"
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: approved ? .authorized : .declined, reference: entry.reference,
                detail: approved ? "approved, authorization code \(message[DE.authorizationCode] ?? "-")" : "declined with \(code) (\(ResponseCode.meaning(code)))",
                facts: .init(transactionID: entry.transactionID, responseCode: code))))
        case .void:
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: code == "00" ? .voided : .declined, reference: entry.reference,
                detail: code == "00" ? "void approved" : "void refused with \(code) (\(ResponseCode.meaning(code)))",
                facts: .init(transactionID: entry.transactionID, responseCode: code, operation: .void))))
        case .reversal:
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .reversed, reference: entry.reference,
                detail: code == "00" ? "reversal acknowledged" : "reversal answered \(code) (\(ResponseCode.meaning(code)))",
                facts: .init(transactionID: entry.transactionID, responseCode: code, operation: .reversal))))
        default:
            break
        }
        return actions
    }

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        let own = String(key.name.dropFirst("answer ".count))
        guard let entry = waiting.removeValue(forKey: own) else { return [] }
        switch entry.operation {
        case .purchase:
            // No answer: the purchase may have been approved upstream, so reverse it.
            return [.record(TimelineEvent(
                at: now, node: name, kind: .timedOut, reference: entry.reference,
                detail: "no answer within \(configuration.timeout.compact): reversing",
                facts: .init(transactionID: entry.transactionID)))] + reverse(entry, now: now, repeatOf: nil)
        case .reversal:
            guard entry.attempts < RepeatSchedule.maximumAttempts else {
                return [.fault("gave up on the reversal of \(entry.transactionID) after \(entry.attempts) attempts")]
            }
            return reverse(entry, now: now, repeatOf: entry.request)
        default:
            return [.record(TimelineEvent(
                at: now, node: name, kind: .timedOut, reference: entry.reference,
                detail: "no answer to the \(entry.operation.rawValue) within \(configuration.timeout.compact)",
                facts: .init(transactionID: entry.transactionID, operation: entry.operation)))]
        }
    }

    /// Sends a `0400` for a purchase, or repeats an unanswered reversal as `0401`.
    private mutating func reverse(_ entry: Waiting, now: Instant, repeatOf previous: ISOMessage?) -> [NodeAction] {
        var reversal: ISOMessage
        if var previous {
            previous.mti = "0401"
            reversal = previous
        } else {
            reversal = entry.request.keeping([DE.pan, DE.processingCode, DE.amount, DE.localTime, DE.localDate, DE.expiry, DE.entryMode, DE.conditionCode, DE.terminalID, DE.merchantID, DE.currency], mti: "0400")
            reversal[DE.transmissionDateTime] = MessageTimes.transmission(now)
            reversal[DE.stan] = trace.take()
            reversal[DE.originalData] = entry.request.originalDataElements
        }
        let own = reversal.transactionReference
        let attempts = previous == nil ? 1 : entry.attempts + 1
        waiting[own] = Waiting(transactionID: entry.transactionID, request: reversal, operation: .reversal, reference: entry.reference, attempts: attempts)
        return [
            .send(reversal, to: configuration.acquirer),
            .startTimer(TimerKey("answer \(own)"), at: now.advanced(by: RepeatSchedule.delay(after: configuration.timeout, attempt: attempts))),
        ]
    }

    public mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] {
        let own = message.transactionReference
        guard let entry = waiting[own] else { return [] }
        switch entry.operation {
        case .purchase:
            // Nothing left the terminal: there is nothing to reverse.
            waiting[own] = nil
            return [
                .cancelTimer(TimerKey("answer \(own)")),
                .record(TimelineEvent(
                    at: now, node: name, kind: .failed, reference: entry.reference,
                    detail: "could not reach \(peer): nothing was sent",
                    facts: .init(transactionID: entry.transactionID))),
            ]
        default:
            // The reversal or void is tried again when its timer fires.
            return []
        }
    }
}

extension TimeOfDay {
    /// `hhmmss`, as DE12 carries it.
    public var hhmmss: String {
        String(hour).leftPadded(2) + String(minute).leftPadded(2) + String(second).leftPadded(2)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
