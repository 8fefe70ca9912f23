public import ISO8583

/// What identifies a request through every hop: the terminal (DE41), its STAN (DE11) and
/// its transmission time (DE7).
public struct TransactionReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// DE41, `-` when absent.
    public var terminal: String { didSet { digest = Self.digest(terminal, stan, transmission) } }
    /// DE11, `-` when absent.
    public var stan: String { didSet { digest = Self.digest(terminal, stan, transmission) } }
    /// DE7, `-` when absent.
    public var transmission: String { didSet { digest = Self.digest(terminal, stan, transmission) } }
    /// The three hashed once: every node looks a transaction up in several tables per message.
    private var digest: Int

    /// Makes a reference.
    public init(terminal: String, stan: String, transmission: String) {
        self.terminal = terminal
        self.stan = stan
        self.transmission = transmission
        digest = Self.digest(terminal, stan, transmission)
    }

    private static func digest(_ terminal: String, _ stan: String, _ transmission: String) -> Int {
        var hasher = Hasher()
        hasher.combine(terminal)
        hasher.combine(stan)
        hasher.combine(transmission)
        return hasher.finalize()
    }

    public static func == (lhs: TransactionReference, rhs: TransactionReference) -> Bool {
        lhs.digest == rhs.digest && lhs.terminal == rhs.terminal && lhs.stan == rhs.stan && lhs.transmission == rhs.transmission
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    /// `T0000001/577649/0508101500`.
    public var description: String { "\(terminal)/\(stan)/\(transmission)" }

    public static func < (lhs: TransactionReference, rhs: TransactionReference) -> Bool {
        (lhs.terminal, lhs.stan, lhs.transmission) < (rhs.terminal, rhs.stan, rhs.transmission)
    }
}

extension ISOMessage {
    /// The reference of this message through every hop.
    public var transactionReference: TransactionReference {
        TransactionReference(terminal: self[DE.terminalID] ?? "-", stan: self[DE.stan] ?? "-", transmission: self[DE.transmissionDateTime] ?? "-")
    }

    /// The reference of the original a reversal, void or advice points at through DE90;
    /// for other messages, their own reference.
    public var originalReference: TransactionReference {
        guard let data = self[DE.originalData], data.count == 42 else { return transactionReference }
        let characters = Array(data)
        return TransactionReference(
            terminal: self[DE.terminalID] ?? "-", stan: String(characters[4..<10]), transmission: String(characters[10..<20]))
    }

    /// The payout a credit or its answer belongs to, by DE37.
    public var payoutReference: EventReference { .payout(rrn: self[DE.rrn] ?? "") }
}

extension Dictionary where Key == TransactionReference {
    /// The entry DE90 of `message` names: the exact reference, or, for a follow-up made at
    /// another terminal of the merchant, the one with the STAN and DE7 it names (after the
    /// first hop every STAN comes from one node's counter, so these alone tell it).
    public func key(namedBy message: ISOMessage) -> TransactionReference {
        let named = message.originalReference
        guard self[named] == nil else { return named }
        return keys.first { $0.stan == named.stan && $0.transmission == named.transmission } ?? named
    }
}
