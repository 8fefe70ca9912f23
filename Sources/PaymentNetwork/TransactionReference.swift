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
///
/// A reference is a key of every table a node keeps per transaction (its journal, its hops,
/// a load run's books), so it is packed into 32 bytes, where four strings took 72: DE41 of up
/// to 8 ASCII characters in one word, a six-digit STAN and a ten-digit DE7 as numbers in
/// another, and `numberedBy` as it is. Anything else a peer sends (a longer DE41, a STAN that
/// is not six digits) is kept whole, spelled out in the string, and compares and prints the same.
public struct TransactionReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// DE41's bytes, first byte highest, zero after its end: the word orders as the string does.
    private var terminalWord: UInt64
    /// STAN + 1 (0 for `-`) above bit 34, DE7 + 1 (0 for `-`) below it; `spelledOut` when the
    /// three did not pack, and then both words are that flag and zero.
    private var numbersWord: UInt64
    /// `numberedBy`; or, spelled out, the four as length-prefixed UTF-8 (`8:T00000017:0044411...`).
    private var rest: String

    private static let spelledOut: UInt64 = 1 << 63
    private static let transmissionBits: UInt64 = 34

    /// Makes a reference.
    public init(terminal: String, stan: String, transmission: String, numberedBy: String = "") {
        if let terminalWord = Self.packTerminal(terminal), let stanValue = Self.packDigits(stan, count: 6),
           let transmissionValue = Self.packDigits(transmission, count: 10) {
            self.terminalWord = terminalWord
            numbersWord = stanValue << Self.transmissionBits | transmissionValue
            rest = numberedBy
        } else {
            terminalWord = 0
            numbersWord = Self.spelledOut
            rest = [terminal, stan, transmission, numberedBy].map { "\($0.utf8.count):\($0)" }.joined()
        }
    }

    /// This reference, saying that `node`'s counter numbered it.
    public func numbered(by node: String) -> TransactionReference {
        guard numbersWord == Self.spelledOut else {
            var scoped = self
            scoped.rest = node
            return scoped
        }
        return TransactionReference(terminal: terminal, stan: stan, transmission: transmission, numberedBy: node)
    }

    /// DE41, `-` when absent.
    public var terminal: String {
        guard numbersWord != Self.spelledOut else { return parts[0] }
        let word = terminalWord
        return String(unsafeUninitializedCapacity: 8) { buffer in
            var length = 0
            while length < 8, case let byte = UInt8(truncatingIfNeeded: word >> (56 - 8 * length)), byte != 0 {
                buffer[length] = byte
                length += 1
            }
            return length
        }
    }

    /// DE11, `-` when absent.
    public var stan: String {
        guard numbersWord != Self.spelledOut else { return parts[1] }
        return Self.digits(numbersWord >> Self.transmissionBits, count: 6)
    }

    /// DE7, `-` when absent.
    public var transmission: String {
        guard numbersWord != Self.spelledOut else { return parts[2] }
        return Self.digits(numbersWord & (1 << Self.transmissionBits - 1), count: 10)
    }

    /// The node whose STAN counter gave DE11; empty when not said (inside a node, where every
    /// table is of one link; in an event or alias, the numbering of what the recording node
    /// receives, see `ReferenceAliases`).
    public var numberedBy: String { numbersWord == Self.spelledOut ? parts[3] : rest }

    /// `T0000001/577649/0508101500`.
    public var description: String { "\(terminal)/\(stan)/\(transmission)" }

    public static func < (lhs: TransactionReference, rhs: TransactionReference) -> Bool {
        guard lhs.numbersWord != spelledOut, rhs.numbersWord != spelledOut else {
            return (lhs.terminal, lhs.stan, lhs.transmission, lhs.numberedBy) < (rhs.terminal, rhs.stan, rhs.transmission, rhs.numberedBy)
        }
        return (lhs.terminalWord, lhs.numbersWord, lhs.rest) < (rhs.terminalWord, rhs.numbersWord, rhs.rest)
    }

    /// DE41 as a word, when it is at most 8 ASCII characters (no NUL).
    private static func packTerminal(_ terminal: String) -> UInt64? {
        var word: UInt64 = 0
        var length = 0
        for byte in terminal.utf8 {
            guard length < 8, byte != 0, byte < 0x80 else { return nil }
            word |= UInt64(byte) << (56 - 8 * length)
            length += 1
        }
        return word
    }

    /// `-` as 0, exactly `count` ASCII digits as their value + 1; nil for anything else.
    private static func packDigits(_ text: String, count: Int) -> UInt64? {
        if text == "-" { return 0 }
        var value: UInt64 = 0
        var length = 0
        for byte in text.utf8 {
            guard length < count, byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + UInt64(byte - 0x30)
            length += 1
        }
        return length == count ? value + 1 : nil
    }

    /// What `packDigits` packed.
    private static func digits(_ packed: UInt64, count: Int) -> String {
        guard packed > 0 else { return "-" }
        var value = packed - 1
        return String(unsafeUninitializedCapacity: count) { buffer in
            for index in stride(from: count - 1, through: 0, by: -1) {
                buffer[index] = 0x30 + UInt8(value % 10)
                value /= 10
            }
            return count
        }
    }

    /// The four, when spelled out.
    private var parts: [String] {
        var parts: [String] = []
        var bytes = Substring(rest).utf8[...]
        while let colon = bytes.firstIndex(of: 0x3A), let length = Int(Substring(bytes[..<colon])) {
            let start = bytes.index(after: colon)
            let end = bytes.index(start, offsetBy: length)
            parts.append(String(Substring(bytes[start..<end])))
            bytes = bytes[end...]
        }
        return parts
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
