public import ISO8583
public import SettlementCalendar

/// Reversals and advices a node sends until they are acknowledged: store and forward.
///
/// The first transmission waits one timeout for its answer; each repeat (the MTI's
/// fourth digit set: `0401`, `0421`, `0221`) waits twice as long as the one before, up to
/// 64 timeouts. A node never gives up: a switch keeps an advice until the issuer is back,
/// however long it is away, and the run's horizon bounds the wait.
public struct Retransmissions: Sendable {
    /// One message waiting for its acknowledgement.
    public struct Pending: Sendable {
        /// The message as last sent.
        public var message: ISOMessage
        /// Where it goes.
        public var peer: String
        /// How many times it has been sent.
        public var attempts: Int
    }

    /// How long the first transmission waits; repeats wait longer.
    public let timeout: Duration
    /// What is waiting, by the message's own reference.
    public private(set) var pending: [TransactionReference: Pending] = [:]

    /// Makes an empty store.
    public init(timeout: Duration) { self.timeout = timeout }

    /// The wait after attempt `attempt`: the timeout, doubled for each earlier attempt, at most 64 times it.
    public static func delay(after timeout: Duration, attempt: Int) -> Duration {
        timeout * (1 << min(max(attempt - 1, 0), 6))
    }

    /// Sends a message for the first time and waits for its acknowledgement.
    public mutating func start(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] {
        let reference = message.transactionReference
        pending[reference] = Pending(message: message, peer: peer, attempts: 1)
        return [.send(message, to: peer), .startTimer(.repeat(reference), at: now.advanced(by: timeout))]
    }

    /// The repeat timer of `reference` fired: send it again, marked as a repeat.
    public mutating func fire(_ reference: TransactionReference, now: Instant) -> [NodeAction] {
        guard var entry = pending[reference] else { return [] }
        entry.attempts += 1
        entry.message.mti = entry.message.mti.repeated
        pending[reference] = entry
        return [
            .send(entry.message, to: entry.peer),
            .startTimer(.repeat(reference), at: now.advanced(by: Self.delay(after: timeout, attempt: entry.attempts))),
        ]
    }

    /// The answer to `reference` came: stop sending it. Nil when nothing was waiting for it,
    /// or when the answer says the message was not read (`30`, a format or MAC error): then
    /// it is sent again at its time.
    public mutating func acknowledge(_ reference: TransactionReference, code: ResponseCode? = nil) -> [NodeAction]? {
        guard code != .formatError, code != .macFailure, pending.removeValue(forKey: reference) != nil else { return nil }
        return [.cancelTimer(.repeat(reference))]
    }

    /// How many times a message waiting for its acknowledgement has been sent.
    public func attempts(_ reference: TransactionReference) -> Int { pending[reference]?.attempts ?? 0 }

    /// Stops sending a message without an acknowledgement (its sender gave up); returns it.
    public mutating func giveUp(_ reference: TransactionReference) -> Pending? { pending.removeValue(forKey: reference) }

    /// Whether a message is waiting for its acknowledgement.
    public func isPending(_ reference: TransactionReference) -> Bool { pending[reference] != nil }
}
