public import ISO8583

/// What identifies a request on one link: the terminal (DE41), its STAN (DE11) and its
/// transmission time (DE7).
///
/// Every hop numbers what it forwards from its own STAN counter, so the same three values
/// can name two different transactions on two links (the acquirer's STAN 004441 for one of
/// T0000001's purchases, and T0000001's own STAN 004441 for another, in the same second).
/// A node's own tables hold the references of one link each and never need more; what a
/// node reports to the run (its events and aliases) may also say whose counter numbered the
/// reference, in `numberedBy`, so that the run's view of the whole network keeps the links apart.
public struct TransactionReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// DE41, `-` when absent.
    public var terminal: String { didSet { rehash() } }
    /// DE11, `-` when absent.
    public var stan: String { didSet { rehash() } }
    /// DE7, `-` when absent.
    public var transmission: String { didSet { rehash() } }
    /// The node whose STAN counter gave DE11; empty when not said (inside a node, where every
    /// table is of one link; in an event or alias, the numbering of what the recording node
    /// receives, see `ReferenceAliases`).
    public var numberedBy: String { didSet { rehash() } }
    /// The four hashed once: every node looks a transaction up in several tables per message.
    private var digest: Int

    /// Makes a reference.
    public init(terminal: String, stan: String, transmission: String, numberedBy: String = "") {
        self.terminal = terminal
        self.stan = stan
        self.transmission = transmission
        self.numberedBy = numberedBy
        digest = Self.digest(terminal, stan, transmission, numberedBy)
    }

    /// This reference, saying that `node`'s counter numbered it.
    public func numbered(by node: String) -> TransactionReference {
        var scoped = self
        scoped.numberedBy = node
        return scoped
    }

    private mutating func rehash() { digest = Self.digest(terminal, stan, transmission, numberedBy) }

    private static func digest(_ terminal: String, _ stan: String, _ transmission: String, _ numberedBy: String) -> Int {
        var hasher = Hasher()
        hasher.combine(terminal)
        hasher.combine(stan)
        hasher.combine(transmission)
        hasher.combine(numberedBy)
        return hasher.finalize()
    }

    public static func == (lhs: TransactionReference, rhs: TransactionReference) -> Bool {
        lhs.digest == rhs.digest && lhs.terminal == rhs.terminal && lhs.stan == rhs.stan && lhs.transmission == rhs.transmission
            && lhs.numberedBy == rhs.numberedBy
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    /// `T0000001/577649/0508101500`.
    public var description: String { "\(terminal)/\(stan)/\(transmission)" }

    public static func < (lhs: TransactionReference, rhs: TransactionReference) -> Bool {
        (lhs.terminal, lhs.stan, lhs.transmission, lhs.numberedBy) < (rhs.terminal, rhs.stan, rhs.transmission, rhs.numberedBy)
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
