import ISO8583
import SettlementCalendar

/// A card terminal: sends purchases to its acquirer and waits for the answer.
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

    private struct Pending: Sendable {
        var transactionID: String
        var request: ISOMessage
    }

    public let configuration: Configuration
    public var name: String { configuration.id }
    public private(set) var ledger = Ledger()
    private var nextSTAN: Int
    private var pending: [String: Pending] = [:]

    /// Makes a terminal whose STANs start at a number drawn from the seed.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed, stream: configuration.id)
        nextSTAN = Int(generator.next(upperBound: UInt64(900_000))) + 1
    }

    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] {
        switch command {
        case .swipe(let swipe):
            return purchase(swipe, now: now)
        }
    }

    private mutating func purchase(_ swipe: NodeCommand.Swipe, now: Instant) -> [NodeAction] {
        let stan = String(nextSTAN).leftPadded(6)
        nextSTAN = nextSTAN % 999_999 + 1
        let local = configuration.zone.local(now)
        let utc = LocalDateTime(secondsSinceEpoch: now.seconds)
        var request = ISOMessage(mti: "0200")
        request[DE.pan] = swipe.pan
        request[DE.processingCode] = ProcessingCode.purchase
        request[DE.amount] = swipe.amount.de4
        request[DE.transmissionDateTime] = utc.date.mmdd + utc.time.hhmmss
        request[DE.stan] = stan
        request[DE.localTime] = local.time.hhmmss
        request[DE.localDate] = local.date.mmdd
        request[DE.expiry] = swipe.expiry
        request[DE.entryMode] = "021"
        request[DE.conditionCode] = "00"
        request[DE.terminalID] = configuration.id
        request[DE.merchantID] = configuration.merchantID
        request[DE.currency] = configuration.currency.numeric
        let reference = request.transactionReference
        pending[reference] = Pending(transactionID: swipe.id, request: request)
        let amountText = swipe.amount.formatted(exponent: configuration.currency.exponent)
        return [
            .record(TimelineEvent(
                at: now, node: name, kind: .swiped, reference: reference,
                detail: "\(amountText) \(configuration.currency.code) on card \(PAN.mask(swipe.pan)), STAN \(stan)",
                facts: .init(transactionID: swipe.id, amount: swipe.amount))),
            .send(request, to: configuration.acquirer),
            .startTimer(TimerKey("response \(reference)"), at: now.advanced(by: configuration.timeout)),
        ]
    }

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        let reference = message.transactionReference
        guard message.mti == "0210", let original = pending.removeValue(forKey: reference) else { return [] }
        let code = message[DE.responseCode] ?? "??"
        let approved = code == "00"
        return [
            .cancelTimer(TimerKey("response \(reference)")),
            .record(TimelineEvent(
                at: now, node: name, kind: approved ? .authorized : .declined, reference: reference,
                detail: approved ? "approved, authorization code \(message[DE.authorizationCode] ?? "-")" : "declined with response code \(code)",
                facts: .init(transactionID: original.transactionID, responseCode: code))),
        ]
    }

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        let reference = String(key.name.dropFirst("response ".count))
        guard let original = pending.removeValue(forKey: reference) else { return [] }
        return [
            .record(TimelineEvent(
                at: now, node: name, kind: .timedOut, reference: reference,
                detail: "no answer within \(configuration.timeout)",
                facts: .init(transactionID: original.transactionID))),
        ]
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
